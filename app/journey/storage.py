"""Storage of final product bags and intermediates: put away and taken out by scan.

Put-away scans the container and its position's label (``STORE/RACK/BOX/POSITION``); a
position holds one container and a container is in one position (also two partial unique
indexes in the database). Retrieval scans both again: the container must be stored there, or
nothing is written. A container in storage is taken out before it is packed, used in a step or
thawed. Every put-away and retrieval is a stage record on the case's timeline.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_role, require_site, visible_case
from app.core import (
    Actor,
    Database,
    UnitOfWork,
    ValidationFailed,
    din_text,
    load,
    now,
    person,
)
from app.journey.records import record_stage
from app.journey.storage_places import StorageLocation, parse_location
from app.scanning import Expectation, check_scan
from db.enums import Role, UnitKind, UnitStatus
from db.models import Case, Site, StoragePlacement, Unit

STORABLE_KINDS = frozenset({UnitKind.INTERMEDIATE, UnitKind.FINAL_PRODUCT_BAG})
STORAGE_ROLES = (Role.MFG_OPERATOR, Role.INFUSION_NURSE, Role.CLINIC_COORDINATOR)
AWAY = frozenset(
    {UnitStatus.PACKED, UnitStatus.IN_TRANSIT, UnitStatus.CONSUMED, UnitStatus.INFUSED}
)
"""Statuses of a container that is not on a shelf of its site (and cannot be put away)."""


@dataclass(frozen=True)
class PlacementView:
    """Where a container is (or was) stored, and who put it there and took it out."""

    unit_id: uuid.UUID
    din: str
    kind: UnitKind
    location: StorageLocation
    site: str
    put_at: datetime
    put_by: str
    taken_at: datetime | None
    taken_by: str | None


def _place(row: StoragePlacement) -> StorageLocation:
    return StorageLocation(row.store, row.rack, row.box, row.position)


def placement_view(session: Session, row: StoragePlacement) -> PlacementView:
    """The view of one placement."""
    unit = load(session, Unit, row.unit_id, "container")
    site = session.get(Site, row.site_id)
    return PlacementView(
        unit_id=unit.id,
        din=unit.din or "",
        kind=unit.kind,
        location=_place(row),
        site=site.name if site else "",
        put_at=row.put_at,
        put_by=person(session, row.put_by_id),
        taken_at=row.taken_at,
        taken_by=person(session, row.taken_by_id) if row.taken_by_id else None,
    )


def _open_placement(session: Session, unit_id: uuid.UUID) -> StoragePlacement | None:
    return session.scalar(
        select(StoragePlacement).where(
            StoragePlacement.unit_id == unit_id, StoragePlacement.taken_at.is_(None)
        )
    )


def stored_places(session: Session, case: Case) -> dict[uuid.UUID, PlacementView]:
    """Where each of the case's containers in storage is now, by container id."""
    rows = session.scalars(
        select(StoragePlacement)
        .join(Unit, Unit.id == StoragePlacement.unit_id)
        .where(Unit.case_id == case.id, StoragePlacement.taken_at.is_(None))
    )
    return {row.unit_id: placement_view(session, row) for row in rows}


def ensure_not_in_storage(session: Session, unit: Unit, *, doing: str) -> None:
    """Refuse to ``doing`` a container still recorded in storage (take it out by scan first)."""
    row = _open_placement(session, unit.id)
    if row is not None:
        raise ValidationFailed(
            f"DIN {din_text(unit.din)} is still recorded in storage at {_place(row).words}: "
            f"take it out by scanning it and its position before you {doing}."
        )


def _scanned_unit(
    uow: UnitOfWork, actor: Actor, case_id: uuid.UUID, raw: str, purpose: str, *where: Any
) -> tuple[Case, Unit]:
    """The case ``actor`` may see and its container scanned as ``raw``: a storable one of
    the case meeting ``where``."""
    case = visible_case(uow.session, actor, case_id)
    units = uow.session.scalars(
        select(Unit.id).where(Unit.case_id == case.id, Unit.kind.in_(STORABLE_KINDS), *where)
    )
    expected = Expectation(
        purpose=purpose,
        description=f"a stored container of this case ({purpose})",
        coi=case.coi,
        unit_ids=frozenset(units),
        allow_quarantined=True,  # a batch awaiting release is stored in quarantine
    )
    unit = check_scan(uow, raw, expected)
    assert unit is not None  # a match on a unit expectation always names a unit
    return case, unit


