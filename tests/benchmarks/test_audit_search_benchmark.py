"""Benchmark: the audit trail screen's searches on a 300 000-event trail (each within 3x its floor).

The trail is the demo users' sign-ins and record changes spread over a year, written straight
into the table (the chain does not matter to searching), then one real case on top. Each search
asks for the first page of 200 with its total, as the screen does (a deep page: the page after
an event a third of the way down, by keyset, its total known from the first page). The floor of
each search is its own filter's page and count (capped as the screen's) in bare SQL: Core
statements on a connection, no ORM, the own-site scope in the shape the planners read fastest,
a case's record ids read as the search reads them. Search and floor alternate run by run, each
first in turn, after a warm-up of both and a garbage collection; each search records its
ratio to its floor (`tests/perf/run.py` checks the ratios; no absolute time is asserted).
Run with `python tests/perf/run.py --only audit_search` (or pytest -m slow on this file).
"""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, and_, func, insert, or_, select
from sqlalchemy.orm import Session

from app.access.users import authenticate
from app.audit.case_records import case_record_keys
from app.audit.queries import AuditFilter, search_audit
from app.core import Actor
from app.demo.journey import JourneyDriver
from db.models import AuditEvent, User
from tests.conftest import PASSWORD, Demo
from tests.perf.results import quick, record

EVENTS = 60_000 if quick() else 300_000
BATCH = 20_000
REPEATS = (
    15 if quick() else 25
)  # short searches: many runs, the median steadier on a shared machine
TARGET_RATIO = 3.0
RECORD_TYPES = ("scan", "unit", "label", "custody_event", "signature", "stage_record", "shipment")
ACTIONS = ("scan matched", "update", "print label", "custody given", "sign", "create")
START = datetime(2025, 1, 1, tzinfo=UTC)
COLUMNS = (
    "seq", "at", "user_id", "username", "station", "action", "record_type", "record_id",
    "reason", "old_values", "new_values",
)  # fmt: skip
"""What the screen's page reads (app.audit.queries._COLUMNS)."""


