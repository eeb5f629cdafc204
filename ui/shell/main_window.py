"""The main window: role-based navigation, pages, and who/where in the status bar."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, cast

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.access import Section, role_names, sections_for
from app.core import Actor, CoiError, Database, load_settings
from app.scanning import ScannerSettings
from ui.shell.idle_lock import IdleLock
from ui.tasks import TaskRunner
from ui.widgets import message_line, show_message

if TYPE_CHECKING:
    from app.casefile import WorkItem
    from ui.pages.cases import CasesPage
    from ui.pages.enrolment import EnrolmentPage
    from ui.pages.home import HomePage

PageFactory = Callable[[Database, Actor, TaskRunner], QWidget]


def read_scanner_settings() -> tuple[ScannerSettings, str | None]:
    """The bench scanner's settings from the settings file, and the problem with them in words
    (None: none); on a problem the defaults, so scanning goes on."""
    try:
        return ScannerSettings.from_mapping(load_settings().scanner), None
    except CoiError as error:
        return ScannerSettings(), (
            f"⚠ The scanner settings were not used — {error.title}: {error.message} "
            "Every scan field works with the default settings (GS sent as itself) until an "
            "administrator corrects them."
        )


# Each section's page: (module, class, how its scan fields get the scanner settings). A page's
# module is imported when the section is first opened, so the sign-in window and the first page
# never wait for the others (nor for the plotting and PDF libraries some of them use).
PAGES: dict[str, tuple[str, str, str | None]] = {
    "home": ("ui.pages.home", "HomePage", None),
    "cases": ("ui.pages.cases", "CasesPage", None),
    "enrolment": ("ui.pages.enrolment", "EnrolmentPage", None),
    "collection": ("ui.pages.collection", "CollectionPage", "scanner"),
    "scan": ("ui.pages.scan_station", "ScanStation", "settings"),
    "receipt": ("ui.pages.receipt", "ReceiptPage", "scanner"),
    "batch": ("ui.pages.batch_record", "BatchRecordPage", "scanner"),
    "release": ("ui.pages.release", "ReleasePage", None),
    "bedside": ("ui.pages.bedside", "BedsidePage", "scanner"),
    "deviations": ("ui.pages.deviations", "DeviationsPage", None),
    "audit": ("ui.pages.audit", "AuditTrailPage", None),
    "products": ("ui.pages.products", "ProductApprovalPage", None),
    "admin": ("ui.pages.admin", "AdminPage", None),
}


def _lazy_page(
    module: str, name: str, scanner_keyword: str | None, scanner: ScannerSettings
) -> PageFactory:
    """A factory that imports ``module`` on its first call and builds its page ``name``."""

    def build(database: Database, actor: Actor, runner: TaskRunner) -> QWidget:
        page = cast("Callable[..., QWidget]", getattr(importlib.import_module(module), name))
        if scanner_keyword is None:
            return page(database, actor, runner)
        return page(database, actor, runner, **{scanner_keyword: scanner})

    return build


def _page_factories(scanner: ScannerSettings) -> dict[str, PageFactory]:
    """The page of each section, by its key; scan fields read ``scanner``."""
    return {
        key: _lazy_page(module, name, keyword, scanner)
        for key, (module, name, keyword) in PAGES.items()
    }


NO_SITE = "none (administrator)"
"""The site of an administrator, who belongs to none (as Home says it)."""

SIGN_OUT_SHORTCUT = "Ctrl+Shift+L"
"""Sign out (and let another person sign in) from anywhere in the window."""


class MainWindow(QMainWindow):
    """The window a signed-in user works in."""

    closed = Signal(bool)
    """The window closed; True when the user signed out so another can sign in."""

    def __init__(
        self, database: Database, actor: Actor, *, idle_lock_minutes: float | None = None
    ) -> None:
        super().__init__()
        self.database = database
        self.actor = actor
        self.runner = TaskRunner(self)
        self.scanner, self.settings_problem = read_scanner_settings()
        self.factories = _page_factories(self.scanner)
        self.setWindowTitle(f"COI Tracker — {actor.full_name}")
        self.resize(1200, 780)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.pages = QStackedWidget()
        self.sections = sections_for(actor)
        self._built: dict[str, QWidget] = {}
        for section in self.sections:
            self.navigation.addItem(QListWidgetItem(section.title))
            self.pages.addWidget(QWidget())  # built on first visit
        self.navigation.currentRowChanged.connect(self._show_row)
        self.navigation.setCurrentRow(0)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._navigation_column(database))
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        self.settings_message = message_line("errorMessage")
        if self.settings_problem is not None:
            show_message(self.settings_message, self.settings_problem, ok=False)
        right.addWidget(self.settings_message)
        right.addWidget(self.pages, stretch=1)
        layout.addLayout(right, stretch=1)
        self.setCentralWidget(central)

        self.user_label = QLabel(f"Signed in: {actor.full_name} ({actor.username})")
        self.role_label = QLabel(f"Role: {role_names(actor)}")
        # issue 16 review: "Site: —" here, "no site (administrator)" on Home
        self.site_label = QLabel(f"Site: {actor.site_name or NO_SITE}")
        for label in (self.user_label, self.role_label, self.site_label):
            label.setMinimumWidth(label.sizeHint().width())  # never cut off (issue 16)
            self.statusBar().addWidget(label)
        self.statusBar().addPermanentWidget(self._sign_out_button())
        minutes = idle_lock_minutes
        if minutes is None:
            try:
                minutes = load_settings().idle_lock_minutes
            except CoiError:
                minutes = 10
        self.idle_lock = IdleLock(self, database, actor, minutes, on_sign_out=self.sign_out)
        self._signing_out = False
        self._leaving_asked = False

    def _navigation_column(self, database: Database) -> QVBoxLayout:
        """The navigation list, and under it the database in use (wrapped, never cut off)."""
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.navigation, stretch=1)
        # Zero-width spaces let a long host/database name wrap at its separators.
        where = database.short_name.replace("/", "/\u200b").replace(":", ":\u200b")
        self.database_label = QLabel(f"Database: {where}")
        self.database_label.setObjectName("databaseLabel")
        self.database_label.setWordWrap(True)
        self.database_label.setToolTip(database.display_url)
        # As wide as the navigation above it; the height follows the wrapped text.
        self.database_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        column.addWidget(self.database_label)
        return column

    def _sign_out_button(self) -> QPushButton:
        button = QPushButton("Sign out")
        button.setObjectName("signOutButton")
        button.setShortcut(QKeySequence(SIGN_OUT_SHORTCUT))
        button.setToolTip(
            f"End your session and let another person sign in ({SIGN_OUT_SHORTCUT}). "
            "Unsaved input is asked about first."
        )
        button.clicked.connect(self.sign_out)
        return button

    def unsaved_input(self) -> str | None:
        """What the open pages hold that was typed and not saved, in words (None: nothing)."""
        found = []
        for section in self.sections:
            page = self._built.get(section.key)
            describe = getattr(page, "unsaved_input", None)
            text = describe() if callable(describe) else None
            if isinstance(text, str) and text:
                found.append(f"{section.title}: {text}")
        return "\n".join(found) or None

    asks_before_discarding: ClassVar[bool] = True
    """Off only in tests that close windows holding typed text without a person to answer."""

    def may_leave(self, doing: str) -> bool:
        """True when nothing typed would be lost, or the user chose to discard it."""
        unsaved = self.unsaved_input() if self.asks_before_discarding else None
        if unsaved is None:
            return True
        question = QMessageBox(
            QMessageBox.Icon.Warning,
            "Discard unsaved input?",
            f"Discard what you typed and {doing}?\n\n{unsaved}\n\n"
            "Choose Keep editing to go back and save it.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.idle_lock.panel if self.idle_lock.is_locked else self,  # answerable when locked
        )
        question.setObjectName("discardQuestion")
        question.button(QMessageBox.StandardButton.Yes).setText("Discard changes")
        question.button(QMessageBox.StandardButton.No).setText("Keep editing")  # goes back
        question.setDefaultButton(QMessageBox.StandardButton.No)
        return question.exec() == QMessageBox.StandardButton.Yes

    def sign_out(self) -> bool:
        """End the session (asking first about unsaved input) so another person can sign in."""
        if not self.may_leave("sign out"):
            return False
        self._signing_out = True
        self._leaving_asked = True
        return self.close()

    def _show_row(self, row: int) -> None:
        """Build the section's page on its first visit, then show it."""
        section = self.sections[row]
        if section.key not in self._built:
            page = self._page_for(section)
            old = self.pages.widget(row)
            self.pages.insertWidget(row, page)
            if old is not None:
                self.pages.removeWidget(old)
                old.deleteLater()
            self._built[section.key] = page
        self.pages.setCurrentIndex(row)

    def _page_for(self, section: Section) -> QWidget:
        page = self.factories[section.key](self.database, self.actor, self.runner)
        if section.key == "home":
            home = cast("HomePage", page)
            home.open_section.connect(self.show_section)
            home.open_work.connect(self.open_work)
        if section.key == "enrolment":
            cast("EnrolmentPage", page).open_case.connect(self.open_case)
        return page

    def open_work(self, item: WorkItem) -> None:
        """Show the section where ``item`` is done (already shown by ``open_section``); a page
        that selects what the work is about (``focus_work``) is given it (QA's receipt in
        quarantine, issue 16)."""
        page = self.show_section(item.section)
        focus = getattr(page, "focus_work", None)
        if callable(focus):
            focus(item)

    def open_case(self, coi: str) -> None:
        """Show the case ``coi`` in the Cases section (searched for, so it is the one listed)."""
        page = cast("CasesPage", self.show_section("cases"))
        page.search.setText(coi)
        page.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved input; let background work finish before the window and its
        database go; then say whether the user signed out or closed the application."""
        if not self._leaving_asked and not self.may_leave("close COI Tracker"):
            event.ignore()
            return
        self._leaving_asked = True
        self.idle_lock.detach()
        self.runner.wait()
        super().closeEvent(event)
        self.closed.emit(self._signing_out)

    def section_titles(self) -> list[str]:
        """The navigation entries, in order."""
        return [self.navigation.item(i).text() for i in range(self.navigation.count())]

    def show_section(self, key: str) -> QWidget:
        """Switch to the section ``key`` and return its page."""
        index = [s.key for s in self.sections].index(key)
        self.navigation.setCurrentRow(index)
        page = self.pages.currentWidget()
        assert page is not None, "every section has a page"
        return page
