"""Excursion maths on a linearly interpolated trace: crossings, runs, gaps, MKT (vectorised).

Arrays: `times` (s, sorted), `temps` (°C), `joined` (one flag per interval: True when the two
readings are at most the maximum gap apart, so the interval is interpolated).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Side = Literal["above", "below"]

# USP <1079.2>: ΔH/R = 83.144 kJ/mol / 8.3144 J/(mol·K) = 10 000 K.
MKT_DELTA_H_OVER_R_K = 10_000.0
KELVIN_OFFSET = 273.15


@dataclass(frozen=True, eq=False)
class ExcursionRuns:
    """Excursions on one side of a limit, as parallel arrays (seconds, °C)."""

    starts: FloatArray
    ends: FloatArray
    peaks: FloatArray


def excursion_runs(
    times: FloatArray, temps: FloatArray, joined: BoolArray, limit: float, side: Side
) -> ExcursionRuns:
    """Maximal intervals where the interpolated temperature is strictly beyond the limit.

    Readings and intervals are laid out alternately (r0, i0, r1, i1, …); a reading is flagged
    when it is beyond the limit, an interval when it is interpolated and either end is beyond.
    Each run of flags is one excursion: a run starting or ending on an interval starts or ends
    at that interval's crossing; an isolated reading beyond the limit is a zero-length excursion.
    """
    beyond = temps > limit if side == "above" else temps < limit
    flags = np.zeros(2 * temps.size - 1, dtype=np.bool_)
    flags[0::2] = beyond
    flags[1::2] = joined & (beyond[:-1] | beyond[1:])
    edges = np.diff(np.concatenate(([False], flags, [False])).astype(np.int8))
    first = np.flatnonzero(edges == 1)
    last = np.flatnonzero(edges == -1) - 1
    crossing = _crossings(times, temps, limit)
    starts = np.where(
        first % 2 == 0, times[first // 2], crossing[np.minimum(first // 2, crossing.size - 1)]
    )
    ends = np.where(
        last % 2 == 0, times[last // 2], crossing[np.minimum(last // 2, crossing.size - 1)]
    )
    if first.size:
        masked = np.where(beyond, temps, -np.inf if side == "above" else np.inf)
        reduce = np.maximum if side == "above" else np.minimum
        peaks = reduce.reduceat(masked, (first + 1) // 2)
    else:
        peaks = np.zeros(0)
    return ExcursionRuns(starts=starts, ends=ends, peaks=peaks)


def _crossings(times: FloatArray, temps: FloatArray, limit: float) -> FloatArray:
    """Time at which each interval's line meets the limit (clipped into the interval)."""
    if times.size < 2:
        return np.zeros(1)
    y0, y1 = temps[:-1], temps[1:]
    rise = y1 - y0
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(rise != 0, (limit - y0) / rise, 0.0)
    return times[:-1] + np.clip(fraction, 0.0, 1.0) * np.diff(times)


def joined_intervals(times: FloatArray, max_gap_s: float) -> BoolArray:
    """Per interval: True when the readings are at most the maximum gap apart (interpolated)."""
    joined: BoolArray = np.diff(times) <= max_gap_s
    return joined


def time_weighted_mean(times: FloatArray, temps: FloatArray, joined: BoolArray) -> float:
    """Mean over interpolated time (trapezoids); plain mean when no time is covered."""
    dt = np.where(joined, np.diff(times), 0.0)
    covered = float(dt.sum())
    if covered <= 0:
        return float(temps.mean())
    return float(np.sum((temps[:-1] + temps[1:]) * 0.5 * dt) / covered)


def reading_weights(times: FloatArray, joined: BoolArray) -> FloatArray:
    """Time each reading represents: half of each interpolated interval next to it."""
    half = np.where(joined, np.diff(times), 0.0) * 0.5
    weights = np.zeros(times.size)
    weights[:-1] += half
    weights[1:] += half
    return weights


def mean_kinetic_temperature(temps_c: FloatArray, weights: FloatArray) -> float:
    """USP <1079.2> MKT (°C) with ΔH/R = 10 000 K, weighted; equal weights if all are zero."""
    if float(weights.sum()) <= 0:
        weights = np.ones_like(temps_c)
    exponents = -MKT_DELTA_H_OVER_R_K / (temps_c + KELVIN_OFFSET)
    top = float(exponents.max())
    log_mean = top + np.log(np.sum(weights * np.exp(exponents - top)) / np.sum(weights))
    return float(-MKT_DELTA_H_OVER_R_K / log_mean - KELVIN_OFFSET)
