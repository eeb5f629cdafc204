"""The patient's identity as clinic roles see it; nobody else is handed it (DESIGN.md §5).

The identity is stored sealed with the patient's data key, itself wrapped by the clinic key
(`app.core.patient_keys`): it is opened here, for callers already allowed to see it. After
erasure a view says ``[identity erased]``. Without the key a view says
``[identity hidden — no clinic key]``; a value that does not open for its row (altered, or
copied from another patient's row) says so, never shows another patient's identity.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import (
    IDENTITY_ERASED,
    IDENTITY_HIDDEN,
    ClinicKey,
    IdentityErased,
    IdentityUnreadable,
    Opener,
    PatientKeys,
    bound_to,
    identity_keys,
)
from db.base import new_id
from db.models import Case, PatientIdentity

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""Month names in English whatever the station's locale (as the labels print them)."""


def birth_date_text(day: date) -> str:
    """A date of birth in the one form of every screen and report: ``07 Jun 1981`` — the
    identity label's form, never read as 06/07 or 07/06 (issue 16 review: ``1981-06-07``
    on the Cases page and the custody report, ``07 Jun 1981`` on the case pages)."""
    return f"{day.day:02d} {MONTHS[day.month - 1]} {day.year:04d}"


TABLE = PatientIdentity.__tablename__
SEALED_COLUMNS = ("family_name", "given_name", "date_of_birth", "hospital_number")


@dataclass(frozen=True)
class PatientIdentityView:
    """Who the patient is: shown only to clinic roles.

    ``problem`` says why the identity cannot be shown (no clinic key on this workstation, or
    a stored value that does not open); the other fields are then empty.
    """

    family_name: str
    given_name: str
    date_of_birth: date | None
    hospital_number: str
    problem: str | None = None
    erased: bool = False

    @property
    def display_name(self) -> str:
        """``FAMILY, Given`` as printed on clinical labels (or why it cannot be shown)."""
        if self.problem is not None:
            return self.problem
        return f"{self.family_name.upper()}, {self.given_name}"

    def born(self) -> str:
        """The date of birth as every screen and report writes it (:func:`birth_date_text`;
        a dash when it cannot be read)."""
        return "—" if self.date_of_birth is None else birth_date_text(self.date_of_birth)

    def require_readable(self, doing: str) -> PatientIdentityView:
        """This view, or a clear refusal to do ``doing`` without the patient's identity."""
        if self.erased:
            raise IdentityErased(
                f"Cannot {doing}: this patient's identity was erased (GDPR), so it can no longer "
                "be confirmed. Nothing was saved. The COI record stays; identify the patient by "
                "the clinic's own procedure and call QA."
            )
        if self.problem is not None:
            raise IdentityUnreadable(
                f"Cannot {doing}: the patient's identity cannot be read here ({self.problem}). "
                "Nothing was saved."
            )
        return self


def hidden_view(problem: str = IDENTITY_HIDDEN) -> PatientIdentityView:
    """The view of an identity that cannot be shown, saying why."""
    return PatientIdentityView(problem, "", None, "", problem)


def hospital_number_mac(key: ClinicKey | PatientKeys, number: str) -> str:
    """The look-up hash of a hospital number (compared upper-case, without spaces around)."""
    return key.lookup("hospital_number:" + number.strip().upper())


def birth_mac(key: ClinicKey | PatientKeys, born: date) -> str:
    """The look-up hash of a date of birth."""
    return key.lookup("date_of_birth:" + born.isoformat())


def sealed_identity_values(
    key: PatientKeys,
    row_id: uuid.UUID,
    *,
    patient_id: uuid.UUID,
    family_name: str,
    given_name: str,
    date_of_birth: date,
    hospital_number: str,
) -> dict[str, str]:
    """The stored columns of an identity row ``row_id``: values sealed with the patient's key
    and the clinic's look-up hashes."""
    plain = {
        "family_name": family_name,
        "given_name": given_name,
        "date_of_birth": date_of_birth.isoformat(),
        "hospital_number": hospital_number,
    }
    patient = key.ensure(patient_id)
    sealed = {
        name: patient.seal(text, bound_to(TABLE, name, row_id)) for name, text in plain.items()
    }
    return {
        **sealed,
        "hospital_number_mac": hospital_number_mac(key, hospital_number),
        "birth_mac": birth_mac(key, date_of_birth),
    }


def new_identity(
    key: PatientKeys,
    *,
    patient_id: uuid.UUID,
    clinic_site_id: uuid.UUID,
    family_name: str,
    given_name: str,
    date_of_birth: date,
    hospital_number: str,
) -> PatientIdentity:
    """A new identity row, sealed with the patient's key (made now) and bound to its own id."""
    row_id = new_id()
    values = sealed_identity_values(
        key,
        row_id,
        patient_id=patient_id,
        family_name=family_name,
        given_name=given_name,
        date_of_birth=date_of_birth,
        hospital_number=hospital_number,
    )
    return PatientIdentity(
        id=row_id, patient_id=patient_id, clinic_site_id=clinic_site_id, **values
    )


def open_identity(row: PatientIdentity, key: Opener | None) -> PatientIdentityView:
    """The view of one identity row: opened with ``key``, or hidden / unreadable, saying why."""
    if key is None:
        return hidden_view()
    try:
        opened = {
            name: key.open(getattr(row, name), bound_to(TABLE, name, row.id))
            for name in SEALED_COLUMNS
        }
        born = date.fromisoformat(opened["date_of_birth"])
    except IdentityErased:
        return PatientIdentityView(IDENTITY_ERASED, "", None, "", IDENTITY_ERASED, erased=True)
    except IdentityUnreadable as exc:
        return hidden_view(str(exc))
    except ValueError:
        return hidden_view(str(IdentityUnreadable("the stored date of birth is not a date")))
    return PatientIdentityView(
        opened["family_name"], opened["given_name"], born, opened["hospital_number"]
    )


def identity_of(session: Session, case: Case) -> PatientIdentityView | None:
    """The patient identity of a case (for callers already allowed to see it)."""
    row = session.scalar(
        select(PatientIdentity).where(PatientIdentity.patient_id == case.patient_id)
    )
    if row is None:
        return None
    return open_identity(row, identity_keys(session))
