"""Stored logger files: their frozen view, bulk storage of readings, and the trace rebuilt.

Readings are not audited row by row (there may be a million): the logger file's own audit
event carries the raw file's SHA-256, and the readings are written in the same transaction.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import visible_case
from app.coldchain.analysis.profiles import TemperatureProfile as ProfileLimits
from app.coldchain.analysis.profiles import profile_words
from app.coldchain.analysis.trace import Trace, make_trace
from app.core import Actor, Database, NotFound, person, record_key
from db.enums import Disposition, SignatureMeaning, Verdict
from db.models import LoggerFile, LoggerReading, Shipment, Signature, TemperatureProfile

FloatArray = npt.NDArray[np.float64]
SENSOR_LENGTH = 100
"""Length of the sensor columns (``logger_file.sensor_id``, ``logger_reading.sensor``)."""
READINGS_PER_STATEMENT = 10_000
"""Rows converted at a time (an executemany call, a run of COPY rows): bounds memory for a
million readings at no cost in speed."""


@dataclass(frozen=True)
class LoggerFileView:
    """An imported logger file with its assessment (``report``) and QA's disposition."""

    id: uuid.UUID
    shipment_id: uuid.UUID | None
    file_name: str
    sha256: str
    format: str
    sensor_id: str | None
    reading_count: int
    profile_name: str | None
    window_start: datetime | None
    window_end: datetime | None
    verdict: Verdict | None
    report: dict[str, Any]
    imported_at: datetime
    imported_by: str
    disposition: Disposition | None
    justification: str | None
    dispositioned_at: datetime | None
    dispositioned_by: str | None
    version: int
    profile_words: str | None = None
    """The profile named for people ("Fresh, refrigerated 2–8 °C"), not its code."""
    correction: str | None = None
    """QA's reason when the file was attached as a signed correction after the receipt was
    accepted (None: imported during the receipt)."""

    @property
    def awaits_disposition(self) -> bool:
        """True when the verdict is not within limits and QA has not decided yet."""
        return self.verdict is not Verdict.WITHIN_LIMITS and self.disposition is None


def logger_file_view(session: Session, row: LoggerFile) -> LoggerFileView:
    """The frozen view of a stored logger file."""
    profile = session.get(TemperatureProfile, row.profile_id) if row.profile_id else None
    return LoggerFileView(
        id=row.id,
        shipment_id=row.shipment_id,
        file_name=row.file_name,
        sha256=row.sha256,
        format=row.format,
        sensor_id=row.sensor_id,
        reading_count=row.reading_count,
        profile_name=profile.name if profile else None,
        profile_words=profile_words(profile.name, profile.description) if profile else None,
        window_start=row.window_start,
        window_end=row.window_end,
        verdict=row.verdict,
        report=json.loads(row.assessment or "{}"),
        imported_at=row.imported_at,
        imported_by=person(session, row.imported_by_id),
        disposition=row.disposition,
        justification=row.disposition_justification,
        dispositioned_at=row.dispositioned_at,
        dispositioned_by=(
            person(session, row.dispositioned_by_id) if row.dispositioned_by_id else None
        ),
        version=row.version,
        correction=correction_reason(session, row),
    )


def correction_reason(session: Session, row: LoggerFile) -> str | None:
    """The reason QA signed when attaching ``row`` as a correction (its "approved" signature's
    comment); None for a file imported during the receipt."""
    return session.scalar(
        select(Signature.comment).where(
            Signature.record_type == LoggerFile.__tablename__,
            Signature.record_id == record_key(row),
            Signature.meaning == SignatureMeaning.APPROVED,
        )
    )


def profile_from_record(row: TemperatureProfile) -> ProfileLimits:
    """The analysis profile (limits and allowances) of a stored temperature profile."""
    return ProfileLimits(
        name=row.name,
        lower_c=row.lower_c,
        upper_c=row.upper_c,
        max_single_excursion_min=row.max_single_excursion_min,
        max_cumulative_excursion_min=row.max_cumulative_excursion_min,
        max_gap_min=row.max_gap_min,
        mkt_judged=row.mkt_judged,
        mkt_limit_c=row.mkt_limit_c,
    )


def stored_profile(database: Database, name: str) -> ProfileLimits:
    """The limits of the temperature profile a site configured under ``name``.

    Profiles are reference data (no patient, no case), so reading them needs no actor.
    """
    with database.read_session() as session:
        row = session.scalar(select(TemperatureProfile).where(TemperatureProfile.name == name))
        if row is None:
            names = session.scalars(
                select(TemperatureProfile.name).order_by(TemperatureProfile.name)
            )
            known = ", ".join(names) or "none"
            raise NotFound(
                f"That database has no temperature profile named {name!r} (it has: {known})."
            )
        return profile_from_record(row)


_SQLITE_INSERT = (
    "INSERT INTO logger_reading (logger_file_id, seq, measured_at, temperature_c, sensor) "
    "VALUES (?, ?, ?, ?, ?)"
)


