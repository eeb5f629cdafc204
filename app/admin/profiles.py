"""Temperature profiles as the administrator keeps them: list, create, change with a reason.

A profile is what every logger trace of a shipment is judged against (DESIGN.md §4), so a
change carries a reason for the audit trail and the version the administrator saw: an edit
made on a stale screen is refused, naming who changed the profile and when.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_role
from app.coldchain import TemperatureProfile as ProfileLimits
from app.coldchain import profile_from_record
from app.core import Actor, Database, NotFound, UnitOfWork, ValidationFailed
from db.enums import Role
from db.models import TemperatureProfile, User

NAME_LENGTH = 64


@dataclass(frozen=True)
class ProfileDraft:
    """What the administrator typed for a profile (°C and minutes; a limit may be open)."""

    name: str
    lower_c: float | None
    upper_c: float | None
    max_single_excursion_min: float
    max_cumulative_excursion_min: float
    max_gap_min: float
    mkt_judged: bool = False
    mkt_limit_c: float | None = None
    description: str = ""


@dataclass(frozen=True)
class ProfileView:
    """A stored profile, with who changed it last."""

    id: uuid.UUID
    name: str
    description: str
    lower_c: float | None
    upper_c: float | None
    max_single_excursion_min: float
    max_cumulative_excursion_min: float
    max_gap_min: float
    mkt_judged: bool
    mkt_limit_c: float | None
    version: int
    updated_at: datetime
    updated_by: str | None

    @property
    def limits(self) -> str:
        """The limits in words, e.g. ``2.0 to 8.0 °C`` or ``≤ -150.0 °C``."""
        return limits_text(self.lower_c, self.upper_c)

    def draft(self) -> ProfileDraft:
        """The profile's values as a draft to edit."""
        return ProfileDraft(
            name=self.name,
            lower_c=self.lower_c,
            upper_c=self.upper_c,
            max_single_excursion_min=self.max_single_excursion_min,
            max_cumulative_excursion_min=self.max_cumulative_excursion_min,
            max_gap_min=self.max_gap_min,
            mkt_judged=self.mkt_judged,
            mkt_limit_c=self.mkt_limit_c,
            description=self.description,
        )


def limits_text(lower_c: float | None, upper_c: float | None) -> str:
    """Open or closed limits in words."""
    if lower_c is not None and upper_c is not None:
        return f"{lower_c:.1f} to {upper_c:.1f} °C"
    if upper_c is not None:
        return f"≤ {upper_c:.1f} °C"
    if lower_c is not None:
        return f"≥ {lower_c:.1f} °C"
    return "no limits"


def _view(session: Session, row: TemperatureProfile) -> ProfileView:
    who = None
    if row.updated_by_id is not None:
        user = session.get(User, row.updated_by_id)
        who = f"{user.full_name} ({user.username})" if user else None
    return ProfileView(
        id=row.id,
        name=row.name,
        description=row.description,
        lower_c=row.lower_c,
        upper_c=row.upper_c,
        max_single_excursion_min=row.max_single_excursion_min,
        max_cumulative_excursion_min=row.max_cumulative_excursion_min,
        max_gap_min=row.max_gap_min,
        mkt_judged=row.mkt_judged,
        mkt_limit_c=row.mkt_limit_c,
        version=row.version,
        updated_at=row.updated_at,
        updated_by=who,
    )


def check_profile(draft: ProfileDraft) -> ProfileDraft:
    """The draft with its name trimmed; a clear refusal when a value cannot be judged against."""
    name = draft.name.strip()
    if not name or len(name) > NAME_LENGTH:
        raise ValidationFailed(f"A profile needs a name of 1 to {NAME_LENGTH} characters.")
    numbers = {
        "lower limit": draft.lower_c,
        "upper limit": draft.upper_c,
        "single excursion allowance": draft.max_single_excursion_min,
        "cumulative excursion allowance": draft.max_cumulative_excursion_min,
        "maximum gap": draft.max_gap_min,
        "MKT limit": draft.mkt_limit_c,
    }
    for label, value in numbers.items():
        if value is not None and not math.isfinite(value):
            raise ValidationFailed(f"The {label} must be a number.")
    if draft.lower_c is None and draft.upper_c is None:
        raise ValidationFailed("A profile needs a lower limit, an upper limit, or both.")
    if draft.lower_c is not None and draft.upper_c is not None and draft.lower_c >= draft.upper_c:
        raise ValidationFailed(
            f"The lower limit ({draft.lower_c} °C) must be below the upper limit "
            f"({draft.upper_c} °C)."
        )
    if draft.max_single_excursion_min < 0 or draft.max_cumulative_excursion_min < 0:
        raise ValidationFailed("Excursion allowances are minutes: they cannot be negative.")
    if draft.max_single_excursion_min > draft.max_cumulative_excursion_min:
        raise ValidationFailed(
            "The single excursion allowance cannot be longer than the cumulative allowance "
            "(all excursions of a shipment together)."
        )
    if draft.max_gap_min <= 0:
        raise ValidationFailed("The maximum gap between readings must be more than 0 minutes.")
    if draft.mkt_judged and draft.mkt_limit_c is None:
        raise ValidationFailed("To judge the mean kinetic temperature, give its limit in °C.")
    checked = ProfileDraft(
        name=name,
        lower_c=draft.lower_c,
        upper_c=draft.upper_c,
        max_single_excursion_min=draft.max_single_excursion_min,
        max_cumulative_excursion_min=draft.max_cumulative_excursion_min,
        max_gap_min=draft.max_gap_min,
        mkt_judged=draft.mkt_judged,
        mkt_limit_c=draft.mkt_limit_c if draft.mkt_judged else None,
        description=draft.description.strip(),
    )
    try:  # the analysis's own rules: a stored profile must always be usable by it
        _limits(checked)
    except ValueError as exc:
        raise ValidationFailed(f"The profile cannot be used to judge a trace: {exc}.") from exc
    return checked


