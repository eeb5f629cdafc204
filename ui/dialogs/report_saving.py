"""Save a report as…: a button that asks where (the system's save dialog), builds the report off
the GUI thread with a busy bar showing, and says where it was saved or why it was not.

The report is drawn and written by an ``app.reports`` service on the one write worker (it
records in the audit trail that the report was made); the GUI thread only asks and shows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QProgressBar, QPushButton, QWidget

from app.reports import SavedFile
from ui.tasks import Failure, TaskRunner, WriteOp
from ui.widgets import message_line, show_failed, show_message

ReportWriter = Callable[[Path], SavedFile]
"""Writes the report to the path chosen (called on the write worker)."""


class ReportSaver(QWidget):
    """A "Save … as…" button with its busy bar and result line."""

    saved = Signal(object)
    """Emitted with the ``SavedFile`` once a report is written."""

    def __init__(
        self,
        runner: TaskRunner,
        label: str,
        *,
        object_name: str,
        dialog_title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.dialog_title = dialog_title
        self.last_saved: SavedFile | None = None
        self._writer: ReportWriter | None = None
        self._suggested = "report.pdf"
        self.button = QPushButton(label)
        self.button.setObjectName(object_name)
        self.button.clicked.connect(self.save_as)
        self.button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setObjectName(f"{object_name}Progress")
        self.progress.setRange(0, 0)  # busy: the report's length is not known beforehand
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.message = message_line()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.progress)
        row.addWidget(self.message, stretch=1)

    def offer(self, writer: ReportWriter | None, suggested_name: str = "report.pdf") -> None:
        """Offer the report ``writer`` makes (None: nothing to offer, the button is disabled)."""
        self._writer = writer
        self._suggested = suggested_name
        self.button.setEnabled(writer is not None and not self.progress.isVisible())
        self.message.hide()

    def save_as(self) -> None:
        """Ask where to save, then build and write the report in the background."""
        writer = self._writer
        if writer is None:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        suggested = str(Path(folder or Path.home()) / self._suggested)
        chosen, _selected = QFileDialog.getSaveFileName(
            self, self.dialog_title, suggested, "PDF files (*.pdf)"
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(f"{path.name}.pdf")
        WriteOp(
            lambda: writer(path),
            doing="The report was not saved",
            changes={"report"},
        ).busy(self._busy).success(self._done).failure(self._failed).run(self.runner)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.button.setEnabled(not busy and self._writer is not None)
        if busy:
            show_message(self.message, "Building the report…", ok=True)

    def _done(self, saved: SavedFile) -> None:
        self.last_saved = saved
        show_message(
            self.message,
            f"✔ Saved to {saved.path} (SHA-256 {saved.sha256[:16]}…); recorded in the audit trail.",
            ok=True,
        )
        self.saved.emit(saved)

    def _failed(self, failure: Failure) -> None:
        show_failed(self.message, failure)
