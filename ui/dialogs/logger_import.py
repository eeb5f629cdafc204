"""Importing a data-logger file for a shipment: trip window, progress and a careful cancel;
after the receipt was accepted, QA's correction with its reason and signature."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.casefile import ShipmentView
from app.coldchain import LoggerFileView
from app.core import Actor, Database, sscc_text
from ui.tasks import HELPER, Task, TaskRunner, import_in_helper
from ui.widgets import escape, fit_height, message_line, show_error, utc_editor, utc_of

READ_CHUNK = 1 << 20


class LoggerImportDialog(QDialog):
    """Import one logger file for a shipment: trip window, progress, and a cancel that is
    possible only until storing begins (storing is one transaction and cannot stop half-way).
    With ``correction`` (QA's reason and password) the file is attached as QA's signed
    correction of an accepted receipt."""

    imported = Signal(object)

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        shipment: ShipmentView,
        path: Path,
        *,
        parent: QWidget | None = None,
        correction: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loggerImportDialog")
        doing = "Logger file as a correction" if correction else "Import logger file"
        self.setWindowTitle(f"{doing} — shipment {sscc_text(shipment.sscc)}")
        self.correction = correction
        self.setMinimumWidth(620)
        self.database, self.actor, self.runner = database, actor, runner
        self.shipment, self.path = shipment, path
        self.task: Task | None = None
        self.storing = False
        size = path.stat().st_size
        shown = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(size / 1e3, 0.1):.1f} kB"
        about = QLabel(f"<b>{path.name}</b> — {shown}")
        start = (shipment.handed_over_at or datetime.now(UTC)).replace(microsecond=0)
        end = shipment.received_at or datetime.now(UTC)
        end = end.replace(microsecond=0) + timedelta(seconds=1 if end.microsecond else 0)
        self.window_from = utc_editor(start)
        self.window_to = utc_editor(end)
        form = QFormLayout()
        form.addRow("Trip window from", self.window_from)
        form.addRow("Trip window to", self.window_to)
        hint = QLabel(
            "The window defaults to the recorded hand-over to the courier and the receipt. "
            "It must contain both; readings outside it are stored but not judged."
        )
        hint.setWordWrap(True)
        self.phase = QLabel("Ready to import.")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.error = message_line("errorMessage")
        self.import_button = QPushButton("Attach as correction" if correction else "Import")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        if correction is not None:
            layout.addWidget(_correction_note(correction[0]))
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.phase)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        fit_height(self)

    def trip_window(self) -> tuple[datetime, datetime]:
        """The trip window entered (UTC)."""
        return utc_of(self.window_from.dateTime()), utc_of(self.window_to.dateTime())

    def start(self) -> None:
        """Read the file (cancellable), then import and store it on the single writer."""
        for widget in (self.import_button, self.window_from, self.window_to):
            widget.setEnabled(False)
        self.error.hide()
        self.phase.setText("Waiting for the previous save to finish…")
        correction = self.correction  # read here: the work below runs on the writer thread
        url, actor, shipment_id = self.database.url, self.actor, self.shipment.id
        path, window = self.path, self.trip_window()

        def work(task: Task) -> LoggerFileView | None:
            digest, total, done = hashlib.sha256(), max(path.stat().st_size, 1), 0
            with path.open("rb") as handle:
                while chunk := handle.read(READ_CHUNK):
                    if task.cancelled:
                        return None
                    digest.update(chunk)
                    done += len(chunk)
                    task.report(done * 1000 // total, 1000)
            if task.cancelled:
                return None
            task.report(0, 0)  # storing begins: from here on nothing can be cancelled
            stored = partial(  # the file read here
                import_in_helper, sha256=digest.hexdigest(), correction=correction
            )
            return HELPER.run(stored, url, actor, shipment_id, str(path), window)

        self.task = self.runner.write(work, self._done, self._failed, self._progress)

    def _progress(self, done: int, total: int) -> None:
        if total:
            self.phase.setText(f"Reading {self.path.name}… (you may still cancel)")
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            return
        self.storing = True
        self.cancel_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.phase.setText(
            "Checking and storing every reading with its assessment. This is one "
            "transaction and cannot be cancelled; the screen stays usable."
        )

    def cancel(self) -> None:
        """The Cancel button: close, or stop the import if storing has not begun."""
        self.reject()

    def reject(self) -> None:
        """Cancel, Escape or closing the window: never hides a running import; stops it
        while the file is still being read, waits for it once storing began."""
        if self.task is None:
            super().reject()
        elif not self.storing:
            self.task.cancel()
            self.phase.setText("Cancelling… nothing will be stored.")
            self.cancel_button.setEnabled(False)

    def _done(self, view: LoggerFileView | None) -> None:
        self.task = None
        if view is None:
            self.reject()
            return
        self.imported.emit(view)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.task, self.storing = None, False
        show_error(self.error, error)
        fit_height(self)
        self.phase.setText("Nothing was stored.")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        for widget in (self.import_button, self.window_from, self.window_to, self.cancel_button):
            widget.setEnabled(True)


def _correction_note(reason: str) -> QLabel:
    """What a correction is, with QA's reason, above the trip window."""
    note = QLabel(
        "<b>QA correction</b> of an accepted receipt, signed by you (approved). "
        f"Reason: {escape(reason)}<br>A bad verdict quarantines only the units still in the "
        "chain and raises a deviation; a unit already infused is never quarantined again."
    )
    note.setObjectName("correctionReason")
    note.setWordWrap(True)
    return note
