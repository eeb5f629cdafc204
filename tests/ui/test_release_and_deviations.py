"""QC & release and deviations pages on the demo data, used as the demo people would use them.

Cases are driven through the real services (``JourneyDriver``); the pages are then typed into
and clicked. Modal dialogs are answered by stand-ins for their ``exec`` (never shown): the
signature dialog gets the password typed, the statement dialog its text. Screenshots go to
tests/artifacts/screens/.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRegularExpression, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.access.users import authenticate, create_user
from app.casefile import AlertKind, alerts, work_queue
from app.coldchain import disposition_logger_file
from app.coldchain.storage import logger_files_of_shipment
from app.core import sscc_text
from app.core.actor import Actor
from app.core.unit_of_work import UnitOfWork
from app.demo.journey import DEMO_PASSWORD, QC_RESULTS, JourneyDriver
from app.journey.enrolment import find_case
from app.journey.qc import (
    approve_qc_exception,
    enter_qc_result,
    qc_results_of_case,
    review_qc_result,
)
from app.journey.records import units_of_case
from app.journey.views import CaseView
from app.quality.deviations import deviations_of_case
from db.enums import (
    CaseStage,
    DeviationStatus,
    Disposition,
    QcOutcome,
    Role,
    SideState,
)
from db.models import AuditEvent, Shipment
from tests.support.readers import reader
from tests.ui.fit import (
    PAGE_AREA_1280,
    PAGE_AREA_1920,
    PAGE_AREAS,
    assert_fits_1280,
    clipped,
    save_both_sizes,
    save_shot,
    settled_clipping,
    shot_name,
    sized,
)
from ui.dialogs.prompts import StatementDialog
from ui.dialogs.signing import SignatureDialog
from ui.pages.deviations.page import RECEIPTS_TAB, DeviationsPage
from ui.pages.home.page import HomePage
from ui.pages.release.page import ReleasePage
from ui.pages.release.qc_rows import MIN_TEXT_WIDTH
from ui.shell.main_window import MainWindow
from ui.tasks.runner import TaskRunner

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
ADMIN_PASSWORD = "correct horse battery"  # the demo fixture's administrator (tests/conftest.py)
PAGE_SIZE = (990, 760)  # the page area of the 1200 × 780 main window
PLOT_AREA_1280 = (320, 185)
"""The least data area (px) of QA's disposition plot in a 1280 × 800 window."""


class Dialogs:
    """Answers the modal dialogs as a person would, without showing them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.password = DEMO_PASSWORD
        self.sign = True
        self.texts: list[str] = []
        """What to type in the next statement dialogs, in order."""
        self.choice: str | None = None
        """The start of the entry to choose in the next statement dialog."""
        self.signed: list[str] = []
        """What each signature dialog showed (signer, record, meaning)."""
        self.prompts: list[str] = []
        self.screenshot: str | None = None
        """Save the next signature dialog as this screenshot."""
        answers = self

        def sign(dialog: SignatureDialog) -> int:
            statement = dialog.findChild(QLabel, "signatureStatement")
            answers.signed.append(statement.text())
            dialog.password_field.setText(answers.password)
            if answers.screenshot is not None:
                dialog.resize(dialog.sizeHint().expandedTo(QSize(560, 0)))
                screenshot(dialog, answers.screenshot, size=False)
                answers.screenshot = None
            return int(QDialog.DialogCode.Accepted if answers.sign else QDialog.DialogCode.Rejected)

        def state(dialog: StatementDialog) -> int:
            answers.prompts.append(dialog.findChild(QLabel, "statementPrompt").text())
            if answers.choice is not None:
                index = next(
                    i
                    for i in range(dialog.choice_field.count())
                    if dialog.choice_field.itemText(i).startswith(answers.choice)
                )
                dialog.choice_field.setCurrentIndex(index)
                answers.choice = None
            dialog.text_field.setPlainText(answers.texts.pop(0))
            assert dialog.ok_button.isEnabled()
            return int(QDialog.DialogCode.Accepted)

        monkeypatch.setattr(SignatureDialog, "exec", sign)
        monkeypatch.setattr(StatementDialog, "exec", state)


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    """The stand-in answers for the signature and statement dialogs."""
    return Dialogs(monkeypatch)


@pytest.fixture
def driver(demo, tmp_path: Path) -> JourneyDriver:
    """Drives cases through the journey with the demo people."""
    return JourneyDriver(demo.database, tmp_path)


def settle(qtbot: QtBot, runner: TaskRunner) -> None:
    """Wait until every background task (and the reads it started) has delivered."""
    qtbot.waitUntil(lambda: not runner.busy, timeout=30_000)
    QApplication.processEvents()  # widgets added to a shown page are shown by a queued call


def open_page(qtbot: QtBot, runner: TaskRunner, page: QWidget) -> QWidget:
    """Show ``page`` at the main window's page size and let it load."""
    qtbot.addWidget(page)
    page.resize(*PAGE_SIZE)
    page.show()
    qtbot.waitExposed(page)
    settle(qtbot, runner)
    return page


def release_page(
    qtbot: QtBot, runner: TaskRunner, demo, username: str, case: CaseView
) -> ReleasePage:
    """The QC & release page of ``username`` showing ``case``."""
    page = open_page(qtbot, runner, ReleasePage(demo.database, demo[username], runner))
    assert isinstance(page, ReleasePage)
    page.select_batch(case.id)
    settle(qtbot, runner)
    assert page.snapshot is not None and page.snapshot.case.id == case.id
    assert case.coi_eye_readable in page.picker.currentText()
    return page


