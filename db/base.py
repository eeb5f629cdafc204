"""Declarative base, naming convention and the mixins every record uses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from db.types import UTCDateTime, utc_now

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Column ``info`` keys read by the audit trail and the signature digests.
NOT_SIGNED = {"signed": False}
"""Bookkeeping column that is not part of a record's signed content."""


def signed_only_by(*meanings: str) -> dict[str, Any]:
    """Column info for a field a later signed act fills in (e.g. an exception approval).

    Only signatures with one of ``meanings`` cover it, so the act does not break the
    signatures given before it; the later signature covers the whole record as it then is.
    """
    return {"signed_by": frozenset(meanings)}


SECRET = {"secret": True}
"""Column whose value never enters the audit trail (only the fact that it changed)."""
IDENTITY = {"identity": True}
"""Patient-identifying column: shown only to roles allowed to see patient identity."""


class Base(DeclarativeBase):
    """Base of every model. ``__audited__`` says whether changes write audit events."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), uuid.UUID: Uuid()}
    __audited__: ClassVar[bool] = True


def new_id() -> uuid.UUID:
    """A fresh random identifier for a record (never printed on a label)."""
    return uuid.uuid4()


class HasId:
    """A UUID primary key."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class Immutable(HasId):
    """A record written once: who recorded it and when."""

    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column()


class Versioned(HasId):
    """A mutable record: row version for optimistic locking, and who changed it last."""

    version: Mapped[int] = mapped_column(nullable=False, info=NOT_SIGNED)
    created_at: Mapped[datetime] = mapped_column(default=utc_now, info=NOT_SIGNED)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now, info=NOT_SIGNED)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(info=NOT_SIGNED)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        table = cls.__table__  # type: ignore[attr-defined]  # set by declarative before this runs
        return {"version_id_col": table.c.version}
