"""User administration: accounts, roles, site, deactivation, unlock and password reset.

Administrators only (DESIGN.md §7). Every write is one unit of work and carries the version the
administrator saw, so an edit made on a stale screen is refused with who changed the account.
Accounts are never deleted: a person who leaves is deactivated and keeps their signatures.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import (
    CLINIC,
    MANUFACTURING,
    QUALITY,
    ROLE_NAMES,
    check_policy,
    check_role_combination,
    create_user,
    hash_password,
    require_role,
)
from app.core import (
    Actor,
    Database,
    NotFound,
    NotPermitted,
    UnitOfWork,
    ValidationFailed,
    ensure_standing,
)
from db.enums import Role, SiteKind
from db.models import Site, User, UserRole
from db.types import utc_now

__all__ = [
    "ROLE_NAMES",
    "Role",
    "SiteKind",
    "UserAccount",
    "add_account",
    "change_access",
    "deactivate_account",
    "list_accounts",
    "reactivate_account",
    "reset_password",
    "site_problem",
    "unlock_account",
]

_SITE_KIND_OF_ROLE: dict[Role, SiteKind] = {
    **dict.fromkeys(CLINIC, SiteKind.CLINIC),
    **dict.fromkeys(MANUFACTURING | QUALITY, SiteKind.MANUFACTURER),
}


@dataclass(frozen=True)
class UserAccount:
    """A user account as the Admin screen shows it (never the row, never the hash)."""

    id: uuid.UUID
    username: str
    full_name: str
    roles: frozenset[Role]
    site_code: str | None
    site_name: str | None
    active: bool
    locked: bool
    failed_logins: int
    last_login_at: datetime | None
    version: int

    @property
    def role_names(self) -> str:
        """The roles as printed names, in a fixed order."""
        return ", ".join(ROLE_NAMES[role] for role in sorted(self.roles)) or "no role"


def _account(user: User) -> UserAccount:
    return UserAccount(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        roles=user.role_set,
        site_code=user.site.code if user.site else None,
        site_name=user.site.name if user.site else None,
        active=user.active,
        locked=user.locked_at is not None,
        failed_logins=user.failed_logins,
        last_login_at=user.last_login_at,
        version=user.version,
    )


def list_accounts(database: Database, actor: Actor) -> list[UserAccount]:
    """Every account, active and deactivated, by user name (administrators only)."""
    require_role(actor, Role.ADMIN, doing="see the user accounts")
    with database.read_session() as session:
        ensure_standing(session, actor)
        return [_account(u) for u in session.scalars(select(User).order_by(User.username))]


def site_problem(roles: Iterable[Role], site_kind: SiteKind | None) -> str | None:
    """Why a user with ``roles`` cannot work at a site of ``site_kind`` (None: they can)."""
    working = sorted(frozenset(roles) - {Role.ADMIN})
    if working and site_kind is None:
        return f"The role {ROLE_NAMES[working[0]]} works at a site: choose the user's site."
    for role in working:
        needed = _SITE_KIND_OF_ROLE[role]
        if site_kind is not needed:
            return (
                f"The role {ROLE_NAMES[role]} works at a {needed.value} site, not at a "
                f"{site_kind} site. Choose another site or other roles."
            )
    return None


def _site_for(session: Session, site_code: str | None, roles: frozenset[Role]) -> Site | None:
    """The site named by ``site_code``, checked against what the roles need."""
    site = None
    if site_code:
        site = session.scalar(select(Site).where(Site.code == site_code))
        if site is None:
            raise NotFound(f"There is no site with code {site_code!r}.")
        if not site.active:
            raise ValidationFailed(f"Site {site.code} is not active: choose an active site.")
    problem = site_problem(roles, site.kind if site else None)
    if problem is not None:
        raise ValidationFailed(problem)
    return site


def _checked_roles(roles: Iterable[Role]) -> frozenset[Role]:
    role_set = frozenset(roles)
    if not role_set:
        raise ValidationFailed("A user needs at least one role: tick the roles they hold.")
    check_role_combination(role_set)
    return role_set


def _reason(reason: str, doing: str) -> str:
    if not reason.strip():
        raise ValidationFailed(f"Give the reason to {doing}: it is kept in the audit trail.")
    return reason.strip()


def _editable(uow: UnitOfWork, user_id: uuid.UUID, seen_version: int) -> User:
    user = uow.session.get(User, user_id)
    if user is None:
        raise NotFound("That user account does not exist. Refresh the list.")
    uow.expect_version(user, seen_version)
    return user


def _not_yourself(actor: Actor, user_id: uuid.UUID, doing: str) -> None:
    """Nobody grants themselves a role, a site, an active or an unlocked account."""
    if user_id == actor.user_id:
        raise NotPermitted(f"You cannot {doing}: another administrator must do it.")


def _access_values(roles: frozenset[Role], site_code: str | None) -> dict[str, object]:
    return {"roles": sorted(role.value for role in roles), "site": site_code}


def _touch(user: User) -> None:
    """Make the account's row change, so its version moves on with a role-only edit."""
    user.updated_at = utc_now()


