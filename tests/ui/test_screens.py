"""Every screen of the main window, for every demo role, on the showcase data.

The showcase (``coi demo --showcase``) leaves cases at every stage, so each section has something
to show. Each section is opened through the navigation, as a user would, and written to
``tests/artifacts/screens/<section>-<user>.png`` for a maintainer to look at without starting the
app. The assertions are what a user would notice first: a built page, no error
shown, and a page that fits a 1280-pixel-wide window.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import event

from app.access.users import authenticate
from app.core.database import Database, open_database
from app.demo.journey import DEMO_PASSWORD
from app.demo.run import run_demo
from app.scanning import ScannerSettings
from tests.conftest import ARTIFACTS
from tests.ui.fit import PAGE_AREA_1280, save_shot
from ui.pages.case_work import CaseWorkPage
from ui.shell.main_window import MainWindow, _page_factories
from ui.shell.style import apply_style
from ui.tasks.runner import TaskRunner

SCREENS = ARTIFACTS / "screens"
WIDTH = 1280
SMALL = (WIDTH, 800)
LARGE = (1920, 1080)
USERS = (
    "cora.coordinator",
    "alex.apheresis",
    "ivy.infusion",
    "otto.operator",
    "vera.verifier",
    "quinn.qc",
    "asha.qa",
    "petra.qp",
    "admin",
)


@pytest.fixture(scope="module")
def showcase_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database after ``coi demo --showcase`` (built once for this module)."""
    folder = tmp_path_factory.mktemp("showcase")
    path = folder / "showcase.db"
    shutil.copyfile(sqlite_template, path)
    database = open_database(f"sqlite:///{path}")
    try:
        (folder / "out").mkdir()
        summary = run_demo(database, folder / "out", "test-station", showcase=True)
        (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    finally:
        database.dispose()
    return path


BUSY_WAIT_MS = 60_000
"""How long a page may take to load on a busy machine (a wait, not a timing)."""


def test_the_showcase_summary_gives_the_main_cases_own_stage_times(
    showcase_template: Path,
) -> None:
    """The showcase cases are driven after the main case: they must not overwrite its times."""
    summary = json.loads((showcase_template.parent / "summary.json").read_text(encoding="utf-8"))
    times = [datetime.fromisoformat(moment) for moment in summary["stages"].values()]
    assert next(iter(summary["stages"])) == "enrolled" and summary["final_stage"] == "infused"
    assert times == sorted(times), summary["stages"]


@pytest.fixture
def showcase(showcase_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the showcase database."""
    target = tmp_path / "showcase.db"
    shutil.copyfile(showcase_template, target)
    database = open_database(f"sqlite:///{target}")
    yield database
    database.dispose()


def _visible_errors(window: MainWindow) -> list[str]:
    page = window.pages.currentWidget()
    return [
        label.text()
        for label in page.findChildren(QLabel, "errorMessage")
        if label.isVisibleTo(window) and label.text()
    ]


@pytest.mark.parametrize("username", USERS)
def test_every_section_opens_with_showcase_data(
    qtbot: QtBot, showcase: Database, username: str
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_style(app)
    actor = authenticate(showcase, username, DEMO_PASSWORD, "screens")
    window = MainWindow(showcase, actor, idle_lock_minutes=60)
    qtbot.addWidget(window)
    window.resize(*SMALL)
    window.show()
    qtbot.waitExposed(window)
    SCREENS.mkdir(parents=True, exist_ok=True)

    for row, section in enumerate(window.sections):
        window.navigation.setCurrentRow(row)
        qtbot.waitUntil(lambda: not window.runner.busy, timeout=BUSY_WAIT_MS)
        qtbot.wait(50)  # let the layout settle (a page that is too wide grows the window now)
        page = window.pages.currentWidget()
        assert _visible_errors(window) == [], (section.key, _visible_errors(window))
        # Every screen fits a 1280 × 800 window: no page forces the window wider.
        assert window.width() == WIDTH, (section.key, page.minimumSizeHint().width())
        # ... nor taller than the page area of a 1280 × 800 window (a QA's case page was 806).
        assert page.minimumSizeHint().height() <= PAGE_AREA_1280[1], (section.key, username)

        if section.key == "cases":  # the case's parts one under another, none over the next
            qtbot.waitUntil(page.detail.chart.isVisible, timeout=BUSY_WAIT_MS)
            qtbot.wait(50)
            parts = [page.detail.layout().itemAt(i).widget() for i in range(3)]
            for upper, lower in itertools.pairwise(parts):
                assert upper.geometry().bottom() < lower.geometry().top(), (username, upper)
        if section.key == "receipt":  # the shipment to receive first, not under received ones
            texts = [page.shipment_list.item(i).text() for i in range(page.shipment_list.count())]
            if any("in transit" in text for text in texts):
                assert "in transit" in texts[0], (username, texts)
        if section.key == "home":  # every line of every work item in sight (Otto's was cut)
            for listing in (page.work, page.alerts):
                width = listing.viewport().width() - 16 - (32 if listing is page.alerts else 0)
                for i in range(listing.count()):
                    item = listing.item(i)
                    wrapped = listing.fontMetrics().boundingRect(
                        QRect(0, 0, width, 100_000), Qt.TextFlag.TextWordWrap, item.text()
                    )
                    assert listing.visualItemRect(item).height() >= wrapped.height(), item.text()
        # The window at exactly 1280 × 800, then the same state in a full-HD window (a resize,
        # not a second visit); the helper asserts each picture's size.
        save_shot(window, f"{section.key}-{username}.png", SMALL)
        save_shot(window, f"{section.key}-{username}-1920x1080.png", LARGE)
        if section.key == "batch":  # only an operator is offered the form to record a step
            waiting = page.findChild(QLabel, "stepWaiting")
            recording = page.findChild(QPushButton, "recordStep")
            if username == "otto.operator":
                assert waiting is None and recording is not None
            else:
                assert recording is None and waiting is not None
                assert "Waiting for a manufacturing operator" in waiting.text()


class SessionCount:
    """Counts the sessions a database opens and the connections its engine hands out."""

    def __init__(self, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sessions = 0
        self.connections = 0
        opened = database.read_session

        def read_session() -> Any:
            self.sessions += 1
            return opened()

        monkeypatch.setattr(database, "read_session", read_session)
        event.listen(database.engine, "engine_connect", self._connected)
        self.engine = database.engine

    def _connected(self, _connection: Any) -> None:
        self.connections += 1

    def reset(self) -> None:
        """Start counting again."""
        self.sessions = self.connections = 0

    def close(self) -> None:
        """Stop listening to the engine."""
        event.remove(self.engine, "engine_connect", self._connected)


SCREEN_LOADS = (
    ("release", "petra.qp"),
    ("release", "quinn.qc"),
    ("deviations", "asha.qa"),
    ("deviations", "otto.operator"),
    ("collection", "alex.apheresis"),
    ("batch", "otto.operator"),
    ("bedside", "ivy.infusion"),
)


@pytest.mark.parametrize(("section", "username"), SCREEN_LOADS)
def test_a_screen_reads_its_data_in_one_session(
    qtbot: QtBot,
    runner: TaskRunner,
    showcase: Database,
    monkeypatch: pytest.MonkeyPatch,
    section: str,
    username: str,
) -> None:
    """Everything a screen shows comes from one service call in one read session: its panels
    show one moment of the database, at the price of one connection."""
    actor = authenticate(showcase, username, DEMO_PASSWORD, "test-station")
    count = SessionCount(showcase, monkeypatch)
    try:
        page = _page_factories(ScannerSettings())[section](showcase, actor, runner)
        qtbot.addWidget(page)
        qtbot.waitUntil(lambda: not runner.busy, timeout=BUSY_WAIT_MS)
        if isinstance(page, CaseWorkPage):
            assert page.current_case_id() is not None, "the showcase has a case for this screen"
            assert count.sessions == 2  # the case picker, then the case chosen: a call each
            count.reset()
            page.load_case()  # what choosing a case in the picker does
        else:
            assert count.sessions == 1
            count.reset()
            page.refresh()  # the Reload button
        qtbot.waitUntil(lambda: not runner.busy, timeout=BUSY_WAIT_MS)
        assert (count.sessions, count.connections) == (1, 1)
        errors = page.findChildren(QLabel, "errorMessage")
        assert [e.text() for e in errors if e.isVisibleTo(page) and e.text()] == []
    finally:
        count.close()
