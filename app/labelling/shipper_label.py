"""The shipper label (100 × 150 mm): the SSCC as GS1-128 (00), from and to sites, profile.

A shipper is a container of its own (a unit of kind ``shipper`` of the case), made when its
label is first printed, so its label is recorded as every unit label is: one current print,
a reprint needs a reason and voids the earlier one. The label belongs to its shipment by the
SSCC its GS1-128 symbol carries. The outbound hand-over is refused until the shipment has a
current (not voided) shipper label (`has_shipper_label`).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_site
from app.core import Actor, Database, UnitOfWork, ValidationFailed, load
from app.labelling.printing import PrintedLabel, _template_of, finish_print, record_print
from app.scanning import UNIT_KIND_NAMES
from db.enums import LabelStatus, Role, ShipmentStatus, UnitKind, UnitStatus
from db.models import Case, Label, Shipment, ShipmentItem, Site, TemperatureProfile, Unit
from labels.content import LabelContent
from labels.isbt128 import parse_coi

SHIPPER_LABEL_ROLES = (
    Role.MFG_OPERATOR,
    Role.MFG_VERIFIER,
    Role.CLINIC_COORDINATOR,
    Role.APHERESIS_NURSE,
)
"""Who prints a shipper label: whoever may send a shipper on either leg."""


def _shipper_labels(session: Session, shipment: Shipment) -> list[Label]:
    """Every label (voided too) printed for this shipment's shipper, oldest first."""
    sscc_code = f"(00){shipment.sscc}"
    labels = session.scalars(
        select(Label)
        .join(Unit, Unit.id == Label.unit_id)
        .where(Unit.case_id == shipment.case_id, Unit.kind == UnitKind.SHIPPER)
        .order_by(Label.printed_at, Label.serial)
    ).all()
    return [label for label in labels if sscc_code in json.loads(label.payload).values()]


def has_shipper_label(session: Session, shipment: Shipment) -> bool:
    """True when the shipment's shipper carries a current (not voided) label."""
    return any(
        label.status is not LabelStatus.VOIDED for label in _shipper_labels(session, shipment)
    )


def _shipper_unit(uow: UnitOfWork, shipment: Shipment, case: Case) -> Unit:
    """The shipper's own container record: the one its earlier labels name, else a new one."""
    earlier = _shipper_labels(uow.session, shipment)
    if earlier:
        return load(uow.session, Unit, earlier[-1].unit_id, "shipper")
    unit = Unit(
        case_id=case.id,
        coi=case.coi,
        kind=UnitKind.SHIPPER,
        status=UnitStatus.REGISTERED,
        site_id=shipment.from_site_id,
        created_by_id=uow.actor.user_id,
    )
    uow.add(unit, action="register shipper")
    uow.flush()
    return unit


def _contents(session: Session, shipment: Shipment) -> str:
    """What is packed, e.g. "2 × Final product bag" (or that nothing is yet)."""
    kinds = Counter(
        session.scalars(
            select(Unit.kind)
            .join(ShipmentItem, ShipmentItem.unit_id == Unit.id)
            .where(ShipmentItem.shipment_id == shipment.id)
        ).all()
    )
    if not kinds:
        return "see the manifest"
    return ", ".join(f"{n} × {UNIT_KIND_NAMES[kind]}" for kind, n in sorted(kinds.items()))


def _content(uow: UnitOfWork, shipment: Shipment, case: Case) -> LabelContent:
    from_site = load(uow.session, Site, shipment.from_site_id, "site")
    to_site = load(uow.session, Site, shipment.to_site_id, "site")
    profile = (
        load(uow.session, TemperatureProfile, shipment.profile_id, "temperature profile")
        if shipment.profile_id is not None
        else None
    )
    return LabelContent(
        coi=parse_coi(case.coi),
        sscc=shipment.sscc,
        from_site=from_site.name,
        to_site=to_site.name,
        profile_name=profile.name if profile is not None else "as agreed with the courier",
        unit_description=_contents(uow.session, shipment),
    )


def print_shipper_label(
    database: Database,
    actor: Actor,
    shipment_id: uuid.UUID,
    *,
    printer: str | None = None,
    copies: int = 1,
    reprint_reason: str | None = None,
) -> PrintedLabel:
    """Print (or, with a reason, reprint) the label of a shipper not yet handed over."""
    with UnitOfWork(database, actor) as uow:
        shipment = load(uow.session, Shipment, shipment_id, "shipment")
        require_site(actor, shipment.from_site_id, doing="print this shipper's label")
        if shipment.status not in {ShipmentStatus.OPEN, ShipmentStatus.PACKED}:
            raise ValidationFailed(
                f"Shipper {shipment.sscc} has already left ({shipment.status}): its label is "
                "not printed again."
            )
        if shipment.case_id is None:
            raise ValidationFailed(f"Shipment {shipment.sscc} is not linked to a case.")
        case = load(uow.session, Case, shipment.case_id, "case")
        unit = _shipper_unit(uow, shipment, case)
        printed = record_print(
            uow,
            unit,
            _template_of(uow, unit),
            _content(uow, shipment, case),
            show_identity=False,  # a shipper never carries the patient's identity
            printer=printer,
            copies=copies,
            reprint_reason=reprint_reason,
            roles=SHIPPER_LABEL_ROLES,
        )
        uow.commit()
    return finish_print(database, actor, printed, unit)