def screenshot(page: QWidget, name: str, height: int | None = None, *, size: bool = True) -> None:
    """Save the page as it is, or stretched to ``height`` to show every part of it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if height is not None:
        page.resize(PAGE_SIZE[0], height)
    QApplication.processEvents()  # let the layouts take what was just shown
    stated = sized(name)
    if stated is not None:
        save_shot(page, f"{name}.png", stated)  # the window at the size its name says
    else:
        assert page.grab().save(str(ARTIFACTS / shot_name(f"{name}.png")))
        save_both_sizes(page, name)  # also the stretched ones: the state as a window shows it
    if size:
        page.resize(*PAGE_SIZE)


def click(qtbot: QtBot, page: QWidget, name: str) -> None:
    """Click the visible, enabled button ``name``."""
    button = page.findChild(QPushButton, name)
    assert button is not None, name
    assert button.isVisible() and button.isEnabled(), name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_result(qtbot: QtBot, page: ReleasePage, test_code: str, value: str) -> None:
    """Type a QC result into its field and press Enter."""
    field = page.findChild(QLineEdit, f"value-{test_code}")
    assert field is not None and not field.isReadOnly()
    field.selectAll()
    qtbot.keyClicks(field, value)
    if value.strip() and value.strip() != page.rows[test_code].saved_value:
        # Typed, not yet saved: closing the window or signing out would ask first.
        assert page.rows[test_code].spec.name in (page.unsaved_input() or "")
    qtbot.keyClick(field, Qt.Key.Key_Return)


def outcome(page: ReleasePage, test_code: str) -> str:
    """The judged outcome of a test as the page shows it."""
    return page.findChild(QLabel, f"outcome-{test_code}").text()


def at_qc(driver: JourneyDriver, hospital_number: str) -> CaseView:
    """A new case driven to QC / pending release."""
    case = driver.enrol(hospital_number, "Nightingale", "Florence", date(1980, 5, 12))
    return driver.run_to(case, CaseStage.QC_PENDING_RELEASE)


def qc_done(driver: JourneyDriver, case: CaseView) -> None:
    """Every QC result entered and reviewed, the sterility exception approved (services)."""
    for test, value in QC_RESULTS.items():
        enter_qc_result(driver.database, driver.who("quinn.qc"), case.id, test, value)
    for result in qc_results_of_case(driver.database, reader(driver.database), case.id):
        review_qc_result(driver.database, driver.who("asha.qa"), result.id, DEMO_PASSWORD)
        if result.outcome is QcOutcome.PENDING:
            approve_qc_exception(
                driver.database, driver.who("asha.qa"), result.id, "per SOP-QA-12", DEMO_PASSWORD
            )


def in_view(widget: QWidget) -> bool:
    """True when the whole of ``widget`` is on screen, not scrolled out of its page."""
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


def rows_fit_their_content(table: QTableWidget) -> None:
    """Issue 16: each QC row is as tall as its content (every row was 62 px): its texts
    wrapped in their columns and its cells' widgets whole, with a few pixels of padding; a row
    of one text line is that line and its padding."""
    metrics = table.fontMetrics()
    for row in range(table.rowCount()):
        need = metrics.height()
        for column in range(table.columnCount()):
            item, widget = table.item(row, column), table.cellWidget(row, column)
            if item is not None:
                room = table.columnWidth(column) - 8
                text = metrics.boundingRect(0, 0, room, 1000, Qt.TextFlag.TextWordWrap, item.text())
                need = max(need, text.height())
            if widget is not None:
                whole = (
                    widget.heightForWidth(widget.width())
                    if widget.hasHeightForWidth()
                    else widget.minimumSizeHint().height()
                )
                need = max(need, whole)
                assert widget.height() >= whole, (row, column, widget.height(), whole)
        assert need <= table.rowHeight(row) <= need + 16, (row, need, table.rowHeight(row))


def criterion_keeps_its_width(qtbot: QtBot, page: ReleasePage, name: str) -> None:
    """Issue 16: from 1920 × 1080 down to 1280 × 800 the QC table has no horizontal scroll bar
    and the criterion column keeps a readable width, its text wrapped (tooltip: all of it)."""
    table = page.qc_table
    for width, height in ((1920, 1080), (1280, 800)):
        page.resize(*PAGE_AREAS[f"{width}x{height}"])  # the page area of such a window
        QApplication.processEvents()
        qtbot.wait(20)
        assert not table.horizontalScrollBar().isVisible(), width
        assert not page.scroller.horizontalScrollBar().isVisible(), width
        assert table.columnWidth(1) >= MIN_TEXT_WIDTH, width
        shown = sum(table.columnWidth(c) for c in range(table.columnCount()))
        assert shown <= table.viewport().width(), width
        for row in range(table.rowCount()):
            item = table.item(row, 1)
            assert item.toolTip() == item.text()
        # a wide window shares its room: the criterion column is no wide empty band
        assert table.columnWidth(1) < 0.35 * table.viewport().width(), width
        for unit in page.findChildren(QLabel, QRegularExpression("^unit-")):
            assert unit.font().pointSizeF() >= table.font().pointSizeF()  # units read, not tiny
        rows_fit_their_content(table)
        screenshot(page, f"{name}-{width}x{height}", size=False)
    page.resize(*PAGE_SIZE)


# ---------------------------------------------------------------- QC & release


def test_qc_entry_review_checklist_and_certification(
    qtbot: QtBot, demo, driver: JourneyDriver, runner: TaskRunner, dialogs: Dialogs
) -> None:
    case = at_qc(driver, "HREL1")

    # Quinn types the results; one is out of specification, then retested.
    quinn = release_page(qtbot, runner, demo, "quinn.qc", case)
    assert not quinn.checklist_box.isVisible()
    assert not quinn.certify_button.isVisible()
    assert outcome(quinn, "viability") == "— No result yet"
    type_result(qtbot, quinn, "viability", "65")
    settle(qtbot, runner)
    assert outcome(quinn, "viability") == "✖ Out of specification"
    assert quinn.findChild(QLabel, "outcome-viability").property("outcome") == "fail"
    assert "Saved Viability = 65 %: ✖ Out of specification (criterion ≥ 70 %)" in (
        quinn.message.text()
    )
    screenshot(quinn, "release-qc-out-of-specification")
    dialogs.texts.append("Retest on a fresh vial (OOS investigation QC-17)")  # the correction
    for test, value in QC_RESULTS.items():
        type_result(qtbot, quinn, test, value)
    settle(qtbot, runner)
    assert outcome(quinn, "viability") == "✔ Pass"
    assert outcome(quinn, "sterility") == "◷ Pending"
    assert all(outcome(quinn, t) == "✔ Pass" for t in QC_RESULTS if t != "sterility")
    assert not any(b.isVisible() for b in quinn.findChildren(QPushButton, "review-viability"))
    screenshot(quinn, "release-qc-entered", height=1000)
    criterion_keeps_its_width(qtbot, quinn, "release-qc-columns-analyst")
    latest = {
        r.test_code: r for r in qc_results_of_case(demo.database, reader(demo.database), case.id)
    }
    assert latest["viability"].value == "91.5" and latest["viability"].outcome is QcOutcome.PASS
    assert [
        r.outcome for r in qc_results_of_case(demo.database, reader(demo.database), case.id)
    ].count(QcOutcome.OUT_OF_SPECIFICATION) == 1  # the first viability result stays on record

    # Asha sees item 4 open, reviews every result with her signature, approves the exception.
    asha = release_page(qtbot, runner, demo, "asha.qa", case)
    assert not asha.certify_button.isVisible()
    assert asha.checklist.lines()[3].startswith("✖ 4. Every QC result")
    assert "Viability: not reviewed by QA" in asha.checklist.evidence(4)
    assert asha.findChild(QLabel, "evidence-4").isVisible()  # open items show their evidence
    assert not asha.findChild(QLabel, "evidence-1").isVisible()  # satisfied ones one click away
    assert "✖ 1 of 10 items open" in asha.checklist_summary.text()
    screenshot(asha, "release-qa-to-review", height=1500)
    criterion_keeps_its_width(qtbot, asha, "release-qc-columns-qa")

    dialogs.password = "not my password"
    click(qtbot, asha, "review-viability")
    settle(qtbot, runner)
    assert asha.message.objectName() == "errorMessage"
    assert asha.message.text().startswith("✖ Viability was not reviewed")
    assert "Traceback" not in asha.message.text()
    assert asha.findChild(QPushButton, "review-viability").isVisible()

    dialogs.password = DEMO_PASSWORD
    dialogs.screenshot = "release-review-signature"
    click(qtbot, asha, "review-endotoxin")  # its criterion "< 0.5 EU/mL" is shown as text
    settle(qtbot, runner)
    assert "criterion &lt; 0.5 EU/mL" in dialogs.signed[-1]
    for test in QC_RESULTS:
        if test == "endotoxin":
            continue
        click(qtbot, asha, f"review-{test}")
        settle(qtbot, runner)
        assert asha.message.text() == f"✔ {asha.rows[test].spec.name} reviewed with your signature."
    assert "Meaning: <b>Reviewed</b>" in dialogs.signed[-1]
    assert "Dose = 1.1 (✔ Pass" in dialogs.signed[-1]
    assert case.coi_eye_readable in dialogs.signed[-1]
    dialogs.texts.append(
        "Sterility (14-day) pending; release on negative 7-day read per SOP-QA-12."
    )
    click(qtbot, asha, "approve-sterility")
    settle(qtbot, runner)
    assert "Meaning: <b>Approved</b>" in dialogs.signed[-1]
    assert "SOP-QA-12" in dialogs.signed[-1]
    state = asha.findChild(QLabel, "reviewState-sterility")
    assert state.text() == "✔ Reviewed\n✔ Exception approved"
    for width, height in ((1920, 1080), (1280, 800)):  # "Exception approved" whole, not cut
        asha.resize(width - 256, height - 46)
        QApplication.processEvents()
        assert state.width() >= state.minimumSizeHint().width(), width
    asha.resize(*PAGE_SIZE)
    assert "Asha Quality" in state.toolTip() and "Approved" in state.toolTip()
    assert all(line.startswith("✔") for line in asha.checklist.lines())
    assert len(asha.checklist.lines()) == 10
    assert asha.checklist_summary.text().startswith("✔ All 10 items satisfied")
    results = qc_results_of_case(demo.database, reader(demo.database), case.id)
    assert all(r.reviewed for r in results if r.id in {v.id for v in latest.values()})
    assert next(r for r in results if r.test_code == "sterility").exception_approved

    # Petra reads the satisfied checklist and certifies with her signature.
    petra = release_page(qtbot, runner, demo, "petra.qp", case)
    toggle = petra.findChild(QWidget, "evidenceToggle-6")
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)  # the evidence is one click away
    assert petra.findChild(QLabel, "evidence-6").isVisible()
    assert "every shipment's cold chain accepted" in petra.checklist.evidence(6)
    screenshot(petra, "release-checklist-satisfied", height=1500)
    petra.resize(*PAGE_AREA_1280)  # issue 16: "✔ Exception approv…" was cut at 1280 × 800
    qtbot.wait(20)
    approved = petra.findChild(QLabel, "reviewState-sterility")
    assert approved.text().endswith("✔ Exception approved")
    assert approved.width() >= approved.minimumSizeHint().width()
    assert not [p for p in clipped(petra) if "reviewState" in p]
    rows_fit_their_content(petra.qc_table)  # the QP's rows too: one line, one line tall
    petra.resize(*PAGE_SIZE)
    bar = petra.scroller.verticalScrollBar()
    bar.setValue(bar.maximum())  # she has read down to the last QC result
    assert bar.value() > 0
    dialogs.screenshot = "release-certify-signature"
    click(qtbot, petra, "certify")
    settle(qtbot, runner)
    # Issue 16: after the certification the page shows its top (it was left mid-table): the
    # message saying what happened, the case header and the release on record, same batch.
    qtbot.wait(20)
    assert bar.value() == 0
    assert petra.snapshot is not None and petra.snapshot.case.id == case.id
    for shown in (petra.message, petra.case_header, petra.release_status):
        assert in_view(shown), shown.objectName()
    assert "Meaning: <b>Certified for release</b>" in dialogs.signed[-1]
    assert f"Batch {case.coi_eye_readable}" in dialogs.signed[-1]
    assert "Dr Petra Qualified" in dialogs.signed[-1]
    assert petra.message.text().startswith(f"✔ Batch {case.coi_eye_readable} certified")
    assert "Stage: Released" in petra.case_header.text()
    assert petra.release_status.isVisible()
    assert "Dr Petra Qualified · " in petra.release_status.text()
    assert "Certified for release" in petra.release_status.text()
    assert not petra.certify_button.isEnabled()
    assert f"{case.coi_eye_readable} · Released" in petra.picker.currentText()
    screenshot(petra, "release-certified", height=1500)
    screenshot(petra, "release-certified-window")
    assert find_case(demo.database, demo["petra.qp"], case.id).stage is CaseStage.RELEASED


def test_the_release_page_stays_on_the_certified_batch(
    qtbot: QtBot, demo, driver: JourneyDriver, runner: TaskRunner, dialogs: Dialogs
) -> None:
    first = at_qc(driver, "HSTAY1")
    second = at_qc(driver, "HSTAY2")
    qc_done(driver, first)
    qc_done(driver, second)
    driver.close_deviations(first)
    petra = release_page(qtbot, runner, demo, "petra.qp", second)
    # Petra chooses the first batch in the picker, as a person would.
    index = next(
        i for i in range(petra.picker.count()) if first.coi_eye_readable in petra.picker.itemText(i)
    )
    petra.picker.setCurrentIndex(index)
    settle(qtbot, runner)
    assert petra.snapshot is not None and petra.snapshot.case.id == first.id
    click(qtbot, petra, "certify")
    settle(qtbot, runner)
    assert petra.message.text().startswith(f"✔ Batch {first.coi_eye_readable} certified")
    assert petra.snapshot is not None and petra.snapshot.case.id == first.id
    assert petra.snapshot.case.stage is CaseStage.RELEASED
    assert first.coi_eye_readable in petra.picker.currentText()
    assert first.coi_eye_readable in petra.case_header.text()
    assert second.coi_eye_readable not in petra.case_header.text()
    screenshot(petra, "release-stays-on-certified-batch", height=1000)


def typed_into_focus(qtbot: QtBot, text: str) -> QLineEdit:
    """Type ``text`` and Enter where the keyboard's focus is, as a bench user does."""
    field = QApplication.focusWidget()
    assert isinstance(field, QLineEdit), field
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    return field


