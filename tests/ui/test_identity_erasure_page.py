"""The case screen's "Erase patient identity…" button: the coordinator confirms, gives the
reason and signs; the case then lists ``[identity erased]``. Nobody else has the button."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core import IDENTITY_ERASED
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from tests.ui.fit import save_both_sizes
from ui.pages.cases import page as cases_page
from ui.pages.cases.page import CasesPage
from ui.shell.style import apply_style
from ui.tasks.runner import TaskRunner

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
SIZES = ((1280, 800), (1920, 1080))


def _sqlite_only(demo: Any) -> None:
    if demo.database.backend != "sqlite":
        pytest.skip("the same screen on both backends; erasure itself is tested on both")


def _settled(qtbot: QtBot, page: CasesPage) -> None:
    qtbot.waitUntil(lambda: page.model.total is not None and not page.model.loading)
    if page.model.rows:
        qtbot.waitUntil(lambda: page.detail.detail is not None, timeout=10_000)


def _screenshots(qtbot: QtBot, page: CasesPage, name: str, backend: str) -> None:
    if backend != "sqlite":
        return
    save_both_sizes(page, name)  # the window at each size, the page in its page area


def test_the_coordinator_erases_after_confirming_and_the_list_says_erased(
    qtbot: QtBot,
    qapp: QApplication,
    demo: Any,
    runner: TaskRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _sqlite_only(demo)
    apply_style(qapp)
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH500001", "Tamm", "Kai", date(1969, 4, 5))
    asked: list[str] = []

    def statement(dialog: Any) -> tuple[str, None]:
        asked.append(dialog.windowTitle())
        dialog.deleteLater()
        return "erasure request 2026-7, assessed", None

    monkeypatch.setattr(cases_page, "ask_statement", statement)
    monkeypatch.setattr(cases_page, "ask_password", lambda *_args: DEMO_PASSWORD)
    page = CasesPage(demo.database, demo["cora.coordinator"], runner)
    qtbot.addWidget(page)
    page.resize(*SIZES[0])
    page.show()
    qtbot.waitExposed(page)
    _settled(qtbot, page)
    assert page.erase.isVisible() and page.erase.isEnabled()
    assert "TAMM, Kai" in page.detail.header.text()
    _screenshots(qtbot, page, "cases-coordinator-erase-button", demo.database.backend)

    page.erase.click()
    qtbot.waitUntil(page.notice.isVisible, timeout=10_000)
    assert asked == [f"Erase the patient's identity — case {case.coi_eye_readable}"]
    assert "identity was erased" in page.notice.text()
    assert page.notice.text().endswith(f"(case {case.coi_eye_readable}).")  # grouped, check
    assert page.notice.width() > page.width() * 0.9  # across the page, not in the button row
    _settled(qtbot, page)
    names = [page.model.data(page.model.index(r, 1)) for r in range(page.model.rowCount())]
    assert names[0] == IDENTITY_ERASED
    assert "Tamm" not in page.detail.header.text()
    _screenshots(qtbot, page, "cases-coordinator-erased", demo.database.backend)

    # Nothing left to erase: the button is not left enabled beside "[identity erased]"
    assert not page.erase.isEnabled()
    assert "erased already" in page.erase.toolTip()
    page.erase_identity()  # as a screen opened before the erasure would: refused in words
    qtbot.waitUntil(page.error.isVisible, timeout=10_000)
    assert "was erased already" in page.error.text()


def test_no_other_role_has_the_erase_button(
    qtbot: QtBot, demo: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    _sqlite_only(demo)
    JourneyDriver(demo.database, tmp_path).enrol("NBH500002", "Uus", "Mari", date(1980, 1, 1))
    for username in ("alex.apheresis", "otto.operator"):
        page = CasesPage(demo.database, demo[username], runner)
        qtbot.addWidget(page)
        page.show()
        _settled(qtbot, page)
        assert not page.erase.isVisible(), username
