"""A table model that loads its rows a page at a time, off the GUI thread, as the view scrolls.

Subclasses say how to read one page (:meth:`PagedTableModel.page_reader`) and what identifies a
row (:meth:`PagedTableModel.row_key`); the model keeps the count, skips rows it already shows
(new records can shift the pages while scrolling), and drops answers to an older query.
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

    def __init__(
        self,
        runner: TaskRunner,
        columns: Sequence[Column],
        *,
        page_size: int,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.columns = tuple(columns)
        self.page_size = page_size
        self.rows: list[Any] = []
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
        return len(self.rows) < self.total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        """Ask for the next page (it arrives later, on the GUI thread)."""
        if self.canFetchMore(parent):
            self._fetch()

    # ---------------------------------------------------------------- loading
    def restart(self) -> None:
        """Forget the rows and load the first page of the current query."""
        self._generation += 1
        self.beginResetModel()
        self.rows, self._keys, self.total, self.loading = [], set(), None, False
        self.endResetModel()
        self._fetch()

    def row_at(self, row: int) -> Any | None:
        """The row object on ``row`` (None outside the loaded rows)."""
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _fetch(self) -> None:
        self.loading = True
        generation = self._generation
        read = self.page_reader(len(self.rows), self.page_size)
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
            self.total = len(self.rows)  # fewer match than counted: stop asking
        self.page_loaded.emit(page)

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.loading = False
            self.total = len(self.rows)
            self.failed.emit(error)
