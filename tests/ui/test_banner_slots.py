"""Banners have reserved space (issue 16, point 3): an alarm or an outcome line appearing or
going never moves the fields and buttons around it, on every scanning page.

Each page is driven to a real red STOP (another case's code) and a real amber "could not read"
(a control character no code carries); the scan field's and the next fields' places in the
window are the same before the scan, while the alarm shows, and after F12 acknowledged it; the
alarm shows whole and the page fits 1280 × 800 (screenshots: tests/artifacts/screens/
banner-slot-*-<backend>-*); and every "could not read" is the amber one, every STOP the red one,
in its headline and in the picture.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

import ui.pages.case_work as case_work_module
import ui.pages.shipper_box as shipper_box_module
from app.casefile import shipments_for_receipt
from app.casefile.stages import units_of
from app.demo.journey import JourneyDriver
from app.journey.views import CaseView, UnitView
from db.enums import CaseStage, UnitKind
from tests.support.banner_places import places
from tests.support.page_driving import PAGE_SIZE, click, open_page, scan, settle
from tests.ui.fit import PAGE_AREA_1280, assert_fits_1280, save_both_sizes
from ui.pages.batch_record.page import BatchRecordPage
from ui.pages.bedside.page import BedsidePage
from ui.pages.case_work import CaseWorkPage
from ui.pages.collection.page import CollectionPage
from ui.pages.receipt.page import ReceiptPage
from ui.pages.scan_station.page import ScanStation
from ui.tasks.runner import TaskRunner
from ui.widgets import BannerSlot, message_line, show_message

UNREADABLE = "=G1234\x07"
"""A scan no code could be (a control character a bar code never carries): amber."""
AMBER, RED = "#f6c343", "#b3261e"
"""The background of every "could not read — scan again" alarm, and of every red STOP."""


def _colour(alarm: QWidget) -> str:
    """The colour most of the alarm's picture is (its background: the words and the button
    cover less of it), as ``#rrggbb``."""
    picture = alarm.grab().toImage()
    width, height = picture.width(), picture.height()
    counts = Counter(
        picture.pixelColor(x, y).name()
        for x in range(8, width - 8, 7)
        for y in range(8, height - 8, 5)
    )
    return counts.most_common(1)[0][0]


def _assert_kind(name: str, alarm: QWidget, headline: str) -> None:
    """``name`` ends ``could-not-read``: the amber alarm, "⚠ COULD NOT READ"; else the red
    STOP (issue 16: an unreadable scan looked like a wrong patient)."""
    if name.endswith("could-not-read"):
        assert _colour(alarm) == AMBER, (name, _colour(alarm))
        assert headline.startswith("⚠ COULD NOT READ"), (name, headline)
        assert "STOP" not in headline, (name, headline)
    else:
        assert _colour(alarm) == RED, (name, _colour(alarm))
        assert headline.startswith("✖") and "STOP" in headline, (name, headline)


def test_a_banner_slot_keeps_its_height_whichever_banner_shows(qtbot: QtBot) -> None:
    page = QWidget()
    layout = QVBoxLayout(page)
    ok, problem = message_line("okMessage"), message_line("errorMessage")
    slot = BannerSlot(ok, problem, lines=4)
    field = QPushButton("Next field")
    layout.addWidget(slot)
    layout.addWidget(field)
    layout.addStretch(1)
    qtbot.addWidget(page)
    page.resize(600, 400)
    page.show()
    qtbot.waitExposed(page)
    before = (slot.height(), field.mapTo(page, field.rect().topLeft()))
    assert slot.height() == slot.reserved_height() == 4 * slot.fontMetrics().lineSpacing()
    assert slot.idle.isVisible()  # the empty slot says what appears there
    show_message(problem, "✖ A two-line problem.<br>Its second line.", ok=False, rich=True)
    qtbot.wait(10)
    assert (slot.height(), field.mapTo(page, field.rect().topLeft())) == before
    assert not slot.idle.isVisible() and not slot.covers_below()
    problem.hide()
    qtbot.wait(10)
    assert slot.idle.isVisible()
    show_message(ok, "✔ Line<br>" * 12, ok=True, rich=True)  # far taller than the slot:
    qtbot.wait(10)  # shown whole, over what lies below; nothing moves
    assert (slot.height(), field.mapTo(page, field.rect().topLeft())) == before
    assert slot.covers_below() and slot.panel.height() == ok.height() > slot.height()
    ok.hide()
    qtbot.wait(10)
    assert not slot.covers_below() and slot.panel.geometry() == slot.geometry()
    page.hide()
    problem.show()  # shown while the page is not on screen: the idle words still go
    assert slot.idle.isHidden()


