"""The batch record: manufacturing steps with their input and output units, and QC results."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Versioned, signed_only_by
from db.enums import QcOutcome, SignatureMeaning, StepStatus, enum_column


class ManufacturingStep(Versioned, Base):
    """One executed step of a case's batch record. ``parameters`` holds the recorded JSON."""

    __tablename__ = "manufacturing_step"
    __table_args__ = (UniqueConstraint("case_id", "position"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_case.id"), index=True)
    step_template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("step_template.id"))
    position: Mapped[int] = mapped_column()
    status: Mapped[StepStatus] = mapped_column(enum_column(StepStatus, "step_status"))
    parameters: Mapped[str] = mapped_column(Text, default="{}")
    performed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    performed_at: Mapped[datetime | None] = mapped_column()
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    verified_at: Mapped[datetime | None] = mapped_column()


class StepUnit(Base):
    """A unit consumed (``input``) or produced (``output``) by a step."""

    __tablename__ = "step_unit"

    step_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("manufacturing_step.id"), primary_key=True
    )
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    direction: Mapped[str] = mapped_column(String(6), primary_key=True)


class QcResult(Versioned, Base):
    """A QC result against its specification, entered by QC and reviewed by QA."""

    __tablename__ = "qc_result"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_case.id"), index=True)
    sample_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id"))
    specification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qc_specification.id"))
    value_text: Mapped[str | None] = mapped_column(String(100))
    value_numeric: Mapped[float | None] = mapped_column()
    outcome: Mapped[QcOutcome] = mapped_column(enum_column(QcOutcome, "qc_outcome"))
    entered_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    entered_at: Mapped[datetime] = mapped_column()
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    # Filled in by QA's later, separately signed exception approval: not part of the review.
    exception_approved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id"), info=signed_only_by(SignatureMeaning.APPROVED)
    )
    exception_justification: Mapped[str | None] = mapped_column(
        Text, info=signed_only_by(SignatureMeaning.APPROVED)
    )
    # A correction is a new result naming the one it replaces, and why; that one stays as it was.
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("qc_result.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