def _refuse_taken_name(session: Session, name: str, own_id: uuid.UUID | None) -> None:
    other = session.scalar(select(TemperatureProfile).where(TemperatureProfile.name == name))
    if other is not None and other.id != own_id:
        raise ValidationFailed(f"A temperature profile named {name!r} already exists.")


def _store(row: TemperatureProfile, draft: ProfileDraft) -> None:
    row.name = draft.name
    row.description = draft.description
    row.lower_c = draft.lower_c
    row.upper_c = draft.upper_c
    row.max_single_excursion_min = draft.max_single_excursion_min
    row.max_cumulative_excursion_min = draft.max_cumulative_excursion_min
    row.max_gap_min = draft.max_gap_min
    row.mkt_judged = draft.mkt_judged
    row.mkt_limit_c = draft.mkt_limit_c


def list_profiles(database: Database, actor: Actor) -> list[ProfileView]:
    """Every temperature profile, by name (administrators only)."""
    require_role(actor, Role.ADMIN, doing="see the temperature profiles")
    with database.read_session() as session:
        rows = session.scalars(select(TemperatureProfile).order_by(TemperatureProfile.name))
        return [_view(session, row) for row in rows]


def create_profile(database: Database, actor: Actor, draft: ProfileDraft) -> ProfileView:
    """Add a temperature profile (administrators only)."""
    require_role(actor, Role.ADMIN, doing="create temperature profiles")
    checked = check_profile(draft)
    with UnitOfWork(database, actor) as uow:
        _refuse_taken_name(uow.session, checked.name, None)
        row = TemperatureProfile()
        _store(row, checked)
        uow.add(row)
        uow.flush()
        view = _view(uow.session, row)
        uow.commit()
    return view


def update_profile(
    database: Database,
    actor: Actor,
    profile_id: uuid.UUID,
    draft: ProfileDraft,
    *,
    reason: str,
    seen_version: int,
) -> ProfileView:
    """Change a profile's limits or allowances, with the reason (administrators only)."""
    require_role(actor, Role.ADMIN, doing="change temperature profiles")
    checked = check_profile(draft)
    if not reason.strip():
        raise ValidationFailed(
            "Give the reason for changing the profile: it is kept in the audit trail."
        )
    with UnitOfWork(database, actor) as uow:
        row = uow.session.get(TemperatureProfile, profile_id)
        if row is None:
            raise NotFound("That temperature profile does not exist. Refresh the list.")
        uow.expect_version(row, seen_version)
        _refuse_taken_name(uow.session, checked.name, row.id)
        if profile_from_record(row) == _limits(checked) and row.description == checked.description:
            raise ValidationFailed(f"Nothing was changed in profile {row.name!r}.")
        _store(row, checked)
        uow.annotate(row, action="change profile", reason=reason.strip())
        uow.flush()
        view = _view(uow.session, row)
        uow.commit()
    return view


def _limits(draft: ProfileDraft) -> ProfileLimits:
    return ProfileLimits(
        name=draft.name,
        lower_c=draft.lower_c,
        upper_c=draft.upper_c,
        max_single_excursion_min=draft.max_single_excursion_min,
        max_cumulative_excursion_min=draft.max_cumulative_excursion_min,
        max_gap_min=draft.max_gap_min,
        mkt_judged=draft.mkt_judged,
        mkt_limit_c=draft.mkt_limit_c,
    )
