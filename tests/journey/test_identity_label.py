"""The clinic's patient-identity label on each final bag: printed at the clinic from the clinic's
sealed identity, scanned back against the bag, and every way of applying the wrong one refused.

On SQLite and PostgreSQL (each print, void and scan-back writes; the journey to the clinic is
built once per run and backend, tests/support/clinic_receipt.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core import NotPermitted, ScanMismatch, ValidationFailed
from app.labelling import (
    confirm_identity_label,
    identity_label_state,
    print_identity_label,
)
from app.labelling.printing import PrintedLabel
from db.enums import LabelStatus, ScanOutcome
from db.models import Deviation, Label, Scan, Unit
from labels.decode import decode_image
from labels.scan import parse_scan
from tests.support.clinic_receipt import (
    PATIENT,
    ClinicReceipt,
    clinic_receipt,
    clinic_receipt_template,
)

__all__ = ["clinic_receipt", "clinic_receipt_template"]

needs_poppler = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftoppm", "pdftotext")),
    reason="poppler-utils (pdftoppm, pdftotext) is not installed",
)
NURSE = "ivy.infusion"


def _din_scan(receipt: ClinicReceipt, unit_id: uuid.UUID) -> str:
    with receipt.database.read_session() as session:
        din = session.scalar(select(Unit.din).where(Unit.id == unit_id))
    return f"]C0={din}00"


def _label(receipt: ClinicReceipt, label_id: uuid.UUID) -> Label:
    with receipt.database.read_session() as session:
        row = session.get(Label, label_id)
        assert row is not None
        return row


def _identity_labels(receipt: ClinicReceipt, unit_id: uuid.UUID) -> list[Label]:
    with receipt.database.read_session() as session:
        return list(
            session.scalars(
                select(Label)
                .where(Label.unit_id == unit_id, Label.template == "patient_identity")
                .order_by(Label.printed_at)
            )
        )


def _product_two_d(receipt: ClinicReceipt, unit_id: uuid.UUID) -> str:
    """The 2-D code of the bag's applied product label (printed at the manufacturer)."""
    with receipt.database.read_session() as session:
        payload = session.scalar(
            select(Label.payload).where(
                Label.unit_id == unit_id,
                Label.template == "final_bag",
                Label.status == LabelStatus.APPLIED,
            )
        )
    assert payload is not None
    return "]Q1" + json.loads(payload)["compound"]


def _deviations(receipt: ClinicReceipt) -> int:
    with receipt.database.read_session() as session:
        return int(session.scalar(select(func.count()).select_from(Deviation)) or 0)


def _linear(printed: PrintedLabel) -> str:
    return "]C0" + printed.din_scan


@needs_poppler
def test_the_clinic_prints_the_identity_label_and_applies_it_on_the_bag(
    clinic_receipt: ClinicReceipt, tmp_path: Path
) -> None:
    db, ivy = clinic_receipt.database, clinic_receipt[NURSE]
    bag = clinic_receipt.facts.bags[0]
    printed = print_identity_label(db, ivy, bag)

    assert printed.page_size_mm == (80, 42)
    pdf = tmp_path / "identity.pdf"
    pdf.write_bytes(printed.pdf)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    mrn, family, given, _born = PATIENT
    assert f"{family.upper()}, {given}" in text and mrn in text and "21 JUN 1979" in text
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", str(pdf), str(tmp_path / "identity")],
        check=True,
    )
    symbols = decode_image(tmp_path / "identity.png").symbols
    codes = {s.format: (s.symbology_identifier or "") + s.text for s in symbols}
    assert set(codes) == {"Code128", "QRCode"}
    linear, two_d = parse_scan(codes["Code128"]), parse_scan(codes["QRCode"])
    assert linear.fields["print_serial"] == printed.label.serial  # its own print, linearly
    assert two_d.fields["print_serial"] == printed.label.serial
    assert two_d.fields["coi"] == clinic_receipt.facts.coi and "din" in two_d.fields
    for code in codes.values():  # the codes link the bag and the case, never the identity
        assert mrn not in code and "1979" not in code and family.upper() not in code.upper()
    stored = _label(clinic_receipt, printed.label.id)
    assert mrn not in stored.payload and family not in stored.payload  # sealed at rest
    assert not identity_label_state(db, ivy, bag).applied

    applied = confirm_identity_label(db, ivy, bag, _din_scan(clinic_receipt, bag), codes["Code128"])

    assert applied.status is LabelStatus.APPLIED
    assert identity_label_state(db, ivy, bag).applied
    with db.read_session() as session:
        checks = session.scalars(
            select(Scan).where(Scan.purpose == "identity label check").order_by(Scan.recorded_at)
        ).all()
    assert [c.outcome for c in checks] == [ScanOutcome.MATCH, ScanOutcome.MATCH]
    assert checks[1].label_id == printed.label.id and checks[1].unit_id == bag


