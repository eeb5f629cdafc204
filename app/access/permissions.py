"""Role and site checks used by every service before it acts."""

from __future__ import annotations

import uuid

from app.core import GMP_ROLES, Actor, NotPermitted, ValidationFailed, combines_admin_with_gmp
from db.enums import Role

ROLE_NAMES: dict[Role, str] = {
    Role.ADMIN: "Administrator",
    Role.CLINIC_COORDINATOR: "Clinic coordinator",
    Role.APHERESIS_NURSE: "Apheresis nurse",
    Role.INFUSION_NURSE: "Infusion nurse",
    Role.MFG_OPERATOR: "Manufacturing operator",
    Role.MFG_VERIFIER: "Manufacturing verifier / supervisor",
    Role.QC_ANALYST: "QC analyst",
    Role.QA: "Quality assurance",
    Role.QP: "Qualified Person",
}

IDENTITY_ROLES = frozenset({Role.CLINIC_COORDINATOR, Role.APHERESIS_NURSE, Role.INFUSION_NURSE})
"""Roles that may see patient name, date of birth and hospital number (DESIGN.md §5, §7)."""


def parse_role(text: str) -> Role:
    """The role named by ``text`` (its code, e.g. ``qp``); a clear error when unknown."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        known = ", ".join(role.value for role in Role)
        raise ValidationFailed(f"Unknown role {text!r}. Known roles: {known}.") from None


def check_role_combination(roles: frozenset[Role]) -> None:
    """Refuse the administrator role combined with any GMP role (DESIGN.md §5)."""
    if combines_admin_with_gmp(roles):
        working = ", ".join(ROLE_NAMES[r] for r in sorted(roles & GMP_ROLES))
        raise ValidationFailed(
            f"The Administrator role cannot be combined with {working}: an administrator "
            "manages accounts and performs and signs no GMP operation. Give the person a "
            "separate account for their GMP work."
        )


def require_role(actor: Actor, *roles: Role, doing: str) -> None:
    """Refuse unless the actor holds one of ``roles``.

    An account combining the administrator role with GMP roles (which the services never
    create) is refused every GMP operation, with the reason.
    """
    if actor.combines_admin_with_gmp and not actor.has_role(*roles):
        raise NotPermitted(
            f"Your account {actor.username!r} combines the Administrator role with GMP roles, "
            f"which is never allowed, so you may not {doing}. Another administrator must "
            "remove one of them; use a separate account for GMP work."
        )
    if not actor.has_role(*roles):
        needed = " or ".join(ROLE_NAMES[r] for r in roles)
        raise NotPermitted(
            f"Only a user with the role {needed} may {doing}; "
            f"you are signed in as {actor.username}."
        )


def require_site(actor: Actor, site_id: uuid.UUID, *, doing: str) -> None:
    """Refuse unless the operation happens at the actor's own site."""
    if actor.site_id != site_id:
        raise NotPermitted(
            f"You may {doing} only at your own site ({actor.site_name or 'none assigned'})."
        )


def may_see_identity(actor: Actor) -> bool:
    """True when the actor's role allows seeing patient identity."""
    return actor.has_role(*IDENTITY_ROLES)
