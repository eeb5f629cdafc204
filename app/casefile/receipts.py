"""Receipts in quarantine: shipments received and verified with something open, waiting for
QA to accept them once nothing blocks (issue 16: QA's work item had no screen to do it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import Actor, coi_text
from app.journey import blocking_reasons
from db.enums import ShipmentDirection, ShipmentStatus
from db.models import Case, Shipment


@dataclass(frozen=True)
class QuarantinedReceipt:
    """A received shipment whose units stay in quarantine until QA accepts the receipt."""

    shipment_id: uuid.UUID
    sscc: str
    direction: ShipmentDirection
    case_id: uuid.UUID | None
    case_coi: str | None
    received_at: datetime | None
    blocking: tuple[str, ...]
    """What still keeps the units in quarantine, in words; empty when QA may accept."""


def quarantined_receipts(session: Session, actor: Actor) -> list[QuarantinedReceipt]:
    """The receipts at the actor's site not yet accepted, oldest first, each with what still
    blocks its acceptance."""
    if actor.site_id is None:
        return []
    query = (
        select(Shipment, Case.coi, Case.coi_check)
        .outerjoin(Case, Case.id == Shipment.case_id)
        .where(
            Shipment.to_site_id == actor.site_id,
            Shipment.status == ShipmentStatus.RECEIVED,
            Shipment.receipt_accepted.is_not(True),
        )
        .order_by(Shipment.received_at)
    )
    return [
        QuarantinedReceipt(
            shipment.id,
            shipment.sscc,
            shipment.direction,
            shipment.case_id,
            coi_text(coi, check) if coi else None,
            shipment.received_at,
            blocking_reasons(session, shipment),
        )
        for shipment, coi, check in session.execute(query).all()
    ]
