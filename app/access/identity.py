"""The patient's identity as clinic roles see it; nobody else is handed it (DESIGN.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Case, PatientIdentity


@dataclass(frozen=True)
class PatientIdentityView:
    """Who the patient is: shown only to clinic roles."""

    family_name: str
    given_name: str
    date_of_birth: date
    hospital_number: str

    @property
    def display_name(self) -> str:
        """``FAMILY, Given`` as printed on clinical labels."""
        return f"{self.family_name.upper()}, {self.given_name}"


def identity_of(session: Session, case: Case) -> PatientIdentityView | None:
    """The patient identity of a case (for callers already allowed to see it)."""
    row = session.scalar(
        select(PatientIdentity).where(PatientIdentity.patient_id == case.patient_id)
    )
    if row is None:
        return None
    return PatientIdentityView(
        row.family_name, row.given_name, row.date_of_birth, row.hospital_number
    )