def test_enter_and_tab_move_to_the_next_test_and_nothing_is_appended(
    qtbot: QtBot, demo, driver: JourneyDriver, runner: TaskRunner, dialogs: Dialogs
) -> None:
    case = at_qc(driver, "HFOCUS")
    quinn = release_page(qtbot, runner, demo, "quinn.qc", case)
    quinn.activateWindow()
    codes = list(quinn.rows)
    first = quinn.findChild(QLineEdit, f"value-{codes[0]}")
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    # Eight values typed one after the other, each ended by Enter, never clicking a field.
    values = ["No growth", "Not detected", "0.1", "85", "95", "40", "2.1", "1.2e8"]
    for code, value in zip(codes, values, strict=True):
        field = typed_into_focus(qtbot, value)
        assert field.objectName() == f"value-{code}"  # each value lands in its own test
    settle(qtbot, runner)
    results = {
        r.test_code: r for r in qc_results_of_case(demo.database, reader(demo.database), case.id)
    }
    assert results["sterility"].value == "No growth"  # not "No growthNot detected"
    assert results["mycoplasma"].value == "Not detected"
    assert results["dose"].value == "1.2"  # 1.2e8 cells in ×10⁸ cells
    assert all(outcome(quinn, code) == "✔ Pass" for code in codes)
    assert len(results) == len(codes)
    screenshot(quinn, "release-qc-typed-with-enter", height=1000)

    # Tab moves from a value to the next test's value too, its text selected.
    viability = quinn.findChild(QLineEdit, "value-viability")
    viability.setFocus()
    qtbot.waitUntil(viability.hasFocus)
    qtbot.keyClick(viability, Qt.Key.Key_Tab)
    after = quinn.findChild(QLineEdit, "value-cd3_identity")
    qtbot.waitUntil(after.hasFocus)
    assert after.selectedText() == after.text() == "95"


