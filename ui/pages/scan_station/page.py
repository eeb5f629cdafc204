"""The scan station: one scan field, what is expected next, and a result no one can miss.

The operator first chooses the case by scanning its COI bar code (``&/CH…``) or typing the COI
with its check character. Every scan after that is verified against "any container of this
case" by `app.scanning.service.verify_scan` on the task runner's single writer, which records it. A
match turns the banner green with ✔, words and a chime. A mismatch turns it red with ✖ STOP, an
unreadable scan amber with ⚠ "could not read — scan again" (as on the receipt and case pages),
each with the service's reasons and an alarm, and each BLOCKS the station: the scan field takes
nothing until someone clicks Acknowledge or presses F12 (never Enter, which every scan ends with),
and the acknowledgement of the signed-in user is on record (`app.scanning.alarms`).

An image file is decoded off the GUI thread and each code in it is verified like a scan (see
`app.scanning.image_reading` for the one code that is not); so is the first code the camera
reads (`pictures`, `camera`).
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QVBoxLayout,
    QWidget,
)

from app.core import Actor, Database
from app.scanning import (
    Expectation,
    ScanAcknowledgement,
    ScanEntry,
    ScannerSettings,
    ScanVerdict,
    WedgeScan,
    record_refused_scan,
    verify_scan,
)
from labels.isbt128 import CoiIdentifier
from ui.pages.scan_station.body import (
    ACKNOWLEDGE_TEXT,
    NO_CASE,
    RECORDING_TEXT,
    ScanStationBody,
)
from ui.pages.scan_station.case_choice import choose_case, coi_text, expected_next
from ui.pages.scan_station.pictures import PictureReader
from ui.tasks import Task, TaskRunner
from ui.widgets import (
    ACKNOWLEDGE_UNREAD_TEXT,
    UNREADABLE_HEADLINE,
    FullWindow,
    RefusalAcknowledgement,
    Sounds,
    describe,
    din_text,
    restyle,
    typed_input,
)

CASE_CHOICE = "scan station case"
"""The purpose an entry refused as the station's case is recorded under."""
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"


