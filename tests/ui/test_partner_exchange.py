"""Send to manufacturer / Import from partner on the case screen, between two sites' databases.

The clinic's coordinator writes the case's bundle to a chosen folder (the folder dialog is
answered by a stand-in); the manufacturer's QA imports it (the file dialog likewise) and reads
what was made, in words; the same bundle again is refused in words, and a folder that cannot
be written records nothing. The Receipt screen then receives the imported shipment by scanning
the bag's DIN. Screenshots at 1280×800 and 1920×1080 go to
``tests/artifacts/screens/``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from app.core import sscc_text
from app.exchange import KEY_VARIABLE
from db.enums import ShipmentDirection
from tests.support.page_driving import click, scan, settle, shoot
from tests.support.two_sites import Site, TwoSites, two_sites
from tests.ui.fit import save_both_sizes
from tests.ui.test_cases_layout import overlapping
from ui.pages.cases.page import CasesPage
from ui.pages.receipt.page import ReceiptPage
from ui.tasks import TaskRunner

__all__ = ["two_sites"]

PATIENT = ("NBH800002", "Mensah", "Kofi", date(1968, 2, 9))
SIZES = ((1280, 800), (1920, 1080))


def _answer_folder(monkeypatch: pytest.MonkeyPatch, folder: Path | None) -> list[str]:
    asked: list[str] = []

    def answer(parent: QWidget, caption: str, start: str) -> str:
        asked.append(caption)
        return str(folder) if folder else ""

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(answer))
    return asked


def _answer_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    def answer(parent: QWidget, caption: str, start: str, kinds: str) -> tuple[str, str]:
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(answer))


def _page(qtbot: QtBot, runner: TaskRunner, site: Site, username: str, coi: str) -> CasesPage:
    page = CasesPage(site.database, site[username], runner)
    qtbot.addWidget(page)
    page.resize(*SIZES[0])
    page.show()
    page.search.setText(coi)
    page.refresh()
    settle(qtbot, runner)
    return page


def _shots(page: CasesPage, name: str) -> None:
    for width, height in SIZES:
        page.resize(width, height)
        shoot(page, f"{name}-{page.database.backend}-{width}x{height}.png")


@pytest.mark.parametrize(
    "two_sites",
    [("sqlite", "sqlite"), ("postgresql", "postgresql")],
    indirect=True,
    ids=["sqlite+sqlite", "postgresql+postgresql"],  # PostgreSQL under --slow: tests/conftest.py
)
def test_send_to_manufacturer_and_import_from_partner(
    qtbot: QtBot,
    runner: TaskRunner,
    two_sites: TwoSites,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clinic, maker = two_sites.clinic, two_sites.maker
    case = clinic.driver.enrol(*PATIENT)
    bag = clinic.driver.collect(case)
    shipped = clinic.driver.ship(
        case, [bag], ShipmentDirection.TO_MANUFACTURER, sender="alex.apheresis"
    )
    monkeypatch.setenv(KEY_VARIABLE, str(clinic.key))

    page = _page(qtbot, runner, clinic, "cora.coordinator", case.coi)
    qtbot.waitUntil(page.exchange.send_button.isEnabled, timeout=30_000)
    exchange = page.exchange
    # issue 16: the partner by its name, not its site code (the code is in the tooltip)
    assert exchange.send_button.text() == "Send to manufacturer…"
    tip = exchange.send_button.toolTip()
    assert "for Cell Therapy Facility (demo) (site code CTF)" in tip
    asked = _answer_folder(monkeypatch, None)  # cancelled: nothing written
    click(qtbot, exchange.send_button)
    assert asked == ["Choose the folder to write the bundle for Cell Therapy Facility (demo) to"]
    assert not runner.busy and not exchange.message.isVisible()

    # a folder that cannot be written (read-only even for root): refused, nothing recorded
    _answer_folder(monkeypatch, Path("/sys"))
    click(qtbot, exchange.send_button)
    settle(qtbot, runner)
    assert exchange.message.text().startswith("✖")
    assert "not recorded as sent" in exchange.message.text()

    shared = tmp_path / "shared-drive"
    shared.mkdir()
    _answer_folder(monkeypatch, shared)
    click(qtbot, exchange.send_button)
    settle(qtbot, runner)
    sent = exchange.message.text()
    assert sent.startswith("✔ Bundle for Cell Therapy Facility (demo) (CTF) written"), sent
    assert sent.endswith("Send the file to Cell Therapy Facility (demo).")
    [bundle] = shared.glob("*.coibundle")
    assert bundle.name.startswith(f"{case.coi}-to-CTF-")
    _shots(page, "cases-bundle-sent")

    # the manufacturer's QA: the case is not there until the bundle is imported
    page = _page(qtbot, runner, maker, "asha.qa", case.coi)
    assert page.model.total == 0
    assert page.exchange.import_button.isVisible()
    _answer_file(monkeypatch, bundle)
    click(qtbot, page.exchange.import_button)
    settle(qtbot, runner)
    words = page.exchange.message.text()
    assert words.startswith(
        f"✔ Bundle from Northbridge University Hospital (NBH) imported for case "
        f"{case.coi_eye_readable}"
    ), words
    # issue 16 review: identifiers as printed, states in words, never the stored codes
    for code in ("shipped_to_manufacturer", "apheresis_bag", "in_transit", case.coi):
        assert code not in words, (code, words)
    assert "(00) " in words and "(apheresis bag)" in words and "(in transit)" in words
    assert f"case {case.coi_eye_readable} (Shipped to manufacturer)" in words and "more" in words
    qtbot.waitUntil(lambda: page.model.total == 1, timeout=30_000)
    qtbot.waitUntil(page.exchange.send_button.isEnabled, timeout=30_000)
    assert page.exchange.send_button.text() == "Send to clinic…"
    assert "NBH" not in page.exchange.send_button.text()
    page.resize(*SIZES[0])
    qtbot.waitUntil(page.holds.isVisible, timeout=10_000)
    QApplication.processEvents()
    assert overlapping(page) == []  # issue 16 review: the Holds box overlapped the genealogy
    _shots(page, "cases-bundle-imported")

    click(qtbot, page.exchange.import_button)  # the same bundle again: a replay
    settle(qtbot, runner)
    refused = page.exchange.message.text()
    assert refused.startswith("✖") and "imported before" in refused, refused
    # The result line spans the page under the buttons, never squeezed beside them.
    message = page.exchange.message
    assert message.parentWidget() is page and message.width() > page.width() * 0.9
    assert message.geometry().top() > page.exchange.geometry().bottom()
    _shots(page, "cases-bundle-refused")

    # an operator may not import: the button is not offered
    operator = _page(qtbot, runner, maker, "otto.operator", case.coi)
    assert not operator.exchange.import_button.isVisible()
    # issue 16: nor send one, at either site (the service refuses them: SEND_ROLES)
    assert not operator.exchange.send_button.isVisible()
    nurse = _page(qtbot, runner, clinic, "ivy.infusion", case.coi)
    qtbot.waitUntil(lambda: nurse.exchange.partner is not None, timeout=30_000)  # her site's…
    assert not nurse.exchange.send_button.isVisible()  # …but sending is not the nurse's

    # the Receipt screen works on the imported shipment: scan the bag's DIN, it matches
    receipt = ReceiptPage(maker.database, maker["otto.operator"], runner)
    qtbot.addWidget(receipt)
    receipt.resize(*SIZES[0])
    receipt.show()

    def cell(row: int, column: int) -> str:
        item = receipt.units.item(row, column)
        return item.text() if item is not None else ""

    qtbot.waitUntil(lambda: receipt.status is not None, timeout=30_000)
    qtbot.waitUntil(lambda: cell(0, 2) == "waiting for scan", timeout=30_000)
    listed = receipt.shipment_list.item(0)
    assert sscc_text(shipped.sscc) in listed.text()
    assert "Mensah" not in receipt.header.text()  # the bench sees the COI, never the patient
    scan(qtbot, receipt.scan_field, f"={bag.din}00")
    qtbot.waitUntil(lambda: cell(0, 2) == "received", timeout=30_000)
    assert "1 of 1" in receipt.scan_ok.text()
    save_both_sizes(receipt, f"receipt-imported-shipment-{maker.database.backend}")
