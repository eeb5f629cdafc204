"""Stage 1: enrol a patient at a clinic, issue the COI, book the slot."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.access import require_role
from app.core import (
    Actor,
    Database,
    NotPermitted,
    UnitOfWork,
    ValidationFailed,
    issue_coi,
    load,
    now,
)
from app.journey.records import record_stage
from app.journey.views import CaseView, case_view
from db.enums import CaseStage, Role, SiteKind
from db.models import Case, Patient, PatientIdentity, Product, Site

HOSPITAL_NUMBER = re.compile(r"[A-Za-z0-9]{1,20}")
"""Letters and digits only, so the number can be bar-coded (ISBT 128 data structure 025)."""


@dataclass(frozen=True)
class Enrolment:
    """What the clinic coordinator enters to enrol a patient."""

    family_name: str
    given_name: str
    date_of_birth: date
    hospital_number: str
    product_code: str
    manufacturing_site_code: str
    planned_collection_date: date | None = None
    manufacturing_slot_date: date | None = None


def _check(enrolment: Enrolment) -> None:
    missing = [
        label
        for label, value in (
            ("family name", enrolment.family_name),
            ("given name", enrolment.given_name),
            ("hospital number", enrolment.hospital_number),
        )
        if not value.strip()
    ]
    if missing:
        raise ValidationFailed("Enter the patient's " + " and ".join(missing) + ".")
    if not HOSPITAL_NUMBER.fullmatch(enrolment.hospital_number.strip()):
        raise ValidationFailed(
            "The hospital number may hold only letters and digits (at most 20), as printed "
            "in the wristband's bar code; leave out spaces and hyphens."
        )
    today = now().date()
    if enrolment.date_of_birth >= today:
        raise ValidationFailed("The date of birth must be in the past.")
    if enrolment.date_of_birth.year < today.year - 120:
        raise ValidationFailed("The date of birth is more than 120 years ago: check it.")
    collection, slot = enrolment.planned_collection_date, enrolment.manufacturing_slot_date
    if collection and slot and slot < collection:
        raise ValidationFailed("The manufacturing slot cannot be before the collection date.")


def _patient(uow: UnitOfWork, clinic: Site, enrolment: Enrolment) -> Patient:
    """The clinic's patient with this hospital number (the same person), or a new one."""
    number = enrolment.hospital_number.strip()
    identity = uow.session.scalar(
        select(PatientIdentity).where(
            PatientIdentity.clinic_site_id == clinic.id,
            PatientIdentity.hospital_number == number,
        )
    )
    if identity is not None:
        same = (
            identity.family_name.casefold() == enrolment.family_name.strip().casefold()
            and identity.given_name.casefold() == enrolment.given_name.strip().casefold()
            and identity.date_of_birth == enrolment.date_of_birth
        )
        if not same:
            raise ValidationFailed(
                f"Hospital number {number} already belongs to another patient at {clinic.name} "
                "(different name or date of birth). Check the hospital number."
            )
        return load(uow.session, Patient, identity.patient_id, "patient")
    patient = Patient(clinic_site_id=clinic.id)
    uow.add(patient)
    uow.flush()
    uow.add(
        PatientIdentity(
            patient_id=patient.id,
            clinic_site_id=clinic.id,
            family_name=enrolment.family_name.strip(),
            given_name=enrolment.given_name.strip(),
            date_of_birth=enrolment.date_of_birth,
            hospital_number=number,
        )
    )
    return patient


def enrol_patient(database: Database, actor: Actor, enrolment: Enrolment) -> CaseView:
    """Enrol a patient at the coordinator's own clinic and issue the case's COI."""
    require_role(actor, Role.CLINIC_COORDINATOR, doing="enrol patients")
    _check(enrolment)
    with UnitOfWork(database, actor) as uow:
        clinic = uow.session.get(Site, actor.site_id) if actor.site_id else None
        if clinic is None or clinic.kind is not SiteKind.CLINIC:
            raise NotPermitted("Patients are enrolled by a coordinator of a clinic site.")
        product = uow.session.scalar(
            select(Product).where(Product.code == enrolment.product_code, Product.active)
        )
        if product is None:
            raise ValidationFailed(f"There is no active product {enrolment.product_code!r}.")
        manufacturer = uow.session.scalar(
            select(Site).where(
                Site.code == enrolment.manufacturing_site_code,
                Site.kind == SiteKind.MANUFACTURER,
                Site.active,
            )
        )
        if manufacturer is None:
            raise ValidationFailed(
                f"There is no manufacturing site {enrolment.manufacturing_site_code!r}."
            )
        patient = _patient(uow, clinic, enrolment)
        coi = issue_coi(uow.session, clinic)
        case = Case(
            coi=coi.code,
            coi_check=coi.check_character,
            patient_id=patient.id,
            product_id=product.id,
            clinic_site_id=clinic.id,
            manufacturing_site_id=manufacturer.id,
            stage=CaseStage.ENROLLED,
            planned_collection_date=enrolment.planned_collection_date,
            manufacturing_slot_date=enrolment.manufacturing_slot_date,
            enrolled_at=now(),
            enrolled_by_id=actor.user_id,
        )
        uow.add(case, action="enrol")
        uow.flush()
        record_stage(uow, case, "enrolled", details={"product": product.code})
        view = case_view(uow.session, case, actor)
        uow.commit()
    return view


def find_case(database: Database, actor: Actor, case_id: uuid.UUID) -> CaseView:
    """One case as ``actor`` may see it."""
    with database.read_session() as session:
        return case_view(session, load(session, Case, case_id, "case"), actor)