def test_another_bags_identity_label_is_refused_and_opens_a_deviation(
    clinic_receipt: ClinicReceipt,
) -> None:
    db, ivy = clinic_receipt.database, clinic_receipt[NURSE]
    first, second = clinic_receipt.facts.bags
    theirs = print_identity_label(db, ivy, first)
    ours = print_identity_label(db, ivy, second)
    deviations = _deviations(clinic_receipt)

    for code in (_linear(theirs), "]Q1" + theirs.two_d_scan):
        with pytest.raises(ScanMismatch) as refused:
            confirm_identity_label(db, ivy, second, _din_scan(clinic_receipt, second), code)
        assert not refused.value.unreadable
        assert "another container" in str(refused.value) or "not one of" in str(refused.value)

    assert _label(clinic_receipt, ours.label.id).status is LabelStatus.ISSUED
    assert _label(clinic_receipt, theirs.label.id).status is LabelStatus.ISSUED
    assert _deviations(clinic_receipt) == deviations + 2
    # The right one still applies afterwards.
    confirm_identity_label(db, ivy, second, _din_scan(clinic_receipt, second), _linear(ours))
    assert _label(clinic_receipt, ours.label.id).status is LabelStatus.APPLIED


def test_a_voided_identity_label_is_refused_and_a_second_print_needs_a_reason(
    clinic_receipt: ClinicReceipt,
) -> None:
    db, ivy = clinic_receipt.database, clinic_receipt[NURSE]
    bag = clinic_receipt.facts.bags[0]
    old = print_identity_label(db, ivy, bag)

    with pytest.raises(ValidationFailed, match="a reprint needs a reason"):
        print_identity_label(db, ivy, bag)  # printed twice
    assert len(_identity_labels(clinic_receipt, bag)) == 1

    new = print_identity_label(db, ivy, bag, reprint_reason="Smudged by the thaw bath")
    assert _label(clinic_receipt, old.label.id).status is LabelStatus.VOIDED
    for code in (_linear(old), "]Q1" + old.two_d_scan):
        with pytest.raises(ScanMismatch, match="This label was voided on"):
            confirm_identity_label(db, ivy, bag, _din_scan(clinic_receipt, bag), code)

    confirm_identity_label(db, ivy, bag, _din_scan(clinic_receipt, bag), _linear(new))
    statuses = [row.status for row in _identity_labels(clinic_receipt, bag)]
    assert statuses == [LabelStatus.VOIDED, LabelStatus.APPLIED]


def test_only_the_identity_label_of_this_bag_itself_applies(
    clinic_receipt: ClinicReceipt,
) -> None:
    """Neither the bag's own product label, nor the identity label scanned as the bag, nor
    another patient's bag counts."""
    db, ivy = clinic_receipt.database, clinic_receipt[NURSE]
    bag = clinic_receipt.facts.bags[0]
    printed = print_identity_label(db, ivy, bag)
    bag_scan = _din_scan(clinic_receipt, bag)

    with pytest.raises(ScanMismatch, match="not the label you are applying"):
        confirm_identity_label(db, ivy, bag, bag_scan, bag_scan)  # the bag twice
    with pytest.raises(ScanMismatch, match="product label, not the label you are applying"):
        confirm_identity_label(db, ivy, bag, bag_scan, _product_two_d(clinic_receipt, bag))
    with pytest.raises(ScanMismatch, match="That is an identity label, not the bag"):
        confirm_identity_label(db, ivy, bag, "]Q1" + printed.two_d_scan, _linear(printed))
    other = f"]C0={clinic_receipt.facts.other_bag_din}00"
    with pytest.raises(ScanMismatch, match="WRONG PATIENT"):
        confirm_identity_label(db, ivy, bag, other, _linear(printed))
    with pytest.raises(ScanMismatch) as unreadable:
        confirm_identity_label(db, ivy, bag, bag_scan, "\x00\x01 garbage")
    assert unreadable.value.unreadable

    assert _label(clinic_receipt, printed.label.id).status is LabelStatus.ISSUED


def test_the_manufacturer_never_prints_the_identity_label(clinic_receipt: ClinicReceipt) -> None:
    db = clinic_receipt.database
    bag = clinic_receipt.facts.bags[0]
    for username in ("otto.operator", "petra.qp"):
        with pytest.raises(NotPermitted):
            print_identity_label(db, clinic_receipt[username], bag)
    assert _identity_labels(clinic_receipt, bag) == []