def test_a_result_is_corrected_with_a_reason_and_the_old_value_stays_visible(
    qtbot: QtBot, demo, driver: JourneyDriver, runner: TaskRunner, dialogs: Dialogs
) -> None:
    case = at_qc(driver, "HCORR")
    quinn = release_page(qtbot, runner, demo, "quinn.qc", case)
    unit = quinn.findChild(QLabel, "unit-dose")
    assert unit.isVisible() and unit.text() == "×10⁸ CAR+ viable T cells"
    dose = quinn.findChild(QLineEdit, "value-dose")
    assert "in ×10⁸ CAR+ viable T cells" in dose.toolTip()
    type_result(qtbot, quinn, "mycoplasma", "detected")
    settle(qtbot, runner)
    assert outcome(quinn, "mycoplasma") == "✖ Fail"

    dialogs.texts.append("Read the wrong plate (LIMS 4411)")
    type_result(qtbot, quinn, "mycoplasma", "not detected")
    settle(qtbot, runner)
    assert "already has the result <b>detected</b>" in dialogs.prompts[-1]
    assert outcome(quinn, "mycoplasma") == "✔ Pass"
    assert quinn.message.text().startswith("Corrected Mycoplasma = not detected")
    history = quinn.findChild(QLabel, "history-mycoplasma")
    assert history.isVisible() and history.text() == "⟲ was detected"
    assert "Read the wrong plate (LIMS 4411)" in history.toolTip()
    screenshot(quinn, "release-qc-corrected-with-reason", height=1000)

    # QA sees the earlier value too.
    asha = release_page(qtbot, runner, demo, "asha.qa", case)
    shown = asha.findChild(QLabel, "history-mycoplasma")
    assert shown.isVisible() and shown.text() == "⟲ was detected"
    assert "Quinn" in shown.toolTip()


def test_certification_is_refused_while_items_are_open(
    qtbot: QtBot, demo, driver: JourneyDriver, runner: TaskRunner, dialogs: Dialogs
) -> None:
    case = at_qc(driver, "HREL2")
    petra = release_page(qtbot, runner, demo, "petra.qp", case)
    # Issue 16: at 1280 × 800 the QP sees, without scrolling, what blocks certification, the
    # Certify button and every checklist item (the open one's evidence too); the QC results
    # follow below (the page opened on the QC table, the checklist below the fold).
    petra.resize(*PAGE_AREA_1280)
    qtbot.wait(20)
    assert petra.scroller.verticalScrollBar().value() == 0
    assert in_view(petra.checklist_summary) and in_view(petra.certify_button)
    assert "Open: 4. Every QC result entered, reviewed and in specification" in (
        petra.checklist_summary.text()
    )
    items = petra.checklist.findChildren(QFrame, "checklistItem")
    assert len(items) == 10 and all(in_view(item) for item in items)
    assert in_view(petra.findChild(QLabel, "evidence-4"))
    assert petra.qc_box.y() > petra.checklist_box.y()
    assert settled_clipping(qtbot, petra) == []
    save_both_sizes(petra, "release-qp-opens-on-the-checklist")
    petra.resize(*PAGE_SIZE)
    assert petra.checklist.lines()[3] == (
        "✖ 4. Every QC result entered, reviewed and in specification"
    )
    assert "Sterility: no result" in petra.checklist.evidence(4)
    assert petra.checklist_summary.text().startswith("✖ 1 of 10 items open")

    # Items are open: the page refuses before any signature is asked for (issue 16).
    asked = len(dialogs.signed)
    click(qtbot, petra, "certify")
    settle(qtbot, runner)
    assert len(dialogs.signed) == asked
    text = petra.message.text()
    assert petra.message.objectName() == "errorMessage"
    assert text.startswith(f"✖ Batch {case.coi_eye_readable} was not certified, nothing was")
    assert "cannot be released while items are open" in text
    assert "4. Every QC result entered, reviewed and in specification" in text
    assert "Traceback" not in text
    assert petra.certify_button.isEnabled()
    screenshot(petra, "release-refused-open-items", height=1500)
    assert_fits_1280(qtbot, petra, "release-refused-open-items-fit-1280.png")
    assert find_case(demo.database, demo["petra.qp"], case.id).stage is CaseStage.QC_PENDING_RELEASE


