"""The shipper label (100 × 150 mm): the SSCC as GS1-128 (00), from and to sites, profile.

A shipper is a container of its own (a unit of kind ``shipper`` of the case), made when its
label is first printed, so its label is recorded as every unit label is: one current print,
a reprint needs a reason and voids the earlier one. The label belongs to its shipment by the
SSCC its GS1-128 symbol carries. Once on the box, the label is scanned back onto its shipper
(`apply_shipper_label`: its SSCC must be this shipment's, the print current, not voided), which
proves the right label is on the right box; the hand-over on either leg is refused until the
shipper's current label has been scanned back (`shipper_label_state`).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_role, require_site
from app.core import Actor, Database, UnitOfWork, ValidationFailed, load
from app.labelling.printing import PrintedLabel, _template_of, finish_print, record_print
from app.labelling.records import LabelView, label_view
from app.scanning import UNIT_KIND_NAMES, Expectation, checked_scan_text, refuse_scan
from db.enums import LabelStatus, Role, ShipmentStatus, UnitKind, UnitStatus
from db.models import Case, Label, Shipment, ShipmentItem, Site, TemperatureProfile, Unit
from db.types import utc_now
from labels.content import LabelContent
from labels.isbt128 import parse_coi
from labels.scan import parse_scan

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
    return shipper_label_state(session, shipment)[0]


def shippers_of_case(session: Session, case_id: uuid.UUID) -> dict[uuid.UUID, Shipment]:
    """Each shipper container of a case (its unit id) and the shipment it is the box of."""
    found: dict[uuid.UUID, Shipment] = {}
    for shipment in session.scalars(select(Shipment).where(Shipment.case_id == case_id)):
        for label in _shipper_labels(session, shipment):
            found[label.unit_id] = shipment
    return found


def shipper_label_state(session: Session, shipment: Shipment) -> tuple[bool, bool]:
    """(labelled, scanned back): the shipper carries a current label, and that label has been
    scanned back onto it."""
    current = [
        label
        for label in _shipper_labels(session, shipment)
        if label.status is not LabelStatus.VOIDED
    ]
    return bool(current), any(label.status is LabelStatus.APPLIED for label in current)


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


def apply_shipper_label(
    database: Database, actor: Actor, shipment_id: uuid.UUID, raw_scan: str
) -> LabelView:
    """Scan the shipper label back onto its shipper: its SSCC must be this shipment's and the
    print its current one (after a void, only the 2-D code, which carries the print serial,
    tells the current label from the voided one). Any other scan is refused and recorded."""
    require_role(actor, *SHIPPER_LABEL_ROLES, doing="scan a shipper label back")
    with UnitOfWork(database, actor) as uow:
        shipment = load(uow.session, Shipment, shipment_id, "shipment")
        require_site(actor, shipment.from_site_id, doing="scan this shipper's label back")
        if shipment.status not in {ShipmentStatus.OPEN, ShipmentStatus.PACKED}:
            raise ValidationFailed(f"Shipper {shipment.sscc} has already left ({shipment.status}).")
        if shipment.case_id is None:
            raise ValidationFailed(f"Shipment {shipment.sscc} is not linked to a case.")
        case = load(uow.session, Case, shipment.case_id, "case")
        labels = _shipper_labels(uow.session, shipment)
        current = [label for label in labels if label.status is not LabelStatus.VOIDED]
        if not current:
            raise ValidationFailed(
                f"No shipper label of SSCC {shipment.sscc} is printed: print it, put it on the "
                "shipper, then scan it."
            )
        expected = Expectation(
            purpose="shipper label",
            description=f"the shipper label of SSCC {shipment.sscc}",
            coi=case.coi,
            wants="shipper label",
        )
        checked_scan_text(uow, raw_scan, expected)
        fields = parse_scan(raw_scan).fields
        sscc, serial = fields.get("00"), fields.get("print_serial")
        if sscc is None and serial is None:
            raise refuse_scan(
                uow,
                raw_scan,
                expected,
                "That is not a shipper label: scan the SSCC bar code (00) on the shipper label.",
            )
        if sscc is not None and sscc != shipment.sscc:
            raise refuse_scan(
                uow,
                raw_scan,
                expected,
                f"That is the label of another shipper (SSCC {sscc}), not of this one "
                f"(SSCC {shipment.sscc}): take it off this box.",
            )
        label = current[-1]
        if serial is not None:
            printed = next((each for each in labels if each.serial == serial), None)
            if printed is None:
                raise refuse_scan(
                    uow,
                    raw_scan,
                    expected,
                    f"That label was not printed for shipper SSCC {shipment.sscc}: take it off "
                    "this box.",
                )
            if printed.status is LabelStatus.VOIDED:
                raise refuse_scan(
                    uow,
                    raw_scan,
                    expected,
                    f"That shipper label was voided ({printed.void_reason}): take it off and "
                    "scan the current label.",
                )
            label = printed
        elif len(current) < len(labels):
            raise refuse_scan(
                uow,
                raw_scan,
                expected,
                "A shipper label of this SSCC was voided, and the SSCC bar code is the same on "
                "both: scan the 2-D code of the current label.",
            )
        if label.status is not LabelStatus.APPLIED:
            label.status = LabelStatus.APPLIED
            label.applied_at = utc_now()
            uow.annotate(label, action="apply label")
        view = label_view(label)
        uow.commit()
    return view
