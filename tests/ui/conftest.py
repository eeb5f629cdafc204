"""Fixtures the screen tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.shell.main_window import MainWindow
from ui.shell.style import apply_style
from ui.tasks.collector import GuiThreadCollector
from ui.tasks.runner import TaskRunner


@pytest.fixture(autouse=True)
def collected_on_the_gui_thread(qapp: QApplication) -> Iterator[GuiThreadCollector]:
    """Garbage collection on the GUI thread only, as in the application (ui/main.py): a worker
    thread never frees a Qt object that a reference cycle held."""
    collector = GuiThreadCollector().install()
    yield collector
    collector.uninstall()


@pytest.fixture
def runner(qtbot: QtBot, qapp: QApplication) -> Iterator[TaskRunner]:
    """The pages' task runner, with the application's stylesheet applied.

    When the test ends every task has delivered its result (so nothing arrives at a deleted
    page) and both pools are idle, before the test's database goes.
    """
    apply_style(qapp)
    tasks = TaskRunner()
    yield tasks
    qtbot.waitUntil(lambda: not tasks.busy, timeout=120_000)
    assert tasks.wait(120_000)


@pytest.fixture(autouse=True)
def no_discard_question(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows that tests close with typed text in them close without asking (nobody would
    answer the modal question); tests/ui/test_sign_out.py asks, and answers, on purpose."""
    monkeypatch.setattr(MainWindow, "asks_before_discarding", False)
