"""Old and new values in words: field labels for column names, people's names for user ids,
sites and products by name, other records named by their type, digests shortened and labelled
(issue 16 point 7).

The audit trail stores each value exactly as written (the CSV export keeps it so); the screen
and the PDF show it through :func:`readable_changes`. A user id the trail cannot name (a user
since deleted) is shown shortened as a user id, never dropped.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.coldchain import disposition_action_words, stored_disposition_words
from app.journey import STAGE_NAMES
from db.base import Base

SHORT = 8
"""Characters of an id or digest shown before the ellipsis."""

FIELD_LABELS: dict[str, str] = {
    "coi": "COI",
    "din": "DIN",
    "sscc": "SSCC",
    "giai": "GIAI",
    "zpl": "ZPL",
    "mkt_c": "MKT (°C)",
    "record_digest": "Signed record digest",
    "sha256": "File SHA-256",
    "document_sha256": "Document SHA-256",
    "digest": "Bundle digest",
    "prev_hash": "Previous event hash",
    "user_id": "User",
    "qp_id": "Qualified Person",
    "signer_id": "Signed by",
    "custodian_user_id": "Custodian",
    "raw_text": "Scanned text",
    "birth_mac": "Date of birth (keyed digest)",
    "hospital_number_mac": "Hospital number (keyed digest)",
}
"""Labels that the column name does not say well by itself."""

ABBREVIATIONS = {"coi": "COI", "din": "DIN", "qc": "QC", "qa": "QA", "qp": "QP", "utc": "UTC"}
KEYED_DIGEST_SUFFIX = "_mac"
DIGEST_NAMES = ("digest", "sha256", "_hash", KEYED_DIGEST_SUFFIX)
HEX = frozenset("0123456789abcdef")


USER_TABLE = "app_user"
UNLINKED_USER_COLUMNS = frozenset({"updated_by_id"})
"""Columns that hold a user's id without a foreign key (every versioned row's last editor)."""


def _references() -> dict[tuple[str, str], str]:
    """``(table, column) → referenced table`` for every foreign key of the audited tables, and
    for the user columns that have none."""
    found: dict[tuple[str, str], str] = {}
    for name, table in Base.metadata.tables.items():
        for column in table.columns:
            for key in column.foreign_keys:
                found[(name, column.name)] = key.column.table.name
            if column.name in UNLINKED_USER_COLUMNS and not column.foreign_keys:
                found[(name, column.name)] = USER_TABLE
    return found


REFERENCES = _references()


def field_label(name: str) -> str:
    """A column name as a field label: ``reviewed_by_id`` → ``Reviewed by``."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    words = name.removesuffix("_id").split("_")
    spelled = [ABBREVIATIONS.get(word, word) for word in words if word]
    if not spelled:
        return name
    first = spelled[0]
    return " ".join([first[:1].upper() + first[1:], *spelled[1:]])


def is_digest(name: str, value: Any) -> bool:
    """A SHA-256 (64 hex characters) in a digest or hash field."""
    return (
        isinstance(value, str)
        and len(value) == 64
        and set(value) <= HEX
        and any(part in name for part in DIGEST_NAMES)
    )


def _short(text: str) -> str:
    return text if len(text) <= SHORT + 1 else f"{text[:SHORT]}…"


def _as_uuid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _moment(value: str) -> str | None:
    """An ISO 8601 UTC time as the trail prints times (to the second), else None."""
    if len(value) < 20 or value[10:11] != "T" or not value.endswith(("Z", "+00:00")):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def value_in_words(
    record_type: str,
    name: str,
    value: Any,
    people: Mapping[str, str],
    record_name: Callable[[str], str],
) -> str:
    """One old or new value as a reader reads it (``—`` for none).

    ``people`` names records by id: users by their printed names, and the other records that
    have a name (sites, products); ``record_name`` names a referenced table in words
    (``app.audit.queries.record_type_name``) for a record without one.
    """
    if value is None:
        return "—"
    target = REFERENCES.get((record_type, name))
    ident = _as_uuid(value)
    if target == USER_TABLE and ident is not None:
        return people.get(ident, f"user {_short(ident)}")
    if target is not None and ident is not None:
        return people.get(ident) or f"{record_name(target)} {_short(ident)}"
    if ident is not None:  # an id with no reference (a record's own id): shortened
        return _short(ident)
    if name == "record_type" and isinstance(value, str):  # a table name: the record in words
        return record_name(value)
    if is_digest(name, value):
        return f"{'HMAC' if name.endswith(KEYED_DIGEST_SUFFIX) else 'SHA-256'} {value[:12]}…"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "disposition" and isinstance(value, str):  # "Accepted", never "accept"
        return stored_disposition_words(value) or value
    if isinstance(value, str):
        return _moment(value) or value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _state_in_words(code: str, names: Mapping[str, str]) -> str:
    """A stage or side state code in words: ``shipped_to_clinic`` → ``Shipped to clinic``."""
    if code in names:
        return names[code]
    words = " ".join(code.replace("_", " ").split())
    return words[:1].upper() + words[1:]


STAGE_WORDS = {stage.value: name for stage, name in STAGE_NAMES.items()}


def action_in_words(action: str) -> str:
    """A stored action code in words (the CSV keeps the code): ``sign_in`` → ``sign in``;
    ``stage released -> shipped_to_clinic`` → ``stage Released → Shipped to clinic``;
    ``side state none -> on_hold (cause)`` → ``side state None → On hold (cause)``;
    ``cold chain dispositioned accept`` → ``cold chain accepted by QA`` (the timeline's words)."""
    for prefix, names in (("stage ", STAGE_WORDS), ("side state ", {})):
        if action.startswith(prefix) and " -> " in action:
            before, after = action.removeprefix(prefix).split(" -> ", 1)
            target, _, cause = after.partition(" ")
            said = f"{prefix}{_state_in_words(before, names)} → {_state_in_words(target, names)}"
            return f"{said} {cause.replace('_', ' ')}" if cause else said
    return disposition_action_words(" ".join(action.replace("_", " ").split()) or action)


def record_in_words(
    record_type: str, record_id: str, people: Mapping[str, str], record_name: Callable[[str], str]
) -> str:
    """The record an event is on, by what it is: a user account by its holder's name, a case
    by its COI (when ``people`` names it), any other record by its type with its id shortened
    (the stored id stays whole in the CSV)."""
    ident = _as_uuid(record_id)
    if ident is not None and ident in people:  # a user account by name, a case by its COI
        return f"{record_name(record_type)} · {people[ident]}"
    return f"{record_name(record_type)} · {_short(record_id)}"


@dataclass(frozen=True)
class FieldChange:
    """One field of an audit event: its label, old and new value in words, and as stored."""

    field: str
    label: str
    old: str
    new: str
    old_stored: Any
    new_stored: Any


def readable_changes(
    record_type: str,
    old_values: Mapping[str, Any],
    new_values: Mapping[str, Any],
    people: Mapping[str, str],
    record_name: Callable[[str], str],
) -> tuple[FieldChange, ...]:
    """Every field in the old or new values, by its label, with both values in words."""
    keys = sorted(set(old_values) | set(new_values), key=lambda k: (field_label(k).lower(), k))
    return tuple(
        FieldChange(
            field=key,
            label=field_label(key),
            old=value_in_words(record_type, key, old_values.get(key), people, record_name),
            new=value_in_words(record_type, key, new_values.get(key), people, record_name),
            old_stored=old_values.get(key),
            new_stored=new_values.get(key),
        )
        for key in keys
    )
