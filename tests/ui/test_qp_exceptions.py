"""The QP's exceptions on screen: a late sterility failure on QC & release, the clinic's alert on
Home and its signed acknowledgement, the bedside banner, and a release out of specification.

The batches come from ``tests.support.post_release`` (driven once per run and backend); the pages
are typed into and clicked, the dialogs answered by stand-ins. Screenshots go to
tests/artifacts/screens/ at the 1280 × 800 and 1920 × 1080 window sizes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.core.database import Database
from app.demo.journey import JourneyDriver
from app.journey import find_case, unit_view, units_of_case
from app.labelling import confirm_label, print_unit_label
from db.enums import ShipmentDirection, SideState, UnitKind
from db.models import ClinicAlert, Unit
from tests.conftest import BACKENDS, database_copy
from tests.support.post_release import (  # noqa: F401 - the fixtures
    Batches,
    post_release_postgresql,
    post_release_sqlite,
)
from tests.ui.fit import PAGE_AREA_1280, PAGE_AREA_1920, assert_fits_1280, save_shot
from tests.ui.test_release_and_deviations import ARTIFACTS, Dialogs, settle
from ui.pages.bedside.page import BedsidePage
from ui.pages.home.page import HomePage
from ui.pages.release.page import ReleasePage
from ui.tasks.runner import TaskRunner

SIZES = {"1280": PAGE_AREA_1280, "1920": PAGE_AREA_1920}
"""The page area of the main window at 1280 × 800 and 1920 × 1080."""
WINDOW_SIZE = {"1280": (1280, 800), "1920": (1920, 1080)}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend of the driven batches (PostgreSQL under ``--slow``: tests/conftest.py)."""
    return str(request.param)


@pytest.fixture
def ward(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Database, JourneyDriver, Batches]]:
    source, batches = request.getfixturevalue(f"post_release_{backend}")
    with database_copy(request, backend, source, tmp_path) as database:
        yield database, JourneyDriver(database, tmp_path), batches


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


def _open(qtbot: QtBot, runner: TaskRunner, page: QWidget) -> QWidget:
    qtbot.addWidget(page)
    page.resize(*SIZES["1280"])
    page.show()
    qtbot.waitExposed(page)
    settle(qtbot, runner)
    return page


