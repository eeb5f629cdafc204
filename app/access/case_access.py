"""Who may read which case (DESIGN.md §7): clinic roles the cases of their own clinic,
manufacturing and quality roles the cases manufactured at their site; an administrator none.

Every read of case, unit, deviation, label, shipment or logger data checks the actor here first
(`visible_case`), as every write checks its role.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from app.access.permissions import IDENTITY_ROLES
from app.core import Actor, NotFound, NotPermitted, ensure_standing
from db.enums import Role
from db.models import Case

CLINIC_ROLES = IDENTITY_ROLES
MANUFACTURER_ROLES = frozenset(
    {Role.MFG_OPERATOR, Role.MFG_VERIFIER, Role.QC_ANALYST, Role.QA, Role.QP}
)


def may_view_cases(actor: Actor) -> bool:
    """True when the actor's role and site let them see cases at all (admins see none)."""
    return actor.site_id is not None and actor.has_role(*CLINIC_ROLES, *MANUFACTURER_ROLES)


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition selecting the cases ``actor`` may see; NotPermitted for none."""
    conditions: list[ColumnElement[bool]] = []
    if actor.site_id is not None:
        if actor.has_role(*CLINIC_ROLES):
            conditions.append(Case.clinic_site_id == actor.site_id)
        if actor.has_role(*MANUFACTURER_ROLES):
            conditions.append(Case.manufacturing_site_id == actor.site_id)
    if not conditions:
        raise NotPermitted(
            "Cases are seen by clinic, manufacturing and quality staff of their own site; "
            f"{actor.username} holds no such role at a site."
        )
    return or_(*conditions)


def visible_case(session: Session, actor: Actor, case_id: uuid.UUID | None) -> Case:
    """The case ``case_id`` if ``actor`` may see it; NotFound or NotPermitted otherwise.

    The actor's account is re-read first: a deactivated, locked or re-roled user sees no case.
    """
    ensure_standing(session, actor)
    if case_id is None:
        raise NotFound("That record belongs to no case.")
    case = session.scalar(select(Case).where(Case.id == case_id, visible_cases(actor)))
    if case is not None:
        return case
    if session.get(Case, case_id) is None:
        raise NotFound("That case does not exist.")
    raise NotPermitted(f"That case belongs to another site than yours ({actor.site_name}).")
