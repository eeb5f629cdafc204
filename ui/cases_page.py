"""The Cases section: search and filter the case list, and read one case's journey.

The list is a table model that loads pages from ``app.case_queries.list_cases`` as the view
scrolls (``canFetchMore``/``fetchMore``): never every case at once. Selecting a case shows its
header, its vein-to-vein timeline and its container genealogy. The patient's name appears only
for roles allowed to see identity — the services leave it out for everyone else.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.actor import Actor
from app.case_history import CaseDetail, GenealogyNode, TimelineEntry, case_detail
from app.case_queries import PAGE_SIZE, CasePage, CaseRow, CaseStage, SideState, list_cases
from app.database import Database
from app.journey.stages import STAGE_NAMES, STAGE_ORDER
from app.permissions import may_see_identity
from ui.messages import describe
from ui.tasks import TaskRunner

SEARCH_DELAY_MS = 300
"""Typing pauses this long before the list is searched again."""

AnyIndex = QModelIndex | QPersistentModelIndex


def side_state_text(state: SideState) -> str:
    """A side state in words; an em dash for none."""
    return "—" if state is SideState.NONE else state.value.replace("_", " ").capitalize()


def when_text(moment: datetime | None) -> str:
    """A UTC moment as the screens print it."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


Column = tuple[str, Callable[[CaseRow], str]]
COLUMNS: tuple[Column, ...] = (
    ("COI", lambda row: row.coi_eye_readable),
    ("Stage", lambda row: row.stage_name),
    ("Side state", lambda row: side_state_text(row.side_state)),
    ("Enrolled", lambda row: when_text(row.enrolled_at)),
    ("Clinic", lambda row: row.clinic_site),
    ("Manufacturer", lambda row: row.manufacturing_site),
)
PATIENT_COLUMN: Column = ("Patient", lambda row: row.patient_name or "—")


class CaseTableModel(QAbstractTableModel):
    """The visible cases, loaded a page at a time in the background as the view needs them."""

    page_loaded = Signal()
    failed = Signal(object)

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        *,
        page_size: int = PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.actor = actor
        self.runner = runner
        self.page_size = page_size
        columns = list(COLUMNS)
        if may_see_identity(actor):
            columns.insert(1, PATIENT_COLUMN)
        self.columns = tuple(columns)
        self.rows: list[CaseRow] = []
        self.total: int | None = None
        self.search = ""
        self.stage: CaseStage | None = None
        self.loading = False
        self._generation = 0
        self._ids: set[uuid.UUID] = set()

    # ---------------------------------------------------------------- Qt model
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Rows loaded so far."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """One column per field shown."""
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The text of a cell; the case id under ``UserRole``."""
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in {Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole}:
            return self.columns[index.column()][1](row)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
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
        """True while more cases match than are loaded and no page is on its way."""
        if parent.isValid() or self.loading or self.total is None:
            return False
        return len(self.rows) < self.total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        """Ask for the next page (it arrives later, on the GUI thread)."""
        if self.canFetchMore(parent):
            self._fetch()

    # ---------------------------------------------------------------- loading
    def set_query(self, search: str, stage: CaseStage | None) -> None:
        """Start again from the first page with a new search and stage filter."""
        self._generation += 1
        self.beginResetModel()
        self.search, self.stage = search, stage
        self.rows, self._ids, self.total, self.loading = [], set(), None, False
        self.endResetModel()
        self._fetch()

    def case_id(self, row: int) -> uuid.UUID | None:
        """The id of the case on ``row``."""
        return self.rows[row].id if 0 <= row < len(self.rows) else None

    def _fetch(self) -> None:
        self.loading = True
        generation, offset = self._generation, len(self.rows)
        search, stage, size = self.search, self.stage, self.page_size

        def work(_task: object) -> CasePage:
            return list_cases(
                self.database, self.actor, search=search, stage=stage, offset=offset, limit=size
            )

        self.runner.read(
            work,
            lambda page: self._arrived(generation, page),
            lambda error: self._failed(generation, error),
        )

    def _arrived(self, generation: int, page: CasePage) -> None:
        if generation != self._generation:
            return  # an answer to a search that has since changed
        self.loading = False
        self.total = page.total
        fresh = [row for row in page.rows if row.id not in self._ids]
        if fresh:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self.rows.extend(fresh)
            self._ids.update(row.id for row in fresh)
            self.endInsertRows()
        if not page.rows:
            self.total = len(self.rows)  # the list shrank since the count: stop asking
        self.page_loaded.emit()

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.loading = False
            self.failed.emit(error)


