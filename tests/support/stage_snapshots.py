"""One case driven through the journey once per backend, its database copied at every stage.

A test that needs "a case at stage S" starts from a copy of the snapshot taken when the case
reached S, instead of driving a journey of its own (those journeys were most of the default
suite's time). ``take_snapshots`` is called from a module-scoped fixture parametrised over
``BACKENDS``; ``copy_at`` gives each test its own database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.database import Database, open_database
from app.demo.journey import JourneyDriver
from app.journey.views import CaseView
from db.enums import CaseStage
from tests.conftest import PostgresServer, database_copy, demo_source


@dataclass(frozen=True)
class Snapshots:
    """The database as it was when the case reached each stage, on one backend."""

    backend: str
    sources: Mapping[CaseStage, str]
    """Per stage: an SQLite file, or a PostgreSQL database name (a template never changed)."""
    case: CaseView
    """The case as enrolled: its id and COI hold at every stage."""


def take_snapshots(
    request: pytest.FixtureRequest,
    out: Path,
    enrol: Callable[[JourneyDriver], CaseView],
    *,
    until: CaseStage = CaseStage.RECEIVED_AT_CLINIC,
    station: str = "test-station",
) -> Snapshots:
    """Enrol a case with ``enrol`` on the backend ``request.param`` names and drive it to
    ``until``, copying the database at enrolment and at every stage reached."""
    source, url = demo_source(request, out)
    database = open_database(url)
    sources: dict[CaseStage, str] = {}

    def snapshot(stage: CaseStage) -> None:
        if request.param == "sqlite":
            target = out / f"at-{stage.value}.db"
            with closing(sqlite3.connect(source)) as here, closing(sqlite3.connect(target)) as copy:
                here.backup(copy)  # consistent, WAL included, while the driver's engine is open
            sources[stage] = str(target)
            return
        database.dispose()  # a template database must have no session open
        server: PostgresServer = request.getfixturevalue("postgres_server")
        made = server.create(template=source)
        assert made.database is not None
        sources[stage] = made.database

    try:
        driver = JourneyDriver(database, out, station=station)
        case = enrol(driver)
        snapshot(CaseStage.ENROLLED)
        if until is not CaseStage.ENROLLED:
            driver.run_to(case, until, on_stage=snapshot)
    finally:
        database.dispose()
    return Snapshots(request.param, sources, case)


@contextmanager
def copy_at(
    request: pytest.FixtureRequest, snapshots: Snapshots, stage: CaseStage, tmp_path: Path
) -> Iterator[Database]:
    """A database of its own for one test, holding the case at ``stage``."""
    with database_copy(request, snapshots.backend, snapshots.sources[stage], tmp_path) as database:
        yield database