def _recorded(
    uow: UnitOfWork, case: Case, unit: Unit, row: StoragePlacement, what: str
) -> PlacementView:
    """Record ``what`` on the case's timeline, commit, and the placement's view."""
    record_stage(
        uow,
        case,
        what,
        unit_id=unit.id,
        details={"din": unit.din, "location": _place(row).code},
    )
    uow.flush()
    view = placement_view(uow.session, row)
    uow.commit()
    return view


def put_away(
    database: Database, actor: Actor, case_id: uuid.UUID, unit_scan: str, location_scan: str
) -> PlacementView:
    """Record by scan that a container of the case was put in a storage position."""
    require_role(actor, *STORAGE_ROLES, doing="put containers away")
    location = parse_location(location_scan)
    with UnitOfWork(database, actor) as uow:
        case, unit = _scanned_unit(
            uow, actor, case_id, unit_scan, "put away", Unit.status.not_in(AWAY)
        )
        if unit.site_id is None:
            raise ValidationFailed(
                f"DIN {din_text(unit.din)} is at no site: it cannot be put away."
            )
        require_site(actor, unit.site_id, doing="put containers away")
        current = _open_placement(uow.session, unit.id)
        if current is not None:
            raise ValidationFailed(
                f"DIN {din_text(unit.din)} is already stored at {_place(current).words}: take "
                "it out by scan first."
            )
        occupant = uow.session.scalar(
            select(Unit.din)
            .join(StoragePlacement, StoragePlacement.unit_id == Unit.id)
            .where(
                StoragePlacement.site_id == unit.site_id,
                StoragePlacement.store == location.store,
                StoragePlacement.rack == location.rack,
                StoragePlacement.box == location.box,
                StoragePlacement.position == location.position,
                StoragePlacement.taken_at.is_(None),
            )
        )
        if occupant is not None:
            raise ValidationFailed(
                f"{location.words} already holds DIN {din_text(occupant)}: put DIN "
                f"{din_text(unit.din)} in a free position."
            )
        row = StoragePlacement(
            unit_id=unit.id,
            site_id=unit.site_id,
            store=location.store,
            rack=location.rack,
            box=location.box,
            position=location.position,
            put_at=now(),
            put_by_id=actor.user_id,
        )
        uow.add(row, action="put away")
        return _recorded(uow, case, unit, row, "put away in storage")


def take_out(
    database: Database, actor: Actor, case_id: uuid.UUID, unit_scan: str, location_scan: str
) -> PlacementView:
    """Record by scan that a container was taken out of its storage position; a container not
    in storage, or stored elsewhere than the position scanned, is refused."""
    require_role(actor, *STORAGE_ROLES, doing="take containers out of storage")
    location = parse_location(location_scan)
    with UnitOfWork(database, actor) as uow:
        case, unit = _scanned_unit(uow, actor, case_id, unit_scan, "take out")
        row = _open_placement(uow.session, unit.id)
        if row is None:
            raise ValidationFailed(
                f"DIN {din_text(unit.din)} is not recorded in storage: there is nothing to take "
                "out. Check the container and call your supervisor if it was on a shelf."
            )
        require_site(actor, row.site_id, doing="take containers out of storage")
        placed = _place(row)
        if placed != location:
            raise ValidationFailed(
                f"WRONG LOCATION: DIN {din_text(unit.din)} is stored at {placed.words}, not at "
                f"{location.words}. Put it back and check the position's label."
            )
        row.taken_at = now()
        row.taken_by_id = actor.user_id
        uow.annotate(row, action="take out")
        return _recorded(uow, case, unit, row, "taken out of storage")


def where_stored(database: Database, actor: Actor, case_id: uuid.UUID) -> list[PlacementView]:
    """Where each stored container of a case the actor may see is now, by DIN."""
    with database.read_session() as session:
        case = visible_case(session, actor, case_id)
        return sorted(stored_places(session, case).values(), key=lambda view: view.din)
