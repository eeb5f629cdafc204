"""Users: creation, sign-in (lockout in ``lockout``), unlock and password change."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.access.lockout import MAX_FAILED_LOGINS, bookkeeping, evaluate_password
from app.access.passwords import check_policy, hash_password
from app.access.permissions import check_role_combination, require_role
from app.core import (
    AccountLocked,
    Actor,
    AuthenticationFailed,
    Database,
    NotFound,
    NotPermitted,
    UnitOfWork,
    ValidationFailed,
    text_problem,
)
from db.enums import Role
from db.models import Site, User, UserRole
from db.types import utc_now

__all__ = [
    "MAX_FAILED_LOGINS",
    "USERNAME_PATTERN",
    "UserSummary",
    "actor_for",
    "authenticate",
    "change_own_password",
    "check_password",
    "count_users",
    "create_first_admin",
    "create_user",
    "list_users",
    "set_password",
    "summarise",
    "unlock_user",
]

USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
USERNAME_LONGEST = 64


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
        must_change_password=user.must_change_password,
        account_version=user.version,
    )


def count_users(database: Database) -> int:
    """How many user accounts exist."""
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def _find_user(session: Session, username: str) -> User | None:
    name = username.strip().lower()
    if len(name) > USERNAME_LONGEST or text_problem(name) is not None:
        return None  # no user has such a name (and PostgreSQL cannot even compare a NUL)
    return session.scalar(select(User).where(User.username == name))


def _new_user(
    uow: UnitOfWork,
    *,
    username: str,
    full_name: str,
    password: str,
    roles: Iterable[Role],
    site_code: str | None,
    must_change_password: bool = False,
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
    check_role_combination(role_set)
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
        must_change_password=must_change_password,
    )
    uow.add(user)
    uow.flush()
    for role in sorted(role_set):
        uow.add(UserRole(user_id=user.id, role=role))
    uow.flush()
    uow.session.refresh(user)
    return user


def create_first_admin(
    database: Database,
    username: str,
    full_name: str,
    password: str,
    station: str,
    *,
    must_change_password: bool = False,
) -> UserSummary:
    """Create the first administrator of an empty database (``coi init``).

    A generated password (``must_change_password``) must be changed before anything else.
    """
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
            must_change_password=must_change_password,
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
    must_change_password: bool = False,
) -> UserSummary:
    """Create a user (administrators only); ``must_change_password`` for a password the
    administrator chose, which the user replaces at first sign-in."""
    require_role(uow.actor, Role.ADMIN, doing="create users")
    user = _new_user(
        uow,
        username=username,
        full_name=full_name,
        password=password,
        roles=roles,
        site_code=site_code,
        must_change_password=must_change_password,
    )
    return summarise(user)


def check_password(database: Database, user_id: uuid.UUID, password: str, station: str) -> None:
    """Re-authenticate a known user outside any open transaction; failures count."""
    evaluate_password(database, user_id, password, station)
    with UnitOfWork(database, Actor.system(station)) as uow:
        user = uow.session.get(User, user_id)
        assert user is not None
        bookkeeping(uow, user, "password_confirmed", None, failed_logins=0)
        uow.commit()


def authenticate(database: Database, username: str, password: str, station: str) -> Actor:
    """Sign in: check the password, reset the failure count, record the sign-in."""
    unknown = AuthenticationFailed("The user name or password is wrong. Check both and try again.")
    with database.read_session() as session:
        user = _find_user(session, username)
        if user is None:
            raise unknown
        user_id = user.id
    try:
        evaluate_password(database, user_id, password, station)
    except AccountLocked:
        raise
    except AuthenticationFailed:
        raise unknown from None
    with UnitOfWork(database, Actor.system(station)) as uow:
        user = uow.session.get(User, user_id)
        assert user is not None
        actor = actor_for(user, station)
        bookkeeping(uow, user, "sign_in", None, failed_logins=0, last_login_at=utc_now())
        uow.commit()
    return actor


def sign_out(database: Database, actor: Actor, reason: str | None = None) -> None:
    """Record that ``actor`` signed out (from the window, or from the idle lock)."""
    if actor.user_id is None:
        raise NotPermitted("Only a signed-in person can sign out.")
    with UnitOfWork(database, actor) as uow:
        uow.record_event("sign_out", User.__tablename__, str(actor.user_id), reason=reason)
        uow.commit()


def unlock_user(uow: UnitOfWork, username: str, reason: str) -> UserSummary:
    """Unlock an account and reset its failure count (administrators only)."""
    require_role(uow.actor, Role.ADMIN, doing="unlock accounts")
    if not reason.strip():
        raise ValidationFailed("Give the reason for unlocking the account.")
    user = _find_user(uow.session, username)
    if user is None:
        raise NotFound(f"There is no user {username!r}.")
    if user.id == uow.actor.user_id:
        raise NotPermitted("You cannot unlock your own account: another administrator must.")
    user.locked_at = None
    user.failed_logins = 0
    uow.annotate(user, action="unlock", reason=reason)
    uow.flush()
    return summarise(user)


def set_password(uow: UnitOfWork, username: str, new_password: str) -> None:
    """Set a user's password (administrators, or the user for their own account); a password
    set for someone else must be replaced by them at their next sign-in."""
    user = _find_user(uow.session, username)
    if user is None:
        raise NotFound(f"There is no user {username!r}.")
    someone_else = user.id != uow.actor.user_id
    if someone_else:
        require_role(uow.actor, Role.ADMIN, doing="change another user's password")
    check_policy(new_password)
    user.password_hash = hash_password(new_password)
    user.must_change_password = someone_else
    uow.annotate(user, action="password_change")
    uow.flush()


def change_own_password(
    database: Database, actor: Actor, current_password: str, new_password: str
) -> Actor:
    """Change the signed-in user's own password, also a generated one that must be changed.

    The current password is checked again (a failure counts towards the lock), the new one
    must meet the policy and differ from it. Returns the actor as it now stands.
    """
    if actor.user_id is None:
        raise NotPermitted("Only a signed-in person has a password to change.")
    check_policy(new_password)
    if new_password == current_password:
        raise ValidationFailed("Choose a new password that differs from the current one.")
    evaluate_password(database, actor.user_id, current_password, actor.station)
    with UnitOfWork(database, actor, password_change=True) as uow:
        user = uow.session.get(User, actor.user_id)
        assert user is not None  # the unit of work has just read it
        user.password_hash = hash_password(new_password)
        user.must_change_password = False
        user.failed_logins = 0
        uow.annotate(user, action="password_change", reason="changed by the user")
        uow.flush()
        changed = actor_for(user, actor.station)
        uow.commit()
    return changed


def list_users(database: Database) -> list[UserSummary]:
    """Every user, by user name."""
    with database.read_session() as session:
        return [summarise(u) for u in session.scalars(select(User).order_by(User.username))]
