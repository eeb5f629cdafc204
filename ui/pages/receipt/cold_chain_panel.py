"""The cold chain of a shipment on the receipt screen: the logger file's verdict and numbers
beside the plot of its trace, which loads in the helper process (DESIGN.md §4)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.coldchain import AssessedTrace, LoggerFileView, disposition_words
from app.core import Actor, Database
from ui.pages.receipt.words import VERDICT_WORDS, cold_chain_numbers
from ui.tasks import HELPER, TaskRunner, assessed_in_helper
from ui.widgets import TemperaturePlot, count_text, restyle

SIDE_BY_SIDE = 960
"""The narrowest column (px) that shows the numbers beside the plot, each readable."""


class ColdChainPanel(QWidget):
    """The verdict, the numbers and the plot of a shipment's latest logger file."""

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        failed: Callable[[BaseException], None],
    ) -> None:
        super().__init__()
        self.database, self.actor, self.runner, self.failed = database, actor, runner, failed
        HELPER.warm()  # its imports and start-up, while the user reads; never in the first import
        self.logger_file: LoggerFileView | None = None
        self.plotted: uuid.UUID | None = None
        self.drawn: uuid.UUID | None = None
        """The logger file whose trace the plot shows (it loads in the helper process)."""
        self.verdict = QLabel("No logger file imported yet.")
        self.verdict.setObjectName("receiptVerdict")
        self.numbers: dict[str, QLabel] = {}
        self.numbers_form = QFormLayout()
        self.plot = TemperaturePlot()
        self.plot_note = QLabel()
        self.plot_note.setObjectName("receiptPlotNote")
        self.plot_note.setWordWrap(True)  # long notes wrap under the plot, never widen the page
        numbers = QWidget()
        numbers_column = QVBoxLayout(numbers)
        numbers_column.setContentsMargins(0, 0, 4, 0)
        numbers_column.addLayout(self.numbers_form)
        numbers_column.addStretch(1)
        # A scroll area gives the wrapped numbers the height they need at the width they get
        # (a plain grid does not), and scrolls on a small screen instead of clipping them.
        scroll = QScrollArea()
        scroll.setWidget(numbers)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.numbers_scroll = scroll
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.side_by_side: bool | None = None
        """Numbers beside the plot (a wide column), or above it (narrower than SIDE_BY_SIDE)."""
        self._arrange(side_by_side=True)
        restyle(self.verdict, verdict="none")  # the plain style until a file is shown
        self.plot.hide()  # no empty axes before a file is imported

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Put the numbers beside the plot when the column is wide, above it when narrow."""
        super().resizeEvent(event)
        self._arrange(side_by_side=event.size().width() >= SIDE_BY_SIDE)
        self._fit_numbers()

    def _arrange(self, *, side_by_side: bool) -> None:
        if side_by_side == self.side_by_side:
            return
        self.side_by_side = side_by_side
        grid = self.grid
        for widget in (self.verdict, self.numbers_scroll, self.plot, self.plot_note):
            grid.removeWidget(widget)
        for row in range(4):
            grid.setRowStretch(row, 0)
        if side_by_side:
            grid.addWidget(self.verdict, 0, 0)
            grid.addWidget(self.numbers_scroll, 1, 0, 2, 1)
            grid.addWidget(self.plot, 0, 1, 2, 1)
            grid.addWidget(self.plot_note, 2, 1)
            grid.setRowStretch(1, 1)
            grid.setColumnStretch(1, 1)
            self.numbers_scroll.setMinimumHeight(0)
            self.numbers_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        else:  # one column: verdict, all the numbers, then the plot at full width
            grid.addWidget(self.verdict, 0, 0, 1, 2)
            grid.addWidget(self.numbers_scroll, 1, 0, 1, 2)
            grid.addWidget(self.plot, 2, 0, 1, 2)
            grid.addWidget(self.plot_note, 3, 0, 1, 2)
            grid.setRowStretch(2, 1)
            grid.setColumnStretch(1, 0)
            self.numbers_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self._fit_numbers()
        grid.setColumnStretch(0, 1)

    def _fit_numbers(self) -> None:
        """Above the plot, the numbers get the height they need at the width they have: none
        scrolls out of sight (and no scroll bar narrows them)."""
        scroll, inner = self.numbers_scroll, self.numbers_scroll.widget()
        if self.side_by_side or inner is None:
            return
        layout = inner.layout()
        width = max(self.width(), 1)  # the numbers span the panel's width, above the plot
        if layout is not None and layout.hasHeightForWidth():
            height = layout.totalHeightForWidth(width)
        else:
            height = inner.sizeHint().height()
        scroll.setMinimumHeight(height)

    @property
    def trace_shown(self) -> bool:
        """The plot shows the trace of the logger file shown (True when there is none)."""
        return self.logger_file is None or self.drawn == self.logger_file.id

    def clear(self) -> None:
        """Show no logger file (another shipment was chosen)."""
        self.logger_file, self.plotted, self.drawn = None, None, None
        self.plot.clear_trace()
        self.show_logger(None)

    def show_logger(self, view: LoggerFileView | None, earlier: int = 0) -> None:
        """Show the assessment of ``view`` (None: no file yet); ``earlier`` files are counted."""
        self.logger_file = view
        if view is None:
            self._clear_numbers()
            self.verdict.setText("No logger file imported yet.")
            restyle(self.verdict, verdict="none")
            self.plot_note.setText("")
            self.plot.hide()
            return
        self.plot.show()
        verdict = view.verdict.value if view.verdict else "not assessed"
        words = VERDICT_WORDS.get(verdict, verdict.upper())
        if view.disposition is not None:
            words += f" — {disposition_words(view.disposition)} by QA"
        self.verdict.setText(words)
        restyle(self.verdict, verdict=verdict)
        self._show_numbers(cold_chain_numbers(view), earlier)
        if self.plotted != view.id:
            self._load_plot(view)

    def _clear_numbers(self) -> None:
        while self.numbers_form.rowCount():
            self.numbers_form.removeRow(0)
        self.numbers = {}

    def _show_numbers(self, numbers: dict[str, str], earlier: int) -> None:
        """The numbers in their rows: the rows already shown keep their labels and take the new
        texts (a reload, e.g. after verification, never leaves them empty until the next
        layout pass); other rows are built anew."""
        files = "file" if earlier == 1 else "files"
        note = f"{earlier} earlier {files}; showing the latest." if earlier else None
        rows = len(numbers) + (note is not None)
        if list(numbers) == list(self.numbers) and self.numbers_form.rowCount() == rows:
            for name, text in numbers.items():
                self.numbers[name].setText(text)
            if note is not None:
                item = self.numbers_form.itemAt(rows - 1, QFormLayout.ItemRole.FieldRole)
                if item is not None and isinstance(item.widget(), QLabel):
                    item.widget().setText(note)  # type: ignore[union-attr]
            return
        self._clear_numbers()
        for name, text in numbers.items():
            label = QLabel(text)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.numbers[name] = label
            self.numbers_form.addRow(name, label)
        if note is not None:
            self.numbers_form.addRow("", QLabel(note))
        self._fit_numbers()

    def _load_plot(self, view: LoggerFileView) -> None:
        self.plotted, self.drawn = view.id, None
        self.plot.clear_trace()
        self.plot_note.setText(f"Loading the trace ({count_text(view.reading_count)} readings)…")
        url, actor, logger_file_id = self.database.url, self.actor, view.id
        self.runner.read(
            lambda _t: HELPER.run(assessed_in_helper, url, actor, logger_file_id),
            self._plot_loaded,
            self.failed,
        )

    def _plot_loaded(self, result: AssessedTrace) -> None:
        if self.logger_file is None or self.plotted != self.logger_file.id:
            return
        profile = result.profile
        self.plot.show_trace(result.trace, result.assessment, profile.lower_c, profile.upper_c)
        self.drawn = self.plotted
        self.plot_note.setText(
            f"{count_text(len(result.trace))} readings in the file, drawn by peaks at this zoom; "
            "drag to pan, wheel to zoom."
        )
