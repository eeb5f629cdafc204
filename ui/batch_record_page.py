"""The batch record at the bench (DESIGN.md §1 stage 5, §3, §5).

Pick a case received at, or in manufacture at, the operator's site; start manufacture; for the
current step scan its input containers, fill in the parameters its template asks for and record
it; print each output container's label and scan it back; then a second person signs in on the
same screen and verifies. Refusals from the services are shown in plain words; a scan that does
not match turns the screen red and blocks it until someone acknowledges it.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.actor import Actor
from app.case_queries import list_cases
from app.database import Database
from app.errors import ScanMismatch, ValidationFailed
from app.journey.enrolment import find_case
from app.journey.manufacturing import (
    StepRecord,
    StepView,
    perform_step,
    start_manufacture,
    steps_of_case,
    verify_step,
)
from app.journey.views import CaseView, UnitView
from app.label_printing import print_unit_label
from app.label_records import LabelReconciliation, confirm_label, label_reconciliation
from app.stage_queries import CaseStage, StepStatus, units_of
from ui.messages import describe
from ui.printing import choose_printer_and_print
from ui.signing import SecondPersonDialog
from ui.tasks import TaskRunner

BATCH_STAGES = (CaseStage.IN_MANUFACTURE, CaseStage.RECEIVED_AT_MANUFACTURER)
_ACRONYMS = {"moi": "MOI", "car": "CAR", "id": "ID", "ln2": "LN2", "qc": "QC"}
_UNIT_WORDS = {"ml", "pct", "c"}  # name suffixes that only repeat the unit shown beside
_NOT_ENTERED = "—"


# ---------------------------------------------------------------- pure helpers


def parameter_label(name: str, unit: str | None = None) -> str:
    """``volume_per_bag_ml`` → ``Volume per bag`` (the unit is shown by the editor)."""
    words = name.split("_")
    if unit and len(words) > 1 and words[-1].lower() in _UNIT_WORDS:
        words = words[:-1]
    text = " ".join(_ACRONYMS.get(w.lower(), w) for w in words)
    return text[:1].upper() + text[1:]


def parse_number(text: str) -> float:
    """A number as typed: ``6.1e9``, ``91,5`` or ``-90``; ValueError when it is not one."""
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_number_list(text: str) -> list[float]:
    """Numbers separated by commas or semicolons; ValueError naming the first that is not one.

    A comma separates numbers here, so decimals are written with a point.
    """
    numbers = []
    for part in (p for p in re.split(r"\s*[;,]\s*", text.strip()) if p):
        try:
            numbers.append(parse_number(part))
        except ValueError:
            raise ValueError(f"{part!r} is not a number") from None
    if not numbers:
        raise ValueError("enter at least one number")
    return numbers


def number_text(value: float) -> str:
    """A number as people write it at the bench: ``6.1e9``, ``91.5``, ``-90``."""
    return re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", f"{value:.6g}")


def din_text(din: str | None) -> str:
    """A DIN grouped as printed: ``G5678 26 000123``."""
    if not din:
        return "(no DIN)"
    return f"{din[:5]} {din[5:7]} {din[7:]}" if len(din) == 13 else din


def local_time(moment: datetime | None) -> str:
    """A UTC time in the station's local time, to the minute."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "—"


STEP_STATUS_WORDS = {
    StepStatus.PENDING: "Pending",
    StepStatus.IN_PROGRESS: "In progress",
    StepStatus.PERFORMED: "Awaiting verification",
    StepStatus.VERIFIED: "Verified",
}


def current_step(steps: list[StepView]) -> StepView | None:
    """The first step not yet verified (steps are done in order); None when all are."""
    return next((s for s in steps if s.status is not StepStatus.VERIFIED), None)


# ---------------------------------------------------------------- shared widgets


