"""The Cases page at 1280 × 800 (issue 16 review): the timeline and the genealogy showed about
two rows, and the Holds box overlapped the genealogy. Every box keeps its rows, none overlaps."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QTreeWidget, QTreeWidgetItemIterator, QWidget
from pytestqt.qtbot import QtBot

from app.demo.journey import JourneyDriver
from db.enums import CaseStage
from tests.ui.fit import PAGE_AREA_1280, save_both_sizes
from ui.pages.cases.journey_chart import end_mark
from ui.pages.cases.page import CasesPage
from ui.shell.style import apply_style
from ui.tasks.runner import TaskRunner


def rows_shown(tree: QTreeWidget) -> int:
    """The items of ``tree`` wholly inside its viewport."""
    viewport = tree.viewport().rect()
    shown = 0
    items = QTreeWidgetItemIterator(tree)
    while items.value():
        place = tree.visualItemRect(items.value())
        shown += place.isValid() and viewport.contains(place)
        items += 1
    return shown


def place(widget: QWidget, page: QWidget) -> QRect:
    """Where ``widget`` sits on ``page``."""
    return QRect(widget.mapTo(page, widget.rect().topLeft()), widget.size())


def overlapping(page: CasesPage) -> list[str]:
    """The boxes of the page that overlap one another or leave the page, in words."""
    boxes = {
        "list": page.table,
        "header": page.detail.header,
        "chart": page.detail.chart,
        "timeline": page.detail.timeline,
        "genealogy": page.detail.genealogy,
        "holds": page.holds,
        "report": page.report,
    }
    shown = {name: place(box, page) for name, box in boxes.items() if box.isVisible()}
    found = [
        f"{name} leaves the page" for name, at in shown.items() if not page.rect().contains(at)
    ]
    names = sorted(shown)
    for index, one in enumerate(names):
        for other in names[index + 1 :]:
            if shown[one].intersects(shown[other]):
                found.append(
                    f"{one} {shown[one].getRect()} overlaps {other} {shown[other].getRect()}"
                )
    return found


@pytest.mark.parametrize("size", [PAGE_AREA_1280, (1280, 800)], ids=["page-area", "window"])
def test_case_boxes_keep_their_rows_and_never_overlap_at_1280(
    qtbot: QtBot,
    qapp: QApplication,
    demo: Any,
    runner: TaskRunner,
    tmp_path: Path,
    size: tuple[int, int],
) -> None:
    if demo.database.backend != "sqlite":
        pytest.skip("a screen test: the layout does not depend on the backend")
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH520002", "Kask", "Mari", date(1972, 4, 1))
    driver.run_to(case, CaseStage.RECEIVED_AT_MANUFACTURER)
    apply_style(qapp)
    page = CasesPage(demo.database, demo["asha.qa"], runner)  # QA: the Holds box too
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.detail.detail is not None, timeout=15_000)
    qtbot.waitUntil(page.holds.isVisible, timeout=5_000)
    qtbot.wait(50)
    QApplication.processEvents()
    if size == PAGE_AREA_1280:
        save_both_sizes(page, "cases-boxes-fit")
    assert overlapping(page) == []
    assert page.detail.timeline.topLevelItemCount() >= 6
    assert rows_shown(page.detail.timeline) >= 5, "the timeline shows at least five rows"
    assert rows_shown(page.detail.genealogy) >= 2, "the genealogy shows at least two containers"
    assert page.holds.height() >= page.holds.minimumSizeHint().height()


def test_a_limit_starting_at_the_last_stage_draws_no_arrow() -> None:
    # issue 16 review: a zero-length arrow drew a "K" at the chart's right edge
    assert end_mark(1000.0, 1000.0, ends_later=True) == "none"
    assert end_mark(995.0, 1000.0, ends_later=True) == "none"
    assert end_mark(400.0, 1000.0, ends_later=True) == "arrow"
    assert end_mark(400.0, 900.0, ends_later=False) == "bracket"


def rows_visible(page: CasesPage) -> int:
    """The case rows wholly inside the list's viewport."""
    table, shown = page.table, 0
    viewport = table.viewport().rect()
    for row in range(page.model.rowCount()):
        place = table.visualRect(page.model.index(row, 0))
        shown += (
            place.isValid()
            and viewport.top() <= place.top()
            and place.bottom() <= viewport.bottom()
        )
    return shown


def test_a_clinic_coordinator_sees_eight_cases_at_1280(
    qtbot: QtBot, qapp: QApplication, demo: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    """Issue 16: at 1280 × 800 a clinic role's case list showed two and a half rows under a
    case's detail; it shows eight at the least, the detail below still whole."""
    if demo.database.backend != "sqlite":
        pytest.skip("a screen test: the layout does not depend on the backend")
    driver = JourneyDriver(demo.database, tmp_path)
    first = driver.enrol("NBH530000", "Kask", "Mari", date(1972, 4, 1))
    driver.run_to(first, CaseStage.COLLECTED)
    for number in range(1, 10):
        driver.enrol(f"NBH53000{number}", "Tamm", f"Jaan{number}", date(1970, 1, number))
    apply_style(qapp)
    page = CasesPage(demo.database, demo["cora.coordinator"], runner)
    qtbot.addWidget(page)
    page.resize(*PAGE_AREA_1280)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.detail.detail is not None, timeout=15_000)
    qtbot.wait(50)
    QApplication.processEvents()
    save_both_sizes(page, "cases-clinic-list-fit")
    assert rows_visible(page) >= 8
    assert overlapping(page) == []
