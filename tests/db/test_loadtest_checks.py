"""The load test's own controls, attacked: the exactly-once check sees a lost, a duplicated and
an unacknowledged write and a row deleted behind the app, and the load test refuses a database
that holds anything."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete

from app.access import authenticate
from app.core import ValidationFailed
from app.demo import DEMO_PASSWORD, JourneyDriver
from app.journey import attach_logger, create_shipment
from app.loadtest import Ack, Acknowledged, check_exactly_once, refuse_non_empty
from app.loadtest.operations import SCAN_STATION, StationWork, scan_check
from db.enums import ShipmentDirection
from db.models import Scan
from tests.conftest import Demo

STATION = "load-t-01"


def _work(demo: Demo, tmp_path: Path) -> tuple[StationWork, uuid.UUID]:
    """A station with one labelled bag (made at another station) and an open shipment."""
    setup = JourneyDriver(demo.database, tmp_path, station=f"{STATION}-setup")
    case = setup.enrol("LT0001", "Loadcheck", "Ada", date(1961, 6, 1))
    bag = setup.collect(case)
    assert bag.din is not None
    people = {
        name: authenticate(demo.database, name, DEMO_PASSWORD, STATION)
        for name in ("alex.apheresis", "asha.qa")
    }
    work = StationWork(demo.database, "T01", 1, people, bags=[(bag.din, case.coi)])
    shipment = create_shipment(
        demo.database, setup.who("alex.apheresis"), case.id, ShipmentDirection.TO_MANUFACTURER
    )
    return work, shipment.id


def _scan(work: StationWork) -> Acknowledged:
    op = scan_check(work)
    ack = op.ack(op.call())
    assert ack is not None
    return Acknowledged(STATION, ack)


def test_every_acknowledged_write_stored_once_passes(demo: Demo, tmp_path: Path) -> None:
    work, _shipment = _work(demo, tmp_path)
    acks = [_scan(work), _scan(work)]
    found = check_exactly_once(demo.database, [STATION], acks)
    assert found.ok and found.acknowledged_writes == 2
    assert (found.lost, found.duplicated, found.unacknowledged, found.rows_missing) == (0, 0, 0, 0)
    assert found.as_dict() == {
        "checked": True,
        "ok": True,
        "acknowledged_writes": 2,
        "lost": 0,
        "duplicated": 0,
        "unacknowledged": 0,
        "rows_missing": 0,
        "examples": [],
    }


def test_an_acknowledged_write_that_is_not_stored_is_lost(demo: Demo, tmp_path: Path) -> None:
    work, _shipment = _work(demo, tmp_path)
    never = Ack("scan", "scan matched", str(uuid.uuid4()), scope=SCAN_STATION)
    found = check_exactly_once(
        demo.database, [STATION], [_scan(work), Acknowledged(STATION, never)]
    )
    assert not found.ok and found.lost == 1 and found.duplicated == 0
    assert any("acknowledged, not stored" in e for e in found.examples)


def test_a_write_stored_twice_for_one_acknowledgement_is_duplicated(
    demo: Demo, tmp_path: Path
) -> None:
    work, shipment_id = _work(demo, tmp_path)
    nurse = work.who("alex.apheresis")
    giai = "(8004)5901234LOG000001"
    view = attach_logger(demo.database, nurse, shipment_id, giai)
    attach_logger(demo.database, nurse, shipment_id, giai[:-1] + "2")  # landed twice
    once = Acknowledged(STATION, Ack("shipment", "attach logger", str(view.id)))
    found = check_exactly_once(demo.database, [STATION], [once])
    assert not found.ok and found.duplicated == 1 and found.lost == 0
    assert any("stored 2 times" in e for e in found.examples)


def test_a_write_stored_without_an_acknowledgement_is_caught(demo: Demo, tmp_path: Path) -> None:
    work, _shipment = _work(demo, tmp_path)
    acknowledged = _scan(work)
    scan_check(work).call()  # stored, but the station reported it failed: never acknowledged
    found = check_exactly_once(demo.database, [STATION], [acknowledged])
    assert not found.ok and found.unacknowledged == 1 and found.lost == 0
    assert any("never acknowledged" in e for e in found.examples)


def test_the_load_test_refuses_a_database_that_holds_anything(database_url: str) -> None:
    with pytest.raises(ValidationFailed, match=r"not empty .* runs only on a new, empty database"):
        refuse_non_empty(database_url)


def test_an_acknowledged_write_whose_row_was_deleted_behind_the_app_is_missing(
    demo: Demo, tmp_path: Path
) -> None:
    work, _shipment = _work(demo, tmp_path)
    kept, deleted = _scan(work), _scan(work)
    assert deleted.ack.record_id is not None
    with demo.database.engine.begin() as connection:  # a direct SQL edit: the event stays
        connection.execute(delete(Scan).where(Scan.id == uuid.UUID(deleted.ack.record_id)))
    found = check_exactly_once(demo.database, [STATION], [kept, deleted])
    assert not found.ok and found.rows_missing == 1 and found.lost == 0
    assert any("its row is not" in e for e in found.examples)
