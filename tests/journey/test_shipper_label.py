"""The outbound shipper label: printed and recorded as a unit label, required for hand-over.

One released case, driven once per module on SQLite and copied per test; each test opens
the outbound shipper, packs the final bags and scans the logger, then tries to hand over.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from app.core import (
    Actor,
    Database,
    ScanMismatch,
    ValidationFailed,
    din_text,
    open_database,
    sscc_text,
)
from app.demo.journey import JourneyDriver
from app.journey import attach_logger, create_shipment, hand_over, pack_unit
from app.labelling import apply_shipper_label, print_shipper_label
from app.labelling.records import void_label
from app.reports import save_manifest
from db.engine import make_engine
from db.enums import CaseStage, LabelStatus, ShipmentDirection, UnitKind, UnitStatus
from db.models import Unit
from labels.isbt128 import parse_din
from tests.support.pdf_words import plain


@dataclass(frozen=True)
class Released:
    """A copy of the released case's database, with its outbound shipper packed."""

    database: Database
    operator: Actor
    shipment_id: uuid.UUID
    sscc: str
    dins: tuple[str, ...]


@pytest.fixture(scope="module")
def released_template(demo_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("released")
    path = folder / "released.db"
    shutil.copyfile(demo_sqlite_template, path)
    database = open_database(f"sqlite:///{path}")
    driver = JourneyDriver(database, folder, station="test-station")
    case = driver.enrol("NBH700001", "Okafor", "Chiamaka", date(1984, 5, 17))
    driver.run_to(case, CaseStage.RELEASED)
    database.dispose()
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def released(released_template: Path, tmp_path: Path) -> Iterator[Released]:
    path = tmp_path / "released.db"
    shutil.copyfile(released_template, path)
    database = open_database(f"sqlite:///{path}")
    operator = JourneyDriver(database, tmp_path, station="test-station").who("otto.operator")
    with database.read_session() as session:
        case_id, dins = None, []
        for unit in session.scalars(
            select(Unit).where(
                Unit.kind == UnitKind.FINAL_PRODUCT_BAG, Unit.status == UnitStatus.RELEASED
            )
        ):
            case_id = unit.case_id
            dins.append(str(unit.din))
    assert case_id is not None and dins
    shipment = create_shipment(database, operator, case_id, ShipmentDirection.TO_CLINIC)
    for din in dins:
        pack_unit(database, operator, shipment.id, f"={din}00")
    attach_logger(database, operator, shipment.id, f"(8004)4012345LOG{shipment.sscc[-6:]}")
    yield Released(database, operator, shipment.id, shipment.sscc, tuple(dins))
    database.dispose()


def _hand_over(released: Released) -> None:
    hand_over(
        released.database,
        released.operator,
        released.shipment_id,
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
    released: Released, tmp_path: Path
) -> None:
    with pytest.raises(ValidationFailed, match="Print the shipper label"):
        _hand_over(released)
    printed = print_shipper_label(released.database, released.operator, released.shipment_id)
    assert printed.page_size_mm == (100, 150)
    assert printed.label.template == "shipper"
    codes = _decoded(printed.pdf, tmp_path)
    assert f"(00){released.sscc}" in codes  # read as GS1-128: AI (00), the 18-digit SSCC
    with pytest.raises(ValidationFailed, match="Scan the shipper label"):
        _hand_over(released)  # printed is not yet on the box: its SSCC is scanned back (C723)
    scanned = apply_shipper_label(
        released.database, released.operator, released.shipment_id, f"(00){released.sscc}"
    )
    assert scanned.status is LabelStatus.APPLIED
    _hand_over(released)


def test_a_voided_shipper_label_does_not_count_and_a_reprint_needs_a_reason(
    released: Released,
) -> None:
    first = print_shipper_label(released.database, released.operator, released.shipment_id)
    with pytest.raises(ValidationFailed, match="reprint needs a reason"):
        print_shipper_label(released.database, released.operator, released.shipment_id)
    void_label(released.database, released.operator, first.label.id, "torn")
    with pytest.raises(ValidationFailed, match="Print the shipper label"):
        _hand_over(released)
    again = print_shipper_label(
        released.database, released.operator, released.shipment_id, reprint_reason="torn"
    )
    assert again.label.id != first.label.id
    with pytest.raises(ScanMismatch, match="voided"):
        apply_shipper_label(
            released.database, released.operator, released.shipment_id, first.two_d_scan
        )
    apply_shipper_label(
        released.database, released.operator, released.shipment_id, again.two_d_scan
    )
    _hand_over(released)
    with pytest.raises(ValidationFailed, match="already left"):
        print_shipper_label(
            released.database, released.operator, released.shipment_id, reprint_reason="again"
        )


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext reads the manifest")
def test_the_manifest_lists_every_packed_din_and_the_sscc_but_no_patient(
    released: Released, tmp_path: Path
) -> None:
    saved = save_manifest(
        released.database, released.operator, released.shipment_id, tmp_path / "manifest.pdf"
    )
    pages = subprocess.run(
        ["pdfinfo", str(saved.path)], check=True, capture_output=True, text=True
    ).stdout
    assert re.search(r"^Pages:\s+1$", pages, re.MULTILINE), pages
    words = subprocess.run(
        ["pdftotext", "-layout", str(saved.path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert sscc_text(released.sscc) in words  # grouped as GS1 writes it: (00) 3 4012345 …
    for din in released.dins:
        assert parse_din(f"{din}00").eye_readable in words
    assert f"4012345LOG{released.sscc[-6:]}" in words
    assert "Courier's signature" in words
    # issue 16: the sender's line names who hands over at the departure site (it was blank)
    sender = f"{released.operator.full_name} ({released.operator.username})"
    assert re.search(rf"Handed over by \(sender\)\s+{re.escape(sender)},", words), words
    assert "Sender's signature" in words
    for din in released.dins:
        assert plain(din_text(din)) in words  # with its check character, as on the label
    for identity in ("Okafor", "OKAFOR", "Chiamaka", "NBH700001", "1984"):
        assert identity not in words
