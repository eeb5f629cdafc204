"""Patients: a pseudonymous record, and their identity in a table of its own (DESIGN.md §5)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import IDENTITY, Base, Versioned


class Patient(Versioned, Base):
    """The pseudonymous patient: what the manufacturer may see."""

    __tablename__ = "patient"

    clinic_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))


class PatientIdentity(Versioned, Base):
    """Name, date of birth and hospital number; only clinic roles may read this table."""

    __tablename__ = "patient_identity"
    __table_args__ = (UniqueConstraint("clinic_site_id", "hospital_number"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"), unique=True)
    clinic_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    family_name: Mapped[str] = mapped_column(String(200), info=IDENTITY)
    given_name: Mapped[str] = mapped_column(String(200), info=IDENTITY)
    date_of_birth: Mapped[date] = mapped_column(info=IDENTITY)
    hospital_number: Mapped[str] = mapped_column(String(64), info=IDENTITY)


class CoiSequence(Versioned, Base):
    """The last COI sequence value issued per issuer FIN and nominal year; never reused."""

    __tablename__ = "coi_sequence"
    __table_args__ = (UniqueConstraint("fin", "year"),)
    __audited__ = False

    fin: Mapped[str] = mapped_column(String(5))
    year: Mapped[int] = mapped_column()
    last_value: Mapped[int] = mapped_column(default=0)
