"""The vein-to-vein timeline of one case: each operation, who, when, where, its signatures and
its temperature verdict.

The journey's stage records (``db.models.StageRecord``) make the backbone. QC results and
deviations have no stage record of their own; they join the timeline from their own tables
(entered and reviewed; raised and closed). Every entry carries the electronic signatures of the
records it is about, each verified against the record's current content
(``app.casefile.signatures``), and a shipment's logger import, disposition or receipt carries the
leg's temperature verdict (``app.casefile.cold_chain``). Nothing here reads patient identity.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.casefile.cold_chain import ColdChainVerdict, ShipmentColdChain
from app.casefile.queries import site_names
from app.casefile.signatures import SignatureIndex, linked_records
from app.coldchain import disposition_action_words
from app.journey import STAGE_NAMES
from app.quality import SignatureView
from db.base import Base
from db.enums import CaseStage
from db.models import Case, Deviation, QcResult, QcSpecification, StageRecord, User

RecordT = TypeVar("RecordT", StageRecord, QcResult, Deviation)

STORED_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
"""A stored state code inside an action (``on_hold``): said in words, never as stored."""


def operation_words(action: str) -> str:
    """A stored action as a sentence, the words the timeline, the custody report and the
    record names of the audit trail share: first letter up, state codes in words
    (``side state on_hold`` → ``Side state on hold``), QA's disposition in words
    (``cold chain dispositioned accept`` → ``Cold chain accepted by QA``), the rest (COIs,
    deviation numbers) kept."""
    action = STORED_CODE.sub(lambda code: code.group().replace("_", " "), action)
    action = disposition_action_words(action)
    return action[:1].upper() + action[1:]


@dataclass(frozen=True)
class TimelineEntry:
    """One journey operation as the vein-to-vein timeline shows it."""

    id: uuid.UUID
    """The id of the record the entry shows (a stage record, QC result or deviation)."""
    record_type: str
    occurred_at: datetime
    stage: CaseStage
    action: str
    performed_by: str
    verified_by: str | None
    site: str
    details: dict[str, Any]
    signatures: tuple[SignatureView, ...]
    """Signatures on the records this operation made or decided, each checked for integrity."""
    cold_chain: ColdChainVerdict | None

    @property
    def stage_name(self) -> str:
        """The stage in words."""
        return STAGE_NAMES[self.stage]

    @property
    def action_words(self) -> str:
        """The operation as a sentence (:func:`operation_words`); ``action`` keeps the code."""
        return operation_words(self.action)

    @property
    def broken_signatures(self) -> tuple[SignatureView, ...]:
        """The signatures whose record changed after signing."""
        return tuple(s for s in self.signatures if not s.intact)


class _People:
    """Printed names and sites of the people of a case, looked up in one query."""

    def __init__(self, session: Session, user_ids: set[uuid.UUID | None]) -> None:
        wanted = {i for i in user_ids if i is not None}
        self.names: dict[uuid.UUID, str] = {}
        self.site_of: dict[uuid.UUID, uuid.UUID | None] = {}
        if wanted:
            query = select(User.id, User.full_name, User.site_id).where(User.id.in_(wanted))
            for user_id, name, site_id in session.execute(query):
                self.names[user_id] = name
                self.site_of[user_id] = site_id

    def name(self, user_id: uuid.UUID | None) -> str | None:
        """The printed name of ``user_id`` (None for nobody)."""
        return self.names.get(user_id) if user_id is not None else None

    def site(self, user_id: uuid.UUID | None) -> uuid.UUID | None:
        """The site of ``user_id`` (None for nobody or no site)."""
        return self.site_of.get(user_id) if user_id is not None else None


def _stage_at(records: list[StageRecord], moment: datetime, case: Case) -> CaseStage:
    """The stage of the last journey record at or before ``moment`` (enrolled before any)."""
    stage = records[0].stage if records else case.stage
    for record in records:
        if record.occurred_at > moment:
            break
        stage = record.stage
    return stage


@dataclass(frozen=True)
class _Event:
    """A timeline event read from a QC result or deviation (they have no stage record)."""

    record: QcResult | Deviation
    occurred_at: datetime
    action: str
    by: uuid.UUID | None
    details: dict[str, Any]
    signed: bool = True
    """False for an event the record's signatures do not belong to (raising a deviation)."""


