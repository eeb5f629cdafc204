"""Per-patient data keys: what makes one patient's identity erasable (crypto-shredding).

Each patient has a random 256-bit data key; every identity value of the patient (identity
row, label payloads and scan texts that carry it, and their audit values, which hold the same
ciphertext) is sealed with it (AES-GCM, bound to table, column and row) as
``coi-enc2:<patient id>:<base64 of nonce + ciphertext>``. The data key is stored in
``patient_key`` wrapped by the clinic key (AES-GCM under a key derived from it, bound to the
patient): only a clinic workstation opens it. ``patient_key`` is not audited, so erasing a
patient (deleting the wrapped key) changes no hashed value: the audit chain and record
reconciliation still verify while the patient's ciphertexts no longer open.

An erased patient stays erased even when their key row is put back by hand from a backup:
the erasure's audit event is looked for before a key is used (C402).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import String, Uuid, insert, null, or_, select, type_coerce, union_all

from app.core.clinic_sealing import (
    NONCE_BYTES,
    PATIENT_SEALED_PREFIX,
    ClinicKey,
    altered_message,
    associated_data,
    clinic_key,
)
from app.core.errors import IdentityErased, IdentityUnreadable
from db.models import AuditEvent
from db.models import PatientKey as PatientKeyRow
from db.types import utc_now

IDENTITY_ERASED = "[identity erased]"
"""What everyone is shown in place of an erased patient's identity."""
ERASE_IDENTITY_ACTION = "erase patient identity"
"""The audit action of an erasure (record type ``patient``, record id the patient's id)."""
_KEY_BYTES = 32


def erased_message() -> str:
    """Why an erased patient's identity is not shown."""
    return (
        f"{IDENTITY_ERASED}: this patient's identity was erased (GDPR); the COI record stays, "
        "but who the patient is can no longer be read or confirmed"
    )


@dataclass(frozen=True)
class PatientDataKey:
    """One patient's data key, unwrapped."""

    patient_id: uuid.UUID
    secret: bytes

    def seal(self, text: str, where: str) -> str:
        """``text`` sealed with this patient's key and bound to ``where``."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        body = AESGCM(self.secret).encrypt(nonce, text.encode("utf-8"), associated_data(where))
        encoded = base64.b64encode(nonce + body).decode("ascii")
        return f"{PATIENT_SEALED_PREFIX}{self.patient_id.hex}:{encoded}"

    def open(self, stored: str, where: str) -> str:
        """The text sealed in ``stored`` for ``where`` (`IdentityUnreadable` when altered)."""
        _, body = _parts(stored)
        try:
            raw = base64.b64decode(body, validate=True)
            plain = AESGCM(self.secret).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], where.encode("utf-8")
            )
            return plain.decode("utf-8")
        except (binascii.Error, ValueError, InvalidTag):
            raise IdentityUnreadable(altered_message()) from None


def patient_of(stored: str) -> uuid.UUID | None:
    """The patient whose key sealed ``stored`` (None: not sealed with a patient key)."""
    if not stored.startswith(PATIENT_SEALED_PREFIX):
        return None
    try:
        return _parts(stored)[0]
    except IdentityUnreadable:
        return None


def _parts(stored: str) -> tuple[uuid.UUID, str]:
    patient, _, body = stored[len(PATIENT_SEALED_PREFIX) :].partition(":")
    try:
        return uuid.UUID(hex=patient), body
    except ValueError:
        raise IdentityUnreadable(altered_message()) from None


def _wrap_where(patient_id: uuid.UUID) -> bytes:
    return f"patient_key/{patient_id}".encode()


class PatientKeys:
    """The clinic key and the patient keys read through one session or connection.

    ``open`` opens a value sealed with the clinic key or with a patient key; ``seal`` seals
    with a patient's key (made on first use); keys are unwrapped once per object.
    """

    def __init__(self, clinic: ClinicKey, session: Any) -> None:
        self.clinic = clinic
        self._session = session
        self._keys: dict[uuid.UUID, PatientDataKey | IdentityUnreadable] = {}

    def lookup(self, text: str) -> str:
        """The clinic's keyed look-up hash of ``text``."""
        return self.clinic.lookup(text)

    def key_of(self, patient_id: uuid.UUID) -> PatientDataKey:
        """The patient's key; `IdentityErased` after erasure, `IdentityUnreadable` if missing."""
        if patient_id not in self._keys:
            self._keys[patient_id] = self._unwrapped(patient_id)
        found = self._keys[patient_id]
        if isinstance(found, IdentityUnreadable):
            raise found
        return found

    def ensure(self, patient_id: uuid.UUID) -> PatientDataKey:
        """The patient's key, made and stored wrapped when the patient has none yet."""
        row = self._row(patient_id)
        if row is None:
            secret = secrets.token_bytes(_KEY_BYTES)
            self._session.execute(
                insert(PatientKeyRow).values(
                    id=uuid.uuid4(),
                    patient_id=patient_id,
                    clinic_key_id=self.clinic.key_id,
                    wrapped_key=self.clinic.wrap(secret, _wrap_where(patient_id)),
                    created_at=utc_now(),
                )
            )
            self._keys[patient_id] = PatientDataKey(patient_id, secret)
        return self.key_of(patient_id)

    def is_erased(self, patient_id: uuid.UUID) -> bool:
        """Whether the patient's identity was erased."""
        try:
            self.key_of(patient_id)
        except IdentityErased:
            return True
        except IdentityUnreadable:
            return False
        return False

    def seal(self, text: str, where: str, patient_id: uuid.UUID) -> str:
        """``text`` sealed with the patient's key (made when missing)."""
        return self.ensure(patient_id).seal(text, where)

    def open(self, stored: str, where: str) -> str:
        """The text of a value sealed with the clinic key or a patient key."""
        patient_id = patient_of(stored)
        if patient_id is None:
            if stored.startswith(PATIENT_SEALED_PREFIX):
                raise IdentityUnreadable(altered_message())
            return self.clinic.open(stored, where)
        return self.key_of(patient_id).open(stored, where)

    def _row(self, patient_id: uuid.UUID) -> Any:
        query = select(
            PatientKeyRow.clinic_key_id, PatientKeyRow.wrapped_key, PatientKeyRow.erased_at
        ).where(PatientKeyRow.patient_id == patient_id)
        return self._session.execute(query).first()

    def _unwrapped(self, patient_id: uuid.UUID) -> PatientDataKey | IdentityUnreadable:
        row = self._row(patient_id)
        if row is not None and (row.erased_at is not None or row.wrapped_key is None):
            return IdentityErased(erased_message())
        if erasure_recorded(self._session, patient_id):
            # The key row was put back (from a backup, by hand): the trail says it was erased.
            return IdentityErased(erased_message())
        if row is None:
            return IdentityUnreadable(
                "The key of this patient's identity is missing from the database (it was "
                "deleted outside the application). Nothing was changed; report it to the "
                "quality unit."
            )
        try:
            secret = self.clinic.unwrap(row.wrapped_key, _wrap_where(patient_id))
        except IdentityUnreadable as exc:
            return exc
        return PatientDataKey(patient_id, secret)


