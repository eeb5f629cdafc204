"""A table model that loads its rows a page at a time, off the GUI thread, as the view scrolls.

Subclasses say how to read one page (:meth:`PagedTableModel.page_reader`) and what identifies a
row (:meth:`PagedTableModel.row_key`); the model keeps the count, skips rows it already shows
(new records can shift the pages while scrolling), and drops answers to an older query.

With a ``window``, the model holds at most that many rows however far the view scrolls: a page
added at the end drops as many rows from the start (``above`` counts them), and a subclass that
can read the page before its first row (:meth:`PagedTableModel.newer_reader`) loads them back
when the view returns to the top, dropping as many from the end. ``shifted`` tells the view how
many rows came in (+) or went (-) above what it shows, so that it keeps its place.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from ui.tasks import TaskRunner

AnyIndex = QModelIndex | QPersistentModelIndex
Column = tuple[str, Callable[[Any], str]]
"""A column title and how its text is made from a row."""


class Page(Protocol):
    """What a page read returns: the rows and how many match in all."""

    @property
    def rows(self) -> Sequence[Any]: ...

    @property
    def total(self) -> int: ...


class PagedTableModel(QAbstractTableModel):
    """Rows loaded a page at a time in the background; ``columns`` say what each shows."""

    page_loaded = Signal(object)
    """The page that arrived (after its rows were added)."""
    failed = Signal(object)
    """The error of a page read; the model stops asking for more."""
    shifted = Signal(int)
    """Rows added (+) or dropped (-) at the start of the window."""

    def __init__(
        self,
        runner: TaskRunner,
        columns: Sequence[Column],
        *,
        page_size: int,
        window: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.columns = tuple(columns)
        self.page_size = page_size
        self.window = None if window is None else max(window, 2 * page_size)
        self.rows: list[Any] = []
        self.above = 0
        """Matching rows before the first one held (dropped from the window)."""
        self.total: int | None = None
        self.loading = False
        self._generation = 0
        self._keys: set[Hashable] = set()

    # ---------------------------------------------------------------- what subclasses say
    def page_reader(self, offset: int, limit: int) -> Callable[[], Page]:
        """A call reading the page at ``offset`` for the current query (runs off the GUI thread).

        Capture the query's values in the call: the query may change before it runs.
        """
        raise NotImplementedError

    def newer_reader(self, first: Any, limit: int) -> Callable[[], Page] | None:
        """A call reading the ``limit`` rows just before ``first`` (None: not supported)."""
        return None

    def row_key(self, row: Any) -> Hashable:
        """What identifies ``row`` across pages."""
        raise NotImplementedError

    def tooltip(self, row: Any, column: int) -> str:
        """The tooltip of a cell (by default its text)."""
        return self.columns[column][1](row)

    # ---------------------------------------------------------------- Qt model
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Rows loaded so far."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """One column per field shown."""
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The text of a cell, its tooltip, and the row itself under ``UserRole``."""
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[index.column()][1](row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row, index.column())
        if role == Qt.ItemDataRole.UserRole:
            return self.row_key(row)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section][0]
        return None

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        """True while more rows match than are loaded and no page is on its way."""
        if parent.isValid() or self.loading or self.total is None:
            return False
        return self.above + len(self.rows) < self.total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        """Ask for the next page (it arrives later, on the GUI thread)."""
        if self.canFetchMore(parent):
            self._fetch()

    def can_fetch_newer(self) -> bool:
        """True when rows before the window were dropped and no page is on its way."""
        return self.above > 0 and not self.loading and bool(self.rows)

    def fetch_newer(self) -> None:
        """Load back the page before the first row held (it arrives later)."""
        if not self.can_fetch_newer():
            return
        read = self.newer_reader(self.rows[0], min(self.page_size, self.above))
        if read is None:
            return
        self.loading = True
        generation = self._generation
        self.runner.read(
            lambda _task: read(),
            lambda page: self._newer_arrived(generation, page),
            lambda error: self._failed(generation, error),
        )

    # ---------------------------------------------------------------- loading
    def restart(self) -> None:
        """Forget the rows and load the first page of the current query."""
        self._generation += 1
        self.beginResetModel()
        self.rows, self._keys, self.total, self.loading = [], set(), None, False
        self.above = 0
        self.endResetModel()
        self._fetch()

    def update_row(self, key: Hashable, change: Callable[[Any], Any]) -> None:
        """Replace the held row identified by ``key`` with ``change(row)`` (what a reread of
        that one record told), keeping its place; nothing when the row is not held."""
        for index, row in enumerate(self.rows):
            if self.row_key(row) == key:
                self.rows[index] = change(row)
                last = self.columnCount() - 1
                self.dataChanged.emit(self.index(index, 0), self.index(index, last))
                return

    def row_at(self, row: int) -> Any | None:
        """The row object on ``row`` (None outside the loaded rows)."""
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _fetch(self) -> None:
        self.loading = True
        generation = self._generation
        read = self.page_reader(self.above + len(self.rows), self.page_size)
        self.runner.read(
            lambda _task: read(),
            lambda page: self._arrived(generation, page),
            lambda error: self._failed(generation, error),
        )

    def _arrived(self, generation: int, page: Page) -> None:
        if generation != self._generation:
            return  # an answer to a query that has since changed
        self.loading = False
        self.total = page.total
        fresh = [row for row in page.rows if self.row_key(row) not in self._keys]
        if fresh:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self.rows.extend(fresh)
            self._keys.update(self.row_key(row) for row in fresh)
            self.endInsertRows()
        if not page.rows:
            self.total = self.above + len(self.rows)  # fewer match than counted: stop asking
        if self.window is not None and len(self.rows) > self.window:
            self._drop(0, len(self.rows) - self.window)
        self.page_loaded.emit(page)

    def _newer_arrived(self, generation: int, page: Page) -> None:
        if generation != self._generation:
            return
        self.loading = False
        fresh = [row for row in page.rows if self.row_key(row) not in self._keys]
        if not fresh:  # nothing before the first row after all: the window starts the query
            self.above = 0
            return
        self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
        self.rows[:0] = fresh
        self._keys.update(self.row_key(row) for row in fresh)
        self.above = max(0, self.above - len(fresh))
        self.endInsertRows()
        self.shifted.emit(len(fresh))
        if self.window is not None and len(self.rows) > self.window:
            self._drop(self.window, len(self.rows) - self.window)
        self.page_loaded.emit(page)

    def _drop(self, first: int, count: int) -> None:
        """Drop ``count`` rows from ``first`` (the start or the end of the window)."""
        self.beginRemoveRows(QModelIndex(), first, first + count - 1)
        dropped = self.rows[first : first + count]
        del self.rows[first : first + count]
        self._keys.difference_update(self.row_key(row) for row in dropped)
        self.endRemoveRows()
        if first == 0:
            self.above += count
            self.shifted.emit(-count)

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.loading = False
            self.total = self.above + len(self.rows)
            self.failed.emit(error)
