"""One case for the case screen: its vein-to-vein timeline and its unit genealogy.

Read only for actors who may see the case (app.case_queries.visible_case); patient identity
appears in the case header only for the roles allowed to see it (app.journey.views).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.actor import Actor
from app.case_queries import din_text, site_names, user_names, visible_case
from app.database import Database
from app.journey.stages import STAGE_NAMES
from app.journey.views import CaseView, case_view
from app.scanning import UNIT_KIND_NAMES
from app.signatures import signatures_of
from db.enums import CaseStage, Disposition, SideState, UnitKind, UnitStatus, Verdict
from db.models import Case, LoggerFile, Shipment, StageRecord, Unit, UnitParent


@dataclass(frozen=True)
class ColdChainVerdict:
    """The latest data-logger verdict of a shipment and QA's disposition of it."""

    sscc: str
    file_name: str
    verdict: Verdict | None
    disposition: Disposition | None
    signatures: tuple[str, ...]

    @property
    def words(self) -> str:
        """The verdict in plain words."""
        verdict = (self.verdict or "not assessed").replace("_", " ")
        if self.verdict is Verdict.WITHIN_LIMITS:
            return f"Cold chain of {self.sscc}: within limits ({self.file_name})"
        if self.disposition is None:
            return (
                f"Cold chain of {self.sscc}: {verdict}, awaiting QA disposition ({self.file_name})"
            )
        return (
            f"Cold chain of {self.sscc}: {verdict}, dispositioned "
            f"'{self.disposition.value}' by QA ({self.file_name})"
        )


@dataclass(frozen=True)
class TimelineEntry:
    """One journey operation as the vein-to-vein timeline shows it."""

    id: uuid.UUID
    occurred_at: datetime
    stage: CaseStage
    action: str
    performed_by: str
    verified_by: str | None
    site: str
    details: dict[str, Any]
    signatures: tuple[str, ...]
    """Manifestations (printed name · UTC date-time · meaning) of the signatures on the record."""
    cold_chain: ColdChainVerdict | None

    @property
    def stage_name(self) -> str:
        """The stage in words."""
        return STAGE_NAMES[self.stage]


@dataclass(frozen=True)
class GenealogyNode:
    """One container of a case and the containers it was made from."""

    unit_id: uuid.UUID
    din: str | None
    kind: UnitKind
    status: UnitStatus
    side_state: SideState
    parent_ids: tuple[uuid.UUID, ...]

    @property
    def kind_name(self) -> str:
        """The kind of container in words."""
        return UNIT_KIND_NAMES[self.kind]

    @property
    def din_eye_readable(self) -> str:
        """The DIN grouped as printed, with its check character in brackets ("—" if none)."""
        return din_text(self.din)


@dataclass(frozen=True)
class CaseDetail:
    """Everything the case screen shows about one case."""

    case: CaseView
    timeline: tuple[TimelineEntry, ...]
    genealogy: tuple[GenealogyNode, ...]


def _cold_chain(
    session: Session, shipment_ids: set[uuid.UUID]
) -> dict[uuid.UUID, ColdChainVerdict]:
    if not shipment_ids:
        return {}
    query = select(Shipment.id, Shipment.sscc).where(Shipment.id.in_(shipment_ids))
    ssccs = dict(session.execute(query).all())
    latest: dict[uuid.UUID, LoggerFile] = {}
    files = session.scalars(
        select(LoggerFile)
        .where(LoggerFile.shipment_id.in_(shipment_ids))
        .order_by(LoggerFile.imported_at, LoggerFile.id)
    )
    for row in files:
        assert row.shipment_id is not None  # selected by shipment
        latest[row.shipment_id] = row
    return {
        shipment_id: ColdChainVerdict(
            sscc=ssccs.get(shipment_id, ""),
            file_name=row.file_name,
            verdict=row.verdict,
            disposition=row.disposition,
            signatures=tuple(s.manifestation for s in signatures_of(session, row)),
        )
        for shipment_id, row in latest.items()
    }


def _name(names: dict[uuid.UUID, str], key: uuid.UUID | None) -> str | None:
    return names.get(key) if key is not None else None


def _timeline(session: Session, case: Case) -> tuple[TimelineEntry, ...]:
    records = list(
        session.scalars(
            select(StageRecord)
            .where(StageRecord.case_id == case.id)
            .order_by(StageRecord.occurred_at, StageRecord.recorded_at, StageRecord.id)
        )
    )
    people = user_names(
        session, [r.performed_by_id for r in records] + [r.verified_by_id for r in records]
    )
    sites = site_names(session, [r.site_id for r in records])
    cold = _cold_chain(session, {r.shipment_id for r in records if r.shipment_id is not None})
    return tuple(
        TimelineEntry(
            id=record.id,
            occurred_at=record.occurred_at,
            stage=record.stage,
            action=record.action,
            performed_by=_name(people, record.performed_by_id) or "—",
            verified_by=_name(people, record.verified_by_id),
            site=_name(sites, record.site_id) or "—",
            details=json.loads(record.details or "{}"),
            signatures=tuple(s.manifestation for s in signatures_of(session, record)),
            cold_chain=cold.get(record.shipment_id) if record.shipment_id else None,
        )
        for record in records
    )


def _genealogy(session: Session, case: Case) -> tuple[GenealogyNode, ...]:
    units = list(
        session.scalars(
            select(Unit).where(Unit.case_id == case.id).order_by(Unit.created_at, Unit.id)
        )
    )
    parents: dict[uuid.UUID, list[uuid.UUID]] = {}
    if units:
        edges = session.execute(
            select(UnitParent.child_id, UnitParent.parent_id).where(
                UnitParent.child_id.in_([u.id for u in units])
            )
        )
        for child, parent in edges:
            parents.setdefault(child, []).append(parent)
    return tuple(
        GenealogyNode(
            unit_id=unit.id,
            din=unit.din,
            kind=unit.kind,
            status=unit.status,
            side_state=unit.side_state,
            parent_ids=tuple(sorted(parents.get(unit.id, []), key=str)),
        )
        for unit in units
    )


def case_timeline(
    database: Database, actor: Actor, case_id: uuid.UUID
) -> tuple[TimelineEntry, ...]:
    """The vein-to-vein timeline of a visible case, oldest first."""
    with database.read_session() as session:
        return _timeline(session, visible_case(session, actor, case_id))


def genealogy(database: Database, actor: Actor, case_id: uuid.UUID) -> tuple[GenealogyNode, ...]:
    """Every container of a visible case with its parents, oldest first."""
    with database.read_session() as session:
        return _genealogy(session, visible_case(session, actor, case_id))


def case_detail(database: Database, actor: Actor, case_id: uuid.UUID) -> CaseDetail:
    """A visible case with its timeline and genealogy, read in one session."""
    with database.read_session() as session:
        case = visible_case(session, actor, case_id)
        return CaseDetail(
            case=case_view(session, case, actor),
            timeline=_timeline(session, case),
            genealogy=_genealogy(session, case),
        )
