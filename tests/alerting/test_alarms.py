"""Alarm evaluation: CloudWatch's documented tables and examples, and hand-computed truth tables.

Every test places real datapoints at the periods of the evaluation range and runs the whole
evaluation (aggregation, the M-of-N rule, StateReason and StateReasonData), except the rule-only
checks that call :func:`decide` directly.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.alerting.alarms import (
    AlarmState,
    ComparisonOperator,
    MetricAlarm,
    StateValue,
    TreatMissingData,
    alarm_created_history,
    alarm_updated_history,
    decide,
    evaluate_alarm,
    evaluation_range,
    initial_state,
    set_state,
)
from vigil.alerting.statistics import Datapoint, StatisticSet
from vigil.errors import InvalidParameterError

NOW = datetime(2024, 5, 1, 12, 0, 30, 250000, tzinfo=UTC)
OK, ALARM, INSUFFICIENT = StateValue.OK, StateValue.ALARM, StateValue.INSUFFICIENT_DATA
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")


def _alarm(**kwargs: Any) -> MetricAlarm:
    defaults: dict[str, Any] = {
        "alarm_name": "churn-age-drift",
        "namespace": "aws/sagemaker/Endpoints/data-metrics",
        "metric_name": "feature_baseline_drift_age",
        "comparison_operator": "GreaterThanThreshold",
        "threshold": 5.0,
        "period": 60,
        "evaluation_periods": 3,
        "statistic": "Average",
    }
    return MetricAlarm(**{**defaults, **kwargs})


def _points(alarm: MetricAlarm, values: list[float | None], now: datetime) -> list[Datapoint]:
    """One datapoint inside each period of the evaluation range (oldest first; None = no data)."""
    start, _ = evaluation_range(alarm, now)
    size = alarm.evaluation_periods + 2
    assert len(values) == size
    return [
        Datapoint(start + timedelta(seconds=alarm.period * i + 1), value=v)
        for i, v in enumerate(values)
        if v is not None
    ]


def _state(value: StateValue) -> AlarmState:
    return AlarmState(value, "before", None, NOW - timedelta(hours=1))


# --- CloudWatch's conformance table (User Guide, two tables; spec §1.3) ---------------------

# N/M, points oldest→newest, then the outcome for missing, ignore, breaching, notBreaching
# ("=" keeps the state).
CLOUDWATCH_TABLE = [
    (3, 3, "0 - X - X", ("OK", "OK", "OK", "OK")),
    (3, 3, "0 - - - -", ("OK", "OK", "OK", "OK")),
    (3, 3, "- - - - -", ("INSUFFICIENT_DATA", "=", "ALARM", "OK")),
    (3, 3, "0 X X - X", ("ALARM", "ALARM", "ALARM", "ALARM")),
    (3, 3, "- - X - -", ("ALARM", "=", "ALARM", "OK")),
    (3, 2, "0 - X - X", ("ALARM", "ALARM", "ALARM", "ALARM")),
    (3, 2, "0 0 X 0 X", ("ALARM", "ALARM", "ALARM", "ALARM")),
    (3, 2, "0 - X - -", ("OK", "OK", "ALARM", "OK")),
    (3, 2, "- - - - 0", ("OK", "OK", "ALARM", "OK")),
    (3, 2, "- - - X -", ("ALARM", "=", "ALARM", "OK")),
]
TABLE_FILLS = [0, 2, 3, 0, 2, 0, 0, 1, 2, 2]  # the table's "fill" column


def _symbols(points: str) -> list[float | None]:
    return [{"X": 10.0, "0": 1.0, "-": None}[s] for s in points.split()]


@pytest.mark.parametrize(("row", "n", "m", "points", "expected"),
                         [(i + 1, *r) for i, r in enumerate(CLOUDWATCH_TABLE)])  # fmt: skip
@pytest.mark.parametrize("previous", [OK, ALARM, INSUFFICIENT])
def test_cloudwatch_documented_table(
    row: int, n: int, m: int, points: str, expected: tuple[str, ...], previous: StateValue
) -> None:
    for treatment, outcome in zip(TREATMENTS, expected, strict=True):
        alarm = _alarm(evaluation_periods=n, datapoints_to_alarm=m, treat_missing_data=treatment)
        result = evaluate_alarm(
            alarm, _state(previous), _points(alarm, _symbols(points), NOW), now=NOW
        )
        want = previous if outcome == "=" else StateValue(outcome)
        assert result.state.value is want, (row, treatment)
        assert result.changed is (want is not previous)
        assert result.decision is not None
        assert len(result.decision.fills) == TABLE_FILLS[row - 1], (row, treatment)


def test_premature_alarm_guard() -> None:
    """``- - - - X`` must not alarm yet under ``missing``; ``- - X - -`` may (User Guide)."""
    for points, expected in (("- - - - X", None), ("- - - X X", None), ("- - X - -", ALARM)):
        breaches = [None if s == "-" else s == "X" for s in points.split()]
        decision = decide(breaches, evaluation_periods=3, datapoints_to_alarm=3,
                          treat_missing_data="missing")  # fmt: skip
        assert decision.outcome is expected, points


# --- hand-computed truth tables: operator × treat-missing-data × M of N ---------------------

# Threshold 5; the ranges (N = 3, 5 periods, oldest first) and, per operator, what breaches:
#   S1 = 6 5 - 4 5   GT: X 0 - 0 0   GE: X X - 0 X   LT: 0 0 - X 0   LE: 0 X - X X
#   S2 = - - 6 - 5   GT: - - X - 0   GE: - - X - X   LT: - - 0 - 0   LE: - - 0 - X
#   S3 = 5 - 6 - -   GT: 0 - X - -   GE: X - X - -   LT: 0 - 0 - -   LE: X - 0 - -
#   S4 = - - - - -   (nothing)
#   S5 = - - - - 6   GT: - - - - X   GE: - - - - X   LT: - - - - 0   LE: - - - - 0
# Expected state for M = 3, 2, 1 (A = ALARM, O = OK, I = INSUFFICIENT_DATA, = keeps it).
SEQUENCES = {
    "S1": [6.0, 5.0, None, 4.0, 5.0],
    "S2": [None, None, 6.0, None, 5.0],
    "S3": [5.0, None, 6.0, None, None],
    "S4": [None, None, None, None, None],
    "S5": [None, None, None, None, 6.0],
}
OPS = {
    "GT": "GreaterThanThreshold",
    "GE": "GreaterThanOrEqualToThreshold",
    "LT": "LessThanThreshold",
    "LE": "LessThanOrEqualToThreshold",
}
TRUTH = {
    # S1: four real points, the newest three decide (5, 4, 5); treatment unused.
    ("S1", "GT"): {"missing": "OOO", "ignore": "OOO", "breaching": "OOO", "notBreaching": "OOO"},
    ("S1", "GE"): {"missing": "OAA", "ignore": "OAA", "breaching": "OAA", "notBreaching": "OAA"},
    ("S1", "LT"): {"missing": "OOA", "ignore": "OOA", "breaching": "OOA", "notBreaching": "OOA"},
    ("S1", "LE"): {"missing": "AAA", "ignore": "AAA", "breaching": "AAA", "notBreaching": "AAA"},
    # S2: two real points and one fill.
    ("S2", "GT"): {"missing": "OOA", "ignore": "OOA", "breaching": "OAA", "notBreaching": "OOA"},
    ("S2", "GE"): {"missing": "AAA", "ignore": "=AA", "breaching": "AAA", "notBreaching": "OAA"},
    ("S2", "LT"): {"missing": "OOO", "ignore": "OOO", "breaching": "OOA", "notBreaching": "OOO"},
    ("S2", "LE"): {"missing": "OOA", "ignore": "OOA", "breaching": "OAA", "notBreaching": "OOA"},
    # S3: two real points (the oldest 5 periods old) and one fill.
    ("S3", "GT"): {"missing": "OOA", "ignore": "OOA", "breaching": "OAA", "notBreaching": "OOA"},
    ("S3", "GE"): {"missing": "AAA", "ignore": "=AA", "breaching": "AAA", "notBreaching": "OAA"},
    ("S3", "LT"): {"missing": "OOO", "ignore": "OOO", "breaching": "OOA", "notBreaching": "OOO"},
    ("S3", "LE"): {"missing": "OOA", "ignore": "OOA", "breaching": "OAA", "notBreaching": "OOA"},
    # S4: no data at all.
    **{
        ("S4", op): {"missing": "III", "ignore": "===", "breaching": "AAA", "notBreaching": "OOO"}
        for op in OPS
    },
    # S5: one real point in the newest period: too young to alarm under "missing" unless M = 1.
    ("S5", "GT"): {"missing": "==A", "ignore": "==A", "breaching": "AAA", "notBreaching": "OOA"},
    ("S5", "GE"): {"missing": "==A", "ignore": "==A", "breaching": "AAA", "notBreaching": "OOA"},
    ("S5", "LT"): {"missing": "OOO", "ignore": "OOO", "breaching": "OAA", "notBreaching": "OOO"},
    ("S5", "LE"): {"missing": "OOO", "ignore": "OOO", "breaching": "OAA", "notBreaching": "OOO"},
}
_LETTER = {"A": ALARM, "O": OK, "I": INSUFFICIENT}


@pytest.mark.parametrize(("sequence", "op"), sorted(TRUTH))
def test_hand_computed_truth_table(sequence: str, op: str) -> None:
    previous = _state(INSUFFICIENT)
    for treatment, outcomes in TRUTH[(sequence, op)].items():
        for m, letter in zip((3, 2, 1), outcomes, strict=True):
            alarm = _alarm(comparison_operator=OPS[op], datapoints_to_alarm=m,
                           treat_missing_data=treatment)  # fmt: skip
            points = _points(alarm, SEQUENCES[sequence], NOW)
            result = evaluate_alarm(alarm, previous, points, now=NOW)
            want = INSUFFICIENT if letter in "=I" else _LETTER[letter]
            assert result.state.value is want, (sequence, op, treatment, m)
            assert result.changed is (want is not INSUFFICIENT)


@pytest.mark.parametrize(
    ("op", "below", "equal", "above"),
    [
        ("GreaterThanThreshold", False, False, True),
        ("GreaterThanOrEqualToThreshold", False, True, True),
        ("LessThanThreshold", True, False, False),
        ("LessThanOrEqualToThreshold", True, True, False),
    ],
)
def test_operator_truth_table(op: str, below: bool, equal: bool, above: bool) -> None:
    operator = ComparisonOperator(op)
    assert [operator.breaches(v, 5.0) for v in (4.999, 5.0, 5.001)] == [below, equal, above]
    for value, breach in ((4.999, below), (5.0, equal), (5.001, above)):
        alarm = _alarm(comparison_operator=op, evaluation_periods=1)
        result = evaluate_alarm(
            alarm, initial_state(NOW), _points(alarm, [None, None, value], NOW), now=NOW
        )
        assert result.state.value is (ALARM if breach else OK)


# --- CloudWatch's documented examples: reason texts and reason data -------------------------


def test_user_guide_eventbridge_example_alarm() -> None:
    """CloudWatch User Guide, "Alarm events and EventBridge": single-metric alarm."""
    alarm = MetricAlarm(
        "ServerCpuTooHigh", "AWS/EC2", "CPUUtilization", "GreaterThanThreshold", 50.0,
        period=300, evaluation_periods=1, datapoints_to_alarm=1,
        dimensions=(("InstanceId", "i-12345678901234567"),), account="123456789012",
        region="us-east-1",
    )  # fmt: skip
    now = datetime(2019, 10, 2, 17, 4, 40, 985000, tzinfo=UTC)
    previous = AlarmState(OK, "earlier", None, now - timedelta(days=1))
    points = [Datapoint(datetime(2019, 10, 2, 17, 1, 12, tzinfo=UTC), value=99.50160229693434)]
    result = evaluate_alarm(alarm, previous, points, now=now)
    assert result.state.reason == (
        "Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] "
        "was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )
    assert result.state.reason_data == (
        '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000",'
        '"startDate":"2019-10-02T16:59:00.000+0000","statistic":"Average","period":300,'
        '"recentDatapoints":[99.50160229693434],"threshold":50.0,'
        '"evaluatedDatapoints":[{"timestamp":"2019-10-02T16:59:00.000+0000","sampleCount":1.0,'
        '"value":99.50160229693434}]}'
    )
    assert alarm.alarm_arn == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"
    assert result.fires_actions


def test_user_guide_example_ok_uses_the_newest_real_point_past_a_gap() -> None:
    """The same page's previous state: the newest period is empty, 13:46 decides."""
    alarm = MetricAlarm("ServerCpuTooHigh", "AWS/EC2", "CPUUtilization", "GreaterThanThreshold",
                        50.0, period=300, evaluation_periods=1, datapoints_to_alarm=1)  # fmt: skip
    now = datetime(2019, 10, 1, 13, 56, 40, 985000, tzinfo=UTC)
    points = [Datapoint(datetime(2019, 10, 1, 13, 47, tzinfo=UTC), value=0.0666851903306472)]
    result = evaluate_alarm(alarm, AlarmState(ALARM, "x", None, now), points, now=now)
    assert result.state.reason == (
        "Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] "
        "was not greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition)."
    )
    assert result.state.reason_data is not None
    assert result.state.reason_data.startswith(
        '{"version":"1.0","queryDate":"2019-10-01T13:56:40.985+0000",'
        '"startDate":"2019-10-01T13:46:00.000+0000","statistic":"Average","period":300,'
        '"recentDatapoints":[0.0666851903306472],"threshold":50.0,'
    )


