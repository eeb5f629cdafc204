"""Side states of cases and units: on hold, quarantined, rejected, destroyed, cancelled.

Each is entered and left only with a reason; GMP decisions (reject, destroy, cancel, and lifting
a quarantine) carry QA's electronic signature. Rejected, destroyed and cancelled are final.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.access import require_role
from app.core import (
    Actor,
    Database,
    NotPermitted,
    UnitOfWork,
    ValidationFailed,
    checked_reason,
    load,
    sscc_text,
)
from app.journey.records import custody, record_stage
from app.journey.shipment_state import blocking_reasons
from app.journey.stages import FINAL_SIDE_STATES
from app.journey.unit_states import (
    CAUSE_WORDS,
    NAMED_LIFT_CAUSES,
    ORDINARY_LIFT_CAUSES,
    cause_of,
    enter_side_state,
    lift_side_state,
)
from app.journey.views import CaseView, UnitView, case_view, unit_view
from app.quality import sign
from db.enums import CaseStage, CustodyAction, Role, SideState, SideStateCause, SignatureMeaning
from db.models import Case, Shipment, ShipmentItem, Unit

ANYONE = tuple(r for r in Role if r is not Role.ADMIN)
_WHO_MAY_SET: dict[SideState, tuple[Role, ...]] = {
    SideState.ON_HOLD: ANYONE,
    SideState.QUARANTINED: ANYONE,
    SideState.REJECTED: (Role.QA,),
    SideState.DESTROYED: (Role.QA,),
    SideState.CANCELLED: (Role.QA, Role.CLINIC_COORDINATOR),
}
_SIGNED = frozenset({SideState.REJECTED, SideState.DESTROYED, SideState.CANCELLED})


REASON_MISSING = "Give the reason: a side state is entered and left with one."


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationFailed(REASON_MISSING)
    return reason.strip()


def _check_entry(uow: UnitOfWork, record: Case | Unit, state: SideState) -> None:
    if state is SideState.NONE:
        raise ValidationFailed("Choose the state to put it in.")
    require_role(uow.actor, *_WHO_MAY_SET[state], doing=f"set the state {state.value}")
    if record.side_state in FINAL_SIDE_STATES:
        raise ValidationFailed(f"It is already {record.side_state.value}; that is final.")


def _sign_entry(
    uow: UnitOfWork, record: Case | Unit, state: SideState, reason: str, password: str | None
) -> None:
    if state in _SIGNED and password is None:
        raise ValidationFailed(f"Setting {state.value} is a GMP decision: sign it.")
    _record(
        uow, record, f"side state {state.value}", reason, password if state in _SIGNED else None
    )


def _record(
    uow: UnitOfWork, record: Case | Unit, action: str, reason: str, password: str | None
) -> None:
    """Add the decision to the case's timeline; sign it when it is a GMP decision."""
    case = record if isinstance(record, Case) else load(uow.session, Case, record.case_id, "case")
    unit_id = record.id if isinstance(record, Unit) else None
    entry = record_stage(uow, case, action, unit_id=unit_id, details={"reason": reason})
    if password is not None:
        uow.flush()
        sign(uow, entry, SignatureMeaning.APPROVED, password, comment=reason)


def set_case_side_state(
    database: Database,
    actor: Actor,
    case_id: uuid.UUID,
    state: SideState,
    reason: str,
    *,
    password: str | None = None,
) -> CaseView:
    """Put a case on hold, quarantine it, or reject / cancel it (signed)."""
    text = _reason(reason)
    with UnitOfWork(database, actor) as uow:
        case = load(uow.session, Case, case_id, "case")
        view = _enter_case_state(uow, case, state, text, password)
        uow.commit()
    return view


def _enter_case_state(
    uow: UnitOfWork, case: Case, state: SideState, text: str, password: str | None
) -> CaseView:
    _check_entry(uow, case, state)
    old = case.side_state
    case.side_state = state
    case.side_state_reason = text
    uow.annotate(case, action=f"side state {old.value} -> {state.value}", reason=text)
    _sign_entry(uow, case, state, text, password)
    if state in FINAL_SIDE_STATES:
        unit_state = SideState.REJECTED if state is not SideState.CANCELLED else state
        for unit in uow.session.scalars(select(Unit).where(Unit.case_id == case.id)):
            enter_side_state(
                uow, unit, unit_state, SideStateCause.CASE, f"case {state.value}: {text}"
            )
    return case_view(uow.session, case, uow.actor)


