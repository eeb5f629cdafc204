"""Reading cases for screens: who sees which case, the case list and the counts by stage.

Who sees which case (DESIGN.md §7): clinic roles see the cases of their own clinic, manufacturing
and quality roles the cases manufactured at their site; an administrator sees none. Patient
identity is read only for the roles allowed to see it — for everyone else the identity table is
never even queried. The list is paged in SQL (newest first) so it stays fast with 100 000 cases.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from app.access import (
    CLINIC_ROLES,
    MANUFACTURER_ROLES,
    hospital_number_mac,
    may_see_identity,
    may_view_cases,
    open_identity,
    visible_case,
    visible_cases,
)
from app.casefile.unit_stops import stops_of_cases
from app.core import (
    Actor,
    Database,
    IdentityUnreadable,
    PatientKeys,
    bound_to,
    checked_search,
    coi_fragment,
    coi_text,
    din_text,
    ensure_standing,
    identity_keys,
)
from app.journey import STAGE_NAMES, STAGE_ORDER
from db.enums import CaseStage, SideState
from db.models import Case, PatientIdentity, Site, User
from labels.isbt128.coi import CONTENT_LENGTH as COI_LENGTH
from labels.isbt128.coi import coi_content_errors

__all__ = [
    "CLINIC_ROLES",
    "MANUFACTURER_ROLES",
    "PAGE_SIZE",
    "CasePage",
    "CaseRow",
    "CaseStage",
    "SideState",
    "coi_fragment",
    "coi_text",
    "din_text",
    "list_cases",
    "may_view_cases",
    "site_names",
    "stage_counts",
    "user_names",
    "visible_case",
    "visible_cases",
]
"""The enums the screens compare against are re-exported so that ``ui`` never imports ``db``."""

PAGE_SIZE = 200
MAX_PAGE_SIZE = 1000


def _names(session: Session, query: Select[uuid.UUID, str]) -> dict[uuid.UUID, str]:
    return dict(session.execute(query).all())


def site_names(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Site names by id, in one query."""
    wanted = {i for i in ids if i is not None}
    return _names(session, select(Site.id, Site.name).where(Site.id.in_(wanted))) if wanted else {}


