"""Benchmark: peak memory of the case list and the audit trail read end to end (< 400 MB).

Point 6 of issue 15: the case list with 100 000 cases scrolled end to end, and the audit trail
with 1 000 000 events, each under 400 MB peak RSS. The data is written straight into a SQLite
database (cases as the scan benchmark builds them, without their units; events as the audit
search benchmark writes them), then `tests/perf/memory_probe.py` reads every page in a process
of its own and reports its peak RSS. The row records the peak in MB in the time columns, the
limit (400 MB) as its floor and their ratio against a target of 1.0. ``--quick`` uses a fifth
of the cases and a tenth of the events (the row's name says which; the audit screen holds a
window of 2 000 events, so 100 000 still reads it end to end fifty windows over).
Run with `python tests/perf/run.py --only memory`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from app.access.users import authenticate, create_user
from app.core.actor import Actor
from app.core.database import Database
from app.core.unit_of_work import UnitOfWork
from db.enums import Role
from db.models import AuditEvent, Case, Patient, Product, Site
from tests.benchmarks.test_scan_benchmark import _rows
from tests.conftest import PASSWORD
from tests.perf.results import quick, record

CASES = 20_000 if quick() else 100_000
EVENTS = 100_000 if quick() else 1_000_000
BATCH = 20_000
LIMIT_MB = 400.0
PROBE = Path(__file__).resolve().parents[1] / "perf" / "memory_probe.py"


def _fill_cases(database: Database, admin: Actor) -> None:
    tables, _targets = _rows(admin, CASES, units_too=False)
    models = {"site": Site, "product": Product, "patient": Patient, "therapy_case": Case}
    with database.engine.begin() as connection:
        for name, model in models.items():
            connection.execute(insert(model), tables[name])


def _fill_events(database: Database, admin: Actor) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with database.engine.begin() as connection:
        first = 1_000  # after the few events the set-up wrote
        for offset in range(0, EVENTS, BATCH):
            connection.execute(
                insert(AuditEvent),
                [
                    {
                        "seq": first + n,
                        "at": start + timedelta(seconds=n),
                        "user_id": str(admin.user_id),
                        "username": admin.username,
                        "station": f"bench-{n % 7}",
                        "action": "scan matched",
                        "record_type": "scan",
                        "record_id": str(uuid.UUID(int=n)),
                        "old_values": "{}",
                        "new_values": '{"outcome":"match","purpose":"label check"}',
                        "reason": None,
                        "prev_hash": "0" * 64,
                        "hash": f"{n:064x}",
                    }
                    for n in range(offset, min(offset + BATCH, EVENTS))
                ],
            )


def _peak(screen: str, database: Database, admin: Actor) -> tuple[float, int]:
    actor = {
        "user_id": str(admin.user_id),
        "username": admin.username,
        "full_name": admin.full_name,
        "roles": sorted(role.value for role in admin.roles),
        "site_id": str(admin.site_id) if admin.site_id else None,
        "site_name": admin.site_name,
        "account_version": admin.account_version,
    }
    done = subprocess.run(
        [sys.executable, str(PROBE), screen, database.url, json.dumps(actor)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return float(found["peak_mb"]), int(found["rows"])


@pytest.mark.slow
def test_screens_read_end_to_end_stay_under_400_mb(database: Database, admin: Actor) -> None:
    if database.backend != "sqlite":
        pytest.skip("measured on SQLite (the rows held are the same on PostgreSQL)")
    _fill_cases(database, admin)
    _fill_events(database, admin)
    with UnitOfWork(database, admin) as uow:  # the facility's QA sees its cases
        create_user(
            uow,
            username="qa",
            full_name="Q A",
            password=PASSWORD,
            roles=[Role.QA],
            site_code="BMF",
        )
        uow.commit()
    qa = authenticate(database, "qa", PASSWORD, "perf")
    peak, rows = _peak("cases", database, qa)
    assert rows == CASES
    record(f"memory case list {CASES:,} cases (peak MB)", [peak], [LIMIT_MB], 1.0)
    peak, rows = _peak("audit", database, admin)  # an administrator sees every event
    assert rows >= EVENTS
    record(f"memory audit trail {EVENTS:,} events (peak MB)", [peak], [LIMIT_MB], 1.0)
