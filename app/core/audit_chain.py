"""The hash-chained audit trail: append events inside a transaction, verify the chain."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, text

from app.core.actor import Actor
from app.core.canonical import canonical_json, canonical_value
from app.core.database import Database
from db.models import GENESIS_HASH, AuditEvent
from db.types import utc_now

# Any 64-bit constant: the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 0x434F_4941_5544_4954  # "COIAUDIT"


@dataclass(frozen=True)
class PendingEvent:
    """An audit event collected during a transaction, written when it commits."""

    action: str
    record_type: str
    record_id: str
    old_values: dict[str, Any] = field(default_factory=dict)
    new_values: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None


@dataclass(frozen=True)
class ChainVerification:
    """Result of re-walking the chain."""

    events: int
    ok: bool
    first_broken_seq: int | None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape printed by ``coi audit verify``."""
        return {"events": self.events, "ok": self.ok, "first_broken_seq": self.first_broken_seq}


def event_content(
    *,
    seq: int,
    at: datetime,
    user_id: str | None,
    username: str | None,
    station: str,
    action: str,
    record_type: str,
    record_id: str,
    old_values: str,
    new_values: str,
    reason: str | None,
) -> str:
    """The canonical JSON of an event's content (old/new values are canonical JSON already)."""
    return canonical_json(
        {
            "seq": seq,
            "at": at,
            "user_id": user_id,
            "username": username,
            "station": station,
            "action": action,
            "record_type": record_type,
            "record_id": record_id,
            "old_values": old_values,
            "new_values": new_values,
            "reason": reason,
        }
    )


def chain_hash(content: str, prev_hash: str) -> str:
    """``SHA-256(canonical content + previous hash)`` as lowercase hex."""
    return hashlib.sha256((content + prev_hash).encode("utf-8")).hexdigest()


def _lock_chain(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    # SQLite: the writing transaction began IMMEDIATE and already holds the database write lock.


def append_events(connection: Connection, actor: Actor, events: Iterable[PendingEvent]) -> int:
    """Append ``events`` to the chain inside the caller's transaction; return how many."""
    pending = list(events)
    if not pending:
        return 0
    _lock_chain(connection)
    head = connection.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    at = utc_now()
    rows = []
    for event in pending:
        seq += 1
        row = {
            "seq": seq,
            "at": at,
            "user_id": str(actor.user_id) if actor.user_id else None,
            "username": actor.username,
            "station": actor.station,
            "action": event.action,
            "record_type": event.record_type,
            "record_id": event.record_id,
            "old_values": canonical_json(event.old_values),
            "new_values": canonical_json(event.new_values),
            "reason": event.reason,
        }
        row["prev_hash"] = prev_hash
        row["hash"] = prev_hash = chain_hash(event_content(**row_content(row)), prev_hash)
        rows.append(row)
    connection.execute(insert(AuditEvent), rows)
    return len(rows)


def row_content(row: dict[str, Any]) -> dict[str, Any]:
    """The hashed fields of a stored or pending row."""
    keys = (
        "seq", "at", "user_id", "username", "station", "action",
        "record_type", "record_id", "old_values", "new_values", "reason",
    )  # fmt: skip
    return {key: row[key] for key in keys}


def _iter_events(connection: Connection, batch: int = 5000) -> Iterator[dict[str, Any]]:
    # Per-statement options: Connection.execution_options() would change the caller's
    # connection for good (a server-side cursor for every later statement on PostgreSQL).
    result = connection.execute(
        select(AuditEvent.__table__).order_by(AuditEvent.seq),
        execution_options={"stream_results": True, "yield_per": batch},
    )
    for row in result.mappings():
        yield dict(row)


def verify_chain(connection: Connection) -> ChainVerification:
    """Re-walk the whole chain; name the first event whose sequence or hash does not hold."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    for row in _iter_events(connection):
        count += 1
        problem = None
        if row["seq"] != expected_seq:
            problem = f"sequence {row['seq']} where {expected_seq} was expected (missing events)"
        elif row["prev_hash"] != prev_hash:
            problem = "its link to the previous event does not match"
        elif chain_hash(event_content(**row_content(row)), prev_hash) != row["hash"]:
            problem = "its content does not match its hash (edited after it was written)"
        if problem is not None:
            return ChainVerification(count, ok=False, first_broken_seq=row["seq"], problem=problem)
        prev_hash = row["hash"]
        expected_seq += 1
    return ChainVerification(count, ok=True, first_broken_seq=None)


def values_of(mapping: dict[str, Any]) -> dict[str, Any]:
    """Canonical forms of column values for an event's old/new values."""
    return {key: canonical_value(value) for key, value in mapping.items()}


def verify_database(database: Database) -> ChainVerification:
    """Re-walk the audit chain of ``database`` (read-only)."""
    with database.engine.connect() as connection:
        return verify_chain(connection)
