"""The hash-chained audit trail: append events inside a transaction, verify the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, inspect, select, text, update

from app.core.actor import Actor
from app.core.audit_anchor import (
    Anchor,
    AnchorCheck,
    ChainHead,
    SealCheck,
    compare_anchor,
    compare_seal,
    read_anchor,
)
from app.core.audit_binding import awaits_keying
from app.core.audit_key import AuditKey, load_key, require_key
from app.core.audit_walk import ChainWalk
from app.core.canonical import canonical_json, canonical_value, plain_canonical_json
from app.core.errors import AuditKeyProblem
from app.core.record_replay import Replay
from db.models import GENESIS_HASH, AuditEvent, AuditKeyBinding
from db.types import utc_now

# Any 64-bit constant: the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 0x434F_4941_5544_4954  # "COIAUDIT"
SEAL_ACTION = "key audit chain"
"""The action of the event that keys a chain migrated with unkeyed events (the re-seal)."""


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
class KeyedPart:
    """Which part of the chain is keyed: from ``from_seq`` on, with the key named ``key_id``."""

    from_seq: int
    key_id: str | None
    """None: no keyed event yet (a new database, or one migrated and not yet written to)."""

    def as_dict(self) -> dict[str, Any]:
        """The ``keyed`` part of verify's JSON."""
        return {"from_seq": self.from_seq, "key_id": self.key_id}


