"""The Cases section: search and filter the case list, and read one case's journey.

The list is a table model that loads pages from ``app.casefile.queries.list_cases`` as the view
scrolls (``canFetchMore``/``fetchMore``): never every case at once. Selecting a case shows its
header, its vein-to-vein timeline and its container genealogy (``detail``); the case can be
sent to its partner site as a signed bundle, and a partner's bundle imported. The patient's
name appears only for roles allowed to see identity — the services leave it out for everyone
else.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from PySide6.QtCore import (
    QModelIndex,
    QObject,
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
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.access import may_see_identity
from app.audit import Reconciliation, reconcile_cases
from app.casefile import (
    PAGE_SIZE,
    CaseDetail,
    CasePage,
    CaseRow,
    CaseStage,
    Role,
    SideState,
    SignatureMeaning,
    case_detail,
    list_cases,
)
from app.core import Actor, Database
from app.exchange import BundlePartner, bundle_partner
from app.journey import STAGE_NAMES, STAGE_ORDER, IdentityErasure, erase_identity
from app.reports import save_custody_report
from ui.dialogs import PartnerExchange, ReportSaver, StatementDialog, ask_password, ask_statement
from ui.pages.cases.detail import CaseDetailView, side_state_text, units_stopped, when_text
from ui.pages.cases.holds import UnitHolds
from ui.tasks import Failure, TaskRunner, WriteOp
from ui.widgets import PagedTableModel, coi_words, describe

SEARCH_DELAY_MS = 300
"""Typing pauses this long before the list is searched again."""


Column = tuple[str, Callable[[CaseRow], str]]


def side_state_cell(row: CaseRow) -> str:
    """The case's side state; for a usable case with a container held, that container's
    state and why (the "—" said nothing of it, issue 16 review)."""
    if row.side_state is SideState.NONE and row.units_stopped:
        return f"⚠ {row.units_stopped}"
    return side_state_text(row.side_state)


COLUMNS: tuple[Column, ...] = (
    ("COI", lambda row: row.coi_eye_readable),
    ("Stage", lambda row: row.stage_name),
    ("Side state", side_state_cell),
    ("Enrolled", lambda row: when_text(row.enrolled_at)),
    ("Clinic", lambda row: row.clinic_site),
    ("Manufacturer", lambda row: row.manufacturing_site),
)
PATIENT_COLUMN: Column = ("Patient", lambda row: row.patient_name or "—")


SITE_COLUMNS = ("Clinic", "Manufacturer")
"""The list's columns narrowed first when it is wider than the page."""
NO_CASE_FOUND = "No case matches the search or the stage chosen."
NO_CASE_YET = "No case yet."
LIST_ROWS = 8
"""Cases the list keeps room for when a case opens (issue 16: a clinic role saw two and a
half at 1280 × 800); the case's detail gets the rest, or takes what it needs from them."""
ROW_PADDING = 6
"""A case row's height beyond its line of text (Qt's default row was a third taller)."""
SITE_COLUMN_LEAST = 90
"""The narrowest a site column gets (its name elided, whole in the detail below)."""
SIDE_STATE_LEAST = 150
"""The narrowest the side-state column gets once the sites are narrowed: its state still
shows ("⚠ Quarantined (…"), the rest in its tooltip and the case's header."""


ERASE_TIP = (
    "GDPR erasure: the patient's name, date of birth and hospital number become "
    "unreadable everywhere; the case, COI and audit trail stay (clinic coordinator)"
)
ERASED_TIP = "This patient's identity is erased already: there is nothing left to erase."


