"""Temperature profiles: limits and allowances a shipment is judged against, and the seeds."""

from __future__ import annotations

from dataclasses import dataclass

# Maximum logging gap for the seeds: 15 minutes. Shipping loggers are set to log every
# 1-15 minutes, so a longer silence means missing data. For fresh-2-8 it equals the single
# excursion allowance, so an excursion hidden between two in-limit readings would be shorter
# than the allowance. Cryogenic shippers log at the same rate; for them no excursion is allowed.
DEFAULT_MAX_GAP_MIN = 15.0


@dataclass(frozen=True)
class TemperatureProfile:
    """Limits (°C, either may be open) and allowances (minutes) for one kind of shipment."""

    name: str
    lower_c: float | None
    upper_c: float | None
    max_single_excursion_min: float
    max_cumulative_excursion_min: float
    max_gap_min: float = DEFAULT_MAX_GAP_MIN
    mkt_judged: bool = False
    mkt_limit_c: float | None = None

    def __post_init__(self) -> None:
        if self.lower_c is None and self.upper_c is None:
            raise ValueError(f"profile {self.name!r} needs a lower or an upper limit")
        if self.lower_c is not None and self.upper_c is not None and self.lower_c >= self.upper_c:
            raise ValueError(f"profile {self.name!r}: lower limit must be below the upper limit")
        if min(self.max_single_excursion_min, self.max_cumulative_excursion_min) < 0:
            raise ValueError(f"profile {self.name!r}: allowances cannot be negative")
        if self.max_gap_min <= 0:
            raise ValueError(f"profile {self.name!r}: the maximum gap must be positive")
        if self.mkt_judged and self.mkt_limit_c is None:
            raise ValueError(f"profile {self.name!r}: a judged MKT needs an MKT limit")


CRYO_LN2_VAPOUR = TemperatureProfile(
    name="cryo-lnd",
    lower_c=None,
    upper_c=-150.0,
    max_single_excursion_min=0.0,
    max_cumulative_excursion_min=0.0,
)
FRESH_2_8 = TemperatureProfile(
    name="fresh-2-8",
    lower_c=2.0,
    upper_c=8.0,
    max_single_excursion_min=15.0,
    max_cumulative_excursion_min=30.0,
    mkt_judged=True,
    mkt_limit_c=8.0,
)
AMBIENT_15_25 = TemperatureProfile(
    name="ambient-15-25",
    lower_c=15.0,
    upper_c=25.0,
    max_single_excursion_min=30.0,
    max_cumulative_excursion_min=60.0,
    mkt_judged=True,
    mkt_limit_c=25.0,
)

SEED_PROFILES: tuple[TemperatureProfile, ...] = (CRYO_LN2_VAPOUR, FRESH_2_8, AMBIENT_15_25)


SEED_PROFILE_WORDS = {
    "cryo-lnd": "Cryopreserved, LN2 vapour",
    "fresh-2-8": "Fresh, refrigerated 2–8 °C",
    "ambient-15-25": "Controlled ambient 15–25 °C",
}
"""What a seeded profile's code means, for screens (an administrator's description wins)."""


def profile_words(name: str, description: str = "") -> str:
    """A profile named for people: its description's first line, else the seed's words, else
    its name."""
    first = description.strip().splitlines()[0].strip() if description.strip() else ""
    return first or SEED_PROFILE_WORDS.get(name, name)


def seed_profile(name: str) -> TemperatureProfile:
    """The seed profile with this name (raises KeyError listing the names)."""
    for profile in SEED_PROFILES:
        if profile.name == name:
            return profile
    names = ", ".join(p.name for p in SEED_PROFILES)
    raise KeyError(f"no temperature profile {name!r}; seeds are {names}")
