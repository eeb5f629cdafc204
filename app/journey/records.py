"""Loading journey records with clear errors, and writing stage records and custody events."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import UnitOfWork, load, now
from app.journey.stages import Operation, advance, ensure_allowed
from db.enums import CaseStage, CustodyAction, UnitKind
from db.models import Case, CustodyEvent, StageRecord, Unit


def load_case_for(
    uow: UnitOfWork, case_id: uuid.UUID, operation: Operation, *, seen_version: int | None = None
) -> Case:
    """The case, checked for the stage and side state ``operation`` needs."""
    case = load(uow.session, Case, case_id, "case")
    if seen_version is not None:
        uow.expect_version(case, seen_version)
    ensure_allowed(case.stage, case.side_state, operation)
    return case


def move_case(uow: UnitOfWork, case: Case, operation: Operation, reason: str | None = None) -> None:
    """Advance the case to the next stage as ``operation`` completes."""
    old = case.stage
    case.stage = advance(case.stage, operation)
    uow.annotate(case, action=f"stage {old.value} -> {case.stage.value}", reason=reason)


def record_stage(
    uow: UnitOfWork,
    case: Case,
    action: str,
    *,
    stage: CaseStage | None = None,
    verified_by: uuid.UUID | None = None,
    performed_by: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
    shipment_id: uuid.UUID | None = None,
    unit_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
    details: dict[str, Any] | None = None,
) -> StageRecord:
    """Add the record of one journey operation on ``case`` (what the timeline shows)."""
    record = StageRecord(
        case_id=case.id,
        stage=stage or case.stage,
        action=action,
        performed_by_id=performed_by or uow.actor.user_id,
        verified_by_id=verified_by,
        site_id=site_id or uow.actor.site_id,
        shipment_id=shipment_id,
        unit_id=unit_id,
        occurred_at=occurred_at or now(),
        details=json.dumps(details or {}, sort_keys=True, default=str, ensure_ascii=False),
        recorded_by_id=uow.actor.user_id,
    )
    uow.add(record, action=action)
    return record


def custody(
    uow: UnitOfWork,
    unit: Unit,
    action: CustodyAction,
    *,
    custodian_name: str | None = None,
    organisation: str | None = None,
    site_id: uuid.UUID | None = None,
    shipment_id: uuid.UUID | None = None,
    condition: str = "",
    user_id: uuid.UUID | None = None,
) -> CustodyEvent:
    """Record who holds ``unit`` now (a handover is a GIVEN and a RECEIVED event)."""
    actor = uow.actor
    event = CustodyEvent(
        unit_id=unit.id,
        shipment_id=shipment_id,
        action=action,
        custodian_name=custodian_name or actor.full_name,
        custodian_user_id=user_id if custodian_name else (user_id or actor.user_id),
        organisation=organisation or actor.site_name,
        site_id=site_id,
        occurred_at=now(),
        condition=condition,
        recorded_by_id=actor.user_id,
    )
    uow.add(event, action=f"custody {action.value}")
    return event


def units_of_case(session: Session, case_id: uuid.UUID) -> list[Unit]:
    """Every container of a case's dose (bags, samples), oldest first; never its shippers,
    which are boxes with an SSCC, not containers of the dose."""
    return list(
        session.scalars(
            select(Unit)
            .where(Unit.case_id == case_id, Unit.kind != UnitKind.SHIPPER)
            .order_by(Unit.created_at)
        )
    )
