"""The columns of the dispositions table fitted to its width (issue 16): beside the plot at
1280 × 800 the shipment's SSCC and the batch COI wrap at a group onto two lines, what was found
onto as many as it needs, the verdict stays whole, and the logger file name takes the width left,
elided in its middle (its tooltip and the details under the table have it whole)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
)

FILE, SSCC, BATCH, VERDICT, FOUND = range(5)
MIN_FILE_WIDTH = 60
"""The narrowest the file name column gets when the table is narrow."""
MIN_FOUND_WIDTH = 130
"""What was found wraps onto at most a few lines."""
CELL_PADDING = 16


class OneLine(QStyledItemDelegate):
    """A cell on one line, elided in its middle (a file name never wraps)."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """The base style without wrapping, eliding in the middle."""
        super().initStyleOption(option, index)
        option.features &= ~QStyleOptionViewItem.ViewItemFeature.WrapText
        option.textElideMode = Qt.TextElideMode.ElideMiddle


def _texts(table: QTableWidget, column: int) -> list[str]:
    return [item.text() for row in range(table.rowCount()) if (item := table.item(row, column))]


def _two_lines(metrics: QFontMetrics, text: str) -> int:
    """The narrowest width that holds ``text`` on two lines broken at a space."""
    words = text.split(" ")
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    if not splits:
        return metrics.horizontalAdvance(text)
    return min(max(metrics.horizontalAdvance(a), metrics.horizontalAdvance(b)) for a, b in splits)


def _width(table: QTableWidget, column: int, *, wrapped: bool = False) -> int:
    """The width that shows every cell of ``column`` whole, on one line or on two broken at a
    space (``wrapped``), and its header on one line."""
    metrics = table.fontMetrics()
    measure = (lambda t: _two_lines(metrics, t)) if wrapped else metrics.horizontalAdvance
    header = table.horizontalHeaderItem(column)
    title = header.text() if header is not None else ""
    widths = [measure(text) for text in _texts(table, column)]
    widths.append(table.horizontalHeader().fontMetrics().horizontalAdvance(title))
    return max(widths) + CELL_PADDING


def fit_columns(table: QTableWidget) -> None:
    """Every column but the file name whole, wrapped where the table is narrow; the file name
    gets what is left (at least `MIN_FILE_WIDTH`): no horizontal scrolling."""
    verdict, found = _width(table, VERDICT), _width(table, FOUND)
    free = table.viewport().width() - verdict - MIN_FILE_WIDTH - 2  # grid lines
    whole_sscc, whole_batch = _width(table, SSCC), _width(table, BATCH)
    two_sscc, two_batch = _width(table, SSCC, wrapped=True), _width(table, BATCH, wrapped=True)
    choices = ((whole_sscc, whole_batch), (two_sscc, whole_batch), (two_sscc, two_batch))
    sscc, batch = next(
        (choice for choice in choices if sum(choice) + found <= free), choices[-1]
    )  # wrapped no more than the width needs
    found = min(found, max(MIN_FOUND_WIDTH, free - sscc - batch))
    for column, width in ((SSCC, sscc), (BATCH, batch), (VERDICT, verdict), (FOUND, found)):
        table.setColumnWidth(column, width)
    table.resizeRowsToContents()


class ColumnFit(QObject):
    """Fits the columns of a table each time its viewport is resized."""

    def __init__(self, table: QTableWidget) -> None:
        super().__init__(table)
        self.table = table

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Refit at the viewport's new width."""
        if event.type() == QEvent.Type.Resize:
            fit_columns(self.table)
        return False


def fitted(table: QTableWidget) -> QTableWidget:
    """Set up ``table`` (the dispositions) to fit its width; returns it."""
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setMinimumSectionSize(MIN_FILE_WIDTH // 2)
    header.setTextElideMode(Qt.TextElideMode.ElideRight)  # "Logger…" when the column is narrow
    header.setSectionResizeMode(FILE, QHeaderView.ResizeMode.Stretch)
    for column in (SSCC, BATCH, VERDICT, FOUND):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
    table.setWordWrap(True)
    one_line = OneLine(table)
    for column in (FILE, VERDICT):
        table.setItemDelegateForColumn(column, one_line)
    fit = ColumnFit(table)
    table.viewport().installEventFilter(fit)
    return table
