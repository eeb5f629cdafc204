"""Background work for screens: services run off the GUI thread, results come back on it.

Reads run on a small pool; writes share ONE worker so two saves never race (Anki's
CollectionOp / QueryOp, Picard's save thread). A task calls an `app` service, which opens its
own session and returns frozen views; the task body never touches widgets. ``done`` and
``failed`` run on the GUI thread. A task can report progress and be cancelled where the work
checks ``Task.cancelled``.

Lifetimes. A worker thread must never free a Qt object: a QObject deleted off its own thread
(by the last reference dropping there, or by a garbage collection that happens to run there)
crashes the GUI thread that is using it at that moment. So a worker holds no Qt object but the
one relay, which lives as long as the process: the task it runs is a plain Python object (no
QRunnable subclass, no per-task QObject), and the outcome travels on the relay's signals to
the GUI thread, where the handlers waiting in ``_IN_FLIGHT`` (a module global: nothing in
flight is ever garbage) are taken out and called. The handlers, and the pages they hold, are
therefore let go on the GUI thread, and a finished task leaves nothing behind (no cycle through
a Qt connection).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, QThreadPool, Signal


class Task:
    """One call of ``work(task)`` on a worker thread (a plain object: see the module)."""

    def __init__(self, key: int, work: Callable[[Task], Any]) -> None:
        self.key = key
        self.work = work
        self.cancelled = False

    def report(self, done: int, total: int) -> None:
        """Tell the screen how far the work is (thread-safe)."""
        _relay().progress.emit(self.key, done, total)

    def cancel(self) -> None:
        """Ask the work to stop at its next check of ``cancelled``."""
        self.cancelled = True

    def run(self) -> None:
        """Run the work; deliver its result or its error through the relay."""
        relay = _relay()
        try:
            result = self.work(self)
        except BaseException as error:  # every error is delivered to the screen
            relay.failed.emit(self.key, error)
            return
        relay.finished.emit(self.key, result)


@dataclass
class _Waiting:
    """What the GUI thread does with a task's outcome."""

    runner: TaskRunner
    task: Task
    done: Callable[[Any], None]
    failed: Callable[[BaseException], None]
    progress: Callable[[int, int], None] | None


_IN_FLIGHT: dict[int, _Waiting] = {}
"""Tasks started and not yet delivered, by key (touched on the GUI thread only)."""
_KEYS = itertools.count(1)


class _Relay(QObject):
    """Carries outcomes from worker threads to the GUI thread (one, never deleted)."""

    finished = Signal(int, object)
    failed = Signal(int, object)
    progress = Signal(int, int, int)

    def __init__(self) -> None:
        super().__init__()
        self.finished.connect(self._finished)
        self.failed.connect(self._failed)
        self.progress.connect(self._progress)

    def _finished(self, key: int, result: object) -> None:
        waiting = _IN_FLIGHT.pop(key, None)
        if waiting is not None:
            waiting.done(result)

    def _failed(self, key: int, error: object) -> None:
        waiting = _IN_FLIGHT.pop(key, None)
        if waiting is not None:
            waiting.failed(error if isinstance(error, BaseException) else RuntimeError(str(error)))

    def _progress(self, key: int, done: int, total: int) -> None:
        waiting = _IN_FLIGHT.get(key)
        if waiting is not None and waiting.progress is not None:
            waiting.progress(done, total)


_RELAY: _Relay | None = None
_RELAY_LOCK = threading.Lock()


def _relay() -> _Relay:
    """The relay; made by the first runner, on the GUI thread."""
    assert _RELAY is not None, "a TaskRunner makes the relay before any task runs"
    return _RELAY


def _make_relay() -> None:
    global _RELAY  # noqa: PLW0603 - one relay for the process, made once
    with _RELAY_LOCK:
        if _RELAY is None:
            _RELAY = _Relay()


class TaskRunner(QObject):
    """Runs reads on a pool and writes on one worker; keeps tasks alive until they finish."""

    changed = Signal(object)
    """A write succeeded: the frozenset of the kinds of record it changed (``WriteOp.changes``),
    for each open view to decide whether to read again."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        _make_relay()
        self.reads = QThreadPool(self)
        self.reads.setMaxThreadCount(2)
        self.writes = QThreadPool(self)
        self.writes.setMaxThreadCount(1)

    def _start(
        self,
        pool: QThreadPool,
        work: Callable[[Task], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None],
        progress: Callable[[int, int], None] | None,
    ) -> Task:
        assert QThread.currentThread() is self.thread(), "tasks start on the runner's thread"
        task = Task(next(_KEYS), work)
        _IN_FLIGHT[task.key] = _Waiting(self, task, done, failed, progress)
        pool.start(task.run)  # Qt's own runnable holds the bound method: no Qt object of ours
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
        return any(waiting.runner is self for waiting in _IN_FLIGHT.values())

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until both pools are idle (for shutdown and tests)."""
        return self.reads.waitForDone(msecs) and self.writes.waitForDone(msecs)