def test_recorded_lambda_alarm_reason_data_exactly() -> None:
    """A recorded Sum alarm whose reason data has evaluatedDatapoints (1051 invocations)."""
    alarm = MetricAlarm("lambda_error_alarm", "AWS/Lambda", "Errors", "GreaterThanThreshold",
                        12.0, period=60, evaluation_periods=1, datapoints_to_alarm=1,
                        statistic="Sum")  # fmt: skip
    now = datetime(2024, 7, 16, 13, 14, 42, 817000, tzinfo=UTC)
    counted = StatisticSet(sample_count=1051, sum=1051.0, minimum=1.0, maximum=1.0)
    points = [Datapoint(datetime(2024, 7, 16, 13, 13, 5, tzinfo=UTC), statistic_values=counted)]
    result = evaluate_alarm(alarm, _state(OK), points, now=now)
    assert result.state.reason == (
        "Threshold Crossed: 1 out of the last 1 datapoints [1051.0 (16/07/24 13:13:00)] was greater "
        "than the threshold (12.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )
    assert result.state.reason_data == (
        '{"version":"1.0","queryDate":"2024-07-16T13:14:42.817+0000",'
        '"startDate":"2024-07-16T13:13:00.000+0000","statistic":"Sum","period":60,'
        '"recentDatapoints":[1051.0],"threshold":12.0,"evaluatedDatapoints":[{"timestamp":'
        '"2024-07-16T13:13:00.000+0000","sampleCount":1051.0,"value":1051.0}]}'
    )


def test_recorded_two_of_two_alarm() -> None:
    """A recorded RDS alarm: plural form, newest first in the reason, oldest first in the data."""
    alarm = MetricAlarm("cpu", "AWS/RDS", "CPUUtilization", "GreaterThanThreshold", 10.0,
                        period=300, evaluation_periods=2, datapoints_to_alarm=2)  # fmt: skip
    now = datetime(2022, 1, 17, 14, 47, 42, 271000, tzinfo=UTC)
    points = [
        Datapoint(datetime(2022, 1, 17, 14, 37, s, tzinfo=UTC), value=v)
        for s, v in enumerate([11.0, 11.488333333333333 * 5 - 44.0, 11.0, 11.0, 11.0])
    ] + [Datapoint(datetime(2022, 1, 17, 14, 42, s, tzinfo=UTC), value=15.398333333333332)
         for s in range(5)]  # fmt: skip
    result = evaluate_alarm(alarm, _state(OK), points, now=now)
    assert result.state.reason == (
        "Threshold Crossed: 2 out of the last 2 datapoints [15.398333333333332 (17/01/22 14:42:00), "
        "11.488333333333333 (17/01/22 14:37:00)] were greater than the threshold (10.0) "
        "(minimum 2 datapoints for OK -> ALARM transition)."
    )
    data = json.loads(result.state.reason_data or "")
    assert data["startDate"] == "2022-01-17T14:37:00.000+0000"
    assert data["recentDatapoints"] == [11.488333333333333, 15.398333333333332]
    assert data["evaluatedDatapoints"] == [
        {
            "timestamp": "2022-01-17T14:42:00.000+0000",
            "sampleCount": 5.0,
            "value": 15.398333333333332,
        },
        {
            "timestamp": "2022-01-17T14:37:00.000+0000",
            "sampleCount": 5.0,
            "value": 11.488333333333333,
        },
    ]


def test_recorded_reasons_without_datapoints_to_alarm() -> None:
    """Recorded alarms created without DatapointsToAlarm use the shorter form."""
    alarm = MetricAlarm("poller-errors", "ns", "Errors", "GreaterThanThreshold", 0.0,
                        period=180, evaluation_periods=3, statistic="Sum")  # fmt: skip
    t = datetime(2026, 8, 19, tzinfo=UTC)
    points = [Datapoint(t.replace(hour=5, minute=m, second=10), value=v)
              for m, v in ((44, 1.0), (47, 3.0), (50, 2.0))]  # fmt: skip
    raised = evaluate_alarm(alarm, _state(OK), points, now=t.replace(hour=5, minute=53, second=32))
    assert raised.state.reason == (
        "Threshold Crossed: 3 datapoints [2.0 (19/08/26 05:50:00), 3.0 (19/08/26 05:47:00), "
        "1.0 (19/08/26 05:44:00)] were greater than the threshold (0.0)."
    )
    points = [Datapoint(t.replace(hour=9, minute=m, second=10), value=v)
              for m, v in ((42, 2.0), (45, 1.0), (48, 0.0))]  # fmt: skip
    cleared = evaluate_alarm(
        alarm, raised.state, points, now=t.replace(hour=9, minute=51, second=32)
    )
    assert cleared.state.reason == (
        "Threshold Crossed: 1 datapoint [0.0 (19/08/26 09:48:00)] was not greater than the "
        "threshold (0.0)."
    )


def test_recorded_reasons_with_missing_data_treated_as_breaching() -> None:
    alarm = MetricAlarm("watermark-stale", "ns", "CycleComplete", "LessThanOrEqualToThreshold",
                        0.0, period=900, evaluation_periods=8, statistic="Sum",
                        treat_missing_data="breaching")  # fmt: skip
    t = datetime(2026, 8, 19, tzinfo=UTC)
    raised = evaluate_alarm(alarm, _state(OK), [], now=t.replace(hour=8, minute=14, second=49))
    assert raised.state.value is ALARM
    assert raised.state.reason == (
        "Threshold Crossed: no datapoints were received for 8 periods and 8 missing datapoints "
        "were treated as [Breaching]."
    )
    one = [Datapoint(t.replace(hour=9, minute=40), value=2.0)]
    cleared = evaluate_alarm(alarm, raised.state, one, now=t.replace(hour=9, minute=51, second=49))
    assert cleared.state.value is OK
    assert cleared.state.reason == (
        "Threshold Crossed: 1 datapoint [2.0 (19/08/26 09:36:00)] was not less than or equal to "
        "the threshold (0.0) and 7 missing datapoints were treated as [Breaching]."
    )


def test_recorded_m_of_n_reason_with_non_breaching_fills() -> None:
    alarm = MetricAlarm("waf-rate", "AWS/WAFV2", "BlockedRequests",
                        "GreaterThanOrEqualToThreshold", 1.0, period=60, evaluation_periods=20,
                        datapoints_to_alarm=1, statistic="Sum",
                        treat_missing_data="notBreaching")  # fmt: skip
    now = datetime(2024, 3, 16, 12, 16, 45, 770000, tzinfo=UTC)
    points = [Datapoint(datetime(2024, 3, 16, 12, 15, 30, tzinfo=UTC), value=613.0)]
    result = evaluate_alarm(alarm, _state(OK), points, now=now)
    assert result.state.reason == (
        "Threshold Crossed: 1 out of the last 20 datapoints [613.0 (16/03/24 12:15:00)] was greater "
        "than or equal to the threshold (1.0) and 19 missing datapoints were treated as "
        "[NonBreaching] (minimum 1 datapoint for OK -> ALARM transition)."
    )


def test_recorded_no_data_reasons_singular_and_insufficient() -> None:
    alarm = MetricAlarm("heartbeat", "ns", "Beats", "LessThanThreshold", 0.0, period=60,
                        evaluation_periods=1, statistic="Sum", unit="Count",
                        treat_missing_data="notBreaching")  # fmt: skip
    now = datetime(2018, 9, 16, 0, 22, 56, 53000, tzinfo=UTC)
    result = evaluate_alarm(alarm, _state(ALARM), [], now=now)
    assert result.state.reason == (
        "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was "
        "treated as [NonBreaching]."
    )
    assert result.state.reason_data == (
        '{"version":"1.0","queryDate":"2018-09-16T00:22:56.053+0000","unit":"Count",'
        '"statistic":"Sum","period":60,"recentDatapoints":[],"threshold":0.0,'
        '"evaluatedDatapoints":[{"timestamp":"2018-09-16T00:21:00.000+0000"}]}'
    )
    billing = MetricAlarm("BillingAlarm", "AWS/Billing", "EstimatedCharges",
                          "GreaterThanThreshold", 10.0, period=300, evaluation_periods=5,
                          statistic="Maximum")  # fmt: skip
    now = datetime(2021, 10, 14, 14, 49, 54, 786000, tzinfo=UTC)
    result = evaluate_alarm(billing, _state(ALARM), [], now=now)
    assert result.state.value is INSUFFICIENT
    assert result.state.reason == "Insufficient Data: 5 datapoints were unknown."
    data = json.loads(result.state.reason_data or "")
    assert "startDate" not in data and data["recentDatapoints"] == []
    assert [p["timestamp"][11:16] for p in data["evaluatedDatapoints"]] == [
        "14:44",
        "14:39",
        "14:34",
        "14:29",
        "14:24",
    ]


# --- behaviour around the rule ----------------------------------------------------------------


def test_new_alarm_state_and_unchanged_evaluations_keep_the_reason() -> None:
    alarm = _alarm(evaluation_periods=1)
    state = initial_state(NOW)
    assert (state.value, state.reason, state.reason_data) == (
        INSUFFICIENT,
        "Unchecked: Initial alarm creation",
        None,
    )
    first = evaluate_alarm(alarm, state, _points(alarm, [None, None, 9.0], NOW), now=NOW)
    assert first.changed and first.history_item is not None
    later = NOW + timedelta(minutes=1)
    again = evaluate_alarm(alarm, first.state, _points(alarm, [None, None, 9.5], later), now=later)
    assert not again.changed and again.history_item is None
    assert again.state is first.state  # CloudWatch sets StateReason only on a transition
    assert again.actions == ()


def test_actions_disabled_still_change_state_but_fire_nothing() -> None:
    alarm = _alarm(evaluation_periods=1, actions_enabled=False, alarm_actions=("webhook:ops",))
    result = evaluate_alarm(
        alarm, initial_state(NOW), _points(alarm, [None, None, 9.0], NOW), now=NOW
    )
    assert result.changed and result.state.value is ALARM
    assert not result.fires_actions and result.actions == ()
    enabled = _alarm(evaluation_periods=1, alarm_actions=("webhook:ops",), ok_actions=("email:me",))
    result = evaluate_alarm(
        enabled, initial_state(NOW), _points(enabled, [None, None, 9.0], NOW), now=NOW
    )
    assert result.actions == ("webhook:ops",)


def test_alarm_unit_filters_datapoints() -> None:
    alarm = _alarm(evaluation_periods=1, unit="Count")
    start, _ = evaluation_range(alarm, NOW)
    points = [
        Datapoint(start + timedelta(seconds=121), value=9.0, unit="Seconds"),
        Datapoint(start + timedelta(seconds=122), value=1.0, unit="Count"),
    ]
    assert evaluate_alarm(alarm, initial_state(NOW), points, now=NOW).state.value is OK
    no_unit = _alarm(evaluation_periods=1)  # every unit together: average 5.0, not > 5
    assert evaluate_alarm(no_unit, initial_state(NOW), points, now=NOW).state.value is OK
    seconds = _alarm(evaluation_periods=1, unit="Seconds")
    assert evaluate_alarm(seconds, initial_state(NOW), points, now=NOW).state.value is ALARM


def test_percentile_alarm_and_undefined_percentile_counts_as_missing() -> None:
    alarm = _alarm(evaluation_periods=1, statistic="p90", threshold=100.0)
    start, _ = evaluation_range(alarm, NOW)
    newest = start + timedelta(seconds=120)
    raw = [Datapoint(newest + timedelta(seconds=i % 50), value=float(i)) for i in range(1, 101)]
    result = evaluate_alarm(alarm, initial_state(NOW), raw, now=NOW)
    assert result.state.value is OK  # p90 of 1..100 is 90
    assert result.periods[0].value == 90.0
    spread = [Datapoint(newest, statistic_values=StatisticSet(10, 1500.0, 100.0, 200.0))]
    result = evaluate_alarm(alarm, initial_state(NOW), spread, now=NOW)
    assert result.state.value is INSUFFICIENT and not result.changed
    assert result.periods[0].value is None


def test_evaluation_range_ends_on_the_minute_and_spans_n_plus_two_periods() -> None:
    alarm = _alarm(period=300, evaluation_periods=3)
    start, end = evaluation_range(alarm, datetime(2024, 5, 1, 12, 7, 59, tzinfo=UTC))
    assert end == datetime(2024, 5, 1, 12, 7, tzinfo=UTC)
    assert end - start == timedelta(seconds=5 * 300)
    fast = _alarm(period=10, evaluation_periods=1)
    start, end = evaluation_range(fast, datetime(2024, 5, 1, 12, 7, 59, tzinfo=UTC))
    assert (start.second, end.second) == (20, 50)
    # A datapoint in the current, unfinished minute is not evaluated yet (CloudWatch)...
    late = [Datapoint(datetime(2024, 5, 1, 12, 7, 30, tzinfo=UTC), value=99.0)]
    when = datetime(2024, 5, 1, 12, 7, 59, tzinfo=UTC)
    single = _alarm(period=300, evaluation_periods=1)
    result = evaluate_alarm(single, initial_state(NOW), late, now=when)
    assert not result.changed
    # ... unless the evaluation on write asks for it (Vigil's option).
    _, end = evaluation_range(single, when, include_current_minute=True)
    assert end == datetime(2024, 5, 1, 12, 8, tzinfo=UTC)
    result = evaluate_alarm(single, initial_state(NOW), late, now=when, include_current_minute=True)
    assert result.changed and result.state.value is ALARM
    assert result.periods[0].timestamp == datetime(2024, 5, 1, 12, 3, tzinfo=UTC)


# --- SetAlarmState and history ----------------------------------------------------------------


def test_set_state_for_testing_a_pipeline() -> None:
    alarm = _alarm(alarm_actions=("webhook:ops",))
    state = initial_state(NOW)
    result = set_state(alarm, state, "ALARM", "testing purposes", now=NOW)
    assert result.changed and result.fires_actions and result.actions == ("webhook:ops",)
    assert result.state.reason == "testing purposes" and result.state.reason_data is None
    assert result.history_item is not None
    assert result.history_item.history_summary == "Alarm updated from INSUFFICIENT_DATA to ALARM"
    data = json.loads(result.history_item.history_data)
    assert data == {
        "version": "1.0",
        "oldState": {
            "stateValue": "INSUFFICIENT_DATA",
            "stateReason": "Unchecked: Initial alarm creation",
        },
        "newState": {"stateValue": "ALARM", "stateReason": "testing purposes"},
    }
    same = set_state(alarm, result.state, ALARM, "still testing", now=NOW, reason_data='{"a": 1}')
    assert not same.changed and same.history_item is None and same.actions == ()
    assert same.state.reason == "still testing"
    with pytest.raises(InvalidParameterError, match="StateReasonData must be JSON"):
        set_state(alarm, state, "OK", "x", now=NOW, reason_data="{not json")
    with pytest.raises(InvalidParameterError, match="StateValue must be one of"):
        set_state(alarm, state, "BROKEN", "x", now=NOW)
    with pytest.raises(InvalidParameterError, match="StateReason must be a string of 1 to 1023"):
        set_state(alarm, state, "OK", "", now=NOW)


def test_state_update_history_embeds_reason_data_as_an_object() -> None:
    alarm = _alarm(evaluation_periods=1)
    result = evaluate_alarm(
        alarm, initial_state(NOW), _points(alarm, [None, None, 9.0], NOW), now=NOW
    )
    assert result.history_item is not None
    item = result.history_item.to_dict()
    assert item["HistoryItemType"] == "StateUpdate"
    assert item["AlarmType"] == "MetricAlarm"
    assert item["HistorySummary"] == "Alarm updated from INSUFFICIENT_DATA to ALARM"
    data = json.loads(item["HistoryData"])
    assert data["newState"]["stateReasonData"] == json.loads(result.state.reason_data or "")
    assert data["newState"]["stateReason"] == result.state.reason
    assert len(item["HistoryData"]) <= 4095


def test_configuration_history_items() -> None:
    alarm = _alarm(alarm_actions=("webhook:ops",))
    created = alarm_created_history(alarm, initial_state(NOW), NOW)
    assert created.history_summary == 'Alarm "churn-age-drift" created'
    data = json.loads(created.history_data)
    assert data["type"] == "Create"
    assert data["createdAlarm"]["alarmArn"] == alarm.alarm_arn
    assert data["createdAlarm"]["stateValue"] == "INSUFFICIENT_DATA"
    assert data["createdAlarm"]["threshold"] == 5.0
    changed = _alarm(alarm_actions=("webhook:ops",), threshold=0.3)
    updated = json.loads(alarm_updated_history(alarm, changed, NOW).history_data)
    assert updated["type"] == "Update"
    assert updated["originalUpdatedFields"] == {"threshold": 5.0}
    assert updated["updatedAlarm"]["threshold"] == 0.3


# --- the definition ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"period": 45}, "Period"),
        ({"period": 5}, "Period"),
        ({"evaluation_periods": 0}, "EvaluationPeriods"),
        ({"period": 86400, "evaluation_periods": 8}, "EvaluationPeriods"),
        ({"datapoints_to_alarm": 4}, "DatapointsToAlarm"),
        ({"comparison_operator": "GreaterThan"}, "ComparisonOperator"),
        ({"treat_missing_data": "zero"}, "TreatMissingData"),
        ({"statistic": "Mean"}, "Statistic"),
        ({"alarm_name": ""}, "AlarmName"),
        ({"namespace": ":x"}, "Namespace"),
        ({"unit": "Furlongs"}, "Unit"),
        ({"alarm_actions": tuple("abcdef")}, "alarm_actions"),
        ({"threshold": "high"}, "Threshold"),
    ],
)
def test_invalid_definitions_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        _alarm(**kwargs)
    assert caught.value.field == field


