"""The Receipt screen at the clinic, after the receipt is verified: the nurse prints each final
bag's patient-identity label through the print dialog and scans the bag and the label back; the
focus moves from field to field as a scanner user expects, and another bag's label is the red
STOP. On SQLite and PostgreSQL (the prints and scan-backs write); screenshots go to
tests/artifacts/screens/receipt-identity-*-<backend>.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QScrollArea
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.core import din_text
from app.labelling import identity_label_state
from db.enums import LabelStatus
from db.models import Label, Unit
from tests.support.clinic_receipt import ClinicReceipt, clinic_receipt, clinic_receipt_template
from tests.support.page_driving import PAGE_SIZE, settle
from tests.ui.fit import (
    PAGE_AREA_1280,
    assert_fits_1280,
    combos_cut,
    placeholders_cut,
    save_both_sizes,
)
from ui.pages.bedside.page import BedsidePage
from ui.pages.receipt import identity_labels
from ui.pages.receipt.page import ReceiptPage
from ui.shell.style import apply_style
from ui.tasks.runner import TaskRunner

__all__ = ["clinic_receipt", "clinic_receipt_template"]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
WAIT_MS = 60_000


@pytest.fixture
def runner(clinic_receipt: ClinicReceipt) -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    assert tasks.wait(120_000)


class FakePrintDialog:
    """Stands in for the system print dialog: remembers each label it was asked to print."""

    def __init__(self) -> None:
        self.sizes: list[tuple[float, float]] = []

    def __call__(self, _parent: object, pdf: bytes, size: tuple[float, float]) -> bool:
        assert pdf.startswith(b"%PDF")
        self.sizes.append(size)
        return True


def _din_scan(receipt: ClinicReceipt, index: int) -> str:
    with receipt.database.read_session() as session:
        din = session.scalar(select(Unit.din).where(Unit.id == receipt.facts.bags[index]))
    return f"={din}00"


def _linear_of(receipt: ClinicReceipt, index: int) -> str:
    """The linear code of the bag's latest identity label (its print serial)."""
    with receipt.database.read_session() as session:
        serial = session.scalar(
            select(Label.serial)
            .where(Label.unit_id == receipt.facts.bags[index], Label.template == "patient_identity")
            .order_by(Label.printed_at.desc())
        )
    return f"&,2{serial}"


