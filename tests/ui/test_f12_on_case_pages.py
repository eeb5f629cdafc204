"""F12 acknowledges the scan alarm on the Collection and Bedside pages (issue 16, point 3).

A real alarm is raised on each page (a scan of another case's code), and F12 pressed on the page
acknowledges it: the alarm is gone, the acknowledgement of the signed-in user is on record
against the refused scan (`app.scanning.scan_acknowledgement`), and the focus is back in the
scan field the page expects next.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

import ui.pages.case_work as case_work_module
from app.casefile.stages import units_of
from app.demo.journey import JourneyDriver
from app.scanning.alarms import scan_acknowledgement
from db.enums import CaseStage, UnitKind
from tests.support.page_driving import click, open_page, scan, settle
from ui.pages.bedside.page import BedsidePage
from ui.pages.case_work import CaseWorkPage
from ui.pages.collection.page import CollectionPage
from ui.tasks.runner import TaskRunner


def _f12_acknowledges(
    qtbot: QtBot, demo: Any, page: CaseWorkPage, runner: TaskRunner, username: str
) -> None:
    """The page's alarm is up for a refused scan on record; F12 on the page acknowledges it."""
    assert page.alarm.active and "WRONG PATIENT" in page.alarm.text.text()
    assert not page.body.isEnabled()
    scan_id = page.alarm.scan_id
    assert scan_id is not None and scan_acknowledgement(demo.database, scan_id) is None
    page.activateWindow()
    qtbot.keyClick(page, Qt.Key.Key_F12)  # type: ignore[no-untyped-call]
    settle(qtbot, runner)
    assert not _alarm_up(page) and page.body.isEnabled()
    recorded = scan_acknowledgement(demo.database, scan_id)
    assert recorded is not None and recorded == page.alarm.acknowledgement
    assert recorded.username == username and recorded.deviation_number is not None


def _alarm_up(page: CaseWorkPage) -> bool:
    return page.alarm.active


def _focused(page: QWidget) -> QWidget | None:
    return page.focusWidget()


def test_f12_acknowledges_the_collection_alarm(
    qtbot: QtBot, demo: Any, tmp_path: Path, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH400001", "Doe", "Jane", date(1970, 3, 14))
    other_bag = driver.collect(driver.enrol("NBH400002", "Other", "Owen", date(1981, 5, 9)))
    monkeypatch.setattr(case_work_module, "choose_printer_and_print", lambda *_args: True)
    page = CollectionPage(demo.database, driver.who("alex.apheresis"), runner)
    open_page(qtbot, page, runner, case.id)
    page.volume.setValue(240)
    click(qtbot, page.register_button)
    settle(qtbot, runner)
    click(qtbot, page.bag_rows[0].print_button)
    settle(qtbot, runner)
    scan(qtbot, page.bag_rows[0].scan_back, f"={other_bag.din}00")  # another case's bag label
    settle(qtbot, runner)
    _f12_acknowledges(qtbot, demo, page, runner, "alex.apheresis")
    row = page.bag_rows[0]
    assert row.scan_back.text() == "" and _focused(page) is row.scan_back  # scan it again


def test_f12_acknowledges_the_bedside_alarm(
    qtbot: QtBot, demo: Any, tmp_path: Path, runner: TaskRunner
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH400011", "Roe", "Richard", date(1965, 7, 2))
    other_bag = driver.collect(driver.enrol("NBH400012", "Smith", "Sara", date(1958, 11, 23)))
    driver.run_to(case, CaseStage.RECEIVED_AT_CLINIC)
    ivy = demo["ivy.infusion"]
    assert any(u.kind is UnitKind.FINAL_PRODUCT_BAG for u in units_of(demo.database, ivy, case.id))
    page = BedsidePage(demo.database, ivy, runner)
    open_page(qtbot, page, runner, case.id)
    scan(qtbot, page.wristband_scan, "&#0009NBH400011")  # this patient's wristband
    scan(qtbot, page.bag_scan, f"={other_bag.din}00")  # another case's bag
    settle(qtbot, runner)
    _f12_acknowledges(qtbot, demo, page, runner, "ivy.infusion")
    assert page.check is None and page.wristband_scan.text() == page.bag_scan.text() == ""
    assert _focused(page) is page.wristband_scan  # the check starts again from the wristband
