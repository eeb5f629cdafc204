"""QA's "Attach logger file as a correction…" on the Deviations page (issue 16): a logger file
found after a receipt was accepted is attached only by QA, chosen in the file dialog, with a
reason and QA's signature; the service's refusals are shown in words; the file is marked as a
correction; an infused bag is not quarantined again. On SQLite and PostgreSQL (it writes)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.coldchain import correct_logger_file
from app.core import NotPermitted, UnitOfWork
from app.quality.signatures import signatures_of
from db.enums import SideState, SignatureMeaning, Verdict
from db.models import AuditEvent, LoggerFile, Shipment, Unit
from db.types import utc_now
from tests.journey.steps import DEMO_PASSWORD
from tests.journey.test_logger_guards import accepted_leg, infuse, warm, with_serial
from tests.journey.test_logger_records import Leg, counts, write_log
from tests.ui.fit import assert_fits_1280, save_both_sizes
from ui.dialogs.logger_import import LoggerImportDialog
from ui.dialogs.prompts import StatementDialog
from ui.dialogs.signing import SignatureDialog
from ui.pages.deviations.page import ACCEPTED_TAB, DeviationsPage
from ui.tasks.runner import TaskRunner

PAGE_SIZE = (990, 760)


class Answers:
    """What QA chooses and types in the file, statement and signature dialogs (never shown)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.path: Path | None = None
        self.reason = "Second logger found in the shipper's lid"
        self.password = DEMO_PASSWORD
        self.statement_ok: bool | None = None
        """Whether the statement dialog's OK was enabled with the reason typed."""
        self.shot: str | None = None
        """Save the next statement dialog, over the page, as this screenshot."""
        answers = self

        def state(dialog: StatementDialog) -> int:
            dialog.text_field.setPlainText(answers.reason)
            answers.statement_ok = dialog.ok_button.isEnabled()
            if answers.shot is not None:
                dialog.show()
                save_both_sizes(dialog, answers.shot)
                dialog.hide()
                answers.shot = None
            ok = answers.statement_ok
            return int(QDialog.DialogCode.Accepted if ok else QDialog.DialogCode.Rejected)

        def sign(dialog: SignatureDialog) -> int:
            dialog.password_field.setText(answers.password)
            return int(QDialog.DialogCode.Accepted)

        monkeypatch.setattr(
            QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(answers.path or ""), "")
        )
        monkeypatch.setattr(StatementDialog, "exec", state)
        monkeypatch.setattr(SignatureDialog, "exec", sign)


def handed_over_hours_ago(demo, leg: Leg, hours: float) -> None:
    """Set the hand-over to the courier back, as if the shipper had travelled for ``hours``
    (the import dialog's trip window starts there)."""
    with UnitOfWork(demo.database, demo["alex.apheresis"]) as uow:
        shipment = uow.session.get(Shipment, leg.shipment.id)
        assert shipment is not None
        shipment.handed_over_at = utc_now() - timedelta(hours=hours)
        uow.commit()


def settle(qtbot: QtBot, runner: TaskRunner) -> None:
    qtbot.waitUntil(lambda: not runner.busy, timeout=30_000)
    QApplication.processEvents()


def qa_page(qtbot: QtBot, runner: TaskRunner, demo, leg: Leg) -> DeviationsPage:
    """QA's Deviations page on the accepted receipts, the leg's shipment selected."""
    page = DeviationsPage(demo.database, demo["asha.qa"], runner)
    qtbot.addWidget(page)
    page.resize(*PAGE_SIZE)
    page.show()
    qtbot.waitExposed(page)
    settle(qtbot, runner)
    assert page.qa_tabs.isTabVisible(ACCEPTED_TAB)
    page.qa_tabs.setCurrentIndex(ACCEPTED_TAB)
    page.corrections.select_shipment(leg.shipment.sscc)
    return page


def attach(qtbot: QtBot, page: DeviationsPage, answers: Answers, path: Path) -> LoggerImportDialog:
    """Click "Attach logger file as a correction…", answer the questions, click Attach."""
    answers.path = path
    button = page.corrections.correct_button
    assert button.isVisible() and button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = page.corrections.dialog
    assert dialog is not None and dialog.isVisible()
    assert "correction" in dialog.windowTitle()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    return dialog


def refused(qtbot: QtBot, dialog: LoggerImportDialog) -> str:
    """The refusal the dialog shows in words; the dialog is then cancelled."""
    qtbot.waitUntil(dialog.error.isVisible, timeout=60_000)
    words = dialog.error.text()
    assert dialog.phase.text() == "Nothing was stored."
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    return words


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    return Answers(monkeypatch)


