"""The excursion report of a stored logger file, with QA's signed disposition on it."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.coldchain.report import excursion_report_pdf
from app.coldchain.storage import logger_files_of_shipment
from app.core.errors import NotPermitted
from app.demo.journey import JourneyDriver
from db.enums import CaseStage, ShipmentDirection
from db.models import Shipment
from tests.conftest import ARTIFACTS
from tests.support.readers import reader

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def test_report_shows_the_excursion_and_the_signed_disposition(demo, tmp_path: Path) -> None:
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
    assert shipment.sscc in text and case.coi in text
    assert "Disposition: accept" in text
    assert "Asha Quality" in text and "Dispositioned" in text
    assert logger.sha256 in text
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(target), str(ARTIFACTS / "excursion-report")],
        check=True,
    )


def _admin(demo):
    from app.access.users import authenticate  # noqa: PLC0415
    from tests.conftest import PASSWORD  # noqa: PLC0415

    return authenticate(demo.database, "admin", PASSWORD, "test-station")
