"""Stages 3-4 and 8-9: pack a shipper, hand it to the courier, receive and verify it.

Both legs follow the same rules with different people: the clinic ships starting material to
the manufacturer, the manufacturer ships released final product back. Every unit is scanned
when packed and when received; a receipt is verified by a second person, and the units stay
quarantined until the cold-chain verdict and the receipt checks are accepted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import ensure_second_person, require_role, require_site
from app.core import (
    Actor,
    Database,
    NotPermitted,
    UnitOfWork,
    ValidationFailed,
    issue_sscc,
    load,
    now,
    person,
    sscc_text,
)
from app.journey.legs import LEGS, Leg
from app.journey.oos_labels import ensure_labelled_as_released_oos
from app.journey.records import custody, load_case_for, move_case, record_stage
from app.journey.shipment_state import blocking_reasons, shipment_units
from app.journey.stages import FINAL_SIDE_STATES
from app.journey.storage import ensure_not_in_storage
from app.journey.unit_clock import ensure_viable
from app.journey.unit_states import RECEIPT_CAUSES, enter_side_state, lift_side_state
from app.labelling import reconcile, shipper_label_state
from app.quality import open_deviation, sign
from app.scanning import Expectation, check_scan, checked_scan_text, refuse_scan
from db.enums import (
    CustodyAction,
    ReceiptOutcome,
    Role,
    ShipmentDirection,
    ShipmentStatus,
    SideState,
    SideStateCause,
    SignatureMeaning,
    UnitStatus,
)
from db.models import Case, Product, Shipment, ShipmentItem, Site, Unit
from labels.scan import parse_scan


@dataclass(frozen=True)
class ShipmentView:
    """A shipment as screens show it."""

    id: uuid.UUID
    case_id: uuid.UUID | None
    sscc: str
    direction: ShipmentDirection
    status: ShipmentStatus
    logger_giai: str | None
    courier_name: str | None
    packed_units: tuple[uuid.UUID, ...]
    received_units: tuple[uuid.UUID, ...]
    receipt_accepted: bool | None
    handed_over_at: datetime | None
    received_at: datetime | None
    version: int
    labelled: bool = False
    """The shipper carries its current (not voided) shipper label."""
    label_scanned: bool = False
    """That current label has been scanned back onto the shipper."""
    sscc_text: str = ""
    """The SSCC as GS1 writes it: ``(00) 3 4012345 000000001 5``."""
    case_coi: str = ""
    """The COI of the shipment's case, where the read that made the view fills it in (the
    receipt list names each shipment's case; empty elsewhere)."""


def shipment_view(session: Session, shipment: Shipment) -> ShipmentView:
    """The frozen view of a shipment with its items."""
    items = list(
        session.scalars(select(ShipmentItem).where(ShipmentItem.shipment_id == shipment.id))
    )
    labelled, label_scanned = shipper_label_state(session, shipment)
    return ShipmentView(
        id=shipment.id,
        case_id=shipment.case_id,
        sscc=shipment.sscc,
        direction=shipment.direction,
        status=shipment.status,
        logger_giai=shipment.logger_giai,
        courier_name=shipment.courier_name,
        packed_units=tuple(i.unit_id for i in items),
        received_units=tuple(
            i.unit_id for i in items if i.receipt_outcome is ReceiptOutcome.RECEIVED
        ),
        receipt_accepted=shipment.receipt_accepted,
        handed_over_at=shipment.handed_over_at,
        received_at=shipment.received_at,
        version=shipment.version,
        labelled=labelled,
        label_scanned=label_scanned,
        sscc_text=shipment_sscc_text(session, shipment),
    )


def shipment_sscc_text(session: Session, shipment: Shipment) -> str:
    """The shipment's SSCC grouped as GS1 writes it, by the sending site's company prefix."""
    site = session.get(Site, shipment.from_site_id)
    return sscc_text(shipment.sscc, site.gs1_company_prefix if site is not None else None)


def _case_and_leg(session: Session, shipment: Shipment) -> tuple[Case, Leg]:
    if shipment.case_id is None:
        raise ValidationFailed(f"Shipment {shipment.sscc} is not linked to a case.")
    return load(session, Case, shipment.case_id, "case"), LEGS[shipment.direction]


def _ready_units(session: Session, case: Case, leg: Leg) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit).where(
                Unit.case_id == case.id,
                Unit.kind == leg.unit_kind,
                Unit.status == leg.ready_status,
                Unit.side_state.not_in(FINAL_SIDE_STATES),  # rejected units never travel
            )
        )
    )


