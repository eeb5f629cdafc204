"""Finding a record by what a person types or scans (a DIN, a case's bedside check), for the
command line: each read checks that the actor may see the case it belongs to."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.casefile.queries import visible_case
from app.core import Actor, Database, NotFound
from app.journey import BEDSIDE_CHECK, BedsideCheckView, UnitView, unit_view
from db.models import StageRecord, Unit


def din_of(typed: str) -> str:
    """The DIN in ``typed``: a bare DIN, or its bar code as scanned (``=DIN`` and flags)."""
    text = "".join(typed.split())
    return text[1:14] if text.startswith("=") else text


def unit_by_din(database: Database, actor: Actor, typed: str) -> UnitView:
    """The container with this DIN, if ``actor`` may see its case."""
    din = din_of(typed)
    with database.read_session() as session:
        unit = session.scalar(select(Unit).where(Unit.din == din))
        if unit is None:
            raise NotFound(f"No container has the DIN {din[:20]!r}.")
        visible_case(session, actor, unit.case_id)
        return unit_view(unit)


def latest_bedside_check(database: Database, actor: Actor, case_id: uuid.UUID) -> BedsideCheckView:
    """The case's latest bedside check (the infusion confirms it), if ``actor`` may see it."""
    with database.read_session() as session:
        case = visible_case(session, actor, case_id)
        record = session.scalar(
            select(StageRecord)
            .where(StageRecord.case_id == case.id, StageRecord.action == BEDSIDE_CHECK)
            .order_by(StageRecord.occurred_at.desc())
        )
        if record is None or record.unit_id is None:
            raise NotFound("No bedside check is recorded for this case: check first.")
        bag = session.get(Unit, record.unit_id)
        din = bag.din if bag is not None and bag.din else ""
        return BedsideCheckView(record.id, case.id, record.unit_id, din, record.occurred_at)
