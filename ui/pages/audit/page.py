"""The Audit trail section: filter the trail, read each event's old and new values, export it
as CSV or PDF, and verify the hash chain (DESIGN.md §5, §7).

The table is a model that loads pages from ``app.audit.queries.search_audit`` as the view
scrolls (or "Load more" is pressed): never the whole trail at once. Every read runs through the
task runner; exports run on the single writer because each one records an audit event.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QStandardPaths,
    Qt,
)
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.audit import (
    COUNT_CAP,
    PAGE_SIZE,
    AuditEventPage,
    AuditExport,
    AuditFilter,
    Reconciliation,
    audited_record_types,
    export_audit_csv,
    export_audit_pdf,
    record_type_name,
    verify_with_records,
)
from app.core import (
    Actor,
    AuditVerification,
    Database,
    verification_in_words,
)
from ui.pages.audit.views import (
    COLUMNS,
    MAX_COLUMN_WIDTH,
    WINDOW_ROWS,
    AuditTableModel,
    EventDetail,
    utc_editor,
    utc_minute,
)
from ui.tasks import TaskRunner, WriteOp
from ui.widgets import describe, message_line, show_failed, show_failure, show_message

_REPORT = " Report this to QA at once."
RECORD_COLUMN = [title for title, _ in COLUMNS].index("Record")
REASON_SHARE = 320
"""Pixels the Reason column keeps when the Record column is widened into spare width."""


def _verified_with_records(database: Database) -> tuple[AuditVerification, Reconciliation]:
    """The chain and every record verified in one walk (on a worker thread)."""
    result = verify_with_records(database)
    assert result.reconciliation is not None
    return result, result.reconciliation


class AuditTrailPage(QWidget):
    """Filter, read, export and verify the audit trail."""

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        *,
        page_size: int = PAGE_SIZE,
        window: int = WINDOW_ROWS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("page-audit")
        self.database = database
        self.actor = actor
        self.runner = runner
        self.last_export: AuditExport | None = None
        self.last_verification: AuditVerification | None = None
        self.last_reconciliation: Reconciliation | None = None
        self._record_wanted = 0  # the Record column's width for its words (0: none yet)
        self._build()
        self.model = AuditTableModel(
            database, actor, runner, page_size=page_size, window=window, parent=self
        )
        self.model.page_loaded.connect(self._page_loaded)
        self.model.failed.connect(self._search_failed)
        self.model.shifted.connect(self._keep_place)
        self.model.rowsAboutToBeInserted.connect(self._note_place)
        self.model.rowsAboutToBeRemoved.connect(self._note_place)
        self._place: int | None = None
        self._placing = False
        self._letting_go = False
        self.table.setModel(self.model)
        self.table.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.detail.record_trail.clicked.connect(self.trail_of_record)
        self.search()

    # ---------------------------------------------------------------- building
    def _line(self, name: str, placeholder: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setPlaceholderText(placeholder)
        field.setClearButtonEnabled(True)
        return field

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _filter_box(self) -> QGroupBox:
        box = QGroupBox("Filter — press Enter in any field to search")
        grid = QGridLayout(box)
        self.case_field = self._line("caseFilter", "COI, e.g. CH G1234 26 000001")
        widest = self.case_field.fontMetrics().horizontalAdvance("CH G1234 26 000000 [W]")
        self.case_field.setMinimumWidth(widest + 48)  # room for the clear button
        self.user_field = self._line("userFilter", "user name, e.g. otto.operator")
        self.record_id_field = self._line("recordIdFilter", "record id")
        self.action_field = self._line("actionFilter", "words in the action, e.g. sign")
        self.record_type = QComboBox()
        self.record_type.setObjectName("recordTypeFilter")
        self.record_type.addItem("Any record type", "")
        for record_type in audited_record_types():
            self.record_type.addItem(record_type_name(record_type), record_type)
        now = datetime.now(UTC)
        self.from_check = QCheckBox("From")
        self.from_check.setObjectName("fromEnabled")
        self.from_time = utc_editor("fromTime", now - timedelta(days=1))
        self.to_check = QCheckBox("To")
        self.to_check.setObjectName("toEnabled")
        self.to_time = utc_editor("toTime", now + timedelta(minutes=1))
        self.to_time.setToolTip("Up to and including this minute")
        self.from_check.toggled.connect(self.from_time.setEnabled)
        self.to_check.toggled.connect(self.to_time.setEnabled)
        fields: tuple[tuple[int, int, str, QWidget, int], ...] = (
            (0, 0, "Case", self.case_field, 1),
            (0, 2, "User", self.user_field, 1),
            (0, 4, "Record type", self.record_type, 1),
            (1, 0, "Action", self.action_field, 1),
            (1, 2, "Record id", self.record_id_field, 3),
        )
        for row, column, text, widget, span in fields:
            grid.addWidget(QLabel(text), row, column)
            grid.addWidget(widget, row, column + 1, 1, span)
        times = QHBoxLayout()
        for check, editor in ((self.from_check, self.from_time), (self.to_check, self.to_time)):
            times.addWidget(check)
            times.addWidget(editor)
        times.addStretch(1)
        self.search_button = self._button("Search", "searchAudit", self.search)
        self.clear_button = self._button("Clear", "clearFilter", self.clear_filter)
        times.addWidget(self.search_button)
        times.addWidget(self.clear_button)
        grid.addLayout(times, 2, 0, 1, 6)
        for column in (1, 3, 5):
            grid.setColumnStretch(column, 1)
        self._filter_fields: tuple[QWidget, ...] = (
            self.case_field,
            self.user_field,
            self.record_id_field,
            self.action_field,
            self.record_type,
            self.from_time,
            self.to_time,
        )
        for field in self._filter_fields:
            field.installEventFilter(self)
        self.filter_box = box
        return box

    def _export_controls(self) -> None:
        """The "Save as CSV…" and "Save as PDF…" buttons and the busy bar of an export."""
        self.export_csv = self._button("Save as CSV…", "exportCsv", lambda: self.export("csv"))
        self.export_pdf = self._button("Save as PDF…", "exportPdf", lambda: self.export("pdf"))
        for button, kind in ((self.export_csv, "CSV"), (self.export_pdf, "PDF")):
            button.setToolTip(f"Export the events of this search to a {kind} file you choose")
        self.export_progress = QProgressBar()
        self.export_progress.setObjectName("exportProgress")
        self.export_progress.setRange(0, 0)  # busy: written off the GUI thread
        self.export_progress.setMaximumWidth(140)
        self.export_progress.setTextVisible(False)
        self.export_progress.hide()

    def _build(self) -> None:
        title = QLabel("Audit trail")
        title.setObjectName("pageTitle")
        self.scope = QLabel()
        self.scope.setObjectName("auditScope")
        tools = QHBoxLayout()
        self.count = QLabel()
        self.count.setObjectName("auditCount")
        self.load_more = self._button("Load more", "loadMore", self.fetch_more)
        self._export_controls()
        self.verify_button = self._button("Verify the audit chain", "verifyChain", self.verify)
        tools.addWidget(self.count)
        tools.addStretch(1)
        tools.addWidget(self.export_progress)
        for button in (self.load_more, self.export_csv, self.export_pdf, self.verify_button):
            tools.addWidget(button)
        self.message = message_line()
        self.ok_result = QLabel()
        self.ok_result.setObjectName("okMessage")
        self.broken_result = QLabel()
        self.broken_result.setObjectName("errorMessage")
        for label in (self.ok_result, self.broken_result):
            label.setWordWrap(True)
            label.hide()
        self.result = self.ok_result

        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.detail = EventDetail()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 260])
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addSpacing(12)
        heading.addWidget(self.scope, stretch=1, alignment=Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(heading)
        layout.addWidget(self._filter_box())
        layout.addLayout(tools)
        for label in (self.message, self.ok_result, self.broken_result):
            layout.addWidget(label)
        layout.addWidget(splitter, stretch=1)

    # ---------------------------------------------------------------- searching
    def current_filter(self) -> AuditFilter:
        """The filter as typed in the fields."""
        since = utc_minute(self.from_time) if self.from_check.isChecked() else None
        until = None
        if self.to_check.isChecked():
            until = utc_minute(self.to_time) + timedelta(minutes=1)  # the whole minute shown
        return AuditFilter(
            case=self.case_field.text(),
            username=self.user_field.text(),
            record_type=str(self.record_type.currentData() or ""),
            record_id=self.record_id_field.text(),
            action=self.action_field.text(),
            since=since,
            until=until,
        )

    def search(self) -> None:
        """Read the first page of events matching the fields."""
        self.message.hide()
        self.count.setText("Searching…")
        self.load_more.setEnabled(False)
        self.detail.clear()
        self.model.set_filter(self.current_filter())

    def clear_filter(self) -> None:
        """Empty every field and show the whole trail again."""
        for field in (self.case_field, self.user_field, self.record_id_field, self.action_field):
            field.clear()
        self.record_type.setCurrentIndex(0)
        self.from_check.setChecked(False)
        self.to_check.setChecked(False)
        self.search()

    def trail_of_record(self) -> None:
        """Filter by the selected event's record only."""
        entry = self.detail.entry
        if entry is None:
            return
        for field in (self.case_field, self.user_field, self.action_field):
            field.clear()
        self.from_check.setChecked(False)
        self.to_check.setChecked(False)
        self.record_type.setCurrentIndex(max(0, self.record_type.findData(entry.record_type)))
        self.record_id_field.setText(entry.record_id)
        self.search()

    def fetch_more(self) -> None:
        """Load the next page of matching events."""
        if self.model.canFetchMore():
            self.load_more.setEnabled(False)
            self.model.fetchMore()

    def _note_place(self, _parent: QModelIndex, first: int, last: int) -> None:
        """The event at the top of the view before rows come in or go at the window's start;
        the event selected let go (not moved to a neighbour, which would scroll the view to
        the window's edge) when the window drops it. Its detail stays shown."""
        current = self.table.selectionModel().currentIndex()
        if current.isValid() and first <= current.row() <= last:
            self._letting_go = True
            self.table.selectionModel().clear()
            self._letting_go = False
        row = self.table.rowAt(0)
        if first == 0 and self._place is None and 0 <= row < len(self.model.rows):
            self._place = self.model.rows[row].seq

    def _keep_place(self, _rows: int) -> None:
        """Rows came in or went above the view: the same event stays at its top."""
        place, self._place = self._place, None
        row = next((i for i, e in enumerate(self.model.rows) if e.seq == place), None)
        if row is None:
            return
        self._placing = True  # a place kept is not the reader scrolling to the top
        self.table.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        self._placing = False

    def _scrolled(self, value: int) -> None:
        """Back at the top of a window that dropped the newest events: read them back."""
        at_top = value == self.table.verticalScrollBar().minimum()
        if at_top and not self._placing and self.model.can_fetch_newer():
            self.model.fetch_newer()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in any filter field searches; the field still gets its key."""
        if (
            watched in self._filter_fields
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in {Qt.Key.Key_Return, Qt.Key.Key_Enter}
        ):
            self.search()
        return super().eventFilter(watched, event)

    def _page_loaded(self, page: AuditEventPage) -> None:
        self.scope.setText(f"You see {page.scope}. Newest first.")
        self._update_count()
        wanted: dict[int, int] = {}
        for column in range(len(COLUMNS) - 1):
            self.table.resizeColumnToContents(column)
            wanted[column] = self.table.columnWidth(column)
            if wanted[column] > MAX_COLUMN_WIDTH:
                self.table.setColumnWidth(column, MAX_COLUMN_WIDTH)
        self._record_wanted = wanted[RECORD_COLUMN]
        self._fit_record_column()
        first_page = self.model.above == 0 and len(self.model.rows) <= self.model.page_size
        if first_page and self.model.rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _fit_record_column(self) -> None:
        """Give the Record column ("Stage record · QC / pending release · COI CH …") the width
        a wide window has to spare, up to its words, leaving the Reason column its share; at
        1280 it keeps its cap and the full words show below the table (issue 16)."""
        wanted = self._record_wanted
        base = min(wanted, MAX_COLUMN_WIDTH)
        others = sum(
            self.table.columnWidth(c) for c in range(len(COLUMNS) - 1) if c != RECORD_COLUMN
        )
        spare = self.table.viewport().width() - others - base - REASON_SHARE
        self.table.setColumnWidth(RECORD_COLUMN, base + max(0, min(spare, wanted - base)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        """The Record column follows the window's width (see `_fit_record_column`)."""
        super().resizeEvent(event)
        if self._record_wanted:
            self._fit_record_column()

    def _update_count(self) -> None:
        total = self.model.total or 0
        noun = "event" if total == 1 else "events"
        held, above = len(self.model.rows), self.model.above
        shown = f"{above + 1}–{above + held}" if above else str(held)
        if self.model.more:  # counted up to the cap only: a count of a long trail is slow
            self.count.setText(f"{shown} of more than {COUNT_CAP:,} events shown".replace(",", " "))
        else:
            self.count.setText(f"{shown} of {total} {noun} shown")
        self.load_more.setEnabled(self.model.canFetchMore())

    def _search_failed(self, error: BaseException) -> None:
        self.count.setText("")
        self.load_more.setEnabled(False)
        show_failure(self.message, error, "The audit trail could not be searched")

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._letting_go:
            return
        entry = self.model.entry(current.row())
        if entry is None:
            self.detail.clear()
        else:
            self.detail.show_entry(entry)

    # ---------------------------------------------------------------- exporting
    def export(self, kind: str) -> None:
        """Ask where to save, then export the events of the current search as CSV or PDF."""
        audit_filter = self.model.audit_filter
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        suggested = str(Path(folder or Path.home()) / f"audit-trail-{stamp}.{kind}")
        label = "CSV files (*.csv)" if kind == "csv" else "PDF files (*.pdf)"
        chosen, _selected = QFileDialog.getSaveFileName(
            self, f"Save the audit trail as {kind.upper()}", suggested, label
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != f".{kind}":
            path = path.with_name(f"{path.name}.{kind}")
        writer = export_audit_csv if kind == "csv" else export_audit_pdf
        WriteOp(
            partial(writer, self.database, self.actor, audit_filter, path),
            doing="The audit trail was not exported",
            changes={"audit export"},
        ).busy(self._set_exporting).success(self._exported).failure(
            lambda failure: show_failed(self.message, failure)
        ).run(self.runner)

    def _set_exporting(self, busy: bool) -> None:
        self.export_progress.setVisible(busy)
        for button in (self.export_csv, self.export_pdf):
            button.setEnabled(not busy)
        if busy:
            total = self.model.total
            what = f"{total} events" if total is not None else "the events"
            show_message(self.message, f"Exporting {what} of this search…", ok=True)

    def _exported(self, export: AuditExport) -> None:
        self.last_export = export
        noun = "event" if export.events == 1 else "events"
        show_message(
            self.message,
            f"✔ {export.events} {noun} exported to {export.path} "
            f"(SHA-256 {export.sha256[:16]}…). The export is recorded in the audit trail.",
            ok=True,
        )

    # ---------------------------------------------------------------- verifying
    def verify(self) -> None:
        """Re-walk the whole chain and reconcile the records in the background; show both."""
        self.verify_button.setEnabled(False)
        self.result.hide()
        database = self.database
        self.runner.read(
            lambda _task: _verified_with_records(database),
            self._verified,
            self._fail,
        )

    def _verified(self, outcome: tuple[AuditVerification, Reconciliation]) -> None:
        trail, records = outcome
        self.verify_button.setEnabled(True)
        self.last_verification = trail
        self.last_reconciliation = records
        chain = replace(trail, record_mismatches=())  # the records are said in their own words
        if trail.ok:
            self._show(True, f"{verification_in_words(chain)} {records.words()}")
            return
        found = [] if chain.ok else [verification_in_words(chain).removesuffix(_REPORT)]
        if not records.ok:
            found.append(f"✖ {records.words()}")
        self._show(False, " ".join([*found, _REPORT.strip()]))

    def _fail(self, error: BaseException) -> None:
        self.verify_button.setEnabled(True)
        title, text = describe(error)
        self._show(False, f"✖ {title}: {text}")

    def _show(self, ok: bool, text: str) -> None:
        self.result.hide()
        self.result = self.ok_result if ok else self.broken_result
        self.result.setText(text)
        self.result.show()
