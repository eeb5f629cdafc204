"""Stage 10, before the bedside check: the infusion nurse records when a bag's thaw started.

The thaw start starts the bag's post-thaw clock (``app.journey.viability``). It is a stage
record of its own, written once per bag and never changed: a later "correction" could reset the
clock, so a wrong entry is a deviation for QA, not an edit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_role, require_site
from app.core import Actor, Database, UnitOfWork, ValidationFailed, load, now, person
from app.journey.dose import not_given_units
from app.journey.records import load_case_for, record_stage
from app.journey.stages import Operation
from app.journey.storage import ensure_not_in_storage
from app.journey.unit_clock import THAW_STARTED, received_at, thaw_record, unit_name
from app.journey.viability import utc_text
from db.enums import Role, ShipmentDirection, SideState, UnitKind, UnitStatus
from db.models import Case, Product, Unit

_CLOCK_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class ThawView:
    """A bag's recorded thaw start and, when the product sets one, the end of its post-thaw
    limit."""

    unit_id: uuid.UUID
    din: str
    started_at: datetime
    infuse_by: datetime | None
    limit_minutes: int | None


def _thaw_view(unit: Unit, started_at: datetime, limit_minutes: int | None) -> ThawView:
    infuse_by = started_at + timedelta(minutes=limit_minutes) if limit_minutes else None
    return ThawView(unit.id, unit.din or "", started_at, infuse_by, limit_minutes)


def thaws_of_case(session: Session, case: Case) -> tuple[ThawView, ...]:
    """Every recorded thaw start of the case's final product bags, oldest first."""
    limit = load(session, Product, case.product_id, "product").post_thaw_minutes
    bags = session.scalars(
        select(Unit).where(Unit.case_id == case.id, Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
    )
    views = []
    for bag in bags:
        record = thaw_record(session, bag.id)
        if record is not None:
            views.append(_thaw_view(bag, record.occurred_at, limit))
    return tuple(sorted(views, key=lambda view: view.started_at))


def record_thaw(
    database: Database, actor: Actor, unit_id: uuid.UUID, started_at: datetime
) -> ThawView:
    """Record when the thaw of a final product bag started (infusion nurse, at the clinic).

    The bag must be stored at the clinic, in no hold or quarantine, and not thawed before; the
    start cannot be in the future nor before the bag's receipt at the clinic (entered times
    are to the minute: five minutes' tolerance either way, as for the infusion times).
    """
    require_role(actor, Role.INFUSION_NURSE, doing="record a thaw")
    if started_at.tzinfo is None:
        raise ValidationFailed("The thaw start needs a time zone.")
    if started_at > now() + _CLOCK_TOLERANCE:
        raise ValidationFailed("The thaw start is in the future: check the time.")
    with UnitOfWork(database, actor) as uow:
        bag = load(uow.session, Unit, unit_id, "bag")
        if bag.kind is not UnitKind.FINAL_PRODUCT_BAG:
            raise ValidationFailed(f"Only a final product bag is thawed, not a {bag.kind.value}.")
        case = load_case_for(uow, bag.case_id, Operation.INFUSE)
        require_site(actor, case.clinic_site_id, doing="record a thaw at this clinic")
        name = unit_name(bag)
        if bag.status is not UnitStatus.STORED:
            raise ValidationFailed(f"The {name} is {bag.status.value}, not stored for infusion.")
        if bag.side_state is not SideState.NONE:
            raise ValidationFailed(
                f"The {name} is {bag.side_state.value}: do not thaw it; call QA."
            )
        if bag.id in not_given_units(uow.session, [case.id]):
            raise ValidationFailed(
                f"The {name} was recorded as not given at the bedside: do not thaw it."
            )
        ensure_not_in_storage(uow.session, bag, doing="thaw it")
        earlier = thaw_record(uow.session, bag.id)
        if earlier is not None:
            raise ValidationFailed(
                f"The thaw of the {name} was already recorded as starting at "
                f"{utc_text(earlier.occurred_at)} by "
                f"{person(uow.session, earlier.performed_by_id)}. A thaw is recorded once: "
                "if that time is wrong, raise a deviation for QA."
            )
        received = received_at(uow.session, bag, ShipmentDirection.TO_CLINIC, latest=True)
        if received is not None and started_at < received - _CLOCK_TOLERANCE:
            raise ValidationFailed(
                f"The thaw cannot start before the bag was received at the clinic "
                f"({utc_text(received)})."
            )
        limit = load(uow.session, Product, case.product_id, "product").post_thaw_minutes
        record_stage(
            uow,
            case,
            THAW_STARTED,
            unit_id=bag.id,
            occurred_at=started_at,
            details={"din": bag.din, "started_at": started_at.isoformat()},
        )
        view = _thaw_view(bag, started_at, limit)
        uow.commit()
    return view
