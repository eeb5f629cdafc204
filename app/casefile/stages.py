"""What the bench and bedside screens read about one case: its containers and its product's
post-thaw limit. Read-only, for cases the actor may see (``app.casefile.queries.visible_case``).

The enums the screens compare against are re-exported here so that ``ui`` never imports ``db``.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.casefile.queries import visible_case
from app.core import Actor, Database, load
from app.journey import UnitView, unit_view
from db.enums import CaseStage, LabelStatus, Role, StepStatus, UnitKind, UnitStatus
from db.models import Case, Product, Unit

__all__ = [
    "CaseStage",
    "LabelStatus",
    "Role",
    "StepStatus",
    "UnitKind",
    "UnitStatus",
    "post_thaw_minutes",
    "units_of",
]


def units_of(database: Database, actor: Actor, case_id: uuid.UUID) -> list[UnitView]:
    """Every container of a case the actor may see, oldest first."""
    with database.read_session() as session:
        return unit_views(session, visible_case(session, actor, case_id))


def unit_views(session: Session, case: Case) -> list[UnitView]:
    """Every container of ``case``'s dose, oldest first, read in the caller's session; never
    a shipper (a box with an SSCC, shown with its shipment, never as a bag without a DIN)."""
    rows = session.scalars(
        select(Unit)
        .where(Unit.case_id == case.id, Unit.kind != UnitKind.SHIPPER)
        .order_by(Unit.created_at, Unit.din)
    )
    return [unit_view(row) for row in rows]


def post_thaw_minutes(database: Database, actor: Actor, case_id: uuid.UUID) -> int | None:
    """Minutes within which the case's product must be infused after thawing (None: no limit)."""
    with database.read_session() as session:
        return post_thaw_limit(session, visible_case(session, actor, case_id))


def post_thaw_limit(session: Session, case: Case) -> int | None:
    """The post-thaw limit of ``case``'s product in minutes, read in the caller's session."""
    return load(session, Product, case.product_id, "product").post_thaw_minutes
