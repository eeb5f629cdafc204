"""Driving the case work pages (batch record, bedside, collection) as a person does.

The ``runner`` fixture (stylesheet applied, tasks drained) is in ``tests/ui/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from app.core import Actor, Database
from tests.support.scanner_keys import scanner_burst
from tests.ui.fit import save_both_sizes, save_shot, sized
from ui.dialogs.signing import SecondPersonDialog
from ui.shell.main_window import MainWindow
from ui.tasks.runner import TaskRunner

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
DEMO_PASSWORD = "demo-password"
PAGE_SIZE = (1000, 780)  # the main window's page area


def settle(qtbot: QtBot, runner: TaskRunner) -> None:
    """Wait until every background task has delivered its result to the page."""
    qtbot.waitUntil(lambda: not runner.busy, timeout=20_000)


def shoot(widget: QWidget, name: str) -> None:
    """Save a screenshot of ``widget`` for people to look at: a name with a size in it
    (``-1280``, ``-1920x1080``) is the window at that size; any other name gets the state at
    1280 × 800 and 1920 × 1080 (``<name>-1280x800.png``, ...; a dialog alone: ``<name>``).
    No grab of the widget at whatever size it has: that third picture showed no window."""
    size = sized(name)
    if size is not None:
        save_shot(widget, name, size)
    else:
        save_both_sizes(widget, name.removesuffix(".png"))


def main_window(
    qtbot: QtBot, database: Database, actor: Actor, runner: TaskRunner | None = None
) -> MainWindow:
    """The main window of ``actor`` at 1280 × 800, shown and exposed (its idle lock far off),
    its tasks on ``runner`` when given (duplicates D5, D6: the enrolment, audit, fit and
    product tests each built it the same way)."""
    window = MainWindow(database, actor, idle_lock_minutes=600)
    if runner is not None:
        window.runner = runner
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def open_page(qtbot: QtBot, page: QWidget, runner: TaskRunner, case_id: Any = None) -> None:
    """Show ``page`` at the main window's page size, loaded, with the case ``case_id`` chosen
    when given (duplicates D2: the collection, F12 and banner-slot tests each did this)."""
    qtbot.addWidget(page)
    page.resize(*PAGE_SIZE)
    page.show()
    qtbot.waitExposed(page)
    settle(qtbot, runner)
    if case_id is not None:
        page.select_case(case_id)  # type: ignore[attr-defined]  # a case-work page
        settle(qtbot, runner)


def scan(qtbot: QtBot, field: Any, raw: str) -> None:
    """Type a scan as a keyboard-wedge scanner does: the characters, then Enter."""
    scanner_burst(field, raw)


def click(qtbot: QtBot, button: Any) -> None:
    """Click a button with the mouse."""
    assert button.isEnabled() and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def second_person(monkeypatch: pytest.MonkeyPatch, username: str) -> list[str]:
    """Make SecondPersonDialog sign ``username`` in as if typed; collects what it says is signed."""
    shown: list[str] = []

    def signed_in(dialog: SecondPersonDialog) -> int:
        shown.append(dialog.findChild(QLabel).text())
        dialog.username_field.setText(username)
        dialog.password_field.setText(DEMO_PASSWORD)
        dialog._sign_in()
        return dialog.result()

    monkeypatch.setattr(SecondPersonDialog, "exec", signed_in)
    return shown


def shoot_sizes(page: QWidget, name: str) -> None:
    """Screenshots of ``page`` in a 1280 × 800 and a 1920 × 1080 window (``name-1280.png``,
    ``name-1920.png``)."""
    for width, height in ((1280, 800), (1920, 1080)):
        save_shot(page, f"{name}-{width}.png", (width, height))
