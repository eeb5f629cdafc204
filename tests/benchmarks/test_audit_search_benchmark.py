"""Benchmark: the audit trail screen's searches on a 300 000-event trail (each within 3x its floor).

The trail is the demo users' sign-ins and record changes spread over a year, written straight
into the table (the chain does not matter to searching), then one real case on top. Each search
asks for the first page of 200 with its total, as the screen does (a deep page: the page after
an event a third of the way down, by keyset, its total known from the first page); the floor is
the same page and count read with bare SQL, and each search records its ratio to it
(`tests/perf/run.py` checks the ratios; no absolute time is asserted).
Run with `python tests/perf/run.py --only audit_search` (or pytest -m slow on this file).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from app.access.users import authenticate
from app.audit.queries import AuditFilter, search_audit
from app.demo.journey import JourneyDriver
from db.models import AuditEvent, User
from tests.conftest import PASSWORD, Demo
from tests.perf.results import quick, record

EVENTS = 60_000 if quick() else 300_000
BATCH = 20_000
REPEATS = 3 if quick() else 5
TARGET_RATIO = 3.0
RECORD_TYPES = ("scan", "unit", "label", "custody_event", "signature", "stage_record", "shipment")
ACTIONS = ("scan matched", "update", "print label", "custody given", "sign", "create")
START = datetime(2025, 1, 1, tzinfo=UTC)


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


def _bare_first_page(demo: Demo) -> list[float]:
    """The floor: the newest 200 events and the total count in bare SQL, in ms, each repeat."""
    times = []
    table = AuditEvent.__table__
    for _ in range(REPEATS):
        started = time.perf_counter()
        with demo.database.engine.connect() as conn:
            conn.execute(select(table).order_by(table.c.seq.desc()).limit(200)).all()
            conn.scalar(select(func.count()).select_from(table))
        times.append((time.perf_counter() - started) * 1000)
    return times


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
    floor = _bare_first_page(demo)
    first = search_audit(demo.database, admin, AuditFilter())
    newest, first_total = first.rows[0].seq, first.total
    for name, (actor, audit_filter) in searches.items():
        # A deep page as the screen reads it: after the oldest event shown (keyset), its
        # total known from the first page.
        deep = name == "admin, deep page"
        before = newest - EVENTS // 3 if deep else None
        total = first_total if deep else None
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            page = search_audit(
                demo.database, actor, audit_filter, before_seq=before, known_total=total
            )
            times.append((time.perf_counter() - started) * 1000)
            assert page.rows, name
        record(f"audit search {demo.database.backend} {name}", times, floor, TARGET_RATIO)
