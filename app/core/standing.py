"""The acting user's standing, re-read from the database in every unit of work.

An :class:`~app.core.actor.Actor` is frozen at sign-in. What an administrator changes later —
deactivation, a lock, other roles or another site — must hold at the user's very next write,
not at their next sign-in. So every unit of work (and the case reads) re-reads the account and
refuses, with who changed it and when, before anything is written.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.core.actor import SYSTEM_USERNAME, Actor
from app.core.errors import NotPermitted
from db.models import AuditEvent, User, UserRole

ACCOUNT = User.__tablename__


def ensure_standing(
    session: Session, actor: Actor, *, lock: bool = False, password_change: bool = False
) -> None:
    """Refuse a person whose account is gone, deactivated, locked, must change its password,
    or no longer holds the roles and site it signed in with. The system actor always may act.

    ``lock`` (write transactions) holds a share lock on the account row until the transaction
    ends, so on PostgreSQL a deactivation waits for the user's write in flight and every later
    write sees it (SQLite's writers are serialised by ``BEGIN IMMEDIATE`` already).
    ``password_change`` lets only the change of a generated password through.
    """
    refusal = _problem(session, actor, lock=lock, password_change=password_change)
    if refusal is not None:
        raise NotPermitted(refusal)


_USER = User.__table__
_USER_ROLE = UserRole.__table__
# The account and its roles in one statement (one row per role; one row, role NULL, for none),
# built once: every unit of work runs it, the scan path's included.
_STANDING = (
    select(
        _USER.c.username,
        _USER.c.active,
        _USER.c.locked_at,
        _USER.c.must_change_password,
        _USER.c.site_id,
        _USER.c.version,
        _USER_ROLE.c.role,
    )
    .select_from(_USER.outerjoin(_USER_ROLE, _USER_ROLE.c.user_id == _USER.c.id))
    .where(_USER.c.id == bindparam("user_id"))
)
_STANDING_LOCKED = _STANDING.with_for_update(read=True, of=_USER)


def _problem(session: Session, actor: Actor, *, lock: bool, password_change: bool) -> str | None:
    if actor.user_id is None:
        return None
    query = _STANDING_LOCKED if lock else _STANDING
    rows = session.execute(query, {"user_id": actor.user_id}).all()
    if not rows:
        return f"The account {actor.username!r} does not exist any more: nothing was done."
    row = rows[0]
    roles = frozenset(r.role for r in rows if r.role is not None)
    if not row.active:
        by, at = _last_change(session, actor, ("deactivate",))
        return (
            f"Your account {row.username!r} was deactivated{by}{at}: nothing was done. "
            "Sign in again once an administrator has reactivated it."
        )
    if row.locked_at is not None:
        return (
            f"Your account {row.username!r} was locked at {_when(row.locked_at)} after repeated "
            "failed passwords: nothing was done. Ask an administrator to unlock it, then sign "
            "in again."
        )
    if row.must_change_password and not password_change:
        return (
            f"The password of {row.username!r} was generated for first use and must be changed "
            "before anything else: choose your own at sign-in, or with "
            f"`coi user passwd {row.username}`. Nothing was done."
        )
    if roles != actor.roles or row.site_id != actor.site_id:
        by, at = _last_change(session, actor, ("change access",))
        return (
            f"Your roles or site were changed{by}{at} after you signed in: nothing was done. "
            "Sign in again to work with your current access."
        )
    if actor.account_version is not None and row.version != actor.account_version:
        by, at = _last_change(session, actor, None)
        return (
            f"Your account {row.username!r} was changed{by}{at} after you signed in (for "
            "example reactivated, unlocked or given a new password): nothing was done. "
            "Sign in again."
        )
    return None


def _last_change(
    session: Session, actor: Actor, actions: tuple[str, ...] | None
) -> tuple[str, str]:
    """`` by NAME (user)`` and `` at TIME`` of the account's last audit event with one of
    ``actions`` (``None``: the last one a person made, not the sign-in bookkeeping)."""
    query = select(AuditEvent.username, AuditEvent.at).where(
        AuditEvent.record_type == ACCOUNT, AuditEvent.record_id == str(actor.user_id)
    )
    if actions is None:
        query = query.where(AuditEvent.username != SYSTEM_USERNAME)
    else:
        query = query.where(AuditEvent.action.in_(actions))
    event = session.execute(query.order_by(AuditEvent.seq.desc()).limit(1)).one_or_none()
    if event is None:
        return " (no audit event records by whom)", ""
    full_name = session.scalar(select(User.full_name).where(User.username == event.username))
    who = f"{full_name} ({event.username})" if full_name else str(event.username)
    return f" by {who}", f" at {_when(event.at)}"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