def test_definition_round_trips_through_putmetricalarm_fields() -> None:
    alarm = _alarm(
        dimensions=(("Endpoint", "churn-ep"), ("MonitoringSchedule", "churn-dq")),
        datapoints_to_alarm=2, treat_missing_data=TreatMissingData.NOT_BREACHING,
        statistic="p99", unit="None", alarm_description="drift", ok_actions=("email:me",),
    )  # fmt: skip
    data = alarm.to_dict()
    assert data["ExtendedStatistic"] == "p99" and "Statistic" not in data
    assert data["Dimensions"] == [
        {"Name": "Endpoint", "Value": "churn-ep"},
        {"Name": "MonitoringSchedule", "Value": "churn-dq"},
    ]
    assert MetricAlarm.from_dict(data) == alarm
    with pytest.raises(InvalidParameterError, match="Threshold is required"):
        MetricAlarm.from_dict({k: v for k, v in data.items() if k != "Threshold"})
    assert alarm.m == 2 and _alarm().m == 3


# --- properties of the rule -------------------------------------------------------------------

_RANGES = st.integers(min_value=1, max_value=6).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.integers(min_value=1, max_value=n),
        st.lists(st.sampled_from([True, False, None]), min_size=n + 2, max_size=n + 2),
    )
)


@given(_RANGES, st.sampled_from(TREATMENTS))
def test_without_gaps_only_the_newest_n_points_count(case: Any, treatment: str) -> None:
    n, m, breaches = case
    complete = [bool(b) for b in breaches]
    decision = decide(complete, evaluation_periods=n, datapoints_to_alarm=m,
                      treat_missing_data=treatment)  # fmt: skip
    expected = ALARM if sum(complete[-n:]) >= m else OK
    assert decision.outcome is expected
    assert decision.fills == () and decision.evaluated == tuple(range(2, n + 2))


