"""The clinic's patient-identity label for a final product bag: print it, scan it back on the bag.

At clinic receipt the clinic prints, for each final bag, a label with the patient's name, date
of birth and hospital number and the case's COI, from the identity the clinic holds sealed: the
manufacturer never handles it (DESIGN.md §3). Its codes carry no identity: the linear code is
the print's own serial (data structure 036), the 2-D code the bag's DIN, the COI and the serial.
It is applied when it is scanned back against the bag: the bag's own label first, then the
identity label, which must be the current identity print of that very bag. Another bag's
identity label, a voided copy (a reprint voids the one it replaces) or a label this database
never printed is refused, recorded, and (another bag's) opens a deviation.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.access import identity_of, may_see_identity, require_role, require_site
from app.core import (
    Actor,
    Database,
    NotPermitted,
    StageNotAllowed,
    UnitOfWork,
    ValidationFailed,
    load,
    require_clinic_key,
)
from app.labelling.printing import SCREEN_PRINTER, PrintedLabel
from app.labelling.records import (
    LabelView,
    issue_label,
    label_view,
    next_print_serial,
    unit_expectation,
    void,
)
from app.scanning import check_label_print_scan, check_scan, refuse_scan
from db.enums import LabelStatus, Role, SideState, UnitKind, UnitStatus
from db.models import Case, Label, Unit
from db.types import utc_now
from labels.content import LabelContent, symbol_payloads
from labels.isbt128 import parse_coi, parse_din
from labels.scan import parse_scan
from labels.templates import IDENTITY_LABEL, load_template

IDENTITY_LABEL_ROLES = (Role.CLINIC_COORDINATOR, Role.APHERESIS_NURSE, Role.INFUSION_NURSE)
"""The clinic roles that receive final bags: they print and apply the identity label."""
PURPOSE = "identity label check"


@dataclass(frozen=True)
class IdentityLabelState:
    """A final bag's identity label as a screen shows it."""

    unit_id: uuid.UUID
    label: LabelView | None
    """The bag's current identity label (issued or applied); None when none is in force."""

    @property
    def applied(self) -> bool:
        """True when the bag carries its scanned-back identity label."""
        return self.label is not None and self.label.status is LabelStatus.APPLIED


def _final_bag_here(uow: UnitOfWork, unit_id: uuid.UUID, doing: str) -> Unit:
    """The final bag, stored at the actor's clinic and still usable, or a refusal."""
    require_role(uow.actor, *IDENTITY_LABEL_ROLES, doing=doing)
    unit = load(uow.session, Unit, unit_id, "container")
    if unit.kind is not UnitKind.FINAL_PRODUCT_BAG:
        raise ValidationFailed("Only a final product bag gets a patient-identity label.")
    if unit.site_id is None:
        raise NotPermitted(f"You may {doing} only for a bag received at your clinic.")
    require_site(uow.actor, unit.site_id, doing=doing)
    if unit.status is not UnitStatus.STORED:
        raise StageNotAllowed(
            f"Bag {unit.din} is {unit.status.value}: the identity label is printed and applied "
            "once the bag is received and stored at the clinic, before the infusion."
        )
    if unit.side_state in {SideState.REJECTED, SideState.DESTROYED, SideState.CANCELLED}:
        raise StageNotAllowed(
            f"Bag {unit.din} is {unit.side_state.value}: it gets no patient-identity label."
        )
    return unit


def _identity_labels(uow: UnitOfWork, unit: Unit) -> list[Label]:
    """The bag's identity labels not voided, oldest first."""
    return list(
        uow.session.scalars(
            select(Label)
            .where(
                Label.unit_id == unit.id,
                Label.template == IDENTITY_LABEL,
                Label.status != LabelStatus.VOIDED,
            )
            .order_by(Label.printed_at)
        )
    )


