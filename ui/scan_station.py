"""The scan station: one scan field, what is expected next, and a result no one can miss.

The operator first chooses the case by scanning its COI bar code (``&/CH…``) or typing the COI
with its check character. Every scan after that is verified against "any container of this
case" by `app.scanning.verify_scan` on the task runner's single writer, which records it. A
match turns the banner green with ✔, words and a chime. A mismatch or an unreadable scan turns
it red with ✖, the service's reasons and an alarm, and BLOCKS the station: the scan field takes
nothing until someone clicks Acknowledge or presses F12 (never Enter, which every scan ends with).

An image file is decoded off the GUI thread and each code in it is verified like a scan, except
a code holding nothing but the chosen case's own COI: every label carries one, it names no
container, and the service would refuse it as such, so it is listed in the history instead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTime, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.actor import Actor
from app.database import Database
from app.scan_verification import Expectation
from app.scanning import ScanVerdict, verify_scan
from labels.decode import ImageDecode, decode_image
from labels.isbt128 import CoiIdentifier, InvalidCoi
from ui.messages import describe
from ui.scanner_input import (
    GS,
    GS_SHOWN,
    ScanField,
    ScannerSettings,
    WedgeScan,
    case_coi,
    names_only_coi,
)
from ui.sounds import Sounds, multimedia_available
from ui.tasks import Task, TaskRunner

HISTORY_LENGTH = 50
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"
NO_CAMERA = "No camera found on this computer"


@dataclass(frozen=True)
class _Entry:
    """One text waiting to be verified, and where it came from."""

    raw: str
    source: str
    gs_substitute: str | None

    @property
    def shown(self) -> str:
        return self.raw.replace(GS, GS_SHOWN)


def camera_names() -> list[str]:
    """The cameras on this computer (none on a headless display)."""
    if not multimedia_available():
        return []
    from PySide6.QtMultimedia import QMediaDevices  # noqa: PLC0415 - see ui/sounds.py

    return [device.description() for device in QMediaDevices.videoInputs()]


def coi_text(coi: CoiIdentifier) -> str:
    """``CH G1234 26 000001 [4]``: the COI as printed, check character in brackets."""
    return f"{coi.eye_readable} [{coi.check_character}]"


def din_text(din: str) -> str:
    """A 13-character DIN grouped as printed under its bar code."""
    return f"{din[:5]} {din[5:7]} {din[7:]}" if len(din) == 13 else din


class _FullWindow(QWidget):
    """The station alone, full screen; closing it puts the station back in its page."""

    closed = Signal()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Hand the station back instead of losing it."""
        self.closed.emit()
        event.accept()


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
        self._queue: deque[_Entry] = deque()
        self._checking: _Entry | None = None
        self._decoding = False
        self._full: _FullWindow | None = None
        self.setObjectName("page-scan")

        self.body = QWidget()
        self.body.setObjectName("scanStation")
        self.body.installEventFilter(self)
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._outer.addWidget(self.body)
        layout = QVBoxLayout(self.body)
        layout.addLayout(self._build_top_row())
        self.expectation = self._label("scanExpectation")
        layout.addWidget(self.expectation)
        self.scan_field = ScanField(self.settings)
        self.scan_field.setObjectName("scanField")
        self.scan_field.scanned.connect(self._scanned)
        self.scan_field.refused.connect(self._input_refused)
        layout.addWidget(self.scan_field)
        layout.addWidget(self._build_banner())
        self.notice = self._label("scanNotice")
        self.notice.hide()
        layout.addWidget(self.notice)
        layout.addLayout(self._build_history_title())
        layout.addWidget(self._build_history(), stretch=1)
        self.setFocusProxy(self.scan_field)
        self._shortcut(Qt.Key.Key_F12, self.acknowledge)
        self._shortcut(Qt.Key.Key_F11, self.toggle_full_window)
        self._shortcut(Qt.Key.Key_Escape, self._leave_full_window)
        self._show("scanBannerIdle", "Ready", "Waiting for the case COI.")
        self._update()

    # ------------------------------------------------------------------ building
    def _label(self, name: str, text: str = "") -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        return label

    def _button(self, name: str, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the scan field keeps the focus
        button.setAutoDefault(False)  # Enter ends a scan; it never presses a button
        button.clicked.connect(slot)
        return button

    def _build_top_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel("Scan station")
        title.setObjectName("pageTitle")
        self.change_case_button = self._button("changeCase", "Change case", self.change_case)
        self.decode_button = self._button("decodeImage", "Decode image file…", self._choose_image)
        self.camera_button = self._button("camera", "Camera", lambda: None)
        cameras = camera_names()
        self.camera_button.setEnabled(False)
        self.camera_button.setToolTip(
            f"Reading codes with the camera ({cameras[0]}) is not built yet: photograph the "
            "label and use “Decode image file…”."
            if cameras
            else NO_CAMERA
        )
        self.full_button = self._button("fullWindow", "Full window (F11)", self.toggle_full_window)
        self.full_button.setCheckable(True)
        row.addWidget(title)
        row.addStretch(1)
        for button in (
            self.change_case_button,
            self.decode_button,
            self.camera_button,
            self.full_button,
        ):
            row.addWidget(button)
        return row

    def _build_banner(self) -> QFrame:
        self.banner = QFrame()
        box = QVBoxLayout(self.banner)
        self.headline = self._label("scanHeadline")
        self.detail = self._label("scanDetail")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.acknowledge_button = self._button("acknowledge", "Acknowledge (F12)", self.acknowledge)
        self.acknowledge_button.hide()
        box.addWidget(self.headline)
        box.addWidget(self.detail)
        box.addWidget(self.acknowledge_button, alignment=Qt.AlignmentFlag.AlignLeft)
        return self.banner

    def _build_history_title(self) -> QHBoxLayout:
        row = QHBoxLayout()
        title = QLabel("Recent scans (newest first)")
        title.setObjectName("scanHistoryTitle")
        who = QLabel(f"Signed in: {self.actor.full_name} · station {self.actor.station}")
        who.setObjectName("scanWho")
        row.addWidget(title)
        row.addStretch(1)
        row.addWidget(who)
        return row

    def _build_history(self) -> QListWidget:
        self.history = QListWidget()
        self.history.setObjectName("scanHistory")
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.history.setWordWrap(True)
        # The history gives way first: on a small screen the banner must never be cut short.
        self.history.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return self.history

    def _shortcut(self, key: Qt.Key, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(QKeySequence(key), self.body)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # ------------------------------------------------------------------ state shown
    @property
    def busy(self) -> bool:
        """True while a scan or an image is being checked."""
        return self._checking is not None or bool(self._queue) or self._decoding

    def _show(self, state: str, headline: str, detail: str) -> None:
        self.banner.setObjectName(state)
        self.headline.setText(headline)
        self.detail.setText(detail)
        for widget in (self.banner, self.headline, self.detail):
            widget.style().unpolish(widget)
            widget.style().polish(widget)
            widget.updateGeometry()

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
        self.scan_field.setProperty("blocked", self.blocked)
        self.scan_field.style().unpolish(self.scan_field)
        self.scan_field.style().polish(self.scan_field)
        self.acknowledge_button.setVisible(self.blocked)
        idle = not self.blocked and not self.busy
        self.change_case_button.setEnabled(idle and self.coi is not None)
        self.decode_button.setEnabled(idle and self.coi is not None)
        self.decode_button.setToolTip(
            "" if self.coi is not None else "Choose the case first (scan or type its COI)."
        )

    def _remember(self, line: str) -> None:
        self.history.insertItem(0, f"{QTime.currentTime().toString('HH:mm:ss')}  {line}")
        while self.history.count() > HISTORY_LENGTH:
            self.history.takeItem(self.history.count() - 1)

    def _refocus(self) -> None:
        self.scan_field.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event: QShowEvent) -> None:
        """The scan field has the focus whenever the station is shown."""
        super().showEvent(event)
        self._refocus()

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
        self._enqueue(_Entry(scan.raw, source, self.settings.gs_substitute))

    def _choose_case(self, scan: WedgeScan) -> None:
        try:
            coi = case_coi(scan, self.settings.gs_substitute)
        except InvalidCoi as refusal:
            self._show("scanBannerWarning", "⚠ COI NOT ACCEPTED", str(refusal))
            self._remember(f"⚠ COI not accepted: {scan.shown}")
            return
        self.coi = coi
        self._show(
            "scanBannerInfo",
            "ℹ CASE CHOSEN",
            f"COI {coi_text(coi)}. Now scan each container of this case.",
        )
        self._remember(f"ℹ case chosen: COI {coi_text(coi)}")
        self._update()
        self.case_chosen.emit(coi.code)

    def change_case(self) -> None:
        """Forget the chosen case (a deliberate click; not while blocked or checking)."""
        if self.blocked or self.busy:
            return
        if self.coi is not None:
            self._remember(f"ℹ case closed: COI {coi_text(self.coi)}")
        self.coi = None
        self.scan_field.clear_entry()
        self._show("scanBannerIdle", "Ready", "Waiting for the case COI.")
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

    def _enqueue(self, entry: _Entry) -> None:
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
            return verify_scan(
                database, actor, entry.raw, expectation, gs_substitute=entry.gs_substitute
            )

        self._show("scanBannerChecking", "… CHECKING", f"Checking {entry.shown}")
        self._update()
        self.runner.write(
            work,
            lambda verdict: self._verified(entry, verdict),
            lambda error: self._not_checked(entry, error),
        )

    def _verified(self, entry: _Entry, verdict: ScanVerdict) -> None:
        self._checking = None
        self.verdict_received.emit(verdict)
        if verdict.matched:
            what = f"DIN {din_text(verdict.din)}" if verdict.din else "The scanned code"
            assert self.coi is not None
            self._show(
                "scanBannerMatch",
                "✔ MATCH",
                f"{what} is a container of COI {coi_text(self.coi)}. Scan recorded.",
            )
            self._remember(f"✔ MATCH  {entry.shown}  ({entry.source})")
            self.sounds.play_match()
            self._next()
        elif verdict.outcome == "unreadable":
            self._block("scanBannerUnreadable", "✖ SCAN NOT READ — STOP", verdict.reasons)
            self._remember(f"✖ NOT READ  {entry.shown}  ({entry.source})")
        else:
            self._block("scanBannerMismatch", "✖ MISMATCH — STOP", verdict.reasons)
            self._remember(f"✖ MISMATCH  {entry.shown}  ({entry.source}): {verdict.reasons[0]}")
        self._refocus()

    def _not_checked(self, entry: _Entry, error: BaseException) -> None:
        self._checking = None
        title, text = describe(error)
        self._block(
            "scanBannerError",
            "✖ SCAN NOT CHECKED — STOP",
            (f"{title}: {text}", "Nothing was verified: scan the item again."),
        )
        self._remember(f"✖ NOT CHECKED  {entry.shown}  ({entry.source}): {title}")

    def _block(self, state: str, headline: str, reasons: tuple[str, ...]) -> None:
        self.blocked = True
        dropped = len(self._queue)
        self._queue.clear()
        self._show(state, headline, "\n".join(reasons))
        if dropped:
            self._notify(
                f"⚠ {dropped} further scan(s) were NOT checked because of this refusal: "
                "scan them again after acknowledging."
            )
        self.sounds.play_alarm()
        self._update()
        self.blocked_changed.emit(True)

    def acknowledge(self) -> None:
        """Unblock after a refused scan (a deliberate click on Acknowledge, or F12)."""
        if not self.blocked:
            return
        self.blocked = False
        self.sounds.stop()
        self.notice.hide()
        self._show(
            "scanBannerIdle",
            "Acknowledged",
            "The refused scan is on record. Deal with the item as the message said, then "
            "scan the next container.",
        )
        self._remember("acknowledged by " + self.actor.full_name)
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
        self._show("scanBannerChecking", "… READING IMAGE", f"Looking for bar codes in {path}")
        self._update()
        self.runner.read(lambda _task: decode_image(path), self._decoded, self._decode_failed)

    def _decoded(self, result: ImageDecode) -> None:
        self._decoding = False
        name = result.path.name
        if result.error is not None:
            self._image_problem("⚠ IMAGE NOT READ", result.error)
            return
        if not result.symbols:
            self._image_problem(
                "⚠ NO CODE FOUND",
                f"No bar code was found in {name}. Use a sharp, well-lit, straight picture of "
                "the label, or scan the label itself.",
            )
            return
        entries = []
        for symbol in result.symbols:
            raw = (symbol.symbology_identifier or "") + symbol.text
            source = f"image {name}, {symbol.format}"
            if self.coi is not None and names_only_coi(raw, self.coi.code):
                self._remember(f"ℹ {source}: the COI of this case (not a container), skipped")
                continue
            entries.append(_Entry(raw, source, None))  # decoded text carries GS itself
        if not entries:
            self._image_problem(
                "ℹ ONLY THE CASE COI",
                f"{name} shows only the COI bar code of this case, which is not a container. "
                "Use a picture of the DIN bar code or the 2-D code.",
            )
            return
        for entry in entries:
            self._enqueue(entry)
        self._refocus()

    def _decode_failed(self, error: BaseException) -> None:
        self._decoding = False
        title, text = describe(error)
        self._image_problem("⚠ IMAGE NOT READ", f"{title}: {text}")

    def _image_problem(self, headline: str, detail: str) -> None:
        self._show("scanBannerWarning", headline, detail)
        self._remember(f"{headline}: {detail}")
        self._update()
        self._refocus()

    # ------------------------------------------------------------------ full window
    @property
    def full_window(self) -> bool:
        """True while the station is shown alone, full screen."""
        return self._full is not None

    def toggle_full_window(self) -> None:
        """Show the station alone, full screen (F11), or put it back in its page."""
        if self._full is not None:
            self._leave_full_window()
            return
        self._full = _FullWindow(self, Qt.WindowType.Window)  # its own window, owned here
        self._full.setObjectName("scanStationFull")
        self._full.setWindowTitle(f"COI Tracker — scan station — {self.actor.full_name}")
        self._full.closed.connect(self._leave_full_window)
        layout = QVBoxLayout(self._full)
        layout.addWidget(self.body)
        self._full.showFullScreen()
        self._full.activateWindow()
        self.full_button.setChecked(True)
        self._refocus()

    def _leave_full_window(self) -> None:
        full, self._full = self._full, None
        if full is None:
            return
        self._outer.addWidget(self.body)
        self.body.show()
        full.hide()
        full.deleteLater()
        self.full_button.setChecked(False)
        self.window().activateWindow()
        self._refocus()
