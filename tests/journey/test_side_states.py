"""Side states: entered and left with a reason, signed where a GMP decision, final when final."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.errors import NotPermitted, ScanMismatch, StageNotAllowed, ValidationFailed
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.journey.enrolment import find_case
from app.journey.shipping import create_shipment, pack_unit
from app.journey.side_states import (
    lift_case_hold,
    lift_unit_side_state,
    set_case_side_state,
    set_unit_side_state,
)
from db.enums import CaseStage, ShipmentDirection, SideState
from db.models import Signature, StageRecord


def _driver(demo, tmp_path: Path) -> JourneyDriver:
    return JourneyDriver(demo.database, tmp_path, station="test-station")


def test_hold_blocks_the_journey_until_lifted_with_a_reason(demo, tmp_path: Path) -> None:
    driver = _driver(demo, tmp_path)
    case = driver.enrol("SS1", "Hold", "Hal", date(1970, 1, 1))
    with pytest.raises(ValidationFailed, match="reason"):
        set_case_side_state(
            demo.database, driver.who("cora.coordinator"), case.id, SideState.ON_HOLD, " "
        )
    held = set_case_side_state(
        demo.database, driver.who("cora.coordinator"), case.id, SideState.ON_HOLD, "patient unwell"
    )
    assert held.side_state is SideState.ON_HOLD and held.side_state_reason == "patient unwell"
    with pytest.raises(StageNotAllowed, match="on hold"):
        driver.collect(case)
    lift_case_hold(
        demo.database, driver.who("cora.coordinator"), case.id, "patient fit", DEMO_PASSWORD
    )
    driver.collect(case)
    assert (
        find_case(demo.database, driver.who("cora.coordinator"), case.id).stage
        is CaseStage.COLLECTED
    )


def test_reject_needs_qa_and_a_signature_and_is_final(demo, tmp_path: Path) -> None:
    driver = _driver(demo, tmp_path)
    case = driver.enrol("SS2", "Reject", "Rae", date(1970, 1, 1))
    bag = driver.collect(case)
    with pytest.raises(NotPermitted):
        set_unit_side_state(
            demo.database,
            driver.who("alex.apheresis"),
            bag.id,
            SideState.REJECTED,
            "torn",
            password=DEMO_PASSWORD,
        )
    with pytest.raises(ValidationFailed, match="sign"):
        set_unit_side_state(
            demo.database, driver.who("asha.qa"), bag.id, SideState.REJECTED, "torn"
        )
    rejected = set_unit_side_state(
        demo.database,
        driver.who("asha.qa"),
        bag.id,
        SideState.REJECTED,
        "bag torn",
        password=DEMO_PASSWORD,
    )
    assert rejected.side_state is SideState.REJECTED
    with demo.database.read_session() as session:
        record = session.scalar(
            select(StageRecord).where(
                StageRecord.unit_id == bag.id, StageRecord.action == "side state rejected"
            )
        )
        assert record is not None
        signature = session.scalar(select(Signature).where(Signature.record_id == str(record.id)))
        assert signature is not None and signature.signer_username == "asha.qa"
    with pytest.raises(ValidationFailed, match="final"):
        set_unit_side_state(
            demo.database, driver.who("asha.qa"), bag.id, SideState.ON_HOLD, "again"
        )
    with pytest.raises(ValidationFailed, match="nothing to lift"):
        lift_unit_side_state(demo.database, driver.who("asha.qa"), bag.id, "oops", DEMO_PASSWORD)
    shipment = create_shipment(
        demo.database, driver.who("alex.apheresis"), case.id, ShipmentDirection.TO_MANUFACTURER
    )
    with pytest.raises(ScanMismatch):  # never packed: it is not a ready container any more
        pack_unit(demo.database, driver.who("alex.apheresis"), shipment.id, f"={bag.din}00")


def test_quarantine_and_its_lifting_by_qa(demo, tmp_path: Path) -> None:
    driver = _driver(demo, tmp_path)
    case = driver.enrol("SS3", "Quarantine", "Quin", date(1970, 1, 1))
    bag = driver.collect(case)
    quarantined = set_unit_side_state(
        demo.database, driver.who("alex.apheresis"), bag.id, SideState.QUARANTINED, "label smudged"
    )
    assert quarantined.side_state is SideState.QUARANTINED
    with pytest.raises(NotPermitted):
        lift_unit_side_state(
            demo.database, driver.who("alex.apheresis"), bag.id, "fine", DEMO_PASSWORD
        )
    lifted = lift_unit_side_state(
        demo.database, driver.who("asha.qa"), bag.id, "relabelled", DEMO_PASSWORD
    )
    assert lifted.side_state is SideState.NONE


def test_cancelled_case_takes_no_further_step_and_its_units_are_cancelled(
    demo, tmp_path: Path
) -> None:
    driver = _driver(demo, tmp_path)
    case = driver.enrol("SS4", "Cancel", "Cy", date(1970, 1, 1))
    bag = driver.collect(case)
    cancelled = set_case_side_state(
        demo.database,
        driver.who("cora.coordinator"),
        case.id,
        SideState.CANCELLED,
        "patient withdrew consent",
        password=DEMO_PASSWORD,
    )
    assert cancelled.side_state is SideState.CANCELLED
    with pytest.raises(StageNotAllowed, match="cancelled"):
        create_shipment(
            demo.database, driver.who("alex.apheresis"), case.id, ShipmentDirection.TO_MANUFACTURER
        )
    with pytest.raises(ValidationFailed, match="nothing to lift"):
        lift_case_hold(demo.database, driver.who("asha.qa"), case.id, "undo", DEMO_PASSWORD)
    with demo.database.read_session() as session:
        from db.models import Unit  # noqa: PLC0415

        unit = session.get(Unit, bag.id)
        assert unit is not None and unit.side_state is SideState.CANCELLED
