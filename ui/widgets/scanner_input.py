"""Keyboard-wedge scanners: keystrokes in, one scan per Enter out, scanner burst or hand typing.

A USB keyboard-wedge scanner "types" its data as a burst of keystrokes a few milliseconds
apart and ends it with Enter (or Tab). GS (0x1D), the separator of GS1 element strings, comes
either as the control character itself (Ctrl+] on a US layout) or as a substitute text the
scanner is configured to send (``<GS>``, ``^``); the substitute is replaced by the parser
(`labels.scan.parse_scan`), which also reads an AIM symbology prefix (``]C1``, ``]d2``, ``]Q3``).

`WedgeReader` is the pure part (no Qt): it collects keystrokes and, on Enter, says whether the
entry came from a scanner or was typed by hand; `case_coi` reads the case COI from an entry.
`ScanField` is the line edit that feeds the reader.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from labels.isbt128 import CoiIdentifier, InvalidCoi, parse_coi, parse_typed_coi
from labels.scan import parse_scan

GS = "\x1d"
GS_SHOWN = "[GS]"  # how a GS control character appears in the scan field
AIM_PREFIX = re.compile(r"\][A-Za-z][0-9A-Za-z]")


@dataclass(frozen=True)
class ScannerSettings:
    """How the bench scanner is configured (the ``scanner`` object of the settings file).

    ``gs_substitute``: the text the scanner sends for GS, handed to the parser (None: GS comes
    as the control character). ``aim_prefix_expected``: the scanner always sends an AIM prefix,
    so an entry without one was typed. An entry is a scanner burst when no two keystrokes are
    more than ``burst_max_interval_ms`` apart and it has ``burst_min_characters`` or more.
    """

    gs_substitute: str | None = None
    aim_prefix_expected: bool = False
    burst_max_interval_ms: float = 50.0
    burst_min_characters: int = 4

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> ScannerSettings:
        """Settings from the settings file's ``scanner`` object; a bad value is an error."""
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            msg = f"unknown scanner settings {unknown}; known: {sorted(cls.__dataclass_fields__)}"
            raise ValueError(msg)
        defaults = cls()
        substitute = values.get("gs_substitute")
        interval = values.get("burst_max_interval_ms", defaults.burst_max_interval_ms)
        minimum = values.get("burst_min_characters", defaults.burst_min_characters)
        if not isinstance(interval, int | float) or not isinstance(minimum, int):
            msg = "burst_max_interval_ms and burst_min_characters must be numbers"
            raise ValueError(msg)
        return cls(
            gs_substitute=str(substitute) if substitute else None,
            aim_prefix_expected=bool(values.get("aim_prefix_expected", False)),
            burst_max_interval_ms=float(interval),
            burst_min_characters=minimum,
        )


@dataclass(frozen=True)
class Keystroke:
    """One key that matters to a scan: a character, GS, erase, or the Enter that ends it."""

    kind: Literal["text", "gs", "erase", "enter"]
    at_ms: float
    text: str = ""


@dataclass(frozen=True)
class WedgeScan:
    """One entry, ended by Enter: the raw text and whether a person typed it."""

    raw: str
    typed_by_hand: bool
    keystrokes: int
    longest_gap_ms: float

    @property
    def shown(self) -> str:
        """The raw text as the screen shows it (GS visible)."""
        return self.raw.replace(GS, GS_SHOWN)


class WedgeReader:
    """Collects keystrokes into entries; pure logic, testable without a window."""

    def __init__(self, settings: ScannerSettings) -> None:
        self.settings = settings
        self._characters: list[str] = []
        self._times: list[float] = []
        self._edited = False

    @property
    def text(self) -> str:
        """What has been entered since the last Enter."""
        return "".join(self._characters)

    def clear(self) -> None:
        """Forget the entry in progress."""
        self._characters.clear()
        self._times.clear()
        self._edited = False

    def press(self, stroke: Keystroke) -> WedgeScan | None:
        """Take one keystroke; on Enter return the finished entry (None when it is empty)."""
        self._times.append(stroke.at_ms)
        if stroke.kind == "text":
            self._characters.append(stroke.text)
        elif stroke.kind == "gs":
            self._characters.append(GS)
        elif stroke.kind == "erase":
            self._edited = True  # scanners never correct themselves
            if self._characters:
                self._characters.pop()
        else:
            scan = self._finish() if self._characters else None
            self.clear()
            return scan
        return None

    def _finish(self) -> WedgeScan:
        gaps = [
            later - earlier for earlier, later in zip(self._times, self._times[1:], strict=False)
        ]
        longest = max(gaps, default=0.0)
        raw = self.text
        settings = self.settings
        typed = (
            self._edited
            or longest > settings.burst_max_interval_ms
            or len(raw) < settings.burst_min_characters
            or (settings.aim_prefix_expected and not AIM_PREFIX.match(raw))
        )
        return WedgeScan(raw, typed, len(self._times), longest)


