"""Every label scans back with a linear scanner: each container label kind is printed from the
records of a finished journey, rasterised at 300 dpi, every symbol decoded, and every linear code
scanned back through the scan service against the container it was printed for.

The container's own DIN code is accepted; another case's DIN code is refused as a wrong patient;
the COI code alone is refused with words that name a code the label really has (its DIN bar
code). On SQLite: the scan rules are the same on both backends (tests/journey/test_scan_*).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.access import authenticate
from app.core import Actor, Database, open_database
from app.labelling.printing import print_unit_label
from app.labelling.records import unit_expectation
from app.scanning import verify_scan
from db.enums import LabelStatus, UnitKind
from db.models import Label, Unit
from labels.decode import decode_image
from labels.scan import parse_scan
from tests.conftest import DEMO_PASSWORD
from tests.support.finished_journey import JourneyFacts, journey_sqlite_template

__all__ = ["journey_sqlite_template"]

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed"
)
PRINTER_OF = {  # who prints each kind where it is (DESIGN.md §7)
    UnitKind.APHERESIS_BAG: "otto.operator",  # received at the manufacturer
    UnitKind.INTERMEDIATE: "otto.operator",
    UnitKind.FINAL_PRODUCT_BAG: "alex.apheresis",
}
TEMPLATE_OF = {
    UnitKind.APHERESIS_BAG: "apheresis_bag",
    UnitKind.INTERMEDIATE: "sample_tube",
    UnitKind.FINAL_PRODUCT_BAG: "final_bag",
}


@pytest.fixture(scope="module")
def finished(
    journey_sqlite_template: tuple[Path, JourneyFacts], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, JourneyFacts]]:
    """One copy of the finished journey for the module (the tests only add labels and scans)."""
    source, facts = journey_sqlite_template
    target = tmp_path_factory.mktemp("scan-back") / "journey.db"
    shutil.copyfile(source, target)
    database = open_database(f"sqlite:///{target}")
    yield database, facts
    database.dispose()


def _linear_codes(pdf: bytes, stem: Path) -> tuple[list[str], list[str]]:
    """The label rasterised as a printer would; every Code 128 read as a scanner sends it
    (AIM prefix included), and every symbol's format."""
    stem.with_suffix(".pdf").write_bytes(pdf)
    command = ["pdftoppm", "-r", "300", "-png", "-singlefile", str(stem.with_suffix(".pdf"))]
    subprocess.run([*command, str(stem)], check=True, capture_output=True)
    decoded = decode_image(stem.with_suffix(".png"))
    assert decoded.error is None
    linear = [
        (s.symbology_identifier or "") + s.text for s in decoded.symbols if s.format == "Code128"
    ]
    return linear, [s.format for s in decoded.symbols]


def _signed_in(database: Database, username: str) -> Actor:
    return authenticate(database, username, DEMO_PASSWORD, "test-station")


def _unit_of_kind(database: Database, facts: JourneyFacts, kind: UnitKind) -> Unit:
    with database.read_session() as session:
        unit = session.scalars(
            select(Unit).where(Unit.case_id == facts.case_id, Unit.kind == kind).order_by(Unit.din)
        ).first()
        assert unit is not None and unit.din is not None, kind
        return unit


def _other_din_code(database: Database, facts: JourneyFacts) -> str:
    with database.read_session() as session:
        din = session.scalar(select(Unit.din).where(Unit.case_id == facts.other_id))
    assert din is not None
    return f"]C0={din}00"


@needs_poppler
@pytest.mark.parametrize("kind", list(PRINTER_OF), ids=lambda k: k.value)
def test_every_linear_code_on_every_label_scans_back_against_its_container(
    finished: tuple[Database, JourneyFacts], kind: UnitKind, tmp_path: Path
) -> None:
    database, facts = finished
    unit = _unit_of_kind(database, facts, kind)
    with database.read_session() as session:
        labelled = session.scalar(select(Label.id).where(Label.unit_id == unit.id)) is not None
    actor = _signed_in(database, PRINTER_OF[kind])
    printed = print_unit_label(
        database, actor, unit.id, reprint_reason="scan-back test" if labelled else None
    )
    assert printed.label.template == TEMPLATE_OF[kind]
    assert printed.label.status is LabelStatus.ISSUED

    linear, formats = _linear_codes(printed.pdf, tmp_path / kind.value)
    assert formats.count("Code128") == 2 and len(formats) == 3  # DIN, COI and the 2-D code
    dins = [code for code in linear if parse_scan(code).fields.get("din") == unit.din]
    cois = [code for code in linear if parse_scan(code).kind == "coi"]
    assert len(dins) == 1 and len(cois) == 1, linear  # its own DIN, in a linear code
    expected = unit_expectation(unit, "label check")

    accepted = verify_scan(database, actor, dins[0], expected)
    assert accepted.matched and accepted.unit_id == unit.id and accepted.din == unit.din

    only_coi = verify_scan(database, actor, cois[0], expected)
    assert not only_coi.matched
    assert "scan the DIN bar code or the 2-D code" in only_coi.reasons[0]  # both are on it

    wrong = verify_scan(database, actor, _other_din_code(database, facts), expected)
    assert not wrong.matched and wrong.unit_id != unit.id
    assert any(reason.startswith("WRONG PATIENT") for reason in wrong.reasons), wrong.reasons
