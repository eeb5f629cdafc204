"""The Home section: who is signed in, what is waiting for them, what needs attention.

Everything comes from ``app.casefile`` through the task runner, so
the window never waits on the database. Double-clicking (or pressing Enter on) a piece of work
emits ``open_section`` with the key of the section where it is done.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.access import role_names
from app.admin import ProductVersionView, product_versions
from app.casefile import (
    Alert,
    AlertKind,
    CaseStage,
    ClinicAlertView,
    Role,
    WorkItem,
    alerts,
    clinic_alerts,
    may_view_cases,
    stage_counts,
    work_queue,
)
from app.core import Actor, Database
from app.journey import STAGE_NAMES, STAGE_ORDER
from ui.pages.home.clinic_alerts import ClinicAlertsPanel
from ui.tasks import Failure, TaskRunner
from ui.widgets import describe, restyle

SECTION_ROLE = Qt.ItemDataRole.UserRole
WORK_ROLE = Qt.ItemDataRole.UserRole + 1
"""The ``WorkItem`` of an entry of "My work" (a product draft has none)."""
ALERT_ICONS = {
    AlertKind.QUARANTINED_UNIT: QStyle.StandardPixmap.SP_MessageBoxWarning,
    AlertKind.EXCURSION: QStyle.StandardPixmap.SP_MessageBoxWarning,
    AlertKind.OVERDUE_SHIPMENT: QStyle.StandardPixmap.SP_MessageBoxCritical,
}


@dataclass(frozen=True)
class HomeSummary:
    """What the home page shows, read in one background task."""

    work: tuple[WorkItem, ...]
    alerts: tuple[Alert, ...]
    counts: dict[CaseStage, int] | None
    """None for a role that sees no cases (administrators)."""
    clinic_alerts: tuple[ClinicAlertView, ...] = ()
    product_drafts: tuple[ProductVersionView, ...] = ()
    """Product versions awaiting a QA approval (QA only)."""


def read_summary(database: Database, actor: Actor) -> HomeSummary:
    """The actor's work queue, alerts and case counts (and for QA, product drafts)."""
    counts = stage_counts(database, actor) if may_view_cases(actor) else None
    drafts: tuple[ProductVersionView, ...] = ()
    if actor.has_role(Role.QA):
        drafts = tuple(v for v in product_versions(database, actor) if v.state == "draft")
    return HomeSummary(
        work_queue(database, actor),
        alerts(database, actor),
        counts,
        clinic_alerts(database, actor),
        drafts,
    )


WORK_CAPTION = "My work — double-click to open"
BAR_GAP = 12
"""Pixels between a stage's name and its bar in the pipeline chart."""