class ScanAlarm(QFrame):
    """A red banner for a scan that does not match; the screen stays blocked until acknowledged."""

    acknowledged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scanAlarm")
        layout = QHBoxLayout(self)
        self.text = QLabel()
        self.text.setObjectName("alarmText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text, stretch=1)
        self.button = QPushButton("Acknowledge")
        self.button.setObjectName("acknowledgeAlarm")
        self.button.clicked.connect(self._acknowledge)
        layout.addWidget(self.button, alignment=Qt.AlignmentFlag.AlignTop)
        self.hide()

    @property
    def active(self) -> bool:
        """True while the alarm waits to be acknowledged."""
        return not self.isHidden()

    def raise_alarm(self, heading: str, reasons: tuple[str, ...]) -> None:
        """Show ``heading`` and every reason, sound the bell, take the focus."""
        self.text.setText("✖ " + heading + "\n" + "\n".join(f"• {r}" for r in reasons))
        self.show()
        QApplication.beep()
        self.button.setFocus()

    def _acknowledge(self) -> None:
        self.hide()
        self.acknowledged.emit()


class ScientificSpinBox(QDoubleSpinBox):
    """A spin box that reads and shows numbers such as ``6.1e9`` (cell counts)."""

    def _bare(self, text: str) -> str:
        return text.removeprefix(self.prefix()).removesuffix(self.suffix()).strip()

    def validate(self, text: str, pos: int) -> object:
        """Acceptable when the text is a number, Intermediate while one is being typed."""
        bare = self._bare(text)
        if text == self.specialValueText() or bare == _NOT_ENTERED:
            return QValidator.State.Acceptable
        try:
            value = parse_number(bare)
        except ValueError:
            typing = re.fullmatch(r"[-+]?\d*[.,]?\d*([eE][-+]?\d*)?", bare.replace(" ", ""))
            return QValidator.State.Intermediate if typing else QValidator.State.Invalid
        inside = self.minimum() <= value <= self.maximum()
        return QValidator.State.Acceptable if inside else QValidator.State.Intermediate

    def valueFromText(self, text: str) -> float:
        """The number in ``text`` (the minimum, meaning 'not entered', when there is none)."""
        try:
            return parse_number(self._bare(text))
        except ValueError:
            return self.minimum()

    def textFromValue(self, value: float) -> str:
        """``6100000000`` → ``6.1e9``; ``91.5`` stays ``91.5``."""
        return number_text(value)


class ParameterForm(QWidget):
    """Editors generated from a step template's ``parameter_spec``."""

    def __init__(self, spec: tuple[dict[str, Any], ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.editors: dict[str, QWidget] = {}
        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for item in spec:
            name, kind, unit = item["name"], item.get("type", "text"), item.get("unit")
            editor = self._editor(kind, unit, item)
            editor.setObjectName(f"parameter-{name}")
            self.editors[name] = editor
            layout.addRow(parameter_label(name, unit), editor)

    @staticmethod
    def _editor(kind: str, unit: str | None, item: dict[str, Any]) -> QWidget:
        suffix = f" {unit}" if unit else ""
        if kind == "bool":
            return QCheckBox("Yes")
        if kind == "integer":
            whole = QSpinBox()
            whole.setRange(int(item.get("min", 0)) - 1, int(item.get("max", 1_000_000_000)))
            whole.setSpecialValueText(_NOT_ENTERED + suffix)  # the minimum: 'not entered yet'
            whole.setValue(whole.minimum())
            whole.setSuffix(suffix)
            whole.setMinimumWidth(200)
            return whole
        if kind == "number":
            number = ScientificSpinBox()
            number.setDecimals(6)
            number.setRange(float(item.get("min", -1e15)), float(item.get("max", 1e15)))
            number.setSpecialValueText(_NOT_ENTERED + suffix)
            number.setValue(number.minimum())
            number.setSuffix(suffix)
            number.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
            number.setMinimumWidth(260)
            return number
        line = QLineEdit()
        line.setMinimumWidth(320)
        if kind == "number_list":
            line.setPlaceholderText(f"numbers separated by commas{suffix and ', in' + suffix}")
        return line

    def values(self) -> dict[str, Any]:
        """The parameters entered; ValidationFailed naming every one missing or unreadable."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for item in self.spec:
            name, kind = item["name"], item.get("type", "text")
            label = parameter_label(name, item.get("unit"))
            editor = self.editors[name]
            if isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                editor.interpretText()
                if editor.value() == editor.minimum():
                    problems.append(f"enter {label}")
                else:
                    values[name] = int(editor.value()) if kind == "integer" else editor.value()
            elif isinstance(editor, QLineEdit) and kind == "number_list":
                try:
                    values[name] = parse_number_list(editor.text())
                except ValueError as error:
                    problems.append(f"{label}: {error}")
            elif isinstance(editor, QLineEdit):
                if editor.text().strip():
                    values[name] = editor.text().strip()
                else:
                    problems.append(f"enter {label}")
        if problems:
            raise ValidationFailed("Check the step's parameters: " + "; ".join(problems) + ".")
        return values


def parameters_text(step: StepView) -> str:
    """The recorded parameters of a step, one per line, with units."""
    units = {item["name"]: item.get("unit") for item in step.parameter_spec}
    lines = []
    for name, value in step.parameters.items():
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        elif isinstance(value, list):
            shown = ", ".join(number_text(v) for v in value)
        elif isinstance(value, float):
            shown = number_text(value)
        else:
            shown = str(value)
        unit = units.get(name)
        lines.append(f"{parameter_label(name, unit)}: {shown}{' ' + unit if unit else ''}")
    return "\n".join(lines)


def labels_text(labels: LabelReconciliation | None) -> str:
    """Where a container's labels stand, in words."""
    if labels is None or labels.issued == 0:
        return "No label printed yet: print it, stick it on, scan it back."
    counts = f"{labels.issued} printed, {labels.applied} scanned back, {labels.voided} voided"
    if labels.reconciled:
        return f"✔ Label scanned back and matched ({counts})."
    if labels.outstanding:
        return f"⚠ Scan the printed label back on the container ({counts})."
    return f"⚠ No label on the container: print one ({counts})."


class OutputRow(QFrame):
    """One output container of a step: its label to print and to scan back."""

    def __init__(self, unit: UnitView, labels: LabelReconciliation | None) -> None:
        super().__init__()
        self.unit = unit
        self.setObjectName("outputRow")
        layout = QVBoxLayout(self)
        name = QLabel(f"{unit.description} — DIN {din_text(unit.din)}")
        name.setObjectName("outputName")
        name.setWordWrap(True)
        layout.addWidget(name)
        live = labels is not None and labels.issued > labels.voided
        self.print_button = QPushButton("Reprint label…" if live else "Print label")
        self.print_button.setObjectName("printLabel")
        layout.addWidget(self.print_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.scan_back = QLineEdit()
        self.scan_back.setObjectName("labelScanBack")
        self.scan_back.setPlaceholderText("Scan the label on the container (Enter)")
        self.scan_back.setEnabled(labels is not None and labels.outstanding > 0)
        layout.addWidget(self.scan_back)
        self.status = QLabel(labels_text(labels))
        self.status.setObjectName("labelStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)


@dataclass(frozen=True)
class BatchState:
    """What the page shows of one case: the case, its batch record, containers and labels."""

    case: CaseView
    steps: list[StepView]
    units: dict[uuid.UUID, UnitView]
    labels: dict[uuid.UUID, LabelReconciliation]


def read_batch(database: Database, actor: Actor, case_id: uuid.UUID) -> BatchState:
    """Read everything the page shows of one case (runs on a worker thread)."""
    case = find_case(database, actor, case_id)
    steps = steps_of_case(database, case_id)
    units = {unit.id: unit for unit in units_of(database, actor, case_id)}
    outputs = {unit_id for step in steps for unit_id in step.outputs}
    labels = {unit_id: label_reconciliation(database, unit_id) for unit_id in outputs}
    return BatchState(case, steps, units, labels)


DATE_TIME_FORMAT = "yyyy-MM-dd HH:mm"


def time_editor(name: str, seconds_ago: int = 0) -> tuple[QWidget, QDateTimeEdit]:
    """A date-time field (local time) set ``seconds_ago`` before now, with a "Now" button."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    editor = QDateTimeEdit(QDateTime.currentDateTime().addSecs(-seconds_ago))
    editor.setObjectName(name)
    editor.setDisplayFormat(DATE_TIME_FORMAT)
    editor.setCalendarPopup(True)
    layout.addWidget(editor)
    now = QPushButton("Now")
    now.setObjectName(f"{name}Now")
    now.clicked.connect(lambda: editor.setDateTime(QDateTime.currentDateTime()))
    layout.addWidget(now)
    layout.addStretch(1)
    return row, editor


class CaseWorkPage(QWidget):
    """A screen that works on one case of the user's site chosen from a list.

    It runs every service call through the task runner (the page is disabled meanwhile),
    shows results and refusals in plain words, and raises the scan alarm for a mismatch:
    the page stays blocked until the alarm is acknowledged.
    """

    stages: tuple[CaseStage, ...] = ()
    """The stages of the cases offered in the case picker."""

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner, title: str) -> None:
        super().__init__()
        self.database = database
        self.actor = actor
        self.runner = runner
        self._busy = False
        self._on_acknowledge: Callable[[], None] | None = None
        self._case_ids: list[uuid.UUID] = []
        layout = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        layout.addWidget(heading)
        self.alarm = ScanAlarm()
        self.alarm.acknowledged.connect(self._acknowledged)
        layout.addWidget(self.alarm)
        self.ok_message = QLabel()
        self.ok_message.setObjectName("okMessage")
        self.error_message = QLabel()
        self.error_message.setObjectName("errorMessage")
        for label in (self.ok_message, self.error_message):
            label.setWordWrap(True)
            label.hide()
            layout.addWidget(label)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.body, stretch=1)
        picker = QHBoxLayout()
        picker.addWidget(QLabel("Case"))
        self.case_picker = QComboBox()
        self.case_picker.setObjectName("casePicker")
        self.case_picker.currentIndexChanged.connect(lambda _index: self.load_case())
        picker.addWidget(self.case_picker, stretch=1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        picker.addWidget(self.refresh_button)
        self.body_layout.addLayout(picker)

    # ------------------------------------------------------------ background work

    def _read(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self._run(self.runner.read, work, done)

    def _write(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        on_mismatch: Callable[[], None] | None = None,
    ) -> None:
        self._run(self.runner.write, work, done, on_mismatch)

    def _run(
        self,
        start: Any,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        on_mismatch: Callable[[], None] | None = None,
    ) -> None:
        self._busy = True
        self._update_enabled()

        def finished(result: Any) -> None:
            self._busy = False
            self._update_enabled()
            done(result)

        def failed(error: BaseException) -> None:
            self._busy = False
            self._update_enabled()
            self._refused(error, on_mismatch)

        start(lambda _task: work(), finished, failed)

    def _update_enabled(self) -> None:
        self.body.setEnabled(not self._busy and not self.alarm.active)

    # ------------------------------------------------------------ messages

    def _say(self, ok: bool, text: str) -> None:
        shown, hidden = (
            (self.ok_message, self.error_message) if ok else (self.error_message, self.ok_message)
        )
        hidden.hide()
        shown.setText(text)
        shown.show()

    def _quiet(self) -> None:
        self.ok_message.hide()
        self.error_message.hide()

    def _refused(
        self, error: BaseException, on_acknowledge: Callable[[], None] | None = None
    ) -> None:
        if isinstance(error, ScanMismatch):
            self._quiet()
            self.alarm.raise_alarm(
                "SCAN DOES NOT MATCH — STOP. Nothing was recorded; the refusal is on record.",
                error.reasons or (error.message,),
            )
            self._on_acknowledge = on_acknowledge
            self._update_enabled()
            return
        title, text = describe(error)
        self._say(False, f"✖ {title}: {text}")

    def _acknowledged(self) -> None:
        action, self._on_acknowledge = self._on_acknowledge, None
        if action is not None:
            action()
        self._update_enabled()
        self.after_acknowledge()

    def after_acknowledge(self) -> None:
        """Where the screen goes once an alarm is acknowledged (e.g. back to the scan field)."""

    def print_label_of(self, unit: UnitView, *, reprint: bool) -> None:
        """Record a container's label, then send its PDF to a printer the user chooses.

        A reprint first asks for its reason (the earlier label is voided). The label stays on
        record as printed when the dialog is cancelled or the printer fails; the page says so.
        """
        reason = None
        if reprint:
            reason, ok = QInputDialog.getText(
                self, "Reprint label", "Why is the label reprinted? (The earlier label is voided.)"
            )
            if not ok or not reason.strip():
                return

        def printed(label: Any) -> None:
            try:
                sent = choose_printer_and_print(self, label.pdf, label.page_size_mm)
            except Exception as error:  # a printer fault is shown, the record stays
                self._refused(error)
                self.load_case()
                return
            if sent:
                self._say(True, f"✔ Label for DIN {din_text(unit.din)} printed: scan it back.")
            else:
                self._say(
                    False,
                    "⚠ Printing was cancelled, but the label is on record as printed. "
                    "Reprint it with a reason (the unused label is voided).",
                )
            self.load_case()

        self._quiet()
        self._write(
            lambda: print_unit_label(self.database, self.actor, unit.id, reprint_reason=reason),
            printed,
        )

    # ------------------------------------------------------------ cases

    def refresh(self) -> None:
        """Reload the cases at this page's stages that the user's site works on."""

        def work() -> list[Any]:
            rows: list[Any] = []
            for stage in self.stages:
                rows.extend(list_cases(self.database, self.actor, stage=stage).rows)
            return rows

        self._read(work, self._show_cases)

    def _show_cases(self, rows: list[Any]) -> None:
        chosen = self.current_case_id()
        self._case_ids = [row.id for row in rows]
        self.case_picker.blockSignals(True)
        self.case_picker.clear()
        for row in rows:
            self.case_picker.addItem(self.case_title(row))
        index = self._case_ids.index(chosen) if chosen in self._case_ids else 0
        self.case_picker.setCurrentIndex(index if rows else -1)
        self.case_picker.blockSignals(False)
        self.load_case()

    def current_case_id(self) -> uuid.UUID | None:
        """The id of the case chosen in the picker (None when there is none)."""
        index = self.case_picker.currentIndex()
        return self._case_ids[index] if 0 <= index < len(self._case_ids) else None

    def case_title(self, row: Any) -> str:
        """How a case is listed in the picker."""
        return f"{row.coi_eye_readable} — {row.stage_name}"

    def select_case(self, case_id: uuid.UUID) -> None:
        """Show the case ``case_id`` (it must be in the list)."""
        self.case_picker.setCurrentIndex(self._case_ids.index(case_id))

    def load_case(self) -> None:
        """Read the chosen case and show it (each page says what it shows)."""
        raise NotImplementedError


class BatchRecordPage(CaseWorkPage):
    """The batch record of one case at the operator's site, step by step."""

    stages = BATCH_STAGES

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__(database, actor, runner, "Batch record")
        self.setObjectName("page-batch")
        self.state: BatchState | None = None
        self.scans: list[str] = []
        self.form: ParameterForm | None = None
        self.outputs: list[OutputRow] = []
        self.input_scan: QLineEdit | None = None
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
        self.body_layout.addLayout(summary)
        columns = QHBoxLayout()
        columns.addWidget(self._step_table(), stretch=5)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("stepPanel")
        self.scroll.setWidgetResizable(True)
        self.scroll.setMinimumWidth(420)
        columns.addWidget(self.scroll, stretch=5)
        self.body_layout.addLayout(columns, stretch=1)
        self.refresh()

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
        """Back to the input scan field, if the step is still being recorded."""
        if self.input_scan is not None:
            self.input_scan.setFocus()

    def load_case(self) -> None:
        """Read the chosen case's batch record and show it."""
        case_id = self.current_case_id()
        if case_id is None:
            self.state = None
            self.case_summary.setText(
                "No case is received at, or in manufacture at, your site "
                f"({self.actor.site_name or 'none assigned'})."
            )
            self.start_button.hide()
            self._show_steps([])
            self._show_panel(None)
            return
        self._read(lambda: read_batch(self.database, self.actor, case_id), self._show_state)

    def _show_state(self, state: BatchState) -> None:
        if self.current_case_id() != state.case.id:
            return  # another case was chosen meanwhile
        self.state = state
        case = state.case
        self.case_summary.setText(
            f"COI {case.coi_eye_readable} · {case.product_name} · stage: {case.stage_name}"
        )
        self.start_button.setVisible(case.stage is CaseStage.RECEIVED_AT_MANUFACTURER)
        self._show_steps(state.steps)
        self._show_panel(state)

    def _show_steps(self, steps: list[StepView]) -> None:
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

    def _show_panel(self, state: BatchState | None) -> None:
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
        if state is None:
            heading.setText("Choose a case.")
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
            else:
                self._pending_panel(layout, step)
        layout.addStretch(1)
        self.scroll.setWidget(panel)

    def _pending_panel(self, layout: QVBoxLayout, step: StepView) -> None:
        inputs = QGroupBox("Input container(s)")
        box = QVBoxLayout(inputs)
        hint = QLabel("Scan each input container; Enter adds it to the list.")
        hint.setWordWrap(True)
        box.addWidget(hint)
        self.input_scan = QLineEdit()
        self.input_scan.setObjectName("inputScan")
        self.input_scan.setPlaceholderText("Scan the container's DIN bar code")
        self.input_scan.returnPressed.connect(self.add_scan)
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

    def _performed_panel(self, layout: QVBoxLayout, state: BatchState, step: StepView) -> None:
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
                row = OutputRow(state.units[unit_id], state.labels.get(unit_id))
                row.print_button.clicked.connect(lambda _=False, r=row: self.print_label(r))
                row.scan_back.returnPressed.connect(lambda r=row: self.scan_label_back(r))
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

        self._write(lambda: start_manufacture(self.database, self.actor, case_id), started)

    def add_scan(self) -> None:
        """Add the scanned input to the list; the same scan twice is refused."""
        if self.input_scan is None or self.input_list is None:
            return
        raw = self.input_scan.text().strip()
        self.input_scan.clear()
        if not raw:
            return
        if raw in self.scans:
            self._say(False, f"✖ {raw} is already in the list: scan each container once.")
            return
        self._quiet()
        self.scans.append(raw)
        self.input_list.addItem(raw)

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
        if self.input_scan is not None and self.input_scan.text().strip():
            self.add_scan()
        try:
            parameters = self.form.values() if self.form is not None else {}
        except ValidationFailed as error:
            self._refused(error)
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

        self._write(
            lambda: perform_step(self.database, self.actor, step.id, record),
            recorded,
            on_mismatch=self.clear_scans,
        )

    def print_label(self, row: OutputRow) -> None:
        """Record the output's label, then send its PDF to a printer the user chooses."""
        self.print_label_of(row.unit, reprint=row.print_button.text().startswith("Reprint"))

    def scan_label_back(self, row: OutputRow) -> None:
        """Scan a printed label on its container: it must be that container's label."""
        raw = row.scan_back.text().strip()
        if not raw:
            return
        unit = row.unit

        def applied(_label: Any) -> None:
            self._say(True, f"✔ Label on DIN {din_text(unit.din)} scanned back and matched.")
            self.load_case()

        self._write(
            lambda: confirm_label(self.database, self.actor, unit.id, raw),
            applied,
            on_mismatch=row.scan_back.clear,
        )

    def verify(self) -> None:
        """A second person signs in here and verifies the performed step."""
        step = current_step(self.state.steps) if self.state else None
        if self.state is None or step is None:
            return
        dialog = SecondPersonDialog(
            self,
            self.database,
            f"step {step.position} ({step.name}) of COI {self.state.case.coi_eye_readable}",
            self.actor.station,
        )
        try:
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
            second, password = dialog.actor, dialog.password
        finally:
            dialog.deleteLater()
        if not accepted or second is None:
            return

        def verified(view: StepView) -> None:
            self._say(
                True,
                f"✔ Step {view.position} verified and signed by {second.full_name} "
                f"at {local_time(view.verified_at)}.",
            )
            self.load_case()

        self._write(lambda: verify_step(self.database, second, step.id, password), verified)
