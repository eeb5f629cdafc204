"""Sign out and switch user without restarting; closing or signing out with unsaved input asks.

The session loop of ``ui/main.py`` (``ui.shell.Session``) is driven here as the application
drives it: a sign-in dialog, the signed-in user's window, "Sign out", the next sign-in.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.access import authenticate, sign_out
from app.core import Actor, NotPermitted
from db.models import AuditEvent
from tests.conftest import ARTIFACTS, DEMO_PASSWORD, PASSWORD
from tests.ui.fit import save_both_sizes, shot_name
from ui.pages.admin import AdminPage
from ui.pages.enrolment import EnrolmentPage
from ui.shell import MainWindow, Session
from ui.shell.style import apply_style

SCREENS = ARTIFACTS / "screens"


def _session(qtbot: QtBot, demo: Any, minutes: float = 600) -> Session:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_style(app)
    session = Session(demo.database, "test-station", idle_lock_minutes=minutes)
    session.start()
    assert session.login is not None
    return session


def _sign_in(qtbot: QtBot, session: Session, username: str) -> MainWindow:
    dialog = session.login
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.username, username)
    qtbot.keyClicks(dialog.password, DEMO_PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.window is not None, timeout=20_000)
    window = session.window
    assert window is not None
    window.resize(1280, 800)
    qtbot.waitExposed(window)
    return window


buttons: list[tuple[str, str]] = []
"""The (discard, go back) button texts of every discard question answered."""


def _answer(qtbot: QtBot, choice: QMessageBox.StandardButton, shot: str = "") -> list[str]:
    """Answer the next discard question with ``choice``; returns its text once answered."""
    asked: list[str] = []

    def look() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != "discardQuestion":
            QTimer.singleShot(20, look)
            return
        asked.append(box.text())
        yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
        buttons.append((box.button(yes).text(), box.button(no).text()))
        if shot:
            SCREENS.mkdir(parents=True, exist_ok=True)
            box.grab().save(str(SCREENS / shot_name(shot)))
        button = box.button(choice)
        assert button is not None
        button.click()

    QTimer.singleShot(0, look)
    return asked


def _sign_outs(demo: Any, username: str) -> list[AuditEvent]:
    with demo.database.read_session() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "sign_out", AuditEvent.username == username
                )
            )
        )


def _status(window: MainWindow) -> str:
    return " | ".join(label.text() for label in window.statusBar().findChildren(QLabel))


@pytest.fixture(autouse=True)
def discard_question(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the question: it is asked, as in the application."""
    monkeypatch.setattr(MainWindow, "asks_before_discarding", True)


def test_sign_out_then_another_user_signs_in(qtbot: QtBot, demo: Any) -> None:
    session = _session(qtbot, demo)
    cora = _sign_in(qtbot, session, "cora.coordinator")
    assert "Enrolment" in cora.section_titles()
    button = cora.findChild(QPushButton, "signOutButton")
    assert button is not None and button.isVisible()
    SCREENS.mkdir(parents=True, exist_ok=True)
    save_both_sizes(cora, "sign-out-button", window=True)

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.login is not None, timeout=20_000)
    assert session.window is None and not cora.isVisible()
    assert len(_sign_outs(demo, "cora.coordinator")) == 1

    otto = _sign_in(qtbot, session, "otto.operator")
    assert otto is not cora
    assert "Enrolment" not in otto.section_titles()
    assert "Batch record" in otto.section_titles()
    assert "otto.operator" in _status(otto) and "cora" not in _status(otto)

    with qtbot.waitSignal(session.finished, timeout=20_000):
        otto.close()  # nothing typed: closes without asking, and the application may quit
    assert len(_sign_outs(demo, "otto.operator")) == 1


def test_the_shortcut_signs_out(qtbot: QtBot, demo: Any) -> None:
    session = _session(qtbot, demo)
    window = _sign_in(qtbot, session, "otto.operator")
    with qtbot.waitActive(window):
        window.activateWindow()
    button = window.findChild(QPushButton, "signOutButton")
    assert button is not None
    assert button.shortcut().toString() == "Ctrl+Shift+L"
    qtbot.keyClick(
        window,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: session.login is not None, timeout=20_000)
    assert session.window is None


