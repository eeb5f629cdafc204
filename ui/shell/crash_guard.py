"""The last line of defence: an error nobody caught leaves a log and a message, never a window
that vanished without a word.

- A fatal signal (segmentation fault, abort, bus error): ``faulthandler`` writes every thread's
  Python stack to ``crash.log`` before the process dies. Nothing can save the process then, but
  the log is left for the administrator (``kill -USR1 <pid>`` writes the same stacks of a hung
  application without stopping it).
- An exception no code caught, on the GUI thread (raised in a slot: ``sys.excepthook``) or on
  another thread (``threading.excepthook``): its traceback and every thread's stack go to
  ``crash.log`` and the application log, and the user gets a message box on the GUI thread.
"""

from __future__ import annotations

import faulthandler
import logging
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TextIO

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox

log = logging.getLogger(__name__)

CRASH_LOG = "crash.log"
TITLE = "Unexpected error"

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def crash_message(path: Path) -> str:
    """What the user reads after an error the program did not expect."""
    return (
        "COI Tracker met an error it did not expect. What you were doing may not have "
        "finished: check the screen before you go on, and do it again if it is not there.\n\n"
        f"The details are in {path}. Please give that file to your administrator."
    )


class CrashGuard(QObject):
    """Writes what an uncaught error or a crash leaves behind, and tells the user.

    Make it on the GUI thread (its message box opens there, whichever thread failed), then
    ``install()``; ``uninstall()`` puts the previous hooks back.
    """

    reported = Signal(str)
    """An uncaught error was logged: the message for the user (delivered on the GUI thread)."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.setObjectName("crashGuard")
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / CRASH_LOG
        self.box: QMessageBox | None = None
        self.errors = 0
        """Uncaught errors seen since ``install()``."""
        self._file: TextIO | None = None
        self._lock = threading.Lock()
        self._previous: tuple[ExceptHook, Callable[[threading.ExceptHookArgs], object]] | None = (
            None
        )
        self._faulthandler_was_enabled = False
        # Queued, even from the GUI thread: the box never opens inside the failing call.
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    # ------------------------------------------------------------------ hooks
    def install(self) -> CrashGuard:
        """Enable faulthandler on ``crash.log`` and take over both exception hooks."""
        self._file = self.path.open("a", encoding="utf-8")
        self._faulthandler_was_enabled = faulthandler.is_enabled()
        faulthandler.enable(self._file, all_threads=True)
        if hasattr(signal, "SIGUSR1"):  # POSIX: the stacks of a hung application, on demand
            faulthandler.register(signal.SIGUSR1, self._file, all_threads=True, chain=False)
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        return self

    def uninstall(self) -> None:
        """Give the hooks back (faulthandler back to standard error if it was on)."""
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None
        if hasattr(signal, "SIGUSR1"):
            faulthandler.unregister(signal.SIGUSR1)
        faulthandler.disable()
        if self._faulthandler_was_enabled and sys.__stderr__ is not None:
            faulthandler.enable(sys.__stderr__, all_threads=True)
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def excepthook(
        self, kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        """``sys.excepthook``: an exception nobody caught on the main thread (e.g. in a slot)."""
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        self.record("the main thread", kind, error, trace)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        """``threading.excepthook``: an exception nobody caught on another Python thread."""
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "an unknown thread"
        assert args.exc_value is not None
        self.record(f"thread {name!r}", args.exc_type, args.exc_value, args.exc_traceback)

    # ------------------------------------------------------------------ what is left behind
    def record(
        self,
        where: str,
        kind: type[BaseException],
        error: BaseException,
        trace: TracebackType | None,
    ) -> None:
        """Write the error and every thread's stack to the logs, then tell the user."""
        log.critical("uncaught %s in %s", kind.__name__, where, exc_info=(kind, error, trace))
        with self._lock:
            self.errors += 1
            out = self._file
            if out is not None and not out.closed:
                out.write(f"\n=== {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC, uncaught in {where}\n")
                out.write("".join(traceback.format_exception(kind, error, trace)))
                out.write("--- the stack of every thread at that moment:\n")
                out.flush()
                faulthandler.dump_traceback(out, all_threads=True)
                out.flush()
        self.reported.emit(crash_message(self.path))

    def _show(self, text: str) -> None:
        """Open the message box (one at a time: a second error only adds to the log)."""
        if self.box is not None:
            return
        box = QMessageBox(QMessageBox.Icon.Critical, TITLE, text)
        box.setObjectName("crashMessage")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._closed)
        self.box = box
        box.show()

    def _closed(self, _result: int) -> None:
        self.box = None


def install_crash_guard(directory: Path) -> CrashGuard:
    """Guard the application: crash logs go to ``directory`` (the log directory)."""
    return CrashGuard(directory).install()
