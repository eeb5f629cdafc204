"""Receipts in quarantine: shipments received and verified with something open, waiting for
QA to accept them once nothing blocks (issue 16: QA's work item had no screen to do it); and
the receipts already accepted, to which only QA attaches a logger file, as a correction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.coldchain import LoggerFileView, logger_file_view
from app.core import Actor, coi_text
from app.journey import (
    SPENT_STATUSES,
    ShipmentView,
    blocking_reasons,
    shipment_units,
    shipment_view,
)
from db.enums import ShipmentDirection, ShipmentStatus, SideState
from db.models import Case, LoggerFile, Shipment

ACCEPTED_SHOWN = 50
"""The accepted receipts listed for a correction: the latest received."""


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


def _received_at(site_id: uuid.UUID, *, accepted: bool) -> Select[Shipment, str, str]:
    """The shipments received at ``site_id`` whose receipt is (or is not yet) accepted, each
    with its case's COI and check character."""
    acceptance = (
        Shipment.receipt_accepted.is_(True) if accepted else Shipment.receipt_accepted.is_not(True)
    )
    return (
        select(Shipment, Case.coi, Case.coi_check)
        .outerjoin(Case, Case.id == Shipment.case_id)
        .where(
            Shipment.to_site_id == site_id,
            Shipment.status == ShipmentStatus.RECEIVED,
            acceptance,
        )
    )


def quarantined_receipts(session: Session, actor: Actor) -> list[QuarantinedReceipt]:
    """The receipts at the actor's site not yet accepted, oldest first, each with what still
    blocks its acceptance."""
    if actor.site_id is None:
        return []
    query = _received_at(actor.site_id, accepted=False).order_by(Shipment.received_at)
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


@dataclass(frozen=True)
class AcceptedReceipt:
    """A received shipment whose receipt is accepted: a logger file found now is attached only
    as QA's signed correction."""

    shipment: ShipmentView
    case_coi: str | None
    units: int
    spent: int
    """Units already infused or consumed: a correction never quarantines them again."""
    quarantined: int
    files: tuple[LoggerFileView, ...]
    """Its logger files, oldest first (a correction is marked by its ``correction`` reason)."""


def accepted_receipts(session: Session, actor: Actor) -> list[AcceptedReceipt]:
    """The latest accepted receipts at the actor's site, newest first, with their units and
    logger files."""
    if actor.site_id is None:
        return []
    query = (
        _received_at(actor.site_id, accepted=True)
        .order_by(Shipment.received_at.desc())
        .limit(ACCEPTED_SHOWN)
    )
    receipts = []
    for shipment, coi, check in session.execute(query).all():
        units = shipment_units(session, shipment)
        files = session.scalars(
            select(LoggerFile)
            .where(LoggerFile.shipment_id == shipment.id)
            .order_by(LoggerFile.imported_at)
        )
        receipts.append(
            AcceptedReceipt(
                shipment_view(session, shipment),
                coi_text(coi, check) if coi else None,
                len(units),
                sum(unit.status in SPENT_STATUSES for unit in units),
                sum(unit.side_state is SideState.QUARANTINED for unit in units),
                tuple(logger_file_view(session, row) for row in files),
            )
        )
    return receipts