class ScanStation(QWidget):
    """The bench scan station for one signed-in operator.

    Signals: ``case_chosen(str)`` with the COI code, ``verdict_received(ScanVerdict)`` for
    every verified scan, ``blocked_changed(bool)``.
    """

    case_chosen = Signal(str)
    verdict_received = Signal(object)
    blocked_changed = Signal(bool)

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        *,
        settings: ScannerSettings | None = None,
        sounds: Sounds | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.actor = actor
        self.runner = runner
        self.settings = settings or ScannerSettings()
        self.sounds = sounds or Sounds(self)
        self.coi: CoiIdentifier | None = None
        self.blocked = False
        self.unreadable = False  # blocked by a scan that was no code at all (amber)
        self._queue: deque[ScanEntry] = deque()
        self._checking: ScanEntry | None = None
        self.setObjectName("page-scan")

        self.body = ScanStationBody(self.settings, self.actor)
        self.body.installEventFilter(self)
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._outer.addWidget(self.body)
        self._full = FullWindow(self, self.body, self._outer, "scanStationFull")
        self._full.toggled.connect(self._full_toggled)
        # The body's widgets, named here as the station's own.
        body = self.body
        self.expectation, self.scan_field = body.expectation, body.scan_field
        self.banner, self.headline, self.detail = body.banner, body.headline, body.detail
        self.notice, self.history = body.notice, body.history
        self.case_header = body.case_header
        self.acknowledge_button, self.full_button = body.acknowledge_button, body.full_button
        self.change_case_button, self.decode_button = body.change_case_button, body.decode_button
        self.camera_button = body.camera_button
        self.scan_field.scanned.connect(self._scanned)
        self.scan_field.refused.connect(self._input_refused)
        self.change_case_button.clicked.connect(self.change_case)
        self.decode_button.clicked.connect(self._choose_image)
        self.camera_button.clicked.connect(self.toggle_camera)
        self.full_button.clicked.connect(self.toggle_full_window)
        self.acknowledgement_flow = RefusalAcknowledgement(
            database, actor, runner, self.acknowledge_button, RECORDING_TEXT
        )
        self.acknowledgement_flow.recorded.connect(self._acknowledged)
        self.acknowledgement_flow.not_recorded.connect(self._acknowledgement_failed)
        self.pictures = PictureReader(runner, self)
        self.frames, self.camera = self.pictures.frames, self.pictures.camera
        self.pictures.entries.connect(self._picture_entries)
        self.pictures.note.connect(self.body.remember)
        self.pictures.problem.connect(self._image_problem)
        self.pictures.changed.connect(self._pictures_changed)
        self.camera.frame.connect(self.body.show_frame)
        self.setFocusProxy(self.scan_field)
        self._shortcut(Qt.Key.Key_F12, self.acknowledge)
        self._shortcut(Qt.Key.Key_F11, self.toggle_full_window)
        self._shortcut(Qt.Key.Key_Escape, self._full.leave)
        self.body.show_banner("scanBannerIdle", "Ready", "Waiting for the case COI.")
        self._update()

    # ------------------------------------------------------------------ building
    def unsaved_input(self) -> str | None:
        """A scan typed into the scan field and not yet checked with Enter (None: none)."""
        return typed_input([("the scan field", self.scan_field)])

    def _shortcut(self, key: Qt.Key, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(QKeySequence(key), self.body)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # ------------------------------------------------------------------ state shown
    @property
    def busy(self) -> bool:
        """True while a scan or an image is being checked."""
        return self._checking is not None or bool(self._queue) or self.pictures.decoding

    @property
    def refused_scan(self) -> uuid.UUID | None:
        """The refused scan on record whose alarm blocks the station (None: nothing recorded)."""
        return self.acknowledgement_flow.scan_id

    @property
    def acknowledgement(self) -> ScanAcknowledgement | None:
        """The acknowledgement on record of the last refused scan."""
        return self.acknowledgement_flow.acknowledgement

    def _update(self) -> None:
        expected, placeholder = expected_next(self.blocked, self.coi, self.unreadable)
        self.expectation.setText(expected)
        self.scan_field.setPlaceholderText(placeholder)
        self.scan_field.locked = self.blocked
        restyle(self.scan_field, blocked=self.blocked)
        self.acknowledge_button.setVisible(self.blocked)
        idle = not self.blocked and not self.busy
        self.change_case_button.setEnabled(idle and self.coi is not None)
        self.decode_button.setEnabled(idle and self.coi is not None)
        self.decode_button.setToolTip(
            "" if self.coi is not None else "Choose the case first (scan or type its COI)."
        )
        running = self.camera.running
        self.camera_button.setEnabled(
            running or (idle and self.coi is not None and bool(self.body.cameras))
        )

    def _refocus(self) -> None:
        self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event: QShowEvent) -> None:
        """The scan field has the focus whenever the station is shown."""
        super().showEvent(event)
        self._refocus()

    def hideEvent(self, event: QHideEvent) -> None:
        """The camera stops when the station is hidden (another page, the window closed)."""
        self.camera.stop()
        super().hideEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A click anywhere on the station gives the focus back to the scan field."""
        if watched is self.body and event.type() == QEvent.Type.MouseButtonRelease:
            self._refocus()
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ the case
    def _scanned(self, scan: WedgeScan) -> None:
        if self.blocked:
            return
        self.notice.hide()
        if self.coi is None:
            self._choose_case(scan)
            return
        source = "typed" if scan.typed_by_hand else "scanner"
        self._enqueue(ScanEntry(scan.raw, source))

    def _choose_case(self, scan: WedgeScan) -> None:
        choice = choose_case(self.database, self.actor, scan)
        state = "scanBannerWarning" if choice.coi is None else "scanBannerInfo"
        self.body.show_banner(state, choice.headline, choice.detail)
        self.body.remember(choice.history)
        if choice.coi is None:
            self._record_refused_choice(scan.raw, choice.detail)
        if choice.coi is not None:
            self.coi, self.pictures.coi = choice.coi, choice.coi.code
            self._update()
            if choice.case is not None:
                self.case_header.show_case(choice.case)
            else:
                self.case_header.show_none(f"COI {coi_text(choice.coi)}")
            self.case_chosen.emit(choice.coi.code)

    def _record_refused_choice(self, raw: str, reason: str) -> None:
        """Put the entry refused as the case on record (the banner already says why)."""
        database, actor = self.database, self.actor
        expected = Expectation(purpose=CASE_CHOICE, description="the case COI", coi="")
        self.runner.write(
            lambda _task: record_refused_scan(database, actor, raw, expected, reason),
            lambda _verdict: None,
            lambda error: self.body.remember(
                "⚠ the refused entry could not be recorded: " + " — ".join(describe(error))
            ),
        )

    def change_case(self) -> None:
        """Forget the chosen case (a deliberate click; not while blocked or checking)."""
        if self.blocked or self.busy:
            return
        if self.coi is not None:
            self.body.remember(f"ℹ case closed: COI {coi_text(self.coi)}")
        self.camera.stop()
        self.coi, self.pictures.coi = None, ""
        self.case_header.show_none(NO_CASE)
        self.scan_field.clear_entry()
        self.body.show_banner("scanBannerIdle", "Ready", "Waiting for the case COI.")
        self._update()
        self._refocus()

    # ------------------------------------------------------------------ verification
    def _expectation(self) -> Expectation:
        assert self.coi is not None
        return Expectation(
            purpose="scan station",
            description="the case chosen at this station",
            coi=self.coi.code,
        )

    def _enqueue(self, entry: ScanEntry) -> None:
        self._queue.append(entry)
        self._next()

    def _next(self) -> None:
        if self._checking is not None or self.blocked or not self._queue:
            self._update()
            return
        entry = self._queue.popleft()
        self._checking = entry
        database, actor, expectation = self.database, self.actor, self._expectation()

        def work(_task: Task) -> ScanVerdict:
            return verify_scan(database, actor, entry.raw, expectation)

        self.body.show_banner("scanBannerChecking", "… CHECKING", f"Checking {entry.shown}")
        self._update()
        self.runner.write(
            work,
            lambda verdict: self._verified(entry, verdict),
            lambda error: self._not_checked(entry, error),
        )

    def _verified(self, entry: ScanEntry, verdict: ScanVerdict) -> None:
        self._checking = None
        self.verdict_received.emit(verdict)
        if verdict.matched:
            what = f"DIN {din_text(verdict.din)}" if verdict.din else "The scanned code"
            assert self.coi is not None
            self.body.show_banner(
                "scanBannerMatch",
                "✔ MATCH",
                f"{what} is a container of COI {coi_text(self.coi)}. Scan recorded.",
            )
            self.body.remember(f"✔ MATCH  {what if verdict.din else entry.shown}  ({entry.source})")
            self.sounds.play_match()
            self._next()
        elif verdict.outcome == "unreadable":
            # No code at all: amber "scan again", not the red STOP of a wrong item (as the
            # receipt and the case pages say it); acknowledged and recorded all the same.
            self._block(
                "scanBannerUnreadable",
                UNREADABLE_HEADLINE,
                verdict.reasons,
                verdict.scan_id,
                unreadable=True,
            )
            self.body.remember(f"⚠ NOT READ  {entry.shown}  ({entry.source})")
        else:
            self._block("scanBannerMismatch", "✖ MISMATCH — STOP", verdict.reasons, verdict.scan_id)
            scanned = f"DIN {din_text(verdict.din)}" if verdict.din else entry.shown
            self.body.remember(f"✖ MISMATCH  {scanned}  ({entry.source}): {verdict.reasons[0]}")
        self._refocus()

    def _not_checked(self, entry: ScanEntry, error: BaseException) -> None:
        self._checking = None
        title, text = describe(error)
        self._block(
            "scanBannerError",
            "✖ SCAN NOT CHECKED — STOP",
            (f"{title}: {text}", "Nothing was verified: scan the item again."),
        )
        self.body.remember(f"✖ NOT CHECKED  {entry.shown}  ({entry.source}): {title}")

    def _block(
        self,
        state: str,
        headline: str,
        reasons: tuple[str, ...],
        scan_id: uuid.UUID | None = None,
        *,
        unreadable: bool = False,
    ) -> None:
        self.blocked = True
        self.unreadable = unreadable
        ready = ACKNOWLEDGE_UNREAD_TEXT if unreadable else ACKNOWLEDGE_TEXT
        self.acknowledgement_flow.ready_text = ready
        self.acknowledge_button.setText(ready)
        self.acknowledgement_flow.expect(scan_id)
        self.camera.stop()
        dropped = len(self._queue)
        self._queue.clear()
        self.body.show_banner(state, headline, "\n".join(reasons))
        restyle(self.acknowledge_button, kind="unreadable" if unreadable else "wrong")
        if dropped:
            self._notify(
                f"⚠ {dropped} further {'scan was' if dropped == 1 else 'scans were'} NOT checked "
                "because of this refusal: "
                "scan them again after acknowledging."
            )
        self.sounds.play_alarm()
        self._update()
        self.blocked_changed.emit(True)

    def acknowledge(self) -> None:
        """Record the acknowledgement of a refused scan (a deliberate click on Acknowledge, or
        F12), then unblock; the station stays blocked when it cannot be recorded."""
        if self.blocked:
            self.acknowledgement_flow.acknowledge()

    def _acknowledged(self, acknowledgement: ScanAcknowledgement | None) -> None:
        if acknowledgement is None:  # the scan was not checked: nothing is on record
            self._unblock("Nothing was recorded: scan the item again.")
            return
        deviation = acknowledgement.deviation_number
        self._unblock(
            "The refused scan and your acknowledgement are on record"
            + (f" (deviation {deviation})" if deviation else "")
            + ". Deal with the item as the message said, then scan the next container."
        )

    def _acknowledgement_failed(self, text: str) -> None:
        self._notify(text)
        self._refocus()

    def _unblock(self, detail: str) -> None:
        self.blocked = self.unreadable = False
        self.sounds.stop()
        self.notice.hide()
        self.body.show_banner("scanBannerIdle", "Acknowledged", detail)
        self.body.remember("acknowledged by " + self.actor.full_name)
        self._update()
        self.blocked_changed.emit(False)
        self._refocus()

    def _input_refused(self) -> None:
        self._notify(
            "✖ Input ignored: the station is blocked until the refused scan is acknowledged "
            "(click Acknowledge or press F12). Scan the item again afterwards."
        )

    def _notify(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    # ------------------------------------------------------------------ image files
    def _choose_image(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Decode bar codes in an image", "", IMAGE_FILTER
        )
        self._refocus()
        if path:
            self.decode_file(path)

    def decode_file(self, path: str) -> None:
        """Decode the bar codes in an image file off the GUI thread, then verify each one."""
        if self.coi is None or self.blocked or self.busy:
            return
        self.body.show_banner(
            "scanBannerChecking", "… READING IMAGE", f"Looking for bar codes in {path}"
        )
        self.pictures.decode_file(path)

    def _picture_entries(self, entries: tuple[ScanEntry, ...]) -> None:
        if self.coi is None or self.blocked:  # a frame decoded as the station was blocked
            self.camera.stop()
            return
        for entry in entries:
            self._enqueue(entry)
        self._refocus()

    def _image_problem(self, headline: str, detail: str) -> None:
        self.body.show_banner("scanBannerWarning", headline, detail)
        self.body.remember(f"{headline}: {detail}")
        self._update()
        self._refocus()

    # ------------------------------------------------------------------ the camera
    def toggle_camera(self) -> None:
        """Start reading codes with the camera, or stop it (the Camera button)."""
        if self.camera.running:
            self.camera.stop()
        else:
            self.start_camera()
        self._refocus()

    def start_camera(self) -> None:
        """Start the camera; "No camera found" when there is none."""
        if self.coi is None or self.blocked or self.busy:
            return
        problem = self.pictures.start_camera()
        if problem is not None:
            self._image_problem("⚠ CAMERA", problem)
            return
        self.body.show_banner(
            "scanBannerChecking",
            "… CAMERA",
            "Hold the DIN bar code or the 2-D code still in front of the camera.",
        )

    def _pictures_changed(self) -> None:
        self.body.show_camera(self.camera.running)
        self._update()

    # ------------------------------------------------------------------ full window
    @property
    def full_window(self) -> bool:
        """True while the station is shown alone, full screen."""
        return self._full.active

    def toggle_full_window(self) -> None:
        """Show the station alone, full screen (F11), or put it back in its page."""
        self._full.toggle(f"COI Tracker — scan station — {self.actor.full_name}")

    def _full_toggled(self, alone: bool) -> None:
        self.full_button.setChecked(alone)
        self._refocus()