def print_identity_label(
    database: Database, actor: Actor, unit_id: uuid.UUID, *, reprint_reason: str | None = None
) -> PrintedLabel:
    """Print (or, with a reason, reprint) the patient-identity label of a stored final bag.

    A reprint voids the identity label it replaces. The PDF goes to the system print dialog.
    """
    doing = "print patient-identity labels"
    if not may_see_identity(actor):
        raise NotPermitted("Only clinic roles that may see the patient's identity print it.")
    with UnitOfWork(database, actor) as uow:
        unit = _final_bag_here(uow, unit_id, doing)
        earlier = _identity_labels(uow, unit)
        reason = (reprint_reason or "").strip()
        if earlier and not reason:
            raise ValidationFailed(
                f"An identity label was already printed for bag {unit.din}: a reprint needs a "
                "reason, and it voids the earlier identity label."
            )
        for label in earlier:
            void(uow, label, f"identity label reprinted: {reason}")
        case = load(uow.session, Case, unit.case_id, "case")
        identity = identity_of(uow.session, case)
        if identity is None:
            raise ValidationFailed("This case has no patient identity at this clinic to print.")
        identity.require_readable("print the patient-identity label")
        serial = next_print_serial(uow)
        content = LabelContent(
            coi=parse_coi(unit.coi),
            din=parse_din(f"{unit.din}00") if unit.din else None,
            patient_name=f"{identity.family_name.upper()}, {identity.given_name}",
            patient_date_of_birth=identity.date_of_birth,
            hospital_number=identity.hospital_number,
            print_serial=serial,
        )
        template = load_template(IDENTITY_LABEL)
        from labels.render_pdf import render_label_pdf  # noqa: PLC0415 - reportlab on first use

        pdf = render_label_pdf(template, content, show_identity=True)
        payloads = symbol_payloads(template, content, show_identity=True)
        label = issue_label(
            uow,
            unit,
            template=IDENTITY_LABEL,
            payload=json.dumps(payloads, sort_keys=True, ensure_ascii=False),
            serial=serial,
            printer_name=SCREEN_PRINTER,
            reprint_of=earlier[-1] if earlier else None,
            reason=reason or None,
            seal_with=require_clinic_key("record the patient-identity label"),
            roles=IDENTITY_LABEL_ROLES,
        )
        view = label_view(label)
        uow.commit()
    two_d = next(payloads[s.name] for s in template.symbols if s.data == "compound")
    linear = next(payloads[s.name] for s in template.symbols if s.data == "print_serial")
    size = (template.width_mm, template.height_mm)
    return PrintedLabel(view, pdf, linear, size, two_d)


def confirm_identity_label(
    database: Database, actor: Actor, unit_id: uuid.UUID, bag_scan: str, label_scan: str
) -> LabelView:
    """Scan the bag's own label, then its identity label: the current identity print of this
    bag is applied; anything else is refused and recorded."""
    with UnitOfWork(database, actor) as uow:
        unit = _final_bag_here(uow, unit_id, "apply patient-identity labels")
        expected = unit_expectation(unit, PURPOSE)
        bag_serial = parse_scan(bag_scan).fields.get("print_serial")
        if bag_serial is not None and _is_identity_print(uow, bag_serial):
            raise refuse_scan(
                uow,
                bag_scan,
                expected,
                "That is an identity label, not the bag: scan the DIN bar code or the 2-D code "
                "of the bag's own product label first.",
            )
        check_scan(uow, bag_scan, expected)
        current = _identity_labels(uow, unit)
        if not current:
            raise ValidationFailed(
                f"No identity label is waiting to be scanned back for bag {unit.din}: print one."
            )
        label = current[-1]
        check_label_print_scan(
            uow, label_scan, expected, template=IDENTITY_LABEL, label_id=label.id
        )
        if label.status is not LabelStatus.APPLIED:
            label.status = LabelStatus.APPLIED
            label.applied_at = utc_now()
            uow.annotate(label, action="apply identity label")
        view = label_view(label)
        uow.commit()
    return view


def _is_identity_print(uow: UnitOfWork, serial: str) -> bool:
    template = uow.session.scalar(select(Label.template).where(Label.serial == serial))
    return template == IDENTITY_LABEL


def identity_label_state(
    database: Database, actor: Actor, unit_id: uuid.UUID
) -> IdentityLabelState:
    """A final bag's current identity label (for the receipt and bedside screens)."""
    require_role(actor, *IDENTITY_LABEL_ROLES, doing="see patient-identity labels")
    with database.read_session() as session:
        unit = load(session, Unit, unit_id, "container")
        if unit.site_id is not None:
            require_site(actor, unit.site_id, doing="see this bag's identity label")
        row = session.scalars(
            select(Label)
            .where(
                Label.unit_id == unit.id,
                Label.template == IDENTITY_LABEL,
                Label.status != LabelStatus.VOIDED,
            )
            .order_by(Label.printed_at.desc())
        ).first()
        return IdentityLabelState(unit.id, label_view(row) if row is not None else None)
