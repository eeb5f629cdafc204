"""The dose at the bedside: every final bag of a case is infused or recorded as not given.

A case is *Infused* only when a person at the bedside has accounted for its dose: each
final-product bag infused, or recorded as not given with the reason (``record_bag_not_given``;
a bag the nurse does not give goes on hold for QA to return or destroy). A bag another person
put on hold or in quarantine (QA from the case screen, a recall, a failed result after release)
is *not given* but not yet accounted for: the bedside shows it with its hold and offers to record
it as not given, which keeps its hold, cause and reason as QA set them. Until every bag is
accounted for the case stays at the bedside and its work item names what is left. A hold lifted
before the bag is recorded as not given leaves the bag to give; a bag recorded as not given
stays not given, whatever happens to its hold afterwards.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_role, require_site
from app.core import Actor, Database, UnitOfWork, ValidationFailed, checked_reason, load
from app.journey.records import load_case_for, move_case, record_stage
from app.journey.stages import Operation
from app.journey.unit_states import enter_side_state
from app.journey.views import UnitView, unit_view
from db.enums import CaseStage, Role, SideState, SideStateCause, UnitKind, UnitStatus
from db.models import Case, StageRecord, Unit

BAG_NOT_GIVEN = "bag not given"


class BagAccount(StrEnum):
    """Where one final bag of the dose stands at the bedside."""

    GIVEN = "given"
    """Infused."""
    NOT_GIVEN = "not given"
    """Recorded as not given at the bedside, with the reason (accounted for)."""
    HELD = "held"
    """On hold, quarantined or set aside by someone else, not yet recorded as not given: it
    cannot be given, and it is left to account for."""
    TO_GIVE = "to give"
    """In no side state, neither infused nor recorded as not given."""


LEFT_TO_ACCOUNT = frozenset({BagAccount.HELD, BagAccount.TO_GIVE})
"""A bag in one of these keeps its case at the bedside."""


def account_of(status: UnitStatus, side_state: SideState, recorded_not_given: bool) -> BagAccount:
    """Where a bag of the dose stands (pure): infused, recorded as not given, held, or to give."""
    if status is UnitStatus.INFUSED:
        return BagAccount.GIVEN
    if recorded_not_given:
        return BagAccount.NOT_GIVEN
    if side_state is not SideState.NONE:
        return BagAccount.HELD
    return BagAccount.TO_GIVE


def not_given_records(
    session: Session, case_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, StageRecord]:
    """Per bag of ``case_ids`` recorded as not given at the bedside: that record."""
    if not case_ids:
        return {}
    records = session.scalars(
        select(StageRecord)
        .where(StageRecord.case_id.in_(list(case_ids)), StageRecord.action == BAG_NOT_GIVEN)
        .order_by(StageRecord.occurred_at)
    )
    found: dict[uuid.UUID, StageRecord] = {}
    for record in records:
        if record.unit_id is not None:
            found.setdefault(record.unit_id, record)
    return found


def not_given_units(session: Session, case_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """The bags of ``case_ids`` recorded as not given at the bedside."""
    return set(not_given_records(session, case_ids))


def not_given_reason(record: StageRecord) -> str:
    """The reason the nurse gave for a bag not given."""
    return str(json.loads(record.details or "{}").get("reason") or "no reason recorded")


def final_bags(session: Session, case_id: uuid.UUID) -> list[Unit]:
    """The case's final-product bags, by DIN."""
    return list(
        session.scalars(
            select(Unit)
            .where(Unit.case_id == case_id, Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
            .order_by(Unit.din)
        )
    )


def dose_accounts(session: Session, case_id: uuid.UUID) -> list[tuple[Unit, BagAccount]]:
    """Each final bag of the case with where it stands."""
    skipped = not_given_units(session, [case_id])
    return [
        (bag, account_of(bag.status, bag.side_state, bag.id in skipped))
        for bag in final_bags(session, case_id)
    ]


def bags_still_to_give(session: Session, case_id: uuid.UUID) -> list[Unit]:
    """The case's final bags that may still be given: in no side state, neither infused nor
    recorded as not given."""
    return [b for b, account in dose_accounts(session, case_id) if account is BagAccount.TO_GIVE]


def bags_left_to_account_for(session: Session, case_id: uuid.UUID) -> list[Unit]:
    """The case's final bags no one has accounted for yet: to give, or held by someone else
    and not yet recorded as not given."""
    return [b for b, account in dose_accounts(session, case_id) if account in LEFT_TO_ACCOUNT]


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
    """Move ``case`` to Infused when a bag was infused and every bag is accounted for."""
    uow.flush()
    if case.stage is not CaseStage.RECEIVED_AT_CLINIC or not _any_infused(uow.session, case.id):
        return False
    if bags_left_to_account_for(uow.session, case.id):
        return False
    move_case(uow, case, Operation.INFUSE, reason=reason)
    return True


def record_bag_not_given(
    database: Database, actor: Actor, unit_id: uuid.UUID, *, reason: str
) -> UnitView:
    """Record why a bag of the dose is not given (nurse): a bag in no side state goes on hold
    with the reason; a bag already held keeps its hold, cause and reason for QA."""
    require_role(actor, Role.INFUSION_NURSE, doing="record that a bag of the dose is not given")
    text = checked_reason(reason, "Give the reason this bag is not given.")
    with UnitOfWork(database, actor) as uow:
        bag = load(uow.session, Unit, unit_id, "bag")
        if bag.kind is not UnitKind.FINAL_PRODUCT_BAG:
            raise ValidationFailed("Only a therapy bag of the dose is recorded as not given.")
        case = load_case_for(uow, bag.case_id, Operation.INFUSE)
        require_site(actor, case.clinic_site_id, doing="record this bag as not given")
        uow.session.refresh(bag, with_for_update=True)  # two nurses at once: one record
        account = account_of(
            bag.status, bag.side_state, bag.id in not_given_units(uow.session, [case.id])
        )
        if account not in LEFT_TO_ACCOUNT:
            raise ValidationFailed(
                f"Bag {bag.din} is already {_accounted(account)}: there is nothing to record."
            )
        if bag.side_state is SideState.NONE:
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


def _accounted(account: BagAccount) -> str:
    return "infused" if account is BagAccount.GIVEN else "recorded as not given"