def _scan(qtbot: QtBot, field: object, text: str) -> None:
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_the_nurse_prints_and_scans_back_each_bags_identity_label(
    qtbot: QtBot,
    clinic_receipt: ClinicReceipt,
    runner: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = clinic_receipt.database.backend
    dialog = FakePrintDialog()
    monkeypatch.setattr(identity_labels, "choose_printer_and_print", dialog)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_style(app)
    ivy = clinic_receipt["ivy.infusion"]
    page = ReceiptPage(clinic_receipt.database, ivy, runner)
    qtbot.addWidget(page)
    page.resize(1500, 980)
    page.show()
    qtbot.waitExposed(page)
    panel = page.identity_labels
    qtbot.waitUntil(lambda: panel.isVisible() and panel.choice.count() == 2, timeout=WAIT_MS)
    assert "identity label not printed" in panel.choice.itemText(0)
    assert panel.choice.itemText(0).startswith("Bag G5678 26 ")  # the DIN as printed on it

    qtbot.mouseClick(panel.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.sizes == [(80, 42)], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "printed: scan it back" in panel.choice.itemText(0), timeout=WAIT_MS)
    assert panel.bag_field.hasFocus()  # next: the bag

    _scan(qtbot, panel.bag_field, _din_scan(clinic_receipt, 0))
    assert panel.label_field.hasFocus()  # then its label
    _scan(qtbot, panel.label_field, _linear_of(clinic_receipt, 0))
    qtbot.waitUntil(lambda: "✔ identity label applied" in panel.choice.itemText(0), timeout=WAIT_MS)
    assert identity_label_state(clinic_receipt.database, ivy, clinic_receipt.facts.bags[0]).applied
    assert panel.current_bag() == clinic_receipt.facts.bags[1]  # on to the bag still to do
    # the message names the bag done, as the list beside has moved on to the next one
    done_din = dict(panel.bags)[clinic_receipt.facts.bags[0]]
    assert f"matched bag DIN {din_text(done_din)} and is applied" in panel.message.text()
    assert panel.bag_field.hasFocus()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    qtbot.waitUntil(lambda: page.cold_chain.trace_shown, timeout=WAIT_MS)  # drawn by a helper
    before = page.size()
    page.resize(*PAGE_AREA_1280)
    QApplication.processEvents()
    # The cold-chain numbers wrap inside their column: none runs past its right edge (the
    # logger file's name, an unbroken SSCC, made the column wider than it is shown).
    numbers = next(iter(page.cold_chain.numbers.values())).parentWidget()
    assert numbers.width() <= numbers.parentWidget().width(), numbers.minimumSizeHint()
    assert placeholders_cut(page) == []  # "2 · Scan … identity label" read whole at 1280
    panel.choice.setCurrentIndex(0)  # issue 16: "… identity label printed: scar" was cut
    assert combos_cut(page) == []
    panel.choice.setCurrentIndex(1)
    page.resize(before)
    assert_fits_1280(qtbot, page, f"receipt-identity-applied-1280-{backend}.png")

    # The second bag, with the first bag's identity label: the red STOP, nothing applied.
    qtbot.mouseClick(panel.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(dialog.sizes) == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "printed: scan it back" in panel.choice.itemText(1), timeout=WAIT_MS)
    before = page.size()
    page.resize(*PAGE_AREA_1280)
    QApplication.processEvents()
    assert "printed: scan it back" in panel.choice.currentText()
    assert combos_cut(page) == []  # the longest state, whole at 1280 × 800
    page.resize(before)
    _scan(qtbot, panel.bag_field, _din_scan(clinic_receipt, 1))
    _scan(qtbot, panel.label_field, _linear_of(clinic_receipt, 0))
    qtbot.waitUntil(page.mismatch.isVisible, timeout=WAIT_MS)
    assert page.mismatch_headline.text() == "✖ WRONG LABEL — STOP"
    assert "another container" in page.mismatch_text.text()
    assert "the label was not applied" in page.mismatch_text.text()
    assert page.mismatch_text.text().casefold().count("aside") == 1  # said once
    assert page.mismatch.property("kind") == "wrong"
    # a label is set aside, not a container; the other bag named by its DIN as printed
    assert page.acknowledge.text() == "I have set this label aside — acknowledge (F12)"
    first_din = dict(panel.bags)[clinic_receipt.facts.bags[0]]
    assert din_text(first_din) in page.mismatch_text.text()
    save_both_sizes(page, f"receipt-identity-wrong-label-{backend}")
    # Issue 16, build point 3: the wrong identity label's STOP, the page's largest alarm with
    # the label panel open, fits 1280 × 800 (headline, words and acknowledge button whole).
    before = page.size()
    page.resize(*PAGE_AREA_1280)
    QApplication.processEvents()
    assert page.mismatch.visibleRegion().boundingRect() == page.mismatch.rect()  # not scrolled
    page.resize(before)
    assert_fits_1280(qtbot, page, f"receipt-identity-wrong-label-fit-1280-{backend}.png")
    with clinic_receipt.database.read_session() as session:
        statuses = session.scalars(
            select(Label.status).where(
                Label.unit_id == clinic_receipt.facts.bags[1], Label.template == "patient_identity"
            )
        ).all()
    assert statuses == [LabelStatus.ISSUED]
    qtbot.mouseClick(page.acknowledge, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.mismatch.isVisible(), timeout=WAIT_MS)
    assert panel.bag_field.hasFocus()  # back to the bag, ready to scan again

    # At the bedside the nurse reads the patient's name, and which bag carries its label.
    bedside = BedsidePage(clinic_receipt.database, ivy, runner)
    qtbot.addWidget(bedside)
    bedside.resize(*PAGE_SIZE)
    bedside.show()
    qtbot.waitExposed(bedside)
    settle(qtbot, runner)
    bedside.select_case(clinic_receipt.facts.case_id)
    settle(qtbot, runner)
    assert bedside.patient_name.text() == "ADEYEMI, Tolu"
    bags = bedside.bags_label.text()
    assert bags.count("patient-identity label on") == 1
    assert bags.count("NO patient-identity label: print it at Receipt") == 1
    save_both_sizes(bedside, f"bedside-identity-labels-{backend}")
    # Issue 16: a longer name beside born and hospital number never widens the page beyond a
    # 1280 × 800 window (the COI sat on that line and pushed "Refresh" out of the window).
    bedside.resize(*PAGE_AREA_1280)
    QApplication.processEvents()
    scroll = bedside.findChild(QScrollArea, "caseWorkScroll")
    assert scroll is not None and scroll.horizontalScrollBar().maximum() == 0
