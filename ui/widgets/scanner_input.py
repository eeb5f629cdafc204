"""The one scan field of every screen: keystrokes of a keyboard-wedge scanner (or a person) in,
one entry per Enter out.

The rules are `app.scanning`'s (`WedgeReader`): the configured GS substitute becomes GS, an
AIM prefix is recognised, the keystroke timing says whether a scanner or a person entered it,
and an entry no code could be (a control character, thousands of characters) is sent on like
any other, for the service to refuse and record. `ScanField` only turns Qt key presses into
`Keystroke`s and shows the entry.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from app.core import sscc_text
from app.scanning import (
    GS,
    Keystroke,
    ScannerSettings,
    WedgeReader,
    WedgeScan,
    scan_text_problem,
    shown,
)
from labels.scan import parse_scan
from ui.widgets.formats import din_text


def read_in_words(raw: str) -> str:
    """A kept scan as it was read: ``DIN G1234 26 000022 [V]``, ``Hospital number NBH200001``,
    ``Hospital number 095011010000000017 (GS1)`` (a GS1 wristband's service relation number,
    AI 8018), ``SSCC (00) 0 5901234 000000001 7``, other GS1 data by its AIs
    (``GS1 (01) 09506000134352 (10) ABC``); anything else as scanned, GS made visible. The
    scanner's raw ``=G12342600002200`` or ``]C191WARD7[GS]8018…`` stayed in the field
    (issue 16 review)."""
    if scan_text_problem(raw) is not None:
        return shown(raw)
    result = parse_scan(raw)
    fields = result.fields
    din, patient, sscc = fields.get("din"), fields.get("patient_id"), fields.get("00")
    if isinstance(din, str):
        return f"DIN {din_text(din)}"
    if isinstance(patient, str):
        return f"Hospital number {patient}"
    if isinstance(sscc, str) and len(sscc) == 18:
        return f"SSCC {sscc_text(sscc)}"
    if result.kind == "gs1" and result.valid:
        gsrn = fields.get("8018")
        if isinstance(gsrn, str):
            return f"Hospital number {gsrn} (GS1)"
        return "GS1 " + " ".join(f"({ai.partition('_')[0]}) {v}" for ai, v in fields.items())
    return shown(raw)


PASSED_TO_SHORTCUTS = (Qt.Key.Key_Escape, Qt.Key.Key_F11, Qt.Key.Key_F12)


def keystroke(
    key: int, text: str, modifiers: Qt.KeyboardModifier, at_ms: float
) -> Keystroke | None:
    """The keystroke a key press means to a scan, or None for keys a scan ignores.

    A control character that arrives as text (no Ctrl held) is kept, so the entry is refused
    in words rather than silently changed; with Ctrl held it is a shortcut (Ctrl+C), not data.
    """
    control = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
    alt = bool(modifiers & Qt.KeyboardModifier.AltModifier)  # Ctrl+Alt is AltGr on Windows
    if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
        return Keystroke("enter", at_ms)
    if key == Qt.Key.Key_Backspace:
        return Keystroke("erase", at_ms)
    if text == GS or (control and not alt and key == Qt.Key.Key_BracketRight):
        return Keystroke("gs", at_ms)
    if (control and not alt) or len(text) != 1:
        return None
    if not text.isprintable():
        return None if text in "\r\n\t\x7f" else Keystroke("control", at_ms, text)
    return Keystroke("text", at_ms, text)


class ScanField(QLineEdit):
    """A scan field: shows the entry in progress; on Enter emits ``scanned(WedgeScan)``.

    An entry no code could be (``scan.problem`` says why) is emitted like any other: the
    page sends it to its service, which refuses it and records the refusal, so a bad scan is
    on record and never silently dropped. ``blank()``: Enter with nothing entered. While
    ``locked`` every key is swallowed and ``refused`` is emitted instead, so a blocked station
    cannot take a scan. Function keys (F11, F12, Escape) are left to the shortcuts.

    With ``keep=True`` the field goes on showing the entry after Enter and holds it as
    ``scan`` (a form with several scans, e.g. wristband then bag); Enter again sends it again,
    and the next key starts a new entry. Otherwise the field is emptied at each Enter.
    """

    scanned = Signal(object)  # WedgeScan
    blank = Signal()
    refused = Signal()

    def __init__(
        self,
        settings: ScannerSettings | None = None,
        parent: QWidget | None = None,
        *,
        keep: bool = False,
    ) -> None:
        super().__init__(parent)
        self.reader = WedgeReader(settings or ScannerSettings())
        self.keep = keep
        self.locked = False
        self._scan: WedgeScan | None = None
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setAcceptDrops(False)
        # A scan is plain keystrokes; an input method could compose or swallow them.
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self._started = time.monotonic()

    @property
    def settings(self) -> ScannerSettings:
        """The scanner settings this field reads entries with."""
        return self.reader.settings

    @property
    def scan(self) -> WedgeScan | None:
        """The entry kept after Enter (``keep`` fields; None when there is none)."""
        return self._scan

    @property
    def value(self) -> str:
        """The kept entry's text, GS as itself ("" when there is none)."""
        return self._scan.raw if self._scan is not None else ""

    @property
    def in_progress(self) -> bool:
        """True while keys have been entered and Enter not yet pressed."""
        return bool(self.reader.text)

    def _now_ms(self, event: QKeyEvent) -> float:
        # The window system's time of the key press when it gives one (X11, Wayland, Windows);
        # simulated events carry 0, so fall back to when the event is handled.
        stamp = event.timestamp()
        return float(stamp) if stamp else (time.monotonic() - self._started) * 1000.0

    def event(self, event: QEvent) -> bool:
        """Keep Tab (a common scanner suffix) in the field instead of moving the focus."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Tab
        ):
            self.keyPressEvent(event)
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Feed the key to the reader (or refuse it while locked)."""
        stroke = keystroke(event.key(), event.text(), event.modifiers(), self._now_ms(event))
        if stroke is None:
            if event.key() in PASSED_TO_SHORTCUTS:
                event.ignore()
            else:
                event.accept()
            return
        event.accept()
        if self.locked:
            self.clear()
            self.refused.emit()
            return
        self.press(stroke)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """No middle-click paste: an entry is keystrokes only."""
        if event.button() == Qt.MouseButton.MiddleButton:
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def press(self, stroke: Keystroke, *, quietly: bool = False) -> WedgeScan | None:
        """Take one keystroke as the reader does and show the entry; on Enter return the entry
        and emit what it is (``quietly``: a good entry is only kept, not emitted)."""
        if stroke.kind != "enter":
            self._scan = None  # a key after Enter starts a new entry
            self.reader.press(stroke)
            self.setText(shown(self.reader.text))
            return None
        had_entry = self.in_progress
        scan = self.reader.press(stroke)
        if scan is None and not had_entry:
            scan = self._scan  # Enter again sends the kept entry again
        self._scan = scan if self.keep else None
        kept = self._scan.raw if self._scan is not None else ""
        self.setText(read_in_words(kept) if kept else "")
        self.setToolTip(f"Scanned: {shown(kept)}" if kept else "")
        if quietly:
            pass
        elif scan is None:
            self.blank.emit()
        else:
            self.scanned.emit(scan)
        return scan

    def finish_entry(self, *, quietly: bool = False) -> WedgeScan | None:
        """End the entry in progress as Enter would (a button pressed before Enter); None
        when nothing is in progress."""
        if not self.in_progress:
            return None
        return self.press(Keystroke("enter", self.reader.last_at_ms), quietly=quietly)

    def clear(self) -> None:
        """Drop the entry in progress and the kept one."""
        self.reader.clear()
        self._scan = None
        self.setText("")
        self.setToolTip("")

    def clear_entry(self) -> None:
        """Drop the entry in progress and the kept one (the scan station's name for `clear`)."""
        self.clear()
