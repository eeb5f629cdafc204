"""QA approves a QC exception on the QC & release page: release with sterility still pending,
which the specification allows only with an approved exception (a justification and QA's
"Approved" signature). Driven through the real page; the statement and signature dialogs are
answered by stand-ins for their ``exec`` (never shown).

The refusals: no one but QA has the button, and the service refuses anyone else who gets that
far; no justification keeps the dialog's "Sign…" disabled and nothing is asked or written; a
wrong password signs nothing. The outcome is read back through the service and the audit trail.

On SQLite and PostgreSQL (the approval writes): the batch is driven to QC, its results entered
and reviewed once per module and backend, and copied per test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.core import open_database
from app.demo.journey import DEMO_PASSWORD, QC_RESULTS, JourneyDriver
from app.journey import QcResultView, enter_qc_result, qc_results_of_case, review_qc_result
from db.enums import CaseStage, QcOutcome, SignatureMeaning
from db.models import AuditEvent, Signature
from tests.conftest import BACKENDS, Demo, database_copy, demo_source
from tests.support.page_driving import PAGE_SIZE, click, settle, shoot_sizes
from tests.ui.fit import save_both_sizes
from ui.dialogs.prompts import StatementDialog
from ui.dialogs.signing import SignatureDialog
from ui.pages.release.page import ReleasePage
from ui.tasks.runner import TaskRunner

PENDING = "sterility"
JUSTIFICATION = "Sterility (14-day) pending; negative 7-day read per SOP-QA-12."


@dataclass(frozen=True)
class AtQc:
    """A copy of the batch at QC: every result entered and reviewed, sterility pending."""

    demo: Demo
    case_id: uuid.UUID
    coi: str
    pending_id: uuid.UUID


@pytest.fixture(scope="module", params=BACKENDS)
def reviewed_source(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str, uuid.UUID, str]:
    """The batch driven once per backend: (backend, source, case id, COI)."""
    out = tmp_path_factory.mktemp("qc-exception")
    source, url = demo_source(request, out)
    database = open_database(url)
    try:
        driver = JourneyDriver(database, out)
        case = driver.enrol("NBH450001", "Lindgren", "Saga", date(1977, 2, 3))
        case = driver.run_to(case, CaseStage.QC_PENDING_RELEASE)
        for test, value in QC_RESULTS.items():
            enter_qc_result(database, driver.who("quinn.qc"), case.id, test, value)
        for result in qc_results_of_case(database, driver.who("asha.qa"), case.id):
            review_qc_result(database, driver.who("asha.qa"), result.id, DEMO_PASSWORD)
    finally:
        database.dispose()
    return request.param, source, case.id, case.coi_eye_readable


@pytest.fixture
def at_qc(
    request: pytest.FixtureRequest,
    reviewed_source: tuple[str, str, uuid.UUID, str],
    tmp_path: Path,
) -> Iterator[AtQc]:
    backend, source, case_id, coi = reviewed_source
    with database_copy(request, backend, source, tmp_path) as database:
        demo = Demo(database)
        pending = _pending(demo, case_id)
        assert pending.reviewed and not pending.exception_approved
        yield AtQc(demo, case_id, coi, pending.id)


@dataclass
class Answers:
    """What the stand-ins type into the statement and signature dialogs, and what they saw."""

    justification: str = JUSTIFICATION
    password: str = DEMO_PASSWORD
    statements: list[str] = field(default_factory=list)
    """The prompt of each statement dialog shown."""
    signed: list[str] = field(default_factory=list)
    """The statement of each signature dialog shown."""
    shot: str | None = None
    """Save the next statement dialog as this screenshot."""


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    given = Answers()

    def state(dialog: StatementDialog) -> int:
        given.statements.append(_label(dialog, "statementPrompt").text())
        dialog.text_field.setPlainText(given.justification)
        if given.shot is not None:
            dialog.resize(dialog.sizeHint().expandedTo(QSize(560, 0)))
            save_both_sizes(dialog, given.shot)
            given.shot = None
        if not dialog.ok_button.isEnabled():  # nothing to accept: the person can only cancel
            return int(QDialog.DialogCode.Rejected)
        return int(QDialog.DialogCode.Accepted)

    def sign(dialog: SignatureDialog) -> int:
        given.signed.append(_label(dialog, "signatureStatement").text())
        dialog.password_field.setText(given.password)
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(StatementDialog, "exec", state)
    monkeypatch.setattr(SignatureDialog, "exec", sign)
    return given


def _label(widget: QWidget, name: str) -> QLabel:
    found = widget.findChild(QLabel, name)
    assert found is not None, name
    return found


def _pending(demo: Demo, case_id: uuid.UUID) -> QcResultView:
    """The latest sterility result, as the service reads it."""
    results = qc_results_of_case(demo.database, demo["asha.qa"], case_id)
    return next(r for r in reversed(results) if r.test_code == PENDING)


def _recorded(at: AtQc) -> tuple[list[str | None], int]:
    """The reasons of the result's "approve QC exception" events, and its Approved signatures."""
    with at.demo.database.read_session() as session:
        reasons = session.scalars(
            select(AuditEvent.reason)
            .where(
                AuditEvent.record_id == str(at.pending_id),
                AuditEvent.action == "approve QC exception",
            )
            .order_by(AuditEvent.seq)
        ).all()
        signatures = session.scalar(
            select(func.count())
            .select_from(Signature)
            .where(
                Signature.record_id == str(at.pending_id),
                Signature.meaning == SignatureMeaning.APPROVED,
            )
        )
    return list(reasons), int(signatures or 0)


