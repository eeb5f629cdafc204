"""Duplicate-patient detection at enrolment: is this patient already known at the clinic?

A patient already on record is found by the same hospital number at the clinic, or by the same
family name, given name and date of birth (compared without case, accents or extra blanks:
"Müller" is "MULLER"). The coordinator then says which it is: the SAME patient (a further
treatment: the case joins the existing patient record) or a DIFFERENT person who only looks
alike (a new patient record; the look-alike guard then asks the date of birth at the bedside).
Until they say, nothing is written.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.access import birth_date_text, birth_mac, hospital_number_mac, open_identity
from app.core import PatientKeys, ValidationFailed, coi_text
from app.journey.stages import STAGE_NAMES
from db.enums import SideState
from db.models import Case, PatientIdentity


def name_key(text: str) -> str:
    """A name as compared: accents dropped, case folded, blanks collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@dataclass(frozen=True)
class KnownCase:
    """One case of a patient already on record, as the coordinator is told of it."""

    coi: str
    stage: str

    def __str__(self) -> str:
        return f"{self.coi} ({self.stage})"


@dataclass(frozen=True)
class KnownPatient:
    """A patient on record at the clinic that the new enrolment matches."""

    patient_id: uuid.UUID
    family_name: str
    given_name: str
    date_of_birth: date
    hospital_number: str
    same_hospital_number: bool
    same_name_and_birth: bool
    cases: tuple[KnownCase, ...]

    @property
    def why(self) -> str:
        """What matched, in words."""
        if self.same_hospital_number and self.same_name_and_birth:
            return "same hospital number, name and date of birth"
        if self.same_hospital_number:
            return "same hospital number"
        return "same name and date of birth"

    @property
    def description(self) -> str:
        """The patient and their cases in one line (for identity roles only)."""
        cases = ", ".join(str(c) for c in self.cases) or "no case"
        return (
            f"{self.family_name.upper()}, {self.given_name}, born "
            f"{birth_date_text(self.date_of_birth)}, hospital number {self.hospital_number} "
            f"({self.why}): case {cases}"
        )


def _stage_words(case: Case) -> str:
    words = STAGE_NAMES[case.stage]
    if case.side_state is not SideState.NONE:
        words += f", {case.side_state.value.replace('_', ' ')}"
    return words


def known_patients(
    session: Session,
    clinic_id: uuid.UUID,
    key: PatientKeys,
    *,
    family_name: str,
    given_name: str,
    date_of_birth: date,
    hospital_number: str,
) -> tuple[KnownPatient, ...]:
    """The clinic's patients with this hospital number, or this name and date of birth.

    Found by their keyed hashes (the stored identity is sealed), then opened and compared; an
    identity that does not open is refused in words, nothing is enrolled past it.
    """
    number = hospital_number.strip().upper()
    rows = session.scalars(
        select(PatientIdentity).where(
            PatientIdentity.clinic_site_id == clinic_id,
            or_(
                PatientIdentity.hospital_number_mac == hospital_number_mac(key, number),
                PatientIdentity.birth_mac == birth_mac(key, date_of_birth),
            ),
        )
    )
    wanted = (name_key(family_name), name_key(given_name))
    found = []
    for stored in rows:
        row = open_identity(stored, key).require_readable("check for a duplicate patient")
        assert row.date_of_birth is not None  # a readable identity has its date
        same_number = row.hospital_number.upper() == number
        same_person = (
            row.date_of_birth == date_of_birth
            and (name_key(row.family_name), name_key(row.given_name)) == wanted
        )
        if not (same_number or same_person):
            continue
        cases = session.scalars(
            select(Case).where(Case.patient_id == stored.patient_id).order_by(Case.enrolled_at)
        )
        found.append(
            KnownPatient(
                patient_id=stored.patient_id,
                family_name=row.family_name,
                given_name=row.given_name,
                date_of_birth=row.date_of_birth,
                hospital_number=row.hospital_number,
                same_hospital_number=same_number,
                same_name_and_birth=same_person,
                cases=tuple(
                    KnownCase(coi_text(c.coi, c.coi_check), _stage_words(c)) for c in cases
                ),
            )
        )
    return tuple(found)


class DuplicatePatient(ValidationFailed):
    """The patient may already be on record: the coordinator must say same or different.

    ``known`` lists the matching patients with their cases (the caller is a clinic role).
    """

    title = "Patient already on record?"

    def __init__(self, message: str, known: tuple[KnownPatient, ...]) -> None:
        super().__init__(message)
        self.known = known
