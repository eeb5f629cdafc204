"""One case for the case screen: its vein-to-vein timeline and its unit genealogy.

The timeline with its signatures and temperature verdicts is built by ``app.casefile.timeline``.

Read only for actors who may see the case (app.casefile.queries.visible_case); patient identity
appears in the case header only for the roles allowed to see it (app.journey.views).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.access import may_see_identity
from app.casefile.cold_chain import ColdChainVerdict
from app.casefile.queries import visible_case
from app.casefile.timeline import TimelineEntry, build_timeline
from app.core import Actor, Database, din_text
from app.journey import (
    CaseView,
    LookAlike,
    case_view,
    cause_of,
    look_alike_line,
    look_alikes,
    shipment_sscc_text,
    side_state_words,
    stored_places,
)
from app.labelling import shippers_of_case
from app.scanning import UNIT_KIND_NAMES
from db.enums import SideState, SideStateCause, UnitKind, UnitStatus
from db.models import Case, Product, Unit, UnitParent

__all__ = [
    "CaseDetail",
    "ColdChainVerdict",
    "GenealogyNode",
    "TimelineEntry",
    "case_detail",
    "case_detail_in",
    "case_timeline",
    "genealogy",
]


@dataclass(frozen=True)
class GenealogyNode:
    """One container of a case and the containers it was made from."""

    unit_id: uuid.UUID
    din: str | None
    kind: UnitKind
    status: UnitStatus
    side_state: SideState
    parent_ids: tuple[uuid.UUID, ...]
    stored_at: str | None = None
    """Where the container is stored now (freezer or dewar, rack, box, position, site)."""
    side_state_why: str | None = None
    """Why it is in its side state (its typed cause in words), None when it is in none."""
    side_state_cause: SideStateCause | None = None
    """The typed cause of its side state (what a lift must name), None when it is in none."""
    side_state_reason: str | None = None
    """The reason given with its side state (a person's own words), None when none was."""

    @property
    def kind_name(self) -> str:
        """The kind of container in words."""
        return UNIT_KIND_NAMES[self.kind]

    sscc: str | None = None
    """A shipper's SSCC as GS1 writes it (a shipper is a box with an SSCC, never a DIN)."""
    shipment_status: str | None = None
    """Where a shipper's shipment stands in words (open, packed, in transit, received)."""

    @property
    def din_eye_readable(self) -> str:
        """The DIN grouped as printed, with its check character in brackets ("—" if none)."""
        return din_text(self.din)

    @property
    def is_shipper(self) -> bool:
        """A shipper box, not a container of the dose: never counted or offered as a bag."""
        return self.kind is UnitKind.SHIPPER

    @property
    def identifier_text(self) -> str:
        """ "DIN …" for a container of the dose, "SSCC (00) …" for a shipper."""
        if self.is_shipper:
            return f"SSCC {self.sscc or '—'}"
        return f"DIN {self.din_eye_readable}"


@dataclass(frozen=True)
class CaseLimits:
    """The product's time limits the vein-to-vein chart draws, and the final bags' expiry."""

    collection_to_receipt_hours: float | None = None
    post_thaw_minutes: int | None = None
    expires_at: datetime | None = None
    """The earliest expiry of the case's final product bags (None before there are any)."""


@dataclass(frozen=True)
class CaseDetail:
    """Everything the case screen shows about one case."""

    case: CaseView
    timeline: tuple[TimelineEntry, ...]
    genealogy: tuple[GenealogyNode, ...]
    look_alikes: tuple[LookAlike, ...] = ()
    """Active cases at the same site whose identifiers (or patient) could be taken for these."""
    limits: CaseLimits = CaseLimits()

    @property
    def look_alike_warning(self) -> str:
        """The one-line look-alike warning (empty when there is none)."""
        return look_alike_line(self.look_alikes)


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
    places = stored_places(session, case)
    shippers = shippers_of_case(session, case.id)
    return tuple(
        GenealogyNode(
            unit_id=unit.id,
            din=unit.din,
            kind=unit.kind,
            status=unit.status,
            side_state=unit.side_state,
            side_state_why=side_state_words(unit),
            side_state_cause=cause_of(unit),
            side_state_reason=unit.side_state_reason,
            parent_ids=tuple(sorted(parents.get(unit.id, []), key=str)),
            stored_at=(
                f"{places[unit.id].location.words} at {places[unit.id].site}"
                if unit.id in places
                else None
            ),
            sscc=(shipment_sscc_text(session, shippers[unit.id]) if unit.id in shippers else None),
            shipment_status=(
                shippers[unit.id].status.value.replace("_", " ") if unit.id in shippers else None
            ),
        )
        for unit in units
    )


def case_timeline(
    database: Database, actor: Actor, case_id: uuid.UUID
) -> tuple[TimelineEntry, ...]:
    """The vein-to-vein timeline of a visible case, oldest first."""
    with database.read_session() as session:
        return build_timeline(session, visible_case(session, actor, case_id))


def genealogy(database: Database, actor: Actor, case_id: uuid.UUID) -> tuple[GenealogyNode, ...]:
    """Every container of a visible case with its parents, oldest first."""
    with database.read_session() as session:
        return _genealogy(session, visible_case(session, actor, case_id))


def case_detail(database: Database, actor: Actor, case_id: uuid.UUID) -> CaseDetail:
    """A visible case with its timeline, genealogy and look-alike cases, read in one session."""
    with database.read_session() as session:
        return case_detail_in(session, actor, case_id)


def case_detail_in(session: Session, actor: Actor, case_id: uuid.UUID) -> CaseDetail:
    """``case_detail`` read in the caller's session (a report reads more beside it)."""
    case = visible_case(session, actor, case_id)
    return CaseDetail(
        case=case_view(session, case, actor),
        timeline=build_timeline(session, case),
        genealogy=_genealogy(session, case),
        look_alikes=look_alikes(session, case, with_identity=may_see_identity(actor)),
        limits=_limits(session, case),
    )


def _limits(session: Session, case: Case) -> CaseLimits:
    product = session.get(Product, case.product_id)
    expiry = session.scalar(
        select(func.min(Unit.expires_at)).where(
            Unit.case_id == case.id, Unit.expires_at.is_not(None)
        )
    )
    return CaseLimits(
        collection_to_receipt_hours=product.max_hours_collection_to_receipt if product else None,
        post_thaw_minutes=product.post_thaw_minutes if product else None,
        expires_at=expiry,
    )
