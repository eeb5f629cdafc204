"""Audit event fields that are hard to render as canonical JSON: quotes, back-slashes, control
characters, line and paragraph separators, non-Latin text, empty strings and nulls."""

from __future__ import annotations

from datetime import UTC, datetime

AT = datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC)
AT_TEXT = "2026-03-04T05:06:07.000089Z"
TRICKY = [
    ("0f8fad5b-d9cb-469f-a165-70867728950e", "asha.qa", None, "plain"),
    (None, None, 'a "quoted" reason\\ with\nnew lines\tand tabs', "Zoë Ünal 患者"),
    ("u", "x\u2028y\u2029z\x7f", "\x00\x1f\x08\x0c control", "emoji 🧬 and \\u escapes"),
    ("", "", "", ""),
]
"""(user id, user name, reason, text), the text used in the station, record id and values."""


def tricky_fields(
    user_id: str | None, username: str | None, reason: str | None, text: str
) -> dict[str, object]:
    """The fields of an update event carrying ``text`` everywhere a text may go."""
    return {
        "seq": 1_000_049,
        "user_id": user_id,
        "username": username,
        "station": f"station {text}",
        "action": "update",
        "record_type": "case",
        "record_id": text,
        "old_values": "{}",
        "new_values": f'{{"name":"{text}","n":5}}',
        "reason": reason,
    }
