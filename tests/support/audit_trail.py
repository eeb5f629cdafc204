"""A demo database with a real audit trail, built once per backend and copied for each test.

Case A is driven to QC / pending release through the real services (a refused wrong-bag scan
at packing, a cold-chain excursion that QA accepts, every manufacturing step performed and
verified); case B is enrolled and collected at the same clinic. A test module uses them by
naming them at module level: ``trail_template = audit_trail.trail_template`` and
``trail = audit_trail.trail``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from app.access.users import authenticate
from app.core.actor import Actor
from app.core.database import Database, open_database
from app.demo.journey import DEMO_PASSWORD, JourneyDriver
from app.journey.enrolment import find_case
from app.journey.views import CaseView
from db.enums import CaseStage
from tests.conftest import BACKENDS, PostgresServer
from tests.conftest import PASSWORD as ADMIN_PASSWORD
from tests.support.templates import driven_sqlite_template

STATION = "bench-7"


@dataclass(frozen=True)
class TrailTemplate:
    """Where the built trail lives and its two cases."""

    backend: str
    source: str
    """The SQLite file, or the PostgreSQL template database's name."""
    case_a: CaseView
    case_b: CaseView


@dataclass
class Trail:
    """A private copy of the trail with its people signed in on demand."""

    database: Database
    case_a: CaseView
    case_b: CaseView
    actors: dict[str, Actor] = field(default_factory=dict)

    def __getitem__(self, username: str) -> Actor:
        """The demo user, signed in once (a sign-in is an audit event)."""
        if username not in self.actors:
            password = ADMIN_PASSWORD if username == "admin" else DEMO_PASSWORD
            self.actors[username] = authenticate(self.database, username, password, "test-station")
        return self.actors[username]


def _drive(url: str, out: Path) -> tuple[CaseView, CaseView]:
    database = open_database(url)
    try:
        driver = JourneyDriver(database, out, station=STATION)
        case_b = driver.enrol("HAUD2", "Brandt", "Ola", date(1980, 5, 2))
        bag_b = driver.collect(case_b)
        case_a = driver.enrol("HAUD1", "Okafor", "Ada", date(1971, 3, 14))
        case_a = driver.run_to(
            case_a,
            CaseStage.QC_PENDING_RELEASE,
            wrong_scan=f"={bag_b.din}00",
            excursion=True,
        )
        return case_a, find_case(database, driver.who("cora.coordinator"), case_b.id)
    finally:
        database.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def trail_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> TrailTemplate:
    """The demo data with the two cases' trail, built once per backend for the module."""
    out = tmp_path_factory.mktemp("trail-out")
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("trail") / "trail.db"
        source = request.getfixturevalue("demo_sqlite_template")
        case_a, case_b = driven_sqlite_template(path, source, lambda url: _drive(url, out))
        return TrailTemplate("sqlite", str(path), case_a, case_b)
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create(template=request.getfixturevalue("demo_postgres_template"))
    case_a, case_b = _drive(url.render_as_string(hide_password=False), out)
    assert url.database is not None
    return TrailTemplate("postgresql", url.database, case_a, case_b)


@pytest.fixture
def trail(
    request: pytest.FixtureRequest, trail_template: TrailTemplate, tmp_path: Path
) -> Iterator[Trail]:
    """A private copy of the trail for one test."""
    if trail_template.backend == "sqlite":
        target = tmp_path / "trail.db"
        shutil.copyfile(trail_template.source, target)
        database = open_database(f"sqlite:///{target}")
        yield Trail(database, trail_template.case_a, trail_template.case_b)
        database.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.copy_of(trail_template.source)  # the driven trail no longer changes
    database = open_database(url.render_as_string(hide_password=False))
    yield Trail(database, trail_template.case_a, trail_template.case_b)
    database.dispose()
    assert url.database is not None
    server.drop(url.database)
