"""A case whose two final bags were just received and stored at the clinic, built once per backend.

The demo journey driven to "received at clinic" for one patient, plus another patient's case
left at collection, on SQLite and on PostgreSQL (the prints and scan-backs write; issue 16 asks
both backends). Copied per test. Import the fixtures into a test module:
``from tests.support.clinic_receipt import ClinicReceipt, clinic_receipt, clinic_receipt_template``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.access import authenticate
from app.core import Actor, Database, open_database
from app.demo.journey import JourneyDriver
from app.demo.run import prepare
from db.enums import CaseStage, UnitKind
from db.models import Unit
from tests.conftest import BACKENDS, DEMO_PASSWORD, PostgresServer, database_copy
from tests.support.templates import driven_sqlite_template

PATIENT = ("NBH300101", "Adeyemi", "Tolu", date(1979, 6, 21))
OTHER = ("NBH300102", "Varga", "Imre", date(1966, 11, 3))


@dataclass(frozen=True)
class ReceiptFacts:
    """What the template holds: the case, its two stored final bags, the other case's bag."""

    case_id: uuid.UUID
    coi: str
    bags: tuple[uuid.UUID, uuid.UUID]
    other_case_id: uuid.UUID
    other_bag_din: str


def _drive(url: str, out: Path) -> ReceiptFacts:
    database = open_database(url)
    prepare(database, "test-station", DEMO_PASSWORD)
    driver = JourneyDriver(database, out, station="test-station")
    other = driver.enrol(*OTHER)
    other_bag = driver.collect(other)
    case = driver.enrol(*PATIENT)
    case = driver.run_to(case, CaseStage.RECEIVED_AT_CLINIC)
    with database.read_session() as session:
        bags = tuple(
            session.scalars(
                select(Unit.id)
                .where(Unit.case_id == case.id, Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
                .order_by(Unit.din)
            )
        )
    database.dispose()
    assert len(bags) == 2 and other_bag.din is not None
    return ReceiptFacts(case.id, case.coi, (bags[0], bags[1]), other.id, other_bag.din)


@dataclass(frozen=True)
class ReceiptTemplate:
    """The driven template on one backend: an SQLite file or a PostgreSQL database name."""

    backend: str
    source: str
    facts: ReceiptFacts


@pytest.fixture(scope="session", params=BACKENDS)
def clinic_receipt_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> ReceiptTemplate:
    folder = tmp_path_factory.mktemp("clinic-receipt")
    if request.param == "sqlite":
        path = folder / "receipt.db"
        facts = driven_sqlite_template(
            path, request.getfixturevalue("sqlite_template"), lambda url: _drive(url, folder)
        )
        return ReceiptTemplate("sqlite", str(path), facts)
    server: PostgresServer = request.getfixturevalue("postgres_server")
    made = server.create(template=request.getfixturevalue("postgres_template"))
    assert made.database is not None
    facts = _drive(made.render_as_string(hide_password=False), folder)
    return ReceiptTemplate("postgresql", made.database, facts)


@dataclass
class ClinicReceipt:
    """A copy of the template: its database, facts and people."""

    database: Database
    facts: ReceiptFacts
    _actors: dict[str, Actor] = field(default_factory=dict)

    def __getitem__(self, username: str) -> Actor:
        if username not in self._actors:
            self._actors[username] = authenticate(
                self.database, username, DEMO_PASSWORD, "test-station"
            )
        return self._actors[username]


@pytest.fixture
def clinic_receipt(
    request: pytest.FixtureRequest, clinic_receipt_template: ReceiptTemplate, tmp_path: Path
) -> Iterator[ClinicReceipt]:
    """The case received at the clinic (a fresh copy per test, on each backend)."""
    template = clinic_receipt_template
    with database_copy(request, template.backend, template.source, tmp_path) as database:
        yield ClinicReceipt(database, template.facts)
