"""Lockout: every password attempt is counted in the database before it is evaluated.

``failed_logins`` is only ever raised by ``UPDATE ... SET failed_logins = failed_logins + 1
... RETURNING failed_logins``, so parallel attempts (several stations, a script) cannot lose
increments, and the lock is decided on the number the database returned.
"""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from sqlalchemy import select, update

from app.access.passwords import verify_password
from app.core import AccountLocked, Actor, AuthenticationFailed, Database, UnitOfWork
from db.models import User
from db.types import utc_now

MAX_FAILED_LOGINS = 5
ACCOUNT = User.__tablename__


def _locked_message(username: str) -> str:
    """The refusal for a locked account."""
    return (
        f"The account {username!r} is locked after {MAX_FAILED_LOGINS} failed passwords. "
        "Ask an administrator to unlock it."
    )


def _count_attempt(database: Database, user_id: uuid.UUID, username: str, station: str) -> int:
    """Count one password attempt before it is evaluated (own transaction); return its number.

    The count is raised in the database (``failed_logins = failed_logins + 1 ... RETURNING``),
    never read, added to and written back, and only while it is below the limit: of any number
    of parallel attempts at most ``MAX_FAILED_LOGINS`` are evaluated; the others are refused
    without their password being looked at. An attempt counts as failed until it succeeds (a
    success resets the count), so attempts still being checked count towards the limit.
    """
    with UnitOfWork(database, Actor.system(station)) as uow:
        attempt = uow.session.execute(
            update(User)
            .where(
                User.id == user_id,
                User.active.is_(True),
                User.locked_at.is_(None),
                User.failed_logins < MAX_FAILED_LOGINS,
            )
            .values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if attempt is None:  # nothing was written: the transaction rolls back
            locked_at = uow.session.scalar(select(User.locked_at).where(User.id == user_id))
            if locked_at is not None:
                raise AccountLocked(_locked_message(username))
            raise AccountLocked(
                f"Too many passwords for {username!r} are being checked at once: this one was "
                f"not. Try again in a moment; after {MAX_FAILED_LOGINS} failed passwords the "
                "account locks."
            )
        uow.record_event(
            "password_check",
            ACCOUNT,
            str(user_id),
            old={"failed_logins": attempt - 1},
            new={"failed_logins": attempt},
        )
        uow.commit()
    return attempt


def _record_failure(uow: UnitOfWork, user_id: uuid.UUID, attempt: int) -> bool:
    """Record a wrong password counted as ``attempt``; lock at the limit. True when locked.

    The lock is decided on the number the database returned for this attempt, so parallel
    attempts cannot talk each other out of it.
    """
    if attempt < MAX_FAILED_LOGINS:
        uow.record_event(
            "password_failed",
            ACCOUNT,
            str(user_id),
            new={"failed_logins": attempt},
            reason="wrong password",
        )
        return False
    now = utc_now()
    locked = uow.session.execute(
        update(User)
        .where(User.id == user_id, User.locked_at.is_(None))
        .values(locked_at=now)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).first()
    if locked is not None:
        uow.record_event(
            "lock",
            ACCOUNT,
            str(user_id),
            old={"locked_at": None},
            new={"locked_at": now, "failed_logins": attempt},
            reason=f"{MAX_FAILED_LOGINS} failed passwords",
        )
    return True


def refuse_wrong_password(
    database: Database, user_id: uuid.UUID, username: str, station: str
) -> NoReturn:
    """Count a wrong password evaluated elsewhere (own transaction) and raise the refusal.

    The increment is atomic (``UPDATE ... RETURNING``) and the lock follows the number it
    returns.
    """
    with UnitOfWork(database, Actor.system(station)) as uow:
        attempt = uow.session.execute(
            update(User)
            .where(User.id == user_id, User.locked_at.is_(None))
            .values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        locked = attempt is None or _record_failure(uow, user_id, attempt)
        uow.commit()
    if locked:
        raise AccountLocked(_locked_message(username))
    raise AuthenticationFailed("The password is wrong. Check it and try again.")


def ensure_may_sign_in(user: User | None) -> User:
    """Refuse deactivated, missing and locked accounts."""
    if user is None or not user.active:
        raise AuthenticationFailed("This account does not exist or is deactivated.")
    if user.locked_at is not None:
        raise AccountLocked(_locked_message(user.username))
    return user


def evaluate_password(database: Database, user_id: uuid.UUID, password: str, station: str) -> None:
    """Count the attempt, then check the password; a wrong one is recorded and refused.

    Each step is its own transaction and none is open while the (deliberately slow) hash is
    checked, so a password check never holds a lock another station waits on.
    """
    with database.read_session() as session:
        user = ensure_may_sign_in(session.get(User, user_id))
        username, password_hash = user.username, user.password_hash
    attempt = _count_attempt(database, user_id, username, station)
    if verify_password(password_hash, password):
        return
    with UnitOfWork(database, Actor.system(station)) as uow:
        locked = _record_failure(uow, user_id, attempt)
        uow.commit()
    if locked:
        raise AccountLocked(_locked_message(username))
    raise AuthenticationFailed("The password is wrong. Check it and try again.")


def bookkeeping(
    uow: UnitOfWork, user: User, action: str, reason: str | None, **values: Any
) -> None:
    """Update sign-in bookkeeping on ``user`` without moving its row version, and audit it.

    A sign-in is not an edit of the account: an administrator who has the account open is not
    refused for it, and nothing of theirs can overwrite it (their update names its columns).
    """
    old = {key: getattr(user, key) for key in values}
    uow.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    uow.record_event(action, User.__tablename__, str(user.id), old=old, new=values, reason=reason)
