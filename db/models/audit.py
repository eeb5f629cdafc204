"""The append-only, hash-chained audit trail (DESIGN.md §5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first event."""


class AuditEvent(Base):
    """One audit event. Rows are never updated or deleted: database triggers refuse it."""

    __tablename__ = "audit_event"
    __audited__ = False
    # The audit trail screen's filters read a page from an index's end (migration 0018).
    __table_args__ = (
        Index("ix_audit_event_user_id_seq", "user_id", "seq"),
        Index("ix_audit_event_username_seq", "username", "seq"),
        Index("ix_audit_event_record_type_seq", "record_type", "seq"),
        Index("ix_audit_event_action_seq", "action", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Indexed for the audit trail screen's filters: time range, user, and a site's users.
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[str | None] = mapped_column(String(36))
    username: Mapped[str | None] = mapped_column(String(64))
    station: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(200), index=True)
    old_values: Mapped[str] = mapped_column(Text)
    new_values: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditKeyBinding(Base):
    """Which audit key the chain is keyed with, and from which event on (one row).

    ``key_id`` is NULL until the first keyed write: a database created or migrated before any
    key was at hand. Events before ``keyed_from_seq`` were written unkeyed (SHA-256) by an
    earlier version; the event at ``keyed_from_seq`` (when above 1) says so.
    """

    __tablename__ = "audit_key_binding"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key_id: Mapped[str | None] = mapped_column(String(32))
    keyed_from_seq: Mapped[int] = mapped_column(BigInteger)
