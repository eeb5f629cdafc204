"""Cases (therapy orders), units with their genealogy, and custody events."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Immutable, Versioned
from db.enums import (
    CaseStage,
    CustodyAction,
    SideState,
    SideStateCause,
    UnitKind,
    UnitStatus,
    enum_column,
)


class Case(Versioned, Base):
    """One patient treatment, identified by its COI from enrolment to infusion."""

    __tablename__ = "therapy_case"
    __table_args__ = (
        CheckConstraint("length(coi) = 15", name="coi_15_characters"),
        # The case lists read newest first, per site (app.casefile.queries).
        Index("ix_therapy_case_clinic_enrolled", "clinic_site_id", "enrolled_at", "id"),
        Index(
            "ix_therapy_case_manufacturer_enrolled", "manufacturing_site_id", "enrolled_at", "id"
        ),
    )

    coi: Mapped[str] = mapped_column(String(15), unique=True)
    coi_check: Mapped[str] = mapped_column(String(1))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patient.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("product.id"))
    clinic_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    manufacturing_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    stage: Mapped[CaseStage] = mapped_column(enum_column(CaseStage, "case_stage"))
    side_state: Mapped[SideState] = mapped_column(
        enum_column(SideState, "case_side_state"), default=SideState.NONE
    )
    side_state_reason: Mapped[str | None] = mapped_column(Text)
    planned_collection_date: Mapped[date | None] = mapped_column()
    manufacturing_slot_date: Mapped[date | None] = mapped_column()
    treating_physician: Mapped[str | None] = mapped_column(String(200))
    """The physician who ordered the treatment, as the coordinator entered the name."""
    enrolled_at: Mapped[datetime] = mapped_column()
    enrolled_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))


class Unit(Versioned, Base):
    """A container (bag, sample, shipper). Its COI always equals its case's and its parents'."""

    __tablename__ = "unit"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_case.id"), index=True)
    coi: Mapped[str] = mapped_column(String(15), index=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, "unit_kind"))
    status: Mapped[UnitStatus] = mapped_column(enum_column(UnitStatus, "unit_status"))
    side_state: Mapped[SideState] = mapped_column(
        enum_column(SideState, "unit_side_state"), default=SideState.NONE
    )
    side_state_reason: Mapped[str | None] = mapped_column(Text)
    # None exactly when side_state is NONE; only app.journey.unit_states writes these three.
    side_state_cause: Mapped[SideStateCause | None] = mapped_column(
        enum_column(SideStateCause, "unit_side_state_cause")
    )
    din: Mapped[str | None] = mapped_column(String(16), unique=True)
    product_code: Mapped[str | None] = mapped_column(String(16))
    volume_ml: Mapped[float | None] = mapped_column()
    anticoagulant: Mapped[str | None] = mapped_column(String(64))
    collection_start: Mapped[datetime | None] = mapped_column()
    collection_end: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("site.id"))
    storage_position: Mapped[str | None] = mapped_column(String(100))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))


class UnitParent(Base):
    """Genealogy edge: ``child`` was made from ``parent`` (pooled outputs have several)."""

    __tablename__ = "unit_parent"

    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    parent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), primary_key=True)


class CustodyEvent(Immutable, Base):
    """Who held a unit, where, when, in what condition. A handover is two events."""

    __tablename__ = "custody_event"

    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    shipment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shipment.id"))
    action: Mapped[CustodyAction] = mapped_column(enum_column(CustodyAction, "custody_action"))
    custodian_name: Mapped[str] = mapped_column(String(200))
    custodian_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    organisation: Mapped[str | None] = mapped_column(String(200))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("site.id"))
    occurred_at: Mapped[datetime] = mapped_column()
    condition: Mapped[str] = mapped_column(Text, default="")


class StageRecord(Immutable, Base):
    """One journey operation on a case: what was done, by whom, verified by whom, when, where."""

    __tablename__ = "stage_record"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_case.id"), index=True)
    stage: Mapped[CaseStage] = mapped_column(enum_column(CaseStage, "record_stage"))
    action: Mapped[str] = mapped_column(String(64))
    performed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("site.id"))
    shipment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shipment.id"))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id"))
    occurred_at: Mapped[datetime] = mapped_column()
    details: Mapped[str] = mapped_column(Text, default="{}")
