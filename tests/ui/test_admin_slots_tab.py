"""The Admin page's Slots tab: an administrator sets a site's daily capacity with a reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.access.users import authenticate
from app.core.actor import Actor
from db.types import utc_now
from tests.conftest import PASSWORD
from tests.support.page_driving import shoot
from tests.ui.fit import PAGE_AREA_1280, clipped, placeholders_cut
from tests.ui.test_admin_page import click, open_admin, settle, visit
from ui.pages.admin.slots_tab import SlotsTab
from ui.tasks.runner import TaskRunner


def test_capacity_is_set_for_a_range_of_days_with_a_reason(
    qtbot: QtBot, runner: TaskRunner, demo: Any
) -> None:
    admin: Actor = authenticate(demo.database, "admin", PASSWORD, "test-station")
    page = open_admin(qtbot, runner, demo.database, admin)
    tab = visit(qtbot, runner, page, "slots")
    assert isinstance(tab, SlotsTab)
    assert tab.site.currentData() == "NBH"  # apheresis slots: the clinic
    assert tab.table.rowCount() == 28
    assert tab.table.item(0, 1).text() == "no limit"

    first = utc_now().date() + timedelta(days=1)
    tab.first.setText(first.isoformat())
    tab.last.setText((first + timedelta(days=2)).isoformat())
    tab.capacity.setValue(4)
    click(qtbot, tab, "setCapacity")  # no reason
    settle(qtbot, runner)
    assert "reason" in tab.message.text()
    assert tab.table.item(1, 1).text() == "no limit"

    tab.reason.setText("a fourth chair in December")
    click(qtbot, tab, "setCapacity")
    settle(qtbot, runner)
    assert "4 per day" in tab.message.text() and "(3 days changed)" in tab.message.text()
    assert [tab.table.item(r, 1).text() for r in range(5)] == [
        "no limit", "4", "4", "4", "no limit",
    ]  # fmt: skip
    shoot(page, "admin-slots.png")
    # Issue 16: at 1280 × 800 the date fields were 800 px wide for ten characters and the four
    # narrow columns left two thirds of the table empty: each field as wide as what it holds,
    # the columns span the table with every text whole.
    page.resize(*PAGE_AREA_1280)
    QApplication.processEvents()
    assert clipped(page) == [] and placeholders_cut(page) == []
    date_width = tab.first.fontMetrics().horizontalAdvance("2026-12-07")
    for field in (tab.first, tab.last, tab.capacity):
        assert field.width() <= 2 * date_width, (field.objectName(), field.width())
    table = tab.table
    widths = [table.columnWidth(c) for c in range(table.columnCount())]
    assert sum(widths) >= table.viewport().width() - 2, (widths, table.viewport().width())
    metrics = table.fontMetrics()
    for row in range(table.rowCount()):
        for column, width in enumerate(widths):
            text = table.item(row, column).text()
            assert metrics.horizontalAdvance(text) <= width - 6, (row, column, text, width)
    assert table.item(0, 0).text().startswith(f"{utc_now().date():%a} ")  # with its weekday

    tab.kind.setCurrentIndex(1)  # manufacturing: the manufacturer
    settle(qtbot, runner)
    assert tab.site.currentData() == "CTF"
