"""Booking slots: apheresis at the clinic, manufacturing at the manufacturer, per site and day.

An administrator sets how many slots a site offers on a day (``db.models.SlotCapacity``); a day
without a setting is not limited, a day set to 0 is closed. A case holds one slot of each kind
from enrolment until it is cancelled, rejected or destroyed. A booking beyond capacity is
refused with the next free dates. The capacity row is locked while the day is counted, so two
coordinators cannot both take the last slot.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.core import Actor, Database, NotPermitted, ValidationFailed, now
from app.journey.stages import FINAL_SIDE_STATES
from db.enums import SiteKind, SlotKind
from db.models import Case, Site, SlotCapacity

BOOKING_HORIZON_DAYS = 366
"""How far ahead a slot may be booked."""
LOOK_AHEAD_DAYS = 120
"""How far the next free dates are looked for."""
NEXT_FREE_SHOWN = 3

SLOT_NAMES = {SlotKind.APHERESIS: "apheresis", SlotKind.MANUFACTURING: "manufacturing"}
SITE_KIND_OF = {SlotKind.APHERESIS: SiteKind.CLINIC, SlotKind.MANUFACTURING: SiteKind.MANUFACTURER}


@dataclass(frozen=True)
class SlotDay:
    """One site's slots of one kind on one day."""

    day: date
    capacity: int | None
    """None: not limited."""
    booked: int

    @property
    def left(self) -> int | None:
        """Free slots (None: not limited)."""
        return None if self.capacity is None else max(self.capacity - self.booked, 0)

    @property
    def free(self) -> bool:
        """A slot can still be booked on this day."""
        return self.capacity is None or self.booked < self.capacity

    @property
    def words(self) -> str:
        """E.g. "2 of 3 free", "full (3 of 3 booked)", "no limit set (1 booked)"."""
        if self.capacity is None:
            return f"no limit set ({self.booked} booked)"
        if self.capacity == 0:
            return "closed"
        if not self.free:
            return f"full ({self.booked} of {self.capacity} booked)"
        return f"{self.left} of {self.capacity} free"


def _date_column(kind: SlotKind) -> InstrumentedAttribute[date | None]:
    if kind is SlotKind.APHERESIS:
        return Case.planned_collection_date
    return Case.manufacturing_slot_date


def _site_column(kind: SlotKind) -> InstrumentedAttribute[uuid.UUID]:
    return Case.clinic_site_id if kind is SlotKind.APHERESIS else Case.manufacturing_site_id


def slot_days(
    session: Session, site_id: uuid.UUID, kind: SlotKind, first: date, days: int
) -> tuple[SlotDay, ...]:
    """The site's slots of ``kind`` on ``days`` days from ``first`` (two queries)."""
    last = first + timedelta(days=days - 1)
    capacities: dict[date, int] = dict(
        session.execute(
            select(SlotCapacity.day, SlotCapacity.capacity).where(
                SlotCapacity.site_id == site_id,
                SlotCapacity.kind == kind,
                SlotCapacity.day.between(first, last),
            )
        ).all()
    )
    column = _date_column(kind)
    booked: dict[date | None, int] = dict(
        session.execute(
            select(column, func.count())
            .where(
                _site_column(kind) == site_id,
                column.between(first, last),
                Case.side_state.not_in(FINAL_SIDE_STATES),
            )
            .group_by(column)
        ).all()
    )
    return tuple(
        SlotDay(day, capacities.get(day), booked.get(day, 0))
        for day in (first + timedelta(days=n) for n in range(days))
    )


def booking_date_problem(day: date, kind: SlotKind) -> str | None:
    """What is wrong with a slot date: in the past, or beyond the booking horizon (None: fine)."""
    today = now().date()
    name = SLOT_NAMES[kind]
    if day < today:
        return f"The {name} date {day.isoformat()} is in the past: book today or a later day."
    if day > today + timedelta(days=BOOKING_HORIZON_DAYS):
        return (
            f"The {name} date {day.isoformat()} is more than {BOOKING_HORIZON_DAYS} days ahead: "
            "check the year."
        )
    return None


def next_free_days(session: Session, site_id: uuid.UUID, kind: SlotKind, after: date) -> list[date]:
    """The first few days after ``after`` with a free slot (within the look-ahead)."""
    days = slot_days(session, site_id, kind, after + timedelta(days=1), LOOK_AHEAD_DAYS)
    return [d.day for d in days if d.free][:NEXT_FREE_SHOWN]


def book_slot(session: Session, site: Site, kind: SlotKind, day: date) -> SlotDay:
    """Take one ``kind`` slot at ``site`` on ``day``, or refuse with the next free dates.

    Called inside the unit of work that writes the case: the day's capacity row is locked
    (SELECT ... FOR UPDATE on PostgreSQL; SQLite's writer already holds the database) before
    the day's bookings are counted.
    """
    problem = booking_date_problem(day, kind)
    if problem is not None:
        raise ValidationFailed(problem)
    capacity = session.scalar(
        select(SlotCapacity)
        .where(SlotCapacity.site_id == site.id, SlotCapacity.kind == kind, SlotCapacity.day == day)
        .with_for_update()
    )
    (usage,) = slot_days(session, site.id, kind, day, 1)
    if capacity is None or usage.booked < capacity.capacity:
        return SlotDay(day, usage.capacity, usage.booked + 1)
    free = next_free_days(session, site.id, kind, day)
    after = (
        "Next free dates: " + ", ".join(d.isoformat() for d in free) + "."
        if free
        else f"No free date in the next {LOOK_AHEAD_DAYS} days: ask the site."
    )
    state = (
        "closed"
        if capacity.capacity == 0
        else f"full ({usage.booked} of {capacity.capacity} booked)"
    )
    raise ValidationFailed(
        f"No {SLOT_NAMES[kind]} slot is free at {site.name} on {day.isoformat()}: the day is "
        f"{state}. {after}"
    )


@dataclass(frozen=True)
class SlotCalendar:
    """A site's slots of one kind over some days, for the enrolment screen and ``coi``."""

    site_code: str
    site_name: str
    kind: SlotKind
    days: tuple[SlotDay, ...]


def slot_calendar(
    database: Database,
    actor: Actor,
    kind: SlotKind,
    first: date,
    days: int = 28,
    *,
    site_code: str | None = None,
) -> SlotCalendar:
    """The slots of ``kind`` at a site (default: the actor's own) for ``days`` days."""
    if not 1 <= days <= LOOK_AHEAD_DAYS:
        raise ValidationFailed(f"Ask for 1 to {LOOK_AHEAD_DAYS} days.")
    if not actor.roles:
        raise NotPermitted("Sign in to see the booking calendar.")
    with database.read_session() as session:
        if site_code is None:
            site = session.get(Site, actor.site_id) if actor.site_id else None
        else:
            site = session.scalar(select(Site).where(Site.code == site_code.strip()))
        if site is None or site.kind is not SITE_KIND_OF[kind]:
            where = site_code or "your site"
            raise ValidationFailed(f"{where!r} is not a site with {SLOT_NAMES[kind]} slots.")
        return SlotCalendar(
            site.code, site.name, kind, slot_days(session, site.id, kind, first, days)
        )
