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
_stamps = itertools.count(start=10_000_000, step=SCANNER_GAP_MS)


def _press(widget: QWidget, key: int, text: str) -> None:
    event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, text)
    event.setTimestamp(next(_stamps))
    QApplication.sendEvent(widget, event)


def scanner_burst(widget: QWidget, text: str, *, enter: bool = True) -> None:
    """``text`` as one scanner burst into ``widget``, then Return unless ``enter`` is False."""
    for character in text:
        _press(widget, 0, character)
    if enter:
        _press(widget, Qt.Key.Key_Return, "\r")
    next(_stamps)  # the next burst starts later than this one ended
