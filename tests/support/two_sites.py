"""Two organisations, two databases: a clinic (NBH) and a manufacturer (CTF), each seeded from
the demo, each with its own Ed25519 site key, each trusting the other's public key.

``two_sites`` gives fresh copies per test: SQLite + SQLite, and (marked ``slow``) the clinic on
PostgreSQL with the manufacturer on SQLite. Import the fixture into a test module:
``from tests.support.two_sites import TwoSites, two_sites``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.access import authenticate
from app.core import Actor, Database, open_database
from app.demo.journey import JourneyDriver
from app.exchange import (
    BundleImport,
    export_bundle,
    generate_site_key,
    import_bundle,
    load_site_key,
    register_partner_key,
)
from app.journey import ShipmentView, UnitView, shipment_view, unit_view, units_of_case
from db.enums import UnitKind
from db.models import (
    AuditEvent,
    Case,
    CustodyEvent,
    ExchangeBundle,
    LoggerFile,
    PartnerEvent,
    Release,
    Shipment,
    ShipmentItem,
    Unit,
)
from tests.conftest import DEMO_PASSWORD, PASSWORD, PostgresServer

COUNTED = (
    AuditEvent,
    Case,
    Unit,
    Shipment,
    ShipmentItem,
    CustodyEvent,
    LoggerFile,
    Release,
    ExchangeBundle,
    PartnerEvent,
)
"""The tables a refused bundle must leave as they were."""


class Site:
    """One organisation's database, its people, its key and its demo driver."""

    def __init__(self, code: str, partner: str, database: Database, folder: Path) -> None:
        self.code, self.partner, self.database = code, partner, database
        self.key = folder / f"{code.lower()}.pem"
        self.public_key = generate_site_key(self.key)
        self.driver = JourneyDriver(database, folder, station="test-station")
        self.folder = folder

    def __getitem__(self, username: str) -> Actor:
        if username == "admin":
            return authenticate(self.database, "admin", PASSWORD, "test-station")
        return self.driver.who(username)

    def send(self, username: str, coi: str, name: str) -> Path:
        """Export the case's bundle for the partner and write it to ``name``."""
        path = self.folder / name
        export_bundle(
            self.database, self[username], coi, self.partner, load_site_key(self.key), out=path
        )
        return path

    def receive_bundle(self, username: str, path: Path) -> BundleImport:
        """Import a bundle as ``username``."""
        return import_bundle(self.database, self[username], path)

    def counts(self) -> dict[str, int]:
        """Rows in each table a refused bundle must not touch."""
        with self.database.read_session() as session:
            return {
                str(model.__tablename__): session.scalar(select(func.count()).select_from(model))
                or 0
                for model in COUNTED
            }

    def case_id(self, coi: str) -> Any:
        with self.database.read_session() as session:
            return session.scalar(select(Case.id).where(Case.coi == coi))

    def shipment(self, sscc: str) -> ShipmentView:
        with self.database.read_session() as session:
            row = session.scalar(select(Shipment).where(Shipment.sscc == sscc))
            assert row is not None, f"shipment {sscc} is not in {self.code}'s database"
            return shipment_view(session, row)

    def units(self, coi: str, kind: UnitKind) -> list[UnitView]:
        with self.database.read_session() as session:
            return [
                unit_view(u) for u in units_of_case(session, self.case_id(coi)) if u.kind is kind
            ]


class TwoSites:
    """The clinic and the manufacturer, each trusting the other's key."""

    def __init__(self, clinic: Database, maker: Database, folder: Path) -> None:
        (folder / "clinic").mkdir()
        (folder / "maker").mkdir()
        self.clinic = Site("NBH", "CTF", clinic, folder / "clinic")
        self.maker = Site("CTF", "NBH", maker, folder / "maker")
        register_partner_key(maker, self.maker["admin"], "NBH", self.clinic.public_key)
        register_partner_key(clinic, self.clinic["admin"], "CTF", self.maker.public_key)


def _copy(request: pytest.FixtureRequest, backend: str, target: Path) -> tuple[str, Any]:
    if backend == "sqlite":
        shutil.copyfile(request.getfixturevalue("demo_sqlite_template"), target)
        return f"sqlite:///{target}", None
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.copy_of(request.getfixturevalue("demo_postgres_template"))
    return url.render_as_string(hide_password=False), url.database


@pytest.fixture(
    params=[
        pytest.param(("sqlite", "sqlite"), id="sqlite+sqlite"),
        # the whole journey again with the clinic on PostgreSQL: ./test.sh --slow
        pytest.param(("postgresql", "sqlite"), id="postgresql+sqlite", marks=pytest.mark.slow),
    ],
)
def two_sites(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TwoSites]:
    """The clinic's and the manufacturer's demo databases, fresh for the test."""
    clinic_backend, maker_backend = request.param
    clinic_url, clinic_name = _copy(request, clinic_backend, tmp_path / "clinic.db")
    maker_url, maker_name = _copy(request, maker_backend, tmp_path / "maker.db")
    clinic, maker = open_database(clinic_url), open_database(maker_url)
    try:
        yield TwoSites(clinic, maker, tmp_path)
    finally:
        clinic.dispose()
        maker.dispose()
        for name in (clinic_name, maker_name):
            if name is not None:
                request.getfixturevalue("postgres_server").drop(name)


__all__ = ["DEMO_PASSWORD", "Site", "TwoSites", "two_sites"]
