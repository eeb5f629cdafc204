"""One object for a screen's service call: the work, what it changes, and what follows.

Anki's ``CollectionOp`` / ``QueryOp`` (qt/aqt/operations): a screen builds
``WriteOp(work, doing=..., changes=...)``, says what follows with ``.success(fn)`` and
``.failure(fn)``, and calls ``.run(runner)``. The work runs on a worker thread (writes on the
runner's single writer, so two saves never race); the handlers run on the GUI thread.

The work must not touch a widget: it runs where widgets may not be used. So it is built from
plain values taken on the GUI thread before the operation starts (``partial(service,
database, actor, case_id, ...)`` or a lambda over local values), and an operation whose work
holds a Qt object (``self`` of a page, a field) is refused when it is made.

Known errors (``app.core.CoiError``: NotPermitted, StaleRecord, ValidationFailed, ScanMismatch
...) reach the failure handler in their own words. Anything else is a bug: it is logged in
full with its traceback, and the failure handler gets it marked ``bug`` with words that say so.
"""

from __future__ import annotations

import functools
import logging
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject

from app.core import CoiError, ValidationFailed
from ui.tasks.runner import Task, TaskRunner

log = logging.getLogger(__name__)

T = TypeVar("T")

UNEXPECTED = (
    "Unexpected error",
    "Something went wrong that COI Tracker did not expect. Nothing was saved half-way. "
    "The details are in the log file; please report them to your administrator.",
)
"""Title and text shown for a bug (its details go to the log, never to the screen)."""


def words_for(error: BaseException) -> tuple[str, str]:
    """Title and text for ``error``: a known error's own words, the bug words otherwise."""
    if isinstance(error, CoiError):
        return error.title, error.message
    return UNEXPECTED


@dataclass(frozen=True)
class Failure:
    """Why an operation did not happen, in words a user can act on."""

    doing: str
    """What did not happen, e.g. "The deviation was not raised"."""
    error: BaseException
    title: str
    text: str
    bug: bool
    """True for an error the program did not expect (logged in full)."""

    @classmethod
    def of(cls, error: BaseException, doing: str) -> Failure:
        """The failure ``error`` makes of ``doing``; a bug is logged here, once, in full."""
        bug = not isinstance(error, CoiError)
        if bug:
            log.error("unexpected error: %s", doing, exc_info=error)
        title, text = words_for(error)
        return cls(doing, error, title, text, bug)

    @property
    def because(self) -> str:
        """The reason in words (a validation's title says little, so its text alone)."""
        return self.text if type(self.error) is ValidationFailed else f"{self.title}: {self.text}"

    @property
    def line(self) -> str:
        """The message line: "✖ <what did not happen> — <why>"."""
        return f"✖ {self.doing} — {self.because}"

    @property
    def headline(self) -> str:
        """The shorter line, where the screen already says what was tried: "✖ <title>: <text>"."""
        return f"✖ {self.title}: {self.text}"


def widget_held_by(work: object, depth: int = 3) -> QObject | None:
    """A Qt object that ``work`` would reach on the worker thread (closure, bound ``self``,
    partial arguments, defaults), or None. Looks ``depth`` callables deep."""
    if isinstance(work, QObject):
        return work
    if depth <= 0:
        return None
    held: list[object] = []
    if isinstance(work, functools.partial):
        held = [work.func, *work.args, *work.keywords.values()]
    elif isinstance(work, types.FunctionType):
        held = [cell.cell_contents for cell in work.__closure__ or () if _filled(cell)]
        held += [*(work.__defaults__ or ()), *(work.__kwdefaults__ or {}).values()]
    else:  # a bound method, Python's or Qt's (``page.refresh``, ``field.text``)
        held = [getattr(work, "__self__", None), getattr(work, "__func__", None)]
    for value in held:
        found = widget_held_by(value, depth - 1) if callable(value) else _qt(value)
        if found is not None:
            return found
    return None


def _filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


def _qt(value: object) -> QObject | None:
    return value if isinstance(value, QObject) else None


class Operation(Generic[T]):
    """A service call run off the GUI thread, its outcome delivered on it (see the module)."""

    writes = False

    def __init__(self, work: Callable[[], T], *, doing: str, changes: Iterable[str] = ()) -> None:
        widget = widget_held_by(work)
        if widget is not None:
            raise TypeError(
                f"The work of {doing!r} holds {type(widget).__name__} {widget.objectName()!r}: "
                "it would run on a worker thread. Take the values on the GUI thread first."
            )
        self.work = work
        self.doing = doing
        self.changes = frozenset(changes)
        self._success: Callable[[T], None] = lambda _result: None
        self._failure: Callable[[Failure], None] | None = None
        self._busy: Callable[[bool], None] = lambda _busy: None

    def busy(self, handler: Callable[[bool], None]) -> Operation[T]:
        """Call ``handler(True)`` as the work starts and ``handler(False)`` before the
        success or failure handler (e.g. to disable the screen meanwhile)."""
        self._busy = handler
        return self

    def success(self, handler: Callable[[T], None]) -> Operation[T]:
        """Call ``handler(result)`` on the GUI thread when the work succeeds."""
        self._success = handler
        return self

    def failure(self, handler: Callable[[Failure], None]) -> Operation[T]:
        """Call ``handler(failure)`` on the GUI thread when the work raises."""
        self._failure = handler
        return self

    def run(self, runner: TaskRunner) -> Task:
        """Start the work on ``runner`` (the single writer for a write)."""
        failure = self._failure
        if failure is None:
            raise TypeError(f"{self.doing!r} has no failure handler: a refusal would be lost.")
        work, success, busy, changes = self.work, self._success, self._busy, self.changes

        def done(result: Any) -> None:
            busy(False)
            success(result)
            if changes:
                runner.changed.emit(changes)

        def failed(error: BaseException) -> None:
            busy(False)
            failure(Failure.of(error, self.doing))

        busy(True)
        start = runner.write if self.writes else runner.read
        return start(lambda _task: work(), done, failed)


class WriteOp(Operation[T]):
    """A writing service call: runs on the runner's single writer."""

    writes = True


class ReadOp(Operation[T]):
    """A reading service call: runs on the runner's read pool."""
