"""The inbound shipper (clinic → manufacturer) on both backends: its label printed, scanned back
onto its own box, and the hand-over refused without it — with the labels that try to pass."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.casefile.history import case_timeline
from app.core.errors import ScanMismatch, ValidationFailed
from app.journey.enrolment import find_case
from app.journey.shipping import attach_logger, create_shipment, hand_over, pack_unit
from app.labelling import apply_shipper_label, print_shipper_label
from app.labelling.records import void_label
from db.enums import CaseStage, LabelStatus, ScanOutcome, ShipmentDirection, UnitKind
from db.models import Label, Scan, Unit
from tests.journey.steps import collect, din_scan, enrol


def _packed(demo, hospital_number: str, family: str = "Okafor"):
    """A collected case whose inbound shipper is packed and has its logger."""
    db, alex = demo.database, demo["alex.apheresis"]
    case = enrol(demo, hospital_number=hospital_number, family=family)
    bag = collect(demo, case)[0]
    shipment = create_shipment(db, alex, case.id, ShipmentDirection.TO_MANUFACTURER)
    pack_unit(db, alex, shipment.id, din_scan(bag))
    attach_logger(db, alex, shipment.id, f"(8004)5901234LOG{shipment.sscc[-6:]}")
    return case, bag, shipment


def _hand_over(demo, shipment_id):
    return hand_over(
        demo.database,
        demo["alex.apheresis"],
        shipment_id,
        courier_name="Sam Driver",
        courier_organisation="Cryo Couriers",
    )


def test_the_inbound_hand_over_waits_for_the_shipper_label_scanned_back(demo) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    case, _bag, shipment = _packed(demo, "H0720")
    with pytest.raises(ValidationFailed, match="Print the shipper label"):
        _hand_over(demo, shipment.id)
    printed = print_shipper_label(db, alex, shipment.id)
    assert printed.page_size_mm == (100, 150)
    with pytest.raises(ValidationFailed, match="Scan the shipper label"):
        _hand_over(demo, shipment.id)
    applied = apply_shipper_label(db, alex, shipment.id, f"]C100{shipment.sscc}")
    assert applied.status is LabelStatus.APPLIED
    view = _hand_over(demo, shipment.id)
    assert view.labelled and view.label_scanned
    with db.read_session() as session:
        shipper = session.scalars(
            select(Unit).where(Unit.case_id == case.id, Unit.kind == UnitKind.SHIPPER)
        ).one()
        assert shipper.din is None  # a shipper is no bag: it has an SSCC, never a DIN


def test_another_shipments_shipper_label_is_refused_on_this_shipper(demo) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    _case, _bag, mine = _packed(demo, "H0721")
    _other_case, _other_bag, theirs = _packed(demo, "H0722", family="Berg")
    print_shipper_label(db, alex, mine.id)
    their_label = print_shipper_label(db, alex, theirs.id)
    with pytest.raises(ScanMismatch, match="another shipper"):
        apply_shipper_label(db, alex, mine.id, f"(00){theirs.sscc}")
    with pytest.raises(ScanMismatch, match="not printed for shipper"):
        apply_shipper_label(db, alex, mine.id, their_label.two_d_scan)
    with pytest.raises(ValidationFailed, match="Scan the shipper label"):
        _hand_over(demo, mine.id)
    with db.read_session() as session:
        refused = session.scalars(
            select(Scan).where(Scan.purpose == "shipper label", Scan.outcome != ScanOutcome.MATCH)
        ).all()
        assert len(refused) == 2  # each refusal is on record


def test_a_voided_shipper_label_is_refused_and_only_the_current_one_counts(demo) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    case, bag, shipment = _packed(demo, "H0723")
    first = print_shipper_label(db, alex, shipment.id)
    apply_shipper_label(db, alex, shipment.id, f"(00){shipment.sscc}")
    void_label(db, alex, first.label.id, "torn in packing")
    with pytest.raises(ValidationFailed, match="Print the shipper label"):
        _hand_over(demo, shipment.id)
    again = print_shipper_label(db, alex, shipment.id, reprint_reason="torn in packing")
    with pytest.raises(ScanMismatch, match="voided"):
        apply_shipper_label(db, alex, shipment.id, first.two_d_scan)
    with pytest.raises(ScanMismatch, match="2-D code of the current label"):
        apply_shipper_label(db, alex, shipment.id, f"(00){shipment.sscc}")
    with pytest.raises(ValidationFailed, match="Scan the shipper label"):
        _hand_over(demo, shipment.id)
    with pytest.raises(ScanMismatch, match="not a shipper label"):
        apply_shipper_label(db, alex, shipment.id, din_scan(bag))
    apply_shipper_label(db, alex, shipment.id, again.two_d_scan)
    _hand_over(demo, shipment.id)
    with db.read_session() as session:
        statuses = sorted(
            label.status.value
            for label in session.scalars(
                select(Label).join(Unit).where(Unit.case_id == case.id, Unit.kind == "shipper")
            )
        )
    assert statuses == ["applied", "voided"]


def test_a_reprint_after_the_scan_back_needs_its_own_scan(demo) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    case, _bag, shipment = _packed(demo, "H0724")
    print_shipper_label(db, alex, shipment.id)
    apply_shipper_label(db, alex, shipment.id, f"(00){shipment.sscc}")
    again = print_shipper_label(db, alex, shipment.id, reprint_reason="smudged")
    with pytest.raises(ValidationFailed, match="Scan the shipper label"):
        _hand_over(demo, shipment.id)
    apply_shipper_label(db, alex, shipment.id, again.two_d_scan)
    assert _hand_over(demo, shipment.id).courier_name == "Sam Driver"
    assert find_case(db, demo["otto.operator"], case.id).stage is CaseStage.SHIPPED_TO_MANUFACTURER


def test_the_case_history_shows_who_handed_over_to_which_courier(demo) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    case, _bag, shipment = _packed(demo, "H0725")
    print_shipper_label(db, alex, shipment.id)
    apply_shipper_label(db, alex, shipment.id, f"(00){shipment.sscc}")
    _hand_over(demo, shipment.id)
    (entry,) = [
        e
        for e in case_timeline(db, demo["cora.coordinator"], case.id)
        if e.action == "handed over to courier"
    ]
    assert entry.performed_by == alex.full_name
    assert entry.details == {
        "sscc": shipment.sscc,
        "courier": "Sam Driver",
        "courier_company": "Cryo Couriers",
    }
