"""Shipments, their contents, and the data-logger files and readings that travel with them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Versioned
from db.enums import (
    Disposition,
    ReceiptOutcome,
    ShipmentDirection,
    ShipmentStatus,
    Verdict,
    enum_column,
)


class Shipment(Versioned, Base):
    """A shipper (SSCC) moving units between sites with a data logger (GIAI)."""

    __tablename__ = "shipment"

    sscc: Mapped[str] = mapped_column(String(18), unique=True)
    direction: Mapped[ShipmentDirection] = mapped_column(
        enum_column(ShipmentDirection, "shipment_direction")
    )
    status: Mapped[ShipmentStatus] = mapped_column(enum_column(ShipmentStatus, "shipment_status"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("therapy_case.id"), index=True)
    from_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    to_site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    profile_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("temperature_profile.id"))
    logger_giai: Mapped[str | None] = mapped_column(String(30))
    shipper_grai: Mapped[str | None] = mapped_column(String(30))
    courier_name: Mapped[str | None] = mapped_column(String(200))
    courier_organisation: Mapped[str | None] = mapped_column(String(200))
    packed_at: Mapped[datetime | None] = mapped_column()
    handed_over_at: Mapped[datetime | None] = mapped_column()
    received_at: Mapped[datetime | None] = mapped_column()
    received_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    receipt_verified_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    receipt_accepted: Mapped[bool | None] = mapped_column()


class ShipmentItem(Versioned, Base):
    """A unit packed in a shipment, and how it was found on receipt."""

    __tablename__ = "shipment_item"
    __table_args__ = (UniqueConstraint("shipment_id", "unit_id"),)

    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipment.id"), index=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"))
    packed_at: Mapped[datetime] = mapped_column()
    packed_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    receipt_outcome: Mapped[ReceiptOutcome | None] = mapped_column(
        enum_column(ReceiptOutcome, "receipt_outcome")
    )
    received_at: Mapped[datetime | None] = mapped_column()


class LoggerFile(Versioned, Base):
    """An imported data-logger file: raw SHA-256, its assessment and QA's disposition."""

    __tablename__ = "logger_file"
    __table_args__ = (UniqueConstraint("shipment_id", "sha256"),)

    shipment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shipment.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(32))
    sensor_id: Mapped[str | None] = mapped_column(String(100))
    reading_count: Mapped[int] = mapped_column()
    profile_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("temperature_profile.id"))
    window_start: Mapped[datetime | None] = mapped_column()
    window_end: Mapped[datetime | None] = mapped_column()
    verdict: Mapped[Verdict | None] = mapped_column(enum_column(Verdict, "verdict"))
    assessment: Mapped[str] = mapped_column(Text, default="{}")
    imported_at: Mapped[datetime] = mapped_column()
    imported_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    disposition: Mapped[Disposition | None] = mapped_column(
        enum_column(Disposition, "logger_disposition")
    )
    disposition_justification: Mapped[str | None] = mapped_column(Text)
    dispositioned_at: Mapped[datetime | None] = mapped_column()
    dispositioned_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))


class LoggerReading(Base):
    """One normalised reading. Written in bulk; the file's audit event carries its SHA-256."""

    __tablename__ = "logger_reading"
    __table_args__ = (Index("ix_logger_reading_file_time", "logger_file_id", "measured_at"),)
    __audited__ = False

    logger_file_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("logger_file.id"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    measured_at: Mapped[datetime] = mapped_column()
    temperature_c: Mapped[float] = mapped_column()
    sensor: Mapped[str] = mapped_column(String(100), default="")