class VeraVerifiesAsQp(JourneyDriver):
    """The journey with every verification signed by a verifier who is also a QP."""

    def who(self, username: str) -> Actor:
        return super().who("vera.qp" if username == "vera.verifier" else username)


def test_a_qp_who_verified_a_step_cannot_certify(
    qtbot: QtBot, demo, tmp_path: Path, runner: TaskRunner, dialogs: Dialogs
) -> None:
    admin = authenticate(demo.database, "admin", ADMIN_PASSWORD, "test-station")
    with UnitOfWork(demo.database, admin) as uow:
        create_user(
            uow,
            username="vera.qp",
            full_name="Vera Verifier-QP",
            password=DEMO_PASSWORD,
            roles=[Role.MFG_VERIFIER, Role.QP],
            site_code="CTF",
        )
        uow.commit()
    driver = VeraVerifiesAsQp(demo.database, tmp_path)
    case = at_qc(driver, "HREL3")
    qc_done(driver, case)

    vera = release_page(qtbot, runner, demo, "vera.qp", case)
    lines = vera.checklist.lines()
    assert lines[9] == "✖ 10. The QP did not perform or verify any step of this batch"
    assert all(line.startswith("✔") for line in lines[:9])
    assert "you performed or verified a step of this batch" in vera.checklist.evidence(10)
    signed = len(dialogs.signed)
    click(qtbot, vera, "certify")
    settle(qtbot, runner)
    text = vera.message.text()
    assert len(dialogs.signed) == signed  # refused before a password is asked for
    assert text.startswith(f"✖ Batch {case.coi_eye_readable} was not certified")
    assert "10. The QP did not perform or verify any step of this batch" in text
    screenshot(vera, "release-refused-separation-of-duties", height=1500)
    assert_fits_1280(qtbot, vera, "release-refused-separation-of-duties-fit-1280.png")
    assert find_case(demo.database, demo["vera.qp"], case.id).stage is CaseStage.QC_PENDING_RELEASE

    # An independent QP can.
    petra = release_page(qtbot, runner, demo, "petra.qp", case)
    assert petra.checklist.lines()[9].startswith("✔ 10.")
    click(qtbot, petra, "certify")
    settle(qtbot, runner)
    assert find_case(demo.database, demo["petra.qp"], case.id).stage is CaseStage.RELEASED


# ---------------------------------------------------------------- deviations


def deviations_page(qtbot: QtBot, runner: TaskRunner, demo, username: str) -> DeviationsPage:
    """The deviations page of ``username``, loaded."""
    page = open_page(qtbot, runner, DeviationsPage(demo.database, demo[username], runner))
    assert isinstance(page, DeviationsPage)
    return page


def row_texts(page: DeviationsPage, row: int) -> list[str]:
    """The texts of one line of the deviations list."""
    table = page.deviation_table
    return [table.item(row, column).text() for column in range(table.columnCount())]


def description_reads_whole(qtbot: QtBot, page: DeviationsPage, name: str) -> None:
    """Issue 16: at 1280 × 800 the description was elided ("Activation reagent lot ACT-24-117
    …"); it wraps in its column, its row as tall as its lines, and at 1920 × 1080 a short one
    stays on one line (the row no taller than it). The other columns stay whole on one line;
    the list never scrolls sideways."""
    table = page.deviation_table
    metrics = table.fontMetrics()
    for size in (PAGE_AREA_1280, PAGE_AREA_1920):
        page.resize(*size)
        qtbot.wait(20)
        widths = [table.columnWidth(c) for c in range(table.columnCount())]
        assert sum(widths) <= table.viewport().width(), (size, widths)
        for row in range(table.rowCount()):
            for column in range(table.columnCount() - 1):
                text = table.item(row, column).text()
                assert metrics.horizontalAdvance(text) <= widths[column], (size, column, text)
            text = table.item(row, 5).text()
            room = widths[5] - 8
            need = metrics.boundingRect(0, 0, room, 1000, Qt.TextFlag.TextWordWrap, text)
            assert need.width() <= room, (size, need)
            assert need.height() <= table.rowHeight(row), (size, need, table.rowHeight(row))
            assert table.rowHeight(row) <= need.height() + 16, (size, table.rowHeight(row))
    save_both_sizes(page, name)
    page.resize(*PAGE_SIZE)


def test_a_deviation_raised_by_an_operator_is_closed_by_qa(
    qtbot: QtBot, demo, driver: JourneyDriver, runner: TaskRunner, dialogs: Dialogs
) -> None:
    case = driver.run_to(
        driver.enrol("HDEV1", "Seacole", "Mary", date(1975, 11, 23)), CaseStage.IN_MANUFACTURE
    )
    otto = deviations_page(qtbot, runner, demo, "otto.operator")
    assert otto.deviation_table.rowCount() == 0
    assert not otto.findChild(QPushButton, "closeDeviation").isVisible()
    assert not otto.findChild(QPushButton, "acceptColdChain").isVisible()

    description = "Activation reagent lot ACT-24-117 found 2 h past its thaw window; not used."
    dialogs.texts.append(description)
    dialogs.choice = case.coi_eye_readable
    click(qtbot, otto, "raiseDeviation")
    settle(qtbot, runner)
    assert "Describe what happened" in dialogs.prompts[-1]
    (raised,) = deviations_of_case(demo.database, reader(demo.database), case.id)
    assert raised.status is DeviationStatus.OPEN
    assert raised.kind == "reported"
    assert raised.description == description
    assert otto.message.text().startswith(f"✔ Deviation {raised.number} raised")
    number, kind, status, coi, _raised_at, shown = row_texts(otto, 0)
    assert (number, kind, status, coi, shown) == (
        raised.number, "Reported", "● Open", case.coi_eye_readable, description,
    )  # fmt: skip
    otto.select_deviation(raised.number)
    assert "Otto Operator" in otto.details.text()
    assert description in otto.details.text()  # selected: the full text under the list
    description_reads_whole(qtbot, otto, "deviations-description-wraps")
    screenshot(otto, "deviations-raised")

    asha = deviations_page(qtbot, runner, demo, "asha.qa")
    asha.select_deviation(raised.number)
    closure = (
        "Root cause: thaw log not checked at dispensing. The lot was quarantined before use; "
        "no impact on the batch. CAPA-031: thaw time printed on the dispensing label."
    )
    dialogs.texts.append(closure)
    click(qtbot, asha, "closeDeviation")
    settle(qtbot, runner)
    assert "Meaning: <b>Approved</b>" in dialogs.signed[-1]
    assert f"Closure of deviation {raised.number}" in dialogs.signed[-1]
    assert asha.message.text() == f"✔ Deviation {raised.number} closed with your signature."
    asha.select_deviation(raised.number)
    assert row_texts(asha, 0)[2] == "✔ Closed"
    assert "CAPA-031" in asha.details.text()
    assert "Asha Quality · " in asha.details.text() and "Approved" in asha.details.text()
    assert not asha.findChild(QPushButton, "closeDeviation").isEnabled()
    # Issue 16: with no cold-chain file waiting, the deviations take the height (the empty
    # list below took three quarters; the closure's signature was cut off under the list).
    asha.resize(*PAGE_AREA_1280)
    qtbot.wait(20)
    assert not [p for p in clipped(asha) if "deviationDetails" in p], clipped(asha)
    assert asha.deviation_table.rowHeight(0) <= asha.deviation_table.viewport().height()
    assert asha.details.height() >= asha.details.heightForWidth(asha.details.width())
    asha.resize(*PAGE_SIZE)
    screenshot(asha, "deviations-closed")
    (closed,) = deviations_of_case(demo.database, reader(demo.database), case.id)
    assert closed.status is DeviationStatus.CLOSED
    assert closed.closure == closure


