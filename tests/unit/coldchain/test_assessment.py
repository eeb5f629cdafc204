"""Hand-worked assessments: the exact definitions of issue 5 on small traces."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from app.coldchain.analysis.assessment import assess
from app.coldchain.analysis.errors import AssessmentError
from app.coldchain.analysis.profiles import (
    AMBIENT_15_25,
    CRYO_LN2_VAPOUR,
    FRESH_2_8,
    TemperatureProfile,
)
from app.coldchain.analysis.trace import make_trace

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
REPORT_KEYS = {
    "readings", "start", "end", "duration_min", "min_c", "max_c", "mean_c", "time_above_min",
    "time_below_min", "excursions", "longest_excursion_min", "cumulative_excursion_min", "gaps",
    "mkt_c", "verdict",
}  # fmt: skip
NO_MKT = TemperatureProfile("plain-2-8", 2.0, 8.0, 15.0, 30.0, max_gap_min=15.0)


def trace(*points: tuple[float, float]):  # type: ignore[no-untyped-def]
    """A trace from (minute, °C) pairs starting at T0."""
    base = T0.timestamp()
    return make_trace(
        [base + m * 60 for m, _ in points],
        [c for _, c in points],
        sensor_id="S1",
        source_name="test",
        sha256="0" * 64,
        importer="test",
    )


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def test_worked_example_crossing_at_minute_five() -> None:
    result = assess(trace((0, 6.0), (10, 10.0)), NO_MKT)
    (exc,) = result.excursions
    assert exc.start_s == at(5).timestamp()
    assert exc.end_s == at(10).timestamp()
    assert exc.duration_min == pytest.approx(5.0)
    assert exc.peak_c == 10.0
    assert exc.side == "above"
    assert result.time_above_min == pytest.approx(5.0)
    assert result.mean_c == pytest.approx(8.0)
    assert result.verdict == "within_limits"


def test_report_has_exactly_the_issue_keys_and_z_times() -> None:
    report = assess(trace((0, 6.0), (10, 10.0)), FRESH_2_8).to_report()
    assert set(report) == REPORT_KEYS
    assert report["start"] == "2025-03-01T08:00:00Z"
    assert report["excursions"][0] == {
        "start": "2025-03-01T08:05:00Z",
        "end": "2025-03-01T08:10:00Z",
        "duration_min": 5.0,
        "peak_c": 10.0,
        "side": "above",
    }
    assert report["gaps"] == []


def test_fractional_crossing_time_is_reported_in_milliseconds() -> None:
    report = assess(trace((0, 5.0), (1, 9.5)), NO_MKT).to_report()
    assert report["excursions"][0]["start"] == "2025-03-01T08:00:40Z"
    report = assess(trace((0, 5.0), (1, 9.0)), NO_MKT).to_report()
    assert report["excursions"][0]["start"] == "2025-03-01T08:00:45Z"
    report = assess(trace((0, 5.0), (1, 12.0)), NO_MKT).to_report()
    assert report["excursions"][0]["start"] == "2025-03-01T08:00:25.714Z"


def test_excursion_through_readings_is_one_interval() -> None:
    result = assess(trace((0, 6.0), (10, 10.0), (20, 12.0), (30, 6.0)), NO_MKT)
    (exc,) = result.excursions
    assert exc.start_s == at(5).timestamp()
    assert exc.end_s == pytest.approx(at(20 + 20 / 3).timestamp())
    assert exc.peak_c == 12.0
    assert result.longest_excursion_min == pytest.approx(21 + 2 / 3)
    assert result.verdict == "excursion"  # 21.7 min > 15 min single allowance


def test_reading_exactly_on_the_limit_is_not_an_excursion() -> None:
    result = assess(trace((0, 8.0), (10, 8.0), (20, 2.0)), NO_MKT)
    assert result.excursions == ()
    assert result.time_above_min == 0.0
    assert result.verdict == "within_limits"


def test_reading_on_the_limit_splits_two_excursions() -> None:
    result = assess(trace((0, 10.0), (10, 8.0), (20, 10.0)), NO_MKT)
    assert [e.duration_min for e in result.excursions] == [10.0, 10.0]
    assert result.cumulative_excursion_min == pytest.approx(20.0)


def test_below_excursion_peak_is_the_lowest() -> None:
    result = assess(trace((0, 4.0), (10, 0.0), (20, 4.0)), NO_MKT)
    (exc,) = result.excursions
    assert exc.side == "below"
    assert exc.peak_c == 0.0
    assert exc.duration_min == pytest.approx(10.0)
    assert result.time_below_min == pytest.approx(10.0)


def test_gap_is_reported_not_interpolated_and_makes_incomplete() -> None:
    result = assess(trace((0, 5.0), (10, 5.0), (40, 5.0), (50, 5.0)), NO_MKT)
    (gap,) = result.gaps
    assert (gap.start_s, gap.end_s) == (at(10).timestamp(), at(40).timestamp())
    assert gap.duration_min == 30.0
    assert result.verdict == "incomplete"


def test_interval_of_exactly_max_gap_is_not_a_gap() -> None:
    assert assess(trace((0, 5.0), (15, 5.0)), NO_MKT).gaps == ()
    assert len(assess(trace((0, 5.0), (15.01, 5.0)), NO_MKT).gaps) == 1


def test_excursion_touching_a_gap_ends_at_the_gap_edge() -> None:
    result = assess(trace((0, 6.0), (10, 10.0), (60, 10.0), (70, 6.0)), NO_MKT)
    first, second = result.excursions
    assert (first.start_s, first.end_s) == (at(5).timestamp(), at(10).timestamp())
    assert (second.start_s, second.end_s) == (at(60).timestamp(), at(65).timestamp())
    assert result.time_above_min == pytest.approx(10.0)
    assert result.verdict == "incomplete"


def test_isolated_reading_beyond_limit_is_zero_length_excursion() -> None:
    result = assess(trace((0, 5.0), (60, 12.0), (120, 5.0)), NO_MKT)
    (exc,) = result.excursions
    assert exc.duration_min == 0.0
    assert exc.peak_c == 12.0
    assert result.verdict == "incomplete"


def test_single_reading() -> None:
    result = assess(trace((0, 5.0)), FRESH_2_8)
    assert result.readings == 1
    assert result.duration_min == 0.0
    assert result.mean_c == result.mkt_c == pytest.approx(5.0)
    assert result.verdict == "within_limits"


def test_zero_allowance_rejects_even_a_single_warm_reading() -> None:
    result = assess(trace((0, -100.0)), CRYO_LN2_VAPOUR)
    assert result.verdict == "excursion"


def test_cryo_any_excursion_is_a_breach_and_mkt_is_not_judged() -> None:
    ok = assess(trace((0, -180.0), (10, -170.0)), CRYO_LN2_VAPOUR)
    assert ok.verdict == "within_limits"
    assert ok.mkt_c < -150
    bad = assess(trace((0, -180.0), (10, -140.0), (20, -180.0)), CRYO_LN2_VAPOUR)
    assert bad.verdict == "excursion"


def test_zero_readings_is_an_error() -> None:
    with pytest.raises(AssessmentError, match="no temperature readings"):
        assess(trace(), FRESH_2_8)


def test_duplicate_timestamps_make_zero_length_intervals() -> None:
    result = assess(trace((0, 5.0), (10, 5.0), (10, 10.0), (20, 5.0)), NO_MKT)
    (exc,) = result.excursions
    assert exc.start_s == at(10).timestamp()
    assert exc.duration_min == pytest.approx(4.0)
    assert result.readings == 4


def test_unsorted_input_is_sorted_with_a_note() -> None:
    unsorted = trace((10, 10.0), (0, 6.0))
    assert list(unsorted.temps_c) == [6.0, 10.0]
    assert any("backwards" in note for note in unsorted.notes)
    assert assess(unsorted, NO_MKT).excursions[0].duration_min == pytest.approx(5.0)


def test_cumulative_allowance() -> None:
    points = [(0, 5.0)]
    for k in range(4):  # four 10-minute excursions: each within 15, together 40 > 30
        points += [(20 * k + 5, 9.0), (20 * k + 15, 9.0), (20 * k + 20, 5.0)]
    result = assess(trace(*sorted(set(points))), NO_MKT)
    assert result.longest_excursion_min < 15
    assert result.cumulative_excursion_min > 30
    assert result.verdict == "excursion"


def test_mkt_judged_only_where_profile_says() -> None:
    hot = trace((0, 24.0), (600, 26.0), (610, 24.0))
    result = assess(hot, TemperatureProfile("x", 15, 30, 30, 60, max_gap_min=600))
    assert result.verdict == "within_limits"
    judged = assess(hot, AMBIENT_15_25.__class__("y", 15, 30, 30, 60, 600, True, 24.5))
    assert judged.mkt_c > 24.5
    assert judged.verdict == "excursion"


def test_mkt_matches_usp_formula_for_equal_intervals() -> None:
    temps = [20.0, 30.0]
    result = assess(trace((0, temps[0]), (10, temps[1])), AMBIENT_15_25)
    expected = -10_000 / math.log(sum(math.exp(-10_000 / (t + 273.15)) for t in temps) / 2)
    assert result.mkt_c == pytest.approx(expected - 273.15)


def test_mkt_weights_ignore_time_across_gaps() -> None:
    gapped = assess(trace((0, 20.0), (10, 20.0), (100, 30.0)), AMBIENT_15_25)
    assert gapped.mkt_c == pytest.approx(20.0)


def test_window_interpolates_edges_inside_interpolated_intervals() -> None:
    result = assess(trace((0, 6.0), (10, 10.0), (20, 6.0)), NO_MKT, at(5), at(15))
    assert result.readings == 1
    assert result.duration_min == 10.0
    assert result.min_c == 8.0
    assert result.time_above_min == pytest.approx(10.0)
    assert result.mean_c == pytest.approx(9.0)


def test_window_edge_inside_a_gap_reports_the_part_of_the_gap() -> None:
    result = assess(trace((0, 5.0), (60, 5.0), (70, 5.0)), NO_MKT, at(50), at(70))
    (gap,) = result.gaps
    assert (gap.start_s, gap.end_s) == (at(50).timestamp(), at(60).timestamp())
    assert result.verdict == "incomplete"


def test_window_before_first_reading_is_gap_only_beyond_max_gap() -> None:
    data = trace((0, 5.0), (10, 5.0))
    assert assess(data, NO_MKT, at(-10), at(10)).gaps == ()
    late = assess(data, NO_MKT, at(-20), at(30))
    assert [g.duration_min for g in late.gaps] == [20.0, 20.0]
    assert late.verdict == "incomplete"


def test_window_inside_one_interval_has_no_real_readings() -> None:
    result = assess(trace((0, 6.0), (10, 10.0)), NO_MKT, at(6), at(8))
    assert result.readings == 0
    assert result.time_above_min == pytest.approx(2.0)


def test_window_errors() -> None:
    data = trace((0, 5.0), (60, 5.0))
    with pytest.raises(AssessmentError, match="no readings"):
        assess(data, NO_MKT, at(10), at(20))
    with pytest.raises(AssessmentError, match="ends before"):
        assess(data, NO_MKT, at(20), at(10))
    with pytest.raises(AssessmentError, match="time zone"):
        assess(data, NO_MKT, datetime(2025, 3, 1, 8, 0))  # noqa: DTZ001 - naive on purpose
