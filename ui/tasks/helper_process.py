"""A spawned helper process for heavy service calls: the screen never waits for them.

Parsing and storing a million logger readings holds Python's global interpreter lock in long C
calls and garbage collections, which would freeze a screen for up to a second even though the
work is on another thread. A task thread hands such calls to this process and waits for it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from app.core import Actor, connect

if TYPE_CHECKING:  # the cold chain (numpy) is imported in the helper, when first used
    from app.coldchain import AssessedTrace, LoggerFileView

T = TypeVar("T")


class HelperProcess:
    """One spawned worker process for heavy service calls; a task thread waits for it.

    The waiting thread holds no interpreter lock, so the screen stays responsive whatever the
    call does. Services take a database URL here, never an open session: the process opens
    its own connection per call. Writes stay serialised because only the single writer
    thread submits writes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"), initializer=_yield_cpu
                )
            return self._pool

    def warm(self) -> None:
        """Start the process now, on a thread of its own, if it is not running: a screen that
        will need it calls this when it opens, so that starting a process (and the process's
        imports) never falls inside the user's first heavy call (measured: the longest GUI
        stall of a 200 000-reading import fell from 154 ms to 68-107 ms at load 3-7)."""
        with self._lock:
            if self._pool is not None:
                return
        threading.Thread(target=self._ping, name="helper-process-warm", daemon=True).start()

    def _ping(self) -> None:
        with contextlib.suppress(Exception):  # a failed start shows on the first real call
            self.run(os.getpid)

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """Call ``function(*args)`` in the helper process and return its result (or raise)."""
        pool = self._started()
        try:
            return pool.submit(function, *args).result()
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            raise

    def close(self) -> None:
        """End the helper process, if one was started, once its call (if any) is done."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


HELPER = HelperProcess()


def _yield_cpu() -> None:
    """Run the helper at a lower priority, so the screen wins the CPU when both want it."""
    if hasattr(os, "nice"):
        os.nice(10)


def import_in_helper(
    url: str,
    actor: Actor,
    shipment_id: uuid.UUID,
    path: str,
    window: tuple[datetime, datetime],
    *,
    sha256: str,
    correction: tuple[str, str] | None = None,
) -> LoggerFileView:
    """Import a logger file for a shipment, refused if its content is no longer ``sha256``
    (runs in the helper: it opens its own connection); with ``correction`` (reason,
    password), QA's signed correction of an accepted receipt."""
    from app.coldchain import (  # noqa: PLC0415 - numpy when first used
        correct_logger_file,
        import_logger_file,
    )

    database = connect(url)
    try:
        if correction is not None:
            reason, password = correction
            return correct_logger_file(
                database,
                actor,
                shipment_id,
                path,
                reason,
                password,
                window=window,
                expected_sha256=sha256,
            )
        return import_logger_file(
            database, actor, shipment_id, path, window=window, expected_sha256=sha256
        )
    finally:
        database.dispose()


def assessed_in_helper(url: str, actor: Actor, logger_file_id: uuid.UUID) -> AssessedTrace:
    """Load a stored logger file's trace with its assessment, for an actor who may see it
    (runs in the helper)."""
    from app.coldchain import assessed_trace  # noqa: PLC0415 - numpy when first used

    database = connect(url)
    try:
        return assessed_trace(database, actor, logger_file_id)
    finally:
        database.dispose()