class CaseDetailView(QWidget):
    """Header, vein-to-vein timeline and genealogy of one case."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: CaseDetail | None = None
        self.header = QLabel("Select a case to see its journey.")
        self.header.setObjectName("caseHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.timeline = WrappingTree("timeline")
        self.genealogy = WrappingTree("genealogy")
        self.genealogy.setIndentation(16)

        columns = QSplitter(Qt.Orientation.Horizontal)
        columns.addWidget(_titled("Vein-to-vein timeline", self.timeline))
        columns.addWidget(_titled("Genealogy", self.genealogy))
        columns.setStretchFactor(0, 3)
        columns.setStretchFactor(1, 2)
        columns.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(columns, stretch=1)

    def clear(self, message: str = "Select a case to see its journey.") -> None:
        """Show nothing but ``message``."""
        self.detail = None
        self.header.setText(message)
        self.timeline.clear()
        self.genealogy.clear()

    def show_detail(self, detail: CaseDetail) -> None:
        """Show ``detail``."""
        self.detail = detail
        case = detail.case
        lines = [
            f"<span class='coi'><b>{case.coi_eye_readable}</b></span>",
            f"Stage: <b>{case.stage_name}</b>",
        ]
        if case.side_state is not SideState.NONE:
            reason = f" — {case.side_state_reason}" if case.side_state_reason else ""
            lines.append(f"⚠ <b>{side_state_text(case.side_state)}</b>{reason}")
        else:
            lines.append("Side state: none")
        top = " &nbsp;·&nbsp; ".join(lines)
        second = (
            f"{case.product_name} &nbsp;·&nbsp; Clinic: {case.clinic_site} &nbsp;·&nbsp; "
            f"Manufacturer: {case.manufacturing_site} &nbsp;·&nbsp; "
            f"Enrolled {when_text(case.enrolled_at)}"
        )
        patient = ""
        if case.patient is not None:
            patient = (
                f"<br>Patient: <b>{case.patient.display_name}</b> &nbsp;·&nbsp; born "
                f"{case.patient.date_of_birth:%Y-%m-%d} &nbsp;·&nbsp; hospital number "
                f"{case.patient.hospital_number}"
            )
        self.header.setText(f"{top}<br>{second}{patient}")
        self._show_timeline(detail.timeline)
        self._show_genealogy(detail.genealogy)

    def _show_timeline(self, entries: tuple[TimelineEntry, ...]) -> None:
        self.timeline.clear()
        for entry in entries:
            who = entry.performed_by
            if entry.verified_by:
                who += f", verified by {entry.verified_by}"
            item = _item(
                f"{when_text(entry.occurred_at)} · {entry.stage_name}\n"
                f"{entry.action.capitalize()} — {who}, at {entry.site}"
            )
            item.setData(0, Qt.ItemDataRole.UserRole, entry.action)
            for signature in entry.signatures:
                item.addChild(_item(f"✔ Signed: {signature}"))
            if entry.cold_chain is not None:
                mark = "✔" if entry.cold_chain.verdict == "within_limits" else "⚠"
                item.addChild(_item(f"{mark} {entry.cold_chain.words}"))
                for signature in entry.cold_chain.signatures:
                    item.addChild(_item(f"✔ Signed: {signature}"))
            details = "; ".join(f"{key}: {_value(value)}" for key, value in entry.details.items())
            if details:
                full = "; ".join(f"{key}: {value}" for key, value in entry.details.items())
                child = _item(f"Details — {details}")
                child.setToolTip(0, f"Details — {full}")
                item.addChild(child)
            self.timeline.addTopLevelItem(item)
        self.timeline.expandAll()

    def _show_genealogy(self, nodes: tuple[GenealogyNode, ...]) -> None:
        self.genealogy.clear()
        by_id = {node.unit_id: node for node in nodes}
        children: dict[uuid.UUID, list[GenealogyNode]] = {}
        roots = []
        for node in nodes:
            parents = [p for p in node.parent_ids if p in by_id]
            for parent in parents:
                children.setdefault(parent, []).append(node)
            if not parents:
                roots.append(node)

        def add(node: GenealogyNode, under: QTreeWidgetItem | None, path: set[uuid.UUID]) -> None:
            state = node.status.value.replace("_", " ").capitalize()
            if node.side_state is not SideState.NONE:
                state += f" · ⚠ {side_state_text(node.side_state)}"
            item = _item(f"{node.kind_name}\nDIN {node.din_eye_readable} · {state}")
            item.setData(0, Qt.ItemDataRole.UserRole, str(node.unit_id))
            if under is None:
                self.genealogy.addTopLevelItem(item)
            else:
                under.addChild(item)
            for child in children.get(node.unit_id, []):
                if child.unit_id not in path:  # a genealogy is a tree; never loop
                    add(child, item, path | {child.unit_id})

        for root in roots:
            add(root, None, {root.unit_id})
        self.genealogy.expandAll()


TEXT_MARGIN = 12
"""Room the item's text leaves beside it (focus frame and text margins)."""


