"""Who is acting: the signed-in user at a station, as a frozen value."""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass

from db.enums import Role

SYSTEM_USERNAME = "system"


def default_station() -> str:
    """This workstation's name (the host name) for the audit trail."""
    return socket.gethostname() or "unknown-station"


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

    def has_role(self, *roles: Role) -> bool:
        """True when the actor holds any of ``roles``."""
        return bool(self.roles.intersection(roles))
