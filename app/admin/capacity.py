"""Slot capacity: an administrator sets how many apheresis or manufacturing slots a site offers
per day, over a range of days, with a reason (each day's change is an audit event)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app.access import require_role
from app.core import Actor, Database, UnitOfWork, ValidationFailed, checked_reason, now
from app.journey import SITE_KIND_OF, SLOT_NAMES, SlotDay, slot_days
from db.enums import Role, SlotKind
from db.models import Site, SlotCapacity, scheduling

MAX_DAILY_SLOTS = scheduling.MAX_DAILY_SLOTS
"""The most slots a site may offer in a day."""
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class CapacityChange:
    """What a capacity setting did: the days set, and those now booked beyond capacity."""

    site_code: str
    site_name: str
    kind: SlotKind
    first_day: date
    last_day: date
    capacity: int
    days_changed: int
    overbooked: tuple[SlotDay, ...]
    """Days that already hold more bookings than the new capacity (nothing is unbooked)."""


def _reason(reason: str) -> str:
    return checked_reason(reason, "Give the reason for the capacity change.")


def _check(first_day: date, last_day: date, capacity: int) -> None:
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise ValidationFailed("The capacity is a whole number of slots.")
    if not 0 <= capacity <= MAX_DAILY_SLOTS:
        raise ValidationFailed(
            f"The capacity is {capacity}: give 0 (closed) to {MAX_DAILY_SLOTS} slots per day."
        )
    if last_day < first_day:
        raise ValidationFailed("The last day is before the first day.")
    if (last_day - first_day).days + 1 > MAX_RANGE_DAYS:
        raise ValidationFailed(f"Set at most {MAX_RANGE_DAYS} days at once.")
    if first_day < now().date():
        raise ValidationFailed("The first day is in the past: capacity is set for days to come.")


def set_slot_capacity(
    database: Database,
    actor: Actor,
    *,
    site_code: str,
    kind: SlotKind,
    first_day: date,
    last_day: date,
    capacity: int,
    reason: str,
) -> CapacityChange:
    """Set ``kind`` slots per day at a site for every day from ``first_day`` to ``last_day``."""
    require_role(actor, Role.ADMIN, doing="set slot capacity")
    text = _reason(reason)
    _check(first_day, last_day, capacity)
    with UnitOfWork(database, actor) as uow:
        site = uow.session.scalar(select(Site).where(Site.code == site_code.strip()))
        if site is None or site.kind is not SITE_KIND_OF[kind]:
            raise ValidationFailed(
                f"{site_code.strip()[:40]!r} is not a site with {SLOT_NAMES[kind]} slots "
                f"(apheresis slots are at a clinic, manufacturing slots at a manufacturer)."
            )
        existing = {
            row.day: row
            for row in uow.session.scalars(
                select(SlotCapacity).where(
                    SlotCapacity.site_id == site.id,
                    SlotCapacity.kind == kind,
                    SlotCapacity.day.between(first_day, last_day),
                )
            )
        }
        days = (last_day - first_day).days + 1
        changed = 0
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            row = existing.get(day)
            if row is None:
                uow.add(
                    SlotCapacity(site_id=site.id, kind=kind, day=day, capacity=capacity),
                    action="set capacity",
                    reason=text,
                )
                changed += 1
            elif row.capacity != capacity:
                row.capacity = capacity
                uow.annotate(row, action="set capacity", reason=text)
                changed += 1
        uow.flush()
        usage = slot_days(uow.session, site.id, kind, first_day, days)
        result = CapacityChange(
            site.code,
            site.name,
            kind,
            first_day,
            last_day,
            capacity,
            changed,
            tuple(d for d in usage if d.capacity is not None and d.booked > d.capacity),
        )
        uow.commit()
    return result


@dataclass(frozen=True)
class CapacitySite:
    """A site that has slots of some kind."""

    code: str
    name: str
    kind: SlotKind


@dataclass(frozen=True)
class CapacityOverview:
    """The sites with slots, and one site's slots of one kind over some days."""

    sites: tuple[CapacitySite, ...]
    site_code: str | None
    kind: SlotKind
    days: tuple[SlotDay, ...]


def capacity_overview(
    database: Database,
    actor: Actor,
    *,
    site_code: str | None,
    kind: SlotKind,
    first_day: date,
    days: int = 28,
) -> CapacityOverview:
    """Every site with slots and, for ``site_code`` (default: the first of ``kind``), the
    capacity and bookings of ``days`` days from ``first_day`` (one read session)."""
    require_role(actor, Role.ADMIN, doing="read slot capacity")
    if not 1 <= days <= MAX_RANGE_DAYS:
        raise ValidationFailed(f"Ask for 1 to {MAX_RANGE_DAYS} days.")
    with database.read_session() as session:
        sites = tuple(
            CapacitySite(site.code, site.name, slot_kind)
            for site in session.scalars(select(Site).where(Site.active).order_by(Site.code))
            for slot_kind in SlotKind
            if SITE_KIND_OF[slot_kind] is site.kind
        )
        chosen = next(
            (s for s in sites if s.kind is kind and (site_code is None or s.code == site_code)),
            None,
        )
        if chosen is None:
            return CapacityOverview(sites, None, kind, ())
        site = session.scalar(select(Site).where(Site.code == chosen.code))
        assert site is not None
        return CapacityOverview(
            sites, chosen.code, kind, slot_days(session, site.id, kind, first_day, days)
        )