def set_unit_side_state(
    database: Database,
    actor: Actor,
    unit_id: uuid.UUID,
    state: SideState,
    reason: str,
    *,
    password: str | None = None,
) -> UnitView:
    """Hold or quarantine a unit; QA rejects or destroys it with a signature."""
    text = _reason(reason)
    with UnitOfWork(database, actor) as uow:
        unit = load(uow.session, Unit, unit_id, "container")
        _check_entry(uow, unit, state)
        enter_side_state(uow, unit, state, SideStateCause.MANUAL, text)
        _sign_entry(uow, unit, state, text, password)
        if state is SideState.DESTROYED:
            custody(uow, unit, CustodyAction.DESTROYED, site_id=unit.site_id, condition=text)
        view = unit_view(unit)
        uow.commit()
    return view


def _causes_lifted(unit: Unit, cause: SideStateCause | None) -> frozenset[SideStateCause]:
    """The causes a lift naming ``cause`` takes off ``unit``; refused when its own is not one."""
    present = cause_of(unit)
    lifted = ORDINARY_LIFT_CAUSES if cause is None else frozenset({cause})
    if present is not None and present not in lifted:
        why = CAUSE_WORDS[present]
        named = (
            f" Lift it as the {present.value.replace('_', '-')} hold."
            if present in NAMED_LIFT_CAUSES
            else ""
        )
        raise NotPermitted(
            f"Container {unit.din} is {unit.side_state.value.replace('_', ' ')} ({why}): "
            f"this lift does not take that off; nothing lifted.{named}"
        )
    return lifted


def lift_unit_side_state(
    database: Database,
    actor: Actor,
    unit_id: uuid.UUID,
    reason: str,
    password: str,
    *,
    cause: SideStateCause | None = None,
) -> UnitView:
    """QA lifts a hold or quarantine with a reason and a signature, once nothing blocks it.

    A hold a failed result after release or a recall set is lifted only when ``cause`` names it
    (POST_RELEASE, RECALL); a lift naming a cause lifts nothing else."""
    require_role(actor, Role.QA, doing="lift a hold or quarantine")
    text = _reason(reason)
    with UnitOfWork(database, actor) as uow:
        unit = load(uow.session, Unit, unit_id, "container")
        if unit.side_state in FINAL_SIDE_STATES or unit.side_state is SideState.NONE:
            raise ValidationFailed(
                f"Container {unit.din} is {unit.side_state.value}: nothing to lift."
            )
        for shipment in uow.session.scalars(
            select(Shipment)
            .join(ShipmentItem, ShipmentItem.shipment_id == Shipment.id)
            .where(ShipmentItem.unit_id == unit.id, Shipment.receipt_accepted.is_not(True))
        ):
            reasons = blocking_reasons(uow.session, shipment)
            if reasons:
                raise NotPermitted(
                    f"The receipt of {sscc_text(shipment.sscc)} is not accepted: "
                    + " ".join(reasons)
                )
        old = unit.side_state
        lift_side_state(uow, unit, _causes_lifted(unit, cause), text)
        _record(uow, unit, f"lifted {old.value}", text, password)
        view = unit_view(unit)
        uow.commit()
    return view


def lift_case_hold(
    database: Database, actor: Actor, case_id: uuid.UUID, reason: str, password: str
) -> CaseView:
    """QA (or the coordinator for a clinic hold) takes a case off hold or quarantine."""
    require_role(actor, Role.QA, Role.CLINIC_COORDINATOR, doing="take a case off hold")
    text = _reason(reason)
    with UnitOfWork(database, actor) as uow:
        case = load(uow.session, Case, case_id, "case")
        if case.side_state not in {SideState.ON_HOLD, SideState.QUARANTINED}:
            raise ValidationFailed(f"The case is {case.side_state.value}: nothing to lift.")
        old = case.side_state
        case.side_state = SideState.NONE
        case.side_state_reason = None
        uow.annotate(case, action=f"side state {old.value} -> none", reason=text)
        _record(uow, case, f"lifted {old.value}", text, password)
        view = case_view(uow.session, case, actor)
        uow.commit()
    return view


def cancel_case(
    database: Database, actor: Actor, case_id: uuid.UUID, reason: str, password: str
) -> CaseView:
    """Cancel a case with a reason and the coordinator's (or QA's) signature; it is final.

    The coordinator cancels only their own clinic's cases; an infused case cannot be
    cancelled. The case's units are cancelled with it and its booked slots are freed.
    """
    require_role(actor, Role.CLINIC_COORDINATOR, Role.QA, doing="cancel a case")
    text = checked_reason(reason, REASON_MISSING)
    if not password:
        raise ValidationFailed("Cancelling a case is signed: enter your password.")
    with UnitOfWork(database, actor) as uow:
        case = load(uow.session, Case, case_id, "case")
        if not actor.has_role(Role.QA) and case.clinic_site_id != actor.site_id:
            raise NotPermitted("You may cancel only your own clinic's cases.")
        if case.stage is CaseStage.INFUSED:
            raise ValidationFailed("The case is infused: it cannot be cancelled.")
        view = _enter_case_state(uow, case, SideState.CANCELLED, text, password)
        uow.commit()
    return view
