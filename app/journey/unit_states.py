"""The one place that writes a unit's side state, with its reason and its typed cause.

What put a unit in a side state decides what may take it out: accepting a receipt lifts the
quarantines that the receipt and its cold chain put on (``RECEIPT_CAUSES``), never a hold or
quarantine a person set (MANUAL) nor a state carried from the case (CASE). The hold a failed
result after release (POST_RELEASE) or a recall (RECALL) sets is lifted only by a lift that names
that cause. The cause is a stored enum, never read back from the reason's words. Final states
(rejected, destroyed, cancelled) are never left.

When the unit is already in a side state, the stronger one stays: a final state outranks
everything; a state a person or the case set outranks an automatic quarantine (receipt, cold
chain), which then leaves the unit as it is; of two automatic quarantines the first stays.
A unit already given to the patient (infused) or used up (consumed) is past the chain: the
journey's automatic causes (receipt, cold chain) never put it in a side state again, whatever
file or receipt arrives later.

Every change is one audit event of its own, ``side state <old> -> <new> (<cause>)``, whose old
and new values hold the state, the reason and the cause.
"""

from __future__ import annotations

from collections.abc import Collection

from app.core import UnitOfWork
from app.journey.stages import FINAL_SIDE_STATES
from db.enums import SideState, SideStateCause, UnitStatus
from db.models import Unit

AUTOMATIC_CAUSES = frozenset({SideStateCause.RECEIPT_PENDING, SideStateCause.COLD_CHAIN})
"""Quarantines the journey puts on by itself; anything a person or the case set outranks them."""

SPENT_STATUSES = frozenset({UnitStatus.INFUSED, UnitStatus.CONSUMED})
"""A unit in one of these is past the chain: no automatic cause applies to it any more."""

RECEIPT_CAUSES = AUTOMATIC_CAUSES
"""What accepting a receipt lifts (its cold chain is accepted by then, or it would block)."""

ANY_CAUSE = frozenset(SideStateCause)
"""Every cause (a final state is never lifted, whatever its cause)."""

NAMED_LIFT_CAUSES = frozenset({SideStateCause.POST_RELEASE, SideStateCause.RECALL})
"""Holds a QP's exception set: QA's lift takes one off only when it names that very cause."""

ORDINARY_LIFT_CAUSES = ANY_CAUSE - NAMED_LIFT_CAUSES
"""What QA's signed lift takes off when it names no cause."""

CAUSE_WORDS: dict[SideStateCause, str] = {
    SideStateCause.MANUAL: "set by a person",
    SideStateCause.RECEIPT_PENDING: "receipt not yet accepted",
    SideStateCause.COLD_CHAIN: "cold chain",
    SideStateCause.CASE: "its case's decision",
    SideStateCause.POST_RELEASE: "a result after release failed",
    SideStateCause.RECALL: "batch recalled by the QP",
}
"""Why a unit is in its side state, in words for screens and refusals."""

_STATES_OF: dict[SideStateCause, frozenset[SideState]] = {
    SideStateCause.MANUAL: frozenset(SideState) - {SideState.NONE},
    SideStateCause.RECEIPT_PENDING: frozenset({SideState.QUARANTINED}),
    SideStateCause.COLD_CHAIN: frozenset({SideState.QUARANTINED, SideState.REJECTED}),
    SideStateCause.CASE: FINAL_SIDE_STATES,
    SideStateCause.POST_RELEASE: frozenset({SideState.ON_HOLD}),
    SideStateCause.RECALL: frozenset({SideState.ON_HOLD}),
}


def _rank(state: SideState, cause: SideStateCause | None) -> int:
    if state is SideState.NONE:
        return 0
    if state in FINAL_SIDE_STATES:
        return 3
    return 1 if cause in AUTOMATIC_CAUSES else 2


def cause_of(unit: Unit) -> SideStateCause | None:
    """The unit's cause (None when it is in no side state; MANUAL when none was recorded)."""
    if unit.side_state is SideState.NONE:
        return None
    return unit.side_state_cause or SideStateCause.MANUAL


def side_state_words(unit: Unit) -> str | None:
    """Why ``unit`` is in its side state, in words (None when it is in none)."""
    cause = cause_of(unit)
    return None if cause is None else CAUSE_WORDS[cause]


def _write(
    uow: UnitOfWork,
    unit: Unit,
    state: SideState,
    cause: SideStateCause | None,
    reason: str | None,
    *,
    action: str,
    audit_reason: str,
) -> None:
    uow.flush()  # earlier changes of the unit go into their own audit event
    unit.side_state = state
    unit.side_state_reason = reason
    unit.side_state_cause = cause
    uow.annotate(unit, action=action, reason=audit_reason)
    uow.flush()  # this change is one audit event, whatever the caller changes next


def enter_side_state(
    uow: UnitOfWork, unit: Unit, state: SideState, cause: SideStateCause, reason: str
) -> bool:
    """Put ``unit`` in ``state`` for ``cause``; False, writing nothing, when its present side
    state outranks the new one (see the module's docstring)."""
    if state not in _STATES_OF[cause]:
        raise ValueError(f"a unit is not {state.value} for the cause {cause.value}")
    if cause in AUTOMATIC_CAUSES and unit.status in SPENT_STATUSES:
        return False
    present, new = _rank(unit.side_state, cause_of(unit)), _rank(state, cause)
    if present == 3 or new < present or (new == present and cause in AUTOMATIC_CAUSES):
        return False
    old = unit.side_state
    action = f"side state {old.value} -> {state.value} ({cause.value})"
    _write(uow, unit, state, cause, reason, action=action, audit_reason=reason)
    return True


def lift_side_state(
    uow: UnitOfWork, unit: Unit, causes: Collection[SideStateCause], reason: str
) -> bool:
    """Take ``unit`` out of its side state when its cause is one of ``causes``; False, writing
    nothing, when it is in none, in a final one, or there for another cause."""
    cause = cause_of(unit)
    if cause is None or unit.side_state in FINAL_SIDE_STATES or cause not in causes:
        return False
    old = unit.side_state
    action = f"side state {old.value} -> none ({cause.value} lifted)"
    _write(uow, unit, SideState.NONE, None, None, action=action, audit_reason=reason)
    return True


def enter_partner_side_state(
    uow: UnitOfWork,
    unit: Unit,
    state: SideState,
    reason: str,
    *,
    audit_reason: str,
    cause: SideStateCause | None = None,
) -> bool:
    """Put ``unit`` in a partner organisation's side state, carried by a signed bundle: in the
    restrictive direction only. It is entered as MANUAL (only this site's QA lifts it), or as the
    partner's POST_RELEASE or RECALL hold (only a lift naming it takes it off), and only when it
    outranks the unit's state here; a partner's NONE or automatic quarantine, or a unit spent
    here, is left as it is (False, writing nothing)."""
    present = _rank(unit.side_state, cause_of(unit))  # NONE ranks 0: it never lifts anything
    if unit.status in SPENT_STATUSES or _rank(state, SideStateCause.MANUAL) <= present:
        return False
    kept = cause if cause is not None and cause in NAMED_LIFT_CAUSES else None
    if kept is not None and state not in _STATES_OF[kept]:
        kept = None
    old = unit.side_state
    action = f"side state {old.value} -> {state.value} (partner)"
    _write(
        uow,
        unit,
        state,
        kept or SideStateCause.MANUAL,
        reason,
        action=action,
        audit_reason=audit_reason,
    )
    return True
