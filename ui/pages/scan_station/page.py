"""The scan station: one scan field, what is expected next, and a result no one can miss.

The operator first chooses the case by scanning its COI bar code (``&/CH…``) or typing the COI
with its check character. Every scan after that is verified against "any container of this
case" by `app.scanning.service.verify_scan` on the task runner's single writer, which records it. A
match turns the banner green with ✔, words and a chime. A mismatch or an unreadable scan turns
it red with ✖, the service's reasons and an alarm, and BLOCKS the station: the scan field takes
nothing until someone clicks Acknowledge or presses F12 (never Enter, which every scan ends with),
and the acknowledgement of the signed-in user is on record (`app.scanning.alarms`).

An image file is decoded off the GUI thread and each code in it is verified like a scan (see
`app.scanning.image_reading` for the one code that is not); so is the first code the camera
reads (`camera`).
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

from app.casefile import list_cases
from app.core import Actor, CoiError, Database
from app.scanning import (
    Expectation,
    ScanAcknowledgement,
    ScanEntry,
    ScannerSettings,
    ScanVerdict,
    WedgeScan,
    camera_entry,
    case_coi,
    image_reading,
    verify_scan,
)
from labels.decode import DecodedSymbol, ImageDecode, decode_image
from labels.isbt128 import CoiIdentifier, InvalidCoi
from ui.pages.scan_station.body import RECORDING_TEXT, ScanStationBody
from ui.pages.scan_station.camera import CameraScanner, FrameDecoder
from ui.tasks import Task, TaskRunner
from ui.widgets import (
    FullWindow,
    RefusalAcknowledgement,
    Sounds,
    describe,
    din_text,
    restyle,
)

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"


def coi_text(coi: CoiIdentifier) -> str:
    """``CH G1234 26 000001 [4]``: the COI as printed, check character in brackets."""
    return f"{coi.eye_readable} [{coi.check_character}]"


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
        self._queue: deque[ScanEntry] = deque()
        self._checking: ScanEntry | None = None
        self._decoding = False
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
        self.acknowledge_button, self.full_button = body.acknowledge_button, body.full_button
        self.change_case_button, self.decode_button = body.change_case_button, body.decode_button
        self.camera_button = body.camera_button
        self.scan_field.scanned.connect(self._scanned)
        self.scan_field.rejected.connect(self._entry_rejected)
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
        self.frames = FrameDecoder(runner, self)
        self.frames.found.connect(self._camera_read)
        self.frames.failed.connect(self._camera_failed)
        self.camera = CameraScanner(self.frames, self)
        self.camera.running_changed.connect(self._camera_running)
        self.camera.frame.connect(self.body.show_frame)
        self.camera.problem.connect(self._camera_problem)
        self.setFocusProxy(self.scan_field)
        self._shortcut(Qt.Key.Key_F12, self.acknowledge)
        self._shortcut(Qt.Key.Key_F11, self.toggle_full_window)
        self._shortcut(Qt.Key.Key_Escape, self._full.leave)
        self.body.show_banner("scanBannerIdle", "Ready", "Waiting for the case COI.")
        self._update()

    # ------------------------------------------------------------------ building
    def _shortcut(self, key: Qt.Key, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(QKeySequence(key), self.body)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # ------------------------------------------------------------------ state shown
    @property
    def busy(self) -> bool:
        """True while a scan or an image is being checked."""
        return self._checking is not None or bool(self._queue) or self._decoding

    @property
    def refused_scan(self) -> uuid.UUID | None:
        """The refused scan on record whose alarm blocks the station (None: nothing recorded)."""
        return self.acknowledgement_flow.scan_id

    @property
    def acknowledgement(self) -> ScanAcknowledgement | None:
        """The acknowledgement on record of the last refused scan."""
        return self.acknowledgement_flow.acknowledgement

    def _update(self) -> None:
        if self.blocked:
            expected = "STOP — acknowledge the refused scan (button or F12)"
            placeholder = "BLOCKED until the refused scan is acknowledged"
        elif self.coi is None:
            expected = (
                "Scan the case COI bar code, or type the COI with its check character, "
                "then press Enter"
            )
            placeholder = "Case COI, e.g. CH G1234 26 000001 4"
        else:
            expected = f"Scan a container of COI {coi_text(self.coi)}"
            placeholder = "Scan the DIN bar code or the 2-D code of the container"
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

    def _entry_rejected(self, text: str) -> None:
        if self.blocked:
            return
        self.notice.hide()
        self.body.show_banner("scanBannerWarning", "⚠ ENTRY NOT CHECKED", text)
        self.body.remember(f"⚠ entry not checked: {text}")

    def _choose_case(self, scan: WedgeScan) -> None:
        try:
            coi = case_coi(scan)
        except InvalidCoi as refusal:
            self.body.show_banner("scanBannerWarning", "⚠ COI NOT ACCEPTED", str(refusal))
            self.body.remember(f"⚠ COI not accepted: {scan.shown}")
            return
        problem = self._case_problem(coi)
        if problem is not None:
            self.body.show_banner("scanBannerWarning", "⚠ CASE NOT FOUND", problem)
            self.body.remember(f"⚠ case not found: COI {coi_text(coi)}")
            return
        self.coi = coi
        self.body.show_banner(
            "scanBannerInfo",
            "ℹ CASE CHOSEN",
            f"COI {coi_text(coi)}. Now scan each container of this case.",
        )
        self.body.remember(f"ℹ case chosen: COI {coi_text(coi)}")
        self._update()
        self.case_chosen.emit(coi.code)

    def _case_problem(self, coi: CoiIdentifier) -> str | None:
        """Why ``coi`` cannot be the station's case (None: it is a case this user may see).

        Checked before any container is scanned against it, so a well-formed COI of a case that
        does not exist (or is another site's) cannot turn every scan into a refusal. One indexed
        read, on the GUI thread: it is quick and the scan must wait for it anyway.
        """
        try:
            page = list_cases(self.database, self.actor, search=coi.code, limit=2)
        except CoiError as error:
            return f"The case could not be looked up: {error.message} Try again."
        if any(row.coi == coi.code for row in page.rows):
            return None
        return (
            f"No case with COI {coi_text(coi)} is on record for you: check the COI on the "
            "label or wristband, or ask whether the case belongs to another site."
        )

    def change_case(self) -> None:
        """Forget the chosen case (a deliberate click; not while blocked or checking)."""
        if self.blocked or self.busy:
            return
        if self.coi is not None:
            self.body.remember(f"ℹ case closed: COI {coi_text(self.coi)}")
        self.camera.stop()
        self.coi = None
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
            self.body.remember(f"✔ MATCH  {entry.shown}  ({entry.source})")
            self.sounds.play_match()
            self._next()
        elif verdict.outcome == "unreadable":
            self._block(
                "scanBannerUnreadable", "✖ SCAN NOT READ — STOP", verdict.reasons, verdict.scan_id
            )
            self.body.remember(f"✖ NOT READ  {entry.shown}  ({entry.source})")
        else:
            self._block("scanBannerMismatch", "✖ MISMATCH — STOP", verdict.reasons, verdict.scan_id)
            self.body.remember(f"✖ MISMATCH  {entry.shown}  ({entry.source}): {verdict.reasons[0]}")
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
    ) -> None:
        self.blocked = True
        self.acknowledgement_flow.expect(scan_id)
        self.camera.stop()
        dropped = len(self._queue)
        self._queue.clear()
        self.body.show_banner(state, headline, "\n".join(reasons))
        if dropped:
            self._notify(
                f"⚠ {dropped} further scan(s) were NOT checked because of this refusal: "
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
        self.blocked = False
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
        self._decoding = True
        self.body.show_banner(
            "scanBannerChecking", "… READING IMAGE", f"Looking for bar codes in {path}"
        )
        self._update()
        self.runner.read(lambda _task: decode_image(path), self._decoded, self._decode_failed)

    def _decoded(self, result: ImageDecode) -> None:
        self._decoding = False
        assert self.coi is not None  # decoding starts only once the case is chosen
        reading = image_reading(result, self.coi.code)
        for line in reading.skipped:
            self.body.remember(line)
        if reading.problem is not None:
            self._image_problem(*reading.problem)
            return
        for entry in reading.entries:
            self._enqueue(entry)
        self._refocus()

    def _decode_failed(self, error: BaseException) -> None:
        self._decoding = False
        title, text = describe(error)
        self._image_problem("⚠ IMAGE NOT READ", f"{title}: {text}")

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
        problem = self.camera.start()
        if problem is not None:
            self._camera_problem(
                f"{problem}. Scan the label, or photograph it and use “Decode image file…”."
            )
            return
        self.body.show_banner(
            "scanBannerChecking",
            "… CAMERA",
            "Hold the DIN bar code or the 2-D code still in front of the camera.",
        )

    def _camera_running(self, running: bool) -> None:
        self.body.show_camera(running)
        self._update()

    def _camera_read(self, symbols: tuple[DecodedSymbol, ...]) -> None:
        """The camera read a code: it becomes an entry, verified like a scan."""
        if self.coi is None or self.blocked:
            self.camera.stop()
            return
        entry = camera_entry(symbols, self.coi.code)
        if entry is None:  # only the case's own COI: keep looking
            self.body.remember("ℹ camera: the COI of this case (not a container), skipped")
            self.frames.start()
            return
        self.camera.stop()
        self._enqueue(entry)
        self._refocus()

    def _camera_failed(self, error: BaseException) -> None:
        title, text = describe(error)
        self.camera.stop()
        self._camera_problem(f"The camera frame could not be decoded — {title}: {text}")

    def _camera_problem(self, text: str) -> None:
        self.body.show_banner("scanBannerWarning", "⚠ CAMERA", text)
        self.body.remember(f"⚠ camera: {text}")
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
