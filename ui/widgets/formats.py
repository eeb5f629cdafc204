"""How identifiers, times and counts read on screen."""

from __future__ import annotations

from datetime import UTC, datetime

from app.core import coi_text
from app.core import din_text as _grouped_din
from labels.isbt128 import InvalidCoi, parse_coi


def din_text(din: str | None) -> str:
    """A DIN grouped as printed, with its check character: ``G5678 26 000123 [K]``."""
    if not din:
        return "(no DIN)"
    return _grouped_din(din) if len(din) == 13 else din


def coi_words(coi: str) -> str:
    """A stored COI grouped as printed, with its check character: ``CH G1234 26 500106 [*]``."""
    try:
        return coi_text(coi, parse_coi(coi).check_character)
    except InvalidCoi:
        return coi


def local_time(moment: datetime | None) -> str:
    """A UTC time in the station's local time, to the minute."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "—"


def utc_text(moment: datetime | None) -> str:
    """A time in UTC, to the minute, saying so."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def count_text(value: int) -> str:
    """Thousands apart by a narrow no-break space: 1 000 000 never wraps inside."""
    return f"{value:,}".replace(",", "\u202f")
