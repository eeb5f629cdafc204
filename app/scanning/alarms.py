"""Acknowledging the alarm of a refused scan: the acknowledgement is a record (DESIGN.md §3, §5).

A scan that does not match (or cannot be read) is recorded, turns the screen red and blocks it.
The person at the screen unblocks it by acknowledging the alarm; that acknowledgement is an
audit event of its own (action ``acknowledge`` on the refused scan), attributed to the
signed-in user and station, with the deviation the mismatch opened and an optional note.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_role
from app.core import Actor, Database, NotFound, UnitOfWork, ValidationFailed
from db.enums import Role, ScanOutcome
from db.models import AuditEvent, Deviation, Scan

ACKNOWLEDGE = "acknowledge"
"""The audit action of an acknowledgement; its record is the refused scan."""

NOTE_LIMIT = 2000


@dataclass(frozen=True)
class ScanAcknowledgement:
    """Who acknowledged the alarm of a refused scan, when, and where."""

    scan_id: uuid.UUID
    outcome: ScanOutcome
    deviation_number: str | None
    username: str
    full_name: str
    station: str
    acknowledged_at: datetime
    note: str | None


def acknowledge_scan_refusal(
    database: Database, actor: Actor, scan_id: uuid.UUID, note: str | None = None
) -> ScanAcknowledgement:
    """Record that ``actor`` acknowledged the alarm of the refused scan ``scan_id``.

    One audit event in a transaction of its own. The alarm of a scan is acknowledged once:
    acknowledging it again returns the acknowledgement on record and writes nothing.
    """
    require_role(
        actor, *(role for role in Role if role is not Role.ADMIN), doing="acknowledge a scan alarm"
    )
    text = (note or "").strip() or None
    if text is not None and len(text) > NOTE_LIMIT:
        raise ValidationFailed(
            f"The note is {len(text)} characters long; keep it to {NOTE_LIMIT} and put the "
            "rest in the deviation."
        )
    with UnitOfWork(database, actor) as uow:
        scan = uow.session.get(Scan, scan_id)
        if scan is None:
            raise NotFound(
                f"No scan {scan_id} is on record, so there is no alarm to acknowledge. "
                "Nothing was recorded: scan the item again."
            )
        if scan.outcome is ScanOutcome.MATCH:
            raise ValidationFailed(
                "That scan matched what the screen expected: it raised no alarm, so there is "
                "nothing to acknowledge."
            )
        earlier = _acknowledgement(uow.session, scan)
        if earlier is not None:
            return earlier
        deviation = _deviation_number(uow.session, scan.id)
        uow.record_event(
            ACKNOWLEDGE,
            Scan.__tablename__,
            str(scan.id),
            new={
                "outcome": scan.outcome.value,
                "deviation": deviation,
                "acknowledged_by": actor.full_name,
            },
            reason=text,
        )
        uow.commit()
    found = scan_acknowledgement(database, scan_id)
    assert found is not None  # committed just now
    return found


def scan_acknowledgement(database: Database, scan_id: uuid.UUID) -> ScanAcknowledgement | None:
    """The acknowledgement of the refused scan ``scan_id``; None while it is unacknowledged."""
    with database.read_session() as session:
        scan = session.get(Scan, scan_id)
        return None if scan is None else _acknowledgement(session, scan)


def _deviation_number(session: Session, scan_id: uuid.UUID) -> str | None:
    return session.scalar(select(Deviation.number).where(Deviation.scan_id == scan_id))


def _acknowledgement(session: Session, scan: Scan) -> ScanAcknowledgement | None:
    event = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.record_type == Scan.__tablename__,
            AuditEvent.record_id == str(scan.id),
            AuditEvent.action == ACKNOWLEDGE,
        )
        .order_by(AuditEvent.seq)
        .limit(1)
    )
    if event is None:
        return None
    values = json.loads(event.new_values)
    return ScanAcknowledgement(
        scan_id=scan.id,
        outcome=scan.outcome,
        deviation_number=values.get("deviation"),
        username=event.username or "",
        full_name=str(values.get("acknowledged_by") or event.username or ""),
        station=event.station,
        acknowledged_at=event.at,
        note=event.reason,
    )
