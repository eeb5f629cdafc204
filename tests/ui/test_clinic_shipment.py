"""The outbound shipment on the batch record page, driven as the manufacturing operator does it:
open a shipper for the released batch, pack each final bag by scan, scan the data logger, print
the shipper label and scan it on the box, save the manifest and hand over to the courier.

On SQLite and PostgreSQL (every step writes): the released case is driven once per run and
backend (tests/support/released_case.py) and copied for the test. Screenshots:
tests/artifacts/screens/clinic-shipment-*-<backend>-{1280,1920}.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

import ui.pages.shipper_box as shipper_box_module
from app.journey import find_case
from db.enums import CaseStage, LabelStatus
from db.models import AuditEvent, Label, Shipment
from tests.support.page_driving import PAGE_SIZE, click, scan, settle, shoot_sizes
from tests.support.released_case import Released, released, released_source
from ui.pages.batch_record.page import BatchRecordPage
from ui.tasks.runner import TaskRunner
from ui.widgets import din_text

__all__ = ["released", "released_source"]


def _actions(released: Released, record_id: str) -> list[str]:
    with released.demo.database.read_session() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.record_id == record_id)
                .order_by(AuditEvent.seq)
            )
        )


def test_the_operator_packs_labels_and_hands_the_released_batch_to_the_courier(
    qtbot: QtBot,
    released: Released,
    runner: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    backend = released.demo.database.backend
    printed: list[tuple[float, float]] = []

    def print_dialog(_parent: Any, pdf: bytes, size: tuple[float, float]) -> bool:
        assert pdf.startswith(b"%PDF")
        printed.append(size)
        return True

    monkeypatch.setattr(shipper_box_module, "choose_printer_and_print", print_dialog)
    page = BatchRecordPage(released.demo.database, released.demo["otto.operator"], runner)
    qtbot.addWidget(page)
    page.resize(*PAGE_SIZE)
    page.show()
    qtbot.waitExposed(page)
    settle(qtbot, runner)
    page.select_case(released.case_id)
    settle(qtbot, runner)
    box = page.shipper
    assert box.isVisible() and box.create_button.isEnabled()
    assert not box.pack_scan.isEnabled()  # nothing to scan into before the shipper is open

    click(qtbot, box.create_button)
    settle(qtbot, runner)
    shipment = box.current()
    assert shipment is not None, page.error_message.text()
    assert box.pack_scan.hasFocus()
    for din in released.dins:
        assert f"Still to pack: DIN {din_text(din)}" in box.packed_label.text()
    scan(qtbot, box.pack_scan, "=A9999 26 000001 00")  # no bag of this batch: the alarm
    settle(qtbot, runner)
    assert page.alarm.active
    click(qtbot, page.alarm.button)
    settle(qtbot, runner)
    for din in released.dins:
        scan(qtbot, box.pack_scan, f"={din}00")
        settle(qtbot, runner)
        assert "Packed into SSCC" in page.ok_message.text(), page.error_message.text()
        assert f"✔ Packed: DIN {din_text(din)}" in box.packed_label.text()
    assert box.logger_scan.hasFocus()  # every bag in: the logger next, never "Pack bag"
    logger = f"4012345LOG{shipment.sscc[-6:]}"
    scan(qtbot, box.logger_scan, f"(8004){logger}")
    settle(qtbot, runner)
    assert f"logger {logger}" in box.sscc_label.text(), page.error_message.text()
    assert box.label_button.hasFocus()

    qtbot.keyClicks(box.courier_name, "Sam Driver")
    qtbot.keyClicks(box.courier_company, "Cryo Couriers Ltd")
    click(qtbot, box.hand_over_button)  # no label on the box yet: refused in words
    settle(qtbot, runner)
    assert "Print the shipper label" in page.error_message.text()
    click(qtbot, box.label_button)
    settle(qtbot, runner)
    assert printed == [(100, 150)], page.error_message.text()
    assert f"Shipper label SSCC {shipment.sscc_text} printed" in page.ok_message.text()
    assert box.label_button.text() == "Reprint shipper label…"
    assert box.label_scan.hasFocus()
    shoot_sizes(page, f"clinic-shipment-label-printed-{backend}")
    click(qtbot, box.hand_over_button)  # printed, not yet scanned on the box: refused
    settle(qtbot, runner)
    assert "Scan the shipper label" in page.error_message.text()
    scan(qtbot, box.label_scan, f"={released.dins[0]}00")  # a bag's label is no shipper label
    settle(qtbot, runner)
    assert page.alarm.active
    assert "not a shipper label" in page.alarm.text.text()
    click(qtbot, page.alarm.button)
    settle(qtbot, runner)
    scan(qtbot, box.label_scan, f"(00){shipment.sscc}")
    settle(qtbot, runner)
    assert "✔ label scanned on the box" in box.sscc_label.text(), page.error_message.text()

    manifest = tmp_path / f"manifest-{shipment.sscc}.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(manifest), ""))
    click(qtbot, box.manifest.button)
    qtbot.waitUntil(lambda: box.manifest.last_saved is not None, timeout=20_000)
    assert manifest.read_bytes().startswith(b"%PDF")
    assert "Manifest saved to" in page.ok_message.text()
    shoot_sizes(page, f"clinic-shipment-ready-{backend}")
    click(qtbot, box.hand_over_button)
    settle(qtbot, runner)
    assert "handed over to Sam Driver" in page.ok_message.text(), page.error_message.text()
    assert "shipped to the clinic" in page.ok_message.text()
    # issue 16: the page stays on the case and its pinned header says it moved on
    assert page.current_case_id() == released.case_id
    assert page.case_picker.currentText().endswith("(moved on)")
    header = page.case_header.text()
    assert "moved on to “Shipped to clinic”" in header, header
    assert page.case_header.property("moved") == "yes"
    shoot_sizes(page, f"clinic-shipment-handed-over-{backend}")

    # What the services recorded: the case shipped, the shipper's label applied, its trail.
    case = find_case(released.demo.database, released.demo["otto.operator"], released.case_id)
    assert case.stage is CaseStage.SHIPPED_TO_CLINIC
    with released.demo.database.read_session() as session:
        row = session.get_one(Shipment, shipment.id)
        assert row.courier_name == "Sam Driver" and row.logger_giai == logger
        assert row.handed_over_at is not None
        labels = session.scalars(
            select(Label.status).where(Label.template == "shipper").order_by(Label.printed_at)
        ).all()
    assert list(labels) == [LabelStatus.APPLIED] * 2  # the inbound shipper's, then this one
    trail = _actions(released, str(shipment.id))
    assert trail[0] == "open shipment" and "attach logger" in trail, trail
