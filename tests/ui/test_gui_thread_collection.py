"""Garbage a screen test leaves at its teardown is freed on the GUI thread before automatic
collection comes back on, never by whichever thread allocates next.

A test's windows are deleted at its teardown (pytest-qt closes them and processes the deferred
deletions), and what they held becomes garbage then: cycles holding Python-owned Qt objects (a
closed plot's menus and timers, a page's task runner). Automatic collection used to come back on
with that garbage still there, so the next thread to allocate could run the collection and free
those Qt objects on its own thread: under pytest-xdist the worker's channel thread allocates
whenever the controller sends work. A Qt object freed off its thread can crash the GUI thread
later (a segmentation fault in a later test, which passes alone). The two tests run in this
order: the first leaves such garbage behind a widget; the second asks where and when it went.
"""

from __future__ import annotations

import gc
import threading
import weakref

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ui.tasks.collector import GuiThreadCollector

_FREED: dict[str, tuple[bool, bool, bool]] = {}
"""How the first test's garbage went: (on the GUI thread, with automatic collection on,
while the second test ran)."""
_SECOND_TEST_RUNNING = threading.Event()
_LEFT = threading.Event()


class _Cycle:
    """Garbage only a collection frees, holding a Qt object Python owns."""

    def __init__(self) -> None:
        self.me = self
        self.timer = QTimer()


def _note_freed() -> None:
    _FREED["timer"] = (
        threading.current_thread() is threading.main_thread(),
        gc.isenabled(),
        _SECOND_TEST_RUNNING.is_set(),
    )


def test_a_closed_window_leaves_qt_garbage_at_its_teardown(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)  # closed and deleted at teardown
    child = QWidget(window)
    cycle = _Cycle()
    child.cycle = cycle  # type: ignore[attr-defined]  # garbage once the window is deleted
    weakref.finalize(cycle.timer, _note_freed)
    del cycle, child
    _LEFT.set()


def test_that_garbage_was_freed_on_the_gui_thread_before_collection_came_back_on(
    qtbot: QtBot,
) -> None:
    if not _LEFT.is_set():
        pytest.skip("runs after the test above")
    _SECOND_TEST_RUNNING.set()
    assert _FREED == {"timer": (True, False, False)}


def test_a_deleted_temperature_plot_takes_pyqtgraphs_menu_and_state_group_with_it(
    qtbot: QtBot,
) -> None:
    """pyqtgraph holds them in a cycle without a Qt parent: left alone, only a collection
    would delete them. They go with the plot, in the event loop, with no collection."""
    from ui.widgets.temperature_plot import TemperaturePlot  # noqa: PLC0415 - pyqtgraph

    plot = TemperaturePlot()
    item = plot.getPlotItem()
    menu, group = item.ctrlMenu, item.stateGroup
    assert menu.isWindow()  # still a pop-up menu, not drawn inside the plot
    assert not gc.isenabled()  # the GUI-thread collector's timer does not run in here
    plot.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(plot)
    assert not shiboken6.isValid(menu)
    assert not shiboken6.isValid(group)


class _WindowInACycle:
    """A live window (Python owns it) held only by a reference cycle, which tells when it is
    destroyed: inside a collection or not."""

    def __init__(self, seen: list[str], collecting: list[bool]) -> None:
        self.me = self
        self.window = QWidget()
        self.window.show()
        self.window.destroyed.connect(
            lambda: seen.append("destroyed in a collection" if collecting[0] else "destroyed")
        )


def test_a_live_qt_object_found_unreachable_is_deleted_by_qt_after_the_collection(
    qtbot: QtBot, collected_on_the_gui_thread: GuiThreadCollector
) -> None:
    """A collection that ran a widget's destructor itself would emit ``destroyed``, call event
    filters and move the focus from inside the collector (a segmentation fault, twice in the
    suite): the widget is handed to Qt, deleted once the event loop turns, and only then is
    what it held freed."""
    seen: list[str] = []
    collecting = [False]

    def phase(stage: str, _info: dict[str, int]) -> None:
        collecting[0] = stage == "start"

    cycle = _WindowInACycle(seen, collecting)
    window, holder = cycle.window, weakref.ref(cycle)
    held = weakref.ref(window)
    del cycle, window
    gc.callbacks.append(phase)
    try:
        deferred = collected_on_the_gui_thread.deferred
        collected_on_the_gui_thread.collect(2)
        assert holder() is None  # the plain Python part of the cycle is freed at once
        assert seen == []  # the window is not deleted inside the collection
        assert collected_on_the_gui_thread.deferred == deferred + 1
        qtbot.waitUntil(lambda: seen != [], timeout=5_000)  # Qt deletes it, outside it
        assert seen == ["destroyed"]
        collected_on_the_gui_thread.collect(2)
        assert held() is None  # and its wrapper goes with the next collection
    finally:
        gc.callbacks.remove(phase)