def _fill(demo: Demo) -> None:
    with demo.database.read_session() as session:
        users = [(str(i), name) for i, name in session.execute(select(User.id, User.username))]
    with demo.database.engine.begin() as conn:
        first = int(conn.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())) or 0)
        for offset in range(0, EVENTS, BATCH):
            rows = []
            for n in range(offset, min(offset + BATCH, EVENTS)):
                user_id, username = users[n % len(users)]
                rows.append(
                    {
                        "seq": first + n + 1,
                        "at": START + timedelta(seconds=n * 100),
                        "user_id": user_id,
                        "username": username,
                        "station": f"bench-{n % 7}",
                        "action": ACTIONS[n % len(ACTIONS)],
                        "record_type": RECORD_TYPES[n % len(RECORD_TYPES)],
                        "record_id": str(uuid.UUID(int=n // 5)),
                        "old_values": "{}",
                        "new_values": '{"status":"available"}',
                        "reason": None,
                        "prev_hash": "0" * 64,
                        "hash": f"{n:064x}",
                    }
                )
            conn.execute(insert(AuditEvent), rows)


COUNT_CAP = 5000  # the screen counts matches up to this many (app.audit.queries.COUNT_CAP)
PAGE = 200


def _floor(demo: Demo, where: Callable[[Connection], list[Any]], deep_before: int | None) -> float:
    """The floor of one search: its page and (first pages) its count capped as the screen's,
    in bare SQL (Core statements on a connection, no ORM) for the same filter, in ms."""
    t = AuditEvent.__table__
    columns = [t.c[name] for name in COLUMNS]
    started = time.perf_counter()
    with demo.database.engine.connect() as conn:
        conditions = where(conn)
        page = select(*columns).where(*conditions).order_by(t.c.seq.desc()).limit(PAGE)
        if deep_before is not None:
            conn.execute(page.where(t.c.seq < deep_before)).all()
        else:
            matching = select(t.c.seq).where(*conditions).limit(COUNT_CAP + 1).subquery()
            conn.scalar(select(func.count()).select_from(matching))
            conn.execute(page).all()
    return (time.perf_counter() - started) * 1000


def _site_users(site_id: uuid.UUID | None) -> Callable[[Connection], list[Any]]:
    """The own-site scope as bare SQL: the site's users' events and the events on them."""
    t = AuditEvent.__table__

    def where(conn: Connection) -> list[Any]:
        users = [str(i) for i in conn.scalars(select(User.id).where(User.site_id == site_id))]
        # The shape the planners read fastest (tested row by row, as the application does:
        # the natural `user_id IN (...)` makes SQLite read every match through the user
        # index and sort them, several times slower on this trail).
        return [
            or_(
                func.coalesce(t.c.user_id, "").in_(users),
                and_(t.c.record_type == "app_user", func.coalesce(t.c.record_id, "").in_(users)),
            )
        ]

    return where


@pytest.mark.slow
def test_searches_stay_fast_on_a_long_trail(demo: Demo, tmp_path: Path) -> None:
    _fill(demo)
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("HBENCH1", "Bench", "Ada", date(1970, 1, 1))
    driver.collect(case)
    admin = authenticate(demo.database, "admin", PASSWORD, "bench")
    qa = demo["asha.qa"]
    middle = START + timedelta(seconds=EVENTS * 40)  # within the trail (100 s an event)
    searches = {
        "admin, everything": (admin, AuditFilter()),
        "admin, deep page": (admin, AuditFilter()),
        "QA, own site": (qa, AuditFilter()),
        "QA, one user": (qa, AuditFilter(username="otto.operator")),
        "QA, one day": (qa, AuditFilter(since=middle, until=middle + timedelta(days=1))),
        "admin, record type": (admin, AuditFilter(record_type="signature")),
        "admin, action words": (admin, AuditFilter(action="custody")),
        "admin, one record": (admin, AuditFilter(record_id=str(uuid.UUID(int=4242)))),
        "admin, one case": (admin, AuditFilter(case=case.coi)),
    }
    t = AuditEvent.__table__

    def case_records(conn: Connection) -> list[Any]:
        # The case's record ids are part of its filter: read in the floor too, with the same
        # five Core statements (app.audit.case_records) on the floor's own connection.
        with Session(bind=conn) as session:
            return [t.c.record_id.in_(sorted(case_record_keys(session, case.id)))]

    own_site = _site_users(qa.site_id)
    floors: dict[str, Callable[[Connection], list[Any]]] = {
        "admin, everything": lambda _c: [],
        "admin, deep page": lambda _c: [],
        "QA, own site": own_site,
        "QA, one user": lambda c: [*own_site(c), t.c.username == "otto.operator"],
        "QA, one day": lambda c: [
            *own_site(c),
            t.c.at >= middle,
            t.c.at < middle + timedelta(days=1),
        ],
        "admin, record type": lambda _c: [t.c.record_type == "signature"],
        "admin, action words": lambda _c: [t.c.action.icontains("custody", autoescape=True)],
        "admin, one record": lambda _c: [t.c.record_id == str(uuid.UUID(int=4242))],
        "admin, one case": case_records,
    }
    first = search_audit(demo.database, admin, AuditFilter())
    newest, first_total = first.rows[0].seq, first.total
    for name, (actor, audit_filter) in searches.items():
        # A deep page as the screen reads it: after the oldest event shown (keyset), its
        # total known from the first page.
        deep = name == "admin, deep page"
        before = newest - EVENTS // 3 if deep else None
        total = first_total if deep else None

        def ours(
            actor: Actor = actor,
            audit_filter: AuditFilter = audit_filter,
            before: int | None = before,
            total: int | None = total,
            name: str = name,
        ) -> float:
            started = time.perf_counter()
            page = search_audit(
                demo.database, actor, audit_filter, before_seq=before, known_total=total
            )
            assert page.rows, name
            return (time.perf_counter() - started) * 1000

        def bare(name: str = name, before: int | None = before) -> float:
            return _floor(demo, floors[name], before)

        ours(), bare()  # warm: caches, statement compilation
        gc.collect()  # each pair starts with no garbage of the fill, the earlier searches
        times, floor = [], []
        for run in range(REPEATS):  # alternated, each first in turn
            pair = (ours, bare) if run % 2 == 0 else (bare, ours)
            measured = {f: f() for f in pair}
            times.append(measured[ours])
            floor.append(measured[bare])
        record(f"audit search {demo.database.backend} {name}", times, floor, TARGET_RATIO)
