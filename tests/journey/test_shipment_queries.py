"""What the receipt screen reads, on both backends: shipments arriving at the user's site, the
units each should hold, where the receipt stands, and a stored trace assessed as stored."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app.casefile.shipments import (
    ExpectedUnit,
    ReceiptOutcome,
    ShipmentStatus,
    SideState,
    Verdict,
    expected_units,
    receipt_status,
    shipments_for_receipt,
)
from app.coldchain.assessed import assessed_trace
from app.coldchain.records import import_logger_file
from app.core import sscc_text
from app.core.errors import NotFound
from app.demo.journey import write_logger_csv
from app.journey.shipping import (
    ShipmentView,
    attach_logger,
    complete_receipt,
    create_shipment,
    hand_over,
    pack_unit,
    receive_unit,
)
from app.journey.views import CaseView, UnitView
from db.enums import ShipmentDirection, UnitKind
from db.models import Shipment
from db.types import utc_now
from tests.journey.steps import DEMO_PASSWORD, collect, din_scan, enrol, label_shipper, new_id
from tests.support.readers import reader


def _ship(
    demo, hospital_number: str, bags: int = 1
) -> tuple[CaseView, list[UnitView], ShipmentView]:
    """Cora enrols, Alex collects, packs and hands the shipper to the courier."""
    db, alex = demo.database, demo["alex.apheresis"]
    case = enrol(demo, hospital_number=hospital_number)
    units = collect(demo, case, bags)
    shipment = create_shipment(db, alex, case.id, ShipmentDirection.TO_MANUFACTURER)
    for unit in units:
        pack_unit(db, alex, shipment.id, din_scan(unit))
    attach_logger(db, alex, shipment.id, "(8004)5901234LOG001")
    label_shipper(db, alex, shipment.id)
    shipment = hand_over(
        db, alex, shipment.id, courier_name="Sam Driver", courier_organisation="Cryo Couriers"
    )
    return case, units, shipment


def test_shipments_in_transit_are_listed_at_the_receiving_site_newest_first(demo) -> None:
    _, _, first = _ship(demo, "H0701")
    _, _, second = _ship(demo, "H0702")
    waiting_case = enrol(demo, hospital_number="H0703")
    collect(demo, waiting_case)
    still_open = create_shipment(
        demo.database, demo["alex.apheresis"], waiting_case.id, ShipmentDirection.TO_MANUFACTURER
    )

    listed = shipments_for_receipt(demo.database, demo["otto.operator"])

    assert [s.id for s in listed] == [second.id, first.id]
    assert still_open.id not in [s.id for s in listed]  # not handed over: nothing to receive
    assert all(s.status is ShipmentStatus.IN_TRANSIT for s in listed)
    assert shipments_for_receipt(demo.database, demo["vera.verifier"]) == listed
    assert shipments_for_receipt(demo.database, demo["cora.coordinator"]) == []  # the sender
    admin = dataclasses.replace(demo["otto.operator"], site_id=None, site_name=None)
    assert shipments_for_receipt(demo.database, admin) == []


def test_received_shipments_stay_on_the_list_for_30_days(demo) -> None:
    db = demo.database
    _, bags, shipment = _ship(demo, "H0711")
    receive_unit(db, demo["otto.operator"], shipment.id, din_scan(bags[0]))
    complete_receipt(db, demo["vera.verifier"], shipment.id, DEMO_PASSWORD)

    (listed,) = shipments_for_receipt(db, demo["otto.operator"])
    assert listed.id == shipment.id
    assert listed.status is ShipmentStatus.RECEIVED

    with db.write_session() as session, session.begin():
        session.execute(
            update(Shipment)
            .where(Shipment.id == shipment.id)
            .values(received_at=utc_now() - timedelta(days=31))
        )
    assert shipments_for_receipt(db, demo["otto.operator"]) == []


def test_expected_units_carry_outcome_and_side_state_but_no_patient_identity(demo) -> None:
    db = demo.database
    case, bags, shipment = _ship(demo, "H0721", bags=2)
    first, second = sorted(bags, key=lambda b: b.din or "")

    waiting = expected_units(db, shipment.id)
    assert [u.unit_id for u in waiting] == [first.id, second.id]
    assert waiting[0] == ExpectedUnit(
        unit_id=first.id,
        din=first.din,
        kind=UnitKind.APHERESIS_BAG,
        coi=case.coi,
        receipt_outcome=None,
        side_state=SideState.NONE,
        side_state_reason=None,
    )
    assert waiting[0].description == "Apheresis bag"
    fields = {f.name for f in dataclasses.fields(ExpectedUnit)}
    assert not fields & {"patient", "family_name", "given_name", "date_of_birth"}
    assert "Okafor" not in repr(waiting)

    receive_unit(db, demo["otto.operator"], shipment.id, din_scan(first))
    assert [u.receipt_outcome for u in expected_units(db, shipment.id)] == [
        ReceiptOutcome.RECEIVED,
        None,
    ]
    complete_receipt(db, demo["vera.verifier"], shipment.id, DEMO_PASSWORD)
    received, missing = expected_units(db, shipment.id)
    assert received.receipt_outcome is ReceiptOutcome.RECEIVED
    assert received.side_state is SideState.QUARANTINED
    assert (
        received.side_state_reason == f"received in {sscc_text(shipment.sscc)}; awaiting acceptance"
    )
    assert missing.receipt_outcome is ReceiptOutcome.MISSING

    with pytest.raises(NotFound):
        expected_units(db, new_id())


def test_receipt_status_names_the_people_and_what_blocks_acceptance(demo) -> None:
    db = demo.database
    _, bags, shipment = _ship(demo, "H0731")

    before = receipt_status(db, reader(db), shipment.id)
    assert before.from_site == "Northbridge University Hospital"
    assert before.received_by is None
    assert before.verified_by is None
    assert not before.verified
    assert before.blocking_reasons == (
        f"No data-logger file has been imported for {sscc_text(shipment.sscc)}.",
    )

    receive_unit(db, demo["otto.operator"], shipment.id, din_scan(bags[0]))
    complete_receipt(db, demo["vera.verifier"], shipment.id, DEMO_PASSWORD)
    after = receipt_status(db, reader(db), shipment.id)
    assert (after.received_by, after.verified_by) == ("Otto Operator", "Vera Verifier")
    assert after.verified
    assert after.shipment.receipt_accepted is not True
    assert after.units[0].side_state is SideState.QUARANTINED
    assert after.blocking_reasons[0].startswith("No data-logger file")


def test_the_stored_trace_is_assessed_exactly_as_when_it_was_imported(demo, tmp_path: Path) -> None:
    db = demo.database
    _, bags, shipment = _ship(demo, "H0741")
    receive_unit(db, demo["otto.operator"], shipment.id, din_scan(bags[0]))
    now = utc_now().replace(microsecond=0)
    logger = write_logger_csv(
        tmp_path / "logger.csv",
        start=now - timedelta(hours=6),
        end=now + timedelta(minutes=5),
        base_c=5.0,
        excursion=(timedelta(hours=2), timedelta(minutes=20), 9.5),
    )
    stored = import_logger_file(
        db, demo["otto.operator"], shipment.id, logger, window=(now - timedelta(hours=6), utc_now())
    )
    assert stored.verdict is Verdict.EXCURSION

    result = assessed_trace(db, reader(db), stored.id)

    assert len(result.trace) == stored.reading_count
    assert result.profile.name == "fresh-2-8"
    assert (result.profile.lower_c, result.profile.upper_c) == (2.0, 8.0)
    report = {k: v for k, v in stored.report.items() if k not in {"profile", "rows_read", "notes"}}
    assert result.assessment.to_report() == report
    with pytest.raises(NotFound):
        assessed_trace(db, reader(db), new_id())


def test_open_shipment_is_found_until_it_leaves(demo, tmp_path) -> None:
    from datetime import date  # noqa: PLC0415

    from app.casefile.shipments import ShipmentDirection, open_shipment  # noqa: PLC0415
    from app.demo.journey import JourneyDriver  # noqa: PLC0415
    from app.journey.shipping import create_shipment  # noqa: PLC0415
    from db.enums import CaseStage  # noqa: PLC0415

    driver = JourneyDriver(demo.database, tmp_path, station="test-station")
    case = driver.enrol("OS1", "Open", "Oscar", date(1970, 1, 1))
    driver.run_to(case, CaseStage.COLLECTED)
    nurse = driver.who("alex.apheresis")
    leg = ShipmentDirection.TO_MANUFACTURER
    assert open_shipment(demo.database, nurse, case.id, leg) is None
    created = create_shipment(demo.database, nurse, case.id, leg)
    found = open_shipment(demo.database, nurse, case.id, leg)
    assert found is not None and found.sscc == created.sscc
    assert open_shipment(demo.database, nurse, case.id, ShipmentDirection.TO_CLINIC) is None
