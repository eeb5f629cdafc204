"""``coi id check``: the mod 37-2 check character of a DIN or CoI (light: no GS1 tables)."""

from __future__ import annotations

from labels import mod37_2
from labels.isbt128.din import type3_flag

CHECKED_TEXT_LENGTH = 13


def check_report(text13: str) -> dict[str, object]:
    """Return the mod 37-2 check character, value and Type-3 flag of 13 characters."""
    text = text13.strip().upper()
    if len(text) != CHECKED_TEXT_LENGTH:
        msg = f"expected 13 characters (a DIN or the CoI after 'CH'), got {len(text)}"
        raise ValueError(msg)
    value = mod37_2.check_value(text)
    return {
        "input": text13,
        "check_character": mod37_2.ALPHABET[value],
        "check_value": value,
        "type3_flag": type3_flag(text),
    }