@given(_RANGES, st.sampled_from(("breaching", "notBreaching")), st.data())
def test_one_more_breach_never_clears_an_alarm(case: Any, treatment: str, data: Any) -> None:
    n, m, breaches = case
    before = decide(
        breaches, evaluation_periods=n, datapoints_to_alarm=m, treat_missing_data=treatment
    )
    flippable = [i for i, b in enumerate(breaches) if b is False]
    if not flippable:
        return
    i = data.draw(st.sampled_from(flippable))
    after = decide([True if j == i else b for j, b in enumerate(breaches)],
                   evaluation_periods=n, datapoints_to_alarm=m, treat_missing_data=treatment)  # fmt: skip
    if before.outcome is ALARM:
        assert after.outcome is ALARM


@given(_RANGES, st.sampled_from(TREATMENTS))
def test_evaluated_points_are_n_periods(case: Any, treatment: str) -> None:
    n, m, breaches = case
    decision = decide(
        breaches, evaluation_periods=n, datapoints_to_alarm=m, treat_missing_data=treatment
    )
    real = [i for i, b in enumerate(breaches) if b is not None]
    assert len(decision.evaluated) + len(decision.fills) == n
    assert set(decision.evaluated) <= set(real)
    assert all(breaches[i] is None for i in decision.fills)


def test_alarm_state_is_validated() -> None:
    assert AlarmState("OK", "r", None, NOW).value is OK  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="StateValue must be one of"):
        AlarmState("GREEN", "r", None, NOW)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="timezone-aware"):
        AlarmState(OK, "r", None, datetime(2024, 5, 1))