def plot_and_save_as(
    qtbot: QtBot,
    runner: TaskRunner,
    demo,
    asha: DeviationsPage,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """QA looks at the trace beside the verdict and saves the report where she chooses."""
    pending = asha.selected_pending()
    assert pending is not None
    qtbot.waitUntil(lambda: "readings plotted" in asha.plot_note.text(), timeout=60_000)
    assert asha.plot.isVisible()
    assert asha.plot.trace_line.xData is not None and len(asha.plot.trace_line.xData) > 0
    assert asha.plot.excursion_regions  # the excursion QA decides on is drawn
    for width, height in ((1280, 800), (1920, 1080)):  # the page area of such a window
        asha.resize(*PAGE_AREAS[f"{width}x{height}"])
        qtbot.wait(50)  # the plot and the tables lay out after the resize
        save_shot(asha, f"deviations-excursion-plot-{width}.png", (width, height))
        # Issue 16: the whole page fits, the plot above the fold and tall enough to read.
        place = asha.plot.mapTo(asha, asha.plot.rect().bottomRight())
        assert place.y() < asha.height() and place.x() < asha.width(), (width, place)
        assert asha.plot.height() >= asha.plot.minimumHeight(), width
        # The legend sits above the highest reading: it never hides the excursion's peak.
        view = asha.plot.getPlotItem().getViewBox()
        legend = view.mapSceneToView(asha.plot.legend.sceneBoundingRect().bottomLeft())
        assert legend.y() > float(np.nanmax(asha.plot.trace_line.yData)), width
        edge = view.sceneBoundingRect().right()
        assert asha.plot.legend.sceneBoundingRect().right() <= edge, width  # never cut off
    for width, height in ((1280, 800), (1920, 1080), (1246, 800)):  # 1246: a 990 px page
        asha.resize(width - 256, height - 46)
        qtbot.wait(50)
        # Issue 16 review: the legend covered the excursion band's top; it sits above the
        # data area now. The time caption was cut at 1000 px; it fits the plot whole.
        view = asha.plot.getPlotItem().getViewBox()
        legend = asha.plot.legend.sceneBoundingRect()
        assert legend.bottom() <= view.sceneBoundingRect().top(), width
        caption = asha.plot.getPlotItem().getAxis("bottom").label.sceneBoundingRect()
        assert caption.left() >= 0 and caption.right() <= asha.plot.viewport().width(), width
    # Issue 16: at 1280 × 800 the plot was too small to read (its data area 325 × 99 px); it
    # takes the tab's height and half its width now.
    asha.resize(*PAGE_AREA_1280)
    qtbot.wait(50)
    area = asha.plot.getPlotItem().getViewBox().sceneBoundingRect()
    assert area.width() >= PLOT_AREA_1280[0] and area.height() >= PLOT_AREA_1280[1], area
    asha.resize(*PAGE_AREA_1920)  # a wide window widens the plot, not the list's empty band
    qtbot.wait(50)
    area = asha.plot.getPlotItem().getViewBox().sceneBoundingRect()
    assert area.width() >= 0.5 * PAGE_AREA_1920[0], area
    assert_fits_1280(qtbot, asha, "deviations-excursion-plot-fit-1280.png")
    # Issue 16: at 1280 × 800 batch, verdict and what was found are seen without scrolling;
    # the file name column gives way (elided, whole in its tooltip).
    asha.resize(*PAGE_AREA_1280)
    qtbot.wait(50)
    table = asha.pending_table
    widths = [table.columnWidth(c) for c in range(table.columnCount())]
    assert sum(widths) <= table.viewport().width(), widths
    assert not table.horizontalScrollBar().isVisible(), widths
    assert table.horizontalScrollBar().maximum() == 0, widths
    for column in (1, 2, 3):  # batch, verdict, what was found: whole
        text, width = table.item(0, column).text(), table.columnWidth(column) - 8
        need = table.fontMetrics().boundingRect(0, 0, width, 1000, Qt.TextFlag.TextWordWrap, text)
        assert need.width() <= width and need.height() <= table.rowHeight(0), (column, need)
    # issue 16 review: the file name was "lo…sv"; it reads whole now, its shipment under it
    text = table.item(0, 0).text()
    name, shipment = text.replace("\u200b", "").split("\n")  # it may wrap at - and .
    assert name == pending.logger.file_name
    assert shipment == sscc_text(pending.sscc).replace("\xa0", " ")
    width = table.columnWidth(0) - 8
    need = table.fontMetrics().boundingRect(0, 0, width, 1000, Qt.TextFlag.TextWordWrap, text)
    assert need.width() <= width and need.height() <= table.rowHeight(0), need
    assert table.item(0, 0).toolTip().startswith(pending.logger.file_name)
    save_both_sizes(asha, "deviations-dispositions-fit")
    caption = asha.plot.getPlotItem().getAxis("bottom").label.sceneBoundingRect()
    assert caption.left() >= 0 and caption.right() <= asha.plot.viewport().width(), caption
    asha.resize(*PAGE_SIZE)

    chosen = tmp_path / "chosen" / "excursion"  # no suffix typed: .pdf is added
    chosen.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *_args: (str(chosen), "PDF"))
    )
    saver = asha.report_saver
    assert saver.button.text() == "Save report as…" and saver.button.isEnabled()
    qtbot.mouseClick(saver.button, Qt.MouseButton.LeftButton)
    assert saver.progress.isVisible()  # busy while the report is drawn off the GUI thread
    qtbot.waitUntil(lambda: saver.last_saved is not None, timeout=60_000)
    settle(qtbot, runner)
    saved = saver.last_saved
    assert saved is not None and saved.path == chosen.with_suffix(".pdf")
    assert saved.path.read_bytes().startswith(b"%PDF")
    assert not saver.progress.isVisible()
    assert saver.message.text().startswith(f"✔ Saved to {saved.path}")
    with demo.database.read_session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "print excursion report")
        ).one()
    assert (event.record_type, event.record_id) == ("logger_file", str(pending.logger.id))
    assert saved.sha256 in event.new_values


