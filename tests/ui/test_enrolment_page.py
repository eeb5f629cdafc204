"""The Enrolment screen, driven as cora.coordinator would use it on the demo data.

The main window is opened at 1280 × 800 and the Enrolment section chosen through the
navigation; the coordinator submits an empty form and bad values (each field says what is
wrong and nothing is saved), types a patient, sees the slots left on the booked days, enrols,
opens the case, then enrols the same patient again: the duplicate warning names the case on
record and asks same or different patient. Screenshots: tests/artifacts/screens/enrolment-*.png.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.access.users import authenticate
from app.admin.capacity import set_slot_capacity
from db.enums import SlotKind
from db.models import Case
from db.types import utc_now
from tests.conftest import PASSWORD
from tests.support.page_driving import click, main_window, settle, shoot
from tests.ui.fit import combos_cut, settled_clipping
from ui.pages.cases.page import CasesPage
from ui.pages.enrolment.page import EnrolmentPage
from ui.shell.main_window import MainWindow
from ui.tasks.runner import TaskRunner

DAY = utc_now().date() + timedelta(days=6)
SLOT = DAY + timedelta(days=2)


def _cases(demo: Any) -> int:
    with demo.database.read_session() as session:
        return session.scalar(select(func.count()).select_from(Case)) or 0


def _type(page: EnrolmentPage, **values: str) -> None:
    for name, text in values.items():
        getattr(page, name).editor.setText(text)


def _error(field: Any) -> str:
    return field.error.text() if field.error.isVisible() else ""


def test_coordinator_enrols_books_and_meets_the_duplicate_warning(
    qtbot: QtBot, demo: Any, runner: TaskRunner
) -> None:
    admin = authenticate(demo.database, "admin", PASSWORD, "test-station")
    set_slot_capacity(
        demo.database, admin, site_code="NBH", kind=SlotKind.APHERESIS, first_day=DAY,
        last_day=DAY, capacity=3, reason="three chairs",
    )  # fmt: skip
    set_slot_capacity(
        demo.database, admin, site_code="CTF", kind=SlotKind.MANUFACTURING, first_day=SLOT,
        last_day=SLOT, capacity=1, reason="one clean room that day",
    )  # fmt: skip
    window = main_window(qtbot, demo.database, demo["cora.coordinator"], runner)
    assert "Enrolment" in window.section_titles()
    page = window.show_section("enrolment")
    assert isinstance(page, EnrolmentPage)
    page.runner = runner
    qtbot.waitUntil(page.enrol_button.isEnabled, timeout=20_000)
    settle(qtbot, window.runner)

    # An empty form: every required field says so; nothing is saved.
    click(qtbot, page.enrol_button)
    assert "Enter the family name" in _error(page.family)
    assert "date of birth" in _error(page.born)
    assert "hospital number" in _error(page.number)
    assert "treating physician" in _error(page.physician)
    assert "apheresis date" in _error(page.apheresis)
    assert "correct the" in page.message.text()
    # Bad values: a control character, a date that does not exist, a birth in the future,
    # a name far too long, a slot in the past.
    _type(
        page,
        family="Lind\x00qvist",
        given="M" * 250,
        born="1968-02-30",
        number="NBH 777",
        physician="Dr Helen Marsh",
        apheresis=(utc_now().date() - timedelta(days=1)).isoformat(),
        manufacturing=SLOT.isoformat(),
    )
    click(qtbot, page.enrol_button)
    assert "control character" in _error(page.family)
    assert "at most 100" in _error(page.given)
    assert "is not a date" in _error(page.born)
    assert "letters and digits" in _error(page.number)
    assert "in the past" in _error(page.apheresis)
    assert _error(page.physician) == ""
    qtbot.wait(100)  # the layout makes room for the messages
    shoot(window, "enrolment-errors.png")
    assert settled_clipping(qtbot, window) == []  # issue 16, 3e: every message whole at 1280
    _type(page, born=(utc_now().date() + timedelta(days=3)).isoformat())
    click(qtbot, page.enrol_button)
    assert "must be in the past" in _error(page.born)
    settle(qtbot, window.runner)
    assert _cases(demo) == 0

    # A patient typed as the coordinator would; the booked days show the slots left.
    _type(
        page,
        family="Lindqvist",
        given="Maja",
        born="1968-05-02",
        number="NBH777001",
        apheresis=DAY.isoformat(),
        manufacturing=SLOT.isoformat(),
    )
    page.apheresis.editor.editingFinished.emit()  # type: ignore[attr-defined]
    page.manufacturing.editor.editingFinished.emit()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: "3 of 3 free" in page.apheresis.left.text(), timeout=20_000)
    qtbot.waitUntil(lambda: "1 of 1 free" in page.manufacturing.left.text(), timeout=20_000)
    qtbot.wait(100)
    shoot(window, "enrolment-booking.png")
    assert page.enrol_button.isDefault()
    click(qtbot, page.enrol_button)
    qtbot.waitUntil(page.open_button.isVisible, timeout=20_000)
    case = page.last_case
    assert case is not None and case.coi_eye_readable in page.message.text()
    # issue 16 review: "Enrol" stayed the main button; the next action, opening the case, is
    assert page.open_button.isDefault() and not page.enrol_button.isDefault()
    assert "LINDQVIST, Maja enrolled" in page.message.text()
    assert all(_error(f) == "" for f in page._fields().values())
    # The two slot reads run side by side on the read pool: either may deliver first.
    qtbot.waitUntil(
        lambda: "full (1 of 1 booked)" in page.manufacturing.left.text(), timeout=20_000
    )
    qtbot.waitUntil(lambda: "2 of 3 free" in page.apheresis.left.text(), timeout=20_000)
    qtbot.wait(100)
    shoot(window, "enrolment-enrolled.png")

    # The same patient again: the manufacturing day is now full, and the patient is on record.
    _type(page, family="LINDQVIST", given="maja", born="1968-05-02", number="NBH777001")
    assert page.enrol_button.isDefault() and not page.open_button.isDefault()  # next patient
    click(qtbot, page.enrol_button)
    qtbot.waitUntil(page.duplicate.isVisible, timeout=20_000)
    assert case.coi_eye_readable in page.duplicate_text.text()
    assert "(Enrolled)" in page.duplicate_text.text()
    assert "born 02 May 1968" in page.duplicate_text.text()  # as every screen writes it
    qtbot.wait(100)
    shoot(window, "enrolment-duplicate.png")
    assert settled_clipping(qtbot, window) == []  # the page's largest alarm, whole at 1280
    click(qtbot, page.enrol_button)  # no answer yet
    assert "same patient or a different one" in page.message.text()
    click(qtbot, page.same)
    click(qtbot, page.enrol_button)
    settle(qtbot, window.runner)
    assert "Next free" in _error(page.manufacturing) or "Next free" in page.message.text()
    assert "full (1 of 1 booked)" in page.message.text()
    _type(page, manufacturing=(SLOT + timedelta(days=1)).isoformat())
    click(qtbot, page.enrol_button)
    qtbot.waitUntil(page.open_button.isVisible, timeout=20_000)
    second = page.last_case
    assert second is not None and second.coi != case.coi
    assert _cases(demo) == 2

    # The new case opens in the Cases section.
    click(qtbot, page.open_button)
    cases = window.pages.currentWidget()
    assert isinstance(cases, CasesPage)
    qtbot.waitUntil(
        lambda: cases.detail.isVisible() and cases.model.rowCount() == 1, timeout=20_000
    )
    settle(qtbot, window.runner)
    headers = " ".join(label.text() for label in cases.findChildren(QLabel))
    assert second.coi_eye_readable.split(" [")[0] in headers or cases.model.rowCount() == 1
    qtbot.wait(100)
    shoot(window, "enrolment-opened-case.png")


def test_a_long_product_name_reads_whole_at_1280(
    qtbot: QtBot, demo: Any, runner: TaskRunner
) -> None:
    """Issue 16: the product combo cut "…HSC (CD34-" at 1280 × 800."""
    if demo.database.backend != "sqlite":
        pytest.skip("the same screen on both backends")
    window = main_window(qtbot, demo.database, demo["cora.coordinator"], runner)
    page = window.show_section("enrolment")
    assert isinstance(page, EnrolmentPage)
    qtbot.waitUntil(page.enrol_button.isEnabled, timeout=20_000)
    products = page.product.editor
    assert isinstance(products, QComboBox)
    products.addItem("S4321 — Autologous gene-modified HSC (CD34+, lentiviral), demo", "S4321")
    products.setCurrentIndex(products.count() - 1)
    for width, height in ((1280, 800), (1920, 1080)):
        window.resize(width, height)
        qtbot.wait(50)
        shoot(window, f"enrolment-long-product-{width}x{height}.png")
        assert combos_cut(page) == [], (width, combos_cut(page))


def test_manufacturing_roles_have_no_enrolment_section(demo: Any, qtbot: QtBot) -> None:
    for username in ("otto.operator", "asha.qa", "alex.apheresis"):
        window = MainWindow(demo.database, demo[username], idle_lock_minutes=600)
        qtbot.addWidget(window)
        assert "Enrolment" not in window.section_titles()
