"""Benchmark: the audit trail screen's searches on a 300 000-event trail (each page < 0.5 s).

The trail is the demo users' sign-ins and record changes spread over a year, written straight
into the table (the chain does not matter to searching), then one real case on top. Each search
asks for the first page of 200 with its total, as the screen does; the floor is the same page
and count read with bare SQL, and each search prints its ratio to it.
Run with `pytest -m slow tests/benchmarks/test_audit_search_benchmark.py -s`.
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

EVENTS = 300_000
BATCH = 20_000
TARGET_S = 0.5
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


def _bare_first_page(demo: Demo) -> float:
    """The floor: the newest 200 events and the total count, in bare SQL, best of three."""
    best = float("inf")
    table = AuditEvent.__table__
    for _ in range(3):
        started = time.perf_counter()
        with demo.database.engine.connect() as conn:
            conn.execute(select(table).order_by(table.c.seq.desc()).limit(200)).all()
            conn.scalar(select(func.count()).select_from(table))
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.slow
def test_searches_stay_fast_on_a_long_trail(demo: Demo, tmp_path: Path) -> None:
    _fill(demo)
    driver = JourneyDriver(demo.database, tmp_path)
    case = driver.enrol("HBENCH1", "Bench", "Ada", date(1970, 1, 1))
    driver.collect(case)
    admin = authenticate(demo.database, "admin", PASSWORD, "bench")
    qa = demo["asha.qa"]
    middle = START + timedelta(days=120)
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
    timings = {}
    for name, (actor, audit_filter) in searches.items():
        offset = 100_000 if name == "admin, deep page" else 0
        started = time.perf_counter()
        page = search_audit(demo.database, actor, audit_filter, offset=offset)
        timings[name] = (time.perf_counter() - started, page.total)
        assert page.rows, name
    print(f"{demo.database.backend:10} floor (bare SQL page + count) {floor * 1000:7.1f} ms")
    for name, (seconds, total) in timings.items():
        print(
            f"{demo.database.backend:10} {name:22} {seconds * 1000:7.1f} ms  {total:7} events"
            f"  ratio {seconds / floor:6.1f}"
        )
    slow = {name: seconds for name, (seconds, _total) in timings.items() if seconds > TARGET_S}
    assert slow == {}
