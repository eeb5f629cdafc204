"""Deviations: raised by anyone (or by the system on a mismatch or excursion), closed by QA."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.access import require_role, visible_case
from app.core import Actor, Database, NotFound, UnitOfWork, ValidationFailed, issue_deviation_number
from app.quality.signatures import sign
from db.enums import DeviationStatus, Role, SignatureMeaning
from db.models import Deviation
from db.types import utc_now


@dataclass(frozen=True)
class DeviationView:
    """A deviation as screens and reports show it."""

    id: uuid.UUID
    number: str
    kind: str
    description: str
    status: DeviationStatus
    case_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    shipment_id: uuid.UUID | None
    logger_file_id: uuid.UUID | None
    scan_id: uuid.UUID | None
    raised_at: datetime
    closure: str | None
    version: int


def deviation_view(row: Deviation) -> DeviationView:
    """The frozen view of a deviation row."""
    return DeviationView(
        id=row.id,
        number=row.number,
        kind=row.kind,
        description=row.description,
        status=row.status,
        case_id=row.case_id,
        unit_id=row.unit_id,
        shipment_id=row.shipment_id,
        logger_file_id=row.logger_file_id,
        scan_id=row.scan_id,
        raised_at=row.raised_at,
        closure=row.closure,
        version=row.version,
    )


def open_deviation(
    uow: UnitOfWork,
    *,
    kind: str,
    description: str,
    case_id: uuid.UUID | None = None,
    unit_id: uuid.UUID | None = None,
    shipment_id: uuid.UUID | None = None,
    logger_file_id: uuid.UUID | None = None,
    scan_id: uuid.UUID | None = None,
) -> Deviation:
    """Open a deviation in the caller's transaction (anyone signed in may raise one)."""
    if not description.strip():
        raise ValidationFailed("Describe what happened: a deviation needs a description.")
    raised_by = uow.actor.user_id
    if raised_by is None:
        raise ValidationFailed("A deviation is raised by a signed-in person.")
    deviation = Deviation(
        number=issue_deviation_number(uow.session),
        kind=kind,
        description=description.strip(),
        status=DeviationStatus.OPEN,
        case_id=case_id,
        unit_id=unit_id,
        shipment_id=shipment_id,
        logger_file_id=logger_file_id,
        scan_id=scan_id,
        raised_at=utc_now(),
        raised_by_id=raised_by,
    )
    uow.add(deviation, action="raise deviation")
    uow.flush()
    return deviation


def raise_deviation(
    database: Database,
    actor: Actor,
    *,
    description: str,
    case_id: uuid.UUID | None = None,
    unit_id: uuid.UUID | None = None,
) -> DeviationView:
    """Raise a deviation by hand (every role but the administrator)."""
    require_role(actor, *(r for r in Role if r is not Role.ADMIN), doing="raise a deviation")
    with UnitOfWork(database, actor) as uow:
        view = deviation_view(
            open_deviation(
                uow, kind="reported", description=description, case_id=case_id, unit_id=unit_id
            )
        )
        uow.commit()
    return view


def close_deviation(
    database: Database,
    actor: Actor,
    deviation_id: uuid.UUID,
    *,
    closure: str,
    password: str,
    seen_version: int | None = None,
) -> DeviationView:
    """QA closes a deviation with its investigation outcome and an electronic signature."""
    require_role(actor, Role.QA, doing="close deviations")
    if not closure.strip():
        raise ValidationFailed("State the outcome of the investigation to close a deviation.")
    with UnitOfWork(database, actor) as uow:
        deviation = uow.session.get(Deviation, deviation_id)
        if deviation is None:
            raise NotFound("That deviation does not exist.")
        if seen_version is not None:
            uow.expect_version(deviation, seen_version)
        if deviation.status is DeviationStatus.CLOSED:
            raise ValidationFailed(f"Deviation {deviation.number} is already closed.")
        deviation.status = DeviationStatus.CLOSED
        deviation.closure = closure.strip()
        deviation.closed_at = utc_now()
        deviation.closed_by_id = actor.user_id
        uow.annotate(deviation, action="close deviation", reason=closure.strip())
        sign(uow, deviation, SignatureMeaning.APPROVED, password, comment=closure.strip())
        view = deviation_view(deviation)
        uow.commit()
    return view


def deviations_of_case(database: Database, actor: Actor, case_id: uuid.UUID) -> list[DeviationView]:
    """Every deviation on a case ``actor`` may see, oldest first."""
    with database.read_session() as session:
        visible_case(session, actor, case_id)
        rows = session.scalars(
            select(Deviation).where(Deviation.case_id == case_id).order_by(Deviation.raised_at)
        )
        return [deviation_view(row) for row in rows]
