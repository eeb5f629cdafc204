"""QC & release: QC results against specification, QA's review, the release checklist computed
from the records, and the QP's certification (DESIGN.md §1 stages 6–7, §7, §9).

A QC analyst types each result and presses Enter; the service judges it. QA reviews each result
with a signature and approves an exception where a test may be pending at release. The QP reads
the ten checklist items, each with its evidence one click away, and certifies with a signature.
The services decide; a refusal is shown here in their words.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.actor import Actor
from app.case_queries import CaseRow, list_cases
from app.database import Database
from app.journey.checklist import Checklist, ChecklistItem
from app.journey.enrolment import find_case
from app.journey.qc import (
    QcResultView,
    approve_qc_exception,
    enter_qc_result,
    qc_results_of_case,
    review_qc_result,
)
from app.journey.release import certify_release, release_checklist
from app.journey.views import CaseView
from app.release_queries import (
    CaseStage,
    QcOutcome,
    QcSpecView,
    ReleaseRecord,
    Role,
    SignatureMeaning,
    qc_signatures,
    qc_specifications,
    release_record,
)
from ui.deviations_page import (
    StatementDialog,
    ask_password,
    ask_statement,
    message_line,
    show_failure,
    show_message,
)
from ui.tasks import TaskRunner

RELEASE_STAGES = (CaseStage.QC_PENDING_RELEASE, CaseStage.RELEASED)
"""Batches the page lists: waiting for QC and release, and released but not yet shipped."""

OUTCOMES: dict[QcOutcome, tuple[str, str]] = {
    QcOutcome.PASS: ("✔ Pass", "pass"),
    QcOutcome.OUT_OF_SPECIFICATION: ("✖ Out of specification", "fail"),
    QcOutcome.FAIL: ("✖ Fail", "fail"),
    QcOutcome.PENDING: ("◷ Pending", "pending"),
}
NO_RESULT = ("— No result yet", "none")
ROW_HEIGHT = 50


def outcome_words(view: QcResultView | None) -> tuple[str, str]:
    """The judged outcome in words with its sign, and the style state for the stylesheet."""
    return NO_RESULT if view is None else OUTCOMES[view.outcome]


def restyle(widget: QWidget, name: str, value: str) -> None:
    """Set a property the stylesheet selects on, and apply it."""
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


@dataclass(frozen=True)
class BatchSnapshot:
    """One batch as the page shows it, read in one background task."""

    case: CaseView
    specs: tuple[QcSpecView, ...]
    results: dict[str, QcResultView]
    """The latest result of each test, by test code."""
    signatures: dict[uuid.UUID, tuple[str, ...]]
    checklist: Checklist | None
    release: ReleaseRecord | None


def read_batches(database: Database, actor: Actor) -> list[CaseRow]:
    """The actor's site's batches in QC / pending release, then those released."""
    return [
        row for stage in RELEASE_STAGES for row in list_cases(database, actor, stage=stage).rows
    ]


def read_batch(database: Database, actor: Actor, case_id: uuid.UUID) -> BatchSnapshot:
    """Everything the page shows of one batch."""
    specs = tuple(qc_specifications(database, actor, case_id))
    results = {view.test_code: view for view in qc_results_of_case(database, case_id)}
    checklist = (
        release_checklist(database, actor, case_id) if actor.has_role(Role.QA, Role.QP) else None
    )
    return BatchSnapshot(
        find_case(database, actor, case_id),
        specs,
        results,
        qc_signatures(database, actor, case_id),
        checklist,
        release_record(database, actor, case_id),
    )


class QcRow:
    """The widgets of one QC test in the results table."""

    def __init__(self, page: ReleasePage, spec: QcSpecView, index: int) -> None:
        self.spec = spec
        table = page.qc_table
        name = QTableWidgetItem(spec.name)
        name.setToolTip(f"{spec.name} ({spec.test_code})")
        criterion = QTableWidgetItem(spec.criterion)
        criterion.setToolTip(spec.criterion)
        table.setItem(index, 0, name)
        table.setItem(index, 1, criterion)
        self.value: QLineEdit | QLabel
        if page.is_analyst:
            self.value = QLineEdit()
            self.value.setPlaceholderText("type + Enter")
            self.value.setToolTip(
                f"Type the result ({spec.criterion}) or 'pending', then press Enter."
            )
            self.value.returnPressed.connect(lambda: page.save_result(spec.test_code))
        else:
            self.value = QLabel()
        self.value.setObjectName(f"value-{spec.test_code}")
        self.outcome = QLabel()
        self.outcome.setObjectName(f"outcome-{spec.test_code}")
        self.review_state = QLabel()
        self.review_state.setObjectName(f"reviewState-{spec.test_code}")
        self.review = QPushButton("Review…")
        self.review.setObjectName(f"review-{spec.test_code}")
        self.review.clicked.connect(lambda: page.review(spec.test_code))
        self.approve = QPushButton("Approve exception…")
        self.approve.setObjectName(f"approve-{spec.test_code}")
        self.approve.clicked.connect(lambda: page.approve_exception(spec.test_code))
        review_cell = QWidget()
        review_layout = QHBoxLayout(review_cell)
        review_layout.setContentsMargins(4, 2, 4, 2)
        review_layout.addWidget(self.review_state)
        review_layout.addWidget(self.review)
        review_layout.addWidget(self.approve)
        review_layout.addStretch(1)
        table.setCellWidget(index, 2, _padded(self.value))
        table.setCellWidget(index, 3, _padded(self.outcome))
        table.setCellWidget(index, 4, review_cell)
        self.is_qa = page.is_qa

    def show(self, view: QcResultView | None, signatures: tuple[str, ...]) -> None:
        """Show the latest result of this test and where its review stands."""
        words, state = outcome_words(view)
        self.outcome.setText(words)
        restyle(self.outcome, "outcome", state)
        self.outcome.setToolTip(f"Criterion: {self.spec.criterion}")
        if isinstance(self.value, QLineEdit):
            if view is not None and self.value.text().strip() != view.value:
                self.value.setText(view.value)
            self.value.setReadOnly(view is not None and view.reviewed)
        else:
            self.value.setText(view.value if view is not None else "—")
        exception_allowed = (
            view is not None
            and view.outcome is QcOutcome.PENDING
            and self.spec.may_be_pending_at_release
            and not view.exception_approved
        )
        if view is None:
            state_text = "—"
        elif view.exception_approved:
            state_text = "✔ Reviewed\n✔ Exception approved"
        elif view.reviewed:
            state_text = "✔ Reviewed"
        else:
            state_text = "⚠ Not reviewed"
        self.review_state.setText(state_text)
        self.review_state.setToolTip("\n".join(signatures) or "No signature yet")
        self.review.setVisible(self.is_qa and view is not None and not view.reviewed)
        self.review_state.setVisible(not self.review.isVisible())
        self.approve.setVisible(
            self.is_qa and view is not None and view.reviewed and exception_allowed
        )

    def show_saving(self) -> None:
        """Say that the typed value is being saved."""
        self.outcome.setText("… saving")
        restyle(self.outcome, "outcome", "none")


def _padded(widget: QWidget) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(4, 2, 4, 2)
    layout.addWidget(widget)
    return holder


class ChecklistView(QWidget):
    """The ten items, each ✔ satisfied or ✖ open in words, its evidence one click away."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("releaseChecklist")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(4)
        self.rows: list[tuple[ChecklistItem, QLabel, QLabel]] = []

    def show_checklist(self, checklist: Checklist) -> None:
        """Replace the items shown by ``checklist``'s; open items show their evidence."""
        while self.layout_.count():
            child = self.layout_.takeAt(0).widget()
            if child is not None:
                child.setParent(None)
                child.deleteLater()
        self.rows = []
        for item in checklist.items:
            row = self._row(item)
            self.layout_.addWidget(row)
            if self.isVisible():
                row.show()  # at once, not on the layout's queued show

    def _row(self, item: ChecklistItem) -> QFrame:
        frame = QFrame()
        frame.setObjectName("checklistItem")
        frame.setProperty("satisfied", "yes" if item.satisfied else "no")
        outer = QVBoxLayout(frame)
        outer.setContentsMargins(8, 4, 8, 4)
        top = QHBoxLayout()
        status = QLabel("✔ Satisfied" if item.satisfied else "✖ Open")
        status.setObjectName("checklistStatus")
        status.setProperty("satisfied", "yes" if item.satisfied else "no")
        title = QLabel(f"{item.number}. {item.title}")
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setObjectName(f"checklistTitle-{item.number}")
        title.setWordWrap(True)
        evidence_text = "\n".join(f"• {line}" for line in item.evidence)
        title.setToolTip(evidence_text)
        toggle = QToolButton()
        toggle.setObjectName(f"evidenceToggle-{item.number}")
        toggle.setText("Evidence")
        toggle.setCheckable(True)
        toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toggle.setArrowType(Qt.ArrowType.RightArrow)
        evidence = QLabel(evidence_text)
        evidence.setTextFormat(Qt.TextFormat.PlainText)
        evidence.setObjectName(f"evidence-{item.number}")
        evidence.setProperty("role", "evidence")
        evidence.setWordWrap(True)
        evidence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        def toggled(shown: bool) -> None:
            evidence.setVisible(shown)
            toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

        top.addWidget(status)
        top.addWidget(title, stretch=1)
        top.addWidget(toggle, alignment=Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        outer.addWidget(evidence)
        toggle.toggled.connect(toggled)
        toggle.setChecked(not item.satisfied)
        toggled(not item.satisfied)
        self.rows.append((item, status, evidence))
        return frame

    def lines(self) -> list[str]:
        """Each item as shown: its sign, number and title."""
        return [
            f"{'✔' if item.satisfied else '✖'} {item.number}. {item.title}"
            for item, _status, _evidence in self.rows
        ]

    def evidence(self, number: int) -> str:
        """The evidence text of item ``number``."""
        return next(label.text() for item, _s, label in self.rows if item.number == number)


class ReleasePage(QWidget):
    """QC results, their review, the release checklist and the QP's certification."""

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__()
        self.database = database
        self.actor = actor
        self.runner = runner
        self.is_analyst = actor.has_role(Role.QC_ANALYST)
        self.is_qa = actor.has_role(Role.QA)
        self.is_qp = actor.has_role(Role.QP)
        self.batches: list[CaseRow] = []
        self.snapshot: BatchSnapshot | None = None
        self.rows: dict[str, QcRow] = {}
        self.working = False
        self._wanted: uuid.UUID | None = None
        self.setObjectName("page-release")
        outer = QVBoxLayout(self)
        title = QLabel("QC & release")
        title.setObjectName("pageTitle")
        outer.addWidget(title)
        outer.addLayout(self._picker_row())
        self.message = message_line()
        outer.addWidget(self.message)
        scroll = QScrollArea()
        scroll.setObjectName("releaseScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget()
        self.body.setObjectName("releaseBody")
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setObjectName("batchSummary")
        self.summary.setWordWrap(True)
        body.addWidget(self.summary)
        body.addWidget(self._qc_box())
        body.addWidget(self._checklist_box())
        body.addStretch(1)
        scroll.setWidget(self.body)
        outer.addWidget(scroll, stretch=1)
        self.refresh()

    # ------------------------------------------------------------------ building
    def _picker_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Batch"))
        self.picker = QComboBox()
        self.picker.setObjectName("batchPicker")
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.picker.currentIndexChanged.connect(lambda _index: self.load_batch())
        row.addWidget(self.picker)
        self.reload_button = QPushButton("Reload")
        self.reload_button.setObjectName("reloadRelease")
        self.reload_button.clicked.connect(self.refresh)
        row.addWidget(self.reload_button)
        row.addStretch(1)
        return row

    def _qc_box(self) -> QGroupBox:
        self.qc_box = QGroupBox("QC results against specification")
        layout = QVBoxLayout(self.qc_box)
        if self.is_analyst:
            hint = "Type each result (or 'pending') and press Enter; it is judged at once."
        elif self.is_qa:
            hint = "Review each result with your signature; approve an exception where allowed."
        else:
            hint = "QC analysts enter the results; QA reviews them."
        note = QLabel(hint)
        note.setWordWrap(True)
        layout.addWidget(note)
        self.qc_table = QTableWidget(0, 5)
        self.qc_table.setObjectName("qcResults")
        self.qc_table.setHorizontalHeaderLabels(
            ["Test", "Criterion", "Value", "Result", "QA review"]
        )
        self.qc_table.verticalHeader().setVisible(False)
        self.qc_table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.qc_table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.qc_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.qc_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.qc_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Fixed)
        self.qc_table.setColumnWidth(2, 140)
        layout.addWidget(self.qc_table)
        return self.qc_box

    def _checklist_box(self) -> QGroupBox:
        self.checklist_box = QGroupBox("Release checklist (computed from the records now)")
        layout = QVBoxLayout(self.checklist_box)
        self.checklist_summary = QLabel()
        self.checklist_summary.setObjectName("checklistSummary")
        self.checklist_summary.setWordWrap(True)
        layout.addWidget(self.checklist_summary)
        self.checklist = ChecklistView()
        layout.addWidget(self.checklist)
        certify_row = QHBoxLayout()
        self.certify_button = QPushButton("Certify for release…")
        self.certify_button.setObjectName("certify")
        self.certify_button.setVisible(self.is_qp)
        self.certify_button.clicked.connect(self.certify)
        certify_row.addWidget(self.certify_button)
        certify_row.addStretch(1)
        layout.addLayout(certify_row)
        self.release_status = message_line()
        layout.addWidget(self.release_status)
        self.checklist_box.setVisible(self.is_qa or self.is_qp)
        return self.checklist_box

    # ------------------------------------------------------------------ reading
    def refresh(self) -> None:
        """Read the list of batches again, then the batch shown."""
        self._set_working(True)
        self.runner.read(
            lambda _task: read_batches(self.database, self.actor),
            self._show_batches,
            lambda error: self._failed(error, "The batches could not be read", reload=False),
        )

    def _show_batches(self, batches: list[CaseRow]) -> None:
        current = self._wanted or self.current_case_id()
        self.batches = batches
        self.picker.blockSignals(True)
        self.picker.clear()
        for row in batches:
            self.picker.addItem(f"{row.coi_eye_readable} · {row.stage_name}", row.id)
        index = self.picker.findData(current) if current is not None else -1
        self.picker.setCurrentIndex(max(index, 0) if batches else -1)
        self.picker.setEnabled(bool(batches))
        self.picker.blockSignals(False)
        self._wanted = None
        self.load_batch()

    def current_case_id(self) -> uuid.UUID | None:
        """The id of the batch chosen in the picker."""
        data = self.picker.currentData()
        return data if isinstance(data, uuid.UUID) else None

    def select_batch(self, case_id: uuid.UUID) -> None:
        """Show the batch ``case_id`` (once the list holds it)."""
        index = self.picker.findData(case_id)
        if index < 0:
            self._wanted = case_id
            self.refresh()
        elif index == self.picker.currentIndex():
            self.load_batch()
        else:
            self.picker.setCurrentIndex(index)

    def load_batch(self) -> None:
        """Read the chosen batch's results, checklist and release again."""
        case_id = self.current_case_id()
        if case_id is None:
            self._show_empty()
            return
        self._set_working(True)
        self.runner.read(
            lambda _task: read_batch(self.database, self.actor, case_id),
            lambda snapshot: (
                self._show_batch(snapshot) if case_id == self.current_case_id() else None
            ),
            lambda error: self._failed(error, "The batch could not be read", reload=False),
        )

    def _show_empty(self) -> None:
        self.snapshot = None
        self._set_working(False)
        self.summary.setText(
            "No batch is in QC / pending release at your site. Batches appear here when their "
            "last manufacturing step is verified."
        )
        self.qc_box.hide()
        self.checklist_box.hide()

    def _show_batch(self, snapshot: BatchSnapshot) -> None:
        same = (
            self.snapshot is not None
            and self.snapshot.case.id == snapshot.case.id
            and [s.test_code for s in self.snapshot.specs] == [s.test_code for s in snapshot.specs]
        )
        self.snapshot = snapshot
        case = snapshot.case
        side = (
            ""
            if case.side_state.value == "none"
            else (f" · ⚠ {case.side_state.value.replace('_', ' ')}: {case.side_state_reason or ''}")
        )
        self.summary.setText(
            f"<b>{case.coi_eye_readable}</b> · {html.escape(case.product_name)}<br>"
            f"Stage: <b>{case.stage_name}</b>{html.escape(side)}"
        )
        if not same:
            self._build_rows(snapshot.specs)
        for code, row in self.rows.items():
            view = snapshot.results.get(code)
            row.show(view, snapshot.signatures.get(view.id, ()) if view else ())
        self.qc_box.show()
        self._show_checklist(snapshot)
        self._set_working(False)

    def _build_rows(self, specs: tuple[QcSpecView, ...]) -> None:
        self.qc_table.clearContents()
        self.qc_table.setRowCount(len(specs))
        self.rows = {spec.test_code: QcRow(self, spec, index) for index, spec in enumerate(specs)}
        # Cell widgets do not size their columns: fit the widest outcome and review controls.
        widest = self.qc_table.fontMetrics().horizontalAdvance
        self.qc_table.setColumnWidth(
            3, int(widest(OUTCOMES[QcOutcome.OUT_OF_SPECIFICATION][0]) * 1.1) + 24
        )
        self.qc_table.setColumnWidth(4, int(widest("Approve exception…") * 1.1) + 56)
        header = self.qc_table.horizontalHeader().height()
        self.qc_table.setFixedHeight(
            header + ROW_HEIGHT * len(specs) + 2 * self.qc_table.frameWidth()
        )

    def _show_checklist(self, snapshot: BatchSnapshot) -> None:
        checklist = snapshot.checklist
        self.checklist_box.setVisible(checklist is not None)
        if checklist is None:
            return
        self.checklist.show_checklist(checklist)
        total, still_open = len(checklist.items), len(checklist.open_items)
        released = snapshot.case.stage is not CaseStage.QC_PENDING_RELEASE
        if released:
            text = f"Checklist as it stands now; the batch is {snapshot.case.stage_name.lower()}."
        elif still_open:
            text = (
                f"✖ {still_open} of {total} items open: certification is refused until every "
                "item is satisfied. Open an item's evidence to see why."
            )
        else:
            text = f"✔ All {total} items satisfied: the batch is ready for the QP's signature."
        self.checklist_summary.setText(text)
        restyle(self.checklist_summary, "complete", "yes" if checklist.complete else "no")
        record = snapshot.release
        if record is not None:
            signed = "<br>".join(f"Signed: {html.escape(line)}" for line in record.signatures)
            show_message(
                self.release_status,
                f"✔ Released — {record.decision.value} by {html.escape(record.qp_name)} at "
                f"{record.decided_at:%Y-%m-%d %H:%M} UTC.<br>{signed}",
                ok=True,
                rich=True,
            )
        else:
            self.release_status.hide()

    # ------------------------------------------------------------------ state
    def _set_working(self, working: bool) -> None:
        self.working = working
        self.reload_button.setEnabled(not working)
        case = self.snapshot.case if self.snapshot else None
        self.certify_button.setEnabled(
            not working
            and case is not None
            and case.stage is CaseStage.QC_PENDING_RELEASE
            and case.side_state.value == "none"
        )
        for row in self.rows.values():
            row.review.setEnabled(not working)
            row.approve.setEnabled(not working)

    def _failed(self, error: BaseException, doing: str, *, reload: bool = True) -> None:
        show_failure(self.message, error, doing)
        self._set_working(False)
        if reload:
            self.load_batch()

    def _write(self, work: Callable[[], Any], success: Callable[[Any], str], doing: str) -> None:
        self._set_working(True)

        def done(result: Any) -> None:
            show_message(self.message, success(result), ok=True)
            self.refresh()

        self.runner.write(lambda _task: work(), done, lambda error: self._failed(error, doing))

    # ------------------------------------------------------------------ QC analyst
    def save_result(self, test_code: str) -> None:
        """Save the value typed for ``test_code`` (Enter in its field)."""
        if self.snapshot is None:
            return
        row = self.rows[test_code]
        value = row.value.text()
        case_id = self.snapshot.case.id
        row.show_saving()

        def saved(view: QcResultView) -> None:
            if self.snapshot is None or self.snapshot.case.id != case_id:
                return
            self.snapshot = replace(
                self.snapshot, results={**self.snapshot.results, test_code: view}
            )
            row.show(view, ())
            words, state = outcome_words(view)
            show_message(
                self.message,
                f"Saved {row.spec.name} = {view.value}: {words} (criterion {row.spec.criterion}).",
                ok=state != "fail",
            )

        def refused(error: BaseException) -> None:
            show_failure(self.message, error, f"{row.spec.name} was not saved")
            if self.snapshot is not None and self.snapshot.case.id == case_id:
                current = self.snapshot.results.get(test_code)
                row.show(current, ())

        self.runner.write(
            lambda _task: enter_qc_result(self.database, self.actor, case_id, test_code, value),
            saved,
            refused,
        )

    # ------------------------------------------------------------------ QA
    def _result(self, test_code: str) -> tuple[CaseView, QcSpecView, QcResultView] | None:
        if self.snapshot is None or test_code not in self.snapshot.results:
            return None
        spec = self.rows[test_code].spec
        return self.snapshot.case, spec, self.snapshot.results[test_code]

    def review(self, test_code: str) -> None:
        """QA reviews the result of ``test_code`` with a signature ("Reviewed")."""
        found = self._result(test_code)
        if found is None:
            return
        case, spec, view = found
        words, _state = outcome_words(view)
        password = ask_password(
            self,
            self.actor,
            SignatureMeaning.REVIEWED,
            f"QC result {spec.name} = {view.value} ({words}; criterion {spec.criterion}) "
            f"of batch {case.coi_eye_readable}",
        )
        if password is None:
            return
        self._write(
            lambda: review_qc_result(self.database, self.actor, view.id, password),
            lambda done: f"✔ {done.test_name} reviewed with your signature.",
            f"{spec.name} was not reviewed",
        )

    def approve_exception(self, test_code: str) -> None:
        """QA approves release with ``test_code`` still pending: justification and signature."""
        found = self._result(test_code)
        if found is None:
            return
        case, spec, view = found
        answer = ask_statement(
            StatementDialog(
                self,
                f"Approve exception: {spec.name} pending",
                f"<b>{html.escape(spec.name)}</b> of batch {case.coi_eye_readable} is still "
                f"pending (criterion {html.escape(spec.criterion)}). Its specification allows "
                "release while pending only with an approved exception. State the justification "
                "(procedure, interim result).",
                action="Sign…",
            )
        )
        if answer is None:
            return
        justification = answer[0]
        password = ask_password(
            self,
            self.actor,
            SignatureMeaning.APPROVED,
            f"Exception: release of batch {case.coi_eye_readable} with {spec.name} pending. "
            f"Justification: {justification}",
        )
        if password is None:
            return
        self._write(
            lambda: approve_qc_exception(
                self.database, self.actor, view.id, justification, password
            ),
            lambda done: f"✔ Exception approved for {done.test_name} with your signature.",
            f"The exception for {spec.name} was not approved",
        )

    # ------------------------------------------------------------------ QP
    def certify(self) -> None:
        """The QP certifies the batch for release with a signature."""
        if self.snapshot is None:
            return
        case = self.snapshot.case
        password = ask_password(
            self,
            self.actor,
            SignatureMeaning.CERTIFIED_FOR_RELEASE,
            f"Batch {case.coi_eye_readable} · {case.product_name}",
        )
        if password is None:
            return
        self._write(
            lambda: certify_release(self.database, self.actor, case.id, password),
            lambda _done: (
                f"✔ Batch {case.coi_eye_readable} certified for release with your "
                "signature; its final product bags are released."
            ),
            f"Batch {case.coi_eye_readable} was not certified",
        )
