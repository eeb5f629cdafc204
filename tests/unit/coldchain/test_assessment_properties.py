"""Property tests: the vectorised assessment against a brute-force resampled reference."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.coldchain.analysis.assessment import assess
from app.coldchain.analysis.profiles import TemperatureProfile
from app.coldchain.analysis.trace import Trace, make_trace

PROFILE = TemperatureProfile("test-2-8", 2.0, 8.0, 15.0, 30.0, max_gap_min=15.0)
GAP_S = PROFILE.max_gap_min * 60
SAMPLES = 1000  # per interval

steps_min = st.sampled_from([0.0, 0.5, 1.0, 5.0, 7.5, 10.0, 15.0, 16.0, 40.0])
temps = st.integers(min_value=-8, max_value=30).map(lambda k: k / 2)  # 0.5 °C grid hits limits
traces = st.lists(st.tuples(steps_min, temps), min_size=1, max_size=30)


def build(points: list[tuple[float, float]]) -> Trace:
    times = 1.7e9 + np.cumsum([0.0] + [s * 60 for s, _ in points[1:]])
    return make_trace(
        times, [c for _, c in points], sensor_id="S", source_name="h", sha256="", importer="t"
    )


def fine_runs(trace: Trace, limit: float, above: bool) -> list[tuple[float, float, float]]:
    """Runs beyond the limit on a finely resampled trace: (start, end, peak)."""
    t, y = trace.times_s, trace.temps_c
    runs: list[tuple[float, float, float]] = []
    current: list[float] | None = None

    def visit(when: float, value: float) -> None:
        nonlocal current
        beyond = value > limit if above else value < limit
        if beyond and current is None:
            current = [when, when, value]
        elif beyond and current is not None:
            current[1] = when
            current[2] = max(current[2], value) if above else min(current[2], value)
        elif current is not None:
            runs.append((current[0], current[1], current[2]))
            current = None

    for k in range(t.size):
        if k == 0 or t[k] - t[k - 1] > GAP_S:
            if current is not None:
                runs.append((current[0], current[1], current[2]))
                current = None
            visit(t[k], y[k])
            continue
        for j in range(1, SAMPLES + 1):
            f = j / SAMPLES
            visit(t[k - 1] + f * (t[k] - t[k - 1]), y[k - 1] + f * (y[k] - y[k - 1]))
    if current is not None:
        runs.append((current[0], current[1], current[2]))
    return runs


def fine_time_beyond(trace: Trace, lo: float, hi: float, limit: float, above: bool) -> float:
    """Seconds beyond the limit within [lo, hi], midpoint rule over interpolated intervals."""
    t, y = trace.times_s, trace.temps_c
    total = 0.0
    for k in range(1, t.size):
        if t[k] - t[k - 1] > GAP_S:
            continue
        a, b = max(t[k - 1], lo), min(t[k], hi)
        if b <= a:
            continue
        mids = a + (np.arange(SAMPLES) + 0.5) * (b - a) / SAMPLES
        values = np.interp(mids, t[k - 1 : k + 1], y[k - 1 : k + 1])
        beyond = values > limit if above else values < limit
        total += float(np.count_nonzero(beyond)) * (b - a) / SAMPLES
    return total


@settings(max_examples=150, deadline=None)
@given(traces)
def test_excursions_match_resampled_reference(points: list[tuple[float, float]]) -> None:
    trace = build(points)
    result = assess(trace, PROFILE)
    for side, limit, above in (("above", 8.0, True), ("below", 2.0, False)):
        mine = [e for e in result.excursions if e.side == side]
        reference = fine_runs(trace, limit, above)
        assert len(mine) == len(reference)
        for exc, (start, end, peak) in zip(mine, reference, strict=True):
            tolerance = 40 * 60 / SAMPLES + 1e-6  # one sample of the longest interval
            assert exc.start_s == pytest.approx(start, abs=tolerance)
            assert exc.end_s == pytest.approx(end, abs=tolerance)
            assert exc.peak_c == pytest.approx(peak)


@settings(max_examples=150, deadline=None)
@given(traces)
def test_time_beyond_and_invariants(points: list[tuple[float, float]]) -> None:
    trace = build(points)
    result = assess(trace, PROFILE)
    lo, hi = float(trace.times_s[0]), float(trace.times_s[-1])
    span_s = hi - lo
    tolerance_min = span_s / SAMPLES / 60 + 1e-9
    above = fine_time_beyond(trace, lo, hi, 8.0, True) / 60
    below = fine_time_beyond(trace, lo, hi, 2.0, False) / 60
    assert result.time_above_min == pytest.approx(above, abs=tolerance_min)
    assert result.time_below_min == pytest.approx(below, abs=tolerance_min)
    durations = sum(e.duration_min for e in result.excursions)
    assert result.cumulative_excursion_min == pytest.approx(durations)
    assert result.min_c <= result.mean_c + 1e-9 and result.mean_c <= result.max_c + 1e-9
    assert result.min_c - 1e-9 <= result.mkt_c <= result.max_c + 1e-9
    gaps = int(np.count_nonzero(np.diff(trace.times_s) > GAP_S))
    assert len(result.gaps) == gaps
    if result.verdict == "within_limits":
        assert not result.gaps
    starts = [e.start_s for e in result.excursions]
    assert starts == sorted(starts)
    for side in ("above", "below"):  # at a duplicate timestamp both sides may touch one instant
        same = [e for e in result.excursions if e.side == side]
        assert all(a.end_s <= b.start_s for a, b in itertools.pairwise(same))


@settings(max_examples=100, deadline=None)
@given(traces, st.floats(0, 1), st.floats(0, 1))
def test_window_time_beyond_matches_reference(
    points: list[tuple[float, float]], a: float, b: float
) -> None:
    trace = build(points)
    t0, t1 = float(trace.times_s[0]), float(trace.times_s[-1])
    lo, hi = sorted((t0 + a * (t1 - t0), t0 + b * (t1 - t0)))
    try:
        result = assess(
            trace, PROFILE, datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC)
        )
    except ValueError:
        inside = (trace.times_s >= lo) & (trace.times_s <= hi)
        assert not inside.any()
        return
    tolerance_min = (t1 - t0) / SAMPLES / 60 + 1e-6
    above = fine_time_beyond(trace, lo, hi, 8.0, True) / 60
    assert result.time_above_min == pytest.approx(above, abs=tolerance_min)
    assert result.readings == int(np.count_nonzero((trace.times_s >= lo) & (trace.times_s <= hi)))
