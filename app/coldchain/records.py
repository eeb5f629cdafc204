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
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath
from typing import Any

import numpy as np
from sqlalchemy import select

from app.access import require_role, require_site
from app.coldchain.analysis.assessment import Assessment, assess
from app.coldchain.analysis.errors import AssessmentError, LoggerFileError
from app.coldchain.analysis.profiles import TemperatureProfile as ProfileLimits
from app.coldchain.analysis.profiles import profile_words
from app.coldchain.analysis.registry import read_logger_file
from app.coldchain.analysis.trace import Trace
from app.coldchain.disposition_words import disposition_action, disposition_words
from app.coldchain.storage import (
    SENSOR_LENGTH,
    LoggerFileView,
    logger_file_view,
    logger_files_of_shipment,
    profile_from_record,
    readable_shipment,
    readings_of,
    store_readings,
)
from app.core import (
    Actor,
    Database,
    NotFound,
    UnitOfWork,
    ValidationFailed,
    load,
    now,
    sscc_text,
)
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
    "correct_logger_file",
    "disposition_logger_file",
    "import_logger_file",
    "logger_files_of_shipment",
    "profile_from_record",
    "readings_of",
    "shipment_id_of",
]

_IMPORTABLE = frozenset({ShipmentStatus.IN_TRANSIT, ShipmentStatus.RECEIVED})
MIN_SERIAL_LENGTH = 4
"""A serial shorter than this must equal the whole GIAI (a tail of 1-3 characters proves
nothing)."""


def _ensure_may_import(actor: Actor, shipment: Shipment, *, correction: bool = False) -> None:
    """The shipment's receivers and verifiers at the receiving site, or QA, while it travels
    or is being received; once its receipt is accepted, only QA's signed correction."""
    doing = f"import the data-logger file of shipment {sscc_text(shipment.sscc)}"
    if correction:
        doing = f"correct the logger file of shipment {sscc_text(shipment.sscc)}"
        require_role(actor, Role.QA, doing=doing)
    elif not actor.has_role(Role.QA):
        leg = LEGS[shipment.direction]
        roles = tuple(dict.fromkeys((*leg.receiver_roles, *leg.verifier_roles, Role.QA)))
        require_role(actor, *roles, doing=doing)
        require_site(actor, shipment.to_site_id, doing=doing)
    if shipment.status not in _IMPORTABLE:
        raise ValidationFailed(
            f"Shipment {shipment.sscc} is {shipment.status.value.replace('_', ' ')}: a logger "
            "file is imported once the shipper is in transit or has been received."
        )
    if shipment.receipt_accepted and not correction:
        raise ValidationFailed(
            f"The receipt of shipment {sscc_text(shipment.sscc)} is already accepted: a logger "
            "file attached now is a correction, which QA makes with a reason and a signature. "
            "Nothing was stored."
        )


