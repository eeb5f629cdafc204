"""The bedside check and the infusion record (DESIGN.md §1 stage 10, §3, §8).

The infusion nurse picks a case received at the clinic and sees whose therapy it is (name, date
of birth, hospital number, COI). The patient's wristband and the bag are scanned and checked
against the case; a mismatch turns the screen red and blocks it until acknowledged. A second
nurse then signs in on the same screen and confirms the infusion's start and end. Before the
check the nurse records when the bag's thaw started (a frozen product's bedside check needs it);
the screen then counts down the product's post-thaw limit, which the services enforce. Bags
waiting at the clinic are put away in a storage position and taken out by scan (``StorageBox``):
a bag still recorded in storage is not thawed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.casefile import BagNote, BedsideScreen, CaseStage, SideState, UnitStatus, bedside_screen
from app.core import Actor, Database, din_text, now
from app.journey import (
    LEFT_TO_ACCOUNT,
    BagAccount,
    BedsideCheckView,
    ThawView,
    UnitView,
    bedside_check,
    confirm_infusion,
    look_alike_line,
    record_bag_not_given,
    record_thaw,
)
from app.scanning import ScannerSettings
from ui.pages import CaseWorkPage, StorageBox
from ui.tasks import TaskRunner, WriteOp
from ui.widgets import local_time, restyle, time_editor, typed_input, utc_of, zoned_caption

SECONDS_FORMAT = "yyyy-MM-dd HH:mm:ss"
"""The infusion times to the second: 07:36:05 to 07:36:40 never reads as 07:36 to 07:36."""
NO_DATE = QDate(1900, 1, 1)
"""The date field's empty value: the nurse has not entered a date of birth yet."""


def post_thaw_status(thawed_at: datetime, limit_minutes: int, now: datetime) -> tuple[str, bool]:
    """The countdown to the end of the post-thaw limit in words, and whether it has passed."""
    deadline = thawed_at + timedelta(minutes=limit_minutes)
    by = deadline.astimezone().strftime("%H:%M %Z")  # on the station's clock, named
    left = deadline - now
    if left >= timedelta(0):
        minutes, seconds = divmod(int(left.total_seconds()), 60)
        return (
            f"Infuse within {minutes} min {seconds:02d} s (by {by}; "
            f"limit {limit_minutes} min after thaw).",
            False,
        )
    late = int((now - deadline).total_seconds()) // 60
    return (
        f"⚠ The {limit_minutes}-minute post-thaw limit ended {late} min ago ({by}). "
        "Follow your site's procedure before infusing.",
        True,
    )


def infusion_times_problem(started: datetime, ended: datetime, now: datetime) -> str | None:
    """Why the infusion's start and end cannot be recorded, in words (None: they can)."""
    if ended <= started:
        return (
            f"The infusion must end after it starts: it is entered as "
            f"{_span(started, ended)}. Correct the end time."
        )
    if ended > now + timedelta(minutes=5):
        return f"The infusion end {_seconds(ended)} is in the future: check the time."
    return None


def _seconds(moment: datetime) -> str:
    """A time on the station's clock to the second, naming its zone: ``14:05:33 CET``."""
    return moment.astimezone().strftime("%H:%M:%S %Z")


def _span(started: datetime, ended: datetime) -> str:
    """``14:05:33 to 14:35:10 CET``: the zone said once, after the end."""
    return f"{started.astimezone():%H:%M:%S} to {_seconds(ended)}"


