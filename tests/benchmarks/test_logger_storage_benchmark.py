"""Benchmark: storing 100 000 and 1 000 000 logger readings on SQLite and PostgreSQL.

Reports the time of `app.coldchain.storage.store_readings` (plus the logger-file row, its audit
event and the commit, as an import writes them) against a floor measured in the same run on the
same engine: the same rows, already converted to driver values, inserted by a bare DBAPI
`executemany` in one transaction (the store itself uses executemany on SQLite and psycopg's COPY
on PostgreSQL, the bulk-load path of the library underneath). A third test times a whole
`import_logger_file` of a 1 000 000-reading generic CSV file (parse, assess, store) for a
shipment of the demo journey, and rebuilding its trace from the stored readings (`readings_of`).
The store records its ratio to the floor (`tests/perf/run.py` checks it; no absolute time is
asserted). Run with `python tests/perf/run.py --only logger_storage`.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from app.coldchain.analysis.trace import Trace, make_trace
from app.coldchain.records import import_logger_file
from app.coldchain.storage import readings_of, store_readings
from app.core.actor import Actor
from app.core.database import Database
from app.core.unit_of_work import UnitOfWork
from db.models import LoggerFile, LoggerReading
from db.types import utc_now
from tests.perf.results import quick, record
from tests.support.readers import reader

TARGET_RATIO = 2.0  # the service's rows, audit event and commit beside a bare executemany
SIZES = [20_000] if quick() else [100_000, 1_000_000]


def synthetic_trace(readings: int) -> Trace:
    """One reading a minute, a slow wave around 5 °C, ending now."""
    end = utc_now().timestamp()
    times = end - 60.0 * np.arange(readings, 0, -1, dtype=np.float64)
    temps = np.round(5.0 + 3.5 * np.sin(np.arange(readings) / 700.0), 2)
    return make_trace(
        times,
        temps,
        sensor_id="LOG-1",
        source_name="bench.csv",
        sha256="0" * 64,
        importer="generic",
    )


def new_logger_file(uow: UnitOfWork, readings: int) -> LoggerFile:
    row = LoggerFile(
        id=uuid.uuid4(),
        file_name="bench.csv",
        sha256=uuid.uuid4().hex * 2,
        format="generic",
        reading_count=readings,
        imported_at=utc_now(),
        imported_by_id=uow.actor.user_id,
    )
    uow.add(row, action="import logger file")
    uow.flush()
    return row


def service_seconds(database: Database, actor: Actor, trace: Trace) -> tuple[float, uuid.UUID]:
    started = time.perf_counter()
    with UnitOfWork(database, actor) as uow:
        row = new_logger_file(uow, len(trace))
        store_readings(uow.session, row.id, trace)
        uow.commit()
    return time.perf_counter() - started, row.id


def _driver_rows(database: Database, file_id: uuid.UUID, trace: Trace) -> list[tuple[Any, ...]]:
    moments = trace.times_utc.tolist()
    temps = trace.temps_c.tolist()
    if database.backend == "sqlite":  # how SQLAlchemy stores Uuid and DateTime on SQLite
        key: Any = file_id.hex
        stamps: list[Any] = [m.isoformat(" ", "microseconds") for m in moments]
    else:
        key = file_id
        stamps = [m.replace(tzinfo=UTC) for m in moments]
    return [(key, i, stamps[i], temps[i], "LOG-1") for i in range(len(trace))]


def floor_seconds(database: Database, actor: Actor, trace: Trace) -> float:
    """Bare executemany of the same rows (driver values prepared beforehand), one transaction."""
    with UnitOfWork(database, actor) as uow:
        file_id = new_logger_file(uow, len(trace)).id
        uow.commit()
    rows = _driver_rows(database, file_id, trace)
    mark = "?" if database.backend == "sqlite" else "%s"
    sql = (
        "INSERT INTO logger_reading (logger_file_id, seq, measured_at, temperature_c, sensor) "
        f"VALUES ({', '.join([mark] * 5)})"
    )
    connection = database.engine.raw_connection()
    try:
        started = time.perf_counter()
        cursor = connection.cursor()
        if database.backend == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")  # the engine hands pysqlite autocommit mode
        cursor.executemany(sql, rows)
        connection.commit() if database.backend != "sqlite" else cursor.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        connection.close()


def stored(database: Database, file_id: uuid.UUID) -> int:
    with database.read_session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(LoggerReading)
                .where(LoggerReading.logger_file_id == file_id)
            )
            or 0
        )


@pytest.mark.slow
@pytest.mark.parametrize("readings", SIZES, ids=[f"{n // 1000}k" for n in SIZES])
def test_storing_readings_against_bare_executemany(
    database: Database, admin: Actor, readings: int
) -> None:
    trace = synthetic_trace(readings)
    floor = floor_seconds(database, admin, trace)
    seconds, file_id = service_seconds(database, admin, trace)
    print(
        f"\n{database.backend} {readings:>9,} readings: store {seconds:.2f} s "
        f"({readings / seconds:,.0f}/s); floor (bare executemany) {floor:.2f} s; "
        f"ratio {seconds / floor:.2f}"
    )
    assert stored(database, file_id) == readings
    name = f"logger storage {database.backend} {readings:,} readings"
    record(name, [seconds * 1000], [floor * 1000], TARGET_RATIO)


def write_million(path: Path) -> None:
    """1 000 000 readings, one a minute, ending an hour from now, 5 °C (within fresh-2-8)."""
    end = np.datetime64(utc_now().replace(tzinfo=None, microsecond=0) + timedelta(hours=1), "s")
    times = np.datetime_as_string(end - np.arange(999_999, -1, -1) * np.timedelta64(60, "s"))
    lines = np.char.add(times.astype("U19"), "Z,5.00")
    path.write_text("timestamp,temperature_c\n" + "\n".join(lines.tolist()) + "\n")


@pytest.mark.slow
def test_importing_a_million_reading_file_for_a_shipment(demo, tmp_path: Path) -> None:
    from tests.journey.test_logger_records import receive, ship  # noqa: PLC0415

    if quick():
        pytest.skip("a million readings: not in the quick run")
    leg = ship(demo)
    receive(demo, leg)
    path = tmp_path / "million.csv"
    write_million(path)
    started = time.perf_counter()
    view = import_logger_file(demo.database, demo["otto.operator"], leg.shipment.id, path)
    seconds = time.perf_counter() - started
    print(
        f"\n{demo.database.backend} import_logger_file of 1,000,000 readings "
        f"(read + assess + store, one transaction): {seconds:.2f} s; verdict {view.verdict}"
    )
    started = time.perf_counter()
    rebuilt = readings_of(demo.database, reader(demo.database), view.id)
    rebuilt_s = time.perf_counter() - started
    print(f"{demo.database.backend} readings_of (trace rebuilt from the rows): {rebuilt_s:.2f} s")
    assert view.reading_count == len(rebuilt) == 1_000_000
    assert stored(demo.database, view.id) == 1_000_000
    assert datetime.now(UTC) > view.imported_at
