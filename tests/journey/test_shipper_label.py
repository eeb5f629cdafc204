"""The outbound shipper label: printed and recorded as a unit label, required for hand-over.

One released case, driven once per run on SQLite and on PostgreSQL and copied per test
(tests/support/released_case.py); each test opens the outbound shipper, packs the final bags and
scans the logger, then tries to hand over.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from app.core import (
    Actor,
    Database,
    ScanMismatch,
    ValidationFailed,
    din_text,
    sscc_text,
)
from app.journey import attach_logger, create_shipment, hand_over, pack_unit
from app.labelling import apply_shipper_label, print_shipper_label
from app.labelling.records import void_label
from app.reports import save_manifest
from db.enums import LabelStatus, ShipmentDirection
from labels.isbt128 import parse_din
from tests.support.pdf_words import plain
from tests.support.released_case import PATIENT, Released, released, released_source

__all__ = ["released", "released_source"]


@dataclass(frozen=True)
class Packed:
    """A copy of the released case's database, with its outbound shipper packed."""

    database: Database
    operator: Actor
    shipment_id: uuid.UUID
    sscc: str
    dins: tuple[str, ...]


@pytest.fixture
def packed(released: Released) -> Iterator[Packed]:
    database = released.demo.database
    operator = released.demo["otto.operator"]
    shipment = create_shipment(database, operator, released.case_id, ShipmentDirection.TO_CLINIC)
    for din in released.dins:
        pack_unit(database, operator, shipment.id, f"={din}00")
    attach_logger(database, operator, shipment.id, f"(8004)4012345LOG{shipment.sscc[-6:]}")
    yield Packed(database, operator, shipment.id, shipment.sscc, released.dins)


def _hand_over(packed: Packed) -> None:
    hand_over(
        packed.database,
        packed.operator,
        packed.shipment_id,
        courier_name="Sam Driver",
        courier_organisation="Cryo Couriers Ltd",
    )


def _decoded(pdf: bytes, folder: Path) -> list[str]:
    """Every bar code read from the label PDF rasterised at 300 dpi."""
    source = folder / "shipper.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", str(source), str(folder / "shipper")],
        check=True,
    )
    with Image.open(folder / "shipper.png") as image:
        return [b.text for b in zxingcpp.read_barcodes(image)]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm renders the label")
def test_hand_over_waits_for_the_shipper_label_whose_sscc_scans(
    packed: Packed, tmp_path: Path
) -> None:
    with pytest.raises(ValidationFailed, match="Print the shipper label"):
        _hand_over(packed)
    printed = print_shipper_label(packed.database, packed.operator, packed.shipment_id)
    assert printed.page_size_mm == (100, 150)
    assert printed.label.template == "shipper"
    codes = _decoded(printed.pdf, tmp_path)
    assert f"(00){packed.sscc}" in codes  # read as GS1-128: AI (00), the 18-digit SSCC
    with pytest.raises(ValidationFailed, match="Scan the shipper label"):
        _hand_over(packed)  # printed is not yet on the box: its SSCC is scanned back (C723)
    scanned = apply_shipper_label(
        packed.database, packed.operator, packed.shipment_id, f"(00){packed.sscc}"
    )
    assert scanned.status is LabelStatus.APPLIED
    _hand_over(packed)


def test_a_voided_shipper_label_does_not_count_and_a_reprint_needs_a_reason(
    packed: Packed,
) -> None:
    first = print_shipper_label(packed.database, packed.operator, packed.shipment_id)
    with pytest.raises(ValidationFailed, match="reprint needs a reason"):
        print_shipper_label(packed.database, packed.operator, packed.shipment_id)
    void_label(packed.database, packed.operator, first.label.id, "torn")
    with pytest.raises(ValidationFailed, match="Print the shipper label"):
        _hand_over(packed)
    again = print_shipper_label(
        packed.database, packed.operator, packed.shipment_id, reprint_reason="torn"
    )
    assert again.label.id != first.label.id
    with pytest.raises(ScanMismatch, match="voided"):
        apply_shipper_label(packed.database, packed.operator, packed.shipment_id, first.two_d_scan)
    apply_shipper_label(packed.database, packed.operator, packed.shipment_id, again.two_d_scan)
    _hand_over(packed)
    with pytest.raises(ValidationFailed, match="already left"):
        print_shipper_label(
            packed.database, packed.operator, packed.shipment_id, reprint_reason="again"
        )


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext reads the manifest")
def test_the_manifest_lists_every_packed_din_and_the_sscc_but_no_patient(
    packed: Packed, tmp_path: Path
) -> None:
    saved = save_manifest(
        packed.database, packed.operator, packed.shipment_id, tmp_path / "manifest.pdf"
    )
    pages = subprocess.run(
        ["pdfinfo", str(saved.path)], check=True, capture_output=True, text=True
    ).stdout
    assert re.search(r"^Pages:\s+1$", pages, re.MULTILINE), pages
    words = subprocess.run(
        ["pdftotext", "-layout", str(saved.path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert sscc_text(packed.sscc) in words  # grouped as GS1 writes it: (00) 3 4012345 …
    for din in packed.dins:
        assert parse_din(f"{din}00").eye_readable in words
    assert f"4012345LOG{packed.sscc[-6:]}" in words
    assert "Courier's signature" in words
    # issue 16: the sender's line names who hands over at the departure site (it was blank)
    sender = f"{packed.operator.full_name} ({packed.operator.username})"
    assert re.search(rf"Handed over by \(sender\)\s+{re.escape(sender)},", words), words
    assert "Sender's signature" in words
    for din in packed.dins:
        assert plain(din_text(din)) in words  # with its check character, as on the label
    mrn, family, given, born = PATIENT
    for identity in (family, family.upper(), given, mrn, str(born.year)):
        assert identity not in words