class _WrappingDelegate(QStyledItemDelegate):
    """Row heights that fit the item's text wrapped to the tree's width."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        """The wrapped text's height at the width the item has."""
        depth = 1 if self.tree.rootIsDecorated() else 0
        parent = index.parent()
        while parent.isValid():
            depth += 1
            parent = parent.parent()
        width = self.tree.viewport().width() - depth * self.tree.indentation() - TEXT_MARGIN
        width = max(width, 80)
        bounds = QRect(0, 0, width, 1_000_000)
        text = str(index.data() or "")
        height = option.fontMetrics.boundingRect(bounds, WRAP, text).height()
        return QSize(width, height + 6)


WRAP = int(Qt.TextFlag.TextWordWrap.value)


class WrappingTree(QTreeWidget):
    """A one-column tree whose items wrap to its width: nothing is cut off at the side."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setColumnCount(1)
        self.setHeaderHidden(True)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        self.setAlternatingRowColors(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.header().setStretchLastSection(True)
        self.setItemDelegate(_WrappingDelegate(self))

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Wrap again: row heights depend on the width."""
        super().resizeEvent(event)
        self.doItemsLayout()


def _item(text: str) -> QTreeWidgetItem:
    item = QTreeWidgetItem([text])
    item.setToolTip(0, text)
    return item


def _titled(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    caption = QLabel(title)
    caption.setObjectName("sectionTitle")
    layout.addWidget(caption)
    layout.addWidget(widget, stretch=1)
    return box


LONG_TOKEN = 40


def _value(value: object) -> str:
    """A detail value in words; a long unbroken token (a SHA-256) shortened (the tooltip has it)."""
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "none"
    text = str(value)
    if len(text) > LONG_TOKEN and " " not in text:
        return f"{text[:16]}…"
    return text


class CasesPage(QWidget):
    """Search the visible cases and read one case's journey."""

    detail_loaded = Signal()

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        *,
        page_size: int = PAGE_SIZE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("page-cases")
        self.database = database
        self.actor = actor
        self.runner = runner
        self._shown_case: uuid.UUID | None = None

        self._build()
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self.refresh)
        self.stage.currentIndexChanged.connect(self.refresh)
        self.model = CaseTableModel(database, actor, runner, page_size=page_size, parent=self)
        self.model.page_loaded.connect(self._page_loaded)
        self.model.failed.connect(self._show_error)
        self.table.setModel(self.model)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.refresh()

    def _build(self) -> None:
        title = QLabel("Cases")
        title.setObjectName("pageTitle")
        self.search = QLineEdit()
        self.search.setObjectName("caseSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(
            "Search by COI, hospital number or family name"
            if may_see_identity(self.actor)
            else "Search by COI (with or without spaces)"
        )
        self.stage = QComboBox()
        self.stage.setObjectName("stageFilter")
        self.stage.addItem("All stages", None)
        for stage in STAGE_ORDER:
            self.stage.addItem(STAGE_NAMES[stage], stage.value)
        self.count = QLabel()
        self.count.setObjectName("caseCount")
        self.error = QLabel()
        self.error.setObjectName("errorMessage")
        self.error.setWordWrap(True)
        self.error.hide()
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Search:"))
        filters.addWidget(self.search, stretch=1)
        filters.addWidget(QLabel("Stage:"))
        filters.addWidget(self.stage)
        filters.addWidget(self.count)

        self.table = QTableView()
        self.table.setObjectName("caseTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.detail = CaseDetailView()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([240, 520])  # about six cases listed; the journey gets the rest
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(filters)
        layout.addWidget(self.error)
        layout.addWidget(splitter, stretch=1)

    def refresh(self) -> None:
        """Reload the list from the first page with the current search and stage."""
        self._search_timer.stop()
        value = self.stage.currentData()
        self.error.hide()
        self.count.setText("Loading…")
        self.model.set_query(self.search.text(), CaseStage(value) if value else None)
        self.detail.clear()
        self._shown_case = None

    def _page_loaded(self) -> None:
        total = self.model.total or 0
        noun = "case" if total == 1 else "cases"
        self.count.setText(f"{len(self.model.rows)} of {total} {noun} shown")
        for column in range(self.model.columnCount()):
            self.table.resizeColumnToContents(column)
        if self.model.rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        case_id = self.model.case_id(current.row())
        if case_id is None or case_id == self._shown_case:
            return
        self._shown_case = case_id
        self.detail.clear("Loading the case…")

        def work(_task: object) -> CaseDetail:
            return case_detail(self.database, self.actor, case_id)

        def done(detail: CaseDetail) -> None:
            if self._shown_case == case_id:
                self.detail.show_detail(detail)
                self.detail_loaded.emit()

        self.runner.read(work, done, self._show_error)

    def _show_error(self, error: BaseException) -> None:
        title, text = describe(error)
        self.error.setText(f"✖ {title}: {text}")
        self.error.show()
        self.count.setText("")
