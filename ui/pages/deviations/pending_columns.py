"""The columns of the dispositions table fitted to its width (issue 16): beside the plot at
1280 × 800 the logger file's name and, under it, its shipment's SSCC share the first column
(the name was elided to "lo…sv" in a column of its own; issue 16 review); the batch COI wraps at
a group onto two lines where the width needs it, what was found onto as many as it needs, and
the verdict stays whole. Only a table narrower still elides the name, in its middle (its tooltip
and the details under the table have it whole)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
)

FILE, BATCH, VERDICT, FOUND = range(4)
"""The logger file's name over its shipment's SSCC, the batch, the verdict, what was found."""
MIN_FILE_WIDTH = 60
"""The narrowest the file name column gets when the table is narrow."""
MIN_FOUND_WIDTH = 130
"""What was found wraps onto at most a few lines."""
CELL_PADDING = 16


class OneLine(QStyledItemDelegate):
    """A cell's lines unwrapped, each elided in its middle (a file name never wraps)."""

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
    widths = [measure(line) for text in _texts(table, column) for line in text.split("\n")]
    widths.append(table.horizontalHeader().fontMetrics().horizontalAdvance(title))
    return max(widths) + CELL_PADDING


BREAK = "\u200b"
"""A zero-width space: where a file name may wrap (after a hyphen, an underscore, a dot)."""


def breakable(file_name: str) -> str:
    """``file_name`` with a place to wrap after each hyphen, underscore and dot."""
    for mark in "-_.":
        file_name = file_name.replace(mark, mark + BREAK)
    return file_name


def _file_width(table: QTableWidget, *, wrapped: bool) -> int:
    """The width of the file column: each name and SSCC whole, or wrapped at their breaks."""
    metrics = table.fontMetrics()
    header = table.horizontalHeaderItem(FILE)
    title = header.text() if header is not None else "Logger file"
    widths = [table.horizontalHeader().fontMetrics().horizontalAdvance(title)]
    for text in _texts(table, FILE):
        name, _, sscc = text.partition("\n")
        if wrapped:
            widths += [metrics.horizontalAdvance(piece) for piece in name.split(BREAK)]
            widths.append(_two_lines(metrics, sscc))
        else:
            widths.append(metrics.horizontalAdvance(name.replace(BREAK, "")))
            widths.append(metrics.horizontalAdvance(sscc))
    return max(widths) + CELL_PADDING


def fit_columns(table: QTableWidget) -> None:
    """The file name and SSCC whole where the width allows, else wrapped at their breaks; the
    batch on one line or two, the verdict whole and what was found wrapped in what is left
    (at least `MIN_FOUND_WIDTH`): no horizontal scrolling."""
    verdict = _width(table, VERDICT)
    free = table.viewport().width() - verdict - 2  # grid lines
    whole_batch, two_batch = _width(table, BATCH), _width(table, BATCH, wrapped=True)
    whole_name, two_name = _file_width(table, wrapped=False), _file_width(table, wrapped=True)
    choices = ((whole_name, whole_batch), (two_name, whole_batch), (two_name, two_batch))
    name, batch = next(
        (choice for choice in choices if sum(choice) + MIN_FOUND_WIDTH <= free), choices[-1]
    )  # wrapped no more than the width needs
    name = max(MIN_FILE_WIDTH, min(name, free - batch - MIN_FOUND_WIDTH))
    # what was found takes the width left: the table spans its width, empty or not (issue 16:
    # an empty list showed its columns in a corner, "Logger fil…" cut)
    found = max(MIN_FOUND_WIDTH, free - name - batch)
    for column, width in ((FILE, name), (BATCH, batch), (VERDICT, verdict), (FOUND, found)):
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
    for column in (FILE, BATCH, VERDICT, FOUND):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
    table.setWordWrap(True)
    one_line = OneLine(table)
    table.setItemDelegateForColumn(VERDICT, one_line)
    fit = ColumnFit(table)
    table.viewport().installEventFilter(fit)
    return table
