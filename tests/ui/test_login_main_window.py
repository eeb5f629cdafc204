"""Sign in through the dialog, land in the main window, see who and where; screenshot it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine

from app.access.navigation import SECTIONS
from app.access.users import authenticate, create_first_admin, create_user
from app.admin.sites import create_site
from app.core.actor import Actor
from app.core.database import Database
from app.core.unit_of_work import UnitOfWork
from app.scanning import ScannerSettings
from db.enums import Role, SiteKind
from tests.conftest import Demo
from tests.ui.fit import save_both_sizes, shot_name
from ui.pages.admin.page import AdminPage
from ui.pages.audit.page import AuditTrailPage
from ui.pages.home import HomePage
from ui.shell.login import LoginDialog, NewPasswordDialog
from ui.shell.main_window import MainWindow, _page_factories
from ui.shell.style import apply_style
from ui.tasks import TaskRunner

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


def test_a_refusal_is_taken_down_when_the_user_types_again(
    qtbot: QtBot, database: Database, qp_user: str
) -> None:
    """Issue 16 review: "Sign-in failed" stayed while the user typed again and after the
    sign-in that then succeeded."""
    dialog = LoginDialog(database, "bench-1")
    qtbot.addWidget(dialog)
    dialog.show()
    _sign_in(qtbot, dialog, qp_user, "not the password")
    assert dialog.error.isVisible()
    qtbot.keyClicks(dialog.password, "c")
    assert not dialog.error.isVisible() and dialog.error.text() == ""

    dialog.password.clear()
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # refused again: empty password
    assert dialog.error.isVisible()
    qtbot.keyClicks(dialog.username, "x")
    assert not dialog.error.isVisible()
    dialog.username.setText(qp_user)  # set, not typed: the refusal of before stays ...
    _sign_in(qtbot, dialog, "", "not the password")
    assert dialog.error.isVisible()
    dialog.password.setText(PASSWORD)  # ... until the sign-in succeeds
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.actor is not None
    assert dialog.error.isHidden() and dialog.error.text() == ""


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
    assert "Database" not in status  # under the navigation, so the status bar fits 1280 px
    assert window.database_label.text().replace("\u200b", "") == (
        f"Database: {database.short_name}"
    )

    # issue 16 review: the shots showed "… Loading" and a greyed Refresh, taken before the
    # Home page's first read arrived
    home = window.findChild(HomePage)
    assert home is not None
    qtbot.waitUntil(lambda: home.summary is not None, timeout=20_000)
    assert home.refresh_button.isEnabled()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(ARTIFACTS / f"main_window_{database.backend}.png"))
    save_both_sizes(window, f"main_window_{database.backend}", window=True)

    audit = window.show_section("audit")
    assert isinstance(audit, AuditTrailPage)
    qtbot.mouseClick(audit.findChild(QPushButton, "verifyChain"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: audit.result.isVisible(), timeout=20_000)  # noqa: PLW0108 - result is swapped
    assert audit.result.text().startswith("✔ Intact: all ")
    assert "all 0 signatures" not in audit.result.text()  # issue 16 review
    assert "no signature to check" in audit.result.text()
    summary = audit.detail.summary.text()  # the sign-in event: the system named once
    assert "COI Tracker (system) (system)" not in summary and "COI Tracker (system)" in summary
    save_both_sizes(window, f"audit_verify_{database.backend}", window=True)

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
    # issue 16 review: the status bar said "Site: —" where Home says "no site (administrator)"
    assert window.site_label.text() == "Site: none (administrator)"
    page = window.show_section("admin")
    assert isinstance(page, AdminPage)


GENERATED = "Xq3-generated-9f"
CHOSEN = "my own admin password"


@pytest.fixture
def generated_admin(database: Database) -> str:
    """A first administrator whose password was generated by ``coi init``."""
    create_first_admin(
        database, "admin", "Ada Admin", GENERATED, "test-station", must_change_password=True
    )
    return "admin"


def _answer_new_password(qtbot: QtBot, *answers: tuple[str, str]) -> list[str]:
    """Type into the new-password dialog when it opens (modal): each answer, then cancel.

    Returns the error lines the dialog showed after each refused answer.
    """
    shown: list[str] = []

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, NewPasswordDialog):
            QTimer.singleShot(20, fill)
            return
        for new, repeat in answers:
            qtbot.keyClicks(dialog.new_password, new)
            qtbot.keyClicks(dialog.repeat_password, repeat)
            qtbot.keyClick(dialog.repeat_password, Qt.Key.Key_Return)
            if dialog.isVisible():
                shown.append(dialog.error.text())
        if dialog.isVisible():
            dialog.reject()

    QTimer.singleShot(0, fill)
    return shown


def test_a_generated_password_is_replaced_at_first_sign_in(
    qtbot: QtBot, database: Database, generated_admin: str
) -> None:
    dialog = LoginDialog(database, "admin-desk")
    qtbot.addWidget(dialog)
    dialog.show()
    shown = _answer_new_password(qtbot, ("short", "short"), (CHOSEN, "typo"), (CHOSEN, CHOSEN))
    _sign_in(qtbot, dialog, generated_admin, GENERATED)

    assert shown[0].startswith("⚠") and "at least 10 characters" in shown[0]
    assert "two passwords differ" in shown[1]
    assert len(shown) == 2  # the third answer was accepted
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert dialog.actor is not None and not dialog.actor.must_change_password
    window = MainWindow(database, dialog.actor)
    qtbot.addWidget(window)
    assert window.section_titles() == ["Home", "Audit trail", "Admin"]
    # issue 16 review: the status bar said "Site: —" where Home says "no site (administrator)"
    assert window.site_label.text() == "Site: none (administrator)"
    assert not authenticate(database, "admin", CHOSEN, "s").must_change_password


def test_cancelling_the_new_password_leaves_the_user_signed_out(
    qtbot: QtBot, database: Database, generated_admin: str
) -> None:
    dialog = LoginDialog(database, "admin-desk")
    qtbot.addWidget(dialog)
    dialog.show()
    _answer_new_password(qtbot)
    _sign_in(qtbot, dialog, generated_admin, GENERATED)

    assert dialog.actor is None
    assert dialog.isVisible() and dialog.result() != LoginDialog.DialogCode.Accepted
    assert "New password needed" in dialog.error.text()
    assert authenticate(database, "admin", GENERATED, "s").must_change_password


def test_sign_in_and_home_name_the_database_never_its_url(
    qtbot: QtBot, tmp_path: Path, demo: Demo, runner: TaskRunner
) -> None:
    """Issue 16: the sign-in and Home screens show a friendly name (the file name, or the
    PostgreSQL server and database), never the URL, a user name or a password."""
    url = "postgresql+psycopg://coi_app:s3cret-pw@db.example.org:5433/coi_prod"
    server = Database(url, create_engine(url))  # never connected: the dialog only names it
    dialog = LoginDialog(server, "bench-1")
    qtbot.addWidget(dialog)
    shown = dialog.where.text()
    assert shown.startswith("Database: PostgreSQL server db.example.org:5433 / coi_prod")
    for secret in ("s3cret", "coi_app", "postgresql+psycopg", "://"):
        assert secret not in shown
    server.engine.dispose()

    database = demo.database
    if database.backend != "sqlite":
        pytest.skip("the Home greeting is the same on both backends")
    dialog = LoginDialog(database, "bench-1")
    qtbot.addWidget(dialog)
    assert dialog.where.text().startswith("Database: SQLite demo.db\n")
    home = HomePage(database, demo["asha.qa"], runner)
    qtbot.addWidget(home)
    qtbot.waitUntil(lambda: not runner.busy, timeout=30_000)
    greeting = home.greeting.text()
    assert "Database: SQLite demo.db" in greeting
    assert "sqlite:" not in greeting and str(tmp_path.parent) not in greeting
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.grab().save(str(ARTIFACTS / shot_name("sign-in-database-name.png")))
    home.show()
    QApplication.processEvents()
    qtbot.waitUntil(home.refresh_button.isEnabled, timeout=20_000)  # its read is back
    save_both_sizes(home, "home-database-name")
