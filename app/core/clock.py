"""The one clock the journey reads: the computer's time in UTC, which tests can move.

Every viability limit (expiry, collection → receipt, post-thaw, cumulative excursion) is judged
against ``now()``, and the journey stamps its records with it, so a test sets the clock one
second either side of a limit instead of sleeping. In production nothing moves it: ``now()``
is ``datetime.now(UTC)``. The clock is process-wide (not per thread) because the screens run
services on worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


class Clock:
    """The computer's UTC time, or a moment a test pinned it to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pinned: datetime | None = None

    def now(self) -> datetime:
        """The current time (timezone-aware UTC), or the pinned moment."""
        with self._lock:
            pinned = self._pinned
        return pinned if pinned is not None else datetime.now(UTC)

    def set(self, moment: datetime) -> None:
        """Pin the clock to ``moment`` (aware) until it is moved again or released."""
        if moment.tzinfo is None:
            raise ValueError("The clock needs a time zone.")
        with self._lock:
            self._pinned = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move the clock by ``delta`` (pinning it first at the current time)."""
        self.set(self.now() + delta)

    def release(self) -> None:
        """Let the clock follow the computer's time again."""
        with self._lock:
            self._pinned = None

    @contextmanager
    def pinned(self, moment: datetime | None = None) -> Iterator[Clock]:
        """``with CLOCK.pinned(at) as clock: ...`` — pinned inside, released after."""
        self.set(moment if moment is not None else self.now())
        try:
            yield self
        finally:
            self.release()


CLOCK = Clock()
"""The process's clock (tests move it; nothing else does)."""


def now() -> datetime:
    """The current time in UTC as the journey sees it (``CLOCK.now()``)."""
    return CLOCK.now()