@pytest.mark.parametrize("decision", [Disposition.ACCEPT, Disposition.REJECT])
def test_qa_dispositions_an_excursion_and_opens_its_report(
    qtbot: QtBot,
    demo,
    driver: JourneyDriver,
    runner: TaskRunner,
    dialogs: Dialogs,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    decision: Disposition,
) -> None:
    case = driver.run_to(
        driver.enrol("HDEV2", "Cavell", "Edith", date(1965, 12, 4)),
        CaseStage.RECEIVED_AT_MANUFACTURER,
        excursion=True,
        leave_for_qa=True,
    )
    (cold_chain,) = deviations_of_case(demo.database, reader(demo.database), case.id)
    assert cold_chain.shipment_id is not None
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the report lands in the test's folder

    otto = deviations_page(qtbot, runner, demo, "otto.operator")
    assert otto.pending_table.rowCount() == 1  # everyone sees what waits; only QA decides
    assert not otto.findChild(QPushButton, "rejectColdChain").isVisible()

    asha = deviations_page(qtbot, runner, demo, "asha.qa")
    assert row_texts(asha, 0)[1:4] == ["Cold chain", "● Open", case.coi_eye_readable]
    table = asha.pending_table
    assert table.rowCount() == 1
    assert table.item(0, 1).text() == case.coi_eye_readable
    assert table.item(0, 2).text() == "✖ Excursion"
    assert table.item(0, 3).text().startswith("1 excursion, longest ")
    assert asha.pending_note.text().startswith("⚠ 1 logger file keeps")

    click(qtbot, asha, "openReport")
    settle(qtbot, runner)
    assert asha.last_report is not None
    assert asha.last_report.read_bytes().startswith(b"%PDF")
    assert asha.last_report.is_relative_to(tmp_path)
    assert opened == [QUrl.fromLocalFile(str(asha.last_report))]
    # Issue 16: what was opened, in words, and how to keep it; not the temporary file's name
    said = asha.message.text()
    assert said.startswith("✔ The cold-chain excursion report of logger-")
    assert f"batch {case.coi_eye_readable})" in said and "shipment (00) " in said
    assert "Save report as…" in said and asha.last_report.name not in said
    # the temperature profile by its name for people, not its code "fresh-2-8"
    assert "profile Fresh, refrigerated 2–8 °C" in asha.pending_details.text()
    assert "fresh-2-8" not in asha.pending_details.text()
    screenshot(asha, f"deviations-excursion-{decision.value}")
    if decision is Disposition.ACCEPT:
        plot_and_save_as(qtbot, runner, demo, asha, monkeypatch, tmp_path)

    justification = (
        "Excursion of 20 min at 9.5 °C is within the validated stability data (STB-014)."
        if decision is Disposition.ACCEPT
        else "Excursion outside the validated stability data; the material cannot be used."
    )
    # A wrong password: refused in words, nothing decided; the page with its refusal shown
    # fits 1280 × 800 (issue 16: every page, with its largest message, fits).
    dialogs.password = "wrong"
    dialogs.texts.append(justification)
    click(qtbot, asha, f"{decision.value}ColdChain")
    settle(qtbot, runner)
    refusal = asha.message.text()
    assert refusal.startswith("✖ ") and "was not dispositioned" in refusal, refusal
    assert "password" in refusal.lower(), refusal
    assert asha.pending_table.rowCount() == 1 and asha.message.isVisible()
    assert_fits_1280(qtbot, asha, f"deviations-disposition-refused-{decision.value}-1280.png")
    dialogs.password = DEMO_PASSWORD

    dialogs.texts.append(justification)
    click(qtbot, asha, f"{decision.value}ColdChain")
    settle(qtbot, runner)
    assert "Meaning: <b>Dispositioned</b>" in dialogs.signed[-1]
    assert f"{decision.value.upper()} " in dialogs.signed[-1]
    assert case.coi_eye_readable in dialogs.signed[-1]
    assert asha.message.text().startswith("✔ ")
    # issue 16 review: in words, never the stored 'accept'
    assert f"cold chain {decision.value}ed with your signature" in asha.message.text()
    assert f"'{decision.value}'" not in asha.message.text()
    assert asha.pending_table.rowCount() == 0
    assert asha.pending_note.text().startswith("✔ No cold-chain file")
    screenshot(asha, f"deviations-dispositioned-{decision.value}")
    (logger,) = logger_files_of_shipment(
        demo.database, reader(demo.database), cold_chain.shipment_id
    )
    assert logger.disposition is decision
    assert logger.justification == justification
    assert logger.dispositioned_by == "Asha Quality"
    with demo.database.read_session() as session:
        bags = [u for u in units_of_case(session, case.id) if u.kind.value == "apheresis_bag"]
    expected = SideState.REJECTED if decision is Disposition.REJECT else SideState.QUARANTINED
    assert [bag.side_state for bag in bags] == [expected]
    qa_accepts_the_receipt(qtbot, runner, driver, asha, dialogs, case, decision)


