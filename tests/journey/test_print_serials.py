"""Every print has its own serial: a voided copy, or a print never issued here, is refused.

Hostile testers found that after a reprint the voided copy carried the same payload as the
reprint, and scanning it back was accepted. Each test prints real label PDFs, rasterises them
as a printer would, decodes the 2-D symbol and scans exactly what a scanner would send.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.clinic_sealing import opened_payload, opened_scan_text
from app.core.errors import ScanMismatch
from app.labelling.printing import print_unit_label
from app.labelling.records import confirm_label, labels_of_unit
from app.scanning import Expectation, verify_scan
from app.scanning.rules import TWO_D_NEEDED
from db.enums import LabelStatus, ScanOutcome
from db.models import Deviation, Label, Scan
from labels.scan import ScanResult
from tests.journey.test_label_printing import (
    REPRINT_REASON,
    _compound,
    _label_checks,
    _pdf_file,
    _read_symbols,
    _registered_bag,
    needs_poppler,
)
from tests.support.identity_keys import keys_of


def _two_d(scan: ScanResult) -> str:
    return (scan.symbology_identifier or "") + scan.data


def _deviation_of(database, scan_id) -> Deviation | None:
    with database.read_session() as session:
        return session.scalar(select(Deviation).where(Deviation.scan_id == scan_id))


@needs_poppler
def test_a_voided_print_is_refused_at_scan_back_and_at_the_scan_station(
    demo, tmp_path: Path
) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    case, bag = _registered_bag(demo)
    first = print_unit_label(db, alex, bag.id)
    second = print_unit_label(db, alex, bag.id, reprint_reason=REPRINT_REASON)
    voided = _compound(_read_symbols(_pdf_file(first, tmp_path / "first.pdf"))[1])
    current = _compound(_read_symbols(_pdf_file(second, tmp_path / "second.pdf"))[1])

    # Each print carries its own serial, recorded with the print; the rest is the same.
    assert first.label.serial and second.label.serial
    assert voided.fields["print_serial"] == first.label.serial != second.label.serial
    assert current.fields["print_serial"] == second.label.serial
    assert (voided.fields["din"], voided.fields["coi"]) == (bag.din, case.coi)
    assert second.two_d_scan == current.data
    stored = next(row.payload for row in _rows(db, bag.id) if row.id == second.label.id)
    assert json.loads(opened_payload(keys_of(db), second.label.id, stored)) == {
        "compound": current.data,
        "coi_barcode": f"&/{case.coi}",
        "din_barcode": f"={bag.din}00",
    }

    with pytest.raises(ScanMismatch) as refused:
        confirm_label(db, alex, bag.id, _two_d(voided))
    message = refused.value.message
    assert message.startswith("This label was voided on ")
    assert f" by {alex.full_name} (" in message
    assert f"(reprinted: {REPRINT_REASON}): use the current label." in message
    (check,) = _label_checks(db)
    assert check.outcome is ScanOutcome.MISMATCH  # the QR names the patient: sealed
    assert opened_scan_text(keys_of(db), check.id, check.raw_text) == _two_d(voided)
    assert check.mismatch_reason == message and check.unit_id == bag.id
    deviation = _deviation_of(db, check.id)
    assert deviation is not None and "voided" in deviation.description
    assert [v.status for v in labels_of_unit(db, bag.id)] == [
        LabelStatus.VOIDED,
        LabelStatus.ISSUED,
    ]

    station = Expectation(purpose="scan station", description="the case chosen", coi=case.coi)
    at_station = verify_scan(db, demo["cora.coordinator"], _two_d(voided), station)
    assert at_station.outcome is ScanOutcome.MISMATCH
    assert at_station.reasons == (message,)
    assert _deviation_of(db, at_station.scan_id) is not None
    matched = verify_scan(db, demo["cora.coordinator"], _two_d(current), station)
    assert matched.matched
    with db.read_session() as session:  # the case is taken from the unit found: the same case
        stored = session.get(Scan, matched.scan_id)
        assert stored is not None and stored.case_id == case.id and stored.unit_id == bag.id

    applied = confirm_label(db, alex, bag.id, _two_d(current))
    assert applied.id == second.label.id and applied.status is LabelStatus.APPLIED


def _rows(database, unit_id) -> list[Label]:
    with database.read_session() as session:
        return list(session.scalars(select(Label).where(Label.unit_id == unit_id)))


@needs_poppler
def test_after_a_reprint_scan_back_wants_the_2d_code_not_the_din(demo, tmp_path: Path) -> None:
    """The linear DIN is the same on every copy: once one is voided it proves nothing."""
    db, alex = demo.database, demo["alex.apheresis"]
    _case, bag = _registered_bag(demo)
    print_unit_label(db, alex, bag.id)
    second = print_unit_label(db, alex, bag.id, reprint_reason=REPRINT_REASON)

    with pytest.raises(ScanMismatch) as refused:
        confirm_label(db, alex, bag.id, second.din_scan)
    assert refused.value.message == TWO_D_NEEDED
    (check,) = _label_checks(db)
    assert check.outcome is ScanOutcome.MISMATCH and check.mismatch_reason == TWO_D_NEEDED
    assert _deviation_of(db, check.id) is None  # an instruction, not a wrong label
    assert refused.value.deviation_number is None

    current = _compound(_read_symbols(_pdf_file(second, tmp_path / "second.pdf"))[1])
    assert confirm_label(db, alex, bag.id, _two_d(current)).status is LabelStatus.APPLIED


def test_a_print_this_database_never_issued_is_refused(demo) -> None:
    db, alex = demo.database, demo["alex.apheresis"]
    case, bag = _registered_bag(demo)
    printed = print_unit_label(db, alex, bag.id)
    serial = printed.label.serial
    assert serial is not None and printed.two_d_scan.endswith(serial)
    forged = printed.two_d_scan[: -len(serial)] + "G1234" + "9" * 13

    with pytest.raises(ScanMismatch, match="never issued by this COI Tracker database"):
        confirm_label(db, alex, bag.id, forged)
    (check,) = _label_checks(db)
    assert check.outcome is ScanOutcome.MISMATCH and _deviation_of(db, check.id) is not None
    station = Expectation(purpose="scan station", description="the case chosen", coi=case.coi)
    assert not verify_scan(db, alex, forged, station).matched

    assert confirm_label(db, alex, bag.id, printed.two_d_scan).status is LabelStatus.APPLIED


def test_the_serial_of_another_containers_print_is_refused(demo) -> None:
    """A serial copied from another container's label onto this one's 2-D code."""
    db, alex = demo.database, demo["alex.apheresis"]
    _case, bag = _registered_bag(demo)
    _other_case, other_bag = _registered_bag(demo, "H0002", family="Other")
    printed = print_unit_label(db, alex, bag.id)
    other = print_unit_label(db, alex, other_bag.id)
    assert printed.label.serial and other.label.serial
    spliced = printed.two_d_scan.replace(printed.label.serial, other.label.serial)

    with pytest.raises(ScanMismatch, match="printed for another container"):
        confirm_label(db, alex, bag.id, spliced)


def test_a_first_print_is_still_applied_by_its_linear_din(demo) -> None:
    """No copy was voided, so the bench's linear scanner still verifies a first print."""
    db, alex = demo.database, demo["alex.apheresis"]
    _case, bag = _registered_bag(demo)
    printed = print_unit_label(db, alex, bag.id)
    assert confirm_label(db, alex, bag.id, printed.din_scan).status is LabelStatus.APPLIED
    with db.read_session() as session:
        (scan,) = session.scalars(select(Scan).where(Scan.purpose == "label check")).all()
    assert scan.outcome is ScanOutcome.MATCH
