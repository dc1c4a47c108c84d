"""Metric datapoints aggregated into periods, the way CloudWatch aggregates them.

A *datapoint* is one published observation of a metric: a raw value (optionally repeated
``count`` times, PutMetricData's ``Values``/``Counts``) or a pre-aggregated *statistic set*
``{SampleCount, Sum, Minimum, Maximum}``, with a unit. A *period* is a half-open interval of
``period`` seconds ``[t, t + period)``; a period's statistics are stamped with its start time
("data aggregated from 7:00pm to 8:00pm is stamped as 7:00pm", CloudWatch User Guide,
*CloudWatch concepts: Periods*).

Statistics (CloudWatch User Guide, *Statistics definitions*)
    ``SampleCount`` the number of values, ``Sum`` their sum, ``Average`` = ``Sum / SampleCount``,
    ``Minimum``, ``Maximum``; and percentiles ``pNN.NN`` (``p0`` to ``p100``, at most two
    decimals, e.g. ``p99.9``). A statistic set adds its four numbers to the period's.

Percentiles: how Vigil computes them
    CloudWatch does not publish its percentile algorithm. Vigil computes exact percentiles from
    the raw values of the period with the *inverted CDF* (nearest-rank) definition: ``pP`` is the
    smallest value ``v`` such that at least ``P`` percent of the period's samples are ``<= v``,
    counting a value published with ``count`` ``c`` as ``c`` samples. This is the reading of
    CloudWatch's own definition ("p95 ... means that 95 percent of the data within the period is
    lower than this value") that always returns an observed value; it equals
    ``numpy.percentile(values, P, method="inverted_cdf")`` (Hyndman & Fan 1996, definition 1).
    ``p0`` is the minimum and ``p100`` the maximum. The comparison is done in exact arithmetic on
    ``P`` (at most two decimals), so ``p95`` of 20 samples is the 19th smallest, not the 20th.

Percentiles and statistic sets
    A statistic set carries no distribution. As CloudWatch documents (User Guide, *Percentiles*):
    "CloudWatch needs raw data points to calculate percentiles. If you publish data using a
    statistic set instead, you can only retrieve percentile statistics for this data if one of
    the following conditions is true: The SampleCount value of the statistic set is 1 and Min,
    Max, and Sum are all equal. The Min and Max are equal, and Sum is equal to Min multiplied by
    SampleCount." Such a set counts as ``SampleCount`` samples of value ``Min``. Any other
    statistic set in a period makes every percentile of that period undefined (``None``; CloudWatch
    returns no value), while the other statistics of the period stay defined.

    Deviation: CloudWatch's older documentation says percentiles are not available when any value
    is negative (an artefact of its storage). Vigil computes them for negative values too: metrics
    such as a regression's ``r2`` can be negative.

Units
    "Metric data points that specify a unit of measure are aggregated separately" (User Guide,
    *Units*): :func:`aggregate` returns one series per unit unless a unit is asked for.

Period alignment
    The first period starts at the query's start time rounded down as GetMetricStatistics and
    GetMetricData document (:func:`align_start`): to the whole minute when the start is less than
    15 days before ``now``, to a 5-minute clock interval up to 63 days, and to the hour beyond;
    periods of 1, 5, 10, 20 or 30 seconds start on even divisions of the minute. The end time is
    exclusive. Periods with no datapoint yield no statistics (CloudWatch returns nothing for them).

>>> from datetime import datetime, UTC
>>> t = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
>>> points = [Datapoint(t.replace(minute=m), value=v) for m, v in [(1, 1.0), (2, 3.0), (6, 10.0)]]
>>> [(p.timestamp.minute, p.sample_count, p.average, p.value("p50"))
...  for p in aggregate(points, period=300, start=t, end=t.replace(minute=10), now=t,
...                     statistics=["p50"])]
[(0, 2.0, 2.0, 1.0), (5, 1.0, 10.0, 10.0)]
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from vigil.errors import InvalidParameterError

__all__ = [
    "BASIC_STATISTICS",
    "STANDARD_UNITS",
    "Datapoint",
    "PeriodStatistics",
    "StatisticSet",
    "aggregate",
    "align_start",
    "check_period",
    "check_statistic",
    "floor_time",
    "is_percentile",
    "percentile",
]

BASIC_STATISTICS: tuple[str, ...] = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
"""CloudWatch's ``Statistic`` values (CW-API ``Statistic`` enum)."""

