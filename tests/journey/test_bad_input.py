"""Bad input at every stage: one clear refusal naming the reason, recorded where it is a GMP
event, and nothing else changed."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.access.users import authenticate, create_user
from app.admin.sites import create_site
from app.core.actor import Actor
from app.core.errors import (
    CoiError,
    NotPermitted,
    ScanMismatch,
    StageNotAllowed,
    StaleRecord,
    ValidationFailed,
)
from app.core.unit_of_work import UnitOfWork
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.journey.collection import CollectedBag, register_collection
from app.journey.manufacturing import StepRecord, perform_step, steps_of_case, verify_step
from app.journey.release import certify_release
from app.journey.shipping import complete_receipt
from db.enums import CaseStage, Role, ScanOutcome, ShipmentDirection, SiteKind, StepStatus
from db.models import AuditEvent, Deviation, Scan, Shipment, ShipmentItem
from db.types import utc_now
from tests.conftest import PASSWORD
from tests.support.readers import reader


def _events(database) -> int:
    with database.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _other_clinic_nurse(demo) -> Actor:
    admin = authenticate(demo.database, "admin", PASSWORD, "test-station")
    with UnitOfWork(demo.database, admin) as uow:
        create_site(uow, code="SGH", name="Southgate Hospital", kind=SiteKind.CLINIC, fin="G4321")
        create_user(
            uow,
            username="sam.south",
            full_name="Sam South",
            password=PASSWORD,
            roles=[Role.APHERESIS_NURSE],
            site_code="SGH",
        )
        uow.commit()
    return authenticate(demo.database, "sam.south", PASSWORD, "test-station")


def test_wrong_site_is_refused_and_changes_nothing(demo, tmp_path: Path) -> None:
    driver = JourneyDriver(demo.database, tmp_path, station="test-station")
    case = driver.enrol("W1", "Site", "Wrong", date(1970, 1, 1))
    stranger = _other_clinic_nurse(demo)
    before = _events(demo.database)
    end = utc_now() - timedelta(hours=1)
    with pytest.raises(NotPermitted, match="own site"):
        register_collection(
            demo.database,
            stranger,
            case.id,
            CollectedBag(200, "ACD-A", end - timedelta(hours=1), end),
        )
    assert _events(demo.database) == before


def test_receiving_a_shipment_twice_and_releasing_twice(demo, tmp_path: Path) -> None:
    driver = JourneyDriver(demo.database, tmp_path, station="test-station")
    case = driver.enrol("T1", "Twice", "Tom", date(1970, 1, 1))
    driver.run_to(case, CaseStage.RELEASED)
    with demo.database.read_session() as session:
        inbound = session.scalar(
            select(Shipment).where(
                Shipment.case_id == case.id, Shipment.direction == ShipmentDirection.TO_MANUFACTURER
            )
        )
    assert inbound is not None
    before = _events(demo.database)
    with pytest.raises(ValidationFailed, match="not in transit"):
        complete_receipt(demo.database, driver.who("vera.verifier"), inbound.id, DEMO_PASSWORD)
    with pytest.raises(StageNotAllowed, match="Released"):
        certify_release(demo.database, driver.who("petra.qp"), case.id, DEMO_PASSWORD)
    assert _events(demo.database) == before


def test_wrong_password_on_a_signature_changes_nothing_but_the_failure_count(
    demo, tmp_path: Path
) -> None:
    driver = JourneyDriver(demo.database, tmp_path, station="test-station")
    case = driver.enrol("P1", "Password", "Pat", date(1970, 1, 1))
    driver.run_to(case, CaseStage.RECEIVED_AT_MANUFACTURER)
    from app.journey.manufacturing import start_manufacture  # noqa: PLC0415

    start_manufacture(demo.database, driver.who("otto.operator"), case.id)
    step = steps_of_case(demo.database, reader(demo.database), case.id)[0]
    with demo.database.read_session() as session:
        from app.journey.records import units_of_case  # noqa: PLC0415

        bag = units_of_case(session, case.id)[0]
    perform_step(
        demo.database,
        driver.who("otto.operator"),
        step.id,
        StepRecord((f"={bag.din}00",), {"bag_intact": True, "volume_ml": 240.0}),
    )
    with pytest.raises(CoiError, match=r"[Pp]assword"):
        verify_step(demo.database, driver.who("vera.verifier"), step.id, "not the password")
    assert (
        steps_of_case(demo.database, reader(demo.database), case.id)[0].status
        is StepStatus.PERFORMED
    )


def test_scanning_another_patients_unit_is_recorded_with_a_deviation(demo, tmp_path: Path) -> None:
    from app.journey.shipping import create_shipment, pack_unit  # noqa: PLC0415

    driver = JourneyDriver(demo.database, tmp_path, station="test-station")
    case = driver.enrol("S1", "Scan", "Sue", date(1970, 1, 1))
    other = driver.enrol("S2", "Other", "Oli", date(1971, 1, 1))
    other_bag = driver.collect(other)
    driver.run_to(case, CaseStage.COLLECTED)
    nurse = driver.who("alex.apheresis")
    shipment = create_shipment(demo.database, nurse, case.id, ShipmentDirection.TO_MANUFACTURER)
    with pytest.raises(ScanMismatch, match="WRONG PATIENT"):
        pack_unit(demo.database, nurse, shipment.id, f"={other_bag.din}00")
    with demo.database.read_session() as session:
        refused = session.scalars(select(Scan).where(Scan.outcome == ScanOutcome.MISMATCH)).all()
        assert len(refused) == 1 and refused[0].unit_id == other_bag.id
        deviation = session.scalar(select(Deviation).where(Deviation.scan_id == refused[0].id))
        assert deviation is not None and deviation.case_id == case.id
        assert session.scalar(select(func.count()).select_from(ShipmentItem)) == 0


@pytest.mark.postgres
def test_two_workstations_verify_the_same_step_at_once(demo, tmp_path: Path) -> None:
    if demo.database.backend != "postgresql":
        pytest.skip("overlapping transactions need PostgreSQL; SQLite serialises writers")
    driver = JourneyDriver(demo.database, tmp_path, station="test-station")
    case = driver.enrol("C1", "Concurrent", "Cal", date(1970, 1, 1))
    driver.run_to(case, CaseStage.RECEIVED_AT_MANUFACTURER)
    from app.journey.manufacturing import start_manufacture  # noqa: PLC0415
    from app.journey.records import units_of_case  # noqa: PLC0415

    start_manufacture(demo.database, driver.who("otto.operator"), case.id)
    step = steps_of_case(demo.database, reader(demo.database), case.id)[0]
    with demo.database.read_session() as session:
        bag = units_of_case(session, case.id)[0]
    perform_step(
        demo.database,
        driver.who("otto.operator"),
        step.id,
        StepRecord((f"={bag.din}00",), {"bag_intact": True, "volume_ml": 240.0}),
    )
    admin = authenticate(demo.database, "admin", PASSWORD, "test-station")
    with UnitOfWork(demo.database, admin) as uow:
        create_user(
            uow,
            username="val.second",
            full_name="Val Second",
            password=PASSWORD,
            roles=[Role.MFG_VERIFIER],
            site_code="CTF",
        )
        uow.commit()
    verifiers = [
        driver.who("vera.verifier"),
        authenticate(demo.database, "val.second", PASSWORD, "t2"),
    ]
    passwords = [DEMO_PASSWORD, PASSWORD]
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def verify(index: int) -> None:
        barrier.wait()
        try:
            outcomes.append(verify_step(demo.database, verifiers[index], step.id, passwords[index]))
        except CoiError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=verify, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [o for o in outcomes if isinstance(o, CoiError)]
    assert len(outcomes) == 2 and len(errors) == 1
    assert isinstance(errors[0], StaleRecord | ValidationFailed)
    assert (
        steps_of_case(demo.database, reader(demo.database), case.id)[0].status
        is StepStatus.VERIFIED
    )
