"""Seal what was written before patient identity was encrypted (after migration 0012), once.

The migration cannot seal: the clinic key never enters the database. The first clinic
workstation that opens the upgraded database does it in one transaction:

- each ``patient_identity`` row is sealed (and given its look-up hashes), each label payload
  and scan text too;
- the audit events of those records hold the same values, so their old/new values are
  rewritten with the very sealed text the row now holds (a value the row no longer holds is
  sealed for the same row and column): the trail and the records still reconcile;
- the chain is re-hashed from the first rewritten event on (SHA-256 before the audit key's
  ``keyed_from_seq``, HMAC with the audit key after, as it was written), the append-only
  triggers dropped and put back inside the same transaction, and an audit event
  (``encrypt patient identity``) says which events were rewritten and why. This
  workstation's anchor is moved aside and anchored anew; anchors and printed seals taken
  elsewhere before the sealing no longer match from that event on, as the event says.

A workstation without the clinic key leaves it pending (a manufacturing site cannot seal).
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

from sqlalchemy import Connection, Table, select, update

from app.core.actor import Actor
from app.core.audit_anchor import ChainHead, anchor_head
from app.core.audit_chain import (
    PendingEvent,
    append_to_chain,
    lock_chain,
)
from app.core.canonical import canonical_json
from app.core.clinic_sealing import ClinicKey, bound_to, clinic_key, is_sealed, sealed_payload
from app.core.config import resolve_station
from app.core.identity_rewrite import (
    IDENTITY_COLUMNS,
    SealedTexts,
    rewrite_events,
    set_rewritten_anchor_aside,
)
from db.models import IdentitySealing, Label, PatientIdentity, Scan

log = logging.getLogger(__name__)

SEAL_IDENTITY_ACTION = "encrypt patient identity"


def sealing_pending(connection: Connection) -> bool:
    """True when rows written before identity was encrypted wait to be sealed."""
    row = connection.execute(select(IdentitySealing.pending).where(IdentitySealing.id == 1)).first()
    return bool(row and row.pending)


def seal_pending_identity(database: Any) -> ChainHead | None:
    """Seal the rows migration 0012 left pending, once; the new chain head (None: nothing)."""
    with database.engine.connect() as connection:
        if not sealing_pending(connection):
            return None  # the usual case: read only, no write lock taken
    key = clinic_key()
    if key is None:
        log.warning(
            "patient identity of %s is not sealed yet: this workstation has no clinic key",
            database.display_url,
        )
        return None
    with database.write_session() as session:
        connection = session.connection()
        lock_chain(connection)
        if not sealing_pending(connection):
            return None
        sealed = SealedTexts()
        _seal_identities(connection, key, sealed)
        _seal_labels(connection, key, sealed)
        _seal_scans(connection, key, sealed)
        rewritten = rewrite_events(connection, key, sealed, _resealed_values)
        connection.execute(
            update(IdentitySealing).where(IdentitySealing.id == 1).values(pending=False)
        )
        head = append_to_chain(
            connection, Actor.system(resolve_station()), [_event(key, sealed, rewritten)]
        )
        session.commit()
    if rewritten:
        set_rewritten_anchor_aside(database)
    if head is not None:
        anchor_head(database.engine.url, head)
    log.info("sealed the patient identity of %s", database.display_url)
    return head


def _seal_identities(connection: Connection, key: ClinicKey, sealed: SealedTexts) -> None:
    table = cast(Table, PatientIdentity.__table__)
    rows = connection.execute(select(table).where(table.c.hospital_number_mac.is_(None))).all()
    for row in rows:
        values: dict[str, str] = {}
        plain: dict[str, str] = {}
        for name in IDENTITY_COLUMNS:
            stored, where = str(getattr(row, name)), bound_to(table.name, name, row.id)
            # A value sealed before a downgrade and upgrade is kept (it opens, or is refused).
            plain[name] = key.open(stored, where) if is_sealed(stored) else stored
            values[name] = stored if is_sealed(stored) else key.seal(stored, where)
            sealed.add((table.name, str(row.id), name), plain[name], values[name])
        number = plain["hospital_number"].strip().upper()
        connection.execute(
            update(table)
            .where(table.c.id == row.id)
            .values(
                **values,
                hospital_number_mac=key.lookup("hospital_number:" + number),
                birth_mac=key.lookup("date_of_birth:" + plain["date_of_birth"][:10]),
            )
        )


def _seal_labels(connection: Connection, key: ClinicKey, sealed: SealedTexts) -> None:
    table = cast(Table, Label.__table__)
    for row in connection.execute(select(table.c.id, table.c.payload)).all():
        if row.payload.startswith('{"sealed"'):
            continue
        text = sealed_payload(key, row.id, row.payload)
        sealed.add((table.name, str(row.id), "payload"), row.payload, text)
        connection.execute(update(table).where(table.c.id == row.id).values(payload=text))


def _seal_scans(connection: Connection, key: ClinicKey, sealed: SealedTexts) -> None:
    table = cast(Table, Scan.__table__)
    for row in connection.execute(select(table.c.id, table.c.raw_text)).all():
        if is_sealed(row.raw_text):
            continue
        text = key.seal(row.raw_text, bound_to(table.name, "raw_text", row.id))
        sealed.add((table.name, str(row.id), "raw_text"), row.raw_text, text)
        connection.execute(update(table).where(table.c.id == row.id).values(raw_text=text))


def _resealed_values(
    key: ClinicKey, sealed: SealedTexts, record_type: str, record_id: str, stored: str
) -> str | None:
    """The event's values with every sealed record's plain value replaced (None: unchanged)."""
    try:
        values = json.loads(stored)
    except ValueError:
        return None
    if not isinstance(values, dict):
        return None
    changed = False
    for name, value in values.items():
        record = (record_type, record_id, name)
        if record not in sealed.texts or not isinstance(value, str) or is_sealed(value):
            continue
        known = sealed.texts[record]
        if value not in known:  # a value the row held before: sealed for the same row
            where = bound_to(record_type, name, record_id)
            known[value] = (
                sealed_payload(key, record_id, value)
                if name == "payload"
                else key.seal(value, where)
            )
        values[name] = known[value]
        changed = True
    return canonical_json(values) if changed else None


def _event(key: ClinicKey, sealed: SealedTexts, rewritten: tuple[int, int]) -> PendingEvent:
    first, last = rewritten
    counts = {name: sealed.counts.get(name, 0) for name in ("patient_identity", "label", "scan")}
    reason = (
        f"patient identity written before encryption at rest sealed with the clinic key (key "
        f"id {key.key_id}): {counts['patient_identity']} identity values, {counts['label']} "
        f"label payloads, {counts['scan']} scan texts"
    )
    if first:
        reason += (
            f"; the old/new values of the audit events of these records were rewritten with "
            f"the sealed text and events {first}–{last} re-hashed: anchors and printed seals "
            f"taken before this event differ from event {first} on"
        )
    return PendingEvent(
        action=SEAL_IDENTITY_ACTION,
        record_type=IdentitySealing.__tablename__,
        record_id="1",
        new_values={"clinic_key_id": key.key_id, "rewritten_from": first, "rewritten_to": last},
        reason=reason,
    )
