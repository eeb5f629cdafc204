"""Unit of work: one transaction per service call, with its audit events, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.core.actor import Actor
from app.core.audit_anchor import anchor_head
from app.core.audit_chain import PendingEvent, append_to_chain, values_of
from app.core.errors import RecordNotDeletable, StaleRecord
from app.core.standing import ensure_standing
from app.core.text_limits import check_record_text
from db.base import Base, Versioned
from db.models import User


@dataclass(frozen=True)
class _Override:
    action: str | None
    reason: str | None


class UnitOfWork:
    """``with UnitOfWork(db, actor) as uow: ...; uow.commit()`` — rolls back unless committed.

    Every insert, update and (permitted) delete of an audited model flushed in this session
    becomes an audit event; the events are chained and written in the same transaction.

    Before anything else the acting person's account is re-read (``ensure_standing``): a user
    deactivated, locked, given other roles or another site since signing in, or who has yet to
    change a generated password, is refused here, so no write service can forget the check.
    ``password_change`` is for ``change_own_password`` alone: it lets a generated password be
    changed and waives nothing else.
    """

    def __init__(self, database: Any, actor: Actor, *, password_change: bool = False) -> None:
        self.database = database
        self.actor = actor
        self.session: Session = database.write_session()
        try:
            ensure_standing(self.session, actor, lock=True, password_change=password_change)
        except BaseException:
            self.session.close()
            raise
        self.reason: str | None = None
        self._events: list[PendingEvent] = []
        self._overrides: dict[int, _Override] = {}
        self._versioned: list[tuple[type[Base], Any, int]] = []
        self._committed = False
        event.listen(self.session, "before_flush", self._before_flush)
        event.listen(self.session, "after_flush", self._after_flush)

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self.session.rollback()
        self.session.close()
        if isinstance(exc, StaleDataError):
            # A flush triggered by a query (autoflush) met a row another transaction changed.
            raise self._stale_error() from exc
        if isinstance(exc, DBAPIError) and _collided(exc):
            raise StaleRecord(
                "Someone else changed the same records at the same moment, and the database "
                "chose their change. Nothing was saved: reload and try again."
            ) from exc

    # ------------------------------------------------------------------ service helpers
    def add(self, record: Base, *, action: str | None = None, reason: str | None = None) -> None:
        """Add a new record; its audit event gets ``action`` (default ``create``)."""
        self.session.add(record)
        self.annotate(record, action=action, reason=reason)

    def insert(self, record: Base, *, action: str | None = None, reason: str | None = None) -> None:
        """Write a new record written once (not `Versioned`) now, with one INSERT and no ORM
        flush; its audit event (``action``, default ``create``) is the one ``add`` would give.

        The same text limits are checked first; column defaults are filled in on ``record``,
        which stays outside the session (for the hot paths: a scan at a station).
        """
        if isinstance(record, Versioned):
            raise TypeError("insert() is for records written once; use add() for versioned ones")
        check_record_text(record, changed_only=False)  # same limits as a flush
        values: dict[str, Any] = {}
        for attr in inspect(type(record)).column_attrs:
            column = attr.columns[0]
            value = getattr(record, attr.key)
            if value is None and column.default is not None:
                default = column.default
                value = default.arg(None) if default.is_callable else default.arg
                setattr(record, attr.key, value)
            values[column.key] = value
        self.session.connection().execute(insert(type(record)), values)
        self.annotate(record, action=action, reason=reason)
        self._capture(record, "create", {}, _column_values(record))

    def annotate(
        self, record: Base, *, action: str | None = None, reason: str | None = None
    ) -> None:
        """Name the action and reason the next audit event of ``record`` will carry."""
        self._overrides[id(record)] = _Override(action, reason)

    def record_event(
        self,
        action: str,
        record_type: str,
        record_id: str,
        *,
        old: dict[str, Any] | None = None,
        new: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        """Add an audit event that no row change produces (a sign-in, a refused scan)."""
        self._events.append(
            PendingEvent(
                action, record_type, record_id, values_of(old or {}), values_of(new or {}), reason
            )
        )

    def flush(self) -> None:
        """Flush pending changes (to obtain defaults) without committing."""
        try:
            self.session.flush()
        except StaleDataError as exc:
            self.session.rollback()
            raise self._stale_error() from exc

    def commit(self) -> None:
        """Flush, append the audit events, commit the transaction as a whole, then anchor.

        The anchor (the new chain head in a file outside the database) is written only after
        the commit succeeded: a crash in between leaves the database ahead of the anchor,
        which verify reports as such, never as tampering.
        """
        self.flush()
        head = append_to_chain(self.session.connection(), self.actor, self._events)
        self.session.commit()
        self._events.clear()
        self._committed = True
        if head is not None:
            anchor_head(self.database.engine.url, head)

    # ------------------------------------------------------------------ audit capture
    def _before_flush(self, session: Session, _context: Any, _instances: Any) -> None:
        for record in session.deleted:
            if isinstance(record, Base) and record.__audited__ and not _deletable(record):
                raise RecordNotDeletable(
                    f"A {type(record).__tablename__} record cannot be deleted: void it or "
                    "correct it with a reason instead."
                )
        for record in session.new:
            check_record_text(record, changed_only=False)  # same limits on both backends
            if isinstance(record, Versioned) and record.updated_by_id is None:
                record.updated_by_id = self.actor.user_id
        for record in session.dirty:
            check_record_text(record, changed_only=True)
            if isinstance(record, Versioned) and session.is_modified(record):
                record.updated_by_id = self.actor.user_id
                self._versioned.append((_model_of(record), record.id, record.version))

    def _after_flush(self, session: Session, _context: Any) -> None:
        for record in session.new:
            if _audited(record):
                self._capture(record, "create", {}, _column_values(record))
        for record in session.dirty:
            if _audited(record) and session.is_modified(record):
                old, new = _changes(record)
                if new:
                    self._capture(record, "update", old, new)
        for record in session.deleted:
            if _audited(record):
                self._capture(record, "delete", _column_values(record), {})

    def _capture(
        self, record: Base, default_action: str, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        override = self._overrides.pop(id(record), _Override(None, None))
        self._events.append(
            PendingEvent(
                action=override.action or default_action,
                record_type=type(record).__tablename__,
                record_id=record_key(record),
                old_values=values_of(old),
                new_values=values_of(new),
                reason=override.reason or self.reason,
            )
        )

    def expect_version(self, record: Versioned, seen_version: int) -> None:
        """Refuse the change when ``record`` moved on since the caller read ``seen_version``."""
        if record.version != seen_version:
            raise _stale_message(self.session, record)

    def _stale_error(self) -> StaleRecord:
        with self.database.read_session() as session:
            for model, record_id, seen_version in self._versioned:
                current = session.get(model, record_id)
                if isinstance(current, Versioned) and current.version != seen_version:
                    return _stale_message(session, current)
        return StaleRecord(
            "A record was changed by someone else after you opened it. Nothing was saved: "
            "reload and try again."
        )


# PostgreSQL's SQLSTATEs for a deadlock and a serialisation failure: two transactions that
# locked the same rows in opposite orders; the server rolled one back.
_COLLISIONS = frozenset({"40P01", "40001"})


def _collided(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in _COLLISIONS


def _stale_message(session: Session, current: Versioned) -> StaleRecord:
    """Name who changed ``current`` last, and when."""
    who = "another user"
    if current.updated_by_id is not None:
        user = session.scalar(select(User).where(User.id == current.updated_by_id))
        if user is not None:
            who = f"{user.full_name} ({user.username})"
    when = current.updated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    kind = str(_model_of(current).__tablename__).replace("_", " ")
    return StaleRecord(
        f"This {kind} was changed by {who} at {when} after you opened it. "
        "Nothing was saved: reload it and try again."
    )


def _model_of(record: Versioned) -> type[Base]:
    model = type(record)
    assert issubclass(model, Base)
    return model


def _audited(record: object) -> bool:
    return isinstance(record, Base) and record.__audited__


def _deletable(record: Base) -> bool:
    return bool(getattr(record, "__deletable__", False))


def record_key(record: Base) -> str:
    """The record's primary key as text (composite keys joined with ``/``)."""
    identity = inspect(record).identity
    if identity is None:
        mapper = inspect(type(record))
        identity = tuple(getattr(record, str(c.key)) for c in mapper.primary_key)
    return "/".join(str(part) for part in identity)


def _secret(column: Any) -> bool:
    return bool(column.info.get("secret"))


def _column_values(record: Base) -> dict[str, Any]:
    state = inspect(record)
    values: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        value = getattr(record, attr.key)
        values[attr.key] = "[secret]" if _secret(column) and value is not None else value
    return values


def _changes(record: Base) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(record)
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in {"version", "updated_at", "updated_by_id"}:
            continue
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        secret = _secret(attr.columns[0])
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        old[attr.key] = "[secret]" if secret and before is not None else before
        new[attr.key] = "[changed]" if secret else after
    return old, new