def test_qa_attaches_a_late_file_as_a_signed_correction_refusals_in_words(
    qtbot: QtBot, demo, runner: TaskRunner, answers: Answers, tmp_path: Path
) -> None:
    leg = accepted_leg(demo, tmp_path, bags=2)
    handed_over_hours_ago(demo, leg, 3)
    given, waiting = leg.bags
    infuse(demo, given.id)
    page = qa_page(qtbot, runner, demo, leg)
    row = page.corrections.selected()
    assert row is not None and row.spent == 1
    assert "ok.csv" in page.corrections.table.item(0, 3).text()
    before = counts(demo)[:2]
    late = write_log(tmp_path / "late.csv", warm)

    # A blank reason: the statement cannot be signed, no dialog opens, nothing is stored.
    answers.reason, answers.path = "   ", late
    qtbot.mouseClick(page.corrections.correct_button, Qt.MouseButton.LeftButton)
    assert answers.statement_ok is False and page.corrections.dialog is None

    # A wrong password: the signature fails in words, nothing is stored.
    answers.reason, answers.password = "Second logger found in the shipper's lid", "wrong"
    answers.shot = "logger-correction-reason"
    words = refused(qtbot, attach(qtbot, page, answers, late))
    assert "password" in words.lower(), words
    answers.password = DEMO_PASSWORD

    # A file from another logger, then one whose readings miss the trip: refused, naming why.
    other = with_serial(write_log(tmp_path / "other-logger.csv", warm), "LOG777")
    words = refused(qtbot, attach(qtbot, page, answers, other))
    assert "LOG777" in words and "5901234LOG001" in words, words
    yesterday = write_log(
        tmp_path / "yesterday-trip.csv", before=timedelta(hours=30), after=timedelta(hours=-24)
    )
    dialog = attach(qtbot, page, answers, yesterday)
    qtbot.waitUntil(dialog.error.isVisible, timeout=60_000)
    assert "yesterday-trip.csv has no reading in the trip window" in dialog.error.text()
    assert "Is it the logger of this shipment?" in dialog.error.text()
    save_both_sizes(dialog, "logger-correction-refused")
    refused(qtbot, dialog)
    assert counts(demo)[:2] == before
    with demo.database.read_session() as session:
        states = dict(session.execute(select(Unit.id, Unit.side_state)).all())
    assert states[given.id] is SideState.NONE and states[waiting.id] is SideState.NONE

    # The late file, signed: an excursion; the bag still in the chain is quarantined, the
    # infused one is not, and the page says so.
    dialog = attach(qtbot, page, answers, late)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=60_000)
    settle(qtbot, runner)
    message = page.message.text()
    assert "late.csv attached to shipment" in message and "QA correction" in message, message
    assert "1 unit already infused or used is not quarantined again" in message, message
    with demo.database.read_session() as session:
        states = dict(session.execute(select(Unit.id, Unit.side_state)).all())
        row_file = session.scalars(select(LoggerFile).where(LoggerFile.file_name == "late.csv"))
        stored = row_file.one()
        signed = signatures_of(session, stored)
        events = session.execute(
            select(AuditEvent.action, AuditEvent.reason).where(
                AuditEvent.record_id == str(stored.id)
            )
        ).all()
    assert stored.verdict is Verdict.EXCURSION
    assert [(s.meaning, s.intact, s.signer_username) for s in signed] == [
        (SignatureMeaning.APPROVED, True, "asha.qa")
    ]
    assert ("correct logger file", answers.reason) in [tuple(e) for e in events]
    assert states[given.id] is SideState.NONE
    assert states[waiting.id] is SideState.QUARANTINED
    # The shipment's cold chain now shows the file, marked as QA's correction, to disposition.
    assert page.qa_tabs.currentIndex() == 0
    pending = page.selected_pending()
    assert pending is not None and pending.logger.id == stored.id
    assert pending.logger.correction == answers.reason
    details = page.pending_details.text()
    assert "<b>✎ QA correction</b>" in details  # the file and shipment: in the list row
    assert "Attached as a correction by Asha Quality at " in details
    assert page.pending_details.toolTip() == f"QA's reason for the correction: {answers.reason}"
    assert_fits_1280(qtbot, page, "logger-correction-done-1280.png")


def test_a_correction_within_limits_stays_listed_as_a_correction(
    qtbot: QtBot, demo, runner: TaskRunner, answers: Answers, tmp_path: Path
) -> None:
    leg = accepted_leg(demo, tmp_path)
    page = qa_page(qtbot, runner, demo, leg)
    answers.reason = "Backup logger read after acceptance"
    backup = write_log(tmp_path / "backup.csv", after=timedelta(minutes=30))
    dialog = attach(qtbot, page, answers, backup)
    qtbot.waitUntil(lambda: not dialog.isVisible() or dialog.error.isVisible(), timeout=60_000)
    assert not dialog.isVisible(), dialog.error.text()
    settle(qtbot, runner)
    assert "✔ Within limits" in page.message.text()
    assert page.qa_tabs.currentIndex() == ACCEPTED_TAB
    receipt = page.corrections.selected()
    assert receipt is not None and receipt.shipment.id == leg.shipment.id
    assert [view.correction for view in receipt.files] == [None, answers.reason]
    listed = page.corrections.table.item(0, 3).text()
    assert "backup.csv — ✔ Within limits · ✎ QA correction by" in listed, listed
    assert answers.reason in listed
    save_both_sizes(page, "logger-correction-listed")


def test_nobody_but_qa_has_the_correction(
    qtbot: QtBot, demo, runner: TaskRunner, tmp_path: Path
) -> None:
    leg = accepted_leg(demo, tmp_path)
    for name in ("otto.operator", "vera.verifier"):
        page = DeviationsPage(demo.database, demo[name], runner)
        qtbot.addWidget(page)
        page.show()
        settle(qtbot, runner)
        assert not page.qa_tabs.isTabVisible(ACCEPTED_TAB)
        assert not page.corrections.correct_button.isVisible()
        assert page.snapshot.accepted == ()
        shown = [w.text() for w in page.findChildren(QLabel) if w.isVisible()]
        assert not [text for text in shown if "correction" in text]
        with pytest.raises(NotPermitted):
            correct_logger_file(
                demo.database,
                demo[name],
                leg.shipment.id,
                write_log(tmp_path / f"{name}.csv", warm),
                "found it",
                DEMO_PASSWORD,
            )
