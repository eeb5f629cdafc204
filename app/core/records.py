"""Loading any record with a clear error, and naming the people in records."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy.orm import Session

from app.core.errors import NotFound
from db.base import Base
from db.models import User

RecordT = TypeVar("RecordT", bound=Base)


def load(session: Session, model: type[RecordT], record_id: uuid.UUID, what: str) -> RecordT:
    """The record ``record_id`` of ``model``, or a NotFound naming ``what``."""
    record = session.get(model, record_id)
    if record is None:
        raise NotFound(f"That {what} does not exist (it may have been removed from the view).")
    return record


def person(session: Session, user_id: uuid.UUID | None) -> str:
    """The printed name of a user, for messages and timelines."""
    if user_id is None:
        return "—"
    user = session.get(User, user_id)
    return user.full_name if user else "unknown user"
