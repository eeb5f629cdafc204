"""Separation of duties: performer ≠ verifier; the QP certifies only batches they did not make."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import SeparationOfDuties
from db.models import ManufacturingStep


def ensure_second_person(performer_id: uuid.UUID | None, verifier_id: uuid.UUID | None) -> None:
    """Refuse a verification by the person who performed the work."""
    if performer_id is not None and performer_id == verifier_id:
        raise SeparationOfDuties(
            "You performed this work, so you cannot also verify it. "
            "Ask a second person to sign in and verify."
        )


def batch_participants(session: Session, case_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """Everyone who performed or verified a manufacturing step of the case's batch."""
    rows = session.execute(
        select(ManufacturingStep.performed_by_id, ManufacturingStep.verified_by_id).where(
            ManufacturingStep.case_id == case_id
        )
    )
    return frozenset(person for row in rows for person in row if person is not None)


def ensure_independent_qp(qp_id: uuid.UUID, participants: Iterable[uuid.UUID]) -> None:
    """Refuse certification by a QP who performed or verified any step of the batch."""
    if qp_id in set(participants):
        raise SeparationOfDuties(
            "You performed or verified a step of this batch, so you cannot certify it for "
            "release. Another Qualified Person must review and sign."
        )