def _press_f12(qtbot: QtBot, page: QWidget, runner: TaskRunner) -> None:
    page.activateWindow()
    qtbot.keyClick(page, Qt.Key.Key_F12)  # type: ignore[no-untyped-call]
    settle(qtbot, runner)


def _shown_whole(slot: BannerSlot) -> bool:
    """True when what ``slot`` shows is whole, inside its page (over the page it blocks when
    it is taller than the slot)."""
    page = slot.parentWidget()
    assert page is not None
    need, panel = slot.needed_height(), slot.panel.geometry()
    assert panel.height() == need, f"needs {need} px, has {panel.height()}"
    assert page.rect().contains(panel), (panel, page.rect())
    return True


def _alarm_shown(page: CaseWorkPage) -> bool:
    return page.alarm.active


def _nothing_moves(
    qtbot: QtBot,
    page: CaseWorkPage,
    runner: TaskRunner,
    fields: tuple[str, ...],
    alarms: dict[str, Callable[[], None]],
) -> None:
    """For each alarm (a name and how to raise it): the ``fields`` stay where they were before
    it, while it shows (at 1280 × 800 whole: a tall alarm over the page it blocks) and after
    F12."""
    before = places(page, fields)
    first = next(iter(alarms))
    backend = page.database.backend
    save_both_sizes(page, f"banner-slot-{first[: first.index('-')]}-before-the-scan-{backend}")
    for name, raise_alarm in alarms.items():
        raise_alarm()
        settle(qtbot, runner)
        assert _alarm_shown(page), name
        _assert_kind(name, page.alarm, page.alarm.text.text())
        assert places(page, fields) == before, name
        page.resize(*PAGE_AREA_1280)
        qtbot.wait(20)
        assert _shown_whole(page.banner_slot), name
        assert not page.banner_slot.covers_below() or not page.body.isEnabled(), name
        page.resize(*PAGE_SIZE)
        assert_fits_1280(qtbot, page, f"banner-slot-{name}-{backend}-1280.png")
        assert places(page, fields) == before, name
        _press_f12(qtbot, page, runner)
        assert not _alarm_shown(page), name
        assert places(page, fields) == before, name


def _unit(demo: Any, case: CaseView, kind: UnitKind, username: str) -> UnitView:
    return next(u for u in units_of(demo.database, demo[username], case.id) if u.kind is kind)


