"""The main window: role-based navigation, pages, and who/where in the status bar."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from app.actor import Actor
from app.database import Database
from app.navigation import Section, role_names, sections_for
from ui.pages import AuditPage, home_page, placeholder_page


class MainWindow(QMainWindow):
    """The window a signed-in user works in."""

    def __init__(self, database: Database, actor: Actor) -> None:
        super().__init__()
        self.database = database
        self.actor = actor
        self.setWindowTitle(f"COI Tracker — {actor.full_name}")
        self.resize(1200, 780)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.pages = QStackedWidget()
        self.sections = sections_for(actor)
        for section in self.sections:
            item = QListWidgetItem(section.title)
            if section.issue is not None:
                item.setToolTip(f"Placeholder until issue #{section.issue}")
            self.navigation.addItem(item)
            self.pages.addWidget(self._page_for(section))
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.navigation.setCurrentRow(0)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.pages, stretch=1)
        self.setCentralWidget(central)

        self.user_label = QLabel(f"Signed in: {actor.full_name} ({actor.username})")
        self.role_label = QLabel(f"Role: {role_names(actor)}")
        self.site_label = QLabel(f"Site: {actor.site_name or '—'}")
        self.database_label = QLabel(f"Database: {database.short_name}")
        self.database_label.setToolTip(database.display_url)
        for label in (self.user_label, self.role_label, self.site_label):
            self.statusBar().addWidget(label)
        self.statusBar().addPermanentWidget(self.database_label)

    def _page_for(self, section: Section) -> QWidget:
        if section.key == "home":
            return home_page(section, self.actor, self.database)
        if section.key == "audit":
            return AuditPage(section, self.database)
        return placeholder_page(section)

    def section_titles(self) -> list[str]:
        """The navigation entries, in order."""
        return [self.navigation.item(i).text() for i in range(self.navigation.count())]

    def show_section(self, key: str) -> QWidget:
        """Switch to the section ``key`` and return its page."""
        index = [s.key for s in self.sections].index(key)
        self.navigation.setCurrentRow(index)
        return self.pages.currentWidget()
