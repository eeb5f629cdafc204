"""A stored logger file assessed again exactly as it was stored.

The one place that loads a stored file's profile, rebuilds its trace from the readings and
assesses it over the stored window: the receipt screen's plot and the PDF report both read it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.coldchain.analysis.assessment import Assessment, assess
from app.coldchain.analysis.profiles import TemperatureProfile as ProfileLimits
from app.coldchain.analysis.trace import Trace
from app.coldchain.storage import profile_from_record, readable_logger_file, stored_trace
from app.core import Actor, Database, load
from db.models import LoggerFile, TemperatureProfile


@dataclass(frozen=True, eq=False)
class AssessedTrace:
    """A stored logger file's readings, the profile it was judged against, and the result."""

    trace: Trace
    profile: ProfileLimits
    assessment: Assessment


def assessed_logger_file(session: Session, logger_file_id: uuid.UUID) -> AssessedTrace:
    """The stored file's trace assessed again with its stored profile, window and readings."""
    row = load(session, LoggerFile, logger_file_id, "logger file")
    if row.profile_id is None:  # pragma: no cover - every import stores its profile
        raise ValueError(f"logger file {row.file_name} has no profile")
    profile = profile_from_record(
        load(session, TemperatureProfile, row.profile_id, "temperature profile")
    )
    trace = stored_trace(session, row)
    return AssessedTrace(trace, profile, assess(trace, profile, row.window_start, row.window_end))


def assessed_trace(database: Database, actor: Actor, logger_file_id: uuid.UUID) -> AssessedTrace:
    """``assessed_logger_file`` in a read session of its own (for the receipt screen's plot),
    for an actor who may see the shipment's case."""
    with database.read_session() as session:
        readable_logger_file(session, actor, logger_file_id)
        return assessed_logger_file(session, logger_file_id)