def qa_accepts_the_receipt(
    qtbot: QtBot,
    runner: TaskRunner,
    driver: JourneyDriver,
    asha: DeviationsPage,
    dialogs: Dialogs,
    case: CaseView,
    decision: Disposition,
) -> None:
    """Issue 16: QA's work item "Accept the quarantined receipt" opened this page, which had no
    such action, and the units stayed quarantined. The receipt is listed with what still
    blocks it; once nothing does, QA accepts it with a justification and a signature."""
    table = asha.receipt_table
    assert asha.receipts_part.isVisible() and table.rowCount() == 1
    assert table.item(0, 1).text() == case.coi_eye_readable
    button = asha.accept_receipt_button
    blocking = table.item(0, 3).text()
    if decision is Disposition.REJECT:  # rejected units: the receipt is never accepted
        assert "Rejected or destroyed units" in blocking and not button.isEnabled()
        return
    assert blocking.startswith("Open deviations: ") and not button.isEnabled()
    signed = len(dialogs.signed)
    asha.accept_selected_receipt()  # nothing happens while something blocks it
    assert len(dialogs.signed) == signed
    driver.close_deviations(case)
    click(qtbot, asha, "reloadDeviations")
    settle(qtbot, runner)
    assert table.item(0, 3).text() == "✔ Nothing: QA may accept it." and button.isEnabled()
    screenshot(asha, "deviations-receipt-to-accept")
    dialogs.texts.append("Cold chain accepted (STB-014) and its deviation closed.")
    click(qtbot, asha, "acceptReceipt")
    settle(qtbot, runner)
    assert "Meaning: <b>Approved</b>" in dialogs.signed[-1]
    assert "Acceptance of the receipt of shipment" in dialogs.signed[-1]
    assert asha.message.text().startswith("✔ Receipt of ")
    assert "out of quarantine" in asha.message.text()
    assert not asha.receipts_part.isVisible()
    with driver.database.read_session() as session:
        bags = [u for u in units_of_case(session, case.id) if u.kind.value == "apheresis_bag"]
    assert [bag.side_state for bag in bags] == [SideState.NONE]
    queue = work_queue(driver.database, driver.who("asha.qa"))
    assert not [item for item in queue if item.case_id == case.id and "receipt" in item.title]
    screenshot(asha, "deviations-receipt-accepted")


def test_the_checklist_says_an_out_of_specification_result_in_words(
    qtbot: QtBot, demo, driver: JourneyDriver, runner: TaskRunner
) -> None:
    """Issue 16: item 4's evidence says "Viability: out of specification", never "oos"."""
    case = at_qc(driver, "HREL9")
    for test, value in {**QC_RESULTS, "viability": "62"}.items():
        enter_qc_result(driver.database, driver.who("quinn.qc"), case.id, test, value)
    for result in qc_results_of_case(driver.database, reader(driver.database), case.id):
        review_qc_result(driver.database, driver.who("asha.qa"), result.id, DEMO_PASSWORD)
        if result.outcome is QcOutcome.PENDING:
            approve_qc_exception(
                driver.database, driver.who("asha.qa"), result.id, "per SOP-QA-12", DEMO_PASSWORD
            )
    petra = release_page(qtbot, runner, demo, "petra.qp", case)
    evidence = petra.checklist.evidence(4)
    assert "Viability: out of specification" in evidence, evidence
    assert "oos" not in evidence
    assert petra.findChild(QLabel, "evidence-4").isVisible()
    screenshot(petra, "release-checklist-oos-in-words", height=1500)


def test_qa_work_item_opens_its_receipt_in_quarantine_and_acceptance_clears_the_alert(
    qtbot: QtBot, demo, driver: JourneyDriver, runner: TaskRunner, dialogs: Dialogs
) -> None:
    """Issue 16: QA's work item "Accept the quarantined receipt of …" opened the Deviations page
    on its first tab with another row selected; after QA accepted, the "Quarantined" alert
    stayed on Home. Two receipts wait: the first with its excursion still to disposition (so
    the page would open on the cold chain), the second with nothing blocking it."""
    waiting = driver.run_to(
        driver.enrol("HWRK1", "Arden", "Mae", date(1970, 3, 1)),
        CaseStage.RECEIVED_AT_MANUFACTURER,
        excursion=True,
        leave_for_qa=True,
    )
    ready = driver.run_to(
        driver.enrol("HWRK2", "Brook", "Lev", date(1971, 4, 2)),
        CaseStage.RECEIVED_AT_MANUFACTURER,
        excursion=True,
        leave_for_qa=True,
    )
    asha = demo["asha.qa"]
    (deviation,) = deviations_of_case(demo.database, asha, ready.id)
    assert deviation.shipment_id is not None
    for logger in logger_files_of_shipment(demo.database, asha, deviation.shipment_id):
        disposition_logger_file(
            demo.database, asha, logger.id, Disposition.ACCEPT, "Within STB-014.", DEMO_PASSWORD
        )
    driver.close_deviations(ready)
    with demo.database.read_session() as session:
        sscc = session.get(Shipment, deviation.shipment_id).sscc

    window = MainWindow(demo.database, asha, idle_lock_minutes=600)
    window.runner = runner
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    home = window.show_section("home")
    assert isinstance(home, HomePage)
    qtbot.waitUntil(lambda: home.summary is not None, timeout=30_000)

    def quarantined(case: CaseView) -> list[str]:
        assert home.summary is not None
        return [
            alert.message
            for alert in home.summary.alerts
            if alert.kind is AlertKind.QUARANTINED_UNIT and alert.case_id == case.id
        ]

    assert quarantined(ready) and quarantined(waiting)
    title = f"Accept the quarantined receipt of {sscc_text(sscc)}"
    (row,) = [i for i, text in enumerate(home.work_texts()) if text.startswith(title)]
    item = home.work.item(row)
    rect = home.work.visualItemRect(item)
    qtbot.mouseClick(home.work.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(home.work.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    page = window.pages.currentWidget()
    assert isinstance(page, DeviationsPage)
    settle(qtbot, runner)
    assert page.qa_tabs.currentIndex() == RECEIPTS_TAB
    selected = page.selected_receipt()
    assert selected is not None and selected.sscc == sscc and not selected.blocking
    assert page.accept_receipt_button.isEnabled()
    save_both_sizes(page, "deviations-work-item-opens-its-receipt")

    dialogs.texts.append("Cold chain accepted (STB-014) and its deviation closed.")
    click(qtbot, page, "acceptReceipt")
    settle(qtbot, runner)
    assert page.message.text().startswith(f"✔ Receipt of {sscc_text(sscc)} accepted")
    assert window.show_section("home") is home  # coming back reads the queue and alerts again
    qtbot.waitUntil(lambda: not quarantined(ready), timeout=30_000)
    assert quarantined(waiting)  # the other receipt still waits
    shown = [home.alerts.item(i).text() for i in range(home.alerts.count())]
    assert not [text for text in shown if text in quarantined(ready)]
    assert not [t for t in home.work_texts() if t.startswith(title)]
    assert not [
        alert
        for alert in alerts(demo.database, asha)
        if alert.kind is AlertKind.QUARANTINED_UNIT and alert.case_id == ready.id
    ]
