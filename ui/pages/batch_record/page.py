"""The batch record at the bench (DESIGN.md §1 stage 5, §3, §5).

Pick a case received at, or in manufacture at, the operator's site; start manufacture; for the
current step scan its input containers, fill in the parameters its template asks for and record
it; print each output container's label and scan it back; then a second person signs in on the
same screen and verifies. Once QP has certified the batch, the operator ships its final product
bags to the clinic from here: a shipper, each bag scanned in, the data logger, the courier.
Refusals from the services are shown in plain words; a scan that does
not match turns the screen red and blocks it until someone acknowledges it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.casefile import (
    BatchRecordScreen,
    CaseStage,
    Role,
    ShipmentDirection,
    StepStatus,
    UnitKind,
    UnitStatus,
    batch_record_screen,
)
from app.core import Actor, Database, ValidationFailed
from app.journey import (
    StepRecord,
    StepView,
    perform_step,
    refuse_unreadable_input,
    start_manufacture,
    verify_step,
)
from app.scanning import ScannerSettings, WedgeScan, scan_text_problem
from labels.scan import parse_scan
from ui.pages import CaseWorkPage, ShipperBox
from ui.pages.batch_record.parameter_form import ParameterForm, parameters_text
from ui.tasks import Failure, TaskRunner, WriteOp
from ui.widgets import OutputRow, ScanField, din_text, local_time, typed_input

BATCH_STAGES = (CaseStage.IN_MANUFACTURE, CaseStage.RECEIVED_AT_MANUFACTURER, CaseStage.RELEASED)
"""Received (start manufacture), in manufacture (the steps), released (ship to the clinic)."""


STEP_STATUS_WORDS = {
    StepStatus.PENDING: "Pending",
    StepStatus.IN_PROGRESS: "In progress",
    StepStatus.PERFORMED: "Awaiting verification",
    StepStatus.VERIFIED: "Verified",
}


def current_step(steps: Sequence[StepView]) -> StepView | None:
    """The first step not yet verified (steps are done in order); None when all are."""
    return next((s for s in steps if s.status is not StepStatus.VERIFIED), None)


class BatchRecordPage(CaseWorkPage):
    """The batch record of one case at the operator's site, step by step."""

    stages = BATCH_STAGES
    read_screen = staticmethod(batch_record_screen)

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        *,
        scanner: ScannerSettings | None = None,
    ) -> None:
        super().__init__(database, actor, runner, "Batch record", scanner=scanner)
        self.setObjectName("page-batch")
        self.state: BatchRecordScreen | None = None
        self.scans: list[str] = []
        self.form: ParameterForm | None = None
        self.outputs: list[OutputRow] = []
        self.input_scan: ScanField | None = None
        self.input_list: QListWidget | None = None
        summary = QHBoxLayout()
        self.case_summary = QLabel()
        self.case_summary.setObjectName("caseSummary")
        self.case_summary.setWordWrap(True)
        summary.addWidget(self.case_summary, stretch=1)
        self.start_button = QPushButton("Start manufacture")
        self.start_button.setObjectName("startManufacture")
        self.start_button.clicked.connect(self.start)
        self.start_button.hide()
        summary.addWidget(self.start_button, alignment=Qt.AlignmentFlag.AlignTop)
        summary.addStretch(0)  # the button its own width when the line beside it is hidden
        self.body_layout.addLayout(summary)
        columns = QHBoxLayout()
        columns.addWidget(self._step_table(), stretch=5)
        self.step_scroll = QScrollArea()
        self.step_scroll.setObjectName("stepPanel")
        self.step_scroll.setWidgetResizable(True)
        self.step_scroll.setMinimumWidth(420)
        columns.addWidget(self.step_scroll, stretch=5)
        # A released batch: the shipper to the clinic takes the place of the step panel.
        self.shipper = ShipperBox(
            self,
            "Ship the final bags to the clinic",
            ShipmentDirection.TO_CLINIC,
            "the clinic",
        )
        self.shipper.setObjectName("clinicShipment")
        self.shipper.setMinimumWidth(420)
        self.shipper.hide()
        columns.addWidget(self.shipper, stretch=5, alignment=Qt.AlignmentFlag.AlignTop)
        self.body_layout.addLayout(columns, stretch=1)
        self.refresh()

    def unsaved_input(self) -> str | None:
        """The step's inputs scanned and parameters entered but not recorded (None: none)."""
        parts = []
        if self.scans:
            parts.append(f"{len(self.scans)} input(s) scanned")
        entered = self.form.entered() if self.form is not None else []
        if entered:
            parts.append("parameters entered: " + ", ".join(entered))
        typed = typed_input([("the input scan field", self.input_scan)])
        if typed:
            parts.append(typed)
        return "; ".join(parts) + " for a step not yet recorded" if parts else None

    def _step_table(self) -> QTableWidget:
        self.step_table = QTableWidget(0, 3)
        self.step_table.setObjectName("stepTable")
        self.step_table.setHorizontalHeaderLabels(["#", "Step", "Status"])
        self.step_table.verticalHeader().hide()
        self.step_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.step_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.step_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.step_table.setWordWrap(True)
        header = self.step_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.step_table.setMinimumWidth(440)
        return self.step_table

    def after_acknowledge(self) -> None:
        """Back to the scan the step still expects."""
        self.focus_next_scan()

    def label_rows(self) -> list[OutputRow]:
        """The output containers' label rows of the step shown."""
        return self.outputs

    def next_scan_field(self) -> QWidget | None:
        """An output label to scan back, else the step's input scan while it is recorded, else
        the shipper's next scan once the batch is released."""
        field = super().next_scan_field()
        if field is None and self.input_scan is not None and self.input_scan.isEnabled():
            return self.input_scan
        if field is None and self.shipper.isVisible():
            return self.shipper.next_scan_field()
        return field

    def show_case(self, state: BatchRecordScreen | None) -> None:
        """Show the case's batch record: its steps, and the panel of the current one."""
        if state is None:
            self.state = None
            self.case_summary.setText(
                "No case is received at, or in manufacture at, your site "
                f"({self.actor.site_name or 'none assigned'})."
            )
            self.case_summary.show()
            self.start_button.hide()
            self._show_steps([])
            self._show_panel(None)
            self._show_shipper(None)
            return
        self.state = state
        case = state.case
        # The case is named once, in the pinned header above (issue 16: this line repeated it).
        self.case_summary.clear()
        self.case_summary.hide()
        self.start_button.setVisible(case.stage is CaseStage.RECEIVED_AT_MANUFACTURER)
        self._show_steps(state.steps)
        self._show_panel(state)
        self._show_shipper(state)

    def _show_shipper(self, state: BatchRecordScreen | None) -> None:
        """The shipper to the clinic, for a released batch only."""
        released = state is not None and state.case.stage is CaseStage.RELEASED
        self.shipper.setVisible(released)
        self.step_scroll.setVisible(not released)
        self.shipper.show_units(
            state.case.id if state else None,
            state.final_bags if state else (),
            state.shipment if state else None,
            ready=released and self.actor.has_role(Role.MFG_OPERATOR),
            waiting="Only a manufacturing operator packs and hands over the shipper.",
        )

    def _show_steps(self, steps: Sequence[StepView]) -> None:
        style = self.style()
        current = current_step(steps)
        self.step_table.setRowCount(len(steps))
        for row, step in enumerate(steps):
            words = STEP_STATUS_WORDS[step.status]
            if step.status is StepStatus.VERIFIED:
                icon = style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton)
            elif step.status is StepStatus.PERFORMED:
                icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
            elif step is current:
                icon = style.standardIcon(QStyle.StandardPixmap.SP_ArrowRight)
                words = "Next — to do"
            else:
                icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
            position = QTableWidgetItem(str(step.position))
            position.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.step_table.setItem(row, 0, position)
            self.step_table.setItem(row, 1, QTableWidgetItem(step.name))
            self.step_table.setItem(row, 2, QTableWidgetItem(icon, words))
        self.step_table.resizeRowsToContents()

    # ------------------------------------------------------------ the current step

    def _show_panel(self, state: BatchRecordScreen | None) -> None:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        self.form = None
        self.outputs = []
        self.scans = []
        self.input_scan = None
        self.input_list = None
        heading = QLabel()
        heading.setObjectName("stepHeading")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.step_heading = heading
        step = current_step(state.steps) if state else None
        if state is None:  # the line above says when there is no case to choose
            heading.setText("Choose a case in the list above." if self._case_ids else "")
            heading.setVisible(bool(self._case_ids))
        elif not state.steps:
            heading.setText("Manufacture has not started.")
            hint = QLabel("Start manufacture to open the batch record from the product's steps.")
            hint.setWordWrap(True)
            layout.addWidget(hint)
        elif step is None:
            heading.setText("✔ Batch record complete: every step performed and verified.")
        else:
            heading.setText(f"Step {step.position} of {len(state.steps)}: {step.name}")
            if step.status is StepStatus.PERFORMED:
                self._performed_panel(layout, state, step)
            elif self.actor.has_role(Role.MFG_OPERATOR):
                self._pending_panel(layout, step)
            else:
                waiting = QLabel(
                    f"Waiting for a manufacturing operator to perform step {step.position}. "
                    "Only an operator records a step; you verify it once it is performed."
                )
                waiting.setObjectName("stepWaiting")
                waiting.setWordWrap(True)
                layout.addWidget(waiting)
        layout.addStretch(1)
        self.step_scroll.setWidget(panel)

    def _pending_panel(self, layout: QVBoxLayout, step: StepView) -> None:
        inputs = QGroupBox("Input container(s)")
        box = QVBoxLayout(inputs)
        hint = QLabel("Scan each input container; Enter adds it to the list.")
        hint.setWordWrap(True)
        box.addWidget(hint)
        self.input_scan = self.scan_field(
            "inputScan", "Scan the container's DIN bar code", keep=False
        )
        self.input_scan.scanned.connect(self.add_scan)
        box.addWidget(self.input_scan)
        self.input_list = QListWidget()
        self.input_list.setObjectName("inputScans")
        self.input_list.setMaximumHeight(90)
        box.addWidget(self.input_list)
        clear = QPushButton("Clear scans")
        clear.clicked.connect(self.clear_scans)
        box.addWidget(clear, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(inputs)
        if step.parameter_spec:
            parameters = QGroupBox("Parameters")
            holder = QVBoxLayout(parameters)
            self.form = ParameterForm(step.parameter_spec)
            holder.addWidget(self.form)
            layout.addWidget(parameters)
        if step.output_kind:
            made = QLabel("Recording this step makes its output container(s), labelled next.")
            made.setWordWrap(True)
            layout.addWidget(made)
        self.record_button = QPushButton("Record step")
        self.record_button.setObjectName("recordStep")
        self.record_button.clicked.connect(self.record_step)
        layout.addWidget(self.record_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.input_scan.setFocus()

    def _performed_panel(
        self, layout: QVBoxLayout, state: BatchRecordScreen, step: StepView
    ) -> None:
        done = QLabel(
            f"Performed {local_time(step.performed_at)}; waiting for a second person to "
            "verify.\n" + parameters_text(step)
        )
        done.setObjectName("stepRecorded")
        done.setWordWrap(True)
        layout.addWidget(done)
        inputs = ", ".join(din_text(state.units[u].din) for u in step.inputs if u in state.units)
        scanned = QLabel(f"Inputs scanned: {inputs or '—'}")
        scanned.setWordWrap(True)
        layout.addWidget(scanned)
        if step.outputs:
            group = QGroupBox("Output container(s)")
            box = QVBoxLayout(group)
            hint = QLabel("Print each label, stick it on the container and scan it back.")
            hint.setWordWrap(True)
            box.addWidget(hint)
            for unit_id in step.outputs:
                row = OutputRow(state.units[unit_id], state.labels.get(unit_id), self.scanner)
                self.wire_label_row(row)
                box.addWidget(row)
                self.outputs.append(row)
            layout.addWidget(group)
        self.verify_button = QPushButton("Verify (second person)…")
        self.verify_button.setObjectName("verifyStep")
        self.verify_button.clicked.connect(self.verify)
        layout.addWidget(self.verify_button, alignment=Qt.AlignmentFlag.AlignLeft)

    # ------------------------------------------------------------ actions

    def start(self) -> None:
        """Open the batch record of the chosen case."""
        if self.state is None:
            return
        case_id = self.state.case.id

        def started(steps: list[StepView]) -> None:
            self._say(True, f"✔ Manufacture started: the batch record has {len(steps)} steps.")
            self.refresh()

        WriteOp(
            partial(start_manufacture, self.database, self.actor, case_id),
            doing="Manufacture was not started",
            changes={"case", "step"},
        ).busy(self.set_busy).success(started).failure(self.refused).run(self.runner)

    def add_scan(self, scan: WedgeScan) -> None:
        """Add the scanned input to the list; the same scan twice is refused."""
        if self.input_list is None:
            return
        if scan_text_problem(scan.raw) is not None:
            self._refuse_unreadable(scan)
            return
        if scan.raw in self.scans:
            self._say(False, f"✖ {scan.shown} is already in the list: scan each container once.")
            return
        self._quiet()
        self.scans.append(scan.raw)
        self.input_list.addItem(scanned_input_text(scan))
        self._focus_after_input()

    def inputs_to_scan(self) -> set[str]:
        """The DINs of the case's containers a step can take (available, not a QC sample; the
        service's own rule) not scanned into the list yet."""
        if self.state is None:
            return set()
        available = {
            unit.din
            for unit in self.state.units.values()
            if unit.status is UnitStatus.AVAILABLE
            and unit.kind is not UnitKind.QC_SAMPLE
            and unit.din is not None
        }
        return available - {parse_scan(raw).fields.get("din") for raw in self.scans}

    def _focus_after_input(self) -> None:
        """After an accepted input scan (issue 16): the scan field again while a container is
        still to scan, else the first parameter not entered yet, else "Record step"."""
        following: QWidget | None = self.input_scan
        if not self.inputs_to_scan():
            form = self.form
            empty = [] if form is None else [n for n in form.editors if n not in form.entered()]
            following = form.editors[empty[0]] if form and empty else self.record_button
        if following is not None:
            following.setFocus(Qt.FocusReason.OtherFocusReason)

    def _refuse_unreadable(self, scan: WedgeScan) -> None:
        """A scan no code could be: recorded and refused at once (amber, "scan again"), never
        listed among the inputs (issue 16 review); the inputs listed stay."""
        step = current_step(self.state.steps) if self.state else None
        if step is None:
            return
        WriteOp(
            partial(refuse_unreadable_input, self.database, self.actor, step.id, scan.raw),
            doing="The scan was not read",
            changes={"scan"},
        ).busy(self.set_busy).failure(self.refusal()).run(self.runner)

    def clear_scans(self) -> None:
        """Empty the list of scanned inputs."""
        self.scans = []
        if self.input_list is not None:
            self.input_list.clear()

    def record_step(self) -> None:
        """Record the current step as performed: scanned inputs and parameters."""
        step = current_step(self.state.steps) if self.state else None
        if step is None:
            return
        if self.input_scan is not None:
            self.input_scan.finish_entry()  # typed, not yet ended with Enter
        try:
            parameters = self.form.values() if self.form is not None else {}
        except ValidationFailed as error:
            self.refused(Failure.of(error, "The step was not recorded"))
            return
        record = StepRecord(tuple(self.scans), parameters)

        def recorded(view: StepView) -> None:
            made = len(view.outputs)
            extra = (
                f" {made} output container(s) made: print their labels and scan them back."
                if made
                else ""
            )
            self._say(True, f"✔ Step {view.position} recorded as performed.{extra}")
            self.load_case()

        WriteOp(
            partial(perform_step, self.database, self.actor, step.id, record),
            doing="The step was not recorded",
            changes={"step", "unit"},
        ).busy(self.set_busy).success(recorded).failure(self.refusal(self.clear_scans)).run(
            self.runner
        )

    def verify(self) -> None:
        """A second person signs in here and verifies the performed step."""
        step = current_step(self.state.steps) if self.state else None
        if self.state is None or step is None:
            return

        def verified(second: Actor, view: StepView) -> None:
            self._say(
                True,
                f"✔ Step {view.position} verified and signed by {second.full_name} "
                f"at {local_time(view.verified_at)}.",
            )
            self.load_case()

        self.verify_as_second_person(
            f"step {step.position} ({step.name}) of COI {self.state.case.coi_eye_readable}",
            verify_step,
            step.id,
            doing="The step was not verified",
            changes={"step", "case"},
            done=verified,
        )


def scanned_input_text(scan: WedgeScan) -> str:
    """A scanned input as the operator reads it on the container: ``DIN G1234 26 000011 [0]``
    (the scanner's raw ``=G12342600001100`` only when the scan is no DIN)."""
    din = parse_scan(scan.raw).fields.get("din")
    return f"DIN {din_text(din)}" if isinstance(din, str) else scan.shown