class HomePage(QWidget):
    """Greeting, "My work", alerts and counts by stage."""

    open_section = Signal(str)
    open_work = Signal(object)
    """After ``open_section``: the piece of work (``WorkItem``) opened, for its section to
    select what it is about."""
    loaded = Signal()

    def __init__(
        self, database: Database, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("page-home")
        self.database = database
        self.actor = actor
        self.runner = runner
        self.summary: HomeSummary | None = None

        title = QLabel("Home")
        title.setObjectName("pageTitle")
        self.greeting = QLabel(
            f"Signed in as <b>{actor.full_name}</b> ({actor.username}) &nbsp;·&nbsp; "
            f"{role_names(actor)} &nbsp;·&nbsp; {actor.site_name or 'no site (administrator)'}"
            f"<br>Station {actor.station} &nbsp;·&nbsp; Database: {database.short_name}"
        )
        self.greeting.setObjectName("greeting")
        self.greeting.setTextFormat(Qt.TextFormat.RichText)
        self.greeting.setWordWrap(True)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("refreshHome")
        self.refresh_button.clicked.connect(self.refresh)
        self.error = QLabel()
        self.error.setObjectName("errorMessage")
        self.error.setWordWrap(True)
        self.error.hide()

        self._build_lists()
        self.clinic_alerts = ClinicAlertsPanel(
            database, actor, runner, self._acknowledged, self._not_acknowledged
        )
        top = QHBoxLayout()
        top.addWidget(self.greeting, stretch=1)
        top.addWidget(self.refresh_button, alignment=Qt.AlignmentFlag.AlignTop)
        left = QVBoxLayout()
        left.addWidget(self.work_caption)
        left.addWidget(self.work, stretch=1)
        right = QVBoxLayout()
        right.addWidget(_caption("Alerts"))
        right.addWidget(self.alerts, stretch=1)
        right.addWidget(self.counts_title)
        right.addWidget(self.counts)
        columns = QHBoxLayout()
        columns.addLayout(left, stretch=3)
        columns.addLayout(right, stretch=2)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.clinic_alerts)
        layout.addLayout(columns, stretch=1)
        self.refresh()

    def _build_lists(self) -> None:
        self.work_caption = _caption(WORK_CAPTION)
        self.work = _wrapping_list("workQueue")
        self.work.itemActivated.connect(self._activated)
        self.alerts = _wrapping_list("alerts")
        self.counts = QWidget()
        self.counts.setObjectName("stageCounts")
        grid = QGridLayout(self.counts)
        grid.setContentsMargins(0, 0, 0, 0)
        # issue 16 review: "Received at manufacturer" touched its bar at 1280 × 800
        grid.setHorizontalSpacing(BAR_GAP)
        self.stage_names: dict[CaseStage, QLabel] = {}
        self.count_labels: dict[CaseStage, QLabel] = {}
        self.stage_bars: dict[CaseStage, QProgressBar] = {}
        """The pipeline chart: one bar per stage, as long as its share of the busiest stage."""
        for row, stage in enumerate(STAGE_ORDER):
            name = self.stage_names[stage] = QLabel(STAGE_NAMES[stage])
            grid.addWidget(name, row, 0)
            bar = QProgressBar()
            bar.setObjectName("stageBar")
            bar.setTextVisible(False)
            bar.setFixedHeight(12)
            bar.setMinimumWidth(60)
            bar.setToolTip(f"Cases at “{STAGE_NAMES[stage]}”")
            grid.addWidget(bar, row, 1)
            self.stage_bars[stage] = bar
            number = QLabel("…")
            number.setObjectName("stageCount")
            number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(number, row, 2)
            self.count_labels[stage] = number
        grid.setColumnStretch(1, 1)
        self.counts_title = _caption("Cases by stage")
        # Until the first read arrives the lists say so (they were two blank boxes).
        self.work.addItem(_quiet(LOADING))
        self.alerts.addItem(_quiet(LOADING))

    def refresh(self) -> None:
        """Read the queue, alerts and counts again in the background."""
        self.error.hide()
        self.refresh_button.setEnabled(False)
        database, actor = self.database, self.actor
        self.runner.read(lambda _task: read_summary(database, actor), self._show, self._failed)

    def showEvent(self, event: QShowEvent) -> None:
        """Coming back to Home reads the queue again: work may have moved on meanwhile."""
        super().showEvent(event)
        if self.summary is not None and self.refresh_button.isEnabled():
            self.refresh()

    def _show(self, summary: HomeSummary) -> None:
        self.summary = summary
        self.refresh_button.setEnabled(True)
        self.work.clear()
        for draft in summary.product_drafts:
            mine = draft.author_id is not None and draft.author_id == self.actor.user_id
            entry = QListWidgetItem(
                f"Review and approve product {draft.code} version {draft.version_number}"
                f"{' (you wrote it: another QA person approves it)' if mine else ''}\n"
                f"{draft.name} · written by {draft.author or '—'} · waiting since "
                f"{draft.created_at:%Y-%m-%d %H:%M} UTC"
            )
            entry.setData(SECTION_ROLE, "products")
            entry.setToolTip("Opens Product approval, where QA approves or rejects the draft.")
            self.work.addItem(entry)
        for item in summary.work:
            entry = QListWidgetItem(
                f"{item.title}\n{item.coi_eye_readable} · waiting since "
                f"{item.since:%Y-%m-%d %H:%M} UTC"
            )
            entry.setData(SECTION_ROLE, item.section)
            entry.setData(WORK_ROLE, item)
            entry.setToolTip(f"Opens the section where this is done ({item.section}).")
            self.work.addItem(entry)
        if not summary.work and not summary.product_drafts:
            self.work.addItem(_quiet(self._nothing_waiting()))
        # issue 16 review: "double-click to open" stood over a list with nothing to open
        self.work_caption.setText(WORK_CAPTION if self.work_is_openable() else "My work")
        self.clinic_alerts.show_alerts(summary.clinic_alerts)
        self.alerts.clear()
        # The warning-yellow background is for alerts; "No alerts." sits on a neutral one.
        restyle(self.alerts, quiet=not summary.alerts)
        for alert in summary.alerts:
            icon = self.style().standardIcon(ALERT_ICONS[alert.kind])
            self.alerts.addItem(QListWidgetItem(icon, f"{alert.message}\n{alert.coi_eye_readable}"))
        if not summary.alerts:
            open_alerts = sum(a.acknowledged_at is None for a in summary.clinic_alerts)
            # the red clinic alert above is an alert too: never "No alerts." beside it
            self.alerts.addItem(_quiet("✔ No other alerts." if open_alerts else "✔ No alerts."))
        self.counts.setVisible(summary.counts is not None)
        self.counts_title.setVisible(summary.counts is not None)
        counts = summary.counts or {}
        busiest = max([1, *counts.values()])
        for stage, label in self.count_labels.items():
            label.setText(str(counts.get(stage, 0)))
            self.stage_bars[stage].setRange(0, busiest)
            self.stage_bars[stage].setValue(counts.get(stage, 0))
        self.loaded.emit()

    def _nothing_waiting(self) -> str:
        if not may_view_cases(self.actor):
            return "Administrators do no GMP work: nothing is queued for you."
        return "✔ Nothing is waiting for you."

    def _failed(self, error: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        title, text = describe(error)
        self.error.setText(f"✖ {title}: {text}")
        self.error.show()

    def _acknowledged(self, words: str) -> None:
        self.error.hide()
        self.refresh()

    def _not_acknowledged(self, failure: Failure) -> None:
        self.error.setText(failure.line)
        self.error.show()

    def _activated(self, item: QListWidgetItem) -> None:
        section, work = item.data(SECTION_ROLE), item.data(WORK_ROLE)
        if isinstance(section, str) and section:
            self.open_section.emit(section)
        if isinstance(work, WorkItem):
            self.open_work.emit(work)

    def work_is_openable(self) -> bool:
        """Whether some item of the work queue opens a section."""
        return any(
            isinstance(self.work.item(i).data(SECTION_ROLE), str) for i in range(self.work.count())
        )

    def work_texts(self) -> list[str]:
        """The lines of "My work", as shown."""
        return [self.work.item(i).text() for i in range(self.work.count())]


LOADING = "… Loading"
"""What the work and alert lists say before their first read arrives."""
ENTRY_PADDING = 14
"""Vertical room around an entry's lines: the stylesheet's item padding (6 + 6) and border."""


class _WrappedEntries(QStyledItemDelegate):
    """Each entry as tall as its text wrapped to the list's width now: Qt's own size hint
    wraps at a width taken before the list had its final size, so a long first line pushed
    the entry's second line (its case) out of sight ("…scan every container in…")."""

    def __init__(self, listing: QListWidget) -> None:
        super().__init__(listing)
        self.listing = listing

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """The entry's height for its text wrapped at the viewport's width."""
        hint = super().sizeHint(option, index)
        width = self.listing.viewport().width() - 2 * self.listing.spacing() - 16
        if index.data(Qt.ItemDataRole.DecorationRole) is not None:
            width -= option.decorationSize.width() + 6
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        needed = option.fontMetrics.boundingRect(
            QRect(0, 0, max(width, 40), 100_000), Qt.TextFlag.TextWordWrap, text
        ).height()
        return QSize(hint.width(), max(hint.height(), needed + ENTRY_PADDING))


class _WrappingList(QListWidget):
    """A list whose entries wrap to its width instead of scrolling sideways."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Wrap the entries again at the new width."""
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()


def _wrapping_list(name: str) -> QListWidget:
    """A list whose entries wrap to its width instead of scrolling sideways or hiding a line."""
    listing = _WrappingList()
    listing.setObjectName(name)
    listing.setWordWrap(True)
    listing.setResizeMode(QListView.ResizeMode.Adjust)
    listing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    listing.setItemDelegate(_WrappedEntries(listing))
    return listing


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def _quiet(text: str) -> QListWidgetItem:
    item = QListWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    return item
