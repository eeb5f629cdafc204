"""What crosses organisations: partners' EPCIS events, partners' keys, exchanged bundles."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Immutable, Versioned


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


class PartnerKey(Versioned, Base):
    """A partner site's Ed25519 public key, registered by our administrator."""

    __tablename__ = "partner_key"

    site_code: Mapped[str] = mapped_column(String(32))
    """The partner site's code as its bundles name it (``from_site``)."""
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    """The 32-byte raw public key, hex."""
    active: Mapped[bool] = mapped_column(default=True)


class ExchangeBundle(Immutable, Base):
    """A bundle of one case's records sent to or received from a partner: the case's history
    of hand-overs (each bundle names the digest of the one before it for the same COI)."""

    __tablename__ = "exchange_bundle"

    bundle_id: Mapped[str] = mapped_column(String(36), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the signed payload."""
    coi: Mapped[str] = mapped_column(String(15), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    """``sent`` or ``received``."""
    from_site: Mapped[str] = mapped_column(String(32))
    to_site: Mapped[str] = mapped_column(String(32))
    previous: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