def _shots(page: QWidget, name: str, backend: str) -> None:
    """Save the page at both window sizes, the backend in the name (both backends run it)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, size in SIZES.items():
        page.resize(*size)
        QWidget.update(page)
        from PySide6.QtWidgets import QApplication  # noqa: PLC0415

        QApplication.processEvents()
        if isinstance(page, ReleasePage):  # the exceptions are what these pictures are about
            page.scroller.ensureWidgetVisible(page.exceptions, 0, 0)
            QApplication.processEvents()
        save_shot(page, f"{name}-{backend}-{label}.png", WINDOW_SIZE[label])
    page.resize(*SIZES["1280"])


def _click(qtbot: QtBot, page: QWidget, name: str) -> None:
    button = page.findChild(QPushButton, name)
    assert button is not None, name
    assert button.isVisible() and button.isEnabled(), name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _release_page(
    qtbot: QtBot, runner: TaskRunner, database: Database, actor: object, case_id: uuid.UUID
) -> ReleasePage:
    page = _open(qtbot, runner, ReleasePage(database, actor, runner))  # type: ignore[arg-type]
    assert isinstance(page, ReleasePage)
    page.select_batch(case_id)
    settle(qtbot, runner)
    assert page.snapshot is not None and page.snapshot.case.id == case_id
    return page


def test_a_late_failure_alerts_the_clinic_which_acknowledges_it(
    qtbot: QtBot,
    runner: TaskRunner,
    ward: tuple[Database, JourneyDriver, Batches],
    dialogs: Dialogs,
    backend: str,
) -> None:
    database, driver, batches = ward
    page = _release_page(qtbot, runner, database, driver.who("petra.qp"), batches.at_clinic)
    box = page.exceptions
    assert box.isVisible() and box.late.isVisible()
    assert "Released while pending: Sterility" in box.status.text()
    test = box.findChild(QComboBox, "lateTest")
    assert test.currentData() == "sterility"
    qtbot.keyClicks(box.findChild(QLineEdit, "lateValue"), "growth: S. epidermidis")
    _shots(page, "qp-late-result", backend)
    _click(qtbot, page, "recordLateResult")
    settle(qtbot, runner)
    assert "FAILED after release" in page.message.text()
    assert "the clinic is alerted" in page.message.text()
    with database.read_session() as session:
        bags = session.scalars(
            select(Unit).where(
                Unit.case_id == batches.at_clinic, Unit.kind == UnitKind.FINAL_PRODUCT_BAG
            )
        ).all()
        assert all(bag.side_state is SideState.ON_HOLD for bag in bags)
    assert box.recall.isVisible()
    # Issue 16: the page shows its top after the action, the exceptions first on a released
    # batch; the checklist says in red what is open since the release (it was green).
    assert page.scroller.verticalScrollBar().value() == 0
    assert page.exceptions.y() < page.checklist_box.y() < page.qc_box.y()
    summary = page.checklist_summary
    assert "open since the release: 4. Every QC result" in summary.text(), summary.text()
    assert summary.property("complete") == "no"
    _shots(page, "qp-after-late-failure", backend)

    # the clinic coordinator's Home: a red alert, acknowledged with a signature
    home = _open(qtbot, runner, HomePage(database, driver.who("cora.coordinator"), runner))
    assert isinstance(home, HomePage)
    panel = home.clinic_alerts
    assert panel.isVisible() and len(panel.buttons) == 1
    text = panel.findChild(QLabel, "clinicAlertText").text()
    assert "CLINIC ALERT" in text and "do NOT infuse" in text
    # issue 16 review: the Alerts list beside the red alert said "✔ No alerts."
    assert home.alerts.item(0).text() == "✔ No other alerts."
    _shots(home, "clinic-home-alert", backend)
    # issue 16: Home, with its largest alarm (the QP's red alert) shown, fits 1280 × 800
    assert_fits_1280(qtbot, home, f"clinic-home-alert-fit-{backend}-1280.png")
    dialogs.screenshot = f"clinic-alert-signature-{backend}"
    qtbot.mouseClick(panel.buttons[0], Qt.MouseButton.LeftButton)
    settle(qtbot, runner)
    assert "Acknowledged" in dialogs.signed[-1]
    with database.read_session() as session:
        alert = session.scalar(select(ClinicAlert).where(ClinicAlert.case_id == batches.at_clinic))
        assert alert is not None and alert.acknowledged_at is not None
    assert panel.buttons == []
    assert "acknowledged by Cora" in panel.findChild(QLabel, "clinicAlertText").text()
    assert home.alerts.item(0).text() == "✔ No alerts."
    _shots(home, "clinic-home-alert-acknowledged", backend)

    # the bedside screen says the bags are on hold
    bedside = _open(qtbot, runner, BedsidePage(database, driver.who("ivy.infusion"), runner))
    assert isinstance(bedside, BedsidePage)
    bedside.select_case(batches.at_clinic)
    settle(qtbot, runner)
    assert bedside.warning.isVisible()
    assert (
        "is ON HOLD (a result after release failed): Sterility failed after release"
        in bedside.warning.text()
    )
    # issue 16 review: never "Infuse within …" for a held bag, and no thaw record for it
    assert "do not infuse it" in bedside.countdown.text()
    assert "Infuse within" not in bedside.countdown.text()
    assert bedside.countdown.property("overdue") and not bedside.thaw_bar.isVisible()
    assert not bedside.thaw_row.isEnabled() and not bedside.thaw_button.isEnabled()
    assert bedside.thaw_bag.count() == 2  # one thawed before the hold, one not: neither offered
    for index in range(bedside.thaw_bag.count()):
        bedside.thaw_bag.setCurrentIndex(index)
        assert "do not infuse it" in bedside.countdown.text()
        assert not bedside.thaw_row.isEnabled() and not bedside.thaw_button.isEnabled()
    bedside.thaw_bag.setCurrentIndex(0)
    _shots(bedside, "bedside-on-hold", backend)


def test_the_qp_releases_out_of_specification_and_the_bedside_says_so(
    qtbot: QtBot,
    runner: TaskRunner,
    ward: tuple[Database, JourneyDriver, Batches],
    dialogs: Dialogs,
    backend: str,
    tmp_path: Path,
) -> None:
    database, driver, batches = ward
    page = _release_page(qtbot, runner, database, driver.who("petra.qp"), batches.oos)
    box = page.exceptions
    assert box.oos.isVisible() and "Viability: 62 %" in box.status.text()  # with its unit
    _click(qtbot, page, "certifyOos")  # no acceptance yet: refused
    settle(qtbot, runner)
    assert "written acceptance" in page.message.text()
    scan = tmp_path / "acceptance-marsh.pdf"
    scan.write_bytes(b"%PDF-1.4 signed acceptance\n")
    qtbot.keyClicks(box.findChild(QLineEdit, "oosPhysician"), "Dr Helen Marsh")
    qtbot.keyClicks(
        box.findChild(QLineEdit, "oosDeviation"), "Viability 62 %; no alternative therapy."
    )
    box.attach(scan)
    _shots(page, "qp-oos-acceptance", backend)
    _click(qtbot, page, "recordOosAcceptance")
    settle(qtbot, runner)
    assert "acceptance recorded" in page.message.text()
    assert "Accepted by Dr Helen Marsh" in box.status.text()
    assert "digest verified" in box.status.text()
    _click(qtbot, page, "certifyOos")
    settle(qtbot, runner)
    assert "RELEASED OUT OF SPECIFICATION" in page.message.text(), page.message.text()
    assert "Released out of specification" in dialogs.signed[-1]
    assert "RELEASED OUT OF SPECIFICATION" in box.status.text()
    # issue 16: the release on record said "✔ Released — certified", in green, for it
    status = page.release_status.text()
    assert status.startswith("⚠ RELEASED OUT OF SPECIFICATION on the physician's request, by ")
    assert page.release_status.objectName() == "errorMessage"
    assert page.snapshot is not None and page.snapshot.checklist is not None
    assert page.snapshot.checklist.complete  # as the QP signed it: the accepted result covered
    _shots(page, "qp-released-oos", backend)

    # shipped and received at the clinic: the bedside screen says so before anything else
    case = find_case(database, driver.who("asha.qa"), batches.oos)
    with database.read_session() as session:
        finals = [
            unit_view(unit)
            for unit in units_of_case(session, batches.oos)
            if unit.kind is UnitKind.FINAL_PRODUCT_BAG
        ]
    otto = driver.who("otto.operator")
    for final in finals:  # labels printed before the release: reprinted before shipping
        printed = print_unit_label(
            database, otto, final.id, reprint_reason="released out of specification"
        )
        confirm_label(database, otto, final.id, printed.two_d_scan)
    outbound = driver.ship(case, finals, ShipmentDirection.TO_CLINIC, sender="otto.operator")
    logger = driver.logger_file("logger-oos.csv", -185.0, excursion=False)
    driver.receive(
        case, outbound, finals, receiver="ivy.infusion", verifier="cora.coordinator", logger=logger
    )
    bedside = _open(qtbot, runner, BedsidePage(database, driver.who("ivy.infusion"), runner))
    assert isinstance(bedside, BedsidePage)
    bedside.select_case(batches.oos)
    settle(qtbot, runner)
    assert bedside.warning.isVisible()
    # issue 16 review: it says which result, with its value and unit, not just "OOS"
    assert re.match(
        r"⚠ RELEASED OUT OF SPECIFICATION \([A-Za-z][^:()]*: [-0-9.]+ ?[^;()]*\) at the request "
        r"of Dr Helen Marsh\.",
        bedside.warning.text(),
    ), bedside.warning.text()
    _shots(bedside, "bedside-released-oos", backend)
