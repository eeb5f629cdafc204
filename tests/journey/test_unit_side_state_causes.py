"""A unit's side state has a typed cause, and only the causes a caller names are lifted.

Attacks on the control: a cold-chain quarantine and a hold on the same unit, a manual
quarantine worded like a receipt's, a final state offered to every lift, and the audit trail of
each change. Both backends.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.coldchain.records import disposition_logger_file, import_logger_file
from app.core.identifier_text import sscc_text
from app.core.unit_of_work import UnitOfWork
from app.journey.shipping import accept_receipt, complete_receipt
from app.journey.side_states import set_unit_side_state
from app.journey.stages import FINAL_SIDE_STATES
from app.journey.unit_states import (
    ANY_CAUSE,
    AUTOMATIC_CAUSES,
    RECEIPT_CAUSES,
    enter_side_state,
    lift_side_state,
)
from app.quality.deviations import close_deviation, deviations_of_case
from db.enums import Disposition, SideState, SideStateCause, Verdict
from db.models import AuditEvent, Unit
from db.types import utc_now
from tests.journey.steps import DEMO_PASSWORD
from tests.journey.test_logger_records import Leg, packed_hours_ago, receive, ship, write_log
from tests.support.readers import reader

# Every (state, cause) a unit can be in; the first is no side state at all.
_PAIRS = [(SideState.NONE, None)] + [
    (state, cause)
    for cause in SideStateCause
    for state in SideState
    if state is not SideState.NONE
    and (
        cause is SideStateCause.MANUAL
        or (cause is SideStateCause.RECEIPT_PENDING and state is SideState.QUARANTINED)
        or (
            cause is SideStateCause.COLD_CHAIN
            and state in {SideState.QUARANTINED, SideState.REJECTED}
        )
        or (cause is SideStateCause.CASE and state in FINAL_SIDE_STATES)
    )
]


def _state(demo, unit_id) -> tuple[SideState, SideStateCause | None, str | None]:
    with demo.database.read_session() as session:
        unit = session.get(Unit, unit_id)
        assert unit is not None
        return unit.side_state, unit.side_state_cause, unit.side_state_reason


def _side_state_events(demo, unit_id) -> list[AuditEvent]:
    with demo.database.read_session() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.record_type == "unit",
                    AuditEvent.record_id == str(unit_id),
                    AuditEvent.action.like("side state %"),
                )
                .order_by(AuditEvent.seq)
            )
        )


def _excursion(demo, leg: Leg, tmp_path: Path):
    """A 40-minute warm spell in the shipper: the units are quarantined for the cold chain."""
    now = utc_now()

    def warm_spell(moment: datetime) -> float:
        return 10.0 if now - timedelta(hours=2) <= moment < now - timedelta(minutes=80) else 5.0

    view = import_logger_file(
        demo.database,
        demo["vera.verifier"],
        leg.shipment.id,
        write_log(tmp_path / "warm.csv", warm_spell),
    )
    assert view.verdict is Verdict.EXCURSION
    return view


def _qa_accepts_the_excursion_and_the_receipt(demo, leg: Leg, logger_file_id) -> None:
    db, qa = demo.database, demo["asha.qa"]
    complete_receipt(db, demo["vera.verifier"], leg.shipment.id, DEMO_PASSWORD)
    disposition_logger_file(
        db, qa, logger_file_id, Disposition.ACCEPT, "Covered by STB-014.", DEMO_PASSWORD
    )
    for deviation in deviations_of_case(db, reader(db), leg.case.id):
        close_deviation(db, qa, deviation.id, closure="Accepted.", password=DEMO_PASSWORD)
    assert accept_receipt(db, qa, leg.shipment.id, DEMO_PASSWORD, "cold chain accepted")


def test_receipt_acceptance_lifts_the_cold_chain_quarantine_but_never_a_hold(
    demo, tmp_path: Path
) -> None:
    leg = ship(demo, bags=3)
    packed_hours_ago(demo, leg, 3)
    receive(demo, leg)
    held_before, held_after, plain = leg.bags
    set_unit_side_state(
        demo.database,
        demo["otto.operator"],
        held_before.id,
        SideState.ON_HOLD,
        "label smudged",
    )
    view = _excursion(demo, leg, tmp_path)
    # The excursion quarantines the units in no side state; the hold a person set stays.
    assert _state(demo, held_before.id)[:2] == (SideState.ON_HOLD, SideStateCause.MANUAL)
    assert _state(demo, plain.id)[:2] == (SideState.QUARANTINED, SideStateCause.COLD_CHAIN)
    set_unit_side_state(
        demo.database,
        demo["otto.operator"],
        held_after.id,
        SideState.ON_HOLD,
        "cold-chain excursion in shipment: hold it for QA",
    )

    _qa_accepts_the_excursion_and_the_receipt(demo, leg, view.id)

    assert _state(demo, plain.id) == (SideState.NONE, None, None)
    assert _state(demo, held_before.id) == (
        SideState.ON_HOLD,
        SideStateCause.MANUAL,
        "label smudged",
    )
    assert _state(demo, held_after.id)[:2] == (SideState.ON_HOLD, SideStateCause.MANUAL)


def test_a_manual_quarantine_worded_like_a_receipts_is_not_lifted(demo, tmp_path: Path) -> None:
    leg = ship(demo, bags=2)
    packed_hours_ago(demo, leg, 3)
    receive(demo, leg)
    mimic, plain = leg.bags
    words = f"received in {sscc_text(leg.shipment.sscc)}; awaiting acceptance"
    set_unit_side_state(
        demo.database, demo["otto.operator"], mimic.id, SideState.QUARANTINED, words
    )
    import_logger_file(
        demo.database, demo["otto.operator"], leg.shipment.id, write_log(tmp_path / "ok.csv")
    )

    shipment = complete_receipt(
        demo.database, demo["vera.verifier"], leg.shipment.id, DEMO_PASSWORD
    )

    assert shipment.receipt_accepted is True  # nothing blocked: accepted at once
    assert _state(demo, plain.id) == (SideState.NONE, None, None)
    assert _state(demo, mimic.id) == (SideState.QUARANTINED, SideStateCause.MANUAL, words)
    (receipt_event,) = [
        e for e in _side_state_events(demo, plain.id) if "receipt_pending lifted" in e.action
    ]
    assert receipt_event.reason == f"receipt of {sscc_text(leg.shipment.sscc)} accepted"


def test_rejected_units_are_never_lifted_and_a_quarantine_never_replaces_them(
    demo, tmp_path: Path
) -> None:
    leg = ship(demo)
    packed_hours_ago(demo, leg, 3)
    receive(demo, leg)
    view = _excursion(demo, leg, tmp_path)
    disposition_logger_file(
        demo.database, demo["asha.qa"], view.id, Disposition.REJECT, "Too warm.", DEMO_PASSWORD
    )
    (bag,) = leg.bags
    rejected = _state(demo, bag.id)
    assert rejected[:2] == (SideState.REJECTED, SideStateCause.COLD_CHAIN)
    events = len(_side_state_events(demo, bag.id))

    with UnitOfWork(demo.database, demo["asha.qa"]) as uow:
        unit = uow.session.get(Unit, bag.id)
        assert unit is not None
        assert not lift_side_state(uow, unit, ANY_CAUSE, "please")
        assert not lift_side_state(uow, unit, RECEIPT_CAUSES, "receipt accepted")
        for state, cause in _PAIRS[1:]:
            assert cause is not None
            assert not enter_side_state(uow, unit, state, cause, "again")
        uow.commit()

    assert _state(demo, bag.id) == rejected
    assert len(_side_state_events(demo, bag.id)) == events


def test_each_change_is_one_audit_event_with_old_and_new_state_and_cause(
    demo, tmp_path: Path
) -> None:
    leg = ship(demo)
    packed_hours_ago(demo, leg, 3)
    receive(demo, leg)
    import_logger_file(
        demo.database, demo["otto.operator"], leg.shipment.id, write_log(tmp_path / "ok.csv")
    )
    (bag,) = leg.bags
    set_unit_side_state(
        demo.database, demo["otto.operator"], bag.id, SideState.ON_HOLD, "check the label"
    )
    with UnitOfWork(demo.database, demo["asha.qa"]) as uow:
        unit = uow.session.get(Unit, bag.id)
        assert unit is not None
        assert lift_side_state(uow, unit, ANY_CAUSE, "label fine")
        unit.storage_position = "shelf 2"  # a later change of the unit is an event of its own
        uow.commit()
    complete_receipt(demo.database, demo["vera.verifier"], leg.shipment.id, DEMO_PASSWORD)

    events = _side_state_events(demo, bag.id)
    assert [e.action for e in events] == [
        "side state none -> on_hold (manual)",
        "side state on_hold -> none (manual lifted)",
        "side state none -> quarantined (receipt_pending)",
        "side state quarantined -> none (receipt_pending lifted)",
    ]
    changes = [(json.loads(e.old_values), json.loads(e.new_values)) for e in events]
    keys = {"side_state", "side_state_cause", "side_state_reason"}
    assert all(keys <= old.keys() and keys <= new.keys() for old, new in changes)
    assert [(old["side_state"], new["side_state"]) for old, new in changes] == [
        ("none", "on_hold"),
        ("on_hold", "none"),
        ("none", "quarantined"),
        ("quarantined", "none"),
    ]
    assert [(old["side_state_cause"], new["side_state_cause"]) for old, new in changes] == [
        (None, "manual"),
        ("manual", None),
        (None, "receipt_pending"),
        ("receipt_pending", None),
    ]
    assert all("status" not in new for _old, new in changes)  # the move is its own event
    assert [e.reason for e in events][:2] == ["check the label", "label fine"]


def _strength(state: SideState, cause: SideStateCause | None) -> int:
    if state is SideState.NONE:
        return 0
    if state in FINAL_SIDE_STATES:
        return 3
    return 1 if cause in AUTOMATIC_CAUSES else 2


def test_every_entry_from_every_state_keeps_the_stronger_state(demo) -> None:
    """Final stays final; an automatic quarantine never replaces a person's or the case's
    state; the cause is None exactly when there is no side state; one event per change."""
    leg = ship(demo)
    (bag,) = leg.bags
    actor = demo["asha.qa"]
    for (present, present_cause), (state, cause) in itertools.product(_PAIRS, _PAIRS[1:]):
        assert cause is not None
        with UnitOfWork(demo.database, actor) as uow:  # the test sets the starting point
            unit = uow.session.get(Unit, bag.id)
            assert unit is not None
            unit.side_state, unit.side_state_cause = present, present_cause
            unit.side_state_reason = None if present is SideState.NONE else "before"
            uow.commit()
        before = len(_side_state_events(demo, bag.id))
        with UnitOfWork(demo.database, actor) as uow:
            unit = uow.session.get(Unit, bag.id)
            assert unit is not None
            changed = enter_side_state(uow, unit, state, cause, "after")
            uow.commit()
        now, now_cause, _reason = _state(demo, bag.id)
        case = f"{present.value}/{present_cause} then {state.value}/{cause.value}"
        if present in FINAL_SIDE_STATES:
            assert not changed, case
        if _strength(state, cause) == 1 and _strength(present, present_cause) == 2:
            assert not changed, case
        if _strength(state, cause) > _strength(present, present_cause):
            assert changed, case
        assert (now, now_cause) == ((state, cause) if changed else (present, present_cause)), case
        assert (now is SideState.NONE) == (now_cause is None), case
        assert len(_side_state_events(demo, bag.id)) == before + int(changed), case
