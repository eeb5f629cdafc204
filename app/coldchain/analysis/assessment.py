"""Assessment of a trace against a temperature profile: excursions, gaps, MKT and verdict.

Definitions (issue 5):
- Between readings at most `max_gap_min` apart the temperature is interpolated linearly;
  readings further apart bound a gap, which is reported and not interpolated.
- An excursion is a maximal interval where the interpolated temperature is strictly above the
  upper or strictly below the lower limit; it starts and ends at the exact crossing, or at a
  reading next to a gap. A reading beyond a limit with gaps (or nothing) on both sides is an
  excursion of zero length.
- Readings must be sorted (a Trace is); equal timestamps make a zero-length interval.
- Window: readings outside [start, end] are dropped. An edge inside an interpolated interval
  gets an interpolated point (not counted in `readings`); an edge inside a gap reports the part
  of the gap within the window; an edge before the first (after the last) reading reports the
  uncovered stretch as a gap when it is longer than the maximum gap.
- Verdict: "excursion" when an excursion lasts longer than the single allowance, the total
  longer than the cumulative allowance (an allowance of 0 allows no excursion at all, even a
  zero-length one), or a judged MKT is above its limit; else "incomplete" when there is any
  gap; else "within_limits". Durations are compared with a tolerance of 1e-6 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np

from app.coldchain.analysis.errors import AssessmentError
from app.coldchain.analysis.excursions import (
    FloatArray,
    Side,
    excursion_runs,
    joined_intervals,
    mean_kinetic_temperature,
    reading_weights,
    time_weighted_mean,
)
from app.coldchain.analysis.profiles import TemperatureProfile
from app.coldchain.analysis.trace import Trace, format_utc

Verdict = Literal["within_limits", "excursion", "incomplete"]
TOLERANCE_MIN = 1e-6


@dataclass(frozen=True)
class Interval:
    """A span of time between `start_s` and `end_s` (UTC epoch seconds)."""

    start_s: float
    end_s: float

    @property
    def duration_min(self) -> float:
        """Length in minutes."""
        return (self.end_s - self.start_s) / 60.0

    def to_report(self) -> dict[str, Any]:
        """JSON-ready form with ISO 8601 UTC times."""
        return {
            "start": format_utc(self.start_s),
            "end": format_utc(self.end_s),
            "duration_min": self.duration_min,
        }


@dataclass(frozen=True)
class Excursion(Interval):
    """One excursion, with its peak (highest above, lowest below)."""

    peak_c: float
    side: Side

    def to_report(self) -> dict[str, Any]:
        """JSON-ready form with ISO 8601 UTC times, peak and side."""
        return {**super().to_report(), "peak_c": self.peak_c, "side": self.side}


@dataclass(frozen=True)
class Gap(Interval):
    """Missing data: no interpolation between `start_s` and `end_s`."""


@dataclass(frozen=True)
class Assessment:
    """The result of assessing one trace against one profile."""

    profile_name: str
    readings: int
    start_s: float
    end_s: float
    min_c: float
    max_c: float
    mean_c: float
    time_above_min: float
    time_below_min: float
    excursions: tuple[Excursion, ...]
    gaps: tuple[Gap, ...]
    mkt_c: float
    verdict: Verdict

    @property
    def start(self) -> datetime:
        """Start of the assessed span (UTC)."""
        return datetime.fromtimestamp(self.start_s, UTC)

    @property
    def end(self) -> datetime:
        """End of the assessed span (UTC)."""
        return datetime.fromtimestamp(self.end_s, UTC)

    @property
    def duration_min(self) -> float:
        """Length of the assessed span in minutes."""
        return (self.end_s - self.start_s) / 60.0

    @property
    def longest_excursion_min(self) -> float:
        """Longest single excursion in minutes (0 when none)."""
        return max((e.duration_min for e in self.excursions), default=0.0)

    @property
    def cumulative_excursion_min(self) -> float:
        """Total time beyond either limit in minutes."""
        return self.time_above_min + self.time_below_min

    def to_report(self) -> dict[str, Any]:
        """The report `coi logger analyze` prints as JSON (times ISO 8601 UTC ending in Z)."""
        return {
            "readings": self.readings,
            "start": format_utc(self.start_s),
            "end": format_utc(self.end_s),
            "duration_min": self.duration_min,
            "min_c": self.min_c,
            "max_c": self.max_c,
            "mean_c": self.mean_c,
            "time_above_min": self.time_above_min,
            "time_below_min": self.time_below_min,
            "excursions": [e.to_report() for e in self.excursions],
            "longest_excursion_min": self.longest_excursion_min,
            "cumulative_excursion_min": self.cumulative_excursion_min,
            "gaps": [g.to_report() for g in self.gaps],
            "mkt_c": self.mkt_c,
            "verdict": self.verdict,
        }


def assess(
    trace: Trace,
    profile: TemperatureProfile,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Assessment:
    """Assess a trace against a profile, optionally trimmed to the window start → end."""
    if len(trace) == 0:
        raise AssessmentError(f"{trace.source_name}: the file holds no temperature readings")
    window = _trim(trace.times_s, trace.temps_c, profile.max_gap_min * 60.0, start, end)
    times, temps = window.times, window.temps
    joined = joined_intervals(times, profile.max_gap_min * 60.0)
    excursions: list[Excursion] = []
    beyond: dict[Side, float] = {"above": 0.0, "below": 0.0}
    sides: tuple[tuple[float | None, Side], ...] = (
        (profile.upper_c, "above"),
        (profile.lower_c, "below"),
    )
    for limit, side in sides:
        if limit is None:
            continue
        runs = excursion_runs(times, temps, joined, limit, side)
        beyond[side] = float(np.sum(runs.ends - runs.starts)) / 60.0
        excursions += [
            Excursion(s, e, p, side)
            for s, e, p in zip(
                runs.starts.tolist(), runs.ends.tolist(), runs.peaks.tolist(), strict=True
            )
        ]
    excursions.sort(key=lambda e: e.start_s)
    gap_starts = times[:-1][~joined]
    gap_ends = times[1:][~joined]
    gaps = [*window.gaps_before, *map(Gap, gap_starts.tolist(), gap_ends.tolist())]
    gaps += window.gaps_after
    mkt = mean_kinetic_temperature(temps, reading_weights(times, joined))
    result = Assessment(
        profile_name=profile.name,
        readings=window.readings,
        start_s=window.start_s,
        end_s=window.end_s,
        min_c=float(temps.min()),
        max_c=float(temps.max()),
        mean_c=time_weighted_mean(times, temps, joined),
        time_above_min=beyond["above"],
        time_below_min=beyond["below"],
        excursions=tuple(excursions),
        gaps=tuple(gaps),
        mkt_c=mkt,
        verdict="within_limits",
    )
    return _with_verdict(result, profile)


def _with_verdict(result: Assessment, profile: TemperatureProfile) -> Assessment:
    single = profile.max_single_excursion_min
    total = profile.max_cumulative_excursion_min
    breach = any(_exceeds(e.duration_min, single) for e in result.excursions)
    breach = breach or (
        bool(result.excursions) and _exceeds(result.cumulative_excursion_min, total)
    )
    if profile.mkt_judged and profile.mkt_limit_c is not None:
        breach = breach or result.mkt_c > profile.mkt_limit_c
    verdict: Verdict = "excursion" if breach else "incomplete" if result.gaps else "within_limits"
    return replace(result, verdict=verdict)


def _exceeds(duration_min: float, allowance_min: float) -> bool:
    return allowance_min <= 0 or duration_min > allowance_min + TOLERANCE_MIN


@dataclass(frozen=True, eq=False)
class _Window:
    times: FloatArray
    temps: FloatArray
    readings: int
    start_s: float
    end_s: float
    gaps_before: tuple[Gap, ...]
    gaps_after: tuple[Gap, ...]


def _trim(
    times: FloatArray,
    temps: FloatArray,
    max_gap_s: float,
    start: datetime | None,
    end: datetime | None,
) -> _Window:
    """Cut the readings to the window, interpolating edge points inside joined intervals."""
    lo = float(times[0]) if start is None else _epoch(start, "start")
    hi = float(times[-1]) if end is None else _epoch(end, "end")
    if hi < lo:
        raise AssessmentError("the window ends before it starts")
    first = int(np.searchsorted(times, lo, side="left"))
    last = int(np.searchsorted(times, hi, side="right")) - 1
    kept_t, kept_y = times[first : last + 1], temps[first : last + 1]
    head_t, head_y, before = _edge(
        times, temps, max_gap_s=max_gap_s, edge=lo, left=first - 1, kept=kept_t, which="start"
    )
    tail_t, tail_y, after = _edge(
        times, temps, max_gap_s=max_gap_s, edge=hi, left=last, kept=kept_t, which="end"
    )
    window_t = np.concatenate((head_t, kept_t, tail_t))
    window_y = np.concatenate((head_y, kept_y, tail_y))
    if window_t.size == 0:
        raise AssessmentError("no readings between the window's start and end")
    if window_t.size == 2 and kept_t.size == 0 and window_t[0] == window_t[1]:
        window_t, window_y = window_t[:1], window_y[:1]
    return _Window(window_t, window_y, int(kept_t.size), lo, hi, before, after)


def _edge(
    times: FloatArray,
    temps: FloatArray,
    *,
    max_gap_s: float,
    edge: float,
    left: int,
    kept: FloatArray,
    which: str,
) -> tuple[FloatArray, FloatArray, tuple[Gap, ...]]:
    """Point and gap at one window edge lying between readings `left` and `left + 1`."""
    none = np.zeros(0)
    right = left + 1
    inside = left >= 0 and right < times.size
    if inside:
        if times[left] == edge or times[right] == edge:
            return none, none, ()
        if times[right] - times[left] <= max_gap_s:
            value = np.interp(edge, times[left : right + 1], temps[left : right + 1])
            return np.array([edge]), np.array([value]), ()
    if kept.size == 0:
        return none, none, ()
    inner = float(kept[0] if which == "start" else kept[-1])
    if inside or abs(inner - edge) > max_gap_s:
        gap = Gap(edge, inner) if which == "start" else Gap(inner, edge)
        return none, none, (gap,) if gap.end_s > gap.start_s else ()
    return none, none, ()


def _epoch(moment: datetime, name: str) -> float:
    if moment.tzinfo is None:
        raise AssessmentError(f"the window {name} needs a time zone (got {moment.isoformat()})")
    return moment.timestamp()
