"""Named counters for serial numbers (SSCC serial references, deviation numbers)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Versioned


class Counter(Versioned, Base):
    """The last value handed out under ``name``; values are never reused."""

    __tablename__ = "counter"
    __audited__ = False

    name: Mapped[str] = mapped_column(String(64), unique=True)
    last_value: Mapped[int] = mapped_column(default=0)
