"""The red alarm of a refused scan, and the record of its acknowledgement (DESIGN.md §3, §5).

A screen blocked by a refused scan unblocks only once the signed-in user's acknowledgement is
on record (`app.scanning.alarms.acknowledge_scan_refusal`, one small write on the task runner's
writer). If it cannot be recorded, the screen says so in plain words and stays blocked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
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
from ui.widgets.page_parts import message_line, show_message

ACKNOWLEDGE_TEXT = "Acknowledge"
RECORDING_TEXT = "Recording the acknowledgement…"


def not_recorded_text(error: BaseException) -> str:
    """Why an acknowledgement was not recorded, and that the screen stays blocked."""
    title, text = describe(error)
    return (
        f"✖ Your acknowledgement was not recorded — {title}: {text} "
        "The screen stays blocked: acknowledge again."
    )


def record_acknowledgement(
    runner: TaskRunner,
    database: Database,
    actor: Actor,
    scan_id: uuid.UUID,
    *,
    recorded: Callable[[ScanAcknowledgement], None],
    failed: Callable[[BaseException], None],
) -> None:
    """Record ``actor``'s acknowledgement of the refused scan on the single writer."""
    runner.write(lambda _task: acknowledge_scan_refusal(database, actor, scan_id), recorded, failed)


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
        self.database, self.actor, self.runner = database, actor, runner
        self.scan_id: uuid.UUID | None = None
        self.acknowledgement: ScanAcknowledgement | None = None
        self.recording = False
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
        self.button.clicked.connect(self.acknowledge)
        layout.addWidget(self.button, alignment=Qt.AlignmentFlag.AlignTop)
        self.hide()

    @property
    def active(self) -> bool:
        """True while the alarm waits to be acknowledged."""
        return not self.isHidden()

    def raise_alarm(
        self, heading: str, reasons: tuple[str, ...], scan_id: uuid.UUID | None = None
    ) -> None:
        """Show ``heading`` and every reason, sound the bell, take the focus.

        ``scan_id`` names the refused scan on record, against which the acknowledgement is
        recorded (None when no scan was recorded: then there is nothing to record).
        """
        self.scan_id = scan_id
        self.acknowledgement = None
        self.problem.hide()
        self.text.setText("✖ " + heading + "\n" + "\n".join(f"• {r}" for r in reasons))
        self._ready()
        self.show()
        QApplication.beep()
        self.button.setFocus()

    def acknowledge(self) -> None:
        """Record the acknowledgement, then lift the alarm (a deliberate click)."""
        if not self.active or self.recording:
            return
        if self.scan_id is None:
            self._lift()
            return
        self.recording = True
        self.button.setEnabled(False)
        self.button.setText(RECORDING_TEXT)
        record_acknowledgement(
            self.runner,
            self.database,
            self.actor,
            self.scan_id,
            recorded=self._recorded,
            failed=self._failed,
        )

    def _recorded(self, acknowledgement: ScanAcknowledgement) -> None:
        self.acknowledgement = acknowledgement
        self._ready()
        self._lift()

    def _failed(self, error: BaseException) -> None:
        self._ready()
        show_message(self.problem, not_recorded_text(error), ok=False)
        self.button.setFocus()

    def _ready(self) -> None:
        self.recording = False
        self.button.setEnabled(True)
        self.button.setText(ACKNOWLEDGE_TEXT)

    def _lift(self) -> None:
        self.problem.hide()
        self.hide()
        self.acknowledged.emit()
