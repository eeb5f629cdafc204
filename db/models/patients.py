"""Patients: a pseudonymous record, and their identity in a table of its own (DESIGN.md §5)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import IDENTITY, Base, HasId, Versioned
from db.types import utc_now


class Patient(Versioned, Base):
    """The pseudonymous patient: what the manufacturer may see."""

    __tablename__ = "patient"

    clinic_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))


class PatientIdentity(Versioned, Base):
    """Name, date of birth and hospital number, sealed with the clinic key (AES-GCM).

    Only clinic roles may read this table, and only a workstation holding the clinic key can
    open it (``app.core.clinic_sealing``): each identity column holds ``coi-enc1:...`` bound to its
    row and column. ``hospital_number_mac`` (of the upper-case number) and ``birth_mac`` (of
    the ISO date) are keyed hashes for look-ups; NULL only on a row migrated from plain text
    and not yet sealed (a database upgraded where there was no clinic key).
    """

    __tablename__ = "patient_identity"
    __table_args__ = (UniqueConstraint("clinic_site_id", "hospital_number_mac"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), unique=True)
    clinic_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    family_name: Mapped[str] = mapped_column(Text, info=IDENTITY)
    given_name: Mapped[str] = mapped_column(Text, info=IDENTITY)
    date_of_birth: Mapped[str] = mapped_column(Text, info=IDENTITY)
    hospital_number: Mapped[str] = mapped_column(Text, info=IDENTITY)
    hospital_number_mac: Mapped[str | None] = mapped_column(String(64))
    birth_mac: Mapped[str | None] = mapped_column(String(64), index=True)


class CoiSequence(Versioned, Base):
    """The last COI sequence value issued per issuer FIN and nominal year; never reused."""

    __tablename__ = "coi_sequence"
    __table_args__ = (UniqueConstraint("fin", "year"),)
    __audited__ = False

    fin: Mapped[str] = mapped_column(String(5))
    year: Mapped[int] = mapped_column()
    last_value: Mapped[int] = mapped_column(default=0)


class IdentitySealing(Base):
    """Whether rows written before identity was encrypted still wait to be sealed (one row).

    Migration 0012 sets ``pending`` on a database that held patients, labels or scans; the
    application, holding the clinic key, seals them (and the audit values that name them) and
    clears it, with an audit event saying so.
    """

    __tablename__ = "identity_sealing"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    pending: Mapped[bool] = mapped_column()
    rekey_pending: Mapped[bool] = mapped_column(default=False)
    """Set by migration 0014: identity sealed with the clinic key waits to be re-sealed with
    per-patient keys (``app.core.patient_rekeying``)."""


class PatientKey(HasId, Base):
    """A patient's data key, wrapped (AES-GCM) by the clinic key; outside the audit chain.

    Every identity value of the patient (identity row, label payloads, scan texts and their
    audit values) is sealed with this key (``coi-enc2:``). Erasure (GDPR) deletes
    ``wrapped_key`` and sets ``erased_at``: every ciphertext of the patient stays, unreadable,
    and the audit chain, which hashes those ciphertexts, still verifies.
    """

    __tablename__ = "patient_key"
    __audited__ = False

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), unique=True)
    clinic_key_id: Mapped[str] = mapped_column(String(16))
    wrapped_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    erased_at: Mapped[datetime | None] = mapped_column()
