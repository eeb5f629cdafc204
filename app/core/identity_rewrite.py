"""Rewriting the audit values of records whose identity was sealed again, chain re-hashed.

Shared by the sealing of plain identity after migration 0012 (`app.core.identity_sealing`) and
the re-keying with patient keys after 0014 (`app.core.patient_rekeying`): each records the
sealed text of every (record type, record id, column) it changed, then the audit events of
those records get the same text and the chain is re-hashed from the first one rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Table, select, update

from app.core.audit_anchor import anchor_path
from app.core.audit_chain import binding_of, chain_hash, event_content, keyed_hash, row_content
from app.core.audit_key import require_key
from app.core.clinic_sealing import ClinicKey
from db import audit_triggers
from db.models import AuditEvent
from db.types import utc_now

IDENTITY_COLUMNS = ("family_name", "given_name", "date_of_birth", "hospital_number")
"""The sealed columns of ``patient_identity``."""


@dataclass
class SealedTexts:
    """The sealed text of each (record type, record id, column) for each plain value."""

    texts: dict[tuple[str, str, str], dict[str, str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, record: tuple[str, str, str], plain: str, sealed: str) -> None:
        self.texts.setdefault(record, {})[plain] = sealed
        self.counts[record[0]] = self.counts.get(record[0], 0) + 1


Resealer = Callable[[ClinicKey, SealedTexts, str, str, str], str | None]
"""An event's new old/new values text (key, sealed texts, record type, record id, stored text);
None: unchanged."""


def rewrite_events(
    connection: Connection,
    key: ClinicKey,
    sealed: SealedTexts,
    resealed: Resealer,
) -> tuple[int, int]:
    """Rewrite the audit values of the sealed records, re-hash the chain; (first, last) seq.

    ``resealed`` gives an event's new values (None: unchanged): the sealing of 0012 seals plain
    values, the re-keying of 0014 replaces the clinic key's ciphertext."""
    types = sorted({record[0] for record in sealed.texts})
    if not types:
        return (0, 0)
    events = cast(Table, AuditEvent.__table__)
    changes: dict[int, dict[str, str]] = {}
    query = select(
        events.c.seq, events.c.record_type, events.c.record_id, events.c.old_values,
        events.c.new_values,
    ).where(events.c.record_type.in_(types))  # fmt: skip
    for row in connection.execute(query):
        change = {}
        for column in ("old_values", "new_values"):
            text = resealed(key, sealed, row.record_type, row.record_id, getattr(row, column))
            if text is not None:
                change[column] = text
        if change:
            changes[row.seq] = change
    if not changes:
        return (0, 0)
    first = min(changes)
    binding = binding_of(connection)
    audit_key = require_key(binding.key_id) if binding and binding.key_id else None
    keyed_from = binding.from_seq if binding is not None and audit_key is not None else None
    previous = connection.execute(select(events.c.hash).where(events.c.seq == first - 1)).first()
    prev_hash = previous.hash if previous is not None else "0" * 64
    audit_triggers.remove(connection)
    last = first
    later = select(events).where(events.c.seq >= first).order_by(events.c.seq)
    for stored in connection.execute(later).mappings().all():
        seq = int(stored["seq"])
        values = {**dict(stored), **changes.get(seq, {})}
        values["prev_hash"] = prev_hash
        content = event_content(**row_content(values))
        if keyed_from is not None and audit_key is not None and seq >= keyed_from:
            prev_hash = keyed_hash(audit_key, content, prev_hash)
        else:
            prev_hash = chain_hash(content, prev_hash)
        connection.execute(
            update(events)
            .where(events.c.seq == seq)
            .values(**changes.get(seq, {}), prev_hash=values["prev_hash"], hash=prev_hash)
        )
        last = seq
    audit_triggers.install(connection)
    return (first, last)


def set_rewritten_anchor_aside(database: Any) -> None:
    """Move this workstation's anchor of ``database`` aside (the chain was re-hashed)."""
    path = anchor_path(database.engine.url)
    if path.exists():
        stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
        path.rename(path.with_name(f"{path.name}.before-identity-sealing-{stamp}"))