def add_account(
    database: Database,
    actor: Actor,
    *,
    username: str,
    full_name: str,
    password: str,
    roles: Iterable[Role],
    site_code: str | None,
) -> UserAccount:
    """Create a user with their roles and site (administrators only).

    The administrator knows the first password, so the user must choose their own at first
    sign-in before doing anything else (nobody may act under a password someone else knows).
    """
    require_role(actor, Role.ADMIN, doing="create users")
    role_set = _checked_roles(roles)
    with UnitOfWork(database, actor) as uow:
        _site_for(uow.session, site_code, role_set)
        summary = create_user(
            uow,
            username=username,
            full_name=full_name,
            password=password,
            roles=role_set,
            site_code=site_code or None,
            must_change_password=True,
        )
        user = uow.session.get(User, summary.id)
        assert user is not None
        account = _account(user)
        uow.commit()
    return account


def change_access(
    database: Database,
    actor: Actor,
    user_id: uuid.UUID,
    *,
    roles: Iterable[Role],
    site_code: str | None,
    reason: str,
    seen_version: int,
) -> UserAccount:
    """Replace a user's roles and site (administrators only; never their own)."""
    require_role(actor, Role.ADMIN, doing="change users' roles")
    _not_yourself(actor, user_id, "change your own roles or site")
    role_set = _checked_roles(roles)
    why = _reason(reason, "change a user's roles or site")
    with UnitOfWork(database, actor) as uow:
        user = _editable(uow, user_id, seen_version)
        site = _site_for(uow.session, site_code, role_set)
        before = _access_values(user.role_set, user.site.code if user.site else None)
        for held in list(user.roles):
            if held.role not in role_set:
                user.roles.remove(held)
                uow.session.delete(held)  # in session.deleted, so its audit event is written
                uow.annotate(held, action="revoke role", reason=why)
        for role in sorted(role_set - user.role_set):
            uow.add(UserRole(user_id=user.id, role=role), action="grant role", reason=why)
        user.site = site
        _touch(user)
        uow.annotate(user, action="change site", reason=why)
        uow.record_event(
            "change access",
            "app_user",
            str(user.id),
            old=before,
            new=_access_values(role_set, site.code if site else None),
            reason=why,
        )
        uow.flush()
        uow.session.refresh(user)
        account = _account(user)
        uow.commit()
    return account


def _set_active(
    database: Database,
    actor: Actor,
    user_id: uuid.UUID,
    *,
    active: bool,
    reason: str,
    seen_version: int,
) -> UserAccount:
    verb = "reactivate" if active else "deactivate"
    require_role(actor, Role.ADMIN, doing=f"{verb} users")
    _not_yourself(actor, user_id, f"{verb} your own account")
    why = _reason(reason, f"{verb} the account")
    with UnitOfWork(database, actor) as uow:
        user = _editable(uow, user_id, seen_version)
        if user.active is active:
            state = "active" if active else "deactivated"
            raise ValidationFailed(f"The account {user.username!r} is already {state}.")
        user.active = active
        uow.annotate(user, action=verb, reason=why)
        uow.flush()
        account = _account(user)
        uow.commit()
    return account


def deactivate_account(
    database: Database, actor: Actor, user_id: uuid.UUID, *, reason: str, seen_version: int
) -> UserAccount:
    """Stop a user signing in; the account and its records stay (administrators only)."""
    return _set_active(
        database, actor, user_id, active=False, reason=reason, seen_version=seen_version
    )


def reactivate_account(
    database: Database, actor: Actor, user_id: uuid.UUID, *, reason: str, seen_version: int
) -> UserAccount:
    """Let a deactivated user sign in again (administrators only)."""
    return _set_active(
        database, actor, user_id, active=True, reason=reason, seen_version=seen_version
    )


def unlock_account(
    database: Database, actor: Actor, user_id: uuid.UUID, *, reason: str, seen_version: int
) -> UserAccount:
    """Unlock an account locked by failed passwords (administrators only)."""
    require_role(actor, Role.ADMIN, doing="unlock accounts")
    _not_yourself(actor, user_id, "unlock your own account")
    why = _reason(reason, "unlock the account")
    with UnitOfWork(database, actor) as uow:
        user = _editable(uow, user_id, seen_version)
        if user.locked_at is None:
            raise ValidationFailed(f"The account {user.username!r} is not locked.")
        user.locked_at = None
        user.failed_logins = 0
        uow.annotate(user, action="unlock", reason=why)
        uow.flush()
        account = _account(user)
        uow.commit()
    return account


def reset_password(
    database: Database,
    actor: Actor,
    user_id: uuid.UUID,
    *,
    new_password: str,
    reason: str,
    seen_version: int,
) -> UserAccount:
    """Give a user a new password, e.g. when they forgot theirs (administrators only).

    The user must replace it with their own at their next sign-in, unless the administrator
    reset their own password.
    """
    require_role(actor, Role.ADMIN, doing="reset other users' passwords")
    why = _reason(reason, "reset the password")
    check_policy(new_password)
    with UnitOfWork(database, actor) as uow:
        user = _editable(uow, user_id, seen_version)
        user.password_hash = hash_password(new_password)
        user.failed_logins = 0
        user.must_change_password = user_id != actor.user_id
        uow.annotate(user, action="password_reset", reason=why)
        uow.flush()
        account = _account(user)
        uow.commit()
    return account
