"""The fast path of the audit walk builds exactly the content the chain hashes, with the
standard HMAC, and keeps the replayed texts in order."""

from __future__ import annotations

import pytest

from app.core.audit_chain import event_content
from app.core.audit_walk import fast_content
from app.core.record_replay import DELETED, Replay, audited_state
from tests.support.audit_events import AT, AT_TEXT, TRICKY, tricky_fields


@pytest.mark.parametrize(("user_id", "username", "reason", "text"), TRICKY)
def test_the_fast_content_is_the_canonical_content(
    user_id: str | None, username: str | None, reason: str | None, text: str
) -> None:
    fields = tricky_fields(user_id, username, reason, text)
    new_values = fields["new_values"]
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
