"""Stage 1: enrol a patient at a clinic, issue the COI, book apheresis and manufacturing slots."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.access import new_identity, require_role
from app.core import (
    Actor,
    Database,
    NotPermitted,
    PatientKeys,
    UnitOfWork,
    ValidationFailed,
    issue_coi,
    load,
    now,
    require_clinic_key,
)
from app.journey.duplicates import DuplicatePatient, KnownPatient, known_patients
from app.journey.products import current_product
from app.journey.records import record_stage
from app.journey.slots import book_slot, booking_date_problem
from app.journey.views import CaseView, case_view
from db.enums import CaseStage, Role, SiteKind, SlotKind
from db.models import Case, Patient, Site

HOSPITAL_NUMBER = re.compile(r"[A-Za-z0-9]{1,20}")
"""Letters and digits only, so the number can be bar-coded (ISBT 128 data structure 025)."""
NAME_LENGTH = 100
PHYSICIAN_LENGTH = 200
_NAME_PUNCTUATION = frozenset(" -'’.")
_PHYSICIAN_PUNCTUATION = _NAME_PUNCTUATION | {","}


@dataclass(frozen=True)
class Enrolment:
    """What the clinic coordinator enters to enrol a patient.

    ``same_patient`` answers the duplicate-patient warning: None (not asked yet: any patient on
    record with this hospital number, or this name and date of birth, refuses the enrolment),
    True (a further treatment of the patient on record, with the same hospital number), False
    (a different person who shares name and date of birth with one on record).
    """

    family_name: str
    given_name: str
    date_of_birth: date
    hospital_number: str
    product_code: str
    manufacturing_site_code: str
    planned_collection_date: date | None = None
    manufacturing_slot_date: date | None = None
    treating_physician: str = ""
    same_patient: bool | None = None


def _text_problem(label: str, value: str, limit: int, allowed: frozenset[str]) -> str | None:
    """What is wrong with a typed name, in words naming ``label`` (None: nothing)."""
    text = value.strip()
    if not text:
        return f"Enter the {label}."
    if len(text) > limit:
        return f"The {label} is {len(text)} characters long: at most {limit}."
    for char in text:
        if unicodedata.category(char) == "Cs":
            return f"The {label} holds bytes that are not valid text: type it again."
        if unicodedata.category(char)[0] == "C":
            return f"The {label} holds a control character (U+{ord(char):04X}): type it again."
        if not (char.isalnum() or unicodedata.category(char)[0] == "M" or char in allowed):
            extra = ", commas" if "," in allowed else ""
            return (
                f"The {label} may hold letters, digits, spaces, hyphens, apostrophes, full "
                f"stops{extra} only, not {char!r}."
            )
    return None


def _date_problems(enrolment: Enrolment) -> dict[str, str]:
    problems: dict[str, str] = {}
    today = now().date()
    if enrolment.date_of_birth >= today:
        problems["date_of_birth"] = "The date of birth must be in the past."
    elif enrolment.date_of_birth.year < today.year - 120:
        problems["date_of_birth"] = "The date of birth is more than 120 years ago: check it."
    collection, slot = enrolment.planned_collection_date, enrolment.manufacturing_slot_date
    if collection is None:
        problems["planned_collection_date"] = "Book the apheresis date."
    if slot is None:
        problems["manufacturing_slot_date"] = "Book the manufacturing slot date."
    for field, day, kind in (
        ("planned_collection_date", collection, SlotKind.APHERESIS),
        ("manufacturing_slot_date", slot, SlotKind.MANUFACTURING),
    ):
        if day is not None and field not in problems:
            problem = booking_date_problem(day, kind)
            if problem is not None:
                problems[field] = problem
    if collection and slot and slot < collection and "manufacturing_slot_date" not in problems:
        problems["manufacturing_slot_date"] = (
            "The manufacturing slot cannot be before the apheresis date."
        )
    return problems


def enrolment_problems(enrolment: Enrolment) -> dict[str, str]:
    """Every problem of the entered values, by ``Enrolment`` field name (pure: no database).

    The screen shows each next to its field; ``enrol_patient`` refuses with the first.
    """
    problems: dict[str, str] = {}
    for field, label, limit, allowed in (
        ("family_name", "family name", NAME_LENGTH, _NAME_PUNCTUATION),
        ("given_name", "given name", NAME_LENGTH, _NAME_PUNCTUATION),
    ):
        problem = _text_problem(label, getattr(enrolment, field), limit, allowed)
        if problem is not None:
            problems[field] = problem
    number = enrolment.hospital_number.strip()
    if not number:
        problems["hospital_number"] = "Enter the patient's hospital number."
    elif not HOSPITAL_NUMBER.fullmatch(number):
        problems["hospital_number"] = (
            "The hospital number may hold only letters and digits (at most 20), as printed "
            "in the wristband's bar code; leave out spaces and hyphens."
        )
    physician = _text_problem(
        "treating physician", enrolment.treating_physician, PHYSICIAN_LENGTH, _PHYSICIAN_PUNCTUATION
    )
    if physician is not None:
        problems["treating_physician"] = physician
    if not enrolment.product_code.strip():
        problems["product_code"] = "Choose the product."
    if not enrolment.manufacturing_site_code.strip():
        problems["manufacturing_site_code"] = "Choose the manufacturing site."
    problems.update(_date_problems(enrolment))
    return problems


@dataclass(frozen=True)
class _Checked:
    family_name: str
    given_name: str
    hospital_number: str
    physician: str
    collection: date
    slot: date


def _check(enrolment: Enrolment) -> _Checked:
    problems = enrolment_problems(enrolment)
    if problems:
        raise ValidationFailed(next(iter(problems.values())))
    assert enrolment.planned_collection_date and enrolment.manufacturing_slot_date
    return _Checked(
        " ".join(enrolment.family_name.split()),
        " ".join(enrolment.given_name.split()),
        enrolment.hospital_number.strip(),
        " ".join(enrolment.treating_physician.split()),
        enrolment.planned_collection_date,
        enrolment.manufacturing_slot_date,
    )


def _cases(known: KnownPatient) -> str:
    return ", ".join(str(c) for c in known.cases) or "no case yet"


def _matching_patient(
    uow: UnitOfWork, key: PatientKeys, clinic: Site, enrolment: Enrolment, entered: _Checked
) -> tuple[uuid.UUID | None, str | None]:
    """The patient record to enrol (None: a new one) and the audit reason of the decision.

    Refuses, naming the cases on record, while the coordinator has not said whether a
    matching patient is the same person; refuses a contradiction whatever they say.
    """
    known = known_patients(
        uow.session,
        clinic.id,
        key,
        family_name=entered.family_name,
        given_name=entered.given_name,
        date_of_birth=enrolment.date_of_birth,
        hospital_number=entered.hospital_number,
    )
    number = entered.hospital_number
    by_number = next((k for k in known if k.same_hospital_number), None)
    alike = tuple(k for k in known if not k.same_hospital_number)
    if by_number is not None:
        if not by_number.same_name_and_birth:
            raise ValidationFailed(
                f"Hospital number {number} already belongs to another patient at {clinic.name} "
                f"(different name or date of birth; case {_cases(by_number)}). Check the "
                "hospital number."
            )
        if enrolment.same_patient is None:
            raise DuplicatePatient(
                f"This patient is already on record at {clinic.name} (same hospital number, "
                f"name and date of birth): case {_cases(by_number)}. If this is a further "
                "treatment of the same patient, confirm 'same patient'; nothing was saved.",
                known,
            )
        if enrolment.same_patient is False:
            raise ValidationFailed(
                f"Hospital number {number} is the number of the patient on record (case "
                f"{_cases(by_number)}): a different person cannot share it. Check the hospital "
                "number; nothing was saved."
            )
        return by_number.patient_id, (
            "same patient confirmed by the coordinator (hospital number, name and date of "
            f"birth match the patient of case {_cases(by_number)})"
        )
    listed = "; ".join(f"hospital number {k.hospital_number}, case {_cases(k)}" for k in alike)
    if alike and enrolment.same_patient is None:
        raise DuplicatePatient(
            f"A patient with the same name and date of birth is on record at {clinic.name}: "
            f"{listed}. If it is the same patient, enrol them under their hospital number "
            "and confirm 'same patient'; if it is a different person, confirm 'different "
            "patient'. Nothing was saved.",
            known,
        )
    if alike and enrolment.same_patient is True:
        raise ValidationFailed(
            f"The patient on record has another hospital number ({listed}). Enrol the same "
            f"patient under their hospital number, not {number}; nothing was saved."
        )
    if alike:
        cases = "; ".join(_cases(k) for k in alike)
        return None, (
            "different patient confirmed by the coordinator: a look-alike of the patient of "
            f"case {cases} (same name and date of birth)"
        )
    if enrolment.same_patient is True:
        raise ValidationFailed(
            f"No patient with hospital number {number} is on record at {clinic.name}: there is "
            "no earlier treatment to add this case to. Check the hospital number; nothing was "
            "saved."
        )
    return None, None


def _new_patient(
    uow: UnitOfWork, key: PatientKeys, clinic: Site, enrolment: Enrolment, entered: _Checked
) -> Patient:
    patient = Patient(clinic_site_id=clinic.id)
    uow.add(patient)
    uow.flush()
    uow.add(
        new_identity(
            key,
            patient_id=patient.id,
            clinic_site_id=clinic.id,
            family_name=entered.family_name,
            given_name=entered.given_name,
            date_of_birth=enrolment.date_of_birth,
            hospital_number=entered.hospital_number,
        )
    )
    return patient


def enrol_patient(database: Database, actor: Actor, enrolment: Enrolment) -> CaseView:
    """Enrol a patient at the coordinator's own clinic, book both slots, issue the COI."""
    require_role(actor, Role.CLINIC_COORDINATOR, doing="enrol patients")
    entered = _check(enrolment)
    key = require_clinic_key("enrol a patient")
    with UnitOfWork(database, actor) as uow:
        clinic = uow.session.get(Site, actor.site_id) if actor.site_id else None
        if clinic is None or clinic.kind is not SiteKind.CLINIC:
            raise NotPermitted("Patients are enrolled by a coordinator of a clinic site.")
        code = enrolment.product_code.strip()
        product = current_product(uow.session, code)
        if product is None:
            raise ValidationFailed(f"There is no active product {code[:40]!r} approved for use.")
        site_code = enrolment.manufacturing_site_code.strip()
        manufacturer = uow.session.scalar(
            select(Site).where(
                Site.code == site_code, Site.kind == SiteKind.MANUFACTURER, Site.active
            )
        )
        if manufacturer is None:
            raise ValidationFailed(f"There is no manufacturing site {site_code[:40]!r}.")
        keys = PatientKeys(key, uow.session)
        patient_id, decision = _matching_patient(uow, keys, clinic, enrolment, entered)
        book_slot(uow.session, clinic, SlotKind.APHERESIS, entered.collection)
        book_slot(uow.session, manufacturer, SlotKind.MANUFACTURING, entered.slot)
        if patient_id is None:
            patient_id = _new_patient(uow, keys, clinic, enrolment, entered).id
        coi = issue_coi(uow.session, clinic)
        case = Case(
            coi=coi.code,
            coi_check=coi.check_character,
            patient_id=patient_id,
            product_id=product.id,
            clinic_site_id=clinic.id,
            manufacturing_site_id=manufacturer.id,
            stage=CaseStage.ENROLLED,
            planned_collection_date=entered.collection,
            manufacturing_slot_date=entered.slot,
            treating_physician=entered.physician,
            enrolled_at=now(),
            enrolled_by_id=actor.user_id,
        )
        uow.add(case, action="enrol", reason=decision)
        uow.flush()
        details: dict[str, str] = {"product": product.code}
        if decision is not None:
            details["duplicate_check"] = decision
        record_stage(uow, case, "enrolled", details=details)
        view = case_view(uow.session, case, actor)
        uow.commit()
    return view


def find_case(database: Database, actor: Actor, case_id: uuid.UUID) -> CaseView:
    """One case as ``actor`` may see it."""
    with database.read_session() as session:
        return case_view(session, load(session, Case, case_id, "case"), actor)
