"""Cold-chain workflow: import a shipment's data-logger file, quarantine on a bad verdict, and
QA's signed disposition (DESIGN.md §4).

An import is one transaction: the logger file with its assessment, every reading, the
quarantine of the shipment's units and the excursion deviation are stored together or not at
all. An unreadable file stores nothing. Accepting an excursion does not lift the quarantine by
itself: QA then closes the deviation and accepts the receipt (``app.journey.shipping``).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.access import require_role, require_site
from app.coldchain.analysis.assessment import Assessment, assess
from app.coldchain.analysis.errors import AssessmentError, LoggerFileError
from app.coldchain.analysis.profiles import TemperatureProfile as ProfileLimits
from app.coldchain.analysis.registry import read_logger_file
from app.coldchain.analysis.trace import Trace
from app.coldchain.storage import (
    SENSOR_LENGTH,
    LoggerFileView,
    logger_file_view,
    logger_files_of_shipment,
    profile_from_record,
    readings_of,
    store_readings,
)
from app.core import Actor, Database, NotFound, UnitOfWork, ValidationFailed, load, now
from app.journey import LEGS, enter_side_state, record_stage, shipment_units
from app.quality import open_deviation, sign
from db.enums import (
    Disposition,
    Role,
    ShipmentStatus,
    SideState,
    SideStateCause,
    SignatureMeaning,
    Verdict,
)
from db.models import Case, LoggerFile, Shipment, TemperatureProfile

__all__ = [
    "LoggerFileView",
    "disposition_logger_file",
    "import_logger_file",
    "logger_files_of_shipment",
    "profile_from_record",
    "readings_of",
    "shipment_id_of",
]

_IMPORTABLE = frozenset({ShipmentStatus.IN_TRANSIT, ShipmentStatus.RECEIVED})


def _ensure_may_import(actor: Actor, shipment: Shipment) -> None:
    """The shipment's receivers and verifiers at the receiving site, or QA, while it travels
    or after it arrived."""
    doing = f"import the data-logger file of shipment {shipment.sscc}"
    if not actor.has_role(Role.QA):
        leg = LEGS[shipment.direction]
        roles = tuple(dict.fromkeys((*leg.receiver_roles, *leg.verifier_roles, Role.QA)))
        require_role(actor, *roles, doing=doing)
        require_site(actor, shipment.to_site_id, doing=doing)
    if shipment.status not in _IMPORTABLE:
        raise ValidationFailed(
            f"Shipment {shipment.sscc} is {shipment.status.value.replace('_', ' ')}: a logger "
            "file is imported once the shipper is in transit or has been received."
        )


def _read(path: str | Path, fmt: str | None, utc_offset_min: float | None) -> Trace:
    try:
        return read_logger_file(path, fmt, utc_offset_min=utc_offset_min)
    except LoggerFileError as exc:
        raise ValidationFailed(
            f"The logger file cannot be imported; nothing was stored. {exc}"
        ) from exc


def _refuse_duplicate(uow: UnitOfWork, shipment: Shipment, sha256: str) -> None:
    earlier = uow.session.scalar(
        select(LoggerFile).where(LoggerFile.shipment_id == shipment.id, LoggerFile.sha256 == sha256)
    )
    if earlier is not None:
        when = earlier.imported_at.strftime("%Y-%m-%d %H:%M UTC")
        raise ValidationFailed(
            f"This file (SHA-256 {sha256[:12]}…) was already imported for shipment "
            f"{shipment.sscc} as {earlier.file_name!r} on {when}; nothing was stored."
        )


def _profile_of(uow: UnitOfWork, shipment: Shipment) -> tuple[TemperatureProfile, ProfileLimits]:
    if shipment.profile_id is None:
        raise ValidationFailed(
            f"Shipment {shipment.sscc} has no temperature profile to judge the file against: "
            "an administrator sets the product's profiles."
        )
    row = load(uow.session, TemperatureProfile, shipment.profile_id, "temperature profile")
    return row, profile_from_record(row)


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _window(
    shipment: Shipment, declared: tuple[datetime, datetime] | None
) -> tuple[datetime | None, datetime]:
    """Packed (or handed over) until received (or now, while still in transit).

    A declared window (the trip from the waybill, when the logger ran longer) must contain
    the recorded custody with the courier, so no part of the trip escapes the assessment.
    """
    start = shipment.packed_at or shipment.handed_over_at
    end = shipment.received_at or now()
    if declared is None:
        return start, end
    first, last = declared
    if first.tzinfo is None or last.tzinfo is None:
        raise ValidationFailed("The trip window needs a time zone.")
    if last <= first:
        raise ValidationFailed("The trip window must end after it starts.")
    if last > now() + timedelta(minutes=5):
        raise ValidationFailed("The trip window cannot end in the future.")
    handed = shipment.handed_over_at or start
    if handed is not None and first > handed:
        raise ValidationFailed(
            f"The trip window must start by the hand-over to the courier ({_utc(handed)})."
        )
    if shipment.received_at is not None and last < shipment.received_at:
        raise ValidationFailed(
            f"The trip window must reach the receipt ({_utc(shipment.received_at)})."
        )
    return first, last


def _assess(
    trace: Trace, profile: ProfileLimits, start: datetime | None, end: datetime
) -> Assessment:
    try:
        return assess(trace, profile, start, end)
    except AssessmentError as exc:
        span = f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} UTC" if start else "the shipment"
        raise ValidationFailed(
            f"{trace.source_name} cannot be judged for the shipment window ({span}): {exc}. "
            "Is it the logger of this shipment? Nothing was stored."
        ) from exc


def _report(trace: Trace, profile: ProfileLimits, assessment: Assessment) -> dict[str, Any]:
    """The assessment report, with the limits applied and what the importer noted."""
    return {
        **assessment.to_report(),
        "profile": asdict(profile),
        "rows_read": trace.rows_read,
        "notes": list(trace.notes),
    }


def _problem(
    shipment: Shipment, row: LoggerFile, profile: ProfileLimits, result: Assessment
) -> str:
    gap_min = sum(g.duration_min for g in result.gaps)
    return (
        f"Cold-chain verdict '{result.verdict}' for shipment {shipment.sscc} "
        f"(logger file {row.file_name}, SHA-256 {row.sha256[:12]}…, profile {profile.name}): "
        f"{len(result.excursions)} excursion(s), longest {result.longest_excursion_min:.1f} min "
        f"(allowed {profile.max_single_excursion_min:g} min), cumulative "
        f"{result.cumulative_excursion_min:.1f} min (allowed "
        f"{profile.max_cumulative_excursion_min:g} min); {len(result.gaps)} data gap(s) "
        f"totalling {gap_min:.1f} min (maximum gap {profile.max_gap_min:g} min)."
    )


def _quarantine(uow: UnitOfWork, shipment: Shipment, reason: str) -> None:
    """Quarantine every unit of the shipment that is in no side state or only awaits its
    receipt; a final state, or a hold or quarantine a person set, stays as it is."""
    for unit in shipment_units(uow.session, shipment):
        enter_side_state(uow, unit, SideState.QUARANTINED, SideStateCause.COLD_CHAIN, reason)
    if shipment.receipt_accepted:
        # New evidence against an accepted receipt: QA must accept it again.
        shipment.receipt_accepted = False
        uow.annotate(shipment, action="withdraw receipt acceptance", reason=reason)


def import_logger_file(
    database: Database,
    actor: Actor,
    shipment_id: uuid.UUID,
    path: str | Path,
    *,
    fmt: str | None = None,
    utc_offset_min: float | None = None,
    window: tuple[datetime, datetime] | None = None,
    expected_sha256: str | None = None,
) -> LoggerFileView:
    """Import, assess and store a shipment's logger file; quarantine and raise a deviation
    when the verdict is an excursion or incomplete data. ``window`` declares the trip;
    ``expected_sha256`` (the digest of the file as the user's screen read it) refuses a file
    that changed on disk since."""
    with database.read_session() as session:
        _ensure_may_import(actor, load(session, Shipment, shipment_id, "shipment"))
    trace = _read(path, fmt, utc_offset_min)  # parsed before the write transaction starts
    if expected_sha256 is not None and trace.sha256 != expected_sha256:
        raise ValidationFailed(
            f"{trace.source_name} changed on disk while it was being imported (SHA-256 "
            f"{trace.sha256[:12]}…, read as {expected_sha256[:12]}…); nothing was stored. "
            "Import it again once nothing writes to it."
        )
    with UnitOfWork(database, actor) as uow:
        shipment = load(uow.session, Shipment, shipment_id, "shipment")
        _ensure_may_import(actor, shipment)
        _refuse_duplicate(uow, shipment, trace.sha256)
        profile_row, profile = _profile_of(uow, shipment)
        start, end = _window(shipment, window)
        result = _assess(trace, profile, start, end)
        row = LoggerFile(
            id=uuid.uuid4(),
            shipment_id=shipment.id,
            file_name=trace.source_name[:255],
            sha256=trace.sha256,
            format=trace.importer,
            sensor_id=trace.sensor_id[:SENSOR_LENGTH] or None,
            reading_count=len(trace),
            profile_id=profile_row.id,
            window_start=start or result.start,
            window_end=end,
            verdict=Verdict(result.verdict),
            assessment=json.dumps(_report(trace, profile, result), ensure_ascii=False),
            imported_at=now(),
            imported_by_id=actor.user_id,
        )
        uow.add(row, action="import logger file")
        uow.flush()
        store_readings(uow.session, row.id, trace)
        if row.verdict is not Verdict.WITHIN_LIMITS:
            _quarantine(uow, shipment, f"cold-chain {result.verdict} in shipment {shipment.sscc}")
            open_deviation(
                uow,
                kind="cold_chain",
                description=_problem(shipment, row, profile, result),
                case_id=shipment.case_id,
                shipment_id=shipment.id,
                logger_file_id=row.id,
            )
        if shipment.case_id is not None:
            record_stage(
                uow,
                load(uow.session, Case, shipment.case_id, "case"),
                "logger file imported",
                shipment_id=shipment.id,
                details={
                    "sscc": shipment.sscc,
                    "file": row.file_name,
                    "sha256": row.sha256,
                    "verdict": result.verdict,
                },
            )
        uow.flush()
        view = logger_file_view(uow.session, row)
        uow.commit()
    return view


def _reject_units(uow: UnitOfWork, shipment: Shipment, reason: str) -> None:
    for unit in shipment_units(uow.session, shipment):
        enter_side_state(uow, unit, SideState.REJECTED, SideStateCause.COLD_CHAIN, reason)


def disposition_logger_file(  # noqa: PLR0917 - decision, justification, password read in order
    database: Database,
    actor: Actor,
    logger_file_id: uuid.UUID,
    decision: Disposition,
    justification: str,
    password: str,
    *,
    seen_version: int | None = None,
) -> LoggerFileView:
    """QA accepts or rejects an excursion or incomplete trace, with a justification and a
    signature ("dispositioned"); rejecting rejects every unit of the shipment for good."""
    require_role(actor, Role.QA, doing="disposition a cold-chain excursion")
    if not isinstance(decision, Disposition):
        raise ValidationFailed(f"{decision!r} is not a disposition: accept or reject.")
    text = justification.strip()
    if not text:
        raise ValidationFailed("Justify the disposition: QA's decision needs a reason.")
    with UnitOfWork(database, actor) as uow:
        row = load(uow.session, LoggerFile, logger_file_id, "logger file")
        if seen_version is not None:
            uow.expect_version(row, seen_version)
        if row.verdict is Verdict.WITHIN_LIMITS:
            raise ValidationFailed(
                f"{row.file_name} is within limits: there is nothing to disposition."
            )
        if row.disposition is not None:
            raise ValidationFailed(
                f"{row.file_name} was already dispositioned '{row.disposition.value}'; "
                "a disposition is final."
            )
        row.disposition = decision
        row.disposition_justification = text
        row.dispositioned_at = now()
        row.dispositioned_by_id = actor.user_id
        uow.annotate(row, action=f"disposition {decision.value}", reason=text)
        shipment = (
            load(uow.session, Shipment, row.shipment_id, "shipment") if row.shipment_id else None
        )
        if shipment is not None and decision is Disposition.REJECT:
            _reject_units(uow, shipment, f"cold chain of {shipment.sscc} rejected by QA: {text}")
        if shipment is not None and shipment.case_id is not None:
            record_stage(
                uow,
                load(uow.session, Case, shipment.case_id, "case"),
                f"cold chain dispositioned {decision.value}",
                shipment_id=shipment.id,
                details={"file": row.file_name, "sha256": row.sha256, "justification": text},
            )
        sign(uow, row, SignatureMeaning.DISPOSITIONED, password, comment=text)
        view = logger_file_view(uow.session, row)
        uow.commit()
    return view


def shipment_id_of(database: Database, sscc: str) -> uuid.UUID:
    """The id of the shipment with this SSCC (18 digits, as on the shipper label)."""
    digits = sscc.strip().removeprefix("(00)")
    with database.read_session() as session:
        found = session.scalar(select(Shipment.id).where(Shipment.sscc == digits))
    if found is None:
        raise NotFound(f"No shipment has the SSCC {sscc!r}.")
    return found