def erasure_recorded(session: Any, patient_id: uuid.UUID) -> bool:
    """Whether the audit trail records the erasure of the patient's identity."""
    query = select(AuditEvent.seq).where(
        AuditEvent.record_type == "patient",
        AuditEvent.record_id == str(patient_id),
        AuditEvent.action == ERASE_IDENTITY_ACTION,
    )
    return session.execute(query.limit(1)).first() is not None


def patient_erased(session: Any, patient_id: uuid.UUID) -> bool:
    """Whether the patient's identity was erased (read without the clinic key)."""
    row = session.execute(
        select(PatientKeyRow.wrapped_key, PatientKeyRow.erased_at).where(
            PatientKeyRow.patient_id == patient_id
        )
    ).first()
    erased_row = row is not None and (row.wrapped_key is None or row.erased_at is not None)
    return erased_row or erasure_recorded(session, patient_id)


def erased_patients(session: Any, patient_ids: Collection[uuid.UUID]) -> frozenset[uuid.UUID]:
    """Which of ``patient_ids`` had their identity erased, read in one Core statement: the
    rule of `patient_erased` (key row erased, or the erasure in the trail) for them all."""
    if not patient_ids:
        return frozenset()
    keys, trail = PatientKeyRow.__table__.c, AuditEvent.__table__.c
    statement = union_all(
        select(keys.patient_id, type_coerce(null(), String)).where(
            keys.patient_id.in_(patient_ids),
            or_(keys.wrapped_key.is_(None), keys.erased_at.is_not(None)),
        ),
        select(type_coerce(null(), Uuid), trail.record_id).where(
            trail.record_type == "patient",
            trail.record_id.in_(sorted(str(p) for p in patient_ids)),
            trail.action == ERASE_IDENTITY_ACTION,
        ),
    )
    erased = set()
    for key_patient, trail_patient in session.connection().execute(statement):
        erased.add(key_patient if key_patient is not None else uuid.UUID(trail_patient))
    return frozenset(erased)


def identity_keys(session: Any) -> PatientKeys | None:
    """This workstation's keys read through ``session``; None without the clinic key."""
    key = clinic_key()
    return None if key is None else PatientKeys(key, session)