def _store_on_sqlite(session: Session, logger_file_id: uuid.UUID, sensor: str, trace: Trace) -> int:
    """The readings as SQLite stores them (a UUID's 32 hex digits; the UTC wall time as
    ``YYYY-MM-DD HH:MM:SS.ffffff``, what the column types write), made for a whole chunk at
    once in numpy and written by the driver's executemany, without a type conversion per row."""
    connection = session.connection()
    key = logger_file_id.hex
    for start in range(0, len(trace), READINGS_PER_STATEMENT):
        stop = min(start + READINGS_PER_STATEMENT, len(trace))
        moments = trace.times_utc[start:stop].astype("datetime64[us]")
        stamps = np.char.replace(np.datetime_as_string(moments, unit="us"), "T", " ").tolist()
        temps = trace.temps_c[start:stop].tolist()
        rows = [
            (key, seq, stamp, temp, sensor)
            for seq, stamp, temp in zip(range(start, stop), stamps, temps, strict=True)
        ]
        connection.exec_driver_sql(_SQLITE_INSERT, rows)
    return len(trace)


_POSTGRESQL_COPY = (
    "COPY logger_reading (logger_file_id, seq, measured_at, temperature_c, sensor) FROM STDIN"
)


def _store_on_postgresql(
    session: Session, logger_file_id: uuid.UUID, sensor: str, trace: Trace
) -> int:
    """The readings streamed by psycopg's ``COPY ... FROM STDIN`` (its bulk-load path), on the
    session's own connection, so inside the import's transaction; psycopg quotes each value."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(_POSTGRESQL_COPY) as copy:
        for start in range(0, len(trace), READINGS_PER_STATEMENT):
            stop = min(start + READINGS_PER_STATEMENT, len(trace))
            moments = trace.times_utc[start:stop].astype("datetime64[us]").tolist()
            temps = trace.temps_c[start:stop].tolist()
            for seq, moment, temp in zip(range(start, stop), moments, temps, strict=True):
                copy.write_row((logger_file_id, seq, moment.replace(tzinfo=UTC), temp, sensor))
    return len(trace)


def store_readings(session: Session, logger_file_id: uuid.UUID, trace: Trace) -> int:
    """Insert every reading of ``trace`` in bulk; return the count.

    The logger file row must already be flushed (the readings reference it). The readings skip
    the ORM (these unaudited rows need none of its bookkeeping): SQLite takes them by the
    driver's executemany, PostgreSQL by COPY.
    """
    sensor = trace.sensor_id[:SENSOR_LENGTH]
    if session.get_bind().dialect.name == "sqlite":
        return _store_on_sqlite(session, logger_file_id, sensor, trace)
    return _store_on_postgresql(session, logger_file_id, sensor, trace)


def stored_trace(session: Session, row: LoggerFile) -> Trace:
    """Rebuild the trace of a stored logger file from its readings (for plots and reports)."""
    readings = session.execute(
        select(LoggerReading.measured_at, LoggerReading.temperature_c)
        .where(LoggerReading.logger_file_id == row.id)
        .order_by(LoggerReading.seq)
    ).all()
    count = len(readings)
    times = np.fromiter((r[0].timestamp() for r in readings), dtype=np.float64, count=count)
    temps = np.fromiter((r[1] for r in readings), dtype=np.float64, count=count)
    report = json.loads(row.assessment or "{}")
    return make_trace(
        times,
        temps,
        sensor_id=row.sensor_id or "",
        source_name=row.file_name,
        sha256=row.sha256,
        importer=row.format,
        rows_read=int(report.get("rows_read", count)),
        notes=tuple(str(note) for note in report.get("notes", ())),
    )


def readable_shipment(session: Session, actor: Actor, shipment_id: uuid.UUID) -> Shipment:
    """The shipment if ``actor`` may see its case; NotFound or NotPermitted otherwise."""
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound("That shipment does not exist.")
    visible_case(session, actor, shipment.case_id)
    return shipment


def readable_logger_file(session: Session, actor: Actor, logger_file_id: uuid.UUID) -> LoggerFile:
    """The logger file if ``actor`` may see its shipment's case; NotFound or NotPermitted."""
    row = session.get(LoggerFile, logger_file_id)
    if row is None:
        raise NotFound("That logger file does not exist.")
    if row.shipment_id is None:  # never written: every import names its shipment
        visible_case(session, actor, None)
    else:
        readable_shipment(session, actor, row.shipment_id)
    return row


def logger_files_of_shipment(
    database: Database, actor: Actor, shipment_id: uuid.UUID
) -> list[LoggerFileView]:
    """Every logger file imported for a shipment ``actor`` may see, oldest first."""
    with database.read_session() as session:
        readable_shipment(session, actor, shipment_id)
        rows = session.scalars(
            select(LoggerFile)
            .where(LoggerFile.shipment_id == shipment_id)
            .order_by(LoggerFile.imported_at)
        ).all()
        return [logger_file_view(session, row) for row in rows]


def readings_of(database: Database, actor: Actor, logger_file_id: uuid.UUID) -> Trace:
    """The stored readings of a logger file as a Trace (for the plot and the PDF report)."""
    with database.read_session() as session:
        row = readable_logger_file(session, actor, logger_file_id)
        return stored_trace(session, row)
