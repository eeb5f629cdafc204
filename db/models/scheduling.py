"""Booking capacity: how many apheresis or manufacturing slots a site has on a day."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Versioned
from db.enums import SlotKind, enum_column

MAX_DAILY_SLOTS = 1000
"""More slots than any site has in a day: a larger number is a typing error."""


class SlotCapacity(Versioned, Base):
    """The number of ``kind`` slots ``site`` offers on ``day`` (set by an administrator).

    A day without a row is not limited; a row with capacity 0 closes the day.
    """

    __tablename__ = "slot_capacity"
    __table_args__ = (
        UniqueConstraint("site_id", "kind", "day"),
        CheckConstraint(
            f"capacity >= 0 AND capacity <= {MAX_DAILY_SLOTS}", name="capacity_in_range"
        ),
    )

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    kind: Mapped[SlotKind] = mapped_column(enum_column(SlotKind, "slot_kind"))
    day: Mapped[date] = mapped_column()
    capacity: Mapped[int] = mapped_column()
