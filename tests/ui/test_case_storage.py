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
from PySide6.QtWidgets import QApplication, QTreeWidget, QTreeWidgetItem
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.demo.journey import JourneyDriver
from app.journey import put_away, take_out
from db.enums import CaseStage, UnitKind
from db.models import Unit
from tests.ui.fit import PAGE_AREAS, save_shot
from ui.pages.cases.page import CasesPage
from ui.shell.style import apply_style
from ui.tasks.runner import TaskRunner

SCREENS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
SIZES = ((1280, 800), (1920, 1080))


@pytest.fixture(autouse=True)
def styled(qapp: QApplication) -> None:
    apply_style(qapp)


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
