"""The case screen shows where each stored unit is (issue 14, point 4), on both backends.

A case driven to QC / pending release through the services; Otto puts its two final product
bags away by scan; the Cases page's genealogy then says where each one is, and no longer after
one is taken out. Screenshots at 1280 × 800 and 1920 × 1080: tests/artifacts/screens/
cases-storage-*.png.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTreeWidget, QTreeWidgetItem
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.casefile import batch_record_screen
from app.demo.journey import JourneyDriver
from app.journey import put_away, take_out
from db.enums import CaseStage, UnitKind
from db.models import Unit
from tests.ui.fit import PAGE_AREAS, save_shot
from ui.pages import CaseWorkPage, StorageBox
from ui.pages.cases.page import CasesPage
from ui.shell.style import apply_style
from ui.tasks.runner import TaskRunner
from ui.widgets import ScanField

SCREENS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
SIZES = ((1280, 800), (1920, 1080))


@pytest.fixture(autouse=True)
def styled(qapp: QApplication) -> None:
    apply_style(qapp)


class _StoragePage(CaseWorkPage):
    """The storage panel on a case work page, as the bedside page holds it."""

    stages = (CaseStage.QC_PENDING_RELEASE,)
    read_screen = staticmethod(batch_record_screen)

    def __init__(self, demo: Any, actor: Any, runner: TaskRunner) -> None:
        super().__init__(demo.database, actor, runner, "Storage")
        self.storage = StorageBox(self)
        self.body_layout.addWidget(self.storage)
        self.refresh()

    def show_case(self, state: Any | None) -> None:
        pass


def _settle(qtbot: QtBot, runner: TaskRunner) -> None:
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    QApplication.processEvents()


def _store(qtbot: QtBot, page: _StoragePage, din: str, place: str, button: Any) -> None:
    """Scan the bag and the position (each ended with Enter), then press ``button``."""
    for field, text in ((page.storage.unit_scan, f"={din}00"), (page.storage.place_scan, place)):
        field.setFocus()
        qtbot.keyClicks(field, text)
        qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _texts(tree: QTreeWidget) -> list[str]:
    found: list[str] = []

    def walk(item: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        found.append(item.text(0))
        for index in range(item.childCount()):
            walk(item.child(index))

    for index in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(index))
    return found


@pytest.mark.parametrize(
    "demo_database_url",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)],
    indirect=True,
)  # a screen reads: the storage services are tested on both backends
def test_the_case_screen_shows_where_each_stored_unit_is(
    qtbot: QtBot, demo: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.run_to(
        driver.enrol("NBH400201", "Novak", "Ema", date(1975, 4, 5)), CaseStage.QC_PENDING_RELEASE
    )
    otto = demo["otto.operator"]
    with demo.database.read_session() as session:
        bags = list(
            session.scalars(
                select(Unit.din)
                .where(Unit.case_id == case.id, Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
                .order_by(Unit.din)
            )
        )
    for position, din in zip(("A1", "A2"), bags, strict=True):
        put_away(demo.database, otto, case.id, f"={din}00", f"LN2-DEWAR-3/B/12/{position}")

    page = CasesPage(demo.database, otto, runner)
    qtbot.addWidget(page)
    page.resize(*SIZES[0])
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.detail.detail is not None, timeout=10_000)
    stored = [t for t in _texts(page.detail.genealogy) if "\nStored: " in t]
    assert len(stored) == 2
    assert "\nStored: LN2-DEWAR-3, rack B, box 12, position A1 at " in stored[0]
    assert "\nStored: LN2-DEWAR-3, rack B, box 12, position A2 at " in stored[1]
    if demo.database.backend == "sqlite":
        SCREENS.mkdir(parents=True, exist_ok=True)
        for width, height in SIZES:
            page.resize(*PAGE_AREAS[f"{width}x{height}"])  # the page area of such a window
            QApplication.processEvents()
            page.detail.genealogy.scrollToBottom()  # the stored bags in view
            QApplication.processEvents()
            save_shot(page, f"cases-storage-{width}x{height}.png", (width, height))

    take_out(demo.database, otto, case.id, f"={bags[0]}00", "LN2-DEWAR-3/B/12/A1")
    page.refresh()
    qtbot.waitUntil(
        lambda: len([t for t in _texts(page.detail.genealogy) if "\nStored: " in t]) == 1,
        timeout=10_000,
    )

    # issue 16 review: after Put away / Take out the next scan lands in the bag field, not
    # nowhere (the page is disabled while the case is read again, which took the focus away)
    host = _StoragePage(demo, otto, runner)
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    _settle(qtbot, runner)
    assert host.current_case_id() == case.id
    box = host.storage
    for button, words in ((box.put_button, "put away at"), (box.take_button, "taken out of")):
        _store(qtbot, host, bags[0], "LN2-DEWAR-3/B/12/A3", button)
        _settle(qtbot, runner)
        assert words in host.ok_message.text(), host.error_message.text()
        qtbot.waitUntil(lambda: host.focusWidget() is box.unit_scan, timeout=10_000)
        assert isinstance(box.unit_scan, ScanField) and box.unit_scan.text() == ""
