"""Bulk storage of logger readings (executemany on SQLite, COPY on PostgreSQL): exact values,
awkward sensor names, and the readings inside the import's one transaction."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from sqlalchemy import func, select

from app.coldchain import storage
from app.coldchain.analysis.trace import Trace, make_trace
from app.coldchain.storage import store_readings, stored_trace
from app.core.actor import Actor
from app.core.database import Database
from app.core.unit_of_work import UnitOfWork
from db.models import LoggerFile, LoggerReading
from db.types import utc_now

AWKWARD_SENSOR = "probe\t2\\back\nslash\r 'q' \"d\" ,;| é"


def awkward_trace(readings: int) -> Trace:
    """Irregular microsecond times and temperatures needing every digit of a double."""
    end = utc_now().timestamp()
    steps = 59.0 + (np.arange(readings) % 7) * 0.000_001 * 123_457
    times = np.round(end - np.cumsum(steps)[::-1], 6)
    temps = 5.0 + np.sin(np.arange(readings)) / 3.0
    temps[:3] = [-0.0, 1e-7, -273.15]
    return make_trace(
        times, temps, sensor_id=AWKWARD_SENSOR, source_name="x.csv", sha256="0" * 64, importer="t"
    )


def new_logger_file(uow: UnitOfWork, readings: int) -> LoggerFile:
    row = LoggerFile(
        id=uuid.uuid4(),
        file_name="x.csv",
        sha256=uuid.uuid4().hex * 2,
        format="generic",
        sensor_id=AWKWARD_SENSOR,
        reading_count=readings,
        imported_at=utc_now(),
        imported_by_id=uow.actor.user_id,
    )
    uow.add(row, action="import logger file")
    uow.flush()
    return row


def test_readings_come_back_exactly_across_chunks(
    database: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage, "READINGS_PER_STATEMENT", 16)  # chunks of 16: 4 and a part
    readings = 16 * 4 + 7
    trace = awkward_trace(readings)
    with UnitOfWork(database, admin) as uow:
        row = new_logger_file(uow, readings)
        assert store_readings(uow.session, row.id, trace) == readings
        uow.commit()
    with database.read_session() as session:
        stored = session.get(LoggerFile, row.id)
        assert stored is not None
        rebuilt = stored_trace(session, stored)
        sensors = session.scalars(select(LoggerReading.sensor).distinct()).all()
        seqs = session.scalars(
            select(LoggerReading.seq)
            .where(LoggerReading.logger_file_id == row.id)
            .order_by(LoggerReading.seq)
        ).all()
    assert sensors == [AWKWARD_SENSOR]
    assert seqs == list(range(readings))
    assert np.array_equal(rebuilt.temps_c, trace.temps_c)
    assert np.array_equal(
        rebuilt.times_utc.astype("datetime64[us]"), trace.times_utc.astype("datetime64[us]")
    )


def test_readings_roll_back_with_their_import(database: Database, admin: Actor) -> None:
    """A failure after the readings were streamed leaves neither the file nor one reading."""
    trace = awkward_trace(50)
    with pytest.raises(RuntimeError), UnitOfWork(database, admin) as uow:
        row = new_logger_file(uow, 50)
        store_readings(uow.session, row.id, trace)
        raise RuntimeError("the import failed after storing")
    with database.read_session() as session:
        assert session.get(LoggerFile, row.id) is None
        assert session.scalar(select(func.count()).select_from(LoggerReading)) == 0
