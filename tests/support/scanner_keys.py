"""Keys as a keyboard-wedge scanner sends them, stamped as the window system stamps real keys.

``qtbot.keyClicks`` sends key events without a timestamp, so a scan field times each key by
when it is handled: on a busy machine a scanner's burst then shows the gaps of a person's
typing, and the scan is taken as typed by hand. The window system stamps every real key
press with the time it happened; these events carry such stamps, a few milliseconds apart.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

SCANNER_GAP_MS = 3
"""The time between two keys of a burst (a scanner sends one every 1-10 ms)."""
HAND_GAP_MS = 120
"""The time between two keys typed by a person (well above a scanner's burst limit)."""
_clock = itertools.count(start=10_000_000)
"""The window system's clock, in ms: every stamp is later than the one before."""


def _press(widget: QWidget, key: int, text: str, gap_ms: int = SCANNER_GAP_MS) -> None:
    event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, text)
    for _ in range(gap_ms - 1):
        next(_clock)
    event.setTimestamp(next(_clock))
    QApplication.sendEvent(widget, event)


def scanner_burst(widget: QWidget, text: str, *, enter: bool = True) -> None:
    """``text`` as one scanner burst into ``widget``, then Return unless ``enter`` is False."""
    for character in text:
        _press(widget, 0, character)
    if enter:
        _press(widget, Qt.Key.Key_Return, "\r")
    _press_nothing_for(HAND_GAP_MS)  # the next burst starts well after this one ended


def typed_by_hand(widget: QWidget, text: str, *, enter: bool = True) -> None:
    """``text`` typed by a person into ``widget``: keys stamped ``HAND_GAP_MS`` apart (no
    real waiting), then Return unless ``enter`` is False."""
    for character in text:
        _press(widget, 0, character, HAND_GAP_MS)
    if enter:
        _press(widget, Qt.Key.Key_Return, "\r", HAND_GAP_MS)
    _press_nothing_for(HAND_GAP_MS)


def _press_nothing_for(gap_ms: int) -> None:
    for _ in range(gap_ms):
        next(_clock)
