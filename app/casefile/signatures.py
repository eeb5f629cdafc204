"""The electronic signatures a case's timeline shows, each checked against its record.

A journey operation is recorded as a stage record; what was signed is sometimes that record
(collection, receipt and bedside verifications, side-state decisions) and sometimes the record
the operation decided on: the manufacturing step (verified), the QP's release (certified for
release), the logger file (QA's disposition). ``linked_records`` pairs each stage record with
the latter; ``SignatureIndex`` loads the signatures of them all in one query and verifies each
against the current content of its record (DESIGN.md §5: a record changed after signing shows
its signature as broken).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.casefile.cold_chain import LOGGER_IMPORTED, ShipmentColdChain
from app.core import record_key
from app.quality import SignatureView, verify_signature
from db.base import Base
from db.models import Case, ManufacturingStep, Release, Signature, StageRecord

STEP_ACTION = re.compile(r"^step (\d+) (performed|verified)$")
"""The actions ``app.journey.manufacturing`` records for a step."""
CERTIFIED = "certified for release"

RecordKey = tuple[str, str]


def _key(record: Base) -> RecordKey:
    return type(record).__tablename__, record_key(record)


class SignatureIndex:
    """The signatures of a set of records, loaded in one query and verified."""

    def __init__(self, session: Session, records: Iterable[Base]) -> None:
        by_key = {_key(record): record for record in records}
        self._found: dict[RecordKey, list[SignatureView]] = {}
        if not by_key:
            return
        ids_by_type: dict[str, set[str]] = {}
        for record_type, record_id in by_key:
            ids_by_type.setdefault(record_type, set()).add(record_id)
        # One condition per table, so the (record_type, record_id) index serves each.
        wanted = or_(
            *(
                and_(Signature.record_type == record_type, Signature.record_id.in_(ids))
                for record_type, ids in ids_by_type.items()
            )
        )
        rows = session.scalars(
            select(Signature).where(wanted).order_by(Signature.signed_at, Signature.id)
        )
        for row in rows:
            record = by_key.get((row.record_type, row.record_id))
            if record is not None:
                self._found.setdefault(_key(record), []).append(verify_signature(row, record))

    def of(self, *records: Base) -> tuple[SignatureView, ...]:
        """Every signature on ``records``, oldest first."""
        found = [view for record in records for view in self._found.get(_key(record), [])]
        return tuple(sorted(found, key=lambda view: view.signed_at))


def _step_links(
    records: Sequence[StageRecord], steps: dict[int, ManufacturingStep]
) -> dict[uuid.UUID, list[Base]]:
    """Each step's record goes with its latest timeline entry (verified, else performed)."""
    latest: dict[int, StageRecord] = {}
    for record in records:
        match = STEP_ACTION.match(record.action)
        if match and int(match.group(1)) in steps:
            latest[int(match.group(1))] = record
    return {record.id: [steps[position]] for position, record in latest.items()}


def linked_records(
    session: Session,
    case: Case,
    records: Sequence[StageRecord],
    cold_chain: ShipmentColdChain,
) -> dict[uuid.UUID, list[Base]]:
    """For each stage record of ``case``, the other signed records its operation is about."""
    steps = {
        step.position: step
        for step in session.scalars(
            select(ManufacturingStep).where(ManufacturingStep.case_id == case.id)
        )
    }
    links = _step_links(records, steps)
    releases = list(
        session.scalars(
            select(Release).where(Release.case_id == case.id).order_by(Release.decided_at)
        )
    )
    certified = [r for r in records if r.action == CERTIFIED]
    for record, release in zip(certified, releases, strict=False):
        links.setdefault(record.id, []).append(release)
    for record in records:
        logger_file = cold_chain.file_of(record)
        if logger_file is not None and record.action != LOGGER_IMPORTED:
            links.setdefault(record.id, []).append(logger_file)
    return links
