"""Stages 1-4 on both backends: enrol, collect, ship, receive — with the refusals that matter."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.errors import (
    NotPermitted,
    ScanMismatch,
    SeparationOfDuties,
    StageNotAllowed,
    ValidationFailed,
)
from app.journey.enrolment import find_case
from app.journey.shipping import (
    attach_logger,
    complete_receipt,
    create_shipment,
    hand_over,
    pack_unit,
    receive_unit,
)
from db.enums import CaseStage, ScanOutcome, ShipmentDirection, SideState
from db.models import Deviation, Scan
from labels.isbt128.sequences import coi_number
from tests.journey.steps import DEMO_PASSWORD, collect, din_scan, enrol, label_shipper


def test_enrolment_issues_a_checked_coi_and_hides_identity_from_manufacturing(demo) -> None:
    case = enrol(demo)
    assert case.stage is CaseStage.ENROLLED
    assert case.coi.startswith("CHG1234")
    assert case.patient is not None and case.patient.hospital_number == "H0001"
    seen_by_operator = find_case(demo.database, demo["otto.operator"], case.id)
    assert seen_by_operator.patient is None
    assert seen_by_operator.coi == case.coi
    second = enrol(demo, hospital_number="H0002", family="Berg")
    assert coi_number(second.coi[-6:]) == (coi_number(case.coi[-6:]) or 0) + 1


def test_hospital_number_of_another_patient_is_refused(demo) -> None:
    enrol(demo)
    with pytest.raises(ValidationFailed, match="already belongs to another patient"):
        enrol(demo, hospital_number="H0001", family="Someone-Else")


def test_only_a_coordinator_enrols(demo) -> None:
    from tests.journey.steps import Enrolment, enrol_patient  # noqa: PLC0415

    with pytest.raises(NotPermitted):
        enrol_patient(
            demo.database,
            demo["otto.operator"],
            Enrolment("A", "B", __import__("datetime").date(1980, 1, 1), "X", "S1234", "CTF"),
        )


def test_collector_cannot_verify_own_collection(demo) -> None:
    case = enrol(demo)
    from tests.journey import steps  # noqa: PLC0415

    unit = steps.register_collection(
        demo.database,
        demo["alex.apheresis"],
        case.id,
        steps.CollectedBag(
            200.0,
            "ACD-A",
            steps.utc_now() - steps.timedelta(hours=4),
            steps.utc_now() - steps.timedelta(hours=1),
        ),
    )
    steps.label_and_confirm(demo, unit, "alex.apheresis")
    with pytest.raises(SeparationOfDuties):
        steps.verify_collection(demo.database, demo["alex.apheresis"], case.id, DEMO_PASSWORD)


def test_whole_first_leg_with_a_wrong_scan_on_receipt(demo) -> None:
    db = demo.database
    case = enrol(demo)
    other = enrol(demo, hospital_number="H0002", family="Berg")
    bag = collect(demo, case)[0]
    other_bag = collect(demo, other)[0]
    assert find_case(db, demo["alex.apheresis"], case.id).stage is CaseStage.COLLECTED

    shipment = create_shipment(
        db, demo["alex.apheresis"], case.id, ShipmentDirection.TO_MANUFACTURER
    )
    with pytest.raises(ScanMismatch, match="WRONG PATIENT"):
        pack_unit(db, demo["alex.apheresis"], shipment.id, din_scan(other_bag))
    shipment = pack_unit(db, demo["alex.apheresis"], shipment.id, din_scan(bag))
    assert shipment.packed_units == (bag.id,)
    with pytest.raises(ValidationFailed, match="data logger"):
        hand_over(
            db,
            demo["alex.apheresis"],
            shipment.id,
            courier_name="Sam",
            courier_organisation="Cryo Couriers",
        )
    attach_logger(db, demo["alex.apheresis"], shipment.id, "(8004)5901234LOG001")
    label_shipper(db, demo["alex.apheresis"], shipment.id)
    shipment = hand_over(
        db,
        demo["alex.apheresis"],
        shipment.id,
        courier_name="Sam Driver",
        courier_organisation="Cryo Couriers",
    )
    assert find_case(db, demo["otto.operator"], case.id).stage is CaseStage.SHIPPED_TO_MANUFACTURER

    with pytest.raises(StageNotAllowed):
        create_shipment(db, demo["alex.apheresis"], case.id, ShipmentDirection.TO_MANUFACTURER)
    with pytest.raises(ScanMismatch):
        receive_unit(db, demo["otto.operator"], shipment.id, din_scan(other_bag))
    receive_unit(db, demo["otto.operator"], shipment.id, din_scan(bag))
    with pytest.raises(NotPermitted) as refused:
        complete_receipt(db, demo["otto.operator"], shipment.id, DEMO_PASSWORD)
    # Issue 16: who may do what, here: verifying, never "may receive the starting material"
    # (Otto just received it)
    words = str(refused.value)
    assert words.startswith("Otto Operator (otto.operator) may not verify this receipt: ")
    assert "is verified and signed by a Manufacturing verifier / supervisor of " in words
    assert "Ask one to sign in here." in words and "may receive" not in words
    shipment = complete_receipt(db, demo["vera.verifier"], shipment.id, DEMO_PASSWORD)
    assert shipment.received_units == (bag.id,)
    assert shipment.receipt_accepted is None or shipment.receipt_accepted is False
    assert find_case(db, demo["otto.operator"], case.id).stage is CaseStage.RECEIVED_AT_MANUFACTURER

    with db.read_session() as session:
        refused = session.scalars(select(Scan).where(Scan.outcome == ScanOutcome.MISMATCH)).all()
        assert {s.purpose for s in refused} == {"pack", "receive"}
        deviations = session.scalars(
            select(Deviation).where(Deviation.kind == "scan_mismatch")
        ).all()
        assert len(deviations) == 2
        from db.models import Unit  # noqa: PLC0415

        stored = session.get(Unit, bag.id)
        assert stored is not None and stored.side_state is SideState.QUARANTINED
