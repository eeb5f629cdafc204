"""One viability clock per unit: which of its limits a moment is past (pure; DESIGN.md §5).

A unit's clock holds up to four limits, each from the unit or its product:

- **expiry** — the unit's ``expires_at`` (set on final product bags from the shelf life);
- **collection → receipt** — starting material must be received at the manufacturer within the
  product's ``max_hours_collection_to_receipt`` of the end of collection. Once received, the
  recorded receipt is judged; before, the moment itself (the material cannot arrive in time);
- **post-thaw** — a thawed bag must be infused within the product's ``post_thaw_minutes`` of
  the recorded thaw start. A product with a post-thaw limit is a frozen product: it must be
  thawed, and the thaw recorded, before the bedside check (``thaw_missing``);
- **cumulative excursion** — the time the unit spent outside its temperature profile's limits,
  summed over every shipment it travelled in, must not exceed the profile's cumulative
  allowance (an allowance of 0 allows no excursion at all).

A limit is passed when the moment is strictly later than it (the limit's own instant is still
inside); an excursion when the total is strictly longer than the allowance. Every passed limit
says which limit, by how much, and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

QUARANTINE = "Do not use it: set it aside in quarantine and call QA."
QUARANTINE_COLD_CHAIN = (
    "Do not use it: set it aside in quarantine and call QA to disposition its cold chain."
)
THAW_FIRST = (
    "This product is infused after thawing: record when the thaw started (Thaw started at …) "
    "before the bedside check."
)


class Limit(StrEnum):
    """The four limits of a unit's viability clock."""

    EXPIRY = "expiry"
    COLLECTION_TO_RECEIPT = "collection to receipt"
    POST_THAW = "post-thaw"
    CUMULATIVE_EXCURSION = "cumulative excursion"


@dataclass(frozen=True)
class ViabilityClock:
    """Everything one unit's viability depends on, as plain values (None: no such limit)."""

    expires_at: datetime | None = None
    collection_end: datetime | None = None
    receipt_limit: timedelta | None = None
    received_at: datetime | None = None
    thawed_at: datetime | None = None
    post_thaw_limit: timedelta | None = None
    excursion: timedelta = timedelta(0)
    excursion_allowance: timedelta | None = None


@dataclass(frozen=True)
class PassedLimit:
    """One limit a unit is past: which, the limit's moment (None for an allowance), by how
    much, what happened in words and what to do."""

    limit: Limit
    deadline: datetime | None
    by: timedelta
    what_happened: str
    what_to_do: str

    @property
    def message(self) -> str:
        """What happened and what to do, in one sentence pair."""
        return f"{self.what_happened} {self.what_to_do}"


def utc_text(moment: datetime) -> str:
    """A moment as the messages show it: ``2026-01-31 14:05:09 UTC``."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def span(delta: timedelta) -> str:
    """A positive duration in words: ``1 s``, ``4 min 05 s``, ``3 h 10 min``, ``2 d 4 h``."""
    seconds = int(delta.total_seconds())
    if seconds < 1:
        return "less than 1 s"
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    days, hrs = divmod(hours, 24)
    if minutes == 0:
        return f"{secs} s"
    if hours == 0:
        return f"{mins} min {secs:02d} s" if secs else f"{mins} min"
    if hours < 48:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{days} d {hrs} h" if hrs else f"{days} d"


def _hours(limit: timedelta) -> str:
    return f"{limit.total_seconds() / 3600:g} h"


def _minutes(limit: timedelta) -> str:
    return f"{limit.total_seconds() / 60:g} min"


def _expiry(clock: ViabilityClock, at: datetime, relative: str) -> PassedLimit | None:
    if clock.expires_at is None or at <= clock.expires_at:
        return None
    by = at - clock.expires_at
    return PassedLimit(
        Limit.EXPIRY,
        clock.expires_at,
        by,
        f"It expired {span(by)} {relative} at {utc_text(clock.expires_at)}.",
        QUARANTINE,
    )


def _receipt(clock: ViabilityClock, at: datetime) -> PassedLimit | None:
    if clock.receipt_limit is None or clock.collection_end is None:
        return None
    deadline = clock.collection_end + clock.receipt_limit
    moment = clock.received_at or at
    if moment <= deadline:
        return None
    by = moment - deadline
    limit = (
        f"the {_hours(clock.receipt_limit)} limit from the end of collection "
        f"({utc_text(clock.collection_end)}) to receipt at the manufacturer"
    )
    happened = (
        f"It was received {span(by)} after {limit}."
        if clock.received_at is not None
        else f"It is {span(by)} past {limit}: it can no longer arrive in time."
    )
    return PassedLimit(Limit.COLLECTION_TO_RECEIPT, deadline, by, happened, QUARANTINE)


def _post_thaw(clock: ViabilityClock, at: datetime, relative: str) -> PassedLimit | None:
    if clock.post_thaw_limit is None or clock.thawed_at is None:
        return None
    deadline = clock.thawed_at + clock.post_thaw_limit
    if at <= deadline:
        return None
    by = at - deadline
    return PassedLimit(
        Limit.POST_THAW,
        deadline,
        by,
        f"Its thaw started at {utc_text(clock.thawed_at)}: the {_minutes(clock.post_thaw_limit)}"
        f" post-thaw limit ended {span(by)} {relative} at {utc_text(deadline)}.",
        "Do not infuse it: set it aside in quarantine and call QA.",
    )


def _excursion(clock: ViabilityClock) -> PassedLimit | None:
    allowance = clock.excursion_allowance
    if allowance is None or clock.excursion <= allowance:
        return None
    by = clock.excursion - allowance
    return PassedLimit(
        Limit.CUMULATIVE_EXCURSION,
        None,
        by,
        f"It has been outside its temperature limits for {span(clock.excursion)} in all, "
        f"{span(by)} over the cumulative allowance of {_minutes(allowance)}.",
        QUARANTINE_COLD_CHAIN,
    )


def passed_limits(
    clock: ViabilityClock, at: datetime, *, relative: str = "ago"
) -> tuple[PassedLimit, ...]:
    """Every limit of ``clock`` that moment ``at`` is past (empty: the unit is viable).

    ``relative`` words the distance from ``at`` ("ago" when ``at`` is now, e.g. "before the
    infusion started" when it is a recorded moment).
    """
    found = (
        _expiry(clock, at, relative),
        _receipt(clock, at),
        _post_thaw(clock, at, relative),
        _excursion(clock),
    )
    return tuple(limit for limit in found if limit is not None)


def thaw_missing(clock: ViabilityClock) -> bool:
    """True when the unit's product is thawed before use (it has a post-thaw limit) and no
    thaw start is recorded."""
    return clock.post_thaw_limit is not None and clock.thawed_at is None
