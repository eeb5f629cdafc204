"""Python's cyclic garbage collection, run on the GUI thread only, and never deleting a live Qt
object in the middle of a collection.

Python collects reference cycles on whichever thread happens to allocate when a threshold is
crossed, and frees everything the cycles held right there. While tasks run, that is often a
worker thread, and the garbage often holds Qt objects that Python owns: a closed page's
pyqtgraph plot items and their context menus (pyqtgraph is full of cycles), a task runner, a
timer. A QObject freed off its own thread, a widget freed off the GUI thread, crashes the GUI
thread that is painting or delivering events to it at that moment (a segmentation fault in the
middle of an event loop). So while the collector is installed, automatic collection is off and a
timer on the GUI thread runs the same generational collections at the same thresholds: every
cycle is freed where its Qt objects live (the long-standing remedy of PyQt applications).

Found with a diagnosis of the UI suite (gc.DEBUG_SAVEALL, a gc callback naming the thread):
collections on task worker threads held valid, Python-owned pyqtgraph PlotDataItem,
BarGraphItem and ViewBox QMenu objects and a TaskRunner.

Even on the GUI thread, a collection must not run a QObject's destructor. The collection runs
from a timer, inside whatever event loop is turning (a dialog's, a nested wait), and a
destructor run from inside it emits ``destroyed``, calls application event filters and moves
the focus while the collector is tearing down the Python side of the same cycle. A worker of
the suite crashed with a segmentation fault inside ``gc.collect`` here, in two full runs, in two
different screen tests; the same diagnosis named what GUI-thread collections deleted: a whole
main window, a scan station page, a collector, legend items. So a collection keeps every
QObject it finds unreachable that is still alive and owned by Python, and gives it to Qt to
delete (``deleteLater``: once its thread's event loop is back at the level it was asked from);
what it holds is freed by a later collection, after Qt has deleted it. Everything else (pens,
pixmaps, plain Python objects) is freed at once, as before.
"""

from __future__ import annotations

import gc

import shiboken6
from PySide6.QtCore import QObject, QThread, QTimer

INTERVAL_MS = 250


def _alive_and_ours(thing: object) -> bool:
    """A QObject whose C++ side exists and is deleted with its Python wrapper."""
    return (
        isinstance(thing, QObject) and shiboken6.isValid(thing) and shiboken6.ownedByPython(thing)
    )


class GuiThreadCollector(QObject):
    """Switches automatic garbage collection off and collects on a GUI-thread timer instead.

    Make and ``install()`` it on the GUI thread; ``uninstall()`` switches automatic collection
    back on (when it was on).
    """

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.setObjectName("guiThreadCollector")
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_when_due)
        self.collections = 0
        """Collections run so far (any generation)."""
        self.deferred = 0
        """Live Qt objects found unreachable so far, handed to Qt to delete."""
        self._waiting: list[QObject] = []
        """Those Qt has not deleted yet (they keep what they hold from being freed)."""
        self._was_enabled = False

    def install(self) -> GuiThreadCollector:
        """Collect on this (the GUI) thread only, from now on."""
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer.start()
        return self

    def uninstall(self) -> None:
        """Collect everything here, then give collection back to Python (switched on again if
        it was on): garbage left at that moment would otherwise be freed by whichever thread
        allocates next. Qt objects still waiting for Qt to delete them are deleted here (no
        event loop is running them any more)."""
        self.timer.stop()
        for _ in range(10):  # what a deleted object held can hold more Qt objects
            self.collect(2)
            if not self._waiting:
                break
            here = QThread.currentThread()
            for thing in self._waiting:
                if shiboken6.isValid(thing) and thing.thread() is here:
                    shiboken6.delete(thing)  # another thread's still goes with its deleteLater
            self._waiting.clear()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def collect_when_due(self) -> None:
        """Run the collection Python would have run by now: the oldest generation due."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = -1
        for generation in range(3):
            if counts[generation] <= thresholds[generation]:
                break
            due = generation
        if due >= 0:
            self.collect(due)

    def _hand_to_qt(self, found: list[object]) -> None:
        """Give each live Qt object of ``found`` to Qt to delete, and keep it until then."""
        for thing in found:
            if _alive_and_ours(thing):
                assert isinstance(thing, QObject)
                thing.deleteLater()
                self._waiting.append(thing)
                self.deferred += 1

    def collect(self, generation: int) -> None:
        """Collect ``generation`` (and the younger ones); a live Qt object found unreachable
        is deleted by Qt later, never here (see the module)."""
        self._waiting = [thing for thing in self._waiting if shiboken6.isValid(thing)]
        debug = gc.get_debug()
        saved = len(gc.garbage)
        gc.set_debug(debug | gc.DEBUG_SAVEALL)
        try:
            gc.collect(generation)
        finally:
            gc.set_debug(debug)
        found = gc.garbage[saved:]
        del gc.garbage[saved:]
        self._hand_to_qt(found)
        del found
        # What was found survived into the next generation, held by gc.garbage: free the rest
        # there, now that only the objects waiting for Qt hold what they hold.
        gc.collect(min(generation + 1, 2))
        self.collections += 1
