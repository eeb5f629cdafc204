"""Users: creation, sign-in with lockout, unlock and password change."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.access.passwords import check_policy, hash_password, verify_password
from app.access.permissions import require_role
from app.core import (
    AccountLocked,
    Actor,
    AuthenticationFailed,
    Database,
    NotFound,
    UnitOfWork,
    ValidationFailed,
)
from db.enums import Role
from db.models import Site, User, UserRole
from db.types import utc_now

MAX_FAILED_LOGINS = 5
USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class UserSummary:
    """A user as services return it (never the ORM row, never the hash)."""

    id: uuid.UUID
    username: str
    full_name: str
    roles: frozenset[Role]
    site_code: str | None
    active: bool
    locked: bool
    failed_logins: int
    last_login_at: datetime | None


def summarise(user: User) -> UserSummary:
    """Freeze a user row into a summary."""
    return UserSummary(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        roles=user.role_set,
        site_code=user.site.code if user.site else None,
        active=user.active,
        locked=user.locked_at is not None,
        failed_logins=user.failed_logins,
        last_login_at=user.last_login_at,
    )


def actor_for(user: User, station: str) -> Actor:
    """The acting identity of a signed-in user."""
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        roles=user.role_set,
        site_id=user.site_id,
        site_name=user.site.name if user.site else None,
        station=station,
    )


def count_users(database: Database) -> int:
    """How many user accounts exist."""
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def _find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def _new_user(
    uow: UnitOfWork,
    *,
    username: str,
    full_name: str,
    password: str,
    roles: Iterable[Role],
    site_code: str | None,
) -> User:
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise ValidationFailed(
            f"User name {username!r} is not valid: use 2–64 lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter."
        )
    if not full_name.strip():
        raise ValidationFailed("A user needs a full name: it is printed beside their signatures.")
    role_set = frozenset(roles)
    if not role_set:
        raise ValidationFailed("A user needs at least one role.")
    check_policy(password)
    if _find_user(uow.session, username) is not None:
        raise ValidationFailed(f"User name {username!r} is already taken.")
    site = None
    if site_code is not None:
        site = uow.session.scalar(select(Site).where(Site.code == site_code))
        if site is None:
            raise NotFound(f"There is no site with code {site_code!r}.")
    user = User(
        username=username,
        full_name=full_name.strip(),
        site_id=site.id if site else None,
        password_hash=hash_password(password),
        failed_logins=0,
        active=True,
    )
    uow.add(user)
    uow.flush()
    for role in sorted(role_set):
        uow.add(UserRole(user_id=user.id, role=role))
    uow.flush()
    uow.session.refresh(user)
    return user


def create_first_admin(
    database: Database, username: str, full_name: str, password: str, station: str
) -> UserSummary:
    """Create the first administrator of an empty database (``coi init``)."""
    with UnitOfWork(database, Actor.system(station)) as uow:
        if uow.session.scalar(select(func.count()).select_from(User)):
            raise ValidationFailed("Users already exist: the first administrator is set up.")
        user = _new_user(
            uow,
            username=username,
            full_name=full_name,
            password=password,
            roles=[Role.ADMIN],
            site_code=None,
        )
        summary = summarise(user)
        uow.commit()
    return summary


def create_user(
    uow: UnitOfWork,
    *,
    username: str,
    full_name: str,
    password: str,
    roles: Iterable[Role],
    site_code: str | None = None,
) -> UserSummary:
    """Create a user (administrators only)."""
    require_role(uow.actor, Role.ADMIN, doing="create users")
    user = _new_user(
        uow,
        username=username,
        full_name=full_name,
        password=password,
        roles=roles,
        site_code=site_code,
    )
    return summarise(user)


def _record_failure(database: Database, user_id: uuid.UUID, station: str, why: str) -> bool:
    """Count a failed password in its own transaction; return True if the account is now locked."""
    with UnitOfWork(database, Actor.system(station)) as uow:
        user = uow.session.get(User, user_id)
        assert user is not None
        failures = user.failed_logins + 1
        if failures >= MAX_FAILED_LOGINS and user.locked_at is None:
            user.failed_logins = failures
            user.locked_at = utc_now()
            uow.annotate(user, action="lock", reason=f"{MAX_FAILED_LOGINS} failed passwords")
        else:
            _bookkeeping(uow, user, "password_failed", why, failed_logins=failures)
        uow.commit()
        return user.locked_at is not None


def _locked_message(username: str) -> str:
    return (
        f"The account {username!r} is locked after {MAX_FAILED_LOGINS} failed passwords. "
        "Ask an administrator to unlock it."
    )


def refuse_wrong_password(
    database: Database, user_id: uuid.UUID, username: str, station: str
) -> NoReturn:
    """Count a wrong password (own transaction) and raise the matching refusal."""
    if _record_failure(database, user_id, station, "wrong password"):
        raise AccountLocked(_locked_message(username))
    raise AuthenticationFailed("The password is wrong. Check it and try again.")


def ensure_may_sign_in(user: User | None) -> User:
    """Refuse deactivated, missing and locked accounts."""
    if user is None or not user.active:
        raise AuthenticationFailed("This account does not exist or is deactivated.")
    if user.locked_at is not None:
        raise AccountLocked(_locked_message(user.username))
    return user


def check_password(database: Database, user_id: uuid.UUID, password: str, station: str) -> None:
    """Re-authenticate a known user outside any open transaction; failures count."""
    with database.read_session() as session:
        user = ensure_may_sign_in(session.get(User, user_id))
        if verify_password(user.password_hash, password):
            return
        username = user.username
    refuse_wrong_password(database, user_id, username, station)


def authenticate(database: Database, username: str, password: str, station: str) -> Actor:
    """Sign in: check the password, reset the failure count, record the sign-in."""
    unknown = AuthenticationFailed("The user name or password is wrong. Check both and try again.")
    with database.read_session() as session:
        user = _find_user(session, username)
        if user is None:
            raise unknown
        user_id = user.id
    try:
        check_password(database, user_id, password, station)
    except AccountLocked:
        raise
    except AuthenticationFailed:
        raise unknown from None
    with UnitOfWork(database, Actor.system(station)) as uow:
        user = uow.session.get(User, user_id)
        assert user is not None
        actor = actor_for(user, station)
        _bookkeeping(uow, user, "sign_in", None, failed_logins=0, last_login_at=utc_now())
        uow.commit()
    return actor


def _bookkeeping(
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


def unlock_user(uow: UnitOfWork, username: str, reason: str) -> UserSummary:
    """Unlock an account and reset its failure count (administrators only)."""
    require_role(uow.actor, Role.ADMIN, doing="unlock accounts")
    if not reason.strip():
        raise ValidationFailed("Give the reason for unlocking the account.")
    user = _find_user(uow.session, username)
    if user is None:
        raise NotFound(f"There is no user {username!r}.")
    user.locked_at = None
    user.failed_logins = 0
    uow.annotate(user, action="unlock", reason=reason)
    uow.flush()
    return summarise(user)


def set_password(uow: UnitOfWork, username: str, new_password: str) -> None:
    """Set a user's password (administrators, or the user for their own account)."""
    user = _find_user(uow.session, username)
    if user is None:
        raise NotFound(f"There is no user {username!r}.")
    if user.id != uow.actor.user_id:
        require_role(uow.actor, Role.ADMIN, doing="change another user's password")
    check_policy(new_password)
    user.password_hash = hash_password(new_password)
    uow.annotate(user, action="password_change")
    uow.flush()


def list_users(database: Database) -> list[UserSummary]:
    """Every user, by user name."""
    with database.read_session() as session:
        return [summarise(u) for u in session.scalars(select(User).order_by(User.username))]
