"""Benchmark alarm evaluation: 1,000 metric alarms, 100 datapoints each.

What is measured
----------------
The pure evaluation half of issue #18's benchmark (the ingestion half, with the metric store on
SQLite and PostgreSQL, comes with the store). Seeded data is built in memory before the clock
starts: ``--alarms`` alarms (1,000), each on its own metric with ``--datapoints`` raw datapoints
(100) spread over its evaluation range. The alarms mix what users configure: statistics
``Average``, ``Sum``, ``Maximum``, ``SampleCount`` and ``p90``; periods of 60 and 300 s; N of
1 to 5 with M of N; all four ``treat_missing_data`` settings; one alarm in five has gaps (periods
without data) and one in ten a statistic-set datapoint.

Then, ``--repeat`` times (default 5), it times:

* ``raw``: :func:`vigil.alerting.alarms.evaluate_alarm` for every alarm over its raw datapoints
  (aggregation into periods, the M-of-N rule, StateReason and StateReasonData on transitions);
* ``periods``: :func:`vigil.alerting.alarms.evaluate_periods` over period statistics aggregated
  beforehand, which is what a store that aggregates in SQL would call;
* ``steady``: ``raw`` again from the states the first evaluation produced, so that (almost) no
  alarm changes state: the cost of a timer tick, without reason texts and history items.

All alarms start in INSUFFICIENT_DATA, so ``raw`` and ``periods`` are the worst case: nearly every
alarm changes state and builds its StateReason, StateReasonData and history item.

Figures: wall seconds for all alarms (best and median of the repeats), CPU seconds, microseconds
per alarm, datapoints/s, the resulting state counts and the 1-minute load average (the machine is
shared: read the figures with it).

Target (issue #18): all 1,000 alarms evaluated in <= 1 s.

Usage, from the repository root::

    .venv/bin/python bench/alarms.py [--alarms N] [--datapoints N] [--repeat N] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from vigil.alerting.alarms import (
    AlarmState,
    MetricAlarm,
    evaluate_alarm,
    evaluate_periods,
    evaluation_range,
    initial_state,
)
from vigil.alerting.statistics import Datapoint, PeriodStatistics, StatisticSet, aggregate

NOW = datetime(2026, 12, 7, 10, 5, 12, tzinfo=UTC)
STATISTICS = ("Average", "Sum", "Maximum", "SampleCount", "p90")
OPERATORS = (
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)
TREATMENTS = ("missing", "notBreaching", "breaching", "ignore")


def build(
    n_alarms: int, n_points: int, seed: int
) -> list[tuple[MetricAlarm, AlarmState, list[Datapoint]]]:
    """Seeded alarms, their current states and their metrics' datapoints."""
    rng = random.Random(seed)
    out = []
    for i in range(n_alarms):
        n = rng.randint(1, 5)
        alarm = MetricAlarm(
            alarm_name=f"alarm-{i:04d}",
            namespace="aws/sagemaker/Endpoints/data-metrics",
            metric_name=f"feature_baseline_drift_f{i:04d}",
            comparison_operator=rng.choice(OPERATORS),
            threshold=rng.uniform(0.3, 0.7),
            period=rng.choice((60, 300)),
            evaluation_periods=n,
            datapoints_to_alarm=rng.randint(1, n),
            statistic=rng.choice(STATISTICS),
            treat_missing_data=rng.choice(TREATMENTS),
            dimensions=(("Endpoint", "churn-ep"), ("MonitoringSchedule", "churn-dq")),
        )
        start, end = evaluation_range(alarm, NOW)
        span = (end - start).total_seconds()
        gaps = rng.random() < 0.2
        points = []
        for _ in range(n_points):
            offset = rng.uniform(0, span)
            if gaps and int(offset // alarm.period) % 2 == 1:
                offset -= alarm.period  # empty every other period
            points.append(Datapoint(start + timedelta(seconds=offset), value=rng.random()))
        if rng.random() < 0.1:
            points[-1] = Datapoint(
                points[-1].timestamp, statistic_values=StatisticSet(5, 2.5, 0.1, 0.9)
            )
        state = initial_state(NOW - timedelta(hours=1))
        out.append((alarm, state, points))
    return out


def pre_aggregate(
    cases: list[tuple[MetricAlarm, AlarmState, list[Datapoint]]],
) -> list[list[PeriodStatistics]]:
    """Each alarm's period statistics, as a store aggregating in SQL would hand them over."""
    out = []
    for alarm, _, points in cases:
        start, end = evaluation_range(alarm, NOW)
        out.append(aggregate(points, period=alarm.period, start=start, end=end,
                             statistics=[alarm.statistic], align=False, merge_units=True))  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alarms", type=int, default=1000)
    parser.add_argument("--datapoints", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()

    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    cases = build(args.alarms, args.datapoints, args.seed)
    periods = pre_aggregate(cases)
    total_points = args.alarms * args.datapoints

    results: dict[str, list[tuple[float, float]]] = {"raw": [], "periods": [], "steady": []}
    settled = [e.state for e in (evaluate_alarm(a, s, p, now=NOW) for a, s, p in cases)]
    outcome: Counter[str] = Counter()
    for run in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        evaluations = [evaluate_alarm(a, s, p, now=NOW) for a, s, p in cases]
        results["raw"].append((time.perf_counter() - wall, time.process_time() - cpu))
        wall, cpu = time.perf_counter(), time.process_time()
        for (alarm, state, _), stats in zip(cases, periods, strict=True):
            evaluate_periods(alarm, state, stats, now=NOW)
        results["periods"].append((time.perf_counter() - wall, time.process_time() - cpu))
        wall, cpu = time.perf_counter(), time.process_time()
        steady = [
            evaluate_alarm(a, state, p, now=NOW)
            for (a, _, p), state in zip(cases, settled, strict=True)
        ]
        results["steady"].append((time.perf_counter() - wall, time.process_time() - cpu))
        if run == 0:
            outcome = Counter(e.state.value.value for e in evaluations)
            changed = sum(e.changed for e in evaluations)
            steady_changed = sum(e.changed for e in steady)
        print(
            f"run {run + 1}: raw {results['raw'][-1][0]:.3f} s, "
            f"periods {results['periods'][-1][0]:.3f} s, steady {results['steady'][-1][0]:.3f} s "
            f"(load {os.getloadavg()[0]:.2f})"
        )

    print(f"\n{args.alarms} alarms x {args.datapoints} datapoints ({total_points:,} datapoints)")
    print(
        f"states after evaluation: {dict(sorted(outcome.items()))}, transitions: {changed} "
        f"(steady: {steady_changed})"
    )
    for name, runs in results.items():
        walls = [w for w, _ in runs]
        cpus = [c for _, c in runs]
        best, median = min(walls), statistics.median(walls)
        print(
            f"{name:>8}: best {best:.3f} s, median {median:.3f} s, CPU median "
            f"{statistics.median(cpus):.3f} s, {1e6 * median / args.alarms:.0f} us/alarm"
            + (f", {total_points / median:,.0f} datapoints/s" if name != "periods" else "")
        )
    wall = statistics.median(w for w, _ in results["raw"])
    cpu = statistics.median(c for _, c in results["raw"])
    print(
        f"target (all {args.alarms} alarms <= 1 s from raw datapoints): wall {wall:.3f} s "
        f"{'met' if wall <= 1.0 else 'NOT met'}, CPU {cpu:.3f} s {'met' if cpu <= 1.0 else 'NOT met'}"
    )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