def bag_to_do(
    bag: UnitView, account: BagAccount, hold: BagNote | None, not_given: BagNote | None
) -> str:
    """What remains to do with one bag of the dose, in words: a hold or a not-given record with
    the reason the person gave, who and when (never "set by a person" alone)."""
    if account is BagAccount.GIVEN:
        return "given"
    state = bag.side_state.value.replace("_", " ").upper()
    if account is BagAccount.NOT_GIVEN and not_given is not None:
        kept = f"; {state} for QA" if bag.side_state is not SideState.NONE else ""
        return f"NOT GIVEN: {_note(not_given)}{kept}"
    if account is BagAccount.HELD:
        why = f": {_note(hold)}" if hold is not None else ""
        return (
            f"{state}{why} — not to be given: record it as not given below, or QA lifts the "
            f"{'hold' if bag.side_state is SideState.ON_HOLD else bag.side_state.value}"
        )
    return "TO DO: thaw, check and infuse it"


def _note(note: BagNote) -> str:
    """“reason” (by whom, when), as the person gave it."""
    when = f", {local_time(note.at)}" if note.at is not None else ""
    return f"“{note.reason}” ({note.by}{when})"


def open_bags(state: BedsideScreen) -> list[UnitView]:
    """The bags of the dose no one has accounted for: each still needs the nurse (to give, or
    held by someone else and to record as not given)."""
    return [b for b in state.bags if state.accounts.get(b.id) in LEFT_TO_ACCOUNT]


def thaw_bar_level(seconds_left: float, limit_minutes: int) -> str:
    """How urgent the post-thaw countdown bar looks: ``ok`` (over half the limit left),
    ``soon`` (a quarter to a half), ``urgent`` (under a quarter) or ``over`` (the limit passed)."""
    if seconds_left < 0:
        return "over"
    share = seconds_left / (limit_minutes * 60) if limit_minutes > 0 else 0.0
    if share > 0.5:
        return "ok"
    return "soon" if share > 0.25 else "urgent"


class GrowingLabel(QLabel):
    """A wrapped label that asks for the height its text needs at its width: the scroll area
    around the page does not ask it, and the overdue warning lost a line at 1000 px."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Ask again for the height the text needs at the new width."""
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        """Keep at least the height the text needs at the label's width."""
        need = self.heightForWidth(self.width())
        if need > 0 and need != self.minimumHeight():
            self.setMinimumHeight(need)


