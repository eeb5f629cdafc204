"""The viability clock of a unit (pure): each limit refuses one second after it passes and
accepts one second before, says by how much, and what to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.journey.viability import (
    QUARANTINE,
    QUARANTINE_COLD_CHAIN,
    Limit,
    ViabilityClock,
    passed_limits,
    span,
    thaw_missing,
    utc_text,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)

moments = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(2040, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
offsets = st.timedeltas(min_value=timedelta(seconds=-(10**7)), max_value=timedelta(seconds=10**7))
limits = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30))


def _limits(clock: ViabilityClock, at: datetime) -> list[Limit]:
    return [p.limit for p in passed_limits(clock, at)]


# ---------------------------------------------------------------- expiry


def test_expiry_refuses_one_second_after_and_accepts_one_second_before_and_at() -> None:
    clock = ViabilityClock(expires_at=T0)
    assert passed_limits(clock, T0 - SECOND) == ()
    assert passed_limits(clock, T0) == ()
    (passed,) = passed_limits(clock, T0 + SECOND)
    assert (passed.limit, passed.deadline, passed.by) == (Limit.EXPIRY, T0, SECOND)
    assert passed.what_happened == "It expired 1 s ago at 2026-03-01 12:00:00 UTC."
    assert passed.what_to_do == QUARANTINE
    assert passed.message.startswith("It expired 1 s ago") and "call QA" in passed.message


@given(moments, offsets)
def test_expiry_is_passed_exactly_when_later_than_the_expiry(
    expires: datetime, d: timedelta
) -> None:
    passed = passed_limits(ViabilityClock(expires_at=expires), expires + d)
    assert bool(passed) == (d > timedelta(0))
    if passed:
        assert passed[0].by == d


def test_expiry_at_a_recorded_moment_says_so() -> None:
    (passed,) = passed_limits(
        ViabilityClock(expires_at=T0), T0 + SECOND, relative="before the infusion started"
    )
    assert "expired 1 s before the infusion started at" in passed.what_happened


# ---------------------------------------------------------------- collection → receipt


def _receipt(received: datetime | None = None) -> ViabilityClock:
    return ViabilityClock(
        collection_end=T0, receipt_limit=timedelta(hours=48), received_at=received
    )


def test_receipt_48_hours_plus_one_second_is_refused_and_minus_one_second_accepted() -> None:
    limit = T0 + timedelta(hours=48)
    assert passed_limits(_receipt(limit - SECOND), limit + timedelta(days=9)) == ()
    assert passed_limits(_receipt(limit), limit) == ()
    (passed,) = passed_limits(_receipt(limit + SECOND), limit + SECOND)
    assert (passed.limit, passed.by, passed.deadline) == (
        Limit.COLLECTION_TO_RECEIPT,
        SECOND,
        limit,
    )
    assert passed.what_happened.startswith("It was received 1 s after the 48 h limit")


def test_a_late_receipt_says_by_how_much_in_hours_and_minutes() -> None:
    late = T0 + timedelta(hours=51, minutes=10)
    (passed,) = passed_limits(_receipt(late), late)
    assert "received 3 h 10 min after the 48 h limit from the end of collection" in (
        passed.what_happened
    )


def test_before_receipt_the_moment_itself_is_judged() -> None:
    limit = T0 + timedelta(hours=48)
    assert passed_limits(_receipt(), limit - SECOND) == ()
    (passed,) = passed_limits(_receipt(), limit + SECOND)
    assert "can no longer arrive in time" in passed.what_happened


def test_a_recorded_receipt_in_time_stays_in_time_later() -> None:
    assert passed_limits(_receipt(T0 + timedelta(hours=1)), T0 + timedelta(days=30)) == ()


@given(moments, limits, offsets)
def test_receipt_is_passed_exactly_when_received_after_the_limit(
    end: datetime, limit: timedelta, d: timedelta
) -> None:
    clock = ViabilityClock(collection_end=end, receipt_limit=limit, received_at=end + limit + d)
    assert (_limits(clock, end) == [Limit.COLLECTION_TO_RECEIPT]) == (d > timedelta(0))


def test_no_receipt_limit_without_a_collection_end_or_a_limit() -> None:
    assert passed_limits(ViabilityClock(receipt_limit=timedelta(hours=1)), T0) == ()
    assert passed_limits(ViabilityClock(collection_end=T0), T0 + timedelta(days=99)) == ()


# ---------------------------------------------------------------- post-thaw


def _thawed(at: datetime | None = T0) -> ViabilityClock:
    return ViabilityClock(thawed_at=at, post_thaw_limit=timedelta(minutes=90))


def test_post_thaw_refuses_one_second_after_and_accepts_one_second_before() -> None:
    end = T0 + timedelta(minutes=90)
    assert passed_limits(_thawed(), end - SECOND) == ()
    assert passed_limits(_thawed(), end) == ()
    (passed,) = passed_limits(_thawed(), end + SECOND)
    assert (passed.limit, passed.by, passed.deadline) == (Limit.POST_THAW, SECOND, end)
    assert "the 90 min post-thaw limit ended 1 s ago at 2026-03-01 13:30:00 UTC" in (
        passed.what_happened
    )
    assert passed.what_to_do.startswith("Do not infuse it")


@given(moments, limits, offsets)
def test_post_thaw_is_passed_exactly_when_later_than_thaw_plus_limit(
    thawed: datetime, limit: timedelta, d: timedelta
) -> None:
    clock = ViabilityClock(thawed_at=thawed, post_thaw_limit=limit)
    assert (_limits(clock, thawed + limit + d) == [Limit.POST_THAW]) == (d > timedelta(0))


def test_a_frozen_product_must_have_a_recorded_thaw() -> None:
    assert thaw_missing(_thawed(None))
    assert not thaw_missing(_thawed())
    assert not thaw_missing(ViabilityClock())  # a product without a post-thaw limit
    assert passed_limits(_thawed(None), T0 + timedelta(days=9)) == ()  # nothing to count yet


# ---------------------------------------------------------------- cumulative excursion


def _excursion(total: timedelta, allowance: timedelta | None) -> ViabilityClock:
    return ViabilityClock(excursion=total, excursion_allowance=allowance)


def test_cumulative_excursion_over_the_allowance_is_refused() -> None:
    allowance = timedelta(minutes=30)
    assert passed_limits(_excursion(allowance - SECOND, allowance), T0) == ()
    assert passed_limits(_excursion(allowance, allowance), T0) == ()
    (passed,) = passed_limits(_excursion(allowance + SECOND, allowance), T0)
    assert (passed.limit, passed.by, passed.deadline) == (
        Limit.CUMULATIVE_EXCURSION,
        SECOND,
        None,
    )
    assert passed.what_happened == (
        "It has been outside its temperature limits for 30 min 01 s in all, 1 s over the "
        "cumulative allowance of 30 min."
    )
    assert passed.what_to_do == QUARANTINE_COLD_CHAIN


def test_an_allowance_of_zero_allows_no_excursion_and_none_sets_no_limit() -> None:
    assert _limits(_excursion(SECOND, timedelta(0)), T0) == [Limit.CUMULATIVE_EXCURSION]
    assert passed_limits(_excursion(timedelta(0), timedelta(0)), T0) == ()
    assert passed_limits(_excursion(timedelta(days=9), None), T0) == ()


@given(limits, offsets)
def test_excursion_is_passed_exactly_when_longer_than_the_allowance(
    allowance: timedelta, d: timedelta
) -> None:
    total = max(allowance + d, timedelta(0))
    passed = _limits(_excursion(total, allowance), T0)
    assert (passed == [Limit.CUMULATIVE_EXCURSION]) == (total > allowance)


# ---------------------------------------------------------------- all together


def test_every_passed_limit_is_named_in_order() -> None:
    clock = ViabilityClock(
        expires_at=T0,
        collection_end=T0 - timedelta(days=5),
        receipt_limit=timedelta(hours=48),
        thawed_at=T0 - timedelta(hours=2),
        post_thaw_limit=timedelta(minutes=90),
        excursion=timedelta(minutes=5),
        excursion_allowance=timedelta(0),
    )
    assert _limits(clock, T0 + SECOND) == [
        Limit.EXPIRY,
        Limit.COLLECTION_TO_RECEIPT,
        Limit.POST_THAW,
        Limit.CUMULATIVE_EXCURSION,
    ]
    assert passed_limits(ViabilityClock(), T0) == ()


@given(moments, moments)
def test_the_moment_the_limit_is_judged_at_never_lowers_an_overrun(
    a: datetime, b: datetime
) -> None:
    early, late = sorted((a, b))
    clock = ViabilityClock(expires_at=T0)
    before, after = passed_limits(clock, early), passed_limits(clock, late)
    assert len(after) >= len(before)
    if before:
        assert after[0].by >= before[0].by


# ---------------------------------------------------------------- words


def test_spans_in_words() -> None:
    assert span(timedelta(milliseconds=300)) == "less than 1 s"
    assert span(SECOND) == "1 s"
    assert span(timedelta(seconds=59)) == "59 s"
    assert span(timedelta(minutes=4, seconds=5)) == "4 min 05 s"
    assert span(timedelta(minutes=4)) == "4 min"
    assert span(timedelta(hours=3, minutes=10, seconds=59)) == "3 h 10 min"
    assert span(timedelta(hours=3)) == "3 h"
    assert span(timedelta(hours=47, minutes=59)) == "47 h 59 min"
    assert span(timedelta(days=2, hours=4)) == "2 d 4 h"
    assert span(timedelta(days=3)) == "3 d"
    assert utc_text(T0) == "2026-03-01 12:00:00 UTC"


@given(st.timedeltas(min_value=SECOND, max_value=timedelta(days=999)))
def test_every_span_of_a_second_or_more_is_words_with_a_unit(delta: timedelta) -> None:
    words = span(delta)
    assert words.split()[-1] in {"s", "min", "h", "d"}
    assert int(words.split()[0]) >= 1
