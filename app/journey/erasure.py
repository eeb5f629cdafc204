"""Erasing a patient's identity (GDPR Art. 17) while the COI record stays (crypto-shredding).

A clinic coordinator of the patient's clinic erases, with a reason and their signature: the
patient's wrapped data key is deleted (``patient_key`` is outside the audit chain), so every
ciphertext of the patient — identity row, label payloads, scan texts and the audit values
that hold them — stays as it is and verifies, but no longer opens: everyone reads
``[identity erased]``. The identity row's keyed look-up hashes are cleared (an audited
change) so a search by hospital number or date of birth finds nothing. The case, COI, units,
records and audit trail stay; the erasure is an audit event on the patient.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.access import require_role, require_site
from app.core import (
    ERASE_IDENTITY_ACTION,
    Actor,
    Database,
    NotPermitted,
    UnitOfWork,
    ValidationFailed,
    checked_reason,
    erasure_recorded,
    load,
)
from app.quality import sign
from db.enums import Role, SignatureMeaning
from db.models import Case, PatientIdentity, PatientKey
from db.types import utc_now


@dataclass(frozen=True)
class IdentityErasure:
    """What an erasure did: the patient's cases (their COIs stay) and when."""

    patient_id: uuid.UUID
    cois: tuple[str, ...]
    erased_at: datetime
    reason: str


def _checked_reason(reason: str) -> str:
    return checked_reason(reason, "Give the reason for erasing the patient's identity.")


def erase_identity(
    database: Database, actor: Actor, case_id: uuid.UUID, reason: str, password: str
) -> IdentityErasure:
    """Erase the identity of the patient of a case (clinic coordinator of its clinic, signed).

    Refused for any other role, at another site, without a reason or password, and when the
    identity was erased already; nothing is written then.
    """
    require_role(actor, Role.CLINIC_COORDINATOR, doing="erase a patient's identity")
    text = _checked_reason(reason)
    if not password:
        raise ValidationFailed("Erasing a patient's identity is signed: enter your password.")
    with UnitOfWork(database, actor) as uow:
        case = load(uow.session, Case, case_id, "case")
        require_site(actor, case.clinic_site_id, doing="erase a patient's identity")
        key = uow.session.scalar(select(PatientKey).where(PatientKey.patient_id == case.patient_id))
        identity = uow.session.scalar(
            select(PatientIdentity).where(PatientIdentity.patient_id == case.patient_id)
        )
        if erasure_recorded(uow.session, case.patient_id) or (
            key is not None and key.wrapped_key is None
        ):
            raise ValidationFailed(
                f"The identity of the patient of case {case.coi} was erased already; "
                "nothing was changed."
            )
        if key is None or identity is None:
            raise NotPermitted(
                f"The identity of the patient of case {case.coi} is not sealed with a patient "
                "key yet (a database upgraded where there was no clinic key): open it once on "
                "a clinic workstation, then erase. Nothing was changed."
            )
        erased_at = utc_now()
        identity.hospital_number_mac = None
        identity.birth_mac = None
        uow.annotate(identity, action="clear identity look-ups", reason=text)
        sign(uow, identity, SignatureMeaning.APPROVED, password, comment=f"erasure: {text}")
        key.wrapped_key = None
        key.erased_at = erased_at
        cois = tuple(
            uow.session.scalars(
                select(Case.coi).where(Case.patient_id == case.patient_id).order_by(Case.coi)
            )
        )
        uow.record_event(
            ERASE_IDENTITY_ACTION,
            "patient",
            str(case.patient_id),
            new={"erased_at": erased_at, "cases": ", ".join(cois)},
            reason=text,
        )
        uow.commit()
    return IdentityErasure(case.patient_id, cois, erased_at, text)
