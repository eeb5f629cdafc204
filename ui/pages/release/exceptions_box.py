"""The QP's exceptions on the QC & release screen (EU GMP Part IV for ATMPs, §11).

Three panels, each calling one service: the final result of a test released while pending
(QC analyst or QP); the recall of a released batch (QP, reason and signature); a release out of
specification on the treating physician's request (QP: the physician's name, the date and the
scanned acceptance, then the certification signed "released out of specification"). The
services decide; a refusal is shown in their words.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.casefile import CaseStage, ReleaseBatch, Role, SignatureMeaning
from app.core import Actor, Database, din_text
from app.journey import (
    LateResultView,
    certify_oos_release,
    recall_batch,
    record_late_result,
    record_oos_acceptance,
)
from ui.dialogs import StatementDialog, ask_password, ask_statement
from ui.tasks import Failure, TaskRunner, WriteOp
from ui.widgets import escape, typed_input

Done = Callable[[str, uuid.UUID], None]
"""Say what was done, then show that batch again."""


class ExceptionsBox(QGroupBox):
    """Late results, recall and release out of specification for the batch shown."""

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        done: Done,
        refused: Callable[[Failure], None],
    ) -> None:
        super().__init__("QP's exceptions: results after release, recall, release out of spec")
        self.setObjectName("exceptionsBox")
        self.database, self.actor, self.runner = database, actor, runner
        self.done, self.refused = done, refused
        self.batch: ReleaseBatch | None = None
        self.document_path: Path | None = None
        self.is_qp = actor.has_role(Role.QP)
        layout = QVBoxLayout(self)
        self.status = QLabel()
        self.status.setObjectName("exceptionsStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addWidget(self._late_panel())
        layout.addWidget(self._oos_panel())
        layout.addWidget(self._recall_panel())

    # ------------------------------------------------------------------ building
    def _late_panel(self) -> QWidget:
        self.late = QGroupBox("Result that arrived after release")
        row = QHBoxLayout(self.late)
        self.late_test = QComboBox()
        self.late_test.setObjectName("lateTest")
        self.late_value = QLineEdit()
        self.late_value.setObjectName("lateValue")
        self.late_value.setPlaceholderText("final result, e.g. no growth")
        self.late_button = QPushButton("Record result after release")
        self.late_button.setObjectName("recordLateResult")
        self.late_button.clicked.connect(self.record_late)
        row.addWidget(self.late_test)
        row.addWidget(self.late_value, stretch=1)
        row.addWidget(self.late_button)
        return self.late

    def _oos_panel(self) -> QWidget:
        self.oos = QGroupBox("Release out of specification on the treating physician's request")
        form = QFormLayout(self.oos)
        self.physician = QLineEdit()
        self.physician.setObjectName("oosPhysician")
        self.physician.setPlaceholderText("name of the treating physician who accepted")
        self.accepted_on = QDateEdit(QDate.currentDate())
        self.accepted_on.setObjectName("oosAcceptedOn")
        self.accepted_on.setDisplayFormat("yyyy-MM-dd")
        self.accepted_on.setCalendarPopup(True)
        attach_row = QHBoxLayout()
        self.document_label = QLabel("no document attached")
        self.document_label.setObjectName("oosDocument")
        attach = QPushButton("Attach scanned acceptance…")
        attach.setObjectName("oosAttach")
        attach.clicked.connect(self.choose_document)
        attach_row.addWidget(self.document_label, stretch=1)
        attach_row.addWidget(attach)
        self.oos_reason = QLineEdit()
        self.oos_reason.setObjectName("oosDeviation")
        self.oos_reason.setPlaceholderText("the deviation: why the product is released anyway")
        buttons = QHBoxLayout()
        self.accept_button = QPushButton("Record deviation and acceptance")
        self.accept_button.setObjectName("recordOosAcceptance")
        self.accept_button.clicked.connect(self.record_acceptance)
        self.certify_oos_button = QPushButton("Certify RELEASED OUT OF SPECIFICATION…")
        self.certify_oos_button.setObjectName("certifyOos")
        self.certify_oos_button.clicked.connect(self.certify_oos)
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.certify_oos_button)
        buttons.addStretch(1)
        form.addRow("Physician", self.physician)
        form.addRow("Accepted on", self.accepted_on)
        form.addRow("Signed acceptance", attach_row)
        form.addRow("Deviation", self.oos_reason)
        form.addRow(buttons)
        return self.oos

    def _recall_panel(self) -> QWidget:
        self.recall = QGroupBox("Recall")
        row = QHBoxLayout(self.recall)
        note = QLabel(
            "Recalling puts every unit not yet infused on hold and alerts the clinic; the "
            "units are then returned or destroyed."
        )
        note.setWordWrap(True)
        self.recall_button = QPushButton("Recall batch…")
        self.recall_button.setObjectName("recallBatch")
        self.recall_button.clicked.connect(self.recall_it)
        row.addWidget(note, stretch=1)
        row.addWidget(self.recall_button)
        return self.recall

    # ------------------------------------------------------------------ showing
    def show_batch(self, batch: ReleaseBatch | None) -> None:
        """Show what may be done for ``batch`` (hidden when nothing applies)."""
        self.batch = batch
        found = batch.exceptions if batch is not None else None
        if batch is None or found is None:
            self.hide()
            return
        stage = batch.case.stage
        released = stage not in {CaseStage.QC_PENDING_RELEASE}
        self.late_test.clear()
        for test in found.pending_after_release:
            self.late_test.addItem(f"{test.name} ({test.criterion})", test.test_code)
        self.late.setVisible(released and bool(found.pending_after_release))
        self.oos.setVisible(
            self.is_qp and not released and bool(found.out_of_specification or found.acceptance)
        )
        self.recall.setVisible(self.is_qp and released and found.recalled_because is None)
        lines: list[str] = []
        if found.released_out_of_specification:
            lines.append("<b>RELEASED OUT OF SPECIFICATION</b> on the physician's request.")
        if found.out_of_specification:
            lines.append("Out of specification: " + escape("; ".join(found.out_of_specification)))
        if found.acceptance is not None:
            a = found.acceptance
            intact = (
                "digest verified"
                if a.document_intact
                else "<b>⚠ DOCUMENT CHANGED: it no longer matches its SHA-256</b>"
            )
            lines.append(
                f"Accepted by {escape(a.physician_name)} on {a.accepted_on:%Y-%m-%d}: "
                f"{escape(a.document_name)} · SHA-256 {a.document_sha256[:16]}… · {intact}"
            )
        if found.recalled_because is not None:
            lines.append(f"<b>RECALLED</b>: {escape(found.recalled_because)}")
        if released and found.pending_after_release:
            names = ", ".join(t.name for t in found.pending_after_release)
            lines.append(f"Released while pending: {escape(names)}; record the final result.")
        self.status.setText("<br>".join(lines) or "No exception on this batch.")
        self.setVisible(
            any(not p.isHidden() for p in (self.late, self.oos, self.recall)) or bool(lines)
        )

    def set_working(self, working: bool) -> None:
        """Disable the actions while a write runs."""
        for button in (
            self.late_button,
            self.accept_button,
            self.certify_oos_button,
            self.recall_button,
        ):
            button.setEnabled(not working)

    # ------------------------------------------------------------------ actions
    def _write(
        self, work: Callable[[], object], doing: str, words: Callable[[object], str]
    ) -> None:
        assert self.batch is not None
        case_id = self.batch.case.id
        WriteOp(work, doing=doing, changes={"qc", "release", "case", "unit"}).busy(
            self.set_working
        ).success(lambda result: self.done(words(result), case_id)).failure(self.refused).run(
            self.runner
        )

    def record_late(self) -> None:
        """Record the final result of the test chosen (a failure holds and alerts)."""
        if self.batch is None:
            return
        code = self.late_test.currentData()
        value = self.late_value.text()
        case_id = self.batch.case.id

        def words(result: object) -> str:
            assert isinstance(result, LateResultView)
            if result.deviation_number is None:
                view = result.result
                return f"✔ {view.test_name} = {view.value}: the pending item is closed."
            held = ", ".join(map(din_text, result.held_units)) or "none (already infused)"
            return (
                f"⚠ {result.result.test_name} FAILED after release: deviation "
                f"{result.deviation_number} opened; units on hold: {held}; the clinic is alerted."
            )

        self._write(
            partial(record_late_result, self.database, self.actor, case_id, str(code), value),
            "The result was not recorded",
            words,
        )
        self.late_value.clear()

    def choose_document(self) -> None:
        """Pick the scanned acceptance (PDF or image)."""
        name, _filter = QFileDialog.getOpenFileName(
            self, "The physician's signed acceptance", "", "Scans (*.pdf *.png *.jpg *.tif)"
        )
        if name:
            self.attach(Path(name))

    def attach(self, path: Path) -> None:
        """Use ``path`` as the scanned acceptance."""
        self.document_path = path
        self.document_label.setText(path.name)

    def record_acceptance(self) -> None:
        """Record the OOS deviation and the physician's acceptance with the document."""
        if self.batch is None:
            return
        path = self.document_path
        chosen = self.accepted_on.date()
        accepted_on = date(chosen.year(), chosen.month(), chosen.day())
        work = partial(
            _record_acceptance,
            self.database,
            self.actor,
            self.batch.case.id,
            physician=self.physician.text(),
            accepted_on=accepted_on,
            path=path,
            description=self.oos_reason.text(),
        )

        def words(_done: object) -> str:
            self.physician.clear()
            self.oos_reason.clear()
            return "✔ Deviation and the physician's acceptance recorded (SHA-256 kept)."

        self._write(work, "The physician's acceptance was not recorded", words)

    def unsaved_input(self) -> str | None:
        """A late result, physician or OOS reason typed and not recorded (None: none)."""
        return typed_input(
            [
                ("the late result field", self.late_value),
                ("the physician field", self.physician),
                ("the out-of-specification reason", self.oos_reason),
            ]
        )

    def certify_oos(self) -> None:
        """Certify the batch "released out of specification" with a signature."""
        if self.batch is None:
            return
        case = self.batch.case
        password = ask_password(
            self,
            self.actor,
            SignatureMeaning.RELEASED_OUT_OF_SPECIFICATION,
            f"Batch {case.coi_eye_readable} · {case.product_name}: RELEASED OUT OF "
            "SPECIFICATION on the treating physician's request",
        )
        if password is None:
            return
        self._write(
            partial(certify_oos_release, self.database, self.actor, case.id, password),
            f"Batch {case.coi_eye_readable} was not released",
            lambda _done: (
                f"✔ Batch {case.coi_eye_readable} RELEASED OUT OF SPECIFICATION "
                "with your signature."
            ),
        )

    def recall_it(self) -> None:
        """Recall the batch: the reason, then the signature."""
        if self.batch is None:
            return
        case = self.batch.case
        answer = ask_statement(
            StatementDialog(
                self,
                "Recall batch",
                f"Recall batch <b>{case.coi_eye_readable}</b>? Every unit not yet infused goes "
                "on hold and the clinic is alerted. State the reason.",
                action="Sign…",
            )
        )
        if answer is None:
            return
        reason = answer[0]
        password = ask_password(
            self,
            self.actor,
            SignatureMeaning.RECALLED,
            f"Recall of batch {case.coi_eye_readable}: {reason}",
        )
        if password is None:
            return
        self._write(
            partial(recall_batch, self.database, self.actor, case.id, reason, password),
            f"Batch {case.coi_eye_readable} was not recalled",
            lambda _done: f"✔ Batch {case.coi_eye_readable} recalled with your signature.",
        )


def _record_acceptance(
    database: Database,
    actor: Actor,
    case_id: uuid.UUID,
    *,
    physician: str,
    accepted_on: date,
    path: Path | None,
    description: str,
) -> object:
    document = path.read_bytes() if path is not None else b""
    return record_oos_acceptance(
        database,
        actor,
        case_id,
        physician_name=physician,
        accepted_on=accepted_on,
        document_name=path.name if path is not None else "",
        document=document,
        description=description,
    )
