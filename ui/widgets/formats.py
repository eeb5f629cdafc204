"""How identifiers, times and counts read on screen."""

from __future__ import annotations

from datetime import UTC, datetime

from app.core import coi_text
from app.core import din_text as checked_din_text
from labels.isbt128 import InvalidCoi, parse_coi


def din_text(din: str | None) -> str:
    """A DIN as printed under its bar code, check character boxed: ``G5678 26 000123 [4]``.

    The same text as the Receipt and Bedside pages show, so a person compares like with like.
    """
    if not din:
        return "(no DIN)"
    if len(din) != 13:
        return din
    try:
        return checked_din_text(din)
    except ValueError:  # not a DIN's characters: shown as it is
        return f"{din[:5]} {din[5:7]} {din[7:]}"


def coi_words(coi: str) -> str:
    """A stored COI grouped as printed, with its check character: ``CH G1234 26 500106 [*]``."""
    try:
        return coi_text(coi, parse_coi(coi).check_character)
    except InvalidCoi:
        return coi


def local_time(moment: datetime | None) -> str:
    """A UTC time in the station's local time, to the minute, naming its zone: ``2026-12-07
    14:05 CET`` (issue 16 review: local times did not say so)."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z") if moment else "—"


def utc_text(moment: datetime | None) -> str:
    """A time in UTC, to the minute, saying so."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def count_text(value: int) -> str:
    """Thousands apart by a narrow no-break space: 1 000 000 never wraps inside."""
    return f"{value:,}".replace(",", "\u202f")