def test_collection_and_its_shipper_fields_stay_put(
    qtbot: QtBot, demo: Any, tmp_path: Path, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH300001", "Doe", "Jane", date(1970, 3, 14))
    shipping = driver.enrol("NBH300002", "Roe", "Rita", date(1975, 1, 2))
    other = driver.enrol("NBH300003", "Other", "Owen", date(1981, 5, 9))
    driver.run_to(shipping, CaseStage.COLLECTED)
    other_bag = driver.collect(other)
    monkeypatch.setattr(case_work_module, "choose_printer_and_print", lambda *_a: True)
    monkeypatch.setattr(shipper_box_module, "choose_printer_and_print", lambda *_a: True)
    alex = driver.who("alex.apheresis")
    page = CollectionPage(demo.database, alex, runner)
    open_page(qtbot, page, runner)
    page.select_case(case.id)
    settle(qtbot, runner)
    page.volume.setValue(240)
    click(qtbot, page.register_button)
    settle(qtbot, runner)
    click(qtbot, page.bag_rows[0].print_button)
    settle(qtbot, runner)
    assert page.ok_message.isVisible()  # an outcome line shows in the slot too
    fields = ("labelScanBack", "printLabel", "registerBag", "dinScan", "verifyCollection")
    _nothing_moves(
        qtbot,
        page,
        runner,
        fields,
        {
            "collection-stop": lambda: scan(
                qtbot, page.bag_rows[0].scan_back, f"={other_bag.din}00"
            ),
            "collection-could-not-read": lambda: scan(
                qtbot, page.bag_rows[0].scan_back, UNREADABLE
            ),
        },
    )

    # The shared shipper panel: a collected case, its shipper open.
    page.select_case(shipping.id)
    settle(qtbot, runner)
    click(qtbot, page.create_button)
    settle(qtbot, runner)
    fields = ("packScan", "loggerScan", "printShipperLabel", "shipperLabelScan", "handOver")
    _nothing_moves(
        qtbot,
        page,
        runner,
        fields,
        {
            "shipper-stop": lambda: scan(qtbot, page.pack_scan, f"={other_bag.din}00"),
            "shipper-could-not-read": lambda: scan(qtbot, page.pack_scan, UNREADABLE),
        },
    )


def test_batch_record_step_form_stays_put(
    qtbot: QtBot, demo: Any, tmp_path: Path, runner: TaskRunner
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH300011", "Doe", "Jane", date(1970, 3, 14))
    other = driver.enrol("NBH300012", "Other", "Owen", date(1981, 5, 9))
    driver.run_to(case, CaseStage.RECEIVED_AT_MANUFACTURER)
    other_bag = driver.collect(other)
    page = BatchRecordPage(demo.database, demo["otto.operator"], runner)
    open_page(qtbot, page, runner)
    page.select_case(case.id)
    settle(qtbot, runner)
    click(qtbot, page.start_button)
    settle(qtbot, runner)
    assert page.form is not None
    intact, volume = page.form.editors["bag_intact"], page.form.editors["volume_ml"]
    assert isinstance(intact, QCheckBox) and isinstance(volume, QDoubleSpinBox)
    intact.setChecked(True)
    volume.setValue(248)

    def recorded_with(raw: str) -> Callable[[], None]:
        def record() -> None:
            assert page.input_scan is not None
            scan(qtbot, page.input_scan, raw)
            settle(qtbot, runner)  # an unreadable scan is refused at once
            if not page.alarm.active:  # a readable code is checked when the step is recorded
                click(qtbot, page.record_button)

        return record

    _nothing_moves(
        qtbot,
        page,
        runner,
        ("inputScan", "inputScans", "recordStep", "stepTable", "casePicker"),
        {
            "batch-stop": recorded_with(f"={other_bag.din}00"),
            "batch-could-not-read": recorded_with(UNREADABLE),
        },
    )


def test_bedside_and_its_storage_fields_stay_put(
    qtbot: QtBot, demo: Any, tmp_path: Path, runner: TaskRunner
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH300021", "Roe", "Richard", date(1965, 7, 2))
    other = driver.enrol("NBH300022", "Smith", "Sara", date(1958, 11, 23))
    driver.run_to(case, CaseStage.RECEIVED_AT_CLINIC)
    bag = _unit(demo, case, UnitKind.FINAL_PRODUCT_BAG, "ivy.infusion")
    other_bag = driver.collect(other)
    page = BedsidePage(demo.database, demo["ivy.infusion"], runner)
    open_page(qtbot, page, runner)
    page.select_case(case.id)
    settle(qtbot, runner)

    def checked_with(wristband: str) -> Callable[[], None]:
        def check() -> None:
            scan(qtbot, page.wristband_scan, wristband)
            scan(qtbot, page.bag_scan, f"={bag.din}00")

        return check

    def stored(raw: str) -> Callable[[], None]:
        def put_away() -> None:
            scan(qtbot, page.storage.unit_scan, raw)
            scan(qtbot, page.storage.place_scan, "VAPOUR-1/1/1/1")
            click(qtbot, page.storage.put_button)

        return put_away

    fields = (
        "wristbandScan",
        "bagScan",
        "bedsideCheck",
        "thawBag",
        "recordThaw",
        "infusionStarted",
        "confirmInfusion",
        "storageUnitScan",
        "storagePlaceScan",
        "putAway",
    )
    _nothing_moves(
        qtbot,
        page,
        runner,
        fields,
        {
            "bedside-stop": checked_with(f"&/{other.coi}"),  # the largest: two reasons
            "bedside-could-not-read": checked_with(UNREADABLE),
            "storage-stop": stored(f"={other_bag.din}00"),
        },
    )


def test_receipt_fields_stay_put(
    qtbot: QtBot, demo: Any, tmp_path: Path, runner: TaskRunner
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH300031", "Okafor", "Ada", date(1971, 3, 14))
    other = driver.enrol("NBH300032", "Other", "Owen", date(1981, 5, 9))
    driver.run_to(case, CaseStage.SHIPPED_TO_MANUFACTURER)
    other_bag = driver.collect(other)
    otto = demo["otto.operator"]
    [shipment] = [s for s in shipments_for_receipt(demo.database, otto) if s.case_id == case.id]
    page = ReceiptPage(demo.database, otto, runner)
    open_page(qtbot, page, runner)
    for row in range(page.shipment_list.count()):
        if shipment.sscc_text in page.shipment_list.item(row).text():
            page.shipment_list.setCurrentRow(row)
    qtbot.waitUntil(lambda: page.status is not None and page.status.shipment.id == shipment.id)
    settle(qtbot, runner)
    fields = ("receiptScanField", "receiptImport", "receiptVerify", "receiptState")
    before = places(page, fields)
    for name, raw in (
        ("receipt-stop", f"={other_bag.din}00"),
        ("receipt-could-not-read", UNREADABLE),
    ):
        scan(qtbot, page.scan_field, raw)
        settle(qtbot, runner)
        assert page.mismatch.isVisible(), name
        _assert_kind(name, page.mismatch, page.mismatch_headline.text())
        assert places(page, fields) == before, name
        page.resize(*PAGE_AREA_1280)
        qtbot.wait(20)
        assert _shown_whole(page.banner_slot) and not page.banner_slot.covers_below(), name
        page.resize(*PAGE_SIZE)
        assert_fits_1280(qtbot, page, f"banner-slot-{name}-{demo.database.backend}-1280.png")
        _press_f12(qtbot, page, runner)
        assert not page.mismatch.isVisible(), name
        assert places(page, fields) == before, name


def _blocked(station: ScanStation) -> bool:
    return station.blocked


def test_scan_station_fields_stay_put(
    qtbot: QtBot, demo: Any, tmp_path: Path, runner: TaskRunner
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH300041", "Test", "Ann", date(1980, 1, 1))
    driver.collect(case)
    other_bag = driver.collect(driver.enrol("NBH300042", "Other", "Bob", date(1975, 5, 5)))
    station = ScanStation(demo.database, demo["otto.operator"], runner)
    open_page(qtbot, station, runner)
    with qtbot.waitSignal(station.case_chosen, timeout=20_000):
        scan(qtbot, station.scan_field, f"&/{case.coi}")
    fields = ("scanField", "changeCase", "decodeImage", "camera", "fullWindow", "scanExpectation")
    before = places(station, fields)
    for name, raw in (
        ("station-stop", f"={other_bag.din}00"),
        ("station-could-not-read", UNREADABLE),
    ):
        with qtbot.waitSignal(station.blocked_changed, timeout=20_000):
            scan(qtbot, station.scan_field, raw)
        assert _blocked(station) and places(station, fields) == before, name
        _assert_kind(name, station.banner, station.headline.text())
        assert_fits_1280(qtbot, station, f"banner-slot-{name}-{demo.database.backend}-1280.png")
        _press_f12(qtbot, station.scan_field, runner)
        assert not _blocked(station) and places(station, fields) == before, name
