"""Datapoints aggregated into periods as CloudWatch documents, checked against numpy."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.alerting.statistics import (
    Datapoint,
    StatisticSet,
    aggregate,
    align_start,
    check_period,
    check_statistic,
    percentile,
)
from vigil.errors import InvalidParameterError

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_basic_statistics_per_period_against_numpy() -> None:
    rng = np.random.default_rng(7)
    offsets = rng.uniform(0, 3600, size=2_000)  # seconds into the hour
    values = rng.normal(50, 20, size=2_000)
    points = [
        Datapoint(T0 + timedelta(seconds=float(s)), value=float(v))
        for s, v in zip(offsets, values, strict=True)
    ]
    result = aggregate(
        points, period=300, start=T0, end=T0 + timedelta(hours=1), statistics=["p50", "p99"]
    )
    assert len(result) == 12
    for k, stats in enumerate(result):
        in_period = values[(offsets >= 300 * k) & (offsets < 300 * (k + 1))]
        assert stats.timestamp == T0 + timedelta(seconds=300 * k)
        assert stats.sample_count == len(in_period)
        assert stats.sum == pytest.approx(in_period.sum(), rel=1e-12)
        assert stats.average == pytest.approx(in_period.mean(), rel=1e-12)
        assert stats.minimum == in_period.min()
        assert stats.maximum == in_period.max()
        for name, q in (("p50", 50), ("p99", 99)):
            assert stats.value(name) == np.percentile(in_period, q, method="inverted_cdf")


@pytest.mark.parametrize("q", [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100])
def test_percentile_is_numpys_inverted_cdf(q: float) -> None:
    values = np.random.default_rng(int(q * 10)).exponential(3.0, size=997)
    assert percentile(values.tolist(), q) == np.percentile(values, q, method="inverted_cdf")


def test_percentile_by_hand_and_exact_at_rank_boundaries() -> None:
    twenty = [float(i) for i in range(1, 21)]
    assert percentile(twenty, 95) == 19.0  # 95 % of 20 samples is exactly the 19th
    assert percentile(twenty, "p95.01") == 20.0
    assert percentile(twenty, 5) == 1.0
    assert percentile(twenty, 0) == 1.0
    assert percentile(twenty, 100) == 20.0
    assert percentile([3.0, -1.0, 2.0], 50) == 2.0  # negative values are allowed


def test_counts_weigh_values_like_repetitions() -> None:
    weighted = [
        Datapoint(T0, value=1.0, count=3),
        Datapoint(T0, value=10.0, count=1),
    ]
    repeated = [Datapoint(T0, value=1.0)] * 3 + [Datapoint(T0, value=10.0)]
    for points in (weighted, repeated):
        (stats,) = aggregate(
            points, period=60, start=T0, end=T0 + timedelta(minutes=1), statistics=["p75", "p76"]
        )
        assert (stats.sample_count, stats.sum, stats.average) == (4.0, 13.0, 3.25)
        assert (stats.value("p75"), stats.value("p76")) == (1.0, 10.0)


def test_statistic_sets_add_to_the_basic_statistics() -> None:
    points = [
        Datapoint(T0, value=4.0),
        Datapoint(T0 + timedelta(seconds=30), statistic_values=StatisticSet(10, 55.0, 1.0, 10.0)),
    ]
    (stats,) = aggregate(points, period=60, start=T0, end=T0 + timedelta(minutes=1))
    assert (stats.sample_count, stats.sum, stats.minimum, stats.maximum) == (11.0, 59.0, 1.0, 10.0)
    assert stats.average == pytest.approx(59.0 / 11.0)


def test_percentiles_with_statistic_sets_follow_cloudwatchs_two_conditions() -> None:
    end = T0 + timedelta(minutes=1)
    # SampleCount 1 and Min = Max = Sum: one sample.
    one = StatisticSet(1, 7.0, 7.0, 7.0)
    # Min = Max and Sum = Min * SampleCount: SampleCount samples of Min.
    flat = StatisticSet(4, 8.0, 2.0, 2.0)
    # A spread: no distribution.
    spread = StatisticSet(4, 10.0, 1.0, 4.0)
    assert one.has_distribution and flat.has_distribution and not spread.has_distribution
    (stats,) = aggregate(
        [Datapoint(T0, statistic_values=one), Datapoint(T0, statistic_values=flat),
         Datapoint(T0, value=5.0)],
        period=60, start=T0, end=end, statistics=["p50", "p90"],
    )  # fmt: skip
    # samples: 2, 2, 2, 2, 5, 7
    assert (stats.value("p50"), stats.value("p90")) == (2.0, 7.0)
    (stats,) = aggregate(
        [Datapoint(T0, statistic_values=spread), Datapoint(T0, value=5.0)],
        period=60, start=T0, end=end, statistics=["p50"],
    )  # fmt: skip
    assert stats.value("p50") is None  # undefined: CloudWatch returns no value
    assert (stats.sample_count, stats.maximum) == (5.0, 5.0)  # the rest stays defined


def test_units_are_separate_series_unless_filtered_or_merged() -> None:
    points = [
        Datapoint(T0, value=1.0, unit="Count"),
        Datapoint(T0, value=100.0, unit="Milliseconds"),
        Datapoint(T0 + timedelta(seconds=1), value=3.0, unit="Count"),
    ]
    end = T0 + timedelta(minutes=1)
    both = aggregate(points, period=60, start=T0, end=end)
    assert [(s.unit, s.sum) for s in both] == [("Count", 4.0), ("Milliseconds", 100.0)]
    (count,) = aggregate(points, period=60, start=T0, end=end, unit="Count")
    assert count.sample_count == 2.0
    (merged,) = aggregate(points, period=60, start=T0, end=end, merge_units=True)
    assert (merged.sum, merged.unit) == (104.0, "None")


def test_start_is_inclusive_end_exclusive_and_empty_periods_are_absent() -> None:
    points = [
        Datapoint(T0 - timedelta(microseconds=1), value=1.0),
        Datapoint(T0, value=2.0),
        Datapoint(T0 + timedelta(minutes=2), value=3.0),
        Datapoint(T0 + timedelta(minutes=3), value=4.0),
    ]
    result = aggregate(points, period=60, start=T0, end=T0 + timedelta(minutes=3))
    assert [(s.timestamp, s.sum) for s in result] == [
        (T0, 2.0),
        (T0 + timedelta(minutes=2), 3.0),
    ]


@pytest.mark.parametrize(
    ("start", "period", "expected"),
    [
        # Less than 15 days old: down to the minute.
        (
            datetime(2024, 5, 19, 12, 32, 34, tzinfo=UTC),
            300,
            datetime(2024, 5, 19, 12, 32, tzinfo=UTC),
        ),
        # 15 to 63 days: down to a 5-minute clock interval.
        (
            datetime(2024, 5, 1, 12, 32, 34, tzinfo=UTC),
            60,
            datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
        ),
        # Older than 63 days: down to the hour.
        (datetime(2024, 1, 1, 12, 32, 34, tzinfo=UTC), 60, datetime(2024, 1, 1, 12, 0, tzinfo=UTC)),
        # Sub-minute periods: even divisions of the minute (API reference example).
        (
            datetime(2024, 5, 19, 1, 5, 23, tzinfo=UTC),
            10,
            datetime(2024, 5, 19, 1, 5, 20, tzinfo=UTC),
        ),
        (
            datetime(2024, 5, 19, 15, 2, 17, tzinfo=UTC),
            5,
            datetime(2024, 5, 19, 15, 2, 15, tzinfo=UTC),
        ),
    ],
)
def test_start_alignment_as_getmetricstatistics_documents(
    start: datetime, period: int, expected: datetime
) -> None:
    assert align_start(start, period, now=datetime(2024, 5, 20, tzinfo=UTC)) == expected


def test_aggregate_aligns_the_start_and_periods_follow_it() -> None:
    start = T0 + timedelta(minutes=7, seconds=40)  # rounded down to 12:07
    points = [Datapoint(T0 + timedelta(minutes=m), value=float(m)) for m in range(7, 20)]
    result = aggregate(points, period=300, start=start, end=T0 + timedelta(minutes=20))
    assert [s.timestamp.minute for s in result] == [7, 12, 17]
    assert [s.sum for s in result] == [7 + 8 + 9 + 10 + 11, 12 + 13 + 14 + 15 + 16, 17 + 18 + 19]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"value": math.nan}, "Value"),
        ({"value": math.inf}, "Value"),
        ({}, "Value"),
        ({"value": 1.0, "statistic_values": StatisticSet(1, 1.0, 1.0, 1.0)}, "Value"),
        ({"value": 1.0, "unit": "Parsecs"}, "Unit"),
        ({"value": 1.0, "count": 0}, "Counts"),
    ],
)
def test_bad_datapoints_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        Datapoint(T0, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_bad_statistic_sets_and_times() -> None:
    with pytest.raises(InvalidParameterError, match="SampleCount must be > 0"):
        StatisticSet(0, 0.0, 0.0, 0.0)
    with pytest.raises(InvalidParameterError, match="Minimum must be <= Maximum"):
        StatisticSet(2, 3.0, 2.0, 1.0)
    with pytest.raises(InvalidParameterError, match="timezone-aware"):
        Datapoint(datetime(2024, 5, 1), value=1.0)


def test_bad_period_statistic_and_range() -> None:
    for period in (0, 7, 45, 90, True):
        with pytest.raises(InvalidParameterError, match="multiple of 60"):
            check_period(period)  # type: ignore[arg-type]
    for good in (1, 5, 10, 20, 30, 60, 86400):
        assert check_period(good) == good
    for statistic in ("avg", "p101", "p99.999", "P99", "tm90"):
        with pytest.raises(InvalidParameterError, match="percentile p0 to p100"):
            check_statistic(statistic)
    assert check_statistic("p99.99") == "p99.99"
    with pytest.raises(InvalidParameterError, match="end must be after start"):
        aggregate([], period=60, start=T0, end=T0)
    (stats,) = aggregate(
        [Datapoint(T0, value=1.0)], period=60, start=T0, end=T0 + timedelta(minutes=1)
    )
    with pytest.raises(InvalidParameterError, match="was not computed"):
        stats.value("p50")


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=899), st.floats(-1e6, 1e6, allow_nan=False)),
        min_size=1,
        max_size=60,
    ),
    st.randoms(use_true_random=False),
)
def test_order_and_batching_do_not_change_the_statistics(
    samples: list[tuple[int, float]], rnd: random.Random
) -> None:
    points = [Datapoint(T0 + timedelta(seconds=s), value=v) for s, v in samples]
    end = T0 + timedelta(minutes=15)
    expected = aggregate(points, period=300, start=T0, end=end, statistics=["p50", "p90"])
    shuffled = list(points)
    rnd.shuffle(shuffled)
    again = aggregate(shuffled, period=300, start=T0, end=end, statistics=["p50", "p90"])
    assert [(s.timestamp, s.sample_count, s.minimum, s.maximum, s.percentiles) for s in again] == [
        (s.timestamp, s.sample_count, s.minimum, s.maximum, s.percentiles) for s in expected
    ]
    for a, b in zip(again, expected, strict=True):
        assert a.sum == pytest.approx(b.sum, rel=1e-9, abs=1e-6)
    # A period's statistics equal those of its samples computed directly.
    for stats in expected:
        k = int((stats.timestamp - T0).total_seconds()) // 300
        values = np.array([v for s, v in samples if s // 300 == k])
        assert stats.sample_count == len(values)
        assert stats.value("p90") == np.percentile(values, 90, method="inverted_cdf")
