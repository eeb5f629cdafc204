"""Fixtures the screen tests share."""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.conftest import BACKENDS
from tests.ui.fit import set_shot_backend
from ui.shell.main_window import MainWindow
from ui.shell.style import apply_style
from ui.tasks.collector import GuiThreadCollector
from ui.tasks.runner import TaskRunner

_COLLECTOR = pytest.StashKey[GuiThreadCollector]()


@pytest.fixture(autouse=True)
def collected_on_the_gui_thread(
    request: pytest.FixtureRequest, qapp: QApplication
) -> GuiThreadCollector:
    """Garbage collection on the GUI thread only, as in the application (ui/main.py): a worker
    thread never frees a Qt object that a reference cycle held. It stays so until the test's
    windows are deleted at its teardown and their garbage is collected (below)."""
    collector = GuiThreadCollector().install()
    request.node.stash[_COLLECTOR] = collector
    return collector


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    """After the test's fixtures and widgets are gone (pytest-qt deletes the widgets inside this
    hook), delete what is still waiting for deletion and collect its garbage here, on the GUI
    thread, before automatic collection comes back on: otherwise the next thread to allocate
    (under pytest-xdist, the worker's channel thread) could free those Qt objects."""
    try:
        yield
    finally:
        collector = item.stash.get(_COLLECTOR, None)
        if collector is not None:
            del item.stash[_COLLECTOR]
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            collector.uninstall()
            shiboken6.delete(collector)  # here, not by a later collection on another thread


@pytest.fixture
def runner(qtbot: QtBot, qapp: QApplication) -> Iterator[TaskRunner]:
    """The pages' task runner, with the application's stylesheet applied.

    When the test ends every task has delivered its result (so nothing arrives at a deleted
    page) and both pools are idle, before the test's database goes. Then the runner and its
    pools are deleted, here on the GUI thread, rather than left to a garbage collection of the
    pages that hold it.
    """
    apply_style(qapp)
    tasks = TaskRunner()
    yield tasks
    qtbot.waitUntil(lambda: not tasks.busy, timeout=120_000)
    assert tasks.wait(120_000)
    tasks.deleteLater()
    QCoreApplication.sendPostedEvents(tasks, QEvent.Type.DeferredDelete)


def _backend_of(item: pytest.Item) -> str | None:
    """The backend a test's parameters name (``sqlite``, ``postgresql``, or both joined with
    ``+`` for two sites on different ones); None when it is not parametrised by one."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    found: list[str] = []
    for value in callspec.params.values():
        for part in value if isinstance(value, tuple) else (value,):
            if part in BACKENDS and part not in found:
                found.append(part)
    return "+".join(found) or None


@pytest.fixture(autouse=True)
def shots_named_by_backend(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that runs on both backends saves its screenshots with the backend in their names
    (tests/ui/fit.py ``shot_name``): the PostgreSQL variant never overwrites the SQLite one."""
    set_shot_backend(_backend_of(request.node))
    yield
    set_shot_backend(None)


@pytest.fixture(autouse=True)
def no_discard_question(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows that tests close with typed text in them close without asking (nobody would
    answer the modal question); tests/ui/test_sign_out.py asks, and answers, on purpose."""
    monkeypatch.setattr(MainWindow, "asks_before_discarding", False)
