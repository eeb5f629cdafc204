"""Who is acting: the signed-in user at a station, as a frozen value."""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass

from db.enums import Role

SYSTEM_USERNAME = "system"

GMP_ROLES = frozenset(role for role in Role if role is not Role.ADMIN)
"""Every working role. The administrator combines with none of them (DESIGN.md §5, §7): the
manufacturing and quality roles make and release the product, and the clinic roles hold the
chain of identity at collection and at the bedside, all of it signed GMP record."""


def default_station() -> str:
    """This workstation's name (the host name) for the audit trail."""
    return socket.gethostname() or "unknown-station"


def combines_admin_with_gmp(roles: frozenset[Role]) -> bool:
    """True when ``roles`` hold the administrator role together with a GMP role."""
    return Role.ADMIN in roles and bool(roles & GMP_ROLES)


@dataclass(frozen=True)
class Actor:
    """The person (or the system) on whose behalf a service runs."""

    user_id: uuid.UUID | None
    username: str
    full_name: str
    roles: frozenset[Role]
    site_id: uuid.UUID | None
    site_name: str | None
    station: str
    must_change_password: bool = False
    """The password was generated for the account: nothing but changing it is allowed."""
    account_version: int | None = None
    """The account's row version at sign-in: any later change of the account by an
    administrator (or a password change) ends this sign-in. ``None`` for the system."""

    @classmethod
    def system(cls, station: str | None = None) -> Actor:
        """The application itself: migrations, first-time set-up."""
        return cls(
            user_id=None,
            username=SYSTEM_USERNAME,
            full_name="COI Tracker (system)",
            roles=frozenset(),
            site_id=None,
            site_name=None,
            station=station or default_station(),
        )

    @property
    def combines_admin_with_gmp(self) -> bool:
        """True when the account holds the administrator role and a GMP role (never allowed)."""
        return combines_admin_with_gmp(self.roles)

    def has_role(self, *roles: Role) -> bool:
        """True when the actor holds any of ``roles``.

        An account that combines the administrator role with GMP roles (written behind the
        application's back) acts as an administrator only: its GMP roles count for nothing.
        """
        held = frozenset({Role.ADMIN}) if self.combines_admin_with_gmp else self.roles
        return bool(held.intersection(roles))