def create_shipment(
    database: Database, actor: Actor, case_id: uuid.UUID, direction: ShipmentDirection
) -> ShipmentView:
    """Open a shipment (a shipper with its SSCC) for a case's units."""
    leg = LEGS[direction]
    require_role(actor, *leg.sender_roles, doing=leg.ship_operation.value)
    with UnitOfWork(database, actor) as uow:
        case = load_case_for(uow, case_id, leg.ship_operation)
        from_site_id, to_site_id = leg.sites(case)
        require_site(actor, from_site_id, doing=leg.ship_operation.value)
        product = load(uow.session, Product, case.product_id, "product")
        shipment = Shipment(
            sscc=issue_sscc(uow.session, load(uow.session, Site, from_site_id, "site")),
            direction=direction,
            status=ShipmentStatus.OPEN,
            case_id=case.id,
            from_site_id=from_site_id,
            to_site_id=to_site_id,
            profile_id=leg.profile_id(product),
        )
        uow.add(shipment, action="open shipment")
        uow.flush()
        view = shipment_view(uow.session, shipment)
        uow.commit()
    return view


def _open_shipment(uow: UnitOfWork, shipment_id: uuid.UUID) -> tuple[Shipment, Case, Leg]:
    shipment = load(uow.session, Shipment, shipment_id, "shipment")
    case, leg = _case_and_leg(uow.session, shipment)
    require_role(uow.actor, *leg.sender_roles, doing=leg.ship_operation.value)
    if shipment.status not in {ShipmentStatus.OPEN, ShipmentStatus.PACKED}:
        raise ValidationFailed(f"Shipment {shipment.sscc} has already left ({shipment.status}).")
    load_case_for(uow, case.id, leg.ship_operation)
    require_site(uow.actor, shipment.from_site_id, doing=leg.ship_operation.value)
    return shipment, case, leg


def pack_unit(
    database: Database, actor: Actor, shipment_id: uuid.UUID, raw_scan: str
) -> ShipmentView:
    """Scan a unit into the shipper; it must be a ready unit of this shipment's case."""
    with UnitOfWork(database, actor) as uow:
        shipment, case, leg = _open_shipment(uow, shipment_id)
        packed = {
            item.unit_id
            for item in uow.session.scalars(
                select(ShipmentItem).where(ShipmentItem.shipment_id == shipment.id)
            )
        }
        ready = {u.id for u in _ready_units(uow.session, case, leg)} - packed
        expected = Expectation(
            purpose="pack",
            description=f"shipment {sscc_text(shipment.sscc)}",
            coi=case.coi,
            unit_ids=frozenset(ready),
        )
        unit = check_scan(uow, raw_scan, expected)
        assert unit is not None  # a match on a unit expectation always names a unit
        ensure_viable(uow, unit, doing=f"pack it into {shipment.sscc}")
        ensure_not_in_storage(uow.session, unit, doing=f"pack it into {shipment.sscc}")
        ensure_labelled_as_released_oos(uow.session, unit, doing="pack it")
        uow.add(
            ShipmentItem(
                shipment_id=shipment.id,
                unit_id=unit.id,
                packed_at=now(),
                packed_by_id=actor.user_id,
            ),
            action="pack unit",
        )
        unit.status = UnitStatus.PACKED
        shipment.status = ShipmentStatus.PACKED
        shipment.packed_at = shipment.packed_at or now()
        uow.flush()
        view = shipment_view(uow.session, shipment)
        uow.commit()
    return view


def _logger_giai(uow: UnitOfWork, case: Case, raw_scan: str) -> str:
    """The GIAI (AI 8004) a logger scan carries; any other scan is refused and recorded."""
    expected = Expectation(
        purpose="data logger",
        description="the data logger's GIAI (AI 8004)",
        coi=case.coi,
        wants="logger",
    )
    checked_scan_text(uow, raw_scan, expected)
    result = parse_scan(raw_scan)
    giai = result.fields.get("8004")
    if not result.valid or giai is None:
        raise refuse_scan(
            uow,
            raw_scan,
            expected,
            "That is not a data logger's GIAI (AI 8004): scan the logger's own bar code.",
        )
    return giai


def attach_logger(
    database: Database, actor: Actor, shipment_id: uuid.UUID, raw_scan: str
) -> ShipmentView:
    """Scan the data logger's GIAI (AI 8004) into the shipper before it leaves; any other
    scan is refused and recorded."""
    with UnitOfWork(database, actor) as uow:
        shipment, case, _leg = _open_shipment(uow, shipment_id)
        giai = _logger_giai(uow, case, raw_scan)
        shipment.logger_giai = giai
        uow.annotate(shipment, action="attach logger")
        view = shipment_view(uow.session, shipment)
        uow.commit()
    return view


