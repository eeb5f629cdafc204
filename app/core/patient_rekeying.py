"""Re-seal identity sealed with the clinic key alone with per-patient keys (after migration 0014).

Identity sealed before schema 0014 (``coi-enc1:``) cannot be erased patient by patient. The
migration cannot re-key (the clinic key never enters the database); the first clinic
workstation that opens the upgraded database does it in one transaction, as the sealing of
migration 0012 did (`app.core.identity_sealing`):

- each identity row, each sealed label payload of a unit of a case and each sealed scan text of
  a case is opened with the clinic key and sealed again with its patient's key (made now,
  stored wrapped in ``patient_key``);
- the audit values of those records hold the same ciphertext: they are rewritten with the new
  one (an older value is re-sealed for the same row and column), the chain re-hashed from the
  first rewritten event, and an audit event (``re-key patient identity``) says which events;
  this workstation's anchor is set aside and anchored anew.

Scans of no case stay sealed with the clinic key. A workstation without the key leaves it
pending.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any, cast

from sqlalchemy import Connection, Table, select, update

from app.core.actor import Actor
from app.core.audit_anchor import ChainHead, anchor_head
from app.core.audit_chain import PendingEvent, append_to_chain, lock_chain
from app.core.canonical import canonical_json
from app.core.clinic_sealing import (
    SEALED_PREFIX,
    ClinicKey,
    bound_to,
    clinic_key,
    opened_payload,
    sealed_payload,
)
from app.core.config import resolve_station
from app.core.identity_rewrite import (
    IDENTITY_COLUMNS,
    SealedTexts,
    rewrite_events,
    set_rewritten_anchor_aside,
)
from app.core.identity_sealing import sealing_pending
from app.core.patient_keys import PatientKeys
from db.models import Case, IdentitySealing, Label, PatientIdentity, Scan, Unit

log = logging.getLogger(__name__)

REKEY_IDENTITY_ACTION = "re-key patient identity"


def rekey_pending(connection: Connection) -> bool:
    """True when identity sealed with the clinic key alone waits to get patient keys."""
    row = connection.execute(
        select(IdentitySealing.rekey_pending).where(IdentitySealing.id == 1)
    ).first()
    return bool(row and row.rekey_pending)


def rekey_pending_identity(database: Any) -> ChainHead | None:
    """Re-seal with patient keys what migration 0014 left pending, once; the new chain head."""
    with database.engine.connect() as connection:
        if not rekey_pending(connection):
            return None
    key = clinic_key()
    if key is None:
        log.warning(
            "patient identity of %s is not re-keyed yet: this workstation has no clinic key",
            database.display_url,
        )
        return None
    with database.write_session() as session:
        connection = session.connection()
        lock_chain(connection)
        if not rekey_pending(connection) or sealing_pending(connection):
            return None
        rekeyed = _Rekeyed(key, PatientKeys(key, connection))
        rekeyed.identities(connection)
        rekeyed.labels(connection)
        rekeyed.scans(connection)
        rewritten = rewrite_events(connection, key, rekeyed.sealed, rekeyed.resealed_values)
        connection.execute(
            update(IdentitySealing).where(IdentitySealing.id == 1).values(rekey_pending=False)
        )
        head = None
        if rekeyed.sealed.counts:
            head = append_to_chain(
                connection, Actor.system(resolve_station()), [_event(key, rekeyed, rewritten)]
            )
        session.commit()
    if rewritten[0]:
        set_rewritten_anchor_aside(database)
    if head is not None:
        anchor_head(database.engine.url, head)
        log.info("re-keyed the patient identity of %s", database.display_url)
    return head


class _Rekeyed:
    """The values re-sealed so far, and the patient of each re-keyed record."""

    def __init__(self, key: ClinicKey, keys: PatientKeys) -> None:
        self.key = key
        self.keys = keys
        self.sealed = SealedTexts()
        self.patients: dict[tuple[str, str], uuid.UUID] = {}

    def _reseal(self, table: str, row_id: object, column: str, stored: str) -> str:
        patient = self.patients[(table, str(row_id))]
        where = bound_to(table, column, row_id)
        if table == "label":
            plain = opened_payload(self.key, row_id, stored)
            return sealed_payload(self.key, row_id, plain, self.keys.ensure(patient))
        return self.keys.seal(self.key.open(stored, where), where, patient)

    def _record(self, table: str, row_id: object, column: str, stored: str) -> str:
        text = self._reseal(table, row_id, column, stored)
        self.sealed.add((table, str(row_id), column), stored, text)
        return text

    def identities(self, connection: Connection) -> None:
        table = cast(Table, PatientIdentity.__table__)
        for row in connection.execute(select(table)).all():
            self.patients[(table.name, str(row.id))] = row.patient_id
            values = {
                name: self._record(table.name, row.id, name, getattr(row, name))
                for name in IDENTITY_COLUMNS
                if str(getattr(row, name)).startswith(SEALED_PREFIX)
            }
            if values:
                connection.execute(update(table).where(table.c.id == row.id).values(**values))

    def labels(self, connection: Connection) -> None:
        table = cast(Table, Label.__table__)
        query = (
            select(table.c.id, table.c.payload, Case.patient_id)
            .join(Unit, Unit.id == table.c.unit_id)
            .join(Case, Case.id == Unit.case_id)
            .where(table.c.payload.startswith('{"sealed": "' + SEALED_PREFIX))
        )
        for row in connection.execute(query).all():
            self.patients[(table.name, str(row.id))] = row.patient_id
            text = self._record(table.name, row.id, "payload", row.payload)
            connection.execute(update(table).where(table.c.id == row.id).values(payload=text))

    def scans(self, connection: Connection) -> None:
        table = cast(Table, Scan.__table__)
        query = (
            select(table.c.id, table.c.raw_text, Case.patient_id)
            .join(Case, Case.id == table.c.case_id)
            .where(table.c.raw_text.startswith(SEALED_PREFIX))
        )
        for row in connection.execute(query).all():
            self.patients[(table.name, str(row.id))] = row.patient_id
            text = self._record(table.name, row.id, "raw_text", row.raw_text)
            connection.execute(update(table).where(table.c.id == row.id).values(raw_text=text))

    def resealed_values(
        self, _key: ClinicKey, sealed: SealedTexts, record_type: str, record_id: str, stored: str
    ) -> str | None:
        """An event's values with each re-keyed record's old ciphertext replaced."""
        try:
            values = json.loads(stored)
        except ValueError:
            return None
        if not isinstance(values, dict):
            return None
        changed = False
        for name, value in values.items():
            record = (record_type, record_id, name)
            if record not in sealed.texts or not isinstance(value, str):
                continue
            if not (value.startswith(SEALED_PREFIX) or value.startswith('{"sealed": "coi-enc1')):
                continue
            known = sealed.texts[record]
            if value not in known:  # a value the row held before: re-sealed for the same row
                known[value] = self._reseal(record_type, record_id, name, value)
            values[name] = known[value]
            changed = True
        return canonical_json(values) if changed else None


def _event(key: ClinicKey, rekeyed: _Rekeyed, rewritten: tuple[int, int]) -> PendingEvent:
    first, last = rewritten
    counts = {n: rekeyed.sealed.counts.get(n, 0) for n in ("patient_identity", "label", "scan")}
    reason = (
        f"patient identity sealed with the clinic key alone (key id {key.key_id}) re-sealed "
        f"with per-patient keys, so that one patient's identity can be erased: "
        f"{counts['patient_identity']} identity values, {counts['label']} label payloads, "
        f"{counts['scan']} scan texts"
    )
    if first:
        reason += (
            f"; the old/new values of the audit events of these records were rewritten with "
            f"the new sealed text and events {first}–{last} re-hashed: anchors and printed "
            f"seals taken before this event differ from event {first} on"
        )
    return PendingEvent(
        action=REKEY_IDENTITY_ACTION,
        record_type=IdentitySealing.__tablename__,
        record_id="1",
        new_values={"clinic_key_id": key.key_id, "rewritten_from": first, "rewritten_to": last},
        reason=reason,
    )
