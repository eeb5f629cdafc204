"""The load test's own data set: a new, empty database set up with the demo reference data.

The load test writes thousands of invented cases, labels and signatures: it never runs on a
database that holds anything. The target must be empty (a new SQLite file, or a PostgreSQL
database just made with ``CREATE DATABASE``); it gets the schema, an administrator and the demo
sites, users, profiles and product. Its accounts are hashed with a light Argon2id setting: a
signature's Argon2 time is spent on the workstation, not on the database server the load test
qualifies, and the real setting (about a third of a second here) would only hide the server's
share; `argon2_verify_ms` in the output says what the real setting costs on this machine.
"""

from __future__ import annotations

import secrets
import time

from argon2 import PasswordHasher
from sqlalchemy import inspect

from app.access import authenticate, create_first_admin, create_user, parse_role, use_hasher
from app.core import (
    Actor,
    Database,
    UnitOfWork,
    ValidationFailed,
    connect,
    ensure_clinic_key,
    ensure_key,
    open_database,
    set_anchor_aside,
)
from app.demo import DEMO_PASSWORD, reference_data, seed_demo

LOAD_ADMIN = "admin"
STATION_PEOPLE = (
    "cora.coordinator",
    "alex.apheresis",
    "ana.apheresis",
    "otto.operator",
    "vera.verifier",
    "asha.qa",
)
"""The demo people a station needs: enrolment, collection and its verifier, the manufacturing
operator and verifier, and QA (receipts, audit searches)."""
LIGHT_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""Argon2id for the load test's own accounts only (1 MiB, one pass)."""


def refuse_non_empty(url: str) -> None:
    """Refuse a database that holds any table: the load test fills only a new, empty one."""
    database = connect(url)
    try:
        with database.engine.connect() as connection:
            tables = inspect(connection).get_table_names()
        shown = database.display_url
    finally:
        database.dispose()
    if tables:
        raise ValidationFailed(
            f"The database at {shown} is not empty (it holds {len(tables)} tables): the load "
            "test writes thousands of invented cases and runs only on a new, empty database. "
            "Create one for it (CREATE DATABASE coi_loadtest, or a new SQLite file), run the "
            "load test there, and drop it afterwards; nothing was changed."
        )


def prepare_load_database(url: str, station: str, stations: int) -> Database:
    """Set up the empty database at ``url``: schema, administrator, demo reference data, and
    the people of each of ``stations`` stations."""
    refuse_non_empty(url)
    ensure_key()
    ensure_clinic_key()  # its stations enrol patients: this workstation is also the clinic's
    set_anchor_aside(url)  # an anchor left by a dropped database at the same place
    use_hasher(LIGHT_HASHER)
    database = open_database(url)
    password = secrets.token_urlsafe(18)
    create_first_admin(database, LOAD_ADMIN, "Load Test Administrator", password, station)
    admin = authenticate(database, LOAD_ADMIN, password, station)
    seed_demo(database, admin)
    add_station_people(database, admin, stations)
    return database


def station_people(index: int) -> str:
    """What station ``index``'s people have after their demo user name (``.07``)."""
    return f".{index:02d}"


def add_station_people(database: Database, admin: Actor, stations: int) -> None:
    """Give every station its own copy of the people it needs (same roles and site), as
    separate workstations have separate people: one account signed in at twenty stations at
    once would be refused (AccountLocked) and would serialise every write on its row."""
    data = reference_data()
    wanted = [u for u in data["users"] if u["username"] in STATION_PEOPLE]
    for index in range(1, stations + 1):
        with UnitOfWork(database, admin) as uow:
            uow.reason = "load test"
            for user in wanted:
                create_user(
                    uow,
                    username=user["username"] + station_people(index),
                    full_name=f"{user['full_name']} {index:02d}",
                    password=DEMO_PASSWORD,
                    roles=[parse_role(r) for r in user["roles"]],
                    site_code=user["site"],
                )
            uow.commit()


def argon2_verify_ms() -> float:
    """What one signature's password check costs with the real Argon2id setting here."""
    hasher = PasswordHasher()
    hashed = hasher.hash("load-test-password")
    started = time.perf_counter()
    hasher.verify(hashed, "load-test-password")
    return round((time.perf_counter() - started) * 1000, 1)
