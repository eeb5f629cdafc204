"""The base of the screens that work on one case of the user's site (DESIGN.md §1, §3).

The batch record, collection and bedside screens pick a case from a list, run every service
call through the task runner (the page is disabled meanwhile), show results and refusals in
plain words, and raise the scan alarm for a refused scan: the page stays blocked until the
alarm's acknowledgement is on record.

The case in front of the user is always named in a pinned header (COI, product, stage, and the
patient's name and date of birth for the roles allowed to see identity) and never changes by
itself: when an action moves the case past the page's step, the page stays on it and says it
moved on; only the user chooses another case.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.casefile import CaseRow, CaseStage, cases_at
from app.core import Actor, Database, ScanMismatch
from app.journey import CaseView
from app.labelling import confirm_label, print_unit_label
from app.scanning import ScannerSettings
from ui.dialogs import ask_second_person, choose_printer_and_print
from ui.tasks import Failure, ReadOp, TaskRunner, WriteOp
from ui.widgets import (
    BannerSlot,
    LabelRow,
    ScanAlarm,
    ScanField,
    din_text,
    escape,
    message_line,
    restyle,
    show_message,
)

BANNER_LINES = 5
"""The height of a case page's banner slot in lines of text: an outcome line of a few lines
fits; a taller scan alarm lies over the part of the page it blocks."""
MOVED_ON = " (moved on)"
"""Marks, in the case picker, the case shown that is no longer at the page's step."""


class CaseHeader(QLabel):
    """The pinned name of the case in front of the user: COI, product, stage, and for the
    roles allowed to see identity, the patient's name and date of birth."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("caseHeader")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setStyleSheet(
            "#caseHeader { border: 2px solid #1f4e79; border-radius: 4px; padding: 6px;"
            " background: #eef4fb; font-size: 15px; }"
            " #caseHeader[moved='yes'] { border-color: #b8860b; background: #fff7e0; }"
        )
        self.show_none()

    def show_none(self, text: str = "No case chosen.") -> None:
        """No case is in front of the user."""
        self.setText(escape(text))
        restyle(self, moved="no")

    def show_case(self, case: CaseView, *, moved_on: str | None = None) -> None:
        """Name ``case``; ``moved_on`` says, when given, that it left the page's step."""
        parts = [f"<b>COI {escape(case.coi_eye_readable)}</b>", escape(case.product_name)]
        if case.patient is not None and case.patient.problem is not None:
            parts.append(f"<b>{escape(case.patient.display_name)}</b>")
        elif case.patient is not None:
            # The date as the patient box and the identity label write it: one form on a page
            # (the bedside said "born 1969-02-21" here and "Born 21 Feb 1969" below; issue 16).
            born = case.patient.born()
            parts.append(f"<b>{escape(case.patient.display_name)}</b> · born {born}")
        parts.append(f"Stage: {escape(case.stage_name)}")
        text = " · ".join(parts)
        if moved_on is not None:
            text += f"<br>⚠ {escape(moved_on)}"
        self.setText(text)
        restyle(self, moved="yes" if moved_on is not None else "no")