STANDARD_UNITS: frozenset[str] = frozenset(
    {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
        "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
        "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
        "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
        "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    }
)  # fmt: skip
"""CloudWatch's ``StandardUnit`` values (CW-API ``MetricDatum.Unit``)."""

_PERCENTILE = re.compile(r"^p(\d{1,3}(?:\.\d{1,2})?)$")
_SUB_MINUTE_PERIODS = (1, 5, 10, 20, 30)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_percentile(statistic: str) -> bool:
    """Whether ``statistic`` is a percentile ``pNN.NN`` (0 <= NN.NN <= 100).

    >>> is_percentile("p99.9"), is_percentile("p101"), is_percentile("Average")
    (True, False, False)
    """
    match = _PERCENTILE.match(statistic)
    return match is not None and Decimal(match.group(1)) <= 100


def check_statistic(statistic: str, field: str = "statistic") -> str:
    """``statistic`` if it is a basic statistic or a percentile, else a typed error.

    Raises
    ------
    InvalidParameterError
        Naming ``field``, listing the accepted forms.
    """
    if statistic in BASIC_STATISTICS or (isinstance(statistic, str) and is_percentile(statistic)):
        return statistic
    raise InvalidParameterError(
        f"{field} must be one of {', '.join(BASIC_STATISTICS)} or a percentile p0 to p100 "
        f"with at most two decimals (e.g. p99.9). Got {statistic!r} instead.",
        field=field,
    )


def check_period(period: int, field: str = "period") -> int:
    """``period`` (seconds) if CloudWatch accepts it: 1, 5, 10, 20, 30 or a multiple of 60.

    Raises
    ------
    InvalidParameterError
        Naming ``field``.
    """
    if (
        isinstance(period, int)
        and not isinstance(period, bool)
        and period > 0
        and (period in _SUB_MINUTE_PERIODS or period % 60 == 0)
    ):
        return period
    raise InvalidParameterError(
        f"{field} must be 1, 5, 10, 20, 30 or a multiple of 60 seconds. Got {period!r} instead.",
        field=field,
    )


def _check_time(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidParameterError(
            f"{field} must be a timezone-aware datetime. Got {value!r} instead.", field=field
        )
    return value.astimezone(UTC)


def _epoch_us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _finite(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidParameterError(
            f"{field} must be a finite number (CloudWatch rejects NaN and Infinity). "
            f"Got {value!r} instead.",
            field=field,
        )
    return float(value)


@dataclass(frozen=True, slots=True)
class StatisticSet:
    """A pre-aggregated set of samples (CloudWatch's ``StatisticValues``).

    Attributes
    ----------
    sample_count : float
        Number of samples, > 0 (CloudWatch allows a fractional count).
    sum : float
        Sum of the samples.
    minimum, maximum : float
        Smallest and largest sample, ``minimum <= maximum``.

    Raises
    ------
    InvalidParameterError
        If a number is not finite, ``sample_count <= 0`` or ``minimum > maximum``.
    """

    sample_count: float
    sum: float
    minimum: float
    maximum: float

    def __post_init__(self) -> None:
        count = _finite(self.sample_count, "StatisticValues.SampleCount")
        _finite(self.sum, "StatisticValues.Sum")
        low = _finite(self.minimum, "StatisticValues.Minimum")
        high = _finite(self.maximum, "StatisticValues.Maximum")
        if count <= 0:
            raise InvalidParameterError(
                f"StatisticValues.SampleCount must be > 0. Got {count!r} instead.",
                field="StatisticValues.SampleCount",
            )
        if low > high:
            raise InvalidParameterError(
                f"StatisticValues.Minimum must be <= Maximum. Got {low!r} > {high!r} instead.",
                field="StatisticValues.Minimum",
            )

    @property
    def has_distribution(self) -> bool:
        """Whether percentiles can use this set: all its samples equal ``minimum``.

        CloudWatch's two documented conditions (module docstring); the second includes the
        first, since ``SampleCount == 1`` and ``Min == Max == Sum`` gives ``Sum == Min * 1``.
        """
        return self.minimum == self.maximum and math.isclose(
            self.sum, self.minimum * self.sample_count, rel_tol=1e-12, abs_tol=1e-12
        )


@dataclass(frozen=True, slots=True)
class Datapoint:
    """One published observation of a metric.

    Exactly one of ``value`` and ``statistic_values`` is given.

    Attributes
    ----------
    timestamp : datetime
        When the observation was made; timezone-aware (converted to UTC).
    value : float, optional
        A raw value.
    statistic_values : StatisticSet, optional
        A pre-aggregated set instead of a value.
    unit : str, default="None"
        One of :data:`STANDARD_UNITS`.
    count : float, default=1.0
        How many times ``value`` was observed (PutMetricData ``Counts``); > 0. Only with
        ``value``.

    Raises
    ------
    InvalidParameterError
        Naming the field that is wrong.
    """

    timestamp: datetime
    value: float | None = None
    statistic_values: StatisticSet | None = None
    unit: str = "None"
    count: float = 1.0
    epoch_us: int = field(init=False, repr=False, compare=False)
    """``timestamp`` in microseconds since the Unix epoch (computed; used to bin quickly)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "timestamp", _check_time(self.timestamp, "Timestamp"))
        object.__setattr__(self, "epoch_us", _epoch_us(self.timestamp))
        if (self.value is None) == (self.statistic_values is None):
            raise InvalidParameterError(
                "A datapoint must have exactly one of Value and StatisticValues. "
                f"Got value={self.value!r}, statistic_values={self.statistic_values!r} instead.",
                field="Value",
            )
        if self.value is not None:
            object.__setattr__(self, "value", _finite(self.value, "Value"))
        if not isinstance(self.statistic_values, StatisticSet | None):
            raise InvalidParameterError(
                "StatisticValues must be a StatisticSet. "
                f"Got {type(self.statistic_values).__name__} instead.",
                field="StatisticValues",
            )
        if _finite(self.count, "Counts") <= 0 or (
            self.statistic_values is not None and self.count != 1.0
        ):
            raise InvalidParameterError(
                f"Counts must be > 0 and only given with Value. Got {self.count!r} instead.",
                field="Counts",
            )
        if self.unit not in STANDARD_UNITS:
            raise InvalidParameterError(
                f"Unit must be a CloudWatch standard unit such as Count, Seconds or None. "
                f"Got {self.unit!r} instead.",
                field="Unit",
            )


@dataclass(frozen=True, slots=True)
class PeriodStatistics:
    """The statistics of one period (one CloudWatch ``Datapoint`` of GetMetricStatistics).

    Attributes
    ----------
    timestamp : datetime
        Start of the period (UTC).
    sample_count : float
        Number of samples in the period, > 0.
    sum, minimum, maximum : float
    unit : str
    percentiles : dict of str to float or None
        The percentiles asked for (``{"p99": 0.8}``); ``None`` where a statistic set without a
        distribution made it undefined.
    """

    timestamp: datetime
    sample_count: float
    sum: float
    minimum: float
    maximum: float
    unit: str = "None"
    percentiles: dict[str, float | None] = field(default_factory=dict)

    @property
    def average(self) -> float:
        """``sum / sample_count``."""
        return self.sum / self.sample_count

    def value(self, statistic: str) -> float | None:
        """The value of ``statistic`` for this period, ``None`` if it is undefined.

        Raises
        ------
        InvalidParameterError
            If ``statistic`` is not a statistic, or a percentile that was not computed.
        """
        if statistic == "SampleCount":
            return self.sample_count
        if statistic == "Average":
            return self.average
        if statistic == "Sum":
            return self.sum
        if statistic == "Minimum":
            return self.minimum
        if statistic == "Maximum":
            return self.maximum
        if statistic in self.percentiles:
            return self.percentiles[statistic]
        check_statistic(statistic)
        raise InvalidParameterError(
            f"statistic {statistic!r} was not computed for this period; pass it in the "
            f"statistics of aggregate(). Got {statistic!r} instead.",
            field="statistic",
        )


def align_start(start: datetime, period: int, *, now: datetime) -> datetime:
    """``start`` rounded down as CloudWatch rounds a query's StartTime.

    Parameters
    ----------
    start : datetime
        Timezone-aware start of the query.
    period : int
        Seconds (see :func:`check_period`).
    now : datetime
        The time of the query; the rounding depends on how old ``start`` is.

    Returns
    -------
    datetime
        UTC. Periods of 1, 5, 10, 20 or 30 s: down to a multiple of ``period`` seconds. Else down
        to the whole minute if ``start`` is less than 15 days before ``now``, to a 5-minute clock
        interval up to 63 days, to the hour beyond (API reference, GetMetricStatistics
        ``StartTime``).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> now = datetime(2024, 5, 20, tzinfo=UTC)
    >>> align_start(datetime(2024, 5, 19, 12, 32, 34, tzinfo=UTC), 60, now=now).time()
    datetime.time(12, 32)
    >>> align_start(datetime(2024, 5, 1, 12, 32, 34, tzinfo=UTC), 60, now=now).time()
    datetime.time(12, 30)
    >>> align_start(datetime(2024, 1, 1, 12, 32, 34, tzinfo=UTC), 60, now=now).time()
    datetime.time(12, 0)
    >>> align_start(datetime(2024, 5, 19, 1, 5, 23, tzinfo=UTC), 10, now=now).time()
    datetime.time(1, 5, 20)
    """
    start = _check_time(start, "start")
    now = _check_time(now, "now")
    check_period(period)
    if period < 60:
        step = period
    else:
        age = now - start
        step = 60 if age < timedelta(days=15) else 300 if age <= timedelta(days=63) else 3600
    return floor_time(start, step)


def floor_time(moment: datetime, step: int) -> datetime:
    """``moment`` rounded down to a multiple of ``step`` seconds since the Unix epoch (UTC).

    >>> from datetime import datetime, UTC
    >>> floor_time(datetime(2024, 5, 1, 12, 7, 59, 999999, tzinfo=UTC), 300).time()
    datetime.time(12, 5)
    """
    moment = _check_time(moment, "time")
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    step_micros = step * 1_000_000
    return _EPOCH + timedelta(microseconds=micros - micros % step_micros)


def percentile(
    values: Sequence[float], p: float | str, weights: Sequence[float] | None = None
) -> float:
    """The ``p``-th percentile of ``values`` by the inverted-CDF (nearest-rank) definition.

    Parameters
    ----------
    values : sequence of float, length n >= 1
    p : float or str
        Percent in [0, 100] with at most two decimals (``95``, ``99.9``, ``"p99.9"``).
    weights : sequence of float, length n, optional
        Positive sample counts per value (default 1 each).

    Returns
    -------
    float
        The smallest value ``v`` with ``sum(weights[values <= v]) >= p / 100 * sum(weights)``
        (Hyndman & Fan 1996, definition 1; ``numpy.percentile(..., method="inverted_cdf")``).

    Raises
    ------
    InvalidParameterError
        If ``values`` is empty, the lengths differ or ``p`` is out of range.

    Examples
    --------
    >>> percentile([5.0, 1.0, 4.0, 2.0, 3.0], 50)
    3.0
    >>> percentile([1.0, 2.0], "p50"), percentile([1.0, 2.0], 50.01)
    (1.0, 2.0)
    """
    rank = _percent(p)
    if len(values) == 0:
        raise InvalidParameterError(
            "values of percentile must hold at least one number. Got an empty sequence instead.",
            field="values",
        )
    w = [1.0] * len(values) if weights is None else list(weights)
    if len(w) != len(values):
        raise InvalidParameterError(
            f"weights of percentile must have the length of values ({len(values)}). "
            f"Got {len(w)} instead.",
            field="weights",
        )
    pairs = sorted(zip(values, w, strict=True))
    return _weighted_percentile(pairs, rank)


def _percent(p: float | str) -> Fraction:
    """``p`` as an exact fraction of 1 (``"p95"`` and ``95`` give 19/20)."""
    text = p[1:] if isinstance(p, str) and p.startswith("p") else str(p)
    try:
        percent = Fraction(Decimal(text))
    except (ArithmeticError, ValueError):
        percent = Fraction(-1)
    if not 0 <= percent <= 100:
        raise InvalidParameterError(
            f"p of percentile must be a percent in [0, 100]. Got {p!r} instead.", field="p"
        )
    return percent / 100


def _weighted_percentile(pairs: Sequence[tuple[float, float]], rank: Fraction) -> float:
    """Smallest value whose cumulative weight reaches ``rank`` of the total (pairs sorted).

    Exact: with whole-number weights (raw values, integer counts) the comparison
    ``cumulative / total >= numerator / denominator`` is done in integers; otherwise in fractions.
    """
    numerator, denominator = rank.numerator, rank.denominator
    if all(float(w).is_integer() for _, w in pairs):
        weights = [int(w) for _, w in pairs]
        target = numerator * sum(weights)
        cumulative = 0
        for (value, _), weight in zip(pairs, weights, strict=True):
            cumulative += weight
            if cumulative * denominator >= target:
                return value
        return pairs[-1][0]
    total = sum((Fraction(w) for _, w in pairs), Fraction(0))
    running = Fraction(0)
    for item, share in pairs:
        running += Fraction(share)
        if running >= rank * total:
            return item
    return pairs[-1][0]


class _Accumulator:
    """Running statistics of one period; keeps raw values only when percentiles are wanted."""

    __slots__ = ("count", "high", "low", "no_distribution", "samples", "total", "units")

    def __init__(self) -> None:
        self.count = 0.0
        self.total = 0.0
        self.low = math.inf
        self.high = -math.inf
        self.samples: list[tuple[float, float]] = []
        self.no_distribution = False
        self.units: set[str] = set()

    @property
    def unit(self) -> str:
        """The common unit of the samples, ``"None"`` if they differ."""
        return next(iter(self.units)) if len(self.units) == 1 else "None"

    def add_set(self, stats: StatisticSet, keep_samples: bool) -> None:
        self.count += stats.sample_count
        self.total += stats.sum
        self.low = min(self.low, stats.minimum)
        self.high = max(self.high, stats.maximum)
        if not keep_samples:
            return
        if stats.has_distribution:
            self.samples.append((stats.minimum, stats.sample_count))
        else:
            self.no_distribution = True

    def result(self, start: datetime, unit: str, wanted: Sequence[str]) -> PeriodStatistics:
        percentiles: dict[str, float | None] = {}
        if wanted:
            ordered = sorted(self.samples)
            for name in wanted:
                percentiles[name] = (
                    None if self.no_distribution else _weighted_percentile(ordered, _percent(name))
                )
        return PeriodStatistics(
            timestamp=start,
            sample_count=self.count,
            sum=self.total,
            minimum=self.low,
            maximum=self.high,
            unit=unit,
            percentiles=percentiles,
        )


def aggregate(
    datapoints: Iterable[Datapoint],
    *,
    period: int,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
    statistics: Sequence[str] = (),
    unit: str | None = None,
    merge_units: bool = False,
    align: bool = True,
) -> list[PeriodStatistics]:
    """Aggregate datapoints into periods ``[start + k·period, start + (k+1)·period)`` before ``end``.

    Parameters
    ----------
    datapoints : iterable of Datapoint
        Any order; those outside ``[start, end)`` (after alignment) are ignored.
    period : int
        Seconds: 1, 5, 10, 20, 30 or a multiple of 60.
    start, end : datetime
        Timezone-aware; ``end`` is exclusive.
    now : datetime, optional
        Time of the query, used by :func:`align_start`; default ``end``.
    statistics : sequence of str, default=()
        Percentiles to compute besides the basic statistics (always computed), e.g.
        ``["p50", "p99"]``; basic statistic names are accepted and ignored.
    unit : str, optional
        Only datapoints of this unit. Default: every unit, one series per unit.
    merge_units : bool, default=False
        With ``unit=None``: one series for all units instead (its ``unit`` is the common unit,
        or ``"None"`` if they differ). Alarms without a unit use this.
    align : bool, default=True
        Round ``start`` down with :func:`align_start`; ``False`` takes ``start`` as given (the
        alarm evaluator aligns its own range).

    Returns
    -------
    list of PeriodStatistics
        One per (period, unit) holding at least one sample, ordered by time then unit.

    Raises
    ------
    InvalidParameterError
        For a bad period, statistic or unit, naive datetimes or ``end <= start``.
    """
    check_period(period)
    start = _check_time(start, "start")
    end = _check_time(end, "end")
    wanted = [check_statistic(s, "statistics") for s in statistics]
    wanted = list(dict.fromkeys(s for s in wanted if s not in BASIC_STATISTICS))
    if unit is not None and unit not in STANDARD_UNITS:
        raise InvalidParameterError(
            f"unit must be a CloudWatch standard unit. Got {unit!r} instead.", field="unit"
        )
    if end <= start:
        raise InvalidParameterError(
            f"end must be after start. Got start={start.isoformat()}, end={end.isoformat()} "
            "instead.",
            field="end",
        )
    if align:
        start = align_start(start, period, now=end if now is None else now)
    start_micros = _epoch_us(start)
    end_micros = _epoch_us(end)
    step = period * 1_000_000
    groups: dict[tuple[int, str], _Accumulator] = {}
    keep = bool(wanted)
    for point in datapoints:  # the hot loop: plain attribute and integer work only
        if unit is not None and point.unit != unit:
            continue
        micros = point.epoch_us
        if micros < start_micros or micros >= end_micros:
            continue
        key = ((micros - start_micros) // step, "" if merge_units else point.unit)
        acc = groups.get(key)
        if acc is None:
            acc = groups[key] = _Accumulator()
        if merge_units:
            acc.units.add(point.unit)
        value = point.value
        if value is None:
            if point.statistic_values is not None:
                acc.add_set(point.statistic_values, keep)
            continue
        weight = point.count
        acc.count += weight
        acc.total += value * weight
        if value < acc.low:
            acc.low = value
        if value > acc.high:
            acc.high = value
        if keep:
            acc.samples.append((value, weight))
    return [
        groups[key].result(
            start + timedelta(seconds=key[0] * period), key[1] or groups[key].unit, wanted
        )
        for key in sorted(groups)
    ]