def user_names(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Printed names of users by id, in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return _names(session, select(User.id, User.full_name).where(User.id.in_(wanted)))


# ---------------------------------------------------------------- the case list


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list."""

    id: uuid.UUID
    coi: str
    coi_check: str
    stage: CaseStage
    side_state: SideState
    clinic_site: str
    manufacturing_site: str
    enrolled_at: datetime
    patient_name: str | None
    """``FAMILY, Given`` for roles allowed to see identity; None for everyone else."""
    units_stopped: str = ""
    """Its containers on hold, quarantined… counted, with why in short ("" when none is)."""

    @property
    def coi_eye_readable(self) -> str:
        """The COI as printed, with its check character."""
        return coi_text(self.coi, self.coi_check)

    @property
    def stage_name(self) -> str:
        """The stage in words."""
        return STAGE_NAMES[self.stage]


@dataclass(frozen=True)
class CasePage:
    """One page of the case list and the number of cases matching in all."""

    rows: tuple[CaseRow, ...]
    total: int


def _search(
    session: Session, actor: Actor, text: str, identity: bool
) -> ColumnElement[bool] | None:
    term = checked_search(text.strip(), "search text")
    fragment = coi_fragment(term)
    conditions: list[ColumnElement[bool]] = []
    if len(fragment) == COI_LENGTH and not coi_content_errors(fragment):
        conditions.append(Case.coi == fragment)  # a whole COI: one look-up in its unique index
    elif fragment:
        conditions.append(Case.coi.contains(fragment, autoescape=True))
    key = identity_keys(session) if identity and term else None
    if key is not None:
        # The identity is sealed: a hospital number is found by its keyed hash, a family name
        # by opening the clinic's names here (never a plain-text column).
        patients = select(PatientIdentity.patient_id).where(
            PatientIdentity.clinic_site_id == actor.site_id,
            PatientIdentity.hospital_number_mac == hospital_number_mac(key, term),
        )
        conditions.append(Case.patient_id.in_(patients))
        named = _named(session, actor, term, key)
        if named:
            conditions.append(Case.patient_id.in_(named))
    return or_(*conditions) if conditions else None


def _named(session: Session, actor: Actor, term: str, key: PatientKeys) -> list[uuid.UUID]:
    """The clinic's patients whose family name contains ``term`` (case folded)."""
    wanted = term.casefold()
    rows = session.execute(
        select(PatientIdentity.id, PatientIdentity.patient_id, PatientIdentity.family_name).where(
            PatientIdentity.clinic_site_id == actor.site_id
        )
    )
    found = []
    for row_id, patient_id, sealed in rows:
        try:
            name = key.open(sealed, bound_to(PatientIdentity.__tablename__, "family_name", row_id))
        except IdentityUnreadable:
            continue
        if wanted in name.casefold():
            found.append(patient_id)
    return found


NEWEST_FIRST = (Case.enrolled_at.desc(), Case.id.desc())
"""The list order; an index on (site, enrolled_at, id) serves it without sorting."""


def list_cases(
    database: Database,
    actor: Actor,
    *,
    search: str = "",
    stage: CaseStage | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> CasePage:
    """One page of the cases ``actor`` may see, newest first, filtered by search and stage.

    The search matches the COI (typed with or without spaces) for everyone, and the hospital
    number or family name for roles allowed to see identity.
    """
    with database.read_session() as session:
        return case_page(session, actor, CaseFilter(search, stage, offset, limit))


@dataclass(frozen=True)
class CaseFilter:
    """Which page of the case list: the search text, the stage, where the page starts, its
    length (the arguments of ``list_cases``)."""

    search: str = ""
    stage: CaseStage | None = None
    offset: int = 0
    limit: int = PAGE_SIZE


def case_page(session: Session, actor: Actor, wanted: CaseFilter) -> CasePage:
    """``list_cases`` read in the caller's session."""
    search, stage, offset, limit = wanted.search, wanted.stage, wanted.offset, wanted.limit
    identity = may_see_identity(actor)
    where = [visible_cases(actor)]
    if stage is not None:
        where.append(Case.stage == stage)
    matching = _search(session, actor, search, identity)
    if matching is not None:
        where.append(matching)
    # Only the ids are ordered and cut to the page; the page's rows are read after (a deferred
    # join), so ordering never carries whole rows, and the identity join touches one page.
    page_ids = (
        select(Case.id)
        .where(*where)
        .order_by(*NEWEST_FIRST)
        .offset(max(offset, 0))
        .limit(max(1, min(limit, MAX_PAGE_SIZE)))
        .subquery("page")
    )
    page = select(
        Case.id,
        Case.coi,
        Case.coi_check,
        Case.stage,
        Case.side_state,
        Case.clinic_site_id,
        Case.manufacturing_site_id,
        Case.enrolled_at,
    ).join(page_ids, page_ids.c.id == Case.id)
    if identity:
        page = page.add_columns(PatientIdentity).outerjoin(
            PatientIdentity, PatientIdentity.patient_id == Case.patient_id
        )
    ensure_standing(session, actor)
    total = int(session.scalar(select(func.count()).select_from(Case).where(*where)) or 0)
    found = session.execute(page.order_by(*NEWEST_FIRST)).all()
    sites = site_names(
        session, [r.clinic_site_id for r in found] + [r.manufacturing_site_id for r in found]
    )
    key = identity_keys(session) if identity else None
    stops = stops_of_cases(session, [r.id for r in found])
    return CasePage(tuple(_row(r, sites, identity, key, stops.get(r.id, "")) for r in found), total)


def _row(
    row: Any, sites: dict[Any, str], identity: bool, key: PatientKeys | None, stops: str
) -> CaseRow:
    name = None
    if identity and row.PatientIdentity is not None:
        name = open_identity(row.PatientIdentity, key).display_name
    return CaseRow(
        id=row.id,
        coi=row.coi,
        coi_check=row.coi_check,
        stage=row.stage,
        side_state=row.side_state,
        clinic_site=sites.get(row.clinic_site_id, ""),
        manufacturing_site=sites.get(row.manufacturing_site_id, ""),
        enrolled_at=row.enrolled_at,
        patient_name=name,
        units_stopped=stops,
    )


def stage_counts(database: Database, actor: Actor) -> dict[CaseStage, int]:
    """How many visible cases are at each stage (every stage present, in journey order)."""
    query = select(Case.stage, func.count()).where(visible_cases(actor)).group_by(Case.stage)
    with database.read_session() as session:
        ensure_standing(session, actor)
        found = dict(session.execute(query).all())
    return {stage: found.get(stage, 0) for stage in STAGE_ORDER}