class CaseWorkPage(QWidget):
    """A screen that works on one case of the user's site chosen from a list.

    It runs every service call through the task runner (the page is disabled meanwhile),
    shows results and refusals in plain words, and raises the scan alarm for a mismatch:
    the page stays blocked until the alarm is acknowledged, and the acknowledgement recorded.
    """

    stages: tuple[CaseStage, ...] = ()
    """The stages of the cases offered in the case picker."""
    read_screen: Callable[[Database, Actor, uuid.UUID], Any]
    """The service that reads all the page shows of one case, in one session (a
    ``staticmethod`` in each page, e.g. ``staticmethod(bedside_screen)``)."""

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        title: str,
        *,
        scanner: ScannerSettings | None = None,
    ) -> None:
        super().__init__()
        self.database = database
        self.actor = actor
        self.runner = runner
        self.scanner = scanner or ScannerSettings()
        """The bench scanner's settings, read by every scan field of the page."""
        self._busy = False
        self._on_acknowledge: Callable[[], None] | None = None
        self._focus_after_load = False  # an accepted scan: focus the next scan once reloaded
        self._case_ids: list[uuid.UUID] = []
        self._moved_on: uuid.UUID | None = None
        """The case shown that an action moved past this page's step (kept until the user
        chooses another)."""
        layout = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        layout.addWidget(heading)
        self.case_header = CaseHeader()
        layout.addWidget(self.case_header)
        self.alarm = ScanAlarm(database, actor, runner)
        self.alarm.acknowledged.connect(self._acknowledged)
        self.ok_message = message_line("okMessage")
        self.error_message = message_line("errorMessage")
        # One place of fixed height for the alarm and the outcome lines: the fields below never
        # move when one appears or goes (issue 16: scans landed in the field that moved there).
        self.banner_slot = BannerSlot(
            self.alarm, self.ok_message, self.error_message, lines=BANNER_LINES
        )
        layout.addWidget(self.banner_slot)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        # Under the largest alarm the body may not fit a 1280 × 800 window: it scrolls
        # rather than squeezing fields and help text until they are cut off.
        scroll = QScrollArea()
        scroll.setObjectName("caseWorkScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)
        layout.addWidget(scroll, stretch=1)
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

    def set_busy(self, busy: bool) -> None:
        """Disable the page while a service call runs (an operation's ``busy`` handler)."""
        self._busy = busy
        self._update_enabled()

    def read(self, work: Callable[[], Any], done: Callable[[Any], None], *, doing: str) -> None:
        """Read with ``work`` (plain values only: it runs off the GUI thread), then ``done``."""
        ReadOp(work, doing=doing).busy(self.set_busy).success(done).failure(self.refused).run(
            self.runner
        )

    def _update_enabled(self) -> None:
        self.body.setEnabled(not self._busy and not self.alarm.active)

    # ------------------------------------------------------------ messages

    def _say(self, ok: bool, text: str) -> None:
        shown, hidden = (
            (self.ok_message, self.error_message) if ok else (self.error_message, self.ok_message)
        )
        hidden.hide()
        show_message(shown, text, ok=ok)

    def _quiet(self) -> None:
        self.ok_message.hide()
        self.error_message.hide()

    def refused(self, failure: Failure, on_acknowledge: Callable[[], None] | None = None) -> None:
        """Show why a call did not happen; a refused scan raises the alarm and blocks the
        page until it is acknowledged, then ``on_acknowledge`` runs."""
        error = failure.error
        if isinstance(error, ScanMismatch):
            self._quiet()
            self.alarm.raise_alarm(
                "SCAN DOES NOT MATCH — STOP. Nothing was recorded; the refusal is on record.",
                error.reasons or (error.message,),
                error.scan_id,
                unreadable=error.unreadable,
            )
            self._on_acknowledge = on_acknowledge
            self._update_enabled()
            return
        self.ok_message.hide()
        show_message(self.error_message, failure.headline, ok=False)

    def refusal(
        self, on_acknowledge: Callable[[], None] | None = None
    ) -> Callable[[Failure], None]:
        """A failure handler that shows the refusal, then runs ``on_acknowledge`` once an
        alarm for a refused scan is acknowledged (e.g. to clear the scan field)."""
        return lambda failure: self.refused(failure, on_acknowledge)

    def _acknowledged(self) -> None:
        action, self._on_acknowledge = self._on_acknowledge, None
        if action is not None:
            action()
        self._update_enabled()
        self.after_acknowledge()

    def after_acknowledge(self) -> None:
        """Where the screen goes once an alarm is acknowledged (e.g. back to the scan field)."""

    def label_rows(self) -> Sequence[LabelRow]:
        """The page's label rows (print, scan back), in the order they are worked."""
        return ()

    def next_scan_field(self) -> QWidget | None:
        """The scan field the page expects next (None: no scan is due): a printed label
        waiting to be scanned back; pages add their own steps after it."""
        for row in self.label_rows():
            if row.scan_back.isEnabled():
                return row.scan_back
        return None

    def focus_next_scan(self) -> None:
        """Give the focus to the scan the page expects next, so the next scan lands there."""
        field = self.next_scan_field()
        if field is not None:
            field.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_next_scan_after_load(self) -> None:
        """Reload the case, then focus the scan it expects next (after an accepted scan)."""
        self._focus_after_load = True
        self.load_case()

    def scan_field(self, name: str, placeholder: str, *, keep: bool = True) -> ScanField:
        """A scan field of this page (an entry no code could be is sent on too: the service
        refuses it, records the refusal and the page raises the scan alarm)."""
        field = ScanField(self.scanner, keep=keep)
        field.setObjectName(name)
        field.setPlaceholderText(placeholder)
        return field

    def verify_as_second_person(
        self,
        what: str,
        service: Callable[..., Any],
        *args: Any,
        doing: str,
        changes: set[str],
        done: Callable[[Actor, Any], None],
        **kwargs: Any,
    ) -> None:
        """A colleague signs in on this screen to verify ``what``; then
        ``service(database, colleague, *args, password=..., **kwargs)`` runs as them and
        ``done(colleague, result)`` follows. Cancelling the sign-in does nothing."""
        signed_in = ask_second_person(self, self.database, self.actor.station, what)
        if signed_in is None:
            return
        second, password = signed_in
        self._quiet()
        WriteOp(
            partial(service, self.database, second, *args, password=password, **kwargs),
            doing=doing,
            changes=changes,
        ).busy(self.set_busy).success(lambda result: done(second, result)).failure(
            self.refused
        ).run(self.runner)

    def wire_label_row(self, row: LabelRow) -> None:
        """Print / Reprint and a scan in the scan-back field act on ``row``'s container."""
        row.print_button.clicked.connect(lambda _=False: self.print_label(row))
        row.scan_back.scanned.connect(lambda _scan: self.scan_label_back(row))

    def print_label(self, row: LabelRow) -> None:
        """Record a container's label, then send its PDF to a printer the user chooses.

        A reprint first asks for its reason (the earlier label is voided). The label stays on
        record as printed when the dialog is cancelled or the printer fails; the page says so.
        """
        unit = row.unit
        reason = None
        if row.reprint:
            reason, ok = QInputDialog.getText(
                self, "Reprint label", "Why is the label reprinted? (The earlier label is voided.)"
            )
            if not ok or not reason.strip():
                return

        def printed(label: Any) -> None:
            try:
                sent = choose_printer_and_print(self, label.pdf, label.page_size_mm)
            except Exception as error:  # a printer fault is shown, the record stays
                self.refused(Failure.of(error, "The label was not printed"))
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
            self.focus_next_scan_after_load()

        self._quiet()
        WriteOp(
            partial(print_unit_label, self.database, self.actor, unit.id, reprint_reason=reason),
            doing="The label was not printed",
            changes={"label"},
        ).busy(self.set_busy).success(printed).failure(self.refused).run(self.runner)

    def scan_label_back(self, row: LabelRow) -> None:
        """Scan a printed label on its container: it must be that container's label."""
        raw = row.scan_back.value
        if not raw:
            return
        unit = row.unit

        def applied(_label: Any) -> None:
            where = f"the {unit.description.lower()} DIN {din_text(unit.din)}"
            self._say(True, f"✔ Label on {where} scanned back and matched.")
            self.focus_next_scan_after_load()

        self._quiet()
        WriteOp(
            partial(confirm_label, self.database, self.actor, unit.id, raw),
            doing="The label was not scanned back",
            changes={"label"},
        ).busy(self.set_busy).success(applied).failure(self.refusal(row.scan_back.clear)).run(
            self.runner
        )

    # ------------------------------------------------------------ cases

    def refresh(self) -> None:
        """Reload the cases at this page's stages that the user's site works on."""

        self.read(
            partial(cases_at, self.database, self.actor, self.stages),
            self._show_cases,
            doing="The cases could not be read",
        )

    def _show_cases(self, rows: Sequence[CaseRow]) -> None:
        """List the cases; the case shown stays chosen, even when it left this page's step
        (it is then listed first, marked as moved on). Nothing else is chosen by itself."""
        chosen = self.current_case_id()
        self._case_ids = [row.id for row in rows]
        titles = [self.case_title(row) for row in rows]
        self._moved_on = None
        if chosen is not None and chosen not in self._case_ids:
            self._moved_on = chosen
            self._case_ids.insert(0, chosen)
            titles.insert(0, self.case_picker.currentText().removesuffix(MOVED_ON) + MOVED_ON)
        self.case_picker.blockSignals(True)
        self.case_picker.clear()
        self.case_picker.addItems(titles)
        index = self._case_ids.index(chosen) if chosen in self._case_ids else 0
        self.case_picker.setCurrentIndex(index if self._case_ids else -1)
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

    def read_case(self, case_id: uuid.UUID) -> None:
        """Read everything the page shows of ``case_id`` in one call (``screen``), show it."""
        if case_id == self._moved_on:
            ReadOp(
                partial(self.read_screen, self.database, self.actor, case_id),
                doing="The case could not be read",
            ).busy(self.set_busy).success(self._case_read).failure(
                lambda _failure: self._moved_out_of_reach(case_id)
            ).run(self.runner)
            return
        self.read(
            partial(self.read_screen, self.database, self.actor, case_id),
            self._case_read,
            doing="The case could not be read",
        )

    def _moved_out_of_reach(self, case_id: uuid.UUID) -> None:
        """The case shown moved on and this page cannot show it any more: say so."""
        if self.current_case_id() != case_id:
            return
        title = self.case_picker.currentText().removesuffix(MOVED_ON)
        self.case_header.show_none(
            f"⚠ {title}: this case has moved on and is no longer at this step. "
            "Choose the next case in the list."
        )
        restyle(self.case_header, moved="yes")
        self.show_case(None)

    def _case_read(self, state: Any) -> None:
        if self.current_case_id() == state.case.id:  # else another case was chosen meanwhile
            moved = None
            title = self.case_title(state.case)  # its stage now: the list may be older
            if state.case.id == self._moved_on:
                title += MOVED_ON
                moved = (
                    f"This case has moved on to “{state.case.stage_name}”: it is no longer at "
                    "this step. The page stays on it; choose the next case in the list."
                )
            self.case_picker.setItemText(self.case_picker.currentIndex(), title)
            self.case_header.show_case(state.case, moved_on=moved)
            self.show_case(state)
            if self._focus_after_load:
                self._focus_after_load = False
                self.focus_next_scan()

    def load_case(self) -> None:
        """Read the chosen case and show it (``show_case(None)`` when there is none)."""
        case_id = self.current_case_id()
        if case_id is None:
            self.case_header.show_none()
            self.show_case(None)
        else:
            if case_id != self._moved_on and self._moved_on is not None:
                self._forget_moved_on()
            self.read_case(case_id)

    def _forget_moved_on(self) -> None:
        """The user chose another case: the one that moved on leaves the list."""
        index = self._case_ids.index(self._moved_on) if self._moved_on in self._case_ids else -1
        self._moved_on = None
        if index >= 0:
            self._case_ids.pop(index)
            self.case_picker.blockSignals(True)
            self.case_picker.removeItem(index)
            self.case_picker.blockSignals(False)

    def show_case(self, state: Any | None) -> None:
        """Show what ``screen`` read of the chosen case; None when there is no case."""
        raise NotImplementedError