def hand_over(
    database: Database,
    actor: Actor,
    shipment_id: uuid.UUID,
    *,
    courier_name: str,
    courier_organisation: str,
) -> ShipmentView:
    """Hand the packed shipper to the courier: custody passes, the case moves on."""
    if not courier_name.strip() or not courier_organisation.strip():
        raise ValidationFailed("Enter the courier's name and company for the custody record.")
    with UnitOfWork(database, actor) as uow:
        shipment, case, leg = _open_shipment(uow, shipment_id)
        units = shipment_units(uow.session, shipment)
        left_behind = [u for u in _ready_units(uow.session, case, leg) if u not in units]
        if not units or left_behind:
            missing = ", ".join(u.din or "?" for u in left_behind) or "none packed"
            raise ValidationFailed(f"Pack every container of the case first ({missing}).")
        for unit in units:
            labels = reconcile(uow.session, unit.id)
            if not labels.reconciled:
                raise ValidationFailed(
                    f"Container {unit.din} cannot leave: its label has not been scanned back "
                    "and matched."
                )
        if shipment.logger_giai is None:
            raise ValidationFailed("Scan the data logger into the shipper before handing over.")
        if leg.needs_shipper_label:
            labelled, scanned = shipper_label_state(uow.session, shipment)
            if not labelled:
                raise ValidationFailed(
                    f"Print the shipper label of SSCC {shipment.sscc} and put it on the shipper "
                    "before handing over (a voided label does not count)."
                )
            if not scanned:
                raise ValidationFailed(
                    f"Scan the shipper label of SSCC {shipment.sscc} on the shipper before "
                    "handing over: that proves the right label is on the right box."
                )
        for unit in units:
            custody(
                uow,
                unit,
                CustodyAction.GIVEN,
                site_id=shipment.from_site_id,
                shipment_id=shipment.id,
            )
            custody(
                uow,
                unit,
                CustodyAction.RECEIVED,
                custodian_name=courier_name.strip(),
                organisation=courier_organisation.strip(),
                shipment_id=shipment.id,
            )
            unit.status = UnitStatus.IN_TRANSIT
        shipment.status = ShipmentStatus.IN_TRANSIT
        shipment.handed_over_at = now()
        shipment.courier_name = courier_name.strip()
        shipment.courier_organisation = courier_organisation.strip()
        move_case(uow, case, leg.ship_operation)
        record_stage(
            uow,
            case,
            "handed over to courier",
            shipment_id=shipment.id,
            details={
                "sscc": shipment.sscc,
                "courier": shipment.courier_name,
                "courier_company": shipment.courier_organisation,
            },
        )
        view = shipment_view(uow.session, shipment)
        uow.commit()
    return view


def _arrived_shipment(
    uow: UnitOfWork, shipment_id: uuid.UUID, *, verifying: bool
) -> tuple[Shipment, Case, Leg]:
    shipment = load(uow.session, Shipment, shipment_id, "shipment")
    case, leg = _case_and_leg(uow.session, shipment)
    if verifying:  # the second person: refused in words about verifying, not receiving
        site = load(uow.session, Site, shipment.to_site_id, "site")
        refusal = leg.verifier_refusal(uow.actor, site.id, site.name)
        if refusal is not None:
            raise NotPermitted(refusal)
    else:
        require_role(uow.actor, *leg.receiver_roles, doing=leg.receive_operation.value)
        require_site(uow.actor, shipment.to_site_id, doing=leg.receive_operation.value)
    if shipment.status is not ShipmentStatus.IN_TRANSIT:
        raise ValidationFailed(f"Shipment {shipment.sscc} is not in transit ({shipment.status}).")
    load_case_for(uow, case.id, leg.receive_operation)
    return shipment, case, leg


def receive_unit(
    database: Database, actor: Actor, shipment_id: uuid.UUID, raw_scan: str
) -> ShipmentView:
    """Scan one unit out of the arrived shipper against what the shipment should hold."""
    with UnitOfWork(database, actor) as uow:
        shipment, case, _leg = _arrived_shipment(uow, shipment_id, verifying=False)
        items = {
            item.unit_id: item
            for item in uow.session.scalars(
                select(ShipmentItem).where(ShipmentItem.shipment_id == shipment.id)
            )
        }
        waiting = frozenset(u for u, i in items.items() if i.receipt_outcome is None)
        expected = Expectation(
            purpose="receive",
            description=f"shipment {sscc_text(shipment.sscc)}",
            coi=case.coi,
            unit_ids=waiting,
            custody_only=True,
        )
        unit = check_scan(uow, raw_scan, expected)
        assert unit is not None  # a match on a unit expectation always names a unit
        ensure_viable(uow, unit, doing=f"receive it from {shipment.sscc}", receiving=True)
        item = items[unit.id]
        item.receipt_outcome = ReceiptOutcome.RECEIVED
        item.received_at = now()
        if shipment.received_by_id is None:
            shipment.received_by_id = actor.user_id
            shipment.received_at = now()
        uow.annotate(item, action="receive unit")
        uow.flush()
        view = shipment_view(uow.session, shipment)
        uow.commit()
    return view


