"""Labels issued for units and every scan made at a station."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Immutable, Versioned
from db.enums import LabelStatus, ScanOutcome, enum_column


class Label(Versioned, Base):
    """One printed label: issued, then applied (scanned back) or voided. A reprint voids it.

    Every print, first or reprint, has its own ``serial`` in its 2-D symbol, so a scan tells
    the current print from a voided copy (DESIGN.md §3).
    """

    __tablename__ = "label"

    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    template: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    serial: Mapped[str | None] = mapped_column(String(18), unique=True, index=True)
    """This print's own serial, carried in its 2-D symbol (None: printed before serials)."""
    status: Mapped[LabelStatus] = mapped_column(enum_column(LabelStatus, "label_status"))
    printer_name: Mapped[str] = mapped_column(String(100))
    copies: Mapped[int] = mapped_column(default=1)
    printed_at: Mapped[datetime] = mapped_column()
    printed_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    reprint_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("label.id"))
    reprint_reason: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime | None] = mapped_column()
    voided_at: Mapped[datetime | None] = mapped_column()
    voided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
    void_reason: Mapped[str | None] = mapped_column(Text)
    send_state: Mapped[str | None] = mapped_column(String(16))
    """A networked (ZPL) print job: ``sending`` (recorded, committed, then sent), ``sent`` or
    ``failed``; None for a label printed from the screen. A job left ``sending`` (a crash
    between the send and its confirmation) is shown for reconciliation."""
    send_error: Mapped[str | None] = mapped_column(Text)
    """Why the printer did not take the job (``failed``)."""


class Scan(Immutable, Base):
    """A scan read at a station and verified against what the screen expected."""

    __tablename__ = "scan"

    station: Mapped[str] = mapped_column(String(100))
    raw_text: Mapped[str] = mapped_column(Text)
    parsed_kind: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(64))
    expected: Mapped[str] = mapped_column(Text, default="{}")
    outcome: Mapped[ScanOutcome] = mapped_column(enum_column(ScanOutcome, "scan_outcome"))
    mismatch_reason: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("therapy_case.id"), index=True)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("unit.id"))
    label_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("label.id"))
