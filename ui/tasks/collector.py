"""Python's cyclic garbage collection, run on the GUI thread only.

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
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 250


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
        allocates next."""
        self.timer.stop()
        gc.collect()
        self.collections += 1
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
            gc.collect(due)
            self.collections += 1
