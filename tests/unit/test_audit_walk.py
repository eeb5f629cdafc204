"""The fast path of the audit walk builds exactly the content the chain hashes, with the
standard HMAC, and keeps the replayed texts in order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.audit_chain import event_content
from app.core.audit_walk import fast_content
from app.core.record_replay import DELETED, Replay, audited_state

AT = datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC)
AT_TEXT = "2026-03-04T05:06:07.000089Z"


@pytest.mark.parametrize(
    ("user_id", "username", "reason", "text"),
    [
        ("0f8fad5b-d9cb-469f-a165-70867728950e", "asha.qa", None, "plain"),
        (None, None, 'a "quoted" reason\\ with\nnew lines\tand tabs', "Zoë Ünal 患者"),
        ("u", "x\u2028y\u2029z", "\x00\x1f control", "emoji 🧬 and \\u escapes"),
        ("", "", "", ""),
    ],
)
def test_the_fast_content_is_the_canonical_content(
    user_id: str | None, username: str | None, reason: str | None, text: str
) -> None:
    new_values = f'{{"name":"{text}","n":5}}'
    fields = {
        "seq": 1_000_049,
        "user_id": user_id,
        "username": username,
        "station": f"station {text}",
        "action": "update",
        "record_type": "case",
        "record_id": text,
        "old_values": "{}",
        "new_values": new_values,
        "reason": reason,
    }
    row = (
        fields["seq"], AT_TEXT, user_id, username, fields["station"], "update", "case",
        text, "{}", new_values, reason, "0" * 64, "1" * 64,
    )  # fmt: skip
    assert fast_content(row) == event_content(at=AT, **fields)  # type: ignore[arg-type]


def test_the_replay_keeps_texts_and_applies_them_in_order() -> None:
    replay = Replay.of(["unit"])
    rows = [
        ("unit", "a", "{}", '{"x":1,"y":2}'),
        ("case", "b", "{}", '{"x":1}'),
        ("unit", "a", '{"x":1}', '{"x":3}'),
        ("unit", "c", "{}", '{"x":1}'),
        ("unit", "c", '{"x":1}', "{}"),
        ("unit", "a", "{}", "{}"),
        ("unit", "a", '{"y":2}', '{"y":4}'),
    ]
    replay.keep_events(rows, 0)
    states = replay.states["unit"]
    assert audited_state(states["a"]) == {"x": 3, "y": 4}
    assert states["c"] is DELETED
    assert "b" not in states
