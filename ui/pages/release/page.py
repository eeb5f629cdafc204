"""QC & release: QC results against specification, QA's review, the release checklist computed
from the records, and the QP's certification (DESIGN.md §1 stages 6–7, §7, §9).

A QC analyst types each result and presses Enter; the service judges it. QA reviews each result
with a signature and approves an exception where a test may be pending at release. The QP reads
the ten checklist items, each with its evidence one click away, and certifies with a signature.
The services decide; a refusal is shown here in their words.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from functools import partial
from itertools import pairwise

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.casefile import (
    CaseRow,
    CaseStage,
    QcOutcome,
    QcSpecView,
    ReleaseBatch,
    ReleaseScreen,
    Role,
    SignatureMeaning,
    release_screen,
)
from app.core import Actor, Database
from app.journey import (
    CaseView,
    QcResultView,
    approve_qc_exception,
    certify_release,
    correct_qc_result,
    enter_qc_result,
    review_qc_result,
    review_qc_results,
)
from app.reports import save_certificate
from ui.dialogs import (
    ReportSaver,
    StatementDialog,
    ask_justified_signature,
    ask_password,
    ask_password_for_list,
    ask_statement,
)
from ui.pages import MOVED_ON, CaseHeader
from ui.pages.release.checklist_view import ChecklistView
from ui.pages.release.exceptions_box import ExceptionsBox
from ui.pages.release.qc_rows import QcRow, fit_qc_table, outcome_words, qc_table
from ui.tasks import Failure, ReadOp, TaskRunner, WriteOp
from ui.widgets import escape, message_line, restyle, show_failed, show_message


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
        self.snapshot: ReleaseBatch | None = None
        self.rows: dict[str, QcRow] = {}
        self.working = False
        self._request = 0
        self.setObjectName("page-release")
        outer = QVBoxLayout(self)
        title = QLabel("QC & release")
        title.setObjectName("pageTitle")
        outer.addWidget(title)
        self.case_header = CaseHeader()
        outer.addWidget(self.case_header)
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
        # The case is named once, in the pinned header; this line says only what the header
        # does not: no batch at all, or the batch's hold (issue 16: it repeated the header).
        self.summary = QLabel()
        self.summary.setObjectName("batchSummary")
        self.summary.setWordWrap(True)
        self.summary.hide()
        body.addWidget(self.summary)
        body.addWidget(self._release_panel())
        self.body_layout = body
        self.exceptions = ExceptionsBox(
            database,
            actor,
            runner,
            self._signed,
            self._refused,
        )
        self.exceptions.hide()
        for box in (self._qc_box(), self._checklist_box(), self.exceptions):
            body.addWidget(box)
        body.addStretch(1)
        scroll.setWidget(self.body)
        self.scroller = scroll
        outer.addWidget(scroll, stretch=1)
        self.refresh()

    def _release_panel(self) -> QWidget:
        """The release on record (who certified, when, the signature) and its certificate:
        at the top of a released batch's page."""
        self.release_panel = QWidget()
        self.release_panel.setObjectName("releasePanel")
        layout = QVBoxLayout(self.release_panel)
        layout.setContentsMargins(0, 0, 0, 0)
        self.release_status = message_line()
        layout.addWidget(self.release_status)
        self.certificate = ReportSaver(
            self.runner,
            "Release certificate…",
            object_name="releaseCertificate",
            dialog_title="Save the QP release certificate as",
        )
        layout.addWidget(self.certificate)
        self.release_panel.hide()
        return self.release_panel

    def boxes_in_order(self) -> list[QWidget]:
        """The page's boxes, top to bottom, for the batch shown and the reader (issue 16):
        what the reader acts on first. A released batch: the QP's exceptions; a batch pending
        release, to a QP: the checklist with what blocks certification and the Certify
        button (then a release out of specification, when a result is out of it), the QC
        results below; to QC and QA: the results first."""
        released = self.snapshot is not None and (
            self.snapshot.case.stage is not CaseStage.QC_PENDING_RELEASE
        )
        if released and self.is_qp:
            return [self.exceptions, self.checklist_box, self.qc_box]
        if self.is_qp:  # the exceptions (a release out of specification) beside the checklist
            return [self.checklist_box, self.exceptions, self.qc_box]
        return [self.qc_box, self.checklist_box, self.exceptions]

    def _order_boxes(self) -> None:
        """Lay the boxes out in ``boxes_in_order`` under the summary and the release."""
        for index, box in enumerate(self.boxes_in_order(), start=2):
            if self.body_layout.indexOf(box) != index:
                self.body_layout.removeWidget(box)
                self.body_layout.insertWidget(index, box)

    def show_top(self) -> None:
        """Scroll the page back to its top: the first box under the pinned case header and
        the message saying what was done (issue 16: a certification left it mid-table)."""
        self.scroller.verticalScrollBar().setValue(0)

    # ------------------------------------------------------------------ building

    def unsaved_input(self) -> str | None:
        """QC results typed and not saved with Enter, or exception input (None: none)."""
        names = [row.spec.name for row in self.rows.values() if row.unsaved()]
        parts = [f"QC results typed and not saved: {', '.join(names)}"] if names else []
        exceptions = self.exceptions.unsaved_input()
        if exceptions:
            parts.append(exceptions)
        return "; ".join(parts) or None

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
        layout.addLayout(self._review_together_row())
        self.qc_table = qc_table()
        layout.addWidget(self.qc_table)
        return self.qc_box

    def _review_together_row(self) -> QHBoxLayout:
        """QA's "tick all" and "review ticked" buttons: several results, one signature."""
        row = QHBoxLayout()
        self.tick_all = QPushButton("Tick all entered, not reviewed")
        self.tick_all.setObjectName("tickAll")
        self.tick_all.setToolTip("A pending result is reviewed on its own, not with the others")
        self.tick_all.clicked.connect(self.tick_every_unreviewed)
        self.review_ticked_button = QPushButton("Review ticked results…")
        self.review_ticked_button.setObjectName("reviewTicked")
        self.review_ticked_button.setToolTip(
            "Review every ticked result under one signature that lists them"
        )
        self.review_ticked_button.clicked.connect(self.review_ticked)
        for button in (self.tick_all, self.review_ticked_button):
            button.setVisible(self.is_qa)
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _ticked(self) -> list[str]:
        return [code for code, row in self.rows.items() if row.reviewable and row.tick.isChecked()]

    def _update_ticked(self) -> None:
        count = len(self._ticked())
        self.review_ticked_button.setText(
            f"Review {count} ticked result{'s' if count != 1 else ''}…"
            if count
            else "Review ticked results…"
        )
        self.review_ticked_button.setEnabled(bool(count) and not self.working)
        self.tick_all.setEnabled(
            not self.working and any(row.reviewable for row in self.rows.values())
        )

    def tick_every_unreviewed(self) -> None:
        """Tick every result QA has still to review."""
        for row in self.rows.values():
            if row.reviewable:
                row.tick.setChecked(True)
        self._update_ticked()

    def review_ticked(self) -> None:
        """QA reviews every ticked result with one signature ("Reviewed") that lists them."""
        codes = self._ticked()
        if not codes or self.snapshot is None:
            return
        case = self.snapshot.case
        specs = {spec.test_code: spec for spec in self.snapshot.specs}
        views = [self.snapshot.results[code] for code in codes]
        items = [
            f"{specs[code].name} = {view.value}{f' {view.unit}' if view.unit else ''} "
            f"({outcome_words(view)[0]}; "
            f"criterion {specs[code].criterion})"
            for code, view in zip(codes, views, strict=True)
        ]
        noun = "result" if len(codes) == 1 else "results"
        password = ask_password_for_list(
            self,
            self.actor,
            SignatureMeaning.REVIEWED,
            f"{len(codes)} QC {noun} of batch {case.coi_eye_readable}:",
            items,
        )
        if password is None:
            return
        WriteOp(
            partial(review_qc_results, self.database, self.actor, [v.id for v in views], password),
            doing="The ticked results were not reviewed",
            changes={"qc"},
        ).busy(self._set_working).success(
            lambda done: self._signed(
                f"✔ {len(done)} QC {'result' if len(done) == 1 else 'results'} reviewed "
                f"under one signature: {', '.join(v.test_name for v in done)}."
            )
        ).failure(self._refused).run(self.runner)

    def _checklist_box(self) -> QGroupBox:
        self.checklist_box = QGroupBox("Release checklist (computed from the records now)")
        layout = QVBoxLayout(self.checklist_box)
        # What blocks certification and the Certify button first, side by side: a QP sees both
        # without scrolling at 1280 × 800 (issue 16); the items and their evidence under them.
        certify_row = QHBoxLayout()
        self.checklist_summary = QLabel()
        self.checklist_summary.setObjectName("checklistSummary")
        self.checklist_summary.setWordWrap(True)
        certify_row.addWidget(self.checklist_summary, stretch=1)
        self.certify_button = QPushButton("Certify for release…")
        self.certify_button.setObjectName("certify")
        self.certify_button.setVisible(self.is_qp)
        self.certify_button.clicked.connect(self.certify)
        certify_row.addWidget(self.certify_button, alignment=Qt.AlignmentFlag.AlignTop)
        layout.addLayout(certify_row)
        self.checklist = ChecklistView()
        layout.addWidget(self.checklist)
        self.checklist_box.setVisible(self.is_qa or self.is_qp)
        return self.checklist_box

    # ------------------------------------------------------------------ reading
    def refresh(self) -> None:
        """Read the list of batches and the batch shown again (the same batch: never
        another by itself)."""
        shown = self.snapshot.case.id if self.snapshot is not None else self.current_case_id()
        self._load(shown, "The batches could not be read")

    def load_batch(self) -> None:
        """Read the chosen batch's results, checklist and release (and the list) again."""
        self._load(self.current_case_id(), "The batch could not be read")

    def _load(self, case_id: uuid.UUID | None, doing: str) -> None:
        """One call reads the whole screen; only the latest request's answer is shown."""
        self._request += 1
        request = self._request

        def show(screen: ReleaseScreen) -> None:
            if request == self._request:
                self._show_screen(screen)

        ReadOp(partial(release_screen, self.database, self.actor, case_id), doing=doing).busy(
            self._set_working
        ).success(show).failure(self._read_failed).run(self.runner)

    def _read_failed(self, failure: Failure) -> None:
        show_failed(self.message, failure)

    def _show_screen(self, screen: ReleaseScreen) -> None:
        self.batches = list(screen.batches)
        self.picker.blockSignals(True)
        self.picker.clear()
        for row in screen.batches:
            self.picker.addItem(f"{row.coi_eye_readable} · {row.stage_name}", row.id)
        shown = screen.batch.case.id if screen.batch is not None else None
        ids = [row.id for row in screen.batches]  # compared in Python: Qt's findData may not
        if screen.batch is not None and screen.batch.case.id not in ids:  # moved on: still shown
            case = screen.batch.case
            self.picker.insertItem(0, f"{case.coi_eye_readable} · {case.stage_name}{MOVED_ON}")
            self.picker.setItemData(0, case.id)
            ids.insert(0, case.id)
        self.picker.setCurrentIndex(ids.index(shown) if shown in ids else -1)
        self.picker.setEnabled(bool(screen.batches))
        self.picker.blockSignals(False)
        if screen.batch is None:
            self._show_empty()
        else:
            self._show_batch(screen.batch)
        self._set_working(False)  # once the batch shown decides what may be done

    def current_case_id(self) -> uuid.UUID | None:
        """The id of the batch chosen in the picker."""
        data = self.picker.currentData()
        return data if isinstance(data, uuid.UUID) else None

    def select_batch(self, case_id: uuid.UUID) -> None:
        """Show the batch ``case_id`` (read again with the list)."""
        self._load(case_id, "The batch could not be read")

    def _show_empty(self) -> None:
        self.snapshot = None
        self.case_header.show_none("No batch chosen.")
        self.summary.setText(
            "No batch is in QC / pending release at your site. Batches appear here when their "
            "last manufacturing step is verified."
        )
        self.summary.show()
        self.qc_box.hide()
        self.checklist_box.hide()
        self.release_panel.hide()
        self.certificate.offer(None)
        self.exceptions.show_batch(None)

    def _show_batch(self, snapshot: ReleaseBatch) -> None:
        same = (
            self.snapshot is not None
            and self.snapshot.case.id == snapshot.case.id
            and [s.test_code for s in self.snapshot.specs] == [s.test_code for s in snapshot.specs]
        )
        self.snapshot = snapshot
        case = snapshot.case
        listed = any(row.id == case.id for row in self.batches)
        self.case_header.show_case(
            case,
            moved_on=None
            if listed
            else f"This batch has moved on to “{case.stage_name}”; the page stays on it.",
        )
        held = case.side_state.value != "none"
        self.summary.setVisible(held)
        self.summary.setText(
            f"⚠ {escape(case.side_state.value.replace('_', ' ').capitalize())}: "
            f"{escape(case.side_state_reason or '')}"
            if held
            else ""
        )
        if not same:
            self._build_rows(snapshot.specs)
        for code, row in self.rows.items():
            view = snapshot.results.get(code)
            row.show(view, snapshot.signatures.get(view.id, ()) if view else ())
        self._update_ticked()
        self.qc_box.show()
        self._show_checklist(snapshot)
        self.exceptions.show_batch(snapshot)
        self._order_boxes()
        self.qc_table.fit_rows()  # the review buttons and states shown now
        # Opened, reloaded or acted on: the page shows its top, the first box under the case
        # header and the message (issue 16: a certification left it scrolled mid-table).
        self.show_top()
        QTimer.singleShot(0, self, self.show_top)  # once the layout has taken the new content

    def _build_rows(self, specs: tuple[QcSpecView, ...]) -> None:
        self.qc_table.clearContents()
        self.qc_table.setRowCount(len(specs))
        self.rows = {
            spec.test_code: QcRow(
                self.qc_table,
                spec,
                index,
                analyst=self.is_analyst,
                qa=self.is_qa,
                save=self.save_result,
                review=self.review,
                approve=self.approve_exception,
                ticked=self._update_ticked,
            )
            for index, spec in enumerate(specs)
        }
        fit_qc_table(self.qc_table, len(specs), qa=self.is_qa)
        fields = [row.value for row in self.rows.values() if isinstance(row.value, QLineEdit)]
        for before, after in pairwise(fields):
            QWidget.setTabOrder(before, after)

    def _show_checklist(self, snapshot: ReleaseBatch) -> None:
        checklist = snapshot.checklist
        self.checklist_box.setVisible(checklist is not None)
        if checklist is None:
            self.release_panel.hide()
            return
        self.checklist.show_checklist(checklist)
        total, still_open = len(checklist.items), len(checklist.open_items)
        released = snapshot.case.stage is not CaseStage.QC_PENDING_RELEASE
        blocking = "; ".join(f"{item.number}. {item.title}" for item in checklist.open_items)
        if released and still_open:  # e.g. a result failed after the release
            text = (
                f"✖ Checklist as it stands now; the batch is {snapshot.case.stage_name.lower()}. "
                f"{still_open} of {total} items open since the release: {blocking}."
            )
        elif released:
            text = f"Checklist as it stands now; the batch is {snapshot.case.stage_name.lower()}."
        elif still_open:
            text = (
                f"✖ {still_open} of {total} items open: certification is refused until every "
                f"item is satisfied. Open: {blocking} (its evidence is below)."
            )
        elif snapshot.case.side_state.value != "none":
            text = (
                f"✖ All {total} items satisfied, but the batch is "
                f"{snapshot.case.side_state.value.replace('_', ' ')}: it is certified once the "
                "hold is lifted."
            )
        else:
            text = f"✔ All {total} items satisfied: the batch is ready for the QP's signature."
        self.checklist_summary.setText(text)
        ready = checklist.complete and (released or snapshot.case.side_state.value == "none")
        restyle(self.checklist_summary, complete="yes" if ready else "no")
        # A released batch is not certified again: its release is said in words instead.
        self.certify_button.setVisible(self.is_qp and not released)
        record = snapshot.release
        certified = record is not None and record.decision.value == "certified"
        self.certificate.offer(
            partial(save_certificate, self.database, self.actor, snapshot.case.id)
            if certified
            else None,
            f"release-certificate-{snapshot.case.coi}.pdf",
        )
        self.certificate.setVisible(certified)  # no certificate to save before the release
        self.release_panel.setVisible(record is not None)
        if record is not None:
            signed = "<br>".join(f"Signed: {escape(line)}" for line in record.signatures)
            by = f"by {escape(record.qp_name)} at {record.decided_at:%Y-%m-%d %H:%M} UTC"
            exceptions = snapshot.exceptions
            # Issue 16: a release out of specification, or a recalled batch, was shown as a
            # plain green "✔ Released — certified": the release says what it was.
            if exceptions is not None and exceptions.recalled_because:
                said = f"⚠ Released {by}, then RECALLED: {escape(exceptions.recalled_because)}."
            elif exceptions is not None and exceptions.released_out_of_specification:
                said = f"⚠ RELEASED OUT OF SPECIFICATION on the physician's request, {by}."
            else:
                said = f"✔ Released — {record.decision.value} {by}."
            show_message(
                self.release_status,
                f"{said}<br>{signed}",
                ok=said.startswith("✔"),
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
            row.tick.setEnabled(not working)
        self._update_ticked()

    def _signed(self, words: str, case_id: uuid.UUID | None = None) -> None:
        """Say what was signed, then show that batch again (``case_id``: the batch signed)."""
        show_message(self.message, words, ok=not words.startswith("⚠"))
        if case_id is None:
            self.refresh()
        else:
            self._load(case_id, "The batch could not be read")

    def _refused(self, failure: Failure) -> None:
        show_failed(self.message, failure)
        self.load_batch()

    # ------------------------------------------------------------------ QC analyst
    def next_field(self, test_code: str) -> None:
        """Move the cursor to the next test's value, its text selected so that what is typed
        next replaces it; after the last test, select the last value's text."""
        codes = list(self.rows)
        later = codes[codes.index(test_code) + 1 :] if test_code in codes else []
        target = self.rows[later[0]].value if later else self.rows[test_code].value
        if isinstance(target, QLineEdit):
            target.setFocus()
            target.selectAll()

    def save_result(self, test_code: str) -> None:
        """Save the value typed for ``test_code`` (Enter in its field), then move on to the
        next test. A test that has a result is corrected: the page asks for the reason."""
        if self.snapshot is None:
            return
        row = self.rows[test_code]
        value = row.value.text()
        case = self.snapshot.case
        current = self.snapshot.results.get(test_code)
        self.next_field(test_code)
        if current is not None and current.outcome is not QcOutcome.PENDING:
            if value.strip() == current.value:
                return  # unchanged: nothing to save
            reason = self._correction_reason(case, row.spec, current, value)
            if reason is None:
                row.show(current, self.snapshot.signatures.get(current.id, ()))
                show_message(self.message, f"{row.spec.name} was not changed.", ok=True)
                return
            work = partial(
                correct_qc_result, self.database, self.actor, case.id, test_code, value, reason
            )
        else:
            work = partial(enter_qc_result, self.database, self.actor, case.id, test_code, value)
        row.show_saving()
        case_id = case.id

        def saved(view: QcResultView) -> None:
            if self.snapshot is None or self.snapshot.case.id != case_id:
                return
            self.snapshot = replace(
                self.snapshot, results={**self.snapshot.results, test_code: view}
            )
            row.show(view, ())
            self.qc_table.fit_rows()  # a correction's "⟲ was" line under the value
            words, state = outcome_words(view)
            unit = f" {view.unit}" if view.unit else ""
            done = "Corrected" if view.correction_reason else "Saved"
            show_message(
                self.message,
                f"{done} {row.spec.name} = {view.value}{unit}: {words} "
                f"(criterion {row.spec.criterion}).",
                ok=state != "fail",
            )

        def refused(failure: Failure) -> None:
            show_failed(self.message, failure)
            if self.snapshot is not None and self.snapshot.case.id == case_id:
                current = self.snapshot.results.get(test_code)
                row.show(current, ())
                if current is None and isinstance(row.value, QLineEdit):
                    row.value.clear()

        WriteOp(work, doing=f"{row.spec.name} was not saved", changes={"qc"}).success(
            saved
        ).failure(refused).run(self.runner)

    def _correction_reason(
        self, case: CaseView, spec: QcSpecView, current: QcResultView, value: str
    ) -> str | None:
        """Ask why a result is corrected; None when the analyst cancels."""
        unit = f" {escape(spec.unit)}" if spec.unit else ""
        answer = ask_statement(
            StatementDialog(
                self,
                f"Correct {spec.name}",
                f"<b>{escape(spec.name)}</b> of batch {case.coi_eye_readable} already has the "
                f"result <b>{escape(current.value)}{unit}</b> ({outcome_words(current)[0]}). "
                f"Correct it to <b>{escape(value.strip())}</b>? State the reason: the earlier "
                "value stays on record"
                + (" and QA reviews the corrected result again." if current.reviewed else "."),
                action="Correct",
            )
        )
        return None if answer is None else answer[0]

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
        WriteOp(
            partial(review_qc_result, self.database, self.actor, view.id, password),
            doing=f"{spec.name} was not reviewed",
            changes={"qc"},
        ).busy(self._set_working).success(
            lambda done: self._signed(f"✔ {done.test_name} reviewed with your signature.")
        ).failure(self._refused).run(self.runner)

    def approve_exception(self, test_code: str) -> None:
        """QA approves release with ``test_code`` still pending: justification and signature."""
        found = self._result(test_code)
        if found is None:
            return
        case, spec, view = found
        signed = ask_justified_signature(
            self,
            self.actor,
            SignatureMeaning.APPROVED,
            StatementDialog(
                self,
                f"Approve exception: {spec.name} pending",
                f"<b>{escape(spec.name)}</b> of batch {case.coi_eye_readable} is still "
                f"pending (criterion {escape(spec.criterion)}). Its specification allows "
                "release while pending only with an approved exception. State the justification "
                "(procedure, interim result).",
                action="Sign…",
            ),
            lambda justification: (
                f"Exception: release of batch {case.coi_eye_readable} with {spec.name} pending. "
                f"Justification: {justification}"
            ),
        )
        if signed is None:
            return
        justification, password = signed
        WriteOp(
            partial(
                approve_qc_exception, self.database, self.actor, view.id, justification, password
            ),
            doing=f"The exception for {spec.name} was not approved",
            changes={"qc"},
        ).busy(self._set_working).success(
            lambda done: self._signed(
                f"✔ Exception approved for {done.test_name} with your signature."
            )
        ).failure(self._refused).run(self.runner)

    # ------------------------------------------------------------------ QP
    def certify(self) -> None:
        """The QP certifies the batch for release with a signature."""
        if self.snapshot is None:
            return
        case = self.snapshot.case
        checklist = self.snapshot.checklist
        if checklist is not None and checklist.open_items:
            # Issue 16: a signature was asked for, then refused. The service still refuses a
            # certification with open items; the page says so before any password is typed.
            items = "; ".join(f"{item.number}. {item.title}" for item in checklist.open_items)
            show_message(
                self.message,
                f"✖ Batch {case.coi_eye_readable} was not certified, nothing was signed: the "
                f"batch cannot be released while items are open — {items}.",
                ok=False,
            )
            self.load_batch()  # read again: what another person did since is shown
            return
        password = ask_password(
            self,
            self.actor,
            SignatureMeaning.CERTIFIED_FOR_RELEASE,
            f"Batch {case.coi_eye_readable} · {case.product_name}",
        )
        if password is None:
            return
        WriteOp(
            partial(certify_release, self.database, self.actor, case.id, password),
            doing=f"Batch {case.coi_eye_readable} was not certified",
            changes={"release", "case", "unit"},
        ).busy(self._set_working).success(
            lambda _done: self._signed(
                f"✔ Batch {case.coi_eye_readable} certified for release with your "
                "signature; its final product bags are released.",
                case.id,
            )
        ).failure(self._refused).run(self.runner)
