"""The dose at the bedside: every final bag of a case is infused or set aside with a reason.

A case is *Infused* only when its dose is accounted for: each final-product bag infused, or
put in a side state with its reason (a bag the nurse does not give is put on hold with why,
for QA to return or destroy). Until then the case stays at the bedside and its open bags are
named there.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_role, require_site
from app.core import Actor, Database, UnitOfWork, ValidationFailed, checked_reason, load
from app.journey.records import load_case_for, move_case, record_stage
from app.journey.stages import Operation
from app.journey.unit_states import enter_side_state
from app.journey.views import UnitView, unit_view
from db.enums import CaseStage, Role, SideState, SideStateCause, UnitKind, UnitStatus
from db.models import Case, Unit

BAG_NOT_GIVEN = "bag not given"


def bags_still_to_give(session: Session, case_id: uuid.UUID) -> list[Unit]:
    """The case's final-product bags neither infused nor set aside (in a side state)."""
    return list(
        session.scalars(
            select(Unit)
            .where(
                Unit.case_id == case_id,
                Unit.kind == UnitKind.FINAL_PRODUCT_BAG,
                Unit.status != UnitStatus.INFUSED,
                Unit.side_state == SideState.NONE,
            )
            .order_by(Unit.din)
        )
    )


def _any_infused(session: Session, case_id: uuid.UUID) -> bool:
    found = session.scalar(
        select(Unit.id).where(
            Unit.case_id == case_id,
            Unit.kind == UnitKind.FINAL_PRODUCT_BAG,
            Unit.status == UnitStatus.INFUSED,
        )
    )
    return found is not None


def close_dose_if_accounted(uow: UnitOfWork, case: Case, reason: str | None = None) -> bool:
    """Move ``case`` to Infused when a bag was infused and no bag is left to give."""
    uow.flush()
    if case.stage is not CaseStage.RECEIVED_AT_CLINIC or not _any_infused(uow.session, case.id):
        return False
    if bags_still_to_give(uow.session, case.id):
        return False
    move_case(uow, case, Operation.INFUSE, reason=reason)
    return True


def record_bag_not_given(
    database: Database, actor: Actor, unit_id: uuid.UUID, *, reason: str
) -> UnitView:
    """Record why a bag of the dose is not given: it goes on hold with the reason (nurse)."""
    require_role(actor, Role.INFUSION_NURSE, doing="record that a bag of the dose is not given")
    text = checked_reason(reason, "Give the reason this bag is not given.")
    with UnitOfWork(database, actor) as uow:
        bag = load(uow.session, Unit, unit_id, "bag")
        if bag.kind is not UnitKind.FINAL_PRODUCT_BAG:
            raise ValidationFailed("Only a therapy bag of the dose is recorded as not given.")
        case = load_case_for(uow, bag.case_id, Operation.INFUSE)
        require_site(actor, case.clinic_site_id, doing="record this bag as not given")
        if bag not in bags_still_to_give(uow.session, case.id):
            raise ValidationFailed(
                f"Bag {bag.din} is already {_accounted(bag)}: there is nothing to record."
            )
        enter_side_state(
            uow,
            bag,
            SideState.ON_HOLD,
            SideStateCause.MANUAL,
            f"Not given at the bedside: {text}",
        )
        record_stage(
            uow, case, BAG_NOT_GIVEN, unit_id=bag.id, details={"din": bag.din, "reason": text}
        )
        close_dose_if_accounted(uow, case, reason=f"bag {bag.din} not given: {text}")
        uow.flush()
        view = unit_view(bag)
        uow.commit()
    return view


def _accounted(bag: Unit) -> str:
    if bag.status is UnitStatus.INFUSED:
        return "infused"
    return bag.side_state.value.replace("_", " ")
