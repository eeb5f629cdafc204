"""A database holding one case driven from enrolment to infusion, built once per backend.

The demo data plus: case 1 (Okafor) infused; case 2 (Berg) collected; a third clinic site OTH
with a QA user ``olga.qa`` who may see neither case. Built once per run into a template on each
backend (the full journey takes seconds) and copied per test, like ``demo_database_url``.
Import the three fixtures into a test module to use ``journeyed_url``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.access import authenticate, create_user
from app.admin import create_site
from app.core import UnitOfWork, open_database
from app.demo.journey import JourneyDriver
from db.enums import CaseStage, Role, SiteKind
from db.models import Case
from tests.conftest import BACKENDS, PASSWORD, PostgresServer
from tests.support.templates import driven_sqlite_template


@dataclass(frozen=True)
class Patient:
    """The identity of the infused case's patient (must never appear in an EPCIS export)."""

    family: str
    given: str
    born: date
    mrn: str


PATIENT = Patient("Okafor", "Chiamaka", date(1984, 5, 17), "NBH700001")


def _drive(url: str, out_dir: Path) -> None:
    database = open_database(url)
    try:
        driver = JourneyDriver(database, out_dir, station="test-station")
        case = driver.enrol(PATIENT.mrn, PATIENT.family, PATIENT.given, PATIENT.born)
        driver.run_to(case, CaseStage.INFUSED)
        other = driver.enrol("NBH700002", "Berg", "Henrik", date(1990, 1, 2))
        driver.run_to(other, CaseStage.COLLECTED)
        admin = authenticate(database, "admin", PASSWORD, "test-station")
        with UnitOfWork(database, admin) as uow:
            create_site(uow, code="OTH", name="Other Clinic", kind=SiteKind.CLINIC)
            create_user(
                uow,
                username="olga.qa",
                full_name="Olga QA",
                password=PASSWORD,
                roles=[Role.QA],
                site_code="OTH",
            )
            uow.commit()
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def journeyed_sqlite_template(
    demo_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp("journeyed")
    path = folder / "journeyed.db"
    driven_sqlite_template(path, demo_sqlite_template, lambda url: _drive(url, folder))
    return path


@pytest.fixture(scope="session")
def journeyed_postgres_template(
    postgres_server: PostgresServer,
    demo_postgres_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    url = postgres_server.create(template=demo_postgres_template)
    _drive(url.render_as_string(hide_password=False), tmp_path_factory.mktemp("journeyed-pg"))
    assert url.database is not None
    return url.database


@contextmanager
def _copy(request: pytest.FixtureRequest, sqlite: bool, target: Path) -> Iterator[str]:
    """A copy of the journeyed template (SQLite: the file ``target``; PostgreSQL: a database)."""
    if sqlite:
        shutil.copyfile(request.getfixturevalue("journeyed_sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.copy_of(request.getfixturevalue("journeyed_postgres_template"))
    yield url.render_as_string(hide_password=False)
    assert url.database is not None
    server.drop(url.database)


@pytest.fixture(params=BACKENDS)
def journeyed_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A copy of the journeyed database on each backend."""
    with _copy(request, request.param == "sqlite", tmp_path / "journeyed.db") as url:
        yield url


@pytest.fixture
def second_journeyed_url(
    journeyed_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """Another copy of the journeyed database on the same backend: the partner's database."""
    with _copy(request, journeyed_url.startswith("sqlite"), tmp_path / "partner.db") as url:
        yield url


def infused_coi(url: str) -> str:
    """The COI of the infused case (the first enrolled)."""
    database = open_database(url)
    try:
        with database.read_session() as session:
            return str(session.scalars(select(Case.coi).order_by(Case.enrolled_at)).first())
    finally:
        database.dispose()
