"""What every tab of the Admin page shares: a tool row, a message line, reads and writes.

A tab reads its records with what ``reader`` gives (off the GUI thread) and shows them with
``show_records``; a write is a ``WriteOp`` whose handlers are ``done`` and ``refused``: it
reports in plain words on the tab, then the tab reads again, so it always shows what the
database holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import Actor, Database
from ui.tasks import Failure, ReadOp, TaskRunner
from ui.widgets import cell, message_line, show_failed, show_message, table

__all__ = ["AdminTab", "cell", "fill_table", "index_of", "selected_row", "table", "when"]


class AdminTab(QWidget):
    """A tab of the Admin page; subclasses give ``reader``, ``show_records`` and their buttons."""

    title = "Admin"
    records = "records"
    """What the tab lists, for "The … could not be read"."""

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner, name: str) -> None:
        super().__init__()
        self.database = database
        self.actor = actor
        self.runner = runner
        self.loaded = False
        self.working = False
        self.setObjectName(f"admin-{name}")
        self.layout_ = QVBoxLayout(self)
        self.tools = QHBoxLayout()
        self.layout_.addLayout(self.tools)
        self.message = message_line()
        self.layout_.addWidget(self.message)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setObjectName(f"refresh-{name}")
        self.refresh_button.setToolTip("Read the records again from the database")
        self.refresh_button.clicked.connect(self.refresh)
        self.action_buttons: list[QPushButton] = []

    # ------------------------------------------------------------------ building
    def button(self, text: str, name: str, slot: Callable[[], Any]) -> QPushButton:
        """An action button in the tool row (disabled while the tab is busy)."""
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        self.tools.addWidget(button)
        self.action_buttons.append(button)
        return button

    def finish_tools(self) -> None:
        """Close the tool row: a stretch, then the refresh button at its right."""
        self.tools.addStretch(1)
        self.tools.addWidget(self.refresh_button)

    def note(self, text: str, name: str) -> QLabel:
        """A wrapped explanatory line under the tools."""
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        self.layout_.addWidget(label)
        return label

    def unsaved_input(self) -> str | None:
        """What was typed on the tab and not saved, in words (None: nothing; tabs refine it)."""
        return None

    # ------------------------------------------------------------------ reading
    def ensure_loaded(self) -> None:
        """Read the records on the tab's first visit."""
        if not self.loaded:
            self.refresh()

    def refresh(self) -> None:
        """Read the records again."""
        self.loaded = True
        ReadOp(self.reader(), doing=f"The {self.records} could not be read").busy(
            self.set_busy
        ).success(self._loaded).failure(self._read_failed).run(self.runner)

    def reader(self) -> Callable[[], Any]:
        """What reads the tab's records: built on the GUI thread from plain values, it runs
        off it and never touches widgets (e.g. ``partial(list_users, database, actor)``)."""
        raise NotImplementedError

    def show_records(self, records: Any) -> None:
        """Show what ``load`` returned."""
        raise NotImplementedError

    def _loaded(self, records: Any) -> None:
        self.show_records(records)
        self.update_buttons()  # for the records now selected

    def _read_failed(self, failure: Failure) -> None:
        show_failed(self.message, failure)

    # ------------------------------------------------------------------ writing
    def done(self, words: str) -> None:
        """A write's success handler: say what happened, then read again."""
        show_message(self.message, words, ok=True)
        self.refresh()

    def refused(self, failure: Failure) -> None:
        """A write's failure handler: say why it did not happen, then read again."""
        show_failed(self.message, failure)
        self.refresh()

    def say(self, text: str, *, ok: bool) -> None:
        """Show a line of outcome on the tab."""
        show_message(self.message, text, ok=ok)

    def set_busy(self, busy: bool) -> None:
        """Disable the tab's actions while a call runs (an operation's ``busy`` handler)."""
        self.working = busy
        self.refresh_button.setEnabled(not busy)
        self.update_buttons()

    def update_buttons(self) -> None:
        """Enable the actions that fit the selection (subclasses refine it)."""
        for button in self.action_buttons:
            button.setEnabled(not self.working)


def fill_table(
    widget: QTableWidget,
    rows: Sequence[Sequence[str]],
    *,
    select: int | None = None,
    stretch: int | None = None,
) -> None:
    """Put ``rows`` in ``widget`` and select row ``select``; columns sized to their text."""
    widget.clearSelection()
    widget.setRowCount(len(rows))
    for index, values in enumerate(rows):
        for column, text in enumerate(values):
            widget.setItem(index, column, cell(text))
    header = widget.horizontalHeader()
    for column in range(widget.columnCount()):
        mode = QHeaderView.ResizeMode.ResizeToContents
        if column == stretch:
            mode = QHeaderView.ResizeMode.Stretch
        header.setSectionResizeMode(column, mode)
    if stretch is not None:
        # The stretched column's text wraps onto a second line rather than end in "…" at
        # 1280 × 800 ("Clinic coordinator, Infusion nu…"; issue 16 review): rows grow to it.
        widget.setWordWrap(True)
        widget.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if select is not None and 0 <= select < len(rows):
        widget.selectRow(select)


def selected_row(widget: QTableWidget) -> int | None:
    """The index of the selected row, or None."""
    rows = widget.selectionModel().selectedRows()
    return rows[0].row() if rows else None


def index_of(ids: Sequence[Any], wanted: Any) -> int | None:
    """Where ``wanted`` is in ``ids`` (to select a record again after a refresh)."""
    return ids.index(wanted) if wanted is not None and wanted in ids else None


def when(moment: Any) -> str:
    """A UTC time as the screens print it, or a dash."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "—"
