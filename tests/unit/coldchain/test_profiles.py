"""Temperature profiles and their seeds."""

from __future__ import annotations

import dataclasses

import pytest

from app.coldchain.analysis.profiles import SEED_PROFILES, TemperatureProfile, seed_profile


def test_seed_values() -> None:
    assert [p.name for p in SEED_PROFILES] == ["cryo-lnd", "fresh-2-8", "ambient-15-25"]
    cryo, fresh, ambient = SEED_PROFILES
    assert (cryo.lower_c, cryo.upper_c, cryo.mkt_judged) == (None, -150.0, False)
    assert (cryo.max_single_excursion_min, cryo.max_cumulative_excursion_min) == (0, 0)
    assert (fresh.lower_c, fresh.upper_c, fresh.mkt_limit_c) == (2.0, 8.0, 8.0)
    assert (fresh.max_single_excursion_min, fresh.max_cumulative_excursion_min) == (15, 30)
    assert (ambient.lower_c, ambient.upper_c, ambient.mkt_limit_c) == (15.0, 25.0, 25.0)
    assert (ambient.max_single_excursion_min, ambient.max_cumulative_excursion_min) == (30, 60)
    assert all(p.max_gap_min == 15.0 for p in SEED_PROFILES)


def test_profiles_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        SEED_PROFILES[0].name = "x"  # type: ignore[misc]


def test_seed_lookup() -> None:
    assert seed_profile("fresh-2-8").upper_c == 8.0
    with pytest.raises(KeyError, match="cryo-lnd"):
        seed_profile("frozen")


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"lower_c": None, "upper_c": None}, "lower or an upper"),
        ({"lower_c": 8.0, "upper_c": 2.0}, "below the upper"),
        ({"max_single_excursion_min": -1.0}, "negative"),
        ({"max_gap_min": 0.0}, "positive"),
        ({"mkt_judged": True, "mkt_limit_c": None}, "MKT limit"),
    ],
)
def test_invalid_profiles(kwargs: dict[str, object], problem: str) -> None:
    base: dict[str, object] = {
        "name": "p",
        "lower_c": 2.0,
        "upper_c": 8.0,
        "max_single_excursion_min": 15.0,
        "max_cumulative_excursion_min": 30.0,
    }
    with pytest.raises(ValueError, match=problem):
        TemperatureProfile(**{**base, **kwargs})  # type: ignore[arg-type]
