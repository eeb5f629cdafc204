"""Stage 10: the bedside check (wristband + bag), a second nurse, and the infusion record.

No infusion is recorded unless the bag's COI matches the patient scanned at the bedside, the bag
is released and received, and a second nurse confirms it; both steps first reconcile the case's
identity-bearing records with their audit trail (``case_trail``), so a patient swapped by direct
SQL is refused, not matched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.access import ensure_second_person, identity_of, require_role, require_site
from app.core import Actor, Database, UnitOfWork, ValidationFailed, load, now
from app.journey.bedside_identity import wristband_expectation
from app.journey.case_trail import ensure_case_matches_trail
from app.journey.dose import close_dose_if_accounted, not_given_reason, not_given_records
from app.journey.look_alikes import look_alikes
from app.journey.oos_labels import ensure_labelled_as_released_oos
from app.journey.records import custody, load_case_for, record_stage
from app.journey.stages import Operation
from app.journey.unit_clock import ensure_viable, ensure_viable_at_infusion
from app.quality import sign
from app.scanning import Expectation, check_scan
from db.enums import (
    CaseStage,
    CustodyAction,
    Role,
    SideState,
    SignatureMeaning,
    UnitKind,
    UnitStatus,
)
from db.models import StageRecord, Unit

BEDSIDE_CHECK = "bedside check"
INFUSION = "infusion"
_CLOCK_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class BedsideCheckView:
    """A passed bedside check, waiting for the second nurse."""

    id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    din: str
    checked_at: datetime


def bedside_check(
    database: Database,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    wristband_scan: str,
    bag_scan: str,
    date_of_birth: date | None = None,
) -> BedsideCheckView:
    """Scan the patient's wristband and the bag; both must be this case's (infusion nurse).

    When a look-alike case is active at the site, the patient's ``date_of_birth`` is asked as
    a second identifier; a date of birth given is always checked.
    """
    require_role(actor, Role.INFUSION_NURSE, doing="perform the bedside check")
    with UnitOfWork(database, actor) as uow:
        case = load_case_for(uow, case_id, Operation.INFUSE)
        require_site(actor, case.clinic_site_id, doing="infuse this patient")
        ensure_case_matches_trail(uow, case, refused="infusion refused")
        identity = identity_of(uow.session, case)
        if identity is not None:
            identity.require_readable("check the patient's wristband against the enrolment")
        _check_second_identifier(
            bool(look_alikes(uow.session, case, with_identity=True)),
            identity.date_of_birth if identity else None,
            date_of_birth,
        )
        check_scan(
            uow,
            wristband_scan,
            wristband_expectation(uow.session, case, identity, bag_scan=bag_scan),
        )
        stored = frozenset(
            uow.session.scalars(
                select(Unit.id).where(
                    Unit.case_id == case.id,
                    Unit.kind == UnitKind.FINAL_PRODUCT_BAG,
                    Unit.status == UnitStatus.STORED,
                )
            )
        )
        bag = check_scan(
            uow,
            bag_scan,
            Expectation(
                purpose="bedside bag",
                description="the infusion bag for this patient",
                coi=case.coi,
                unit_ids=stored,
                refused=tuple(
                    (unit_id, _not_given_words(record))
                    for unit_id, record in not_given_records(uow.session, [case.id]).items()
                ),
            ),
        )
        assert bag is not None and bag.din is not None  # a unit match names a labelled unit
        ensure_viable(uow, bag, doing="pass the bedside check", thawed=True)
        ensure_labelled_as_released_oos(uow.session, bag, doing="check it at the bedside")
        record = record_stage(uow, case, BEDSIDE_CHECK, unit_id=bag.id, details={"din": bag.din})
        uow.flush()
        view = BedsideCheckView(record.id, case.id, bag.id, bag.din, record.occurred_at)
        uow.commit()
    return view


def _not_given_words(record: StageRecord) -> str:
    return (
        f"was recorded as not given at the bedside ({not_given_reason(record)}): it is not "
        "given to this patient. Scan another bag of the dose."
    )


def _check_second_identifier(look_alike: bool, enrolled: date | None, given: date | None) -> None:
    if given is None:
        if look_alike:
            raise ValidationFailed(
                "A look-alike case is active at this site: ask the patient's date of birth and "
                "enter it as a second identifier before the bedside check."
            )
        return
    if enrolled is None or given != enrolled:
        raise ValidationFailed(
            "WRONG PATIENT? The date of birth entered is not the date of birth of this case's "
            "patient. Stop, check the patient's identity and call your supervisor."
        )


def confirm_infusion(
    database: Database,
    actor: Actor,
    check_id: uuid.UUID,
    *,
    started_at: datetime,
    ended_at: datetime,
    password: str,
) -> BedsideCheckView:
    """The second nurse confirms the checked bag was infused, with start and end, and signs.

    The case moves to Infused with the last bag of its dose (``app.journey.dose``)."""
    require_role(actor, Role.INFUSION_NURSE, doing="confirm an infusion")
    if started_at.tzinfo is None or ended_at.tzinfo is None:
        raise ValidationFailed("Infusion times need a time zone.")
    if ended_at <= started_at:
        raise ValidationFailed("The infusion must end after it starts.")
    if ended_at > now() + _CLOCK_TOLERANCE:
        raise ValidationFailed("The infusion end is in the future: check the time.")
    with UnitOfWork(database, actor) as uow:
        check = load(uow.session, StageRecord, check_id, "bedside check")
        if check.action != BEDSIDE_CHECK:
            raise ValidationFailed("That record is not a bedside check.")
        case = load_case_for(uow, check.case_id, Operation.INFUSE)
        require_site(actor, case.clinic_site_id, doing="confirm this infusion")
        ensure_second_person(check.performed_by_id, actor.user_id)
        if started_at < check.occurred_at - _CLOCK_TOLERANCE:
            raise ValidationFailed("The infusion cannot start before the bedside check.")
        bag = load(uow.session, Unit, check.unit_id or uuid.UUID(int=0), "bag")
        if bag.status is not UnitStatus.STORED:
            raise ValidationFailed(f"Bag {bag.din} is {bag.status.value}, not ready to infuse.")
        if bag.id in not_given_records(uow.session, [case.id]):
            raise ValidationFailed(
                f"Bag {bag.din} was recorded as not given after the bedside check: it cannot "
                "be infused."
            )
        if bag.side_state is not SideState.NONE:
            raise ValidationFailed(
                f"Bag {bag.din} was put {bag.side_state.value.replace('_', ' ')} after the "
                "bedside check: it cannot be infused. Set it aside and call QA."
            )
        ensure_case_matches_trail(uow, case, refused="infusion refused", unit_ids=[bag.id])
        ensure_viable_at_infusion(uow, bag, started_at)
        bag.status = UnitStatus.INFUSED
        uow.annotate(bag, action="infuse")
        custody(uow, bag, CustodyAction.DISPENSED, site_id=case.clinic_site_id)
        close_dose_if_accounted(uow, case)  # Infused once no bag of the dose is left to give
        record = record_stage(
            uow,
            case,
            INFUSION,
            stage=CaseStage.INFUSED,
            performed_by=check.performed_by_id,
            verified_by=actor.user_id,
            unit_id=bag.id,
            occurred_at=ended_at,
            details={
                "check": str(check.id),
                "din": bag.din,
                "started_at": started_at.isoformat(),
                "ended_at": ended_at.isoformat(),
            },
        )
        uow.flush()
        sign(uow, record, SignatureMeaning.VERIFIED, password)
        view = BedsideCheckView(check.id, case.id, bag.id, bag.din or "", check.occurred_at)
        uow.commit()
    return view