class BedsidePage(CaseWorkPage):
    """Wristband and bag check, second nurse, infusion start and end."""

    stages = (CaseStage.RECEIVED_AT_CLINIC,)
    read_screen = staticmethod(bedside_screen)

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        *,
        scanner: ScannerSettings | None = None,
    ) -> None:
        super().__init__(database, actor, runner, "Bedside check and infusion", scanner=scanner)
        self.setObjectName("page-bedside")
        self.state: BedsideScreen | None = None
        self.check: BedsideCheckView | None = None
        self.infused = False
        self.warning = QLabel()
        self.warning.setObjectName("productWarning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.body_layout.addWidget(self.warning)
        self.body_layout.addWidget(self._patient_box())
        # Three columns in the order of the work — check, thaw, second nurse — so the whole
        # check and the second nurse's confirm button show at 1280 × 800 under the largest
        # alarm (issue 16: the second nurse had to scroll); storage, needed before the thaw
        # only, goes under the check.
        columns = QHBoxLayout()
        columns.setSpacing(4)
        first = QVBoxLayout()
        first.addWidget(self._check_box())
        self.storage = StorageBox(self, "Storage (by scan)")
        self.storage.wrap_rows()
        first.addWidget(self.storage)
        first.addStretch(1)
        columns.addLayout(first, stretch=44)
        for box, stretch in ((self._thaw_box(), 28), (self._infusion_box(), 28)):
            column = QVBoxLayout()
            column.addWidget(box)
            column.addStretch(1)
            columns.addLayout(column, stretch=stretch)
        self.body_layout.addLayout(columns)
        self.body_layout.addStretch(1)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.update_countdown)
        self.show_case(None)
        self.refresh()

    # ------------------------------------------------------------ layout

    def unsaved_input(self) -> str | None:
        """Wristband or bag scans not yet recorded as a bedside check (None: none)."""
        return typed_input(
            [
                ("the wristband field", self.wristband_scan),
                ("the therapy bag field", self.bag_scan),
                ("the storage bag field", self.storage.unit_scan),
                ("the storage position field", self.storage.place_scan),
            ]
        )

    def _patient_box(self) -> QGroupBox:
        box = QGroupBox()  # the patient's name in large letters needs no title
        box.setObjectName("patientBox")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 4, 6, 6)
        self.patient_name = QLabel()
        self.patient_name.setObjectName("patientName")
        self.patient_details = QLabel()
        self.patient_details.setObjectName("patientDetails")
        self.coi_label = QLabel()
        self.coi_label.setObjectName("coiLabel")
        self.bags_label = QLabel()
        self.bags_label.setObjectName("bagsLabel")
        self.look_alike = QLabel()
        self.look_alike.setObjectName("lookAlikeWarning")
        self.look_alike.hide()
        for label in (
            self.patient_name,
            self.patient_details,
            self.coi_label,
            self.bags_label,
            self.look_alike,
        ):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.bags_label, self.look_alike):
            label.setWordWrap(True)
        who = QHBoxLayout()  # the name, born and hospital number: one line
        who.setSpacing(14)
        who.addWidget(self.patient_name, alignment=Qt.AlignmentFlag.AlignBottom)
        who.addWidget(self.patient_details, alignment=Qt.AlignmentFlag.AlignBottom)
        who.addStretch(1)
        layout.setSpacing(2)
        layout.addLayout(who)
        dose = QHBoxLayout()  # the dose's count, and the COI to the right (a long name fits)
        self.dose_head = QLabel()
        self.dose_head.setObjectName("doseHead")
        dose.addWidget(self.dose_head, alignment=Qt.AlignmentFlag.AlignBottom)
        dose.addStretch(1)
        dose.addWidget(self.coi_label, alignment=Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(dose)
        layout.addWidget(self.bags_label)
        layout.addWidget(self._not_given_row())
        layout.addWidget(self.look_alike)
        return box

    def _not_given_row(self) -> QWidget:
        """A bag of the dose the nurse will not give: record which and why (it goes on hold)."""
        self.not_given_row = QWidget()
        row = QHBoxLayout(self.not_given_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Not giving a bag?"))
        self.not_given_bag = QComboBox()
        self.not_given_bag.setObjectName("notGivenBag")
        self.not_given_bag.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        row.addWidget(self.not_given_bag)
        self.not_given_reason = QLineEdit()
        self.not_given_reason.setObjectName("notGivenReason")
        self.not_given_reason.setPlaceholderText("Why it is not given")
        row.addWidget(self.not_given_reason, stretch=1)
        self.not_given_button = QPushButton("Record: not given")
        self.not_given_button.setObjectName("recordNotGiven")
        self.not_given_button.clicked.connect(self.record_not_given)
        row.addWidget(self.not_given_button)
        return self.not_given_row

    def _birth_date_row(self, layout: QVBoxLayout) -> None:
        """The second identifier, shown only when a look-alike case is active at the site."""
        self.birth_date_row = QWidget()
        row = QFormLayout(self.birth_date_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # as the scans above
        row.setVerticalSpacing(2)
        self.birth_date = QDateEdit()
        self.birth_date.setObjectName("birthDate")
        self.birth_date.setDisplayFormat("yyyy-MM-dd")
        self.birth_date.setMinimumDate(NO_DATE)
        self.birth_date.setSpecialValueText("ask the patient")
        self.birth_date.setCalendarPopup(True)
        row.addRow("Date of birth (look-alike)", self.birth_date)
        self.birth_date_row.hide()
        layout.addWidget(self.birth_date_row)

    def _given_birth_date(self) -> date | None:
        if self.birth_date_row.isHidden() or self.birth_date.date() == NO_DATE:
            return None
        chosen = self.birth_date.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def _check_box(self) -> QGroupBox:
        self.check_group = QGroupBox(f"1 · Check by {self.actor.full_name}")
        layout = QVBoxLayout(self.check_group)
        layout.setContentsMargins(6, 4, 6, 6)
        self.check_group.setToolTip("Scan the patient's wristband, then the therapy bag.")
        form = QFormLayout()  # each label above its field: the hints read whole at 1280
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.setVerticalSpacing(2)
        self.wristband_scan = self.scan_field("wristbandScan", "Scan its hospital number")
        self.wristband_scan.scanned.connect(self._wristband_entered)
        self.wristband_scan.blank.connect(self._wristband_entered)
        form.addRow("Patient wristband", self.wristband_scan)
        self.bag_scan = self.scan_field("bagScan", "DIN on the bag label")
        self.bag_scan.scanned.connect(self.check_bedside)
        self.bag_scan.blank.connect(self.check_bedside)
        form.addRow("Therapy bag", self.bag_scan)
        layout.addLayout(form)
        self._birth_date_row(layout)
        self.check_button = QPushButton("Check wristband and bag")
        self.check_button.setObjectName("bedsideCheck")
        self.check_button.clicked.connect(self.check_bedside)
        layout.addWidget(self.check_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.check_result = QLabel()
        self.check_result.setObjectName("okMessage")
        self.check_result.setWordWrap(True)
        self.check_result.hide()
        self.banner_slot.add(self.check_result)  # an outcome: it moves no field (issue 16)
        return self.check_group

    def _thaw_box(self) -> QGroupBox:
        box = self.thaw_group = QGroupBox("Thaw")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 4, 6, 6)
        form = QFormLayout()
        self.thaw_bag = QComboBox()
        self.thaw_bag.setObjectName("thawBag")
        self.thaw_bag.currentIndexChanged.connect(lambda _index: self._bag_chosen())
        self.thaw_bag_label = QLabel("Bag")
        form.addRow(self.thaw_bag_label, self.thaw_bag)
        self.thaw_row, self.thaw_started = time_editor("thawStarted")
        form.addRow("Started", self.thaw_row)
        layout.addLayout(form)
        self.thaw_button = QPushButton("Record thaw start")
        self.thaw_button.setObjectName("recordThaw")
        self.thaw_button.clicked.connect(self.record_thaw)
        layout.addWidget(self.thaw_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.countdown = GrowingLabel()
        self.countdown.setObjectName("thawCountdown")
        self.countdown.setWordWrap(True)
        layout.addWidget(self.countdown)
        self.thaw_bar = QProgressBar()
        self.thaw_bar.setObjectName("thawBar")
        self.thaw_bar.setTextVisible(True)
        self.thaw_bar.setMinimumHeight(26)
        self.thaw_bar.hide()
        layout.addWidget(self.thaw_bar)
        return box

    def _show_thaw_bar(self, started_at: datetime | None, limit: int | None) -> None:
        """The time left of the post-thaw limit as a bar that empties (None: no bar)."""
        if started_at is None or limit is None or limit <= 0 or self.infused:
            self.thaw_bar.hide()
            return
        left = (started_at + timedelta(minutes=limit) - now()).total_seconds()
        self.thaw_bar.setRange(0, limit * 60)
        self.thaw_bar.setValue(int(min(max(left, 0), limit * 60)))
        minutes = int(max(left, 0)) // 60
        self.thaw_bar.setFormat(
            f"{minutes} of {limit} min left" if left >= 0 else f"limit of {limit} min passed"
        )
        level = thaw_bar_level(left, limit)
        if self.thaw_bar.property("level") != level:
            restyle(self.thaw_bar, level=level)
        self.thaw_bar.show()

    def _infusion_box(self) -> QGroupBox:
        self.infusion_group = QGroupBox("2 · Second nurse confirms")
        layout = QFormLayout(self.infusion_group)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # leaves the check room
        layout.setVerticalSpacing(2)
        started_row, self.started_at = time_editor("infusionStarted")
        ended_row, self.ended_at = time_editor("infusionEnded")
        for editor in (self.started_at, self.ended_at):
            editor.setDisplayFormat(SECONDS_FORMAT)
        layout.addRow(zoned_caption("Infusion started", self.started_at), started_row)
        layout.addRow(zoned_caption("Infusion ended", self.ended_at), ended_row)
        self.confirm_button = QPushButton("Second nurse: sign in and confirm…")
        self.confirm_button.setObjectName("confirmInfusion")
        self.confirm_button.clicked.connect(self.confirm)
        layout.addRow(self.confirm_button)
        return self.infusion_group

    # ------------------------------------------------------------ the case

    def load_case(self) -> None:
        """Forget the bedside check in progress, then read the chosen case."""
        self.check = None
        self.infused = False
        self.wristband_scan.clear()
        self.bag_scan.clear()
        self.birth_date.setDate(NO_DATE)
        self.check_result.hide()
        self.thaw_started.setDateTime(QDateTime.currentDateTime())
        self.not_given_reason.clear()
        super().load_case()

    def show_case(self, state: BedsideScreen | None) -> None:
        """Show whose therapy it is, its bags and the post-thaw limit."""
        self.state = state
        if state is not None and self.infused and open_bags(state):
            self.infused = False  # a bag of the dose is still to give: the next check starts
            self.check = None
            self.check_result.hide()
            self._clear_scans()
        if state is not None and state.case.stage is CaseStage.INFUSED:
            self.infused = True  # the dose is accounted for: nothing is left to check
        if state is None:
            self.patient_name.setText("No therapy is waiting for infusion at your clinic.")
            for label in (self.patient_details, self.coi_label, self.bags_label, self.dose_head):
                label.clear()
            self.look_alike.hide()
            self.birth_date_row.hide()
        else:
            self._show_patient(state)
        warnings = state.warnings if state is not None else ()
        self.warning.setText("\n".join(f"⚠ {line}" for line in warnings))
        self.warning.setVisible(bool(warnings))
        self._show_thaw_bags(state)
        self._show_not_given_bags(state)
        self.update_countdown()
        self._update_steps()

    def _show_patient(self, state: BedsideScreen) -> None:
        case, patient = state.case, state.case.patient
        if patient is None:
            self.patient_name.setText("Patient identity is not shown to your role.")
            self.patient_details.clear()
        elif patient.problem is not None:
            self.patient_name.setText(patient.display_name)
            self.patient_details.clear()
        else:
            self.patient_name.setText(patient.display_name)
            self.patient_details.setText(
                f"Born {patient.born()} · hospital number {patient.hospital_number}"
            )
        self.coi_label.setText(f"COI {case.coi_eye_readable} · {case.stage_name}")
        self.look_alike.setText(look_alike_line(state.look_alikes))
        self.look_alike.setVisible(bool(state.look_alikes))
        self.birth_date_row.setVisible(bool(state.look_alikes))
        count = len(state.bags)
        lines = []
        for number, bag in enumerate(state.bags, start=1):
            account = state.accounts.get(bag.id, BagAccount.TO_GIVE)
            stored = _placed(state, bag) + _identity_label(state, bag) * (
                account is BagAccount.TO_GIVE
            )
            lines.append(
                f"{number} · DIN {din_text(bag.din)} "
                f"({bag.status.value.replace('_', ' ')}{stored}) — "
                + bag_to_do(bag, account, state.holds.get(bag.id), state.not_given.get(bag.id))
            )
        accounts = [state.accounts.get(b.id) for b in state.bags]
        to_give, held = accounts.count(BagAccount.TO_GIVE), accounts.count(BagAccount.HELD)
        head = f"The dose: {count} therapy bag{'s' if count != 1 else ''}"
        if to_give and to_give < count:
            head += f" — {to_give} still to give"
        if held:
            head += f" — {held} on hold, left to account for"
        self.dose_head.setText(head + ":" if lines else "Therapy bags: none")
        self.bags_label.setText("\n".join(lines))

    def _update_steps(self) -> None:
        ready = self.state is not None and not self.infused
        checked = self.check is not None
        for step in (self.wristband_scan, self.bag_scan, self.birth_date, self.check_button):
            step.setEnabled(ready and not checked)  # the date of birth too, once checked
        self.storage.setEnabled(ready and not checked)
        # A thaw is recorded once, and never for a bag on hold: the field, its "Now" and the
        # button stay enabled only while the chosen bag may still be thawed (issue 16 review).
        chosen = self._bag(self._chosen_bag())
        thawable = (
            ready
            and not checked
            and chosen is not None
            and chosen.side_state is SideState.NONE
            and self._thaw() is None
        )
        self.thaw_bag.setEnabled(ready and not checked and self.thaw_bag.count() > 1)
        for thaw in (self.thaw_row, self.thaw_button):
            thaw.setEnabled(thawable)
        self.infusion_group.setEnabled(ready and checked)
        self.not_given_row.setVisible(ready and self.not_given_bag.count() > 0)
        self.not_given_row.setEnabled(ready and not checked)

    def after_acknowledge(self) -> None:
        """Start the check again from the wristband."""
        self.wristband_scan.setFocus()

    # ------------------------------------------------------------ thaw and countdown

    def _show_thaw_bags(self, state: BedsideScreen | None) -> None:
        """Offer the stored bags for the thaw record (the choice shows only for several)."""
        chosen = self.thaw_bag.currentData()
        self.thaw_bag.blockSignals(True)
        self.thaw_bag.clear()
        for bag in state.bags if state else ():
            account = state.accounts.get(bag.id) if state else None
            if bag.status is UnitStatus.STORED and account is not BagAccount.NOT_GIVEN:
                self.thaw_bag.addItem(f"DIN {din_text(bag.din)}", str(bag.id))
        index = self.thaw_bag.findData(chosen)
        self.thaw_bag.setCurrentIndex(max(index, 0))
        self.thaw_bag.blockSignals(False)
        several = self.thaw_bag.count() > 1
        self.thaw_bag.setVisible(several)
        self.thaw_bag_label.setVisible(several)

    def _show_not_given_bags(self, state: BedsideScreen | None) -> None:
        """Offer the bags left to account for (to give, or held) for the "not given" record."""
        self.not_given_bag.clear()
        for bag in open_bags(state) if state else ():
            held = bag.side_state is not SideState.NONE
            state_words = f" ({bag.side_state.value.replace('_', ' ')})" if held else ""
            self.not_given_bag.addItem(f"DIN {din_text(bag.din)}{state_words}", str(bag.id))

    def _thaw(self) -> ThawView | None:
        """The recorded thaw of the checked bag, else of the bag chosen for the thaw record."""
        if self.state is None:
            return None
        unit_id = self.check.unit_id if self.check else self._chosen_bag()
        return next((t for t in self.state.thaws if t.unit_id == unit_id), None)

    def _bag_chosen(self) -> None:
        """Another bag chosen for the thaw record: its countdown, and whether it may be thawed."""
        self.update_countdown()
        self._update_steps()

    def _bag(self, unit_id: uuid.UUID | None) -> UnitView | None:
        """The bag of the shown case with ``unit_id`` (None: none)."""
        bags = self.state.bags if self.state is not None else ()
        return next((bag for bag in bags if bag.id == unit_id), None)

    def _chosen_bag(self) -> uuid.UUID | None:
        chosen = self.thaw_bag.currentData()
        return uuid.UUID(chosen) if chosen else None

    def update_countdown(self) -> None:
        """Show the time left of the product's post-thaw limit since the recorded thaw."""
        limit = self.state.limit_minutes if self.state else None
        thaw = self._thaw()
        overdue = False
        bag = self._bag(self.check.unit_id if self.check else self._chosen_bag())
        held = bag is not None and bag.side_state is not SideState.NONE
        if held and not self.infused:
            # Never "Infuse within …" for a bag that must not be infused (issue 16 review).
            assert bag is not None
            state = bag.side_state.value.replace("_", " ").upper()
            text, overdue = f"⚠ Bag DIN {din_text(bag.din)} is {state}: do not infuse it.", True
            thaw = None
        elif self.infused:
            text = "Infusion recorded."
        elif limit is None:
            text = "No post-thaw limit is set for this product." if self.state else ""
        elif thaw is None:
            text = f"Record the thaw start: the {limit}-minute post-thaw limit counts from it."
        else:
            text, overdue = post_thaw_status(thaw.started_at, limit, now())
        if self.countdown.property("overdue") != overdue:
            restyle(self.countdown, overdue=overdue)  # its border first: then its height
        self.countdown.setText(text)
        self.countdown.fit()  # the warning took two of its three lines at 1000 px
        self._show_thaw_bar(thaw.started_at if thaw is not None else None, limit)
        counting = thaw is not None and limit is not None and not self.infused and not held
        if counting and not self.timer.isActive():
            self.timer.start()
        elif not counting:
            self.timer.stop()

    def record_thaw(self) -> None:
        """Record when the chosen bag's thaw started (infusion nurse)."""
        state, unit_id = self.state, self._chosen_bag()
        if state is None or unit_id is None:
            self._say(False, "✖ No stored bag of this case is waiting to be thawed.")
            return
        started = utc_of(self.thaw_started.dateTime())
        self._quiet()
        WriteOp(
            partial(record_thaw, self.database, self.actor, unit_id, started),
            doing="The thaw was not recorded",
            changes={"case"},
        ).busy(self.set_busy).success(self._thaw_recorded).failure(self.refusal()).run(self.runner)

    def _thaw_recorded(self, thaw: ThawView) -> None:
        by = f"; infuse by {local_time(thaw.infuse_by)}" if thaw.infuse_by else ""
        self._say(
            True,
            f"✔ Thaw of bag DIN {din_text(thaw.din)} recorded: started "
            f"{local_time(thaw.started_at)}{by}.",
        )
        if self.state is not None:
            self.read_case(self.state.case.id)

    # ------------------------------------------------------------ actions

    def record_not_given(self) -> None:
        """Record why the chosen bag of the dose is not given (it goes on hold for QA)."""
        chosen, state = self.not_given_bag.currentData(), self.state
        if state is None or not chosen:
            return
        reason = self.not_given_reason.text().strip()
        if not reason:
            self._say(False, "✖ Type why this bag is not given, then record it.")
            self.not_given_reason.setFocus()
            return
        chosen_bag = self._bag(uuid.UUID(chosen))
        din = (
            f"DIN {din_text(chosen_bag.din if chosen_bag else None)}"  # not the list's "(on hold)"
        )
        case_id = state.case.id

        def recorded(_view: Any) -> None:
            self.not_given_reason.clear()
            self._say(True, f"✔ Bag {din} recorded as not given ({reason}); it is on hold for QA.")
            self.read_case(case_id)

        self._quiet()
        WriteOp(
            partial(
                record_bag_not_given, self.database, self.actor, uuid.UUID(chosen), reason=reason
            ),
            doing="The bag was not recorded as not given",
            changes={"case"},
        ).busy(self.set_busy).success(recorded).failure(self.refusal()).run(self.runner)

    def _wristband_entered(self, *_scan: object) -> None:
        if self.bag_scan.value:
            self.check_bedside()
        else:
            self.bag_scan.setFocus()

    def _clear_scans(self) -> None:
        self.wristband_scan.clear()
        self.bag_scan.clear()

    def check_bedside(self, *_scan: object) -> None:
        """Check the wristband and the bag against the case (first nurse)."""
        if self.state is None or self.check is not None:
            return
        for field in (self.wristband_scan, self.bag_scan):  # typed, not yet ended with Enter
            field.finish_entry(quietly=True)
        wristband, bag = self.wristband_scan.value, self.bag_scan.value
        if not wristband:
            self._say(False, "✖ Scan the patient's wristband first.")
            self.wristband_scan.setFocus()
            return
        if not bag:
            self._say(False, "✖ Now scan the therapy bag.")
            self.bag_scan.setFocus()
            return
        born = self._given_birth_date()
        if self.state.look_alikes and born is None:
            self._say(False, "✖ A look-alike case is active: enter the patient's date of birth.")
            self.birth_date.setFocus()
            return
        case_id = self.state.case.id
        self._quiet()
        WriteOp(
            partial(
                bedside_check,
                self.database,
                self.actor,
                case_id,
                wristband_scan=wristband,
                bag_scan=bag,
                date_of_birth=born,
            ),
            doing="The bedside check did not pass",
            changes={"case"},
        ).busy(self.set_busy).success(self._checked).failure(self.refusal(self._clear_scans)).run(
            self.runner
        )

    def _checked(self, check: BedsideCheckView) -> None:
        self.check = check
        who = self.patient_name.text()
        coi = self.state.case.coi_eye_readable if self.state else ""
        self.check_result.setText(
            f"✔ Bedside check passed at {local_time(check.checked_at)}: the wristband of "
            f"{who} carries their hospital number, and bag DIN {din_text(check.din)} is of "
            f"COI {coi}."
        )
        self.check_result.show()
        moment = QDateTime.currentDateTime()
        self.started_at.setDateTime(moment)
        self.ended_at.setDateTime(moment)
        self._update_steps()
        self.update_countdown()
        self.confirm_button.setFocus()

    def confirm(self) -> None:
        """A second nurse signs in here and confirms the infusion's start and end."""
        check, state = self.check, self.state
        if check is None or state is None:
            return
        started, ended = utc_of(self.started_at.dateTime()), utc_of(self.ended_at.dateTime())
        problem = infusion_times_problem(started, ended, now())
        if problem is not None:  # said before any second nurse is asked to sign in
            self._say(False, f"✖ {problem}")
            self.ended_at.setFocus()
            return
        case_id = state.case.id

        def confirmed(second: Actor, _view: Any) -> None:
            self.infused = True
            self.timer.stop()
            self._say(
                True,
                "✔ Infusion recorded — visible to the manufacturer. "
                f"Bag DIN {din_text(check.din)}, {started.astimezone():%Y-%m-%d} "
                f"{_span(started, ended)}; checked by {self.actor.full_name}, confirmed and "
                f"signed by {second.full_name}.",
            )
            self.update_countdown()
            self._update_steps()
            self.read_case(case_id)

        self.verify_as_second_person(
            f"the infusion of bag DIN {din_text(check.din)} to {self.patient_name.text()} "
            f"(COI {state.case.coi_eye_readable})",
            confirm_infusion,
            check.id,
            started_at=started,
            ended_at=ended,
            doing="The infusion was not recorded",
            changes={"case"},
            done=confirmed,
        )


def _placed(state: BedsideScreen, bag: UnitView) -> str:
    """Where the bag is recorded in storage, for the bag list ("" when it is not)."""
    place = state.places.get(bag.id)
    return f" in {place.location.words}" if place is not None else ""


def _identity_label(state: BedsideScreen, bag: UnitView) -> str:
    """Whether a stored bag carries its patient-identity label (the name the nurse reads)."""
    if bag.status.value != "stored":
        return ""
    if bag.id in state.identity_labelled:
        return ", patient-identity label on"
    return ", NO patient-identity label: print it at Receipt"
