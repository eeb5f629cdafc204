"""The excursion report of a stored logger file, with QA's signed disposition on it."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from app.cli.main import main
from app.coldchain.report import excursion_report_pdf
from app.coldchain.storage import logger_files_of_shipment
from app.core import sscc_text
from app.core.errors import NotPermitted
from app.demo.journey import JourneyDriver
from db.enums import CaseStage, ShipmentDirection
from db.models import Shipment
from tests.conftest import ARTIFACTS, Demo
from tests.support.pdf_words import plain
from tests.support.readers import reader

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def test_report_shows_the_excursion_and_the_signed_disposition(
    demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    driver = JourneyDriver(demo.database, tmp_path, station="test-station")
    case = driver.enrol("R1", "Report", "Rita", date(1980, 2, 2))
    driver.run_to(case, CaseStage.RECEIVED_AT_MANUFACTURER, excursion=True)
    with demo.database.read_session() as session:
        shipment = session.scalar(
            select(Shipment).where(
                Shipment.case_id == case.id, Shipment.direction == ShipmentDirection.TO_MANUFACTURER
            )
        )
    assert shipment is not None
    (logger,) = logger_files_of_shipment(demo.database, reader(demo.database), shipment.id)
    assert logger.verdict is not None and logger.verdict.value == "excursion"

    with pytest.raises(NotPermitted):
        excursion_report_pdf(demo.database, _admin(demo), logger.id)
    pdf = excursion_report_pdf(demo.database, demo["asha.qa"], logger.id)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "excursion-report.pdf"
    target.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(target), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Verdict: EXCURSION" in text
    # the SSCC and the COI as printed on their labels (issue 16), not as stored
    assert sscc_text(shipment.sscc) in text and plain(case.coi_eye_readable) in text
    assert case.coi not in text  # never the stored CHG1234…
    assert "Disposition: accepted" in text
    assert "Asha Quality" in text and "Dispositioned" in text
    assert logger.sha256 in text
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(target), str(ARTIFACTS / "excursion-report")],
        check=True,
    )
    _the_footer_seal_verifies(demo, target, text, tmp_path, capsys)


def _the_footer_seal_verifies(
    demo: Demo, pdf: Path, text: str, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The footer's QR code, read from a 150 dpi raster of page 1, is the printed seal, and
    ``coi audit verify --seal`` accepts it."""
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-gray", "-png", str(pdf), str(out / "p")],
        check=True,
    )
    (page,) = out.glob("p-*1.png")
    (code,) = zxingcpp.read_barcodes(Image.open(page))
    assert code.format == zxingcpp.BarcodeFormat.QRCode
    seal = code.text
    assert seal.startswith("COI-AUDIT-SEAL v1 seq=") and seal in text
    url = demo.database.engine.url.render_as_string(hide_password=False)
    capsys.readouterr()
    assert main(["audit", "verify", "--db", url, "--seal", seal]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is True and result["seal"]["matches"] is True


def _admin(demo):
    from app.access.users import authenticate  # noqa: PLC0415
    from tests.conftest import PASSWORD  # noqa: PLC0415

    return authenticate(demo.database, "admin", PASSWORD, "test-station")