@dataclass(frozen=True)
class ChainVerification:
    """Result of re-walking the chain (and comparing it with an anchor or seal when given)."""

    events: int
    ok: bool
    first_broken_seq: int | None
    problem: str | None = None
    keyed: KeyedPart | None = None
    anchor: AnchorCheck | None = None
    seal: SealCheck | None = None

    def as_dict(self) -> dict[str, Any]:
        """The chain's part of the JSON printed by ``coi audit verify``."""
        return {
            "events": self.events,
            "ok": self.ok,
            "first_broken_seq": self.first_broken_seq,
            "keyed": self.keyed.as_dict() if self.keyed else None,
        }


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
    # Every field but the time is text, a number or None: canonical as it is (no second walk).
    return plain_canonical_json(
        {
            "seq": seq,
            "at": canonical_value(at),
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
    """``SHA-256(canonical content + previous hash)`` as lowercase hex (the unkeyed events
    written before the audit key, and the genesis of the test vectors)."""
    return hashlib.sha256((content + prev_hash).encode("utf-8")).hexdigest()


def keyed_hash(key: AuditKey, content: str, prev_hash: str) -> str:
    """``HMAC-SHA256(audit key, canonical content + previous hash)`` as lowercase hex."""
    return key.mac(content + prev_hash)


def _lock_chain(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    # SQLite: the writing transaction began IMMEDIATE and already holds the database write lock.


def _binding(connection: Connection) -> KeyedPart | None:
    row = connection.execute(
        select(AuditKeyBinding.keyed_from_seq, AuditKeyBinding.key_id).where(
            AuditKeyBinding.id == 1
        )
    ).first()
    return KeyedPart(row.keyed_from_seq, row.key_id) if row else None


def _head(connection: Connection) -> ChainHead:
    row = connection.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return ChainHead(row.seq, row.hash) if row else ChainHead(0, GENESIS_HASH)


def chain_head(connection: Connection) -> ChainHead:
    """The newest event's seq and hash (seq 0 and the genesis hash when there is none)."""
    return _head(connection)


_EVENTS = AuditEvent.__table__
_BINDING = AuditKeyBinding.__table__
_NEWEST = select(_EVENTS.c.seq, _EVENTS.c.hash).order_by(_EVENTS.c.seq.desc()).limit(1)
# What an append reads, in one statement built once: the binding and the head (the head's
# two columns as scalar subqueries of the same newest row; none when the chain is empty).
_APPEND_STATE = select(
    _BINDING.c.keyed_from_seq,
    _BINDING.c.key_id,
    _NEWEST.with_only_columns(_EVENTS.c.seq).scalar_subquery().label("head_seq"),
    _NEWEST.with_only_columns(_EVENTS.c.hash).scalar_subquery().label("head_hash"),
).where(_BINDING.c.id == 1)


def _append_state(connection: Connection) -> tuple[KeyedPart | None, ChainHead]:
    """The key binding (None: missing) and the chain head, read in one statement."""
    row = connection.execute(_APPEND_STATE).first()
    if row is None:  # no binding row: the head is read on its own, for the message
        return None, _head(connection)
    head = ChainHead(row.head_seq, row.head_hash) if row.head_seq is not None else None
    return KeyedPart(row.keyed_from_seq, row.key_id), head or ChainHead(0, GENESIS_HASH)


def _key_for_append(
    connection: Connection, head: ChainHead, binding: KeyedPart | None
) -> tuple[AuditKey, list[PendingEvent]]:
    """The key to append with; on a not yet keyed database, key it (and say so) first."""
    if binding is None:
        raise AuditKeyProblem(
            "The audit key binding of this database is missing (it was deleted behind the "
            "application's back): nothing is written. Report this to QA."
        )
    if binding.key_id is not None:
        return require_key(binding.key_id), []
    key = load_key()
    if binding.from_seq != head.seq + 1:
        raise AuditKeyProblem(
            f"The audit trail was to be keyed from event {binding.from_seq}, but it ends at "
            f"{head.seq}: events were added or removed behind the application's back. Nothing "
            "is written. Report this to QA."
        )
    anchor = read_anchor(connection.engine.url)
    if anchor is not None and anchor.newest is not None:
        raise AuditKeyProblem(
            f"This database's audit trail is not keyed, yet this workstation anchored keyed "
            f"events of it up to {anchor.newest.seq} ({anchor.path}): its key binding was reset "
            "behind the application's back, or it is a new database made where an old one was. "
            "Nothing is written. Report this to QA; for a deliberately new database, move that "
            "anchor file away first."
        )
    connection.execute(
        update(AuditKeyBinding).where(AuditKeyBinding.id == 1).values(key_id=key.key_id)
    )
    if binding.from_seq == 1:
        return key, []
    unkeyed = binding.from_seq - 1
    seal = PendingEvent(
        action=SEAL_ACTION,
        record_type="audit_chain",
        record_id="audit_event",
        new_values={"key_id": key.key_id, "keyed_from_seq": binding.from_seq},
        reason=(
            f"events 1–{unkeyed} were written before the audit key (SHA-256 only); from "
            f"event {binding.from_seq} on every event is keyed (HMAC-SHA256)"
        ),
    )
    return key, [seal]


def append_to_chain(
    connection: Connection, actor: Actor, events: Iterable[PendingEvent]
) -> ChainHead | None:
    """Append ``events`` inside the caller's transaction; return the new head (None: none)."""
    pending = list(events)
    if not pending:
        return None
    _lock_chain(connection)
    binding, head = _append_state(connection)
    key, first = _key_for_append(connection, head, binding)
    seq, prev_hash = head.seq, head.hash
    at = utc_now()
    rows = []
    for event in first + pending:
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
        row["hash"] = prev_hash = keyed_hash(key, event_content(**row_content(row)), prev_hash)
        rows.append(row)
    connection.execute(insert(AuditEvent), rows)
    return ChainHead(seq, prev_hash)


def append_events(connection: Connection, actor: Actor, events: Iterable[PendingEvent]) -> int:
    """Append ``events`` to the chain inside the caller's transaction; return how many."""
    pending = list(events)
    head = append_to_chain(connection, actor, pending)
    return 0 if head is None else len(pending)


def key_pending_chain(connection: Connection, actor: Actor) -> ChainHead | None:
    """Key a migrated chain now (the re-seal event) when it has unkeyed events and no key yet.

    Returns the new head, or None when there was nothing to do.
    """
    if not awaits_keying(connection):
        return None
    _lock_chain(connection)
    binding, head = _append_state(connection)
    key, seal = _key_for_append(connection, head, binding)
    event = seal[0]
    row: dict[str, Any] = {
        "seq": head.seq + 1,
        "at": utc_now(),
        "user_id": None,
        "username": actor.username,
        "station": actor.station,
        "action": event.action,
        "record_type": event.record_type,
        "record_id": event.record_id,
        "old_values": canonical_json({}),
        "new_values": canonical_json(event.new_values),
        "reason": event.reason,
        "prev_hash": head.hash,
    }
    row["hash"] = keyed_hash(key, event_content(**row_content(row)), head.hash)
    connection.execute(insert(AuditEvent), [row])
    return ChainHead(head.seq + 1, row["hash"])


def row_content(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The hashed fields of a stored or pending row."""
    keys = (
        "seq", "at", "user_id", "username", "station", "action",
        "record_type", "record_id", "old_values", "new_values", "reason",
    )  # fmt: skip
    return {key: row[key] for key in keys}


def _typed_event(connection: Connection, seq: int) -> RowMapping:
    """One event read through its model's types (the exact path of a hash check)."""
    table = AuditEvent.__table__
    row = connection.execute(select(table).where(table.c.seq == seq)).mappings().first()
    assert row is not None
    return row


def _hash_problem(
    key: AuditKey | None, keyed: bool, row: Mapping[Any, Any], prev_hash: str
) -> str | None:
    """Why the row's hash does not hold (None: it does); ``keyed``: it must be an HMAC."""
    content = event_content(**row_content(row))
    if key is not None and keyed:
        if keyed_hash(key, content, prev_hash) == row["hash"]:
            return None  # the common case: one HMAC, no plain hash
        if chain_hash(content, prev_hash) == row["hash"]:
            return (
                "its hash is a plain SHA-256, not made with the audit key: the event was forged "
                "or rewritten by someone without the key"
            )
        return (
            "its content does not match its keyed hash (edited after it was written, or hashed "
            "with another key)"
        )
    if chain_hash(content, prev_hash) == row["hash"]:
        return None
    if key is not None and keyed_hash(key, content, prev_hash) == row["hash"]:
        return (
            "it is keyed with the audit key, but the key binding says the chain is keyed "
            "only from a later event (the binding was changed behind the application's back)"
        )
    return "its content does not match its hash (edited after it was written)"


def _seal_problem(row: Mapping[Any, Any], binding: KeyedPart) -> str | None:
    try:
        values = json.loads(row["new_values"])
    except ValueError:
        values = {}
    expected = {"key_id": binding.key_id, "keyed_from_seq": binding.from_seq}
    if row["action"] == SEAL_ACTION and values == expected:
        return None
    return (
        f"the key binding says the chain is keyed from event {binding.from_seq}, but that event "
        "is not the one that keyed it (the binding was changed behind the application's back)"
    )


def _binding_problem(binding: KeyedPart | None, events: int) -> str | None:
    if binding is None:
        return (
            "the audit key binding is missing (deleted behind the application's back): the "
            "chain cannot be checked against its key"
        )
    if binding.key_id is None and events >= binding.from_seq:
        return (
            f"events from {binding.from_seq} on were written without the audit key (the key "
            "binding was reset behind the application's back)"
        )
    if binding.key_id is None and events:
        return (
            f"events 1–{events} are not keyed yet: open the database with `coi init` to key "
            "the chain"
        )
    if binding.key_id is not None and binding.from_seq > 1 and events < binding.from_seq:
        return (
            f"the key binding says the chain is keyed from event {binding.from_seq}, but it "
            f"ends at {events} (events were removed, or the binding changed)"
        )
    return None


def verify_chain(
    connection: Connection,
    *,
    anchor: Anchor | None = None,
    seal: ChainHead | None = None,
    replay: Replay | None = None,
) -> ChainVerification:
    """Re-walk the whole chain; name the first event whose sequence or hash does not hold.

    Events from the binding's ``keyed_from_seq`` on are checked with the audit key (a missing
    or wrong key is an error, never an unkeyed check). Given an ``anchor`` or a ``seal``, the
    walk also compares their recorded hashes with the events it reads; given a ``replay``, the
    same walk replays the ``new_values`` of the events of its record types into it (the audited
    state of every record, for the reconciliation: one pass over the events for both).
    """
    if not inspect(connection).has_table(AuditKeyBinding.__tablename__):
        return ChainVerification(
            0,
            ok=False,
            first_broken_seq=None,
            problem="the database's schema predates the keyed audit chain: run `coi init`",
        )
    binding = _binding(connection)
    key = require_key(binding.key_id) if binding is not None and binding.key_id else None
    keyed_from = binding.from_seq if key is not None and binding is not None else None

    def judge(seq: int, prev_hash: str) -> str | None:
        row = _typed_event(connection, seq)
        keyed = keyed_from is not None and seq >= keyed_from
        try:
            problem = _hash_problem(key, keyed, row, prev_hash)
        except (TypeError, ValueError):  # e.g. bytes written by SQL into a text field
            return "it holds a value of a type the application never writes (edited behind it)"
        if problem is None and keyed and seq == keyed_from and seq > 1:
            assert binding is not None
            problem = _seal_problem(row, binding)
        return problem

    walk = ChainWalk(
        keyed=key.secret if key is not None else None,
        keyed_from=keyed_from,
        judge=judge,
        anchored=anchor.hashes if anchor is not None else {},
        seal_seq=seal.seq if seal is not None else None,
        replay=replay,
    )
    walk.run(connection, GENESIS_HASH)
    if replay is not None:
        replay.filled = True
    count, head, first, differing, held_at_seal = (
        walk.count,
        walk.head,
        walk.first,
        walk.differing,
        walk.held_at_seal,
    )
    anchor_check = compare_anchor(anchor, head, differing) if anchor is not None else None
    seal_check = compare_seal(seal, head, held_at_seal) if seal is not None else None
    binding_problem = _binding_problem(binding, head)
    if binding is None:
        first = None  # without the binding no hash can be judged: say what is missing
    if first is not None:
        return ChainVerification(
            count, False, first[0], first[1], binding, anchor_check, seal_check
        )
    return ChainVerification(
        count,
        ok=binding_problem is None,
        first_broken_seq=None,
        problem=binding_problem,
        keyed=binding,
        anchor=anchor_check,
        seal=seal_check,
    )


def values_of(mapping: dict[str, Any]) -> dict[str, Any]:
    """Canonical forms of column values for an event's old/new values."""
    return {key: canonical_value(value) for key, value in mapping.items()}


def lock_chain(connection: Connection) -> None:
    """Serialise with every append to the chain, inside the caller's transaction."""
    _lock_chain(connection)


def binding_of(connection: Connection) -> KeyedPart | None:
    """Which part of the chain is keyed, and with which key (None: the binding is missing)."""
    return _binding(connection)
