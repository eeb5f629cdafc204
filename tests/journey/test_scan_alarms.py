"""Acknowledging a scan alarm is a record: one audit event naming the person, the refused scan
and its deviation; refused clearly for a scan that is not on record or raised no alarm."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.access.users import authenticate
from app.core.actor import Actor
from app.core.audit_verify import verify_database
from app.core.errors import NotFound, NotPermitted, ScanMismatch, ValidationFailed
from app.core.unit_of_work import UnitOfWork
from app.labelling.records import confirm_label, issue_label
from app.scanning.alarms import ACKNOWLEDGE, acknowledge_scan_refusal, scan_acknowledgement
from app.scanning.rules import Expectation
from app.scanning.service import verify_scan
from db.enums import ScanOutcome
from db.models import AuditEvent, Deviation, Scan, Unit
from tests.conftest import PASSWORD
from tests.journey.steps import collect, din_scan, enrol, new_id


def _events(database) -> list[AuditEvent]:
    with database.read_session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _acknowledgements(database, scan_id) -> list[AuditEvent]:
    return [
        event
        for event in _events(database)
        if event.action == ACKNOWLEDGE and event.record_id == str(scan_id)
    ]


def _station_expectation(coi: str) -> Expectation:
    return Expectation(purpose="scan station", description="the case chosen", coi=coi)


def test_a_wrong_container_alarm_is_acknowledged_on_record_by_the_person(demo) -> None:
    case, other = enrol(demo, "H0001"), enrol(demo, "H0002", family="Other")
    [bag] = collect(demo, case)
    [other_bag] = collect(demo, other)
    alex = demo["alex.apheresis"]
    with UnitOfWork(demo.database, alex) as uow:
        row = uow.session.get(Unit, bag.id)
        assert row is not None
        issue_label(uow, row, template="test", payload="{}", printer_name="test printer")
        uow.commit()

    # The label check refuses another patient's bag; the refusal names its scan and deviation.
    with pytest.raises(ScanMismatch) as refused:
        confirm_label(demo.database, alex, bag.id, din_scan(other_bag))
    mismatch = refused.value
    assert mismatch.scan_id is not None and mismatch.deviation_number is not None
    with demo.database.read_session() as session:
        scan = session.get(Scan, mismatch.scan_id)
        assert scan is not None and scan.outcome is ScanOutcome.MISMATCH
        deviation = session.scalar(select(Deviation).where(Deviation.scan_id == scan.id))
        assert deviation is not None and deviation.number == mismatch.deviation_number
    assert scan_acknowledgement(demo.database, mismatch.scan_id) is None

    before = len(_events(demo.database))
    done = acknowledge_scan_refusal(
        demo.database, alex, mismatch.scan_id, note="  Bag set aside for QA.  "
    )
    assert done.scan_id == mismatch.scan_id
    assert done.outcome is ScanOutcome.MISMATCH
    assert done.deviation_number == mismatch.deviation_number
    assert (done.username, done.full_name) == ("alex.apheresis", "Alex Apheresis")
    assert done.station == "test-station"
    assert done.note == "Bag set aside for QA."
    events = _events(demo.database)
    assert len(events) == before + 1  # one event, no row change
    [event] = _acknowledgements(demo.database, mismatch.scan_id)
    assert event is not None and event.seq == events[-1].seq
    assert (event.record_type, event.user_id) == ("scan", str(alex.user_id))
    assert event.username == "alex.apheresis"
    assert json.loads(event.new_values) == {
        "acknowledged_by": "Alex Apheresis",
        "deviation": mismatch.deviation_number,
        "outcome": "mismatch",
    }
    assert event.reason == "Bag set aside for QA."
    assert done.acknowledged_at == event.at
    assert scan_acknowledgement(demo.database, mismatch.scan_id) == done

    # Once acknowledged, acknowledging again (a retry, a second screen) writes nothing.
    again = acknowledge_scan_refusal(demo.database, demo["ana.apheresis"], mismatch.scan_id)
    assert again == done
    assert len(_events(demo.database)) == before + 1
    assert verify_database(demo.database).ok


def test_an_unreadable_scan_is_acknowledged_without_a_deviation(demo) -> None:
    case = enrol(demo)
    otto = demo["otto.operator"]
    verdict = verify_scan(demo.database, otto, "HELLO-WORLD", _station_expectation(case.coi))
    assert verdict.outcome is ScanOutcome.UNREADABLE and verdict.deviation_number is None
    done = acknowledge_scan_refusal(demo.database, otto, verdict.scan_id)
    assert done.outcome is ScanOutcome.UNREADABLE
    assert done.deviation_number is None and done.note is None
    [event] = _acknowledgements(demo.database, verdict.scan_id)
    assert json.loads(event.new_values)["deviation"] is None
    assert event.reason is None


def test_a_station_mismatch_names_its_deviation(demo) -> None:
    case, other = enrol(demo, "H0001"), enrol(demo, "H0002", family="Other")
    [other_bag] = collect(demo, other)
    otto = demo["otto.operator"]
    verdict = verify_scan(demo.database, otto, din_scan(other_bag), _station_expectation(case.coi))
    assert verdict.outcome is ScanOutcome.MISMATCH
    with demo.database.read_session() as session:
        number = session.scalar(
            select(Deviation.number).where(Deviation.scan_id == verdict.scan_id)
        )
    assert number is not None and verdict.deviation_number == number
    assert acknowledge_scan_refusal(demo.database, otto, verdict.scan_id).deviation_number == number


def test_acknowledging_what_raised_no_alarm_is_refused_and_records_nothing(demo) -> None:
    case = enrol(demo)
    [bag] = collect(demo, case)
    otto = demo["otto.operator"]
    matched = verify_scan(demo.database, otto, din_scan(bag), _station_expectation(case.coi))
    assert matched.matched
    unreadable = verify_scan(demo.database, otto, "HELLO", _station_expectation(case.coi))
    admin = authenticate(demo.database, "admin", PASSWORD, "test-station")  # a sign-in event
    before = len(_events(demo.database))

    unknown = new_id()
    with pytest.raises(NotFound, match=f"No scan {unknown} is on record") as missing:
        acknowledge_scan_refusal(demo.database, otto, unknown)
    assert "Nothing was recorded" in missing.value.message
    with pytest.raises(ValidationFailed, match="matched what the screen expected"):
        acknowledge_scan_refusal(demo.database, otto, matched.scan_id)
    with pytest.raises(ValidationFailed, match="keep it to 2000"):
        acknowledge_scan_refusal(demo.database, otto, unreadable.scan_id, note="x" * 2001)
    with pytest.raises(NotPermitted, match="acknowledge a scan alarm"):
        acknowledge_scan_refusal(demo.database, admin, unreadable.scan_id)
    with pytest.raises(NotPermitted):
        acknowledge_scan_refusal(demo.database, Actor.system("test-station"), unreadable.scan_id)
    with demo.database.read_session() as session:
        count = session.scalar(select(func.count()).select_from(AuditEvent))
    assert count == before
    assert scan_acknowledgement(demo.database, unreadable.scan_id) is None
    assert scan_acknowledgement(demo.database, unknown) is None
