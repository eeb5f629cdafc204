"""The Slots tab: how many apheresis (clinic) and manufacturing (manufacturer) slots a site
offers per day, with the bookings already made; set for a range of days with a reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QSpinBox,
)

from app.admin import (
    MAX_DAILY_SLOTS,
    CapacityChange,
    CapacityOverview,
    capacity_overview,
    set_slot_capacity,
)
from app.core import Actor, Database, now
from app.journey import SLOT_NAMES, SlotKind
from ui.pages.admin.base import AdminTab, fill_table, table
from ui.tasks import TaskRunner, WriteOp
from ui.widgets import typed_input

SHOWN_DAYS = 28
FIELD_PADDING = 40
"""Room beside a date's ten characters in its field (the frame, the spin box's arrows)."""


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


class SlotsTab(AdminTab):
    """Slot capacity per site, kind and day."""

    records = "slots"

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__(database, actor, runner, "slots")
        self.overview: CapacityOverview | None = None
        self.kind = QComboBox()
        self.kind.setObjectName("slotKind")
        for kind in SlotKind:
            self.kind.addItem(SLOT_NAMES[kind].capitalize(), kind.value)
        self.site = QComboBox()
        self.site.setObjectName("slotSite")
        self.site.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.site.setMinimumContentsLength(36)
        self.tools.addWidget(self.kind)
        self.tools.addWidget(self.site)
        self.set_button = self.button("Set ca&pacity", "setCapacity", self._set)
        self.finish_tools()
        self.note(
            "A day without a setting is not limited; 0 closes it. A booking beyond the day's "
            "capacity is refused with the next free dates. Lowering it below the bookings "
            "already made unbooks nothing: those days are named.",
            "slotsNote",
        )
        today = now().date()
        self.first = QLineEdit(today.isoformat())
        self.first.setObjectName("slotFrom")
        self.last = QLineEdit((today + timedelta(days=6)).isoformat())
        self.last.setObjectName("slotTo")
        self.capacity = QSpinBox()
        self.capacity.setObjectName("slotCapacity")
        self.capacity.setRange(0, MAX_DAILY_SLOTS)
        self.capacity.setValue(2)
        self.reason = QLineEdit()
        self.reason.setObjectName("slotReason")
        self.reason.setMaxLength(2000)
        self.reason.setPlaceholderText("why it changes (kept in the audit trail)")
        # Each field as wide as what it holds, the reason as wide as the form; the days beside
        # the form, their columns sharing the table's width (issue 16: at 1280 × 800 a date
        # field was 800 px wide and the four narrow columns left most of the table empty).
        digits = self.first.fontMetrics().horizontalAdvance("0000-00-00") + FIELD_PADDING
        for field in (self.first, self.last):
            field.setMaximumWidth(digits)
        self.capacity.setMaximumWidth(digits)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("From (YYYY-MM-DD)", self.first)
        form.addRow("To (YYYY-MM-DD)", self.last)
        form.addRow("Slots per day", self.capacity)
        form.addRow("Reason", self.reason)
        self.table = table("slotDays", ("Day", "Capacity", "Booked", "Left"))
        columns = QHBoxLayout()
        columns.addLayout(form, stretch=3)
        columns.addWidget(self.table, stretch=2)
        self.layout_.addLayout(columns, stretch=1)
        self.kind.currentIndexChanged.connect(lambda _index: self._choose(kind_changed=True))
        self.site.activated.connect(lambda _index: self._choose(kind_changed=False))

    def unsaved_input(self) -> str | None:
        """A reason typed for a capacity change not yet set (None: none)."""
        return typed_input([("the capacity Reason field", self.reason)])

    def _choose(self, *, kind_changed: bool) -> None:
        if kind_changed:
            self.site.clear()
        self.refresh()

    def reader(self) -> Callable[[], CapacityOverview]:
        """The sites, and the chosen site's days from today."""
        kind = SlotKind(self.kind.currentData())
        code = self.site.currentData()
        return partial(
            capacity_overview,
            self.database,
            self.actor,
            site_code=str(code) if code else None,
            kind=kind,
            first_day=now().date(),
            days=SHOWN_DAYS,
        )

    def show_records(self, records: CapacityOverview) -> None:
        """Fill the site list and the days."""
        self.overview = records
        self.site.blockSignals(True)
        self.site.clear()
        for site in records.sites:
            if site.kind is records.kind:
                self.site.addItem(f"{site.code} — {site.name}", site.code)
        if records.site_code is not None:
            self.site.setCurrentIndex(max(self.site.findData(records.site_code), 0))
        self.site.blockSignals(False)
        fill_table(
            self.table,
            [
                (
                    f"{day.day:%a} {day.day.isoformat()}",  # the weekday: clinics plan by it
                    "no limit" if day.capacity is None else str(day.capacity),
                    str(day.booked),
                    "—" if day.left is None else str(day.left),
                )
                for day in records.days
            ],
        )
        header = self.table.horizontalHeader()  # the day whole, the numbers share the rest
        for column in range(1, self.table.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

    def _set(self) -> None:
        first, last = _day(self.first.text()), _day(self.last.text())
        if first is None or last is None:
            self.say("✖ Type both days as YYYY-MM-DD, e.g. 2026-12-07.", ok=False)
            return
        code = self.site.currentData()
        if not code:
            self.say("✖ Choose the site.", ok=False)
            return
        WriteOp(
            partial(
                set_slot_capacity,
                self.database,
                self.actor,
                site_code=str(code),
                kind=SlotKind(self.kind.currentData()),
                first_day=first,
                last_day=last,
                capacity=self.capacity.value(),
                reason=self.reason.text(),
            ),
            doing="The capacity was not set",
            changes={"slot_capacity"},
        ).busy(self.set_busy).success(self._was_set).failure(self.refused).run(self.runner)

    def _was_set(self, change: CapacityChange) -> None:
        words = (
            f"✔ {SLOT_NAMES[change.kind].capitalize()} slots at {change.site_name}: "
            f"{change.capacity} per day from {change.first_day} to {change.last_day} "
            f"({change.days_changed} {'day' if change.days_changed == 1 else 'days'} changed)."
        )
        if change.overbooked:
            days = ", ".join(f"{d.day} ({d.booked} booked)" for d in change.overbooked)
            words += f" Booked beyond the new capacity: {days}."
        self.reason.clear()
        self.done(words)
