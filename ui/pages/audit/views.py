"""The pieces of the Audit trail screen: the lazily paged event table and one event in full."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import (
    QDateTime,
    QObject,
    Qt,
    QTimeZone,
)
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.audit import PAGE_SIZE, AuditEntry, AuditEventPage, AuditFilter, search_audit, value_text
from app.core import Actor, Database
from ui.tasks import TaskRunner
from ui.widgets import PagedTableModel, cell, table

TIME_FORMAT = "yyyy-MM-dd HH:mm 'UTC'"


def when_text(moment: datetime) -> str:
    """A UTC moment as the audit trail prints it (to the second)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def record_text(entry: AuditEntry) -> str:
    """The record by what it is (the tooltip and the detail pane have its whole id)."""
    return entry.record_words


COLUMNS: tuple[tuple[str, Callable[[AuditEntry], str]], ...] = (
    ("Seq", lambda e: str(e.seq)),
    ("Time (UTC)", lambda e: when_text(e.at).removesuffix(" UTC")),
    ("User", lambda e: e.who),
    ("Action", lambda e: e.action_words),
    ("Record", record_text),
    ("Reason", lambda e: " ".join((e.reason or "—").split())),
)
TOOLTIPS: dict[int, Callable[[AuditEntry], str]] = {
    2: lambda e: f"{e.who} at station {e.station}",
    3: lambda e: f"{e.action_words} (stored as {e.action})",
    4: lambda e: f"{e.record_type_name} {e.record_id}",
}
WINDOW_ROWS = 2000
"""The most events the screen's table holds: scrolled further, it drops the farthest and reads
them back when the view returns (a trail of a million events is never held whole)."""
MAX_COLUMN_WIDTH = 210
"""Where the table is too narrow for every column's text, no column is cut below this width;
the tooltip holds the rest."""
REASON_MIN_WIDTH = 240
"""The room the Reason column keeps before the other columns are widened to their text."""


class AuditTableModel(PagedTableModel):
    """Matching audit events, newest first, loaded a page at a time in the background."""

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        *,
        page_size: int = PAGE_SIZE,
        window: int = WINDOW_ROWS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(runner, COLUMNS, page_size=page_size, window=window, parent=parent)
        self.database = database
        self.actor = actor
        self.audit_filter = AuditFilter()
        self.more = False
        """True when the first page counted more than `COUNT_CAP` matches."""
        self.page_loaded.connect(self._counted)

    def _counted(self, page: AuditEventPage) -> None:
        if self.above == 0 and len(self.rows) <= len(page.rows):  # a query's first page counted
            self.more = page.more

    def page_reader(self, offset: int, limit: int) -> Callable[[], AuditEventPage]:
        """Read one page of the events matching the current filter: the first counts them,
        the next ones follow the oldest event shown (keyset: a deep page is as quick)."""
        database, actor, audit_filter = self.database, self.actor, self.audit_filter
        last = self.rows[-1] if offset and self.rows else None
        if last is None:
            return lambda: search_audit(database, actor, audit_filter, offset=offset, limit=limit)
        before, total = last.seq, self.total
        if self.more and total is not None:  # uncounted beyond the cap: ask while pages come
            total = max(total, offset + limit + 1)
        return lambda: search_audit(
            database, actor, audit_filter, limit=limit, before_seq=before, known_total=total
        )

    def newer_reader(self, first: AuditEntry, limit: int) -> Callable[[], AuditEventPage]:
        """Read back the ``limit`` events just newer than ``first`` (the window's first row)."""
        database, actor, audit_filter = self.database, self.actor, self.audit_filter
        after, total = first.seq, self.total
        return lambda: search_audit(
            database, actor, audit_filter, limit=limit, after_seq=after, known_total=total
        )

    def row_key(self, row: AuditEntry) -> int:
        """Events are told apart by their sequence number."""
        return row.seq

    def tooltip(self, row: AuditEntry, column: int) -> str:
        """The whole text of a cell (user with station, record type with its full id)."""
        return TOOLTIPS.get(column, COLUMNS[column][1])(row)

    def set_filter(self, audit_filter: AuditFilter) -> None:
        """Start again from the newest event with a new filter."""
        self.audit_filter = audit_filter
        self.restart()

    def entry(self, row: int) -> AuditEntry | None:
        """The event on ``row``."""
        found: AuditEntry | None = self.row_at(row)
        return found


def utc_editor(name: str, moment: datetime) -> QDateTimeEdit:
    """A date-time field in UTC to the minute, off until its check box turns it on."""
    editor = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc()))
    editor.setTimeZone(QTimeZone.utc())
    editor.setObjectName(name)
    editor.setDisplayFormat(TIME_FORMAT)
    editor.setCalendarPopup(True)
    editor.setEnabled(False)
    return editor


def utc_minute(editor: QDateTimeEdit) -> datetime:
    """The editor's value as an aware UTC datetime, to the minute."""
    moment = datetime.fromtimestamp(editor.dateTime().toSecsSinceEpoch(), tz=UTC)
    return moment.replace(second=0, microsecond=0)


class EventDetail(QWidget):
    """One event in full: who, when, where, what, why, and each field's old → new value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setObjectName("eventSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        caption = QHBoxLayout()
        caption.addWidget(QLabel("<b>Old → new values</b>"))
        caption.addStretch(1)
        self.record_trail = QPushButton("Trail of this record")
        self.record_trail.setObjectName("recordTrail")
        self.record_trail.setToolTip("Filter the trail by this event's record")
        caption.addWidget(self.record_trail)
        layout.addLayout(caption)
        self.changes = table("eventChanges", ("Field", "Old value", "New value"))
        header = self.changes.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.changes, stretch=1)
        self.entry: AuditEntry | None = None
        self.clear()

    def clear(self, text: str = "Select an event to see its old and new values.") -> None:
        """Show no event."""
        self.entry = None
        self.summary.setText(html.escape(text))
        self.changes.setRowCount(0)
        self.record_trail.setEnabled(False)

    def show_entry(self, entry: AuditEntry) -> None:
        """Show ``entry`` in full."""
        self.entry = entry
        esc = html.escape
        reason = esc(entry.reason) if entry.reason else "— none given"
        self.summary.setText(
            f"<b>Event {entry.seq}</b> · {esc(when_text(entry.at))} · {esc(entry.who)} "
            f"at station {esc(entry.station)}<br>"
            f"<b>{esc(entry.action_words)}</b> on {esc(entry.record_words)}<br>"
            f"Reason: {reason}"
        )
        self.summary.setToolTip(f"{entry.record_type_name} id {entry.record_id}")
        changes = entry.readable
        self.changes.setRowCount(len(changes))
        for row, change in enumerate(changes):
            for column, shown, stored in (
                (0, change.label, change.field),
                (1, change.old, value_text(change.old_stored)),
                (2, change.new, value_text(change.new_stored)),
            ):
                item = cell(shown)
                item.setToolTip(f"As stored: {stored}")
                self.changes.setItem(row, column, item)
        self.record_trail.setEnabled(True)
