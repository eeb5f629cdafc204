"""Background work for screens: services run off the GUI thread, results come back on it.

Reads run on a small pool; writes share ONE worker so two saves never race (Anki's
CollectionOp / QueryOp, Picard's save thread). A task calls an `app` service, which opens its
own session and returns frozen views; the task body never touches widgets. ``done`` and
``failed`` run on the GUI thread. A task can report progress and be cancelled where the work
checks ``Task.cancelled``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int)


class Task(QRunnable):
    """One call of ``work(task)`` on a worker thread."""

    def __init__(self, work: Callable[[Task], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.work = work
        self.signals = _Signals()
        self.cancelled = False

    def report(self, done: int, total: int) -> None:
        """Tell the screen how far the work is (thread-safe)."""
        self.signals.progress.emit(done, total)

    def cancel(self) -> None:
        """Ask the work to stop at its next check of ``cancelled``."""
        self.cancelled = True

    @Slot()
    def run(self) -> None:
        """Run the work; deliver its result or its error as a signal."""
        try:
            result = self.work(self)
        except BaseException as error:  # every error is delivered to the screen
            self.signals.failed.emit(error)
            return
        self.signals.finished.emit(result)


class TaskRunner(QObject):
    """Runs reads on a pool and writes on one worker; keeps tasks alive until they finish."""

    changed = Signal(object)
    """A write succeeded: the frozenset of the kinds of record it changed (``WriteOp.changes``),
    for each open view to decide whether to read again."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reads = QThreadPool(self)
        self.reads.setMaxThreadCount(2)
        self.writes = QThreadPool(self)
        self.writes.setMaxThreadCount(1)
        self._running: set[Task] = set()

    def _start(
        self,
        pool: QThreadPool,
        work: Callable[[Task], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None],
        progress: Callable[[int, int], None] | None,
    ) -> Task:
        task = Task(work)
        self._running.add(task)

        def finish(result: object) -> None:
            self._running.discard(task)
            done(result)

        def fail(error: object) -> None:
            self._running.discard(task)
            failed(error if isinstance(error, BaseException) else RuntimeError(str(error)))

        task.signals.finished.connect(finish)
        task.signals.failed.connect(fail)
        if progress is not None:
            task.signals.progress.connect(progress)
        pool.start(task)
        return task

    def read(
        self,
        work: Callable[[Task], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None],
        progress: Callable[[int, int], None] | None = None,
    ) -> Task:
        """Run a reading service call in the background."""
        return self._start(self.reads, work, done, failed, progress)

    def write(
        self,
        work: Callable[[Task], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None],
        progress: Callable[[int, int], None] | None = None,
    ) -> Task:
        """Run a writing service call on the single writer."""
        return self._start(self.writes, work, done, failed, progress)

    @property
    def busy(self) -> bool:
        """True while any task has not delivered its result."""
        return bool(self._running)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until both pools are idle (for shutdown and tests)."""
        return self.reads.waitForDone(msecs) and self.writes.waitForDone(msecs)