def _page(qtbot: QtBot, runner: TaskRunner, at: AtQc, username: str) -> ReleasePage:
    page = ReleasePage(at.demo.database, at.demo[username], runner)
    qtbot.addWidget(page)
    page.resize(*PAGE_SIZE)
    page.show()
    qtbot.waitExposed(page)
    settle(qtbot, runner)
    page.select_batch(at.case_id)
    settle(qtbot, runner)
    assert page.snapshot is not None and page.snapshot.case.id == at.case_id
    return page


def _approve_button(page: ReleasePage) -> QPushButton:
    button = page.findChild(QPushButton, f"approve-{PENDING}")
    assert button is not None
    return button


def test_qa_approves_the_exception_after_a_blank_justification_and_a_wrong_password(
    qtbot: QtBot, at_qc: AtQc, runner: TaskRunner, answers: Answers
) -> None:
    backend = at_qc.demo.database.backend
    page = _page(qtbot, runner, at_qc, "asha.qa")
    button = _approve_button(page)
    assert button.isVisible() and button.isEnabled()
    assert _label(page, f"reviewState-{PENDING}").text() == "✔ Reviewed"
    assert "✖ 1 of 10 items open" in page.checklist_summary.text()  # item 4: sterility
    others = [b for b in page.findChildren(QPushButton) if b.objectName().startswith("approve-")]
    assert [b.objectName() for b in others if b.isVisible()] == [f"approve-{PENDING}"]

    # No justification: "Sign…" stays disabled, no password is asked, nothing is written.
    answers.justification = "   \n "
    answers.shot = f"release-exception-no-justification-{backend}"
    click(qtbot, button)
    settle(qtbot, runner)
    assert len(answers.statements) == 1 and "still pending" in answers.statements[0]
    assert answers.signed == []
    assert _recorded(at_qc) == ([], 0)
    assert not _pending(at_qc.demo, at_qc.case_id).exception_approved

    # A wrong password: refused in words, nothing signed or approved.
    answers.justification, answers.password = JUSTIFICATION, "not my password"
    click(qtbot, _approve_button(page))
    settle(qtbot, runner)
    assert len(answers.signed) == 1
    assert "Meaning: <b>Approved</b>" in answers.signed[0]
    assert at_qc.coi in answers.signed[0] and "SOP-QA-12" in answers.signed[0]
    assert page.message.objectName() == "errorMessage"
    assert page.message.text().startswith("✖ The exception for Sterility was not approved")
    assert "password is wrong" in page.message.text()
    assert _recorded(at_qc) == ([], 0)
    assert not _pending(at_qc.demo, at_qc.case_id).exception_approved
    shoot_sizes(page, f"release-exception-wrong-password-{backend}")

    # The justification and the right password: approved, shown, recorded once.
    answers.password = DEMO_PASSWORD
    click(qtbot, _approve_button(page))
    settle(qtbot, runner)
    assert page.message.text() == "✔ Exception approved for Sterility with your signature."
    state = _label(page, f"reviewState-{PENDING}")
    assert state.text() == "✔ Reviewed\n✔ Exception approved"
    assert "Asha Quality" in state.toolTip() and "Approved" in state.toolTip()
    assert not _approve_button(page).isVisible()  # approved once: the button is gone
    assert page.checklist_summary.text().startswith("✔ All 10 items satisfied")
    shoot_sizes(page, f"release-exception-approved-{backend}")
    pending = _pending(at_qc.demo, at_qc.case_id)
    assert pending.exception_approved and pending.outcome is QcOutcome.PENDING
    assert _recorded(at_qc) == ([JUSTIFICATION], 1)


def test_no_one_but_qa_approves_an_exception(
    qtbot: QtBot, at_qc: AtQc, runner: TaskRunner, answers: Answers
) -> None:
    for username in ("petra.qp", "quinn.qc"):
        page = _page(qtbot, runner, at_qc, username)
        assert not _approve_button(page).isVisible(), username
        # Past the screen (were the button shown by mistake): the service refuses the role.
        page.approve_exception(PENDING)
        settle(qtbot, runner)
        assert page.message.objectName() == "errorMessage", username
        assert page.message.text().startswith("✖ The exception for Sterility was not approved")
        assert "Quality assurance" in page.message.text()
        assert f"you are signed in as {username}" in page.message.text()
    assert _recorded(at_qc) == ([], 0)
    assert not _pending(at_qc.demo, at_qc.case_id).exception_approved