class CaseTableModel(PagedTableModel):
    """The visible cases, loaded a page at a time in the background as the view needs them."""

    def __init__(
        self,
        database: Database,
        actor: Actor,
        runner: TaskRunner,
        *,
        page_size: int = PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        columns = list(COLUMNS)
        if may_see_identity(actor):
            columns.insert(1, PATIENT_COLUMN)
        super().__init__(runner, columns, page_size=page_size, parent=parent)
        self.database = database
        self.actor = actor
        self.search = ""
        self.stage: CaseStage | None = None

    def page_reader(self, offset: int, limit: int) -> Callable[[], CasePage]:
        """Read one page of the cases matching the current search and stage."""
        database, actor, search, stage = self.database, self.actor, self.search, self.stage
        return lambda: list_cases(
            database, actor, search=search, stage=stage, offset=offset, limit=limit
        )

    def row_key(self, row: CaseRow) -> uuid.UUID:
        """Cases are told apart by their id (also what ``UserRole`` gives)."""
        return row.id

    def set_query(self, search: str, stage: CaseStage | None) -> None:
        """Start again from the first page with a new search and stage filter."""
        self.search, self.stage = search, stage
        self.restart()

    def case_id(self, row: int) -> uuid.UUID | None:
        """The id of the case on ``row``."""
        case: CaseRow | None = self.row_at(row)
        return case.id if case is not None else None


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
        self._list_fitted = False
        self.holds = UnitHolds(database, actor, runner)
        self.holds.changed.connect(self._hold_changed)
        self.holds.failed.connect(self._hold_failed)

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
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().lineSpacing() + ROW_PADDING
        )
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.detail = CaseDetailView(under_genealogy=self.holds)
        splitter = self.splitter = QSplitter(Qt.Orientation.Vertical)
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
        self.report = ReportSaver(
            self.runner,
            "Chain-of-custody report…",
            object_name="custodyReport",
            dialog_title="Save the chain-of-identity and custody report as",
        )
        self._action_row(layout)

    def _action_row(self, layout: QVBoxLayout) -> None:
        """The report and the partner exchange in one row: a row less keeps a QA's case page
        (with its hold buttons) inside a 1280 × 800 window. The exchange's result line goes
        under the row, across the page, as do the report's and the page's notices."""
        self.exchange = PartnerExchange(self.database, self.actor, self.runner)
        self.exchange.imported.connect(lambda _result: self.refresh())
        actions = self._actions()
        actions.addWidget(self.exchange, stretch=1)
        layout.addLayout(actions)
        # The result lines go under the row, across the page: in the row they were narrow,
        # tall boxes squeezed between the buttons (issue 16 review at 1280 × 800).
        layout.addWidget(self.notice)
        for widget, line in (
            (self.report, self.report.message),
            (self.exchange, self.exchange.message),
        ):
            inner = widget.layout()
            assert inner is not None
            inner.removeWidget(line)
            layout.addWidget(line)

    def _room_for_detail(self) -> None:
        """Give the case's detail the height it needs (its wrapped header, chart and holds),
        taken from the list above: a splitter does not do it by itself when a case opens, and
        the chart then overlapped the timeline at 1280 × 800. When the case first opens the
        list keeps no more than ``LIST_ROWS`` rows: the timeline and genealogy showed two rows
        under a list of one case and a blank band (issue 16 review)."""
        need = self.detail.minimumSizeHint().height()
        need += self.detail.header.heightForWidth(self.detail.header.width())
        need -= self.detail.header.minimumSizeHint().height()
        table, detail = self.splitter.sizes()
        least = self.table.minimumSizeHint().height()
        if not self._list_fitted:
            self._list_fitted = True
            rows = max(1, min(self.model.rowCount(), LIST_ROWS))
            wanted = max(least, self.table.horizontalHeader().height() + 4)
            wanted += rows * self.table.verticalHeader().defaultSectionSize()
            wanted += self.table.horizontalScrollBar().sizeHint().height() * (
                self.table.horizontalScrollBar().maximum() > 0
            )
            # that many rows, as far as the detail keeps what it needs (a short list gives
            # the rest to the detail; a long one grows to them: issue 16)
            fitted = max(least, min(wanted, table + detail - need))
            table, detail = fitted, table + detail - fitted
            self.splitter.setSizes([table, detail])
        if detail < need and table + detail > need:
            self.splitter.setSizes([max(least, table + detail - need), need])

    def _actions(self) -> QHBoxLayout:
        """The custody report and, for a clinic coordinator, the erasure of an identity."""
        actions = QHBoxLayout()
        actions.addWidget(self.report, stretch=1)
        self.erase = QPushButton("Erase patient identity…")
        self.erase.setObjectName("eraseIdentity")
        self.erase.setToolTip(ERASE_TIP)
        self.erase.setVisible(self.actor.has_role(Role.CLINIC_COORDINATOR))
        self.erase.setEnabled(False)
        self.erase.clicked.connect(self.erase_identity)
        actions.addWidget(self.erase)
        self.notice = QLabel()
        self.notice.setObjectName("okMessage")
        self.notice.setWordWrap(True)
        self.notice.hide()
        return actions

    def refresh(self) -> None:
        """Reload the list from the first page with the current search and stage."""
        self._search_timer.stop()
        value = self.stage.currentData()
        self.error.hide()
        self.count.setText("Loading…")
        self.model.set_query(self.search.text(), CaseStage(value) if value else None)
        self.detail.clear()
        self.holds.clear()
        self._shown_case = None
        self._shown_coi = ""
        self.erase.setEnabled(False)
        self.report.offer(None)
        self.exchange.offer(None)

    def _page_loaded(self, _page: object = None) -> None:
        total = self.model.total or 0
        noun = "case" if total == 1 else "cases"
        self.count.setText(f"{len(self.model.rows)} of {total} {noun} shown")
        for column in range(self.model.columnCount()):
            self.table.resizeColumnToContents(column)
        self.fit_columns()
        if self.model.rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        if total == 0:  # issue 16 review: "Select a case" under a list with none to select
            searched = self.search.text().strip() or self.stage.currentData()
            self.detail.clear(NO_CASE_FOUND if searched else NO_CASE_YET)

    def fit_columns(self) -> None:
        """Narrow the site columns (their names elided, the detail below says them whole),
        then the side state's (its state first, whole in its tooltip), until the list fits
        its width: at 1280 × 800 the clinic and manufacturer hid behind a horizontal scroll
        bar (issue 16 review)."""
        header = self.table.horizontalHeader()
        sites = [
            column
            for column in range(self.model.columnCount())
            if self.model.headerData(column, Qt.Orientation.Horizontal) in SITE_COLUMNS
        ]
        side_state = [self._column("Side state")]
        for column in sites + side_state:  # whole again first, when the page grew
            self.table.resizeColumnToContents(column)
        if not self.model.rows:  # issue 16 review: the headers of an empty list were
            # squeezed to the left beside one page-wide "Manufacturer": share the width out
            share = self.table.viewport().width() // max(1, self.model.columnCount())
            for column in range(self.model.columnCount()):
                hint = header.sectionSizeHint(column)
                self.table.setColumnWidth(column, max(hint, share))
            return
        room = self.table.viewport().width()
        scroll = self.table.verticalScrollBar()
        if not scroll.isVisible():  # it comes once the rows are laid out, and takes its width
            room -= scroll.sizeHint().width()
        excess = header.length() - room
        for column, least in [
            (c, SITE_COLUMN_LEAST) for c in sorted(sites, key=self.table.columnWidth, reverse=True)
        ] + [(c, SIDE_STATE_LEAST) for c in side_state]:  # elided last
            if excess <= 0:
                break
            width = self.table.columnWidth(column)
            narrower = max(least, width - excess)
            self.table.setColumnWidth(column, narrower)
            excess -= width - narrower

    def _column(self, title: str) -> int:
        """The index of the list's column called ``title``."""
        titles = [
            self.model.headerData(c, Qt.Orientation.Horizontal)
            for c in range(self.model.columnCount())
        ]
        return titles.index(title)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Fit the list's columns to the new width."""
        super().resizeEvent(event)
        self.fit_columns()

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        case_id = self.model.case_id(current.row())
        if case_id is None or case_id == self._shown_case:
            return
        self._load_detail(case_id)

    def _load_detail(self, case_id: uuid.UUID) -> None:
        """Read the case and show it (again, after a change)."""
        self._shown_case = case_id
        self.holds.clear()
        self.erase.setEnabled(False)
        self.report.offer(None)
        self.exchange.offer(None)
        self.detail.clear("Loading the case…")
        database, actor = self.database, self.actor

        def work(_task: object) -> tuple[CaseDetail, Reconciliation, BundlePartner | None]:
            # The case's records are reconciled with their audit trail as the case opens.
            detail = case_detail(database, actor, case_id)
            partner = bundle_partner(database, actor, detail.case.coi)
            return detail, reconcile_cases(database, actor, [case_id]), partner

        def done(outcome: tuple[CaseDetail, Reconciliation, BundlePartner | None]) -> None:
            if self._shown_case == case_id:
                self._update_list_row(outcome[0])
                self.detail.show_detail(outcome[0], outcome[1])
                self.holds.show_units(outcome[0].genealogy)
                QTimer.singleShot(0, self._room_for_detail)  # once the detail is laid out
                self.exchange.offer(outcome[2])
                self._shown_coi = outcome[0].case.coi_eye_readable
                # Once erased there is nothing left to erase: the button does not stay
                # enabled beside "[identity erased]" (issue 16 review); it says why.
                patient = outcome[0].case.patient
                erased = patient is not None and patient.erased
                self.erase.setEnabled(not erased)
                self.erase.setToolTip(ERASED_TIP if erased else ERASE_TIP)
                self.report.offer(
                    partial(save_custody_report, database, actor, case_id),
                    f"coc-report-{outcome[0].case.coi}.pdf",
                )
                self.detail_loaded.emit()

        self.runner.read(work, done, self._show_error)

    def _update_list_row(self, detail: CaseDetail) -> None:
        """The case's line in the list says what its detail, read just now, says (a hold
        set or lifted here showed in the header and stayed "—" in the list)."""
        self.model.update_row(
            detail.case.id,
            lambda row: replace(
                row,
                stage=detail.case.stage,
                side_state=detail.case.side_state,
                units_stopped=units_stopped(detail.genealogy),
            ),
        )

    def erase_identity(self) -> None:
        """Erase the shown case's patient identity: confirmed, with a reason and signature."""
        case_id, coi = self._shown_case, self._shown_coi
        if case_id is None:
            return
        answer = ask_statement(
            StatementDialog(
                self,
                f"Erase the patient's identity — case {coi}",
                "<b>This cannot be undone.</b> The name, date of birth and hospital number of "
                "this case's patient (and of the patient's other cases) become unreadable "
                "everywhere: <i>[identity erased]</i>. The case, its COI, units, records and "
                "audit trail stay. The bedside check of this patient will no longer be "
                "possible. Give the reason (the erasure request and its assessment):",
                action="Erase identity",
            )
        )
        if answer is None:
            return
        reason = answer[0]
        password = ask_password(
            self,
            self.actor,
            SignatureMeaning.APPROVED,
            f"Erasure of the identity of the patient of case {coi}: {reason}",
        )
        if password is None:
            return
        WriteOp(
            partial(erase_identity, self.database, self.actor, case_id, reason, password),
            doing="The patient's identity was not erased",
            changes={"case"},
        ).success(self._erased).failure(self._erase_failed).run(self.runner)

    def show_case_again(self) -> None:
        """Read the shown case again (after a change made elsewhere)."""
        if self._shown_case is not None:
            self._load_detail(self._shown_case)

    def _hold_changed(self, sentence: str) -> None:
        self.error.hide()
        self.notice.setText(sentence)
        self.notice.show()
        self.show_case_again()

    def _hold_failed(self, sentence: str) -> None:
        self.error.setText(sentence)
        self.error.show()

    def _erased(self, erasure: IdentityErasure) -> None:
        cases = ", ".join(coi_words(coi) for coi in erasure.cois)
        noun = "case" if len(erasure.cois) == 1 else "cases"
        self.notice.setText(f"✔ The patient's identity was erased ({noun} {cases}).")
        self.notice.show()
        self.refresh()

    def _erase_failed(self, failure: Failure) -> None:
        self.error.setText(f"✖ {failure.doing}. {failure.title}: {failure.text}")
        self.error.show()

    def _show_error(self, error: BaseException) -> None:
        title, text = describe(error)
        self.error.setText(f"✖ {title}: {text}")
        self.error.show()
        self.count.setText("")