def test_closing_with_unsaved_input_asks_and_no_keeps_it(qtbot: QtBot, demo: Any) -> None:
    session = _session(qtbot, demo)
    window = _sign_in(qtbot, session, "cora.coordinator")
    page = window.show_section("enrolment")
    assert isinstance(page, EnrolmentPage)
    assert window.unsaved_input() is None
    qtbot.keyClicks(page.family.editor, "Okafor")
    assert window.unsaved_input() == "Enrolment: text typed in Family name"

    asked = _answer(qtbot, QMessageBox.StandardButton.No, "discard-question.png")
    assert not window.close()
    assert asked and "Discard what you typed and close COI Tracker?" in asked[0]
    assert "Okafor" not in asked[0]  # the field is named, its content not shown
    # issue 16: the buttons say what they do ("No" read as "no, don't go back")
    assert buttons[-1] == ("Discard changes", "Keep editing")
    assert "Choose Keep editing to go back" in asked[0]
    assert window.isVisible() and page.family.text == "Okafor"
    assert session.window is window

    asked = _answer(qtbot, QMessageBox.StandardButton.No)
    qtbot.mouseClick(window.findChild(QPushButton, "signOutButton"), Qt.MouseButton.LeftButton)
    assert asked and "sign out" in asked[0]
    assert session.window is window and session.login is None
    assert not _sign_outs(demo, "cora.coordinator")

    asked = _answer(qtbot, QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(session.finished, timeout=20_000):
        assert window.close()
    assert asked and not window.isVisible()
    assert len(_sign_outs(demo, "cora.coordinator")) == 1


def test_idle_lock_sign_out_asks_then_returns_to_sign_in(qtbot: QtBot, demo: Any) -> None:
    session = _session(qtbot, demo, minutes=0.003)  # 180 ms
    window = _sign_in(qtbot, session, "cora.coordinator")
    page = window.show_section("enrolment")
    assert isinstance(page, EnrolmentPage)
    page.family.editor.setText("Okafor")  # typed before the lock
    qtbot.waitUntil(lambda: window.idle_lock.is_locked, timeout=30_000)
    leave = window.idle_lock.panel.findChild(QPushButton, "lockSignOut")
    assert leave is not None

    asked = _answer(qtbot, QMessageBox.StandardButton.No)
    qtbot.mouseClick(leave, Qt.MouseButton.LeftButton)  # the question answers under the lock
    assert asked and window.idle_lock.is_locked and session.window is window
    assert page.family.text == "Okafor"

    asked = _answer(qtbot, QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(leave, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.login is not None, timeout=20_000)
    assert asked and session.window is None and not window.isVisible()
    assert len(_sign_outs(demo, "cora.coordinator")) == 1
    otto = _sign_in(qtbot, session, "otto.operator")
    assert "Batch record" in otto.section_titles()
    otto.close()


def test_only_a_signed_in_person_signs_out(demo: Any) -> None:
    with pytest.raises(NotPermitted):
        sign_out(demo.database, Actor.system("test-station"))
    assert not _sign_outs(demo, "system")


def test_every_page_with_input_names_what_was_typed_before_closing(qtbot: QtBot, demo: Any) -> None:
    """Issue 16: every page where something is typed to be recorded asks before closing —
    collection (scans, courier), scan station, QC & release exceptions, Admin (slots reason)."""
    if demo.database.backend != "sqlite":
        pytest.skip("the same screens on both backends")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_style(app)
    cases = (
        ("alex.apheresis", "collection", "courierName", "Collection & shipment: text typed in "
         "the courier's name field"),
        ("otto.operator", "scan", "scanField", "Scan station: text typed in the scan field"),
        ("petra.qp", "release", "oosPhysician", "QC & release: text typed in the physician field"),
        ("admin", "admin", "slotReason", "Admin: Slots (capacity) tab: text typed in the capacity "
         "Reason field"),
    )  # fmt: skip
    for username, section, field_name, expected in cases:
        actor = (
            authenticate(demo.database, "admin", PASSWORD, "test-station")
            if username == "admin"
            else demo[username]
        )
        window = MainWindow(demo.database, actor, idle_lock_minutes=600)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        page = window.show_section(section)
        if section == "admin":
            assert isinstance(page, AdminPage)
            page.show_tab("slots")
        field = page.findChild(QLineEdit, field_name)
        assert field is not None, field_name
        assert window.unsaved_input() is None, username
        field.setText("Sam Rivers")  # what a user types: a name, never shown in the question
        assert window.unsaved_input() == expected
        asked = _answer(qtbot, QMessageBox.StandardButton.No, f"discard-question-{section}.png")
        assert not window.close()
        assert asked and "Sam Rivers" not in asked[0]  # named, never shown
        assert expected.split(": ", 1)[0] in asked[0]
        if section == "collection":
            save_both_sizes(window, "unsaved-collection")
        if section == "admin":  # the Database tab's URL too (it holds a password)
            url = page.findChild(QLineEdit, "databaseUrl")
            assert url is not None
            url.setText("postgresql+psycopg://coi:secret@db/coi")
            assert "Database tab: text typed in the new database URL field" in (
                window.unsaved_input() or ""
            )
            url.clear()
        field.clear()
        assert window.unsaved_input() is None
        assert window.close()