def complete_receipt(
    database: Database, actor: Actor, shipment_id: uuid.UUID, password: str
) -> ShipmentView:
    """A second person verifies the receipt and signs; the units stay quarantined unless clear.

    Units not scanned are recorded missing with a deviation. The units are released from
    quarantine at once only when every unit arrived, no deviation is open on the shipment and
    the logger verdict is within limits (or accepted by QA); otherwise QA accepts later.
    """
    with UnitOfWork(database, actor) as uow:
        shipment, case, leg = _arrived_shipment(uow, shipment_id, verifying=True)
        if shipment.received_by_id is None:
            raise ValidationFailed("No unit of this shipment has been scanned in yet.")
        ensure_second_person(shipment.received_by_id, actor.user_id)
        items = list(
            uow.session.scalars(select(ShipmentItem).where(ShipmentItem.shipment_id == shipment.id))
        )
        for item in items:
            unit = load(uow.session, Unit, item.unit_id, "container")
            if item.receipt_outcome is None:
                item.receipt_outcome = ReceiptOutcome.MISSING
                open_deviation(
                    uow,
                    kind="missing_unit",
                    description=f"{unit.din} was packed in {shipment.sscc} but not received.",
                    case_id=case.id,
                    unit_id=unit.id,
                    shipment_id=shipment.id,
                )
                continue
            unit.status = leg.received_status
            unit.site_id = shipment.to_site_id
            custody(
                uow,
                unit,
                CustodyAction.GIVEN,
                custodian_name=shipment.courier_name or "courier",
                organisation=shipment.courier_organisation,
                shipment_id=shipment.id,
            )
            custody(
                uow,
                unit,
                CustodyAction.RECEIVED,
                site_id=shipment.to_site_id,
                shipment_id=shipment.id,
                custodian_name=person(uow.session, shipment.received_by_id),
                user_id=shipment.received_by_id,
            )
            enter_side_state(
                uow,
                unit,
                SideState.QUARANTINED,
                SideStateCause.RECEIPT_PENDING,
                f"received in {sscc_text(shipment.sscc)}; awaiting acceptance",
            )
        shipment.status = ShipmentStatus.RECEIVED
        shipment.receipt_verified_by_id = actor.user_id
        uow.flush()
        reasons = blocking_reasons(uow.session, shipment)
        if not reasons:
            _accept(uow, shipment)
        move_case(uow, case, leg.receive_operation)
        record = record_stage(
            uow,
            case,
            "receipt verified",
            performed_by=shipment.received_by_id,
            verified_by=actor.user_id,
            shipment_id=shipment.id,
            details={"sscc": shipment.sscc, "open_items": list(reasons)},
        )
        uow.flush()
        sign(uow, record, SignatureMeaning.VERIFIED, password)
        view = shipment_view(uow.session, shipment)
        uow.commit()
    return view


def _accept(uow: UnitOfWork, shipment: Shipment) -> None:
    """Lift the receipt's and its cold chain's quarantines; a hold or quarantine a person or
    the case set stays until lifted apart."""
    for unit in shipment_units(uow.session, shipment):
        lift_side_state(
            uow, unit, RECEIPT_CAUSES, f"receipt of {sscc_text(shipment.sscc)} accepted"
        )
    shipment.receipt_accepted = True


def accept_receipt(
    database: Database, actor: Actor, shipment_id: uuid.UUID, password: str, justification: str
) -> ShipmentView:
    """QA accepts a quarantined receipt once nothing blocks it, and signs ("approved")."""
    require_role(actor, Role.QA, doing="accept a quarantined receipt")
    if not justification.strip():
        raise ValidationFailed("State why the receipt may be accepted.")
    with UnitOfWork(database, actor) as uow:
        shipment = load(uow.session, Shipment, shipment_id, "shipment")
        case, _leg = _case_and_leg(uow.session, shipment)
        if shipment.status is not ShipmentStatus.RECEIVED:
            raise ValidationFailed(
                f"Shipment {sscc_text(shipment.sscc)} has not been received yet."
            )
        if shipment.receipt_accepted:
            raise ValidationFailed(
                f"The receipt of {sscc_text(shipment.sscc)} is already accepted."
            )
        reasons = blocking_reasons(uow.session, shipment)
        if reasons:
            raise ValidationFailed("The receipt cannot be accepted yet: " + " ".join(reasons))
        _accept(uow, shipment)
        uow.annotate(shipment, action="accept receipt", reason=justification.strip())
        record = record_stage(
            uow,
            case,
            "receipt accepted",
            shipment_id=shipment.id,
            details={"sscc": shipment.sscc, "justification": justification.strip()},
        )
        uow.flush()
        sign(uow, record, SignatureMeaning.APPROVED, password, comment=justification.strip())
        view = shipment_view(uow.session, shipment)
        uow.commit()
    return view
