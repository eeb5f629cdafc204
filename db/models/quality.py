"""Deviations, QP releases and electronic signatures."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, HasId, Versioned
from db.enums import DeviationStatus, ReleaseDecision, SignatureMeaning, enum_column


class Deviation(Versioned, Base):
    """An event that departs from procedure; open until QA closes it."""

    __tablename__ = "deviation"

    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[DeviationStatus] = mapped_column(
        enum_column(DeviationStatus, "deviation_status")
    )
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("therapy_case.id"), index=True)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id"))
    shipment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shipment.id"))
    logger_file_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("logger_file.id"))
    scan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("scan.id"))
    raised_at: Mapped[datetime] = mapped_column()
    raised_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    closure: Mapped[str | None] = mapped_column(Text)


class Release(Versioned, Base):
    """The QP's decision on a batch, with the checklist as computed when it was signed."""

    __tablename__ = "batch_release"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_case.id"), index=True)
    decision: Mapped[ReleaseDecision] = mapped_column(
        enum_column(ReleaseDecision, "release_decision")
    )
    checklist: Mapped[str] = mapped_column(Text)
    qp_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime] = mapped_column()
    comment: Mapped[str | None] = mapped_column(Text)


class Signature(HasId, Base):
    """An electronic signature: signer, UTC time, meaning, and the signed record's digest."""

    __tablename__ = "signature"
    __table_args__ = (Index("ix_signature_record", "record_type", "record_id"),)

    signer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_username: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column()
    meaning: Mapped[SignatureMeaning] = mapped_column(
        enum_column(SignatureMeaning, "signature_meaning")
    )
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(200))
    record_digest: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    station: Mapped[str] = mapped_column(String(100))
