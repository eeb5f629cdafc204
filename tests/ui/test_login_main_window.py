"""Sign in through the dialog, land in the main window, see who and where; screenshot it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from app.access.navigation import SECTIONS
from app.access.users import create_user
from app.admin.sites import create_site
from app.core.actor import Actor
from app.core.database import Database
from app.core.unit_of_work import UnitOfWork
from app.scanning import ScannerSettings
from db.enums import Role, SiteKind
from ui.pages.admin.page import AdminPage
from ui.pages.audit.page import AuditTrailPage
from ui.shell.login import LoginDialog
from ui.shell.main_window import MainWindow, _page_factories
from ui.shell.style import apply_style

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
PASSWORD = "correct horse battery"


@pytest.fixture
def qp_user(database: Database, admin: Actor) -> str:
    """A QP at a manufacturing site, created through the services."""
    with UnitOfWork(database, admin) as uow:
        create_site(uow, code="CTF", name="Cell Therapy Facility", kind=SiteKind.MANUFACTURER)
        create_user(
            uow,
            username="petra.qp",
            full_name="Dr Petra Qualified",
            password=PASSWORD,
            roles=[Role.QP],
            site_code="CTF",
        )
        uow.commit()
    return "petra.qp"


def _sign_in(qtbot: QtBot, dialog: LoginDialog, username: str, password: str) -> None:
    qtbot.keyClicks(dialog.username, username)
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_wrong_password_is_shown_in_the_dialog(
    qtbot: QtBot, database: Database, qp_user: str
) -> None:
    dialog = LoginDialog(database, "bench-1")
    qtbot.addWidget(dialog)
    dialog.show()
    _sign_in(qtbot, dialog, qp_user, "not the password")
    assert dialog.actor is None
    assert dialog.error.isVisible()
    assert "user name or password is wrong" in dialog.error.text()
    assert dialog.error.text().startswith("⚠")  # not colour alone
    assert dialog.password.text() == ""


def test_sign_in_opens_the_main_window_with_role_navigation(
    qtbot: QtBot, database: Database, qp_user: str
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_style(app)
    dialog = LoginDialog(database, "qp-office-1")
    qtbot.addWidget(dialog)
    dialog.show()
    _sign_in(qtbot, dialog, qp_user, PASSWORD)
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert dialog.actor is not None

    window = MainWindow(database, dialog.actor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    assert window.section_titles() == [
        "Home", "Cases", "Scan station", "QC & release", "Deviations", "Audit trail",
    ]  # fmt: skip
    status = " | ".join(label.text() for label in window.statusBar().findChildren(QLabel))
    assert "Dr Petra Qualified (petra.qp)" in status
    assert "Role: Qualified Person" in status
    assert "Site: Cell Therapy Facility" in status
    assert f"Database: {database.short_name}" in status

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(ARTIFACTS / f"main_window_{database.backend}.png"))

    audit = window.show_section("audit")
    assert isinstance(audit, AuditTrailPage)
    qtbot.mouseClick(audit.findChild(QPushButton, "verifyChain"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: audit.result.isVisible(), timeout=20_000)  # noqa: PLW0108 - result is swapped
    assert audit.result.text().startswith("✔ Intact: all ")
    assert window.grab().save(str(ARTIFACTS / f"audit_verify_{database.backend}.png"))

    release = window.show_section("release")
    assert release.objectName() == "page-release"


def test_every_section_has_its_page() -> None:
    assert set(_page_factories(ScannerSettings())) == {section.key for section in SECTIONS}


def test_admin_sees_admin_and_audit_sections_only(
    qtbot: QtBot, database: Database, admin: Actor
) -> None:
    window = MainWindow(database, admin)
    qtbot.addWidget(window)
    assert window.section_titles() == ["Home", "Audit trail", "Admin"]
    page = window.show_section("admin")
    assert isinstance(page, AdminPage)