def _serial_text(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def file_serial(trace: Trace) -> str | None:
    """The logger serial the file declares (None when the importer fell back to the file
    name because the file names no serial)."""
    serial = trace.sensor_id.strip()
    if not serial or serial == PurePath(trace.source_name).stem:
        return None
    return serial


def serial_matches(giai: str, serial: str) -> bool:
    """A logger's serial matches its GIAI (AI 8004: company prefix + asset reference) when
    it is the GIAI or the GIAI's asset reference (its tail, at least 4 characters)."""
    tag, own = _serial_text(giai), _serial_text(serial)
    if not own:
        return False
    return own == tag or (len(own) >= MIN_SERIAL_LENGTH and tag.endswith(own))


def _check_logger(shipment: Shipment, trace: Trace) -> None:
    """The file must come from the logger scanned into this shipper, when both are known."""
    serial = file_serial(trace)
    if serial is None or shipment.logger_giai is None:
        return
    if not serial_matches(shipment.logger_giai, serial):
        raise ValidationFailed(
            f"{trace.source_name} comes from logger {serial}, but shipment "
            f"{sscc_text(shipment.sscc)} travelled with logger {shipment.logger_giai}: this is "
            "not its file. Nothing was stored."
        )


def _check_overlap(
    trace: Trace, profile: ProfileLimits, start: datetime | None, end: datetime
) -> None:
    """The file must hold readings inside the trip window, or it says nothing of the trip.

    A trip shorter than the profile's longest allowed gap may fall between two readings that
    bracket it; a longer one must hold at least one reading."""
    times = trace.times_s
    if not len(trace):
        return  # the assessment refuses an empty file in its own words
    low = start.timestamp() if start is not None else float("-inf")
    high = end.timestamp()
    if np.any((times >= low) & (times <= high)):
        return
    brackets = float(times[0]) < low and float(times[-1]) > high
    if brackets and high - low <= profile.max_gap_min * 60.0:
        return
    span = f"{_utc(start)} – {_utc(end)}" if start is not None else f"until {_utc(end)}"
    raise ValidationFailed(
        f"{trace.source_name} has no reading in the trip window ({span}): its "
        f"{len(trace)} reading(s) run from {_utc(_moment(times[0]))} to "
        f"{_utc(_moment(times[-1]))}. Is it the logger of this shipment? "
        "Nothing was stored."
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


def _moment(epoch_s: float) -> datetime:
    """A reading's time, for the words beside the trip window's (not ISO 8601's "…T…Z")."""
    return datetime.fromtimestamp(float(epoch_s), UTC)


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
    excursions, gaps = len(result.excursions), len(result.gaps)
    return (
        f"Cold-chain verdict: {str(result.verdict).replace('_', ' ')}, for shipment "
        f"{sscc_text(shipment.sscc)} (logger file {row.file_name}, SHA-256 {row.sha256[:12]}…, "
        f"profile {profile_words(profile.name)}): "
        f"{excursions} excursion{'' if excursions == 1 else 's'}, "
        f"longest {result.longest_excursion_min:.1f} min "
        f"(allowed {profile.max_single_excursion_min:g} min), cumulative "
        f"{result.cumulative_excursion_min:.1f} min (allowed "
        f"{profile.max_cumulative_excursion_min:g} min); {gaps} data gap{'' if gaps == 1 else 's'} "
        f"totalling {gap_min:.1f} min (maximum gap {profile.max_gap_min:g} min)."
    )


def _quarantine(uow: UnitOfWork, shipment: Shipment, reason: str) -> int:
    """Quarantine every unit of the shipment that is in no side state or only awaits its
    receipt; a final state, a hold or quarantine a person set, or a unit already infused or
    consumed stays as it is. Returns how many units were quarantined."""
    entered = sum(
        enter_side_state(uow, unit, SideState.QUARANTINED, SideStateCause.COLD_CHAIN, reason)
        for unit in shipment_units(uow.session, shipment)
    )
    if shipment.receipt_accepted and entered:
        # New evidence against an accepted receipt: QA must accept it again.
        shipment.receipt_accepted = False
        uow.annotate(shipment, action="withdraw receipt acceptance", reason=reason)
    return entered


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
    that changed on disk since.

    Refused, storing nothing: a shipment not in transit or being received (its receipt
    accepted: see ``correct_logger_file``), a file from another logger than the one scanned
    into the shipper, a file with no reading in the trip window."""
    return _import(
        database,
        actor,
        shipment_id,
        path,
        _Options(fmt, utc_offset_min, window, expected_sha256),
        correction=None,
    )


def correct_logger_file(  # noqa: PLR0917 - the file, then the reason and password in order
    database: Database,
    actor: Actor,
    shipment_id: uuid.UUID,
    path: str | Path,
    reason: str,
    password: str,
    *,
    fmt: str | None = None,
    utc_offset_min: float | None = None,
    window: tuple[datetime, datetime] | None = None,
    expected_sha256: str | None = None,
) -> LoggerFileView:
    """QA attaches a logger file after the receipt was accepted: a correction, with a reason
    and a signature ("approved"). The file must still be the shipper's logger and cover the
    trip. A bad verdict raises a deviation and quarantines only the units still in the chain:
    a unit already infused or consumed, or in a final state, is never quarantined again."""
    text = reason.strip()
    if not text:
        raise ValidationFailed(
            "Give the reason for attaching a logger file after the receipt was accepted."
        )
    return _import(
        database,
        actor,
        shipment_id,
        path,
        _Options(fmt, utc_offset_min, window, expected_sha256),
        correction=(text, password),
    )


@dataclass(frozen=True)
class _Options:
    fmt: str | None
    utc_offset_min: float | None
    window: tuple[datetime, datetime] | None
    expected_sha256: str | None


def _import(
    database: Database,
    actor: Actor,
    shipment_id: uuid.UUID,
    path: str | Path,
    options: _Options,
    *,
    correction: tuple[str, str] | None,
) -> LoggerFileView:
    corrects = correction is not None
    with database.read_session() as session:
        _ensure_may_import(
            actor, load(session, Shipment, shipment_id, "shipment"), correction=corrects
        )
    # parsed before the write transaction starts
    trace = _read(path, options.fmt, options.utc_offset_min)
    expected = options.expected_sha256
    if expected is not None and trace.sha256 != expected:
        raise ValidationFailed(
            f"{trace.source_name} changed on disk while it was being imported (SHA-256 "
            f"{trace.sha256[:12]}…, read as {expected[:12]}…); nothing was stored. "
            "Import it again once nothing writes to it."
        )
    with UnitOfWork(database, actor) as uow:
        shipment = load(uow.session, Shipment, shipment_id, "shipment")
        _ensure_may_import(actor, shipment, correction=corrects)
        _refuse_duplicate(uow, shipment, trace.sha256)
        _check_logger(shipment, trace)
        profile_row, profile = _profile_of(uow, shipment)
        start, end = _window(shipment, options.window)
        _check_overlap(trace, profile, start, end)
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
        action = "correct logger file" if corrects else "import logger file"
        uow.add(row, action=action, reason=correction[0] if correction else None)
        uow.flush()
        store_readings(uow.session, row.id, trace)
        if row.verdict is not Verdict.WITHIN_LIMITS:
            _quarantine(
                uow, shipment, f"cold-chain {result.verdict} in shipment {sscc_text(shipment.sscc)}"
            )
            open_deviation(
                uow,
                kind="cold_chain",
                description=_problem(shipment, row, profile, result),
                case_id=shipment.case_id,
                shipment_id=shipment.id,
                logger_file_id=row.id,
            )
        if shipment.case_id is not None:
            details = {
                "sscc": shipment.sscc,
                "file": row.file_name,
                "sha256": row.sha256,
                "verdict": result.verdict,
            }
            if correction is not None:
                details["correction"] = correction[0]
            record_stage(
                uow,
                load(uow.session, Case, shipment.case_id, "case"),
                "logger file attached as a correction" if corrects else "logger file imported",
                shipment_id=shipment.id,
                details=details,
            )
        if correction is not None:
            uow.flush()
            sign(uow, row, SignatureMeaning.APPROVED, correction[1], comment=correction[0])
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
                f"{row.file_name} was already {disposition_words(row.disposition)} by QA; "
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
                disposition_action(decision),
                shipment_id=shipment.id,
                details={"file": row.file_name, "sha256": row.sha256, "justification": text},
            )
        sign(uow, row, SignatureMeaning.DISPOSITIONED, password, comment=text)
        view = logger_file_view(uow.session, row)
        uow.commit()
    return view


def shipment_id_of(database: Database, actor: Actor, sscc: str) -> uuid.UUID:
    """The id of the shipment with this SSCC (18 digits, as on the shipper label), for an
    actor who may see its case."""
    digits = sscc.strip().removeprefix("(00)")
    with database.read_session() as session:
        found = session.scalar(select(Shipment.id).where(Shipment.sscc == digits))
        if found is None:
            raise NotFound(f"No shipment has the SSCC {sscc!r}.")
        readable_shipment(session, actor, found)
    return found
