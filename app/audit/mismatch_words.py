"""A record that differs from its audit trail, in words: its type and field by name, never a
table or column name, its id shortened (issue 16 review; ``coi audit verify`` keeps the codes)."""

from __future__ import annotations

import json
from typing import Any

from app.audit.queries import record_type_name
from app.audit.wording import SHORT, field_label
from app.core import MISMATCH_CHANGED, RecordMismatch


def _value(value: Any) -> str:
    """A stored value as read: a JSON object by its fields' labels, text in quotes."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return f"“{value}”"
        if not isinstance(parsed, dict):
            return f"“{value}”"
        value = parsed
    if isinstance(value, dict):
        fields = ", ".join(f"{field_label(str(k))} {v}" for k, v in value.items())
        return fields or "nothing"
    return "nothing" if value is None else str(value)


def mismatch_in_words(mismatch: RecordMismatch) -> str:
    """``Manufacturing step bb392f8e…: Parameters now Viability 99; the audit trail recorded
    Reagent lot ACT-24-117`` (one sentence, no ending full stop)."""
    record = f"{record_type_name(mismatch.table)} {mismatch.record_id[:SHORT]}…"
    if mismatch.kind == MISMATCH_CHANGED and mismatch.column is not None:
        return (
            f"{record}: {field_label(mismatch.column)} now {_value(mismatch.current)}; "
            f"the audit trail recorded {_value(mismatch.audited)}"
        )
    return mismatch.message.replace(f"{mismatch.table} {mismatch.record_id}", record, 1)
