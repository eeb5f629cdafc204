"""The Admin page: users, sites, products, slots, temperature profiles, printers, scanner,
database.

The administrator manages users, sites and configuration but performs and signs no GMP
operation (DESIGN.md §7). Each tab reads its records on its first visit and on Refresh;
every change goes through an `app` service that checks the role again and refuses a stale
edit with who changed the record.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from app.core import Actor, Database
from ui.pages.admin.base import AdminTab
from ui.pages.admin.printers_tab import PrintersTab
from ui.pages.admin.profiles_tab import ProfilesTab
from ui.pages.admin.settings_tab import DatabaseTab, ScannerTab
from ui.pages.admin.sites_tab import ProductsTab, SitesTab
from ui.pages.admin.slots_tab import SlotsTab
from ui.pages.admin.users_tab import UsersTab
from ui.tasks import TaskRunner

TABS: tuple[tuple[str, str, Callable[[Database, Actor, TaskRunner], AdminTab]], ...] = (
    ("users", "&Users", UsersTab),
    ("sites", "S&ites", SitesTab),
    ("products", "Pr&oducts", ProductsTab),
    ("slots", "Slots (capacit&y)", SlotsTab),
    ("profiles", "&Temperature profiles", ProfilesTab),
    ("printers", "Pri&nters", PrintersTab),
    ("scanner", "S&canner", ScannerTab),
    ("database", "Data&base", DatabaseTab),
)


class AdminPage(QWidget):
    """A tab per thing the administrator keeps."""

    def __init__(self, database: Database, actor: Actor, runner: TaskRunner) -> None:
        super().__init__()
        self.setObjectName("page-admin")
        layout = QVBoxLayout(self)
        title = QLabel("Admin")
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("adminTabs")
        self.by_key: dict[str, AdminTab] = {}
        for key, text, tab_type in TABS:
            tab = tab_type(database, actor, runner)
            self.by_key[key] = tab
            self.tabs.addTab(tab, text)
        self.tabs.currentChanged.connect(self._visit)
        layout.addWidget(self.tabs, stretch=1)
        self._visit(0)

    def unsaved_input(self) -> str | None:
        """What the tabs hold typed and not saved, tab by tab (None: nothing)."""
        found = []
        for index in range(self.tabs.count()):
            tab = self.tabs.widget(index)
            text = tab.unsaved_input() if isinstance(tab, AdminTab) else None
            if text:
                found.append(f"{self.tabs.tabText(index).replace('&', '')} tab: {text}")
        return "; ".join(found) or None

    def _visit(self, index: int) -> None:
        tab = self.tabs.widget(index)
        if isinstance(tab, AdminTab):
            tab.ensure_loaded()

    def show_tab(self, key: str) -> AdminTab:
        """Switch to the tab ``key`` (``users``, ``profiles``, …) and return it."""
        tab = self.by_key[key]
        self.tabs.setCurrentWidget(tab)
        return tab
