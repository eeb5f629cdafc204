"""The collection and shipment screen, driven as the apheresis unit would use it.

A demo case is enrolled through the real services (JourneyDriver); then alex.apheresis registers
a bag by typing, prints its label (through a stand-in for the system print dialog), scans it back
as a keyboard-wedge scanner types (text + Enter), a second person verifies through
SecondPersonDialog (its ``exec`` filled in), and the bag is packed, the logger scanned and the
shipper handed over. Screenshots: tests/artifacts/screens/.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDateTime, QEvent, Qt, QTimeZone
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

import ui.pages.case_work as case_work_module
import ui.pages.shipper_box as shipper_box_module
from app.casefile.stages import CaseStage
from app.demo.journey import JourneyDriver
from app.journey.collection import CollectedBag, register_collection
from app.journey.enrolment import find_case
from app.labelling.records import label_reconciliation
from app.scanning import GS, ScannerSettings
from db.enums import ScanOutcome
from db.models import Scan
from db.types import utc_now
from labels.scan import parse_scan
from tests.support.page_driving import (
    click,
    open_page,
    scan,
    second_person,
    settle,
    shoot,
    shoot_sizes,
)
from tests.support.readers import reader
from tests.ui.fit import PAGE_AREA_1280, assert_fits_1280, placeholders_cut
from ui.pages.collection.page import CollectionPage
from ui.tasks.runner import TaskRunner
from ui.widgets.formats import din_text
from ui.widgets.label_rows import bag_label_text
from ui.widgets.time_editors import local_zone_words

UTC_PLUS_2 = QTimeZone(2 * 3600)


def test_bag_label_words() -> None:
    assert bag_label_text(None).startswith("No label printed yet")


def test_collect_label_verify_and_ship(
    qtbot: QtBot, demo: Any, tmp_path: Path, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH200001", "Doe", "Jane", date(1970, 3, 14))
    other = driver.enrol("NBH200002", "Other", "Owen", date(1981, 5, 9))
    end = utc_now() - timedelta(hours=1)
    other_bag = register_collection(
        demo.database,
        driver.who("alex.apheresis"),
        other.id,
        CollectedBag(200.0, "ACD-A", end - timedelta(hours=2), end),
    )
    printed: list[tuple[float, float]] = []

    def fake_print(_parent: Any, pdf: bytes, size: tuple[float, float]) -> bool:
        assert pdf.startswith(b"%PDF")
        printed.append(size)
        return True

    # the shared case page (ui.pages.case_work) sends labels to the print dialog
    monkeypatch.setattr(case_work_module, "choose_printer_and_print", fake_print)
    monkeypatch.setattr(shipper_box_module, "choose_printer_and_print", fake_print)
    page = CollectionPage(demo.database, driver.who("alex.apheresis"), runner)
    assert page.objectName() == "page-collection"
    open_page(qtbot, page, runner, case.id)
    assert page.state is not None and page.state.case.id == case.id
    assert not page.shipment_group.isEnabled() and not page.verify_group.isEnabled()
    # issue 16 review: no line repeats the pinned case header; the bag count is in words
    assert not page.case_label.isVisible()
    assert page.bags_group.title().endswith(" — no bag yet")

    # 1 · register a bag by typing
    assert page.anticoagulant.text() == "ACD-A"
    assert page.volume.lineEdit().text() == "— mL"  # the unit shows before a value is typed
    page.volume.lineEdit().selectAll()
    qtbot.keyClicks(page.volume.lineEdit(), "248")
    now = QDateTime.currentDateTime()
    # issue 16 review: every other time on the screens is UTC; the field said neither
    zone = page.findChild(QLabel, "collectionZone")
    assert zone is not None and zone.isVisible()
    assert zone.text() == f"Times above in {local_zone_words(now)}"
    assert local_zone_words(QDateTime.currentDateTimeUtc().toTimeZone(UTC_PLUS_2)) == (
        "local time (UTC+02:00)"
    )
    page.collection_start.setDateTime(now.addSecs(-3 * 3600))
    page.collection_end.setDateTime(now.addSecs(-600))
    click(qtbot, page.register_button)
    settle(qtbot, runner)
    assert page.ok_message.text().startswith("✔ Bag DIN"), page.error_message.text()
    assert len(page.state.bags) == 1 and len(page.bag_rows) == 1
    assert page.bags_group.title().endswith(" — 1 bag")
    shown = [label.text() for label in page.findChildren(QLabel) if label.isVisible()]
    assert not [text for text in shown if "(s)" in text], shown
    bag = page.state.bags[0]
    assert bag.volume_ml == 248.0 and bag.din
    assert bag.collection_end is not None and bag.collection_start is not None
    assert timedelta(hours=2, minutes=49) < bag.collection_end - bag.collection_start
    row = page.bag_rows[0]
    assert row.status.text().startswith("No label printed yet")
    assert not row.scan_back.isEnabled()

    # verification before the label is scanned back is refused in words
    second_person(monkeypatch, "ana.apheresis")
    click(qtbot, page.verify_button)
    settle(qtbot, runner)
    assert "has not been scanned back" in page.error_message.text()

    # 2 · print and scan back: a wrong label raises the alarm, the right one is matched
    click(qtbot, page.bag_rows[0].print_button)
    settle(qtbot, runner)
    assert len(printed) == 1
    row = page.bag_rows[0]
    assert row.status.text() == "Label printed — scan it back on the bag."
    assert row.print_button.text() == "Reprint label…"
    assert row.scan_back.hasFocus()  # focus: the next scan expected is this label's
    scan(qtbot, row.scan_back, f"={other_bag.din}00")
    settle(qtbot, runner)
    assert page.alarm.active and not page.body.isEnabled()
    assert "SCAN DOES NOT MATCH" in page.alarm.text.text()
    assert_fits_1280(qtbot, page, "collection-wrong-bag-1280.png")
    click(qtbot, page.alarm.button)
    settle(qtbot, runner)
    assert not page.alarm.active and page.body.isEnabled()
    acknowledgement = page.alarm.acknowledgement
    assert acknowledgement is not None and acknowledgement.username == "alex.apheresis"
    assert acknowledgement.deviation_number is not None
    assert row.scan_back.text() == ""
    scan(qtbot, row.scan_back, f"={bag.din}00")
    settle(qtbot, runner)
    assert page.bag_rows[0].status.text() == "✔ Label scanned back and matched."
    assert label_reconciliation(demo.database, reader(demo.database), bag.id).reconciled

    # a reprint asks for a reason; cancelling it prints nothing
    monkeypatch.setattr(case_work_module.QInputDialog, "getText", lambda *_a, **_k: ("", False))
    click(qtbot, page.bag_rows[0].print_button)
    settle(qtbot, runner)
    assert len(printed) == 1

    # 3 · the collector cannot verify her own collection; a second nurse can
    second_person(monkeypatch, "alex.apheresis")
    click(qtbot, page.verify_button)
    settle(qtbot, runner)
    assert "cannot also verify it" in page.error_message.text()
    shown = second_person(monkeypatch, "ana.apheresis")
    click(qtbot, page.verify_button)
    settle(qtbot, runner)
    assert "Collection verified and signed by" in page.ok_message.text(), page.error_message.text()
    assert case.coi_eye_readable in shown[0]
    assert page.state is not None and page.state.case.stage is CaseStage.COLLECTED
    assert page.current_case_id() == case.id
    assert not page.register_group.isEnabled() and page.shipment_group.isEnabled()

    # 4 · create the shipment, pack by scan, attach the logger, hand over
    click(qtbot, page.create_button)
    settle(qtbot, runner)
    shipment = page.shipments[case.id]
    assert shipment.sscc_text in page.sscc_label.text()  # grouped as GS1 writes it
    assert shipment.sscc_text.startswith("(00) ") and len(shipment.sscc_text.split()) == 5
    assert page.pack_scan.hasFocus()
    assert f"Still to pack: DIN {din_text(bag.din)}" in page.packed_label.text()
    scan(qtbot, page.pack_scan, f"={other_bag.din}00")
    settle(qtbot, runner)
    assert page.alarm.active
    click(qtbot, page.alarm.button)
    settle(qtbot, runner)
    assert page.pack_scan.hasFocus()  # the bag is still to pack
    scan(qtbot, page.pack_scan, f"={bag.din}00")
    settle(qtbot, runner)
    assert "✔ Packed: DIN" in page.packed_label.text(), page.error_message.text()
    # Every bag packed: the next scan is the logger's, never "Pack bag" again (issue 16).
    assert page.logger_scan.hasFocus() and not page.pack_scan.hasFocus()
    click(qtbot, page.hand_over_button)
    settle(qtbot, runner)
    assert "courier" in page.error_message.text()
    scan(qtbot, page.logger_scan, "(8004)5901234LOG001")
    settle(qtbot, runner)
    assert "5901234LOG001" in page.sscc_label.text(), page.error_message.text()
    # 5 · the inbound shipper label too (C720): printed, scanned on its box, else no hand-over
    box = page.shipper
    assert box.label_button.hasFocus()
    qtbot.keyClicks(page.courier_name, "Sam Driver")
    qtbot.keyClicks(page.courier_company, "Cryo Couriers Ltd")
    click(qtbot, page.hand_over_button)
    settle(qtbot, runner)
    assert "Print the shipper label" in page.error_message.text()
    click(qtbot, box.label_button)
    settle(qtbot, runner)
    assert printed[-1] == (100, 150), page.error_message.text()
    assert "not yet scanned on the box" in page.sscc_label.text()
    assert box.label_scan.hasFocus()
    shoot_sizes(page, "collection-shipper-label-printed")
    before = page.size()
    page.resize(*PAGE_AREA_1280)  # every scan field's hint read whole at 1280 × 800
    QApplication.processEvents()
    assert placeholders_cut(page) == []
    page.resize(before)
    click(qtbot, page.hand_over_button)
    settle(qtbot, runner)
    assert "Scan the shipper label" in page.error_message.text()
    scan(qtbot, box.label_scan, f"={bag.din}00")  # a bag's label is no shipper label
    settle(qtbot, runner)
    assert page.alarm.active and "not a shipper label" in page.alarm.text.text()
    shoot_sizes(page, "collection-shipper-label-wrong-scan")
    click(qtbot, page.alarm.button)
    settle(qtbot, runner)
    scan(qtbot, box.label_scan, f"(00){shipment.sscc}")
    settle(qtbot, runner)
    assert "✔ label scanned on the box" in page.sscc_label.text(), page.error_message.text()
    assert page.courier_name.hasFocus()
    assert box.manifest.isEnabled()  # the manifest is offered for the courier to sign
    shoot(page, "collection-shipment.png")
    shoot_sizes(page, "collection-shipper-label-scanned")
    click(qtbot, page.hand_over_button)
    settle(qtbot, runner)
    assert "handed over to Sam Driver" in page.ok_message.text(), page.error_message.text()
    shipped = find_case(demo.database, driver.who("alex.apheresis"), case.id)
    assert shipped.stage is CaseStage.SHIPPED_TO_MANUFACTURER
    assert shipped.stage_name == "Shipped to manufacturer"
    # The page stays on the case and says it moved on; it never opens another case by itself.
    assert page.current_case_id() == case.id
    assert page.case_picker.currentText().endswith("(moved on)")
    header = page.case_header.text()
    assert f"COI {case.coi_eye_readable}" in header and "DOE, Jane" in header
    assert "moved on to “Shipped to manufacturer”" in header
    assert page.case_header.property("moved") == "yes"
    shoot(page, "collection-moved-on-after-hand-over.png")
    if page.case_picker.count() > 1:  # choosing another case drops the one that moved on
        page.case_picker.setCurrentIndex(1)
        settle(qtbot, runner)
        assert case.id not in page._case_ids
        assert "moved on" not in page.case_header.text()


def test_the_label_scan_back_reads_a_scanner_as_the_scan_station_does(
    qtbot: QtBot, demo: Any, tmp_path: Path, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("NBH200001", "Doe", "Jane", date(1970, 3, 14))
    monkeypatch.setattr(case_work_module, "choose_printer_and_print", lambda *_args: True)
    settings = ScannerSettings(gs_substitute="<GS>", aim_prefix_expected=True)
    alex = driver.who("alex.apheresis")
    page = CollectionPage(demo.database, alex, runner, scanner=settings)
    open_page(qtbot, page, runner, case.id)
    page.volume.setValue(240)
    click(qtbot, page.register_button)
    settle(qtbot, runner)
    click(qtbot, page.bag_rows[0].print_button)
    settle(qtbot, runner)
    row = page.bag_rows[0]
    bag = row.unit
    assert row.scan_back.placeholderText() == "Scan the label on the bag (Enter)"
    assert row.scan_back.objectName() == "labelScanBack"

    # An empty Enter is no scan; a control character no code carries is refused in words,
    # recorded, and blocks the page until acknowledged.
    row.scan_back.setFocus()
    qtbot.keyClick(row.scan_back, Qt.Key.Key_Return)
    assert not page.alarm.active and not page.error_message.isVisible()
    qtbot.keyClicks(row.scan_back, f"]C0={bag.din}")
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        event = QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, "\x07")
        QApplication.sendEvent(row.scan_back, event)
    qtbot.keyClick(row.scan_back, Qt.Key.Key_Return)
    settle(qtbot, runner)
    assert page.alarm.active
    assert "for IT: control character 0x07" in page.alarm.text.text()
    assert "the scan could not be read" in page.alarm.text.text()  # issue 16: a nurse's words
    with demo.database.read_session() as session:
        refused = session.scalars(select(Scan).order_by(Scan.recorded_at.desc())).first()
        assert refused is not None and refused.raw_text == f"]C0={bag.din}\x07"
        assert refused.outcome is ScanOutcome.UNREADABLE and refused.purpose == "label check"
    assert not label_reconciliation(demo.database, reader(demo.database), bag.id).reconciled
    click(qtbot, page.alarm.button)
    settle(qtbot, runner)
    assert not page.alarm.active

    # GS1 data with the substitute: read as GS1 (batch and serial apart), refused, recorded.
    gs1 = "]C1010950110102091710LOT1234567890ABCD<GS>2112345"
    scan(qtbot, row.scan_back, gs1)
    settle(qtbot, runner)
    assert page.alarm.active and "SCAN DOES NOT MATCH" in page.alarm.text.text()
    with demo.database.read_session() as session:
        refused = session.scalars(select(Scan).order_by(Scan.recorded_at.desc())).first()
        assert refused is not None
        assert refused.raw_text == gs1.replace("<GS>", GS) and refused.parsed_kind == "gs1"
    assert parse_scan(refused.raw_text).fields["21"] == "12345"
    click(qtbot, page.alarm.button)
    settle(qtbot, runner)

    # The DIN with its AIM prefix, as the scanner sends it: matched.
    scan(qtbot, page.bag_rows[0].scan_back, f"]C0={bag.din}00")
    settle(qtbot, runner)
    assert page.bag_rows[0].status.text() == "✔ Label scanned back and matched."
    assert label_reconciliation(demo.database, reader(demo.database), bag.id).reconciled
