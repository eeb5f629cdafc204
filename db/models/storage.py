"""Where a container is stored: freezer or dewar, rack, box and position, put away and taken
out by scan. A row is open (``taken_at`` empty) while the container is there; the partial
unique indexes let one open row hold a position, and one open row hold a container."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, Versioned

PART_LENGTH = 20
"""Length of each part of a storage location (store, rack, box, position)."""
_OPEN = text("taken_at IS NULL")


class StoragePlacement(Versioned, Base):
    """One stay of a container in one storage position, from put-away to retrieval."""

    __tablename__ = "storage_placement"
    __table_args__ = (
        Index(
            "ux_storage_placement_position",
            "site_id",
            "store",
            "rack",
            "box",
            "position",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index(
            "ux_storage_placement_unit",
            "unit_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )

    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("unit.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    store: Mapped[str] = mapped_column(String(PART_LENGTH))
    """The freezer or dewar."""
    rack: Mapped[str] = mapped_column(String(PART_LENGTH))
    box: Mapped[str] = mapped_column(String(PART_LENGTH))
    position: Mapped[str] = mapped_column(String(PART_LENGTH))
    put_at: Mapped[datetime] = mapped_column()
    put_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"))
    taken_at: Mapped[datetime | None] = mapped_column()
    taken_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"))
