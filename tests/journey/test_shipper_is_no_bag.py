"""A shipper is a box with an SSCC, never a bag of the dose (issue 16), on both backends.

The finished demo journey sends a shipper on each leg, each recorded as a unit of kind
``shipper`` when its label is printed. Every place that lists a case's units is read here: the
case screen's genealogy names each shipper by its SSCC as GS1 writes it; the screens' lists
(collection, batch record, bedside, receipt), the custody report, the FHIR bundle and the EPCIS
document never count or offer one as a container of the dose, nor show an empty DIN.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from app.casefile import (
    batch_record_screen,
    bedside_screen,
    case_detail,
    collection_screen,
    receipt_status,
    units_of,
)
from app.exchange import export_epcis
from app.journey import units_of_case
from app.reports import build_bundle
from app.reports.custody_facts import read_custody_report
from db.enums import ShipmentDirection, UnitKind
from db.models import Shipment, Unit
from tests.support.finished_journey import (
    Journey,
    journey,
    journey_postgres_template,
    journey_sqlite_template,
)

__all__ = ["journey", "journey_postgres_template", "journey_sqlite_template"]

GROUPED_SSCC = re.compile(r"^\(00\) \d \d{7} \d{9} \d$")


def _shippers(journey: Journey) -> dict[str, str]:
    """The journey's shipper units (id → the SSCC of their shipment, 18 digits)."""
    with journey.database.read_session() as session:
        ids = session.scalars(
            select(Unit.id).where(Unit.case_id == journey.case_id, Unit.kind == UnitKind.SHIPPER)
        ).all()
        ssccs = session.scalars(
            select(Shipment.sscc).where(Shipment.case_id == journey.case_id)
        ).all()
    assert len(ids) == 2 and len(ssccs) == 2  # one shipper on each leg, both labelled
    return {str(i): s for i, s in zip(ids, ssccs, strict=True)}


def test_the_genealogy_names_each_shipper_by_its_sscc_never_as_a_bag(journey: Journey) -> None:
    _shippers(journey)
    detail = case_detail(journey.database, journey["asha.qa"], journey.case_id)
    shippers = [node for node in detail.genealogy if node.is_shipper]
    assert len(shippers) == 2
    for node in shippers:
        assert node.din is None and node.sscc is not None
        assert GROUPED_SSCC.match(node.sscc), node.sscc
        assert node.identifier_text == f"SSCC {node.sscc}"
        assert node.shipment_status == "received"
    for node in detail.genealogy:
        if not node.is_shipper:
            assert node.din and node.identifier_text.startswith("DIN ")


def test_no_screen_lists_or_offers_a_shipper_as_a_container(journey: Journey) -> None:
    _shippers(journey)
    db, case_id = journey.database, journey.case_id
    listed = units_of(db, journey["asha.qa"], case_id)
    assert listed and all(u.kind is not UnitKind.SHIPPER and u.din for u in listed)
    with db.read_session() as session:
        assert all(u.kind is not UnitKind.SHIPPER for u in units_of_case(session, case_id))
    collection = collection_screen(db, journey["alex.apheresis"], case_id)
    assert collection.bags and all(b.din for b in collection.bags)
    batch = batch_record_screen(db, journey["otto.operator"], case_id)
    assert all(u.kind is not UnitKind.SHIPPER for u in batch.units.values())
    bedside = bedside_screen(db, journey["ian.infusion"], case_id)
    assert bedside.bags and all(b.kind is UnitKind.FINAL_PRODUCT_BAG for b in bedside.bags)
    with db.read_session() as session:
        legs = session.execute(
            select(Shipment.id, Shipment.direction).where(Shipment.case_id == case_id)
        ).all()
    for shipment_id, direction in legs:
        receiver = "ian.infusion" if direction is ShipmentDirection.TO_CLINIC else "otto.operator"
        status = receipt_status(db, journey[receiver], shipment_id)
        assert status.units and all(u.din for u in status.units)


def test_reports_never_count_a_shipper_as_a_container_of_the_dose(journey: Journey) -> None:
    shippers = _shippers(journey)
    db, qa = journey.database, journey["asha.qa"]
    with db.read_session() as session:
        report = read_custody_report(session, qa, journey.case_id)
        dose = len(units_of_case(session, journey.case_id))
    assert len(report.units) == dose
    assert all(line.kind != "Shipper" and line.din != "—" for line in report.units)
    finals = [u for u in units_of(db, qa, journey.case_id) if u.kind is UnitKind.FINAL_PRODUCT_BAG]
    bundle = build_bundle(db, qa, journey.case_id)
    assert bundle.products == len(finals)
    assert '"Shipper"' not in bundle.json
    document = export_epcis(db, qa, coi=journey.coi).document
    text = json.dumps(document)
    for sscc in shippers.values():
        assert f"/00/{sscc}" in text  # each shipper is named as what it is: its SSCC
    assert re.search(r"/din/\"|din/None", text) is None  # no unit without a DIN as an EPC
