"""Before a case's product reaches a patient: its identity-bearing records must match their trail.

A direct SQL edit (say ``patient_id`` swapped between two cases) would otherwise make the other
patient's wristband match this bag at the bedside. The case, its patient and the patient's
identity, the case's units and their labels, and the signatures on them are reconciled with
their audit trail inside the caller's transaction (``app.core.reconcile_named_records``); any
difference refuses the operation, naming the table and column that differ but no value.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from app.core import RecordMismatch, RecordsTampered, UnitOfWork, reconcile_named_records
from app.quality import signature_digest
from db.models import Case, Label, Patient, PatientIdentity, Signature, Unit

IDENTITY_TABLES = frozenset(
    str(model.__tablename__) for model in (Case, Patient, PatientIdentity, Unit, Label, Signature)
)
"""The tables whose rows tie a bag to a patient."""
_WORDS = {"therapy_case": "case", "patient_identity": "patient identity"}
_NAMED = 3


def _difference(mismatch: RecordMismatch) -> str:
    """One mismatch without its values: table and column, or what happened to the row."""
    table = _WORDS.get(mismatch.table, mismatch.table)
    if mismatch.column is not None:
        return f"{table}.{mismatch.column} changed"
    if mismatch.kind == "unaudited":
        return f"a {table} record inserted"
    if mismatch.kind == "missing":
        return f"a {table} record deleted"
    return f"a signature on a {table} record broken"


def identity_record_keys(uow: UnitOfWork, case: Case, unit_ids: Iterable[uuid.UUID]) -> set[str]:
    """The audit record ids of the case's identity-bearing records (see the module docstring)."""
    session = uow.session
    units = set(session.scalars(select(Unit.id).where(Unit.case_id == case.id))) | set(unit_ids)
    keys: set[uuid.UUID] = {case.id, case.patient_id, *units}
    keys |= set(
        session.scalars(
            select(PatientIdentity.id).where(PatientIdentity.patient_id == case.patient_id)
        )
    )
    keys |= set(session.scalars(select(Label.id).where(Label.unit_id.in_(units))))
    found = {str(key) for key in keys}
    found |= {
        str(signature)
        for signature in session.scalars(select(Signature.id).where(Signature.record_id.in_(found)))
    }
    return found


def ensure_case_matches_trail(
    uow: UnitOfWork, case: Case, *, refused: str, unit_ids: Iterable[uuid.UUID] = ()
) -> None:
    """Refuse (``refused``, e.g. "infusion refused") when a record of the case differs from
    its audit trail; ``unit_ids`` adds units the operation names (the bag at the bedside)."""
    keys = identity_record_keys(uow, case, unit_ids)
    result = reconcile_named_records(
        uow.session.connection(), keys, IDENTITY_TABLES, signature_digest
    )
    if result.ok:
        return
    named = list(dict.fromkeys(_difference(m) for m in result.mismatches))
    more = f" and {len(named) - _NAMED} more" if len(named) > _NAMED else ""
    raise RecordsTampered(
        f"The records of this case do not match their audit trail "
        f"({', '.join(named[:_NAMED])}{more}): {refused}; call QA."
    )
