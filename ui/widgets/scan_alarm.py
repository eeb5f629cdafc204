"""The red alarm of a refused scan, and the record of its acknowledgement (DESIGN.md §3, §5).

A screen blocked by a refused scan unblocks only once the signed-in user's acknowledgement is
on record (`app.scanning.acknowledge_scan_refusal`, one small write on the task runner's
writer). If it cannot be recorded, the screen says so in plain words and stays blocked.
`RefusalAcknowledgement` is that flow, the one every screen uses: the scan station and the
receipt drive it with their own button and words, the case work pages through `ScanAlarm`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core import Actor, Database
from app.scanning import ScanAcknowledgement, acknowledge_scan_refusal
from ui.tasks import TaskRunner
from ui.widgets.messages import describe
from ui.widgets.page_parts import message_line, restyle, show_message

ACKNOWLEDGE_TEXT = "Acknowledge (F12)"
RECORDING_TEXT = "Recording the acknowledgement…"
UNREADABLE_HEADLINE = "⚠ COULD NOT READ — scan again"
"""The headline of a scan that was no code at all, on every screen: amber (``kind``
"unreadable" in the stylesheet), never the red ✖ STOP of a wrong item."""
ACKNOWLEDGE_UNREAD_TEXT = "I will scan it again — acknowledge (F12)"


def not_recorded_text(error: BaseException) -> str:
    """Why an acknowledgement was not recorded, and that the screen stays blocked."""
    title, text = describe(error)
    return (
        f"✖ Your acknowledgement was not recorded — {title}: {text} "
        "The screen stays blocked: acknowledge again."
    )


def f12_acknowledges(banner: QWidget, acknowledge: Callable[[], object]) -> QShortcut:
    """F12 acknowledges the alarm ``banner`` shows, from anywhere in its window, while it is
    shown (a hidden banner's shortcut, e.g. on another page, does not fire). Never Enter,
    which every scan ends with."""
    shortcut = QShortcut(QKeySequence(Qt.Key.Key_F12), banner)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
    shortcut.activated.connect(acknowledge)
    return shortcut


class RefusalAcknowledgement(QObject):
    """The acknowledgement of one refused scan, on record before the screen unblocks.

    ``expect(scan_id)`` arms it when a scan is refused (None: the scan was not recorded, so
    there is nothing to record). ``acknowledge()`` (a deliberate click, or F12) records the
    signed-in user's acknowledgement on the single writer; meanwhile ``button`` is disabled
    and says ``recording_text``. Then ``recorded(ScanAcknowledgement | None)``: the screen may
    unblock; or ``not_recorded(str)`` with the words to show: it stays blocked and armed.
    """

    recorded = Signal(object)
    not_recorded = Signal(str)

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        button: QPushButton,
        recording_text: str = RECORDING_TEXT,
    ) -> None:
        super().__init__(button)  # lives and dies with its button
        self.database, self.actor, self.runner = database, actor, runner
        self.button = button
        self.ready_text = button.text()
        self.recording_text = recording_text
        self.pending = False
        """True from a refusal until its acknowledgement is on record."""
        self.recording = False
        self.scan_id: uuid.UUID | None = None
        self.acknowledgement: ScanAcknowledgement | None = None
        button.clicked.connect(self.acknowledge)

    def expect(self, scan_id: uuid.UUID | None) -> None:
        """A scan was refused: wait for the acknowledgement of ``scan_id``."""
        self.pending, self.scan_id, self.acknowledgement = True, scan_id, None
        self._ready()

    def acknowledge(self) -> None:
        """Record the acknowledgement (once; a second press while recording does nothing)."""
        if not self.pending or self.recording:
            return
        if self.scan_id is None:
            self._recorded(None)
            return
        self.recording = True
        self.button.setEnabled(False)
        self.button.setText(self.recording_text)
        database, actor, scan_id = self.database, self.actor, self.scan_id
        self.runner.write(
            lambda _task: acknowledge_scan_refusal(database, actor, scan_id),
            self._recorded,
            self._failed,
        )

    def _recorded(self, acknowledgement: ScanAcknowledgement | None) -> None:
        self._ready()
        self.pending, self.scan_id, self.acknowledgement = False, None, acknowledgement
        self.recorded.emit(acknowledgement)

    def _failed(self, error: BaseException) -> None:
        self._ready()
        self.not_recorded.emit(not_recorded_text(error))

    def _ready(self) -> None:
        self.recording = False
        self.button.setEnabled(True)
        self.button.setText(self.ready_text)


class ScanAlarm(QFrame):
    """A red banner for a scan that does not match; the screen stays blocked until the
    signed-in user's acknowledgement is on record."""

    acknowledged = Signal()

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("scanAlarm")
        layout = QHBoxLayout(self)
        words = QVBoxLayout()
        self.text = QLabel()
        self.text.setObjectName("alarmText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        words.addWidget(self.text)
        self.problem = message_line("errorMessage")
        words.addWidget(self.problem)
        layout.addLayout(words, stretch=1)
        self.button = QPushButton(ACKNOWLEDGE_TEXT)
        self.button.setObjectName("acknowledgeAlarm")
        layout.addWidget(self.button, alignment=Qt.AlignmentFlag.AlignTop)
        self.flow = RefusalAcknowledgement(database, actor, runner, self.button)
        self.flow.recorded.connect(self._lift)
        self.flow.not_recorded.connect(self._not_recorded)
        self.f12 = f12_acknowledges(self, self.acknowledge)
        self.hide()

    @property
    def active(self) -> bool:
        """True while the alarm waits to be acknowledged."""
        return not self.isHidden()

    @property
    def scan_id(self) -> uuid.UUID | None:
        """The refused scan on record whose acknowledgement the alarm waits for."""
        return self.flow.scan_id

    @property
    def acknowledgement(self) -> ScanAcknowledgement | None:
        """The acknowledgement on record once the alarm is lifted."""
        return self.flow.acknowledgement

    def raise_alarm(
        self,
        heading: str,
        reasons: tuple[str, ...],
        scan_id: uuid.UUID | None = None,
        *,
        unreadable: bool = False,
    ) -> None:
        """Show ``heading`` and every reason, sound the bell, take the focus.

        ``scan_id`` names the refused scan on record, against which the acknowledgement is
        recorded (None when no scan was recorded: then there is nothing to record).
        ``unreadable``: the scan was no code at all: an amber "could not read — scan again"
        instead of the red STOP of a wrong item (acknowledged and recorded all the same).
        """
        self.flow.expect(scan_id)
        self.problem.hide()
        kind = "unreadable" if unreadable else "wrong"
        if self.property("kind") != kind:
            for widget in (self, self.text, self.button):
                restyle(widget, kind=kind)
        if unreadable:
            heading = "COULD NOT READ — scan again. The unread scan is on record; nothing else was."
        sign = "⚠ " if unreadable else "✖ "
        self.text.setText(sign + heading + "\n" + "\n".join(f"• {r}" for r in reasons))
        self.show()
        QApplication.beep()
        self.button.setFocus()

    def acknowledge(self) -> None:
        """Record the acknowledgement, then lift the alarm (a deliberate click)."""
        if self.active:
            self.flow.acknowledge()

    def _not_recorded(self, text: str) -> None:
        show_message(self.problem, text, ok=False)
        self.button.setFocus()

    def _lift(self, _acknowledgement: ScanAcknowledgement | None) -> None:
        self.problem.hide()
        self.hide()
        self.acknowledged.emit()
