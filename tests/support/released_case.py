"""A case whose batch the QP has released, built once per run and backend, copied per test.

The demo journey driven to "released" for one patient (its final bags at the facility, not yet
packed for the clinic). The outbound shipper's services and screen start from a copy of it.
Import the fixtures into a test module:
``from tests.support.released_case import Released, released, released_source``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core import open_database
from app.demo.journey import JourneyDriver
from db.enums import CaseStage, UnitKind
from db.models import Unit
from tests.conftest import BACKENDS, Demo, database_copy, demo_source

PATIENT = ("NBH700001", "Okafor", "Chiamaka", date(1984, 5, 17))


@dataclass(frozen=True)
class ReleasedSource:
    """The driven database on one backend (an SQLite file or a PostgreSQL database name) and
    what it holds: the case, its COI and its final bags' DINs."""

    backend: str
    source: str
    case_id: uuid.UUID
    coi: str
    dins: tuple[str, ...]


@dataclass(frozen=True)
class Released:
    """A copy of the released case's database, with its people."""

    demo: Demo
    case_id: uuid.UUID
    coi: str
    dins: tuple[str, ...]


@pytest.fixture(scope="session", params=BACKENDS)
def released_source(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> ReleasedSource:
    out = tmp_path_factory.mktemp("released")
    source, url = demo_source(request, out)
    database = open_database(url)
    try:
        driver = JourneyDriver(database, out, station="test-station")
        case = driver.run_to(driver.enrol(*PATIENT), CaseStage.RELEASED)
        with database.read_session() as session:
            dins = tuple(
                str(din)
                for din in session.scalars(
                    select(Unit.din)
                    .where(Unit.case_id == case.id, Unit.kind == UnitKind.FINAL_PRODUCT_BAG)
                    .order_by(Unit.din)
                )
            )
    finally:
        database.dispose()
    assert dins
    return ReleasedSource(request.param, source, case.id, case.coi, dins)


@pytest.fixture
def released(
    request: pytest.FixtureRequest, released_source: ReleasedSource, tmp_path: Path
) -> Iterator[Released]:
    """The released case (a fresh copy per test, on each backend)."""
    made = released_source
    with database_copy(request, made.backend, made.source, tmp_path) as database:
        yield Released(Demo(database), made.case_id, made.coi, made.dins)
