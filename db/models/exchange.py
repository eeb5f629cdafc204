"""Events a partner organisation sent in an EPCIS document, attached to one of our cases."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Immutable


class PartnerEvent(Immutable, Base):
    """One imported EPCIS event, kept as received; ``event_id`` is unique (no duplicates)."""

    __tablename__ = "partner_event"

    event_id: Mapped[str] = mapped_column(String(200), unique=True)
    """The event's ``eventID`` as sent, or the standard event hash when it had none."""
    event_type: Mapped[str] = mapped_column(String(40))
    biz_step: Mapped[str | None] = mapped_column(String(200))
    event_time: Mapped[datetime] = mapped_column()
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("therapy_case.id"), index=True)
    shipment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shipment.id"))
    matched: Mapped[str] = mapped_column(Text)
    """The identifiers (URIs) that tied the event to the case, one per line."""
    document_sha256: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    """The event's JSON exactly as it stood in the document."""