def case_coi(scan: WedgeScan, gs_substitute: str | None) -> CoiIdentifier:
    """The case COI an entry names; InvalidCoi, in words for the operator, when it names none.

    A COI typed by hand must end with its check character (the box after the printed COI):
    it is what catches a mistyped character. A scanned one (``&/CH…``) is read by the parser.
    """
    if scan.typed_by_hand:
        try:
            return parse_typed_coi(scan.raw)
        except InvalidCoi as exc:
            msg = (
                f"The typed COI “{scan.shown}” was not accepted: {exc}. Type the COI again, "
                "ending with the check character printed in the box after it."
            )
            raise InvalidCoi(msg) from exc
    result = parse_scan(scan.raw, gs_substitute=gs_substitute)
    if result.kind == "coi" and result.valid and "coi" in result.fields:
        return parse_coi(result.fields["coi"])
    if not result.valid:
        msg = f"The scan could not be read: {'; '.join(result.errors)}. Scan the COI again."
        raise InvalidCoi(msg)
    msg = (
        "That is not a case COI. Choose the case first: scan the COI bar code (&/CH…) or "
        "type the COI with its check character."
    )
    raise InvalidCoi(msg)


def names_only_coi(raw: str, coi: str) -> bool:
    """True for a code holding nothing but the COI ``coi`` (no container in it)."""
    result = parse_scan(raw)
    return (
        result.kind == "coi"
        and result.valid
        and result.fields.get("coi") == coi
        and "din" not in result.fields
    )


def keystroke(
    key: int, text: str, modifiers: Qt.KeyboardModifier, at_ms: float
) -> Keystroke | None:
    """The keystroke a key press means to a scan, or None for keys a scan ignores."""
    control = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
    alt = bool(modifiers & Qt.KeyboardModifier.AltModifier)  # Ctrl+Alt is AltGr on Windows
    if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
        return Keystroke("enter", at_ms)
    if key == Qt.Key.Key_Backspace:
        return Keystroke("erase", at_ms)
    if text == GS or (control and not alt and key == Qt.Key.Key_BracketRight):
        return Keystroke("gs", at_ms)
    if (control and not alt) or len(text) != 1 or not text.isprintable():
        return None
    return Keystroke("text", at_ms, text)


class ScanField(QLineEdit):
    """The one scan field: shows the entry in progress and emits ``scanned`` on Enter.

    While ``locked`` every key is swallowed and ``refused`` is emitted instead, so a blocked
    station cannot take a scan. Function keys (F11, F12, Escape) are left to the shortcuts.
    """

    scanned = Signal(object)  # WedgeScan
    refused = Signal()

    def __init__(self, settings: ScannerSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reader = WedgeReader(settings)
        self.locked = False
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setAcceptDrops(False)
        # A scan is plain keystrokes; an input method could compose or swallow them.
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self._started = time.monotonic()

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
            if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11, Qt.Key.Key_F12):
                event.ignore()
            else:
                event.accept()
            return
        event.accept()
        if self.locked:
            self.reader.clear()
            self.setText("")
            self.refused.emit()
            return
        scan = self.reader.press(stroke)
        self.setText(self.reader.text.replace(GS, GS_SHOWN))
        if scan is not None:
            self.scanned.emit(scan)

    def clear_entry(self) -> None:
        """Drop the entry in progress."""
        self.reader.clear()
        self.setText("")