def _qc_events(session: Session, results: list[QcResult]) -> list[_Event]:
    specs = {
        spec.id: spec
        for spec in session.scalars(
            select(QcSpecification).where(
                QcSpecification.id.in_({r.specification_id for r in results})
            )
        )
    }
    events = []
    for row in results:
        spec = specs.get(row.specification_id)
        value = row.value_text if row.value_text is not None else row.value_numeric
        details: dict[str, Any] = {
            "result": f"{value} {spec.unit if spec else ''}".strip(),
            "outcome": row.outcome.value.replace("_", " "),
        }
        if spec is not None:
            details["criterion"] = spec.criterion
        if row.exception_justification:
            details["exception"] = row.exception_justification
        name = spec.name if spec is not None else "QC test"
        events.append(
            _Event(row, row.entered_at, f"QC result entered: {name}", row.entered_by_id, details)
        )
    return events


def _deviation_events(deviations: list[Deviation]) -> list[_Event]:
    events = []
    for row in deviations:
        raised = {"kind": row.kind.replace("_", " "), "description": row.description}
        events.append(
            _Event(
                row,
                row.raised_at,
                f"deviation {row.number} raised",
                row.raised_by_id,
                raised,
                signed=False,
            )
        )
        if row.closed_at is not None:
            closure = {"closure": row.closure or ""}
            events.append(
                _Event(
                    row, row.closed_at, f"deviation {row.number} closed", row.closed_by_id, closure
                )
            )
    return events


def _of_case(session: Session, model: type[RecordT], case: Case, *order: Any) -> list[RecordT]:
    return list(session.scalars(select(model).where(model.case_id == case.id).order_by(*order)))


def build_timeline(session: Session, case: Case) -> tuple[TimelineEntry, ...]:
    """The case's timeline, oldest first, with signatures and temperature verdicts."""
    records = _of_case(
        session, StageRecord, case, StageRecord.occurred_at, StageRecord.recorded_at, StageRecord.id
    )
    results = _of_case(session, QcResult, case, QcResult.entered_at, QcResult.id)
    deviations = _of_case(session, Deviation, case, Deviation.raised_at, Deviation.id)
    cold_chain = ShipmentColdChain(session, (r.shipment_id for r in records))
    links = linked_records(session, case, records, cold_chain)
    linked: list[Base] = [record for group in links.values() for record in group]
    index = SignatureIndex(session, [*records, *linked, *results, *deviations])
    events = _qc_events(session, results) + _deviation_events(deviations)
    people = _People(
        session,
        {r.performed_by_id for r in records}
        | {r.verified_by_id for r in records}
        | {e.by for e in events},
    )
    sites = site_names(session, [r.site_id for r in records] + [people.site(e.by) for e in events])

    def site(site_id: uuid.UUID | None) -> str:
        return sites.get(site_id, "—") if site_id is not None else "—"

    entries = [
        TimelineEntry(
            id=record.id,
            record_type=StageRecord.__tablename__,
            occurred_at=record.occurred_at,
            stage=record.stage,
            action=record.action,
            performed_by=people.name(record.performed_by_id) or "—",
            verified_by=people.name(record.verified_by_id),
            site=site(record.site_id),
            details=json.loads(record.details or "{}"),
            signatures=index.of(record, *links.get(record.id, [])),
            cold_chain=cold_chain.verdict_for(record),
        )
        for record in records
    ]
    entries += [
        TimelineEntry(
            id=event.record.id,
            record_type=type(event.record).__tablename__,
            occurred_at=event.occurred_at,
            stage=_stage_at(records, event.occurred_at, case),
            action=event.action,
            performed_by=people.name(event.by) or "—",
            verified_by=None,
            site=site(people.site(event.by)),
            details=event.details,
            signatures=index.of(event.record) if event.signed else (),
            cold_chain=None,
        )
        for event in events
    ]
    return tuple(sorted(entries, key=lambda entry: entry.occurred_at))
