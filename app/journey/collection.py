"""Stage 2: register the apheresis bag(s) at the clinic, label them, and verify the collection."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.access import ensure_second_person, require_role, require_site
from app.core import Actor, Database, UnitOfWork, ValidationFailed, issue_din, load, now
from app.journey.products import autologous_product_code
from app.journey.records import custody, load_case_for, move_case, record_stage
from app.journey.stages import Operation
from app.journey.views import CaseView, UnitView, case_view, unit_view
from app.labelling import reconcile
from app.quality import sign
from app.scanning import Expectation, checked_scan_text, refuse_scan
from db.enums import CustodyAction, Role, SignatureMeaning, UnitKind, UnitStatus
from db.models import Case, Product, Site, Unit
from labels.scan import parse_scan

_CLOCK_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class CollectedBag:
    """What the apheresis nurse records for one bag. ``din_scan`` is a pre-labelled set's DIN."""

    volume_ml: float
    anticoagulant: str
    collection_start: datetime
    collection_end: datetime
    din_scan: str | None = None


def _check(bag: CollectedBag) -> None:
    if not 0 < bag.volume_ml <= 2000:
        raise ValidationFailed("The bag volume must be between 0 and 2000 mL.")
    if not bag.anticoagulant.strip():
        raise ValidationFailed("Enter the anticoagulant (e.g. ACD-A).")
    if bag.collection_start.tzinfo is None or bag.collection_end.tzinfo is None:
        raise ValidationFailed("Collection times need a time zone.")
    if bag.collection_end <= bag.collection_start:
        raise ValidationFailed("The collection must end after it starts.")
    if bag.collection_end > now() + _CLOCK_TOLERANCE:
        raise ValidationFailed("The collection end is in the future: check the time.")


def _din(uow: UnitOfWork, clinic: Site, case: Case, bag: CollectedBag) -> str:
    if bag.din_scan is None:
        return issue_din(uow.session, clinic).din
    expected = Expectation(
        purpose="pre-labelled DIN",
        description="the DIN of a pre-labelled collection set",
        coi=case.coi,
    )
    checked_scan_text(uow, bag.din_scan, expected)
    result = parse_scan(bag.din_scan)
    din = result.fields.get("din")
    if not result.valid or din is None:
        errors = "; ".join(result.errors or ("it carries no DIN",))[:300].rstrip(".")
        raise refuse_scan(
            uow,
            bag.din_scan,
            expected,
            f"The scanned code is not a valid DIN: {errors}. Scan the DIN bar code of the "
            "pre-labelled set, or leave the field empty to have a DIN issued.",
        )
    if uow.session.scalar(select(Unit.id).where(Unit.din == din)) is not None:
        raise ValidationFailed(f"DIN {din} is already registered on another container.")
    return din


def register_collection(
    database: Database, actor: Actor, case_id: uuid.UUID, bag: CollectedBag
) -> UnitView:
    """Register one apheresis bag of the case (apheresis nurse of the clinic)."""
    require_role(actor, Role.APHERESIS_NURSE, doing="register a collection")
    _check(bag)
    with UnitOfWork(database, actor) as uow:
        case = load_case_for(uow, case_id, Operation.REGISTER_COLLECTION)
        require_site(actor, case.clinic_site_id, doing="register a collection for this case")
        clinic = load(uow.session, Site, case.clinic_site_id, "clinic")
        product = load(uow.session, Product, case.product_id, "product")
        unit = Unit(
            case_id=case.id,
            coi=case.coi,
            kind=UnitKind.APHERESIS_BAG,
            status=UnitStatus.REGISTERED,
            din=_din(uow, clinic, case, bag),
            product_code=autologous_product_code(product),
            volume_ml=bag.volume_ml,
            anticoagulant=bag.anticoagulant.strip(),
            collection_start=bag.collection_start,
            collection_end=bag.collection_end,
            site_id=clinic.id,
            created_by_id=actor.user_id,
        )
        uow.add(unit, action="register collection")
        uow.flush()
        custody(uow, unit, CustodyAction.COMMISSIONED, site_id=clinic.id)
        record_stage(uow, case, "bag registered", unit_id=unit.id, details={"din": unit.din})
        view = unit_view(unit)
        uow.commit()
    return view


def verify_collection(
    database: Database, actor: Actor, case_id: uuid.UUID, password: str
) -> CaseView:
    """A second person verifies the collection: every bag registered by someone else, labelled.

    The verifier signs ("verified"); the case moves to Collected.
    """
    require_role(
        actor,
        Role.APHERESIS_NURSE,
        Role.CLINIC_COORDINATOR,
        Role.INFUSION_NURSE,
        doing="verify a collection",
    )
    with UnitOfWork(database, actor) as uow:
        case = load_case_for(uow, case_id, Operation.VERIFY_COLLECTION)
        require_site(actor, case.clinic_site_id, doing="verify a collection for this case")
        bags = list(
            uow.session.scalars(
                select(Unit).where(Unit.case_id == case.id, Unit.kind == UnitKind.APHERESIS_BAG)
            )
        )
        if not bags:
            raise ValidationFailed("No apheresis bag is registered for this case yet.")
        for bag in bags:
            ensure_second_person(bag.created_by_id, actor.user_id)
            labels = reconcile(uow.session, bag.id)
            if not labels.reconciled:
                raise ValidationFailed(
                    f"The label of bag {bag.din} has not been scanned back and matched "
                    f"({labels.applied} applied, {labels.outstanding} outstanding): print and "
                    "scan it back first."
                )
        move_case(uow, case, Operation.VERIFY_COLLECTION)
        record = record_stage(
            uow,
            case,
            "collection verified",
            performed_by=bags[0].created_by_id,
            verified_by=actor.user_id,
            details={"bags": [b.din for b in bags]},
        )
        uow.flush()
        sign(uow, record, SignatureMeaning.VERIFIED, password)
        view = case_view(uow.session, case, actor)
        uow.commit()
    return view
