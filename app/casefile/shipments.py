"""What the receipt screen reads: shipments arriving at a site, the units each should hold,
and where each receipt stands (a stored logger trace with its assessment is app.coldchain's).

Read-only queries returning frozen views; no patient identity ever (the bench sees the COI).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.casefile.queries import visible_case
from app.core import Actor, Database, load, person
from app.journey import ShipmentView, blocking_reasons, shipment_view
from app.scanning import UNIT_KIND_NAMES
from db.enums import (
    ReceiptOutcome,
    ShipmentDirection,
    ShipmentStatus,
    SideState,
    UnitKind,
    Verdict,
)
from db.models import Case, Shipment, ShipmentItem, Site, Unit
from db.types import utc_now

__all__ = [
    "ExpectedUnit",
    "ReceiptOutcome",
    "ReceiptStatus",
    "ShipmentDirection",
    "ShipmentStatus",
    "ShipmentView",
    "SideState",
    "Verdict",
    "expected_units",
    "receipt_status",
    "shipments_for_receipt",
]

RECENT_RECEIPTS = timedelta(days=30)
"""How long a received shipment stays on the receipt list."""


@dataclass(frozen=True)
class ExpectedUnit:
    """A unit packed in a shipment and how it was found on receipt (None: not scanned yet)."""

    unit_id: uuid.UUID
    din: str | None
    kind: UnitKind
    coi: str
    receipt_outcome: ReceiptOutcome | None
    side_state: SideState
    side_state_reason: str | None

    @property
    def description(self) -> str:
        """The kind of container in words."""
        return UNIT_KIND_NAMES[self.kind]


@dataclass(frozen=True)
class ReceiptStatus:
    """Where the receipt of a shipment stands: what arrived, who signed, what still blocks."""

    shipment: ShipmentView
    from_site: str
    units: tuple[ExpectedUnit, ...]
    received_by: str | None
    verified_by: str | None
    blocking_reasons: tuple[str, ...]

    @property
    def verified(self) -> bool:
        """True once a second person verified the receipt."""
        return self.shipment.status is ShipmentStatus.RECEIVED


def shipments_for_receipt(database: Database, actor: Actor) -> list[ShipmentView]:
    """Shipments in transit to the actor's site, then those received there in the last 30
    days, each newest hand-over first (none for a user without a site): the shipment to
    receive is at the top, not under a week of received ones."""
    if actor.site_id is None:
        return []
    since = utc_now() - RECENT_RECEIPTS
    arriving = or_(
        Shipment.status == ShipmentStatus.IN_TRANSIT,
        and_(Shipment.status == ShipmentStatus.RECEIVED, Shipment.received_at >= since),
    )
    with database.read_session() as session:
        rows = session.scalars(
            select(Shipment)
            .where(Shipment.to_site_id == actor.site_id, arriving)
            .order_by(
                case((Shipment.status == ShipmentStatus.IN_TRANSIT, 0), else_=1),
                func.coalesce(Shipment.handed_over_at, Shipment.packed_at).desc(),
                Shipment.sscc.desc(),
            )
        ).all()
        case_ids = {row.case_id for row in rows if row.case_id is not None}
        cois: dict[uuid.UUID | None, str] = {}
        if case_ids:  # the COI of each shipment's case, for the list (one query)
            found = select(Case.id, Case.coi).where(Case.id.in_(case_ids))
            cois = dict(session.execute(found).all())
        return [
            replace(shipment_view(session, row), case_coi=cois.get(row.case_id, "")) for row in rows
        ]


def _expected(session: Session, shipment_id: uuid.UUID) -> list[ExpectedUnit]:
    rows = session.execute(
        select(Unit, ShipmentItem.receipt_outcome)
        .join(ShipmentItem, ShipmentItem.unit_id == Unit.id)
        .where(ShipmentItem.shipment_id == shipment_id)
        .order_by(Unit.din, Unit.id)
    ).all()
    return [
        ExpectedUnit(
            unit_id=unit.id,
            din=unit.din,
            kind=unit.kind,
            coi=unit.coi,
            receipt_outcome=outcome,
            side_state=unit.side_state,
            side_state_reason=unit.side_state_reason,
        )
        for unit, outcome in rows
    ]


def expected_units(database: Database, shipment_id: uuid.UUID) -> list[ExpectedUnit]:
    """The units packed in a shipment, by DIN, with their receipt outcome and side state."""
    with database.read_session() as session:
        load(session, Shipment, shipment_id, "shipment")
        return _expected(session, shipment_id)


def receipt_status(database: Database, actor: Actor, shipment_id: uuid.UUID) -> ReceiptStatus:
    """The shipment, its units, who received and verified it, and what blocks acceptance
    (for an actor who may see its case)."""
    with database.read_session() as session:
        shipment = load(session, Shipment, shipment_id, "shipment")
        visible_case(session, actor, shipment.case_id)
        origin = load(session, Site, shipment.from_site_id, "site")
        return ReceiptStatus(
            shipment=shipment_view(session, shipment),
            from_site=origin.name,
            units=tuple(_expected(session, shipment_id)),
            received_by=(
                person(session, shipment.received_by_id) if shipment.received_by_id else None
            ),
            verified_by=(
                person(session, shipment.receipt_verified_by_id)
                if shipment.receipt_verified_by_id
                else None
            ),
            blocking_reasons=blocking_reasons(session, shipment),
        )


def open_shipment(
    database: Database, actor: Actor, case_id: uuid.UUID, direction: ShipmentDirection
) -> ShipmentView | None:
    """The case's shipper still being packed (open or packed) in ``direction``, if any."""
    with database.read_session() as session:
        visible_case(session, actor, case_id)  # the actor must be allowed to see the case
        return packing_shipment(session, case_id, direction)


def packing_shipment(
    session: Session, case_id: uuid.UUID, direction: ShipmentDirection
) -> ShipmentView | None:
    """The case's shipper still being packed in ``direction``, read in the caller's session."""
    row = session.scalar(
        select(Shipment)
        .where(
            Shipment.case_id == case_id,
            Shipment.direction == direction,
            Shipment.status.in_((ShipmentStatus.OPEN, ShipmentStatus.PACKED)),
        )
        .order_by(Shipment.created_at.desc())
    )
    return shipment_view(session, row) if row is not None else None
