"""A finished demo journey on each backend, built once per run and copied per test.

The journey is the one ``coi demo`` drives (a wrong-patient scan refused at packing, an excursion
dispositioned by QA, QC, release, shipment to the clinic, bedside check, infusion), plus another
patient's case left at collection. Import the fixtures into a test module:
``from tests.support.finished_journey import Journey, journey, journey_postgres_template,
journey_sqlite_template``.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from app.access import authenticate
from app.core import Actor, Database, open_database
from app.demo.journey import JourneyDriver
from app.demo.run import prepare
from db.enums import CaseStage
from tests.conftest import DEMO_PASSWORD, PostgresServer
from tests.support.templates import driven_sqlite_template

CLINIC_PATIENT = ("NBH100233", "Okafor", "Ada", date(1971, 3, 14))
OTHER_PATIENT = ("NBH200417", "Lindqvist", "Maja", date(1984, 9, 2))
IDENTITY_TEXTS = (
    "Okafor", "OKAFOR", "NBH100233", "1971-03-14", "14 Mar 1971", "Lindqvist", "NBH200417",
)  # fmt: skip
"""Patient identity of the journey: none may reach a manufacturing role."""


@dataclass(frozen=True)
class JourneyFacts:
    """What the template's journey made."""

    coi: str
    case_id: uuid.UUID
    other_coi: str
    other_id: uuid.UUID


def _drive(url: str, out: Path) -> JourneyFacts:
    database = open_database(url)
    prepare(database, "test-station", DEMO_PASSWORD)
    driver = JourneyDriver(database, out, station="test-station")
    other = driver.enrol(*OTHER_PATIENT)
    other_bag = driver.collect(other)
    case = driver.enrol(*CLINIC_PATIENT)
    case = driver.run_to(case, CaseStage.INFUSED, wrong_scan=f"={other_bag.din}00", excursion=True)
    database.dispose()
    return JourneyFacts(case.coi, case.id, other.coi, other.id)


@pytest.fixture(scope="session")
def journey_sqlite_template(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, JourneyFacts]:
    folder = tmp_path_factory.mktemp("journey-template")
    path = folder / "journey.db"
    return path, driven_sqlite_template(path, sqlite_template, lambda url: _drive(url, folder))


@pytest.fixture(scope="session")
def journey_postgres_template(
    postgres_server: PostgresServer,
    postgres_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, JourneyFacts]:
    url = postgres_server.create(template=postgres_template)
    facts = _drive(url.render_as_string(hide_password=False), tmp_path_factory.mktemp("journey"))
    assert url.database is not None
    return url.database, facts


@dataclass
class Journey:
    """A copy of the finished journey: its database, URL, cases and people."""

    url: str
    database: Database
    facts: JourneyFacts
    backend: str
    _actors: dict[str, Actor] = field(default_factory=dict)

    @property
    def coi(self) -> str:
        return self.facts.coi

    @property
    def case_id(self) -> uuid.UUID:
        return self.facts.case_id

    def __getitem__(self, username: str) -> Actor:
        if username not in self._actors:
            self._actors[username] = authenticate(
                self.database, username, DEMO_PASSWORD, "test-station"
            )
        return self._actors[username]


@pytest.fixture(params=["sqlite", "postgresql"])
def journey(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Journey]:
    """The finished journey on each backend (a fresh copy per test)."""
    if request.param == "sqlite":
        source, facts = request.getfixturevalue("journey_sqlite_template")
        target = tmp_path / "journey.db"
        shutil.copyfile(source, target)
        url = f"sqlite:///{target}"
        database = open_database(url)
        yield Journey(url, database, facts, "sqlite")
        database.dispose()
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name, facts = request.getfixturevalue("journey_postgres_template")
    created = server.copy_of(name)
    url = created.render_as_string(hide_password=False)
    database = open_database(url)
    yield Journey(url, database, facts, "postgresql")
    database.dispose()
    assert created.database is not None
    server.drop(created.database)
