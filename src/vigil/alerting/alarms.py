"""CloudWatch metric alarms: the definition, its evaluation, SetAlarmState and history items.

An alarm watches one metric (namespace, name, dimensions) through one statistic over periods of
``period`` seconds and compares it with a threshold. Its state is ``OK``, ``ALARM`` or
``INSUFFICIENT_DATA`` (spec alarms-events-registry.md §1.1–§1.2).

Evaluation (CloudWatch User Guide, *Evaluating an alarm*; spec §1.3 and decision D1)
    The *evaluation range* is the ``N + 2`` periods (``N`` = ``evaluation_periods``) ending at
    the evaluation time rounded down to the minute (to the period for 10/20/30-second periods),
    as recorded alarms show (``queryDate`` 17:04:40 → newest period ``[16:59, 17:04)``). A
    period is *real* when it holds data, else missing. With ``R`` the real periods, ``M`` =
    ``datapoints_to_alarm`` (default ``N``):

    * ``|R| >= N``: the newest ``N`` real periods are evaluated; ALARM iff ``>= M`` breach, else
      OK. ``treat_missing_data`` is not used.
    * ``|R| = 0``: ``missing`` → INSUFFICIENT_DATA; ``ignore`` → keep the state; ``breaching``
      → ALARM; ``notBreaching`` → OK.
    * otherwise every real period is evaluated plus ``k = N - |R|`` fills (the newest missing
      periods). With ``b`` breaching real periods: ``breaching`` → ALARM iff ``b + k >= M``;
      ``notBreaching`` → ALARM iff ``b >= M``; ``missing``/``ignore`` → ALARM iff ``b >= M``,
      else, when every real period breaches, ``missing`` goes to ALARM only if the oldest of them
      is at least ``M`` periods old (the newest period of the range is 1 period old: the guard
      against premature alarms, so ``- - - - X`` does not alarm yet) and otherwise keeps its
      state, ``ignore`` keeps its state; else OK.

    This reproduces all 40 cells of CloudWatch's two documented tables (tests). Statistics are
    aggregated as :mod:`vigil.alerting.statistics` documents; a percentile that a statistic set
    leaves undefined counts as a missing period.

Results
    :func:`evaluate_alarm` (raw datapoints) and :func:`evaluate_periods` (period statistics, for
    a store that aggregates itself) return an :class:`AlarmEvaluation`: the state after
    evaluation (the previous one, unchanged, when nothing changed: CloudWatch sets StateReason
    only on a transition), whether it changed, the StateUpdate history item and the evaluated
    periods. Actions fire only on a change and only when ``actions_enabled``
    (:attr:`AlarmEvaluation.fires_actions`). :func:`set_state` is SetAlarmState.

Not implemented: metric-math and anomaly-detection alarms, ``EvaluateLowSampleCountPercentile``
(percentiles are always evaluated), trimmed means and the other extended statistics.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from vigil.alerting.definition import (
    AlarmState,
    ComparisonOperator,
    MetricAlarm,
    StateValue,
    TreatMissingData,
    check_enum,
    check_text,
    initial_state,
)
from vigil.alerting.history import (
    AlarmHistoryItem,
    alarm_created_history,
    alarm_updated_history,
    state_update_history,
)
from vigil.alerting.reasons import (
    insufficient_data_reason,
    java_json,
    stamp,
    threshold_crossed_reason,
)
from vigil.alerting.statistics import Datapoint, PeriodStatistics, aggregate, floor_time
from vigil.errors import InvalidParameterError

__all__ = [
    "EVALUATION_RANGE_EXTRA_PERIODS",
    "AlarmEvaluation",
    "AlarmHistoryItem",
    "AlarmState",
    "BreachDecision",
    "ComparisonOperator",
    "EvaluatedPeriod",
    "MetricAlarm",
    "StateValue",
    "TreatMissingData",
    "alarm_created_history",
    "alarm_updated_history",
    "decide",
    "evaluate_alarm",
    "evaluate_periods",
    "evaluation_range",
    "initial_state",
    "set_state",
    "state_update_history",
]

EVALUATION_RANGE_EXTRA_PERIODS = 2
"""The evaluation range is ``evaluation_periods + 2`` periods long (decision D1)."""


@dataclass(frozen=True, slots=True)
class EvaluatedPeriod:
    """One period of the evaluation range.

    Attributes
    ----------
    timestamp : datetime
        Start of the period.
    value : float or None
        The alarm's statistic; ``None`` for a missing period.
    sample_count : float or None
    breaching : bool or None
        ``None`` for a missing period.
    evaluated : bool
        Whether it was among the evaluated periods (as a real point or a fill).
    """

    timestamp: datetime
    value: float | None
    sample_count: float | None
    breaching: bool | None
    evaluated: bool = False


@dataclass(frozen=True, slots=True)
class BreachDecision:
    """What the M-of-N rule decides over a range of periods.

    Attributes
    ----------
    outcome : StateValue or None
        The state the alarm should be in; ``None`` to keep the current one.
    evaluated : tuple of int
        Indices (into the range, oldest = 0) of the evaluated real periods.
    fills : tuple of int
        Indices of the missing periods filled in.
    fill_treatment : {"Breaching", "NonBreaching"} or None
        How fills were counted; ``None`` when they were not (``missing``, ``ignore``).
    """

    outcome: StateValue | None
    evaluated: tuple[int, ...]
    fills: tuple[int, ...]
    fill_treatment: Literal["Breaching", "NonBreaching"] | None


def decide(
    breaches: Sequence[bool | None],
    *,
    evaluation_periods: int,
    datapoints_to_alarm: int,
    treat_missing_data: TreatMissingData | str,
) -> BreachDecision:
    """Apply CloudWatch's M-of-N rule to a range of periods (module docstring, D1).

    Parameters
    ----------
    breaches : sequence of bool or None
        The evaluation range, oldest first: ``True`` breaching, ``False`` not, ``None``
        missing. CloudWatch's range is ``evaluation_periods + 2`` long.
    evaluation_periods : int
        N.
    datapoints_to_alarm : int
        M, ``1 <= M <= N``.
    treat_missing_data : TreatMissingData or str

    Returns
    -------
    BreachDecision

    Examples
    --------
    CloudWatch's table, row 5 (``- - X - -``, N = M = 3):

    >>> [decide([None, None, True, None, None], evaluation_periods=3, datapoints_to_alarm=3,
    ...         treat_missing_data=t).outcome for t in ("missing", "ignore", "breaching", "notBreaching")]
    [<StateValue.ALARM: 'ALARM'>, None, <StateValue.ALARM: 'ALARM'>, <StateValue.OK: 'OK'>]
    """
    treat = check_enum(TreatMissingData, treat_missing_data, "TreatMissingData")
    n, m = evaluation_periods, datapoints_to_alarm
    real = [i for i, b in enumerate(breaches) if b is not None]
    if len(real) >= n:
        chosen = tuple(real[-n:])
        hits = sum(1 for i in chosen if breaches[i])
        outcome = StateValue.ALARM if hits >= m else StateValue.OK
        return BreachDecision(outcome, chosen, (), None)
    missing = [i for i, b in enumerate(breaches) if b is None]
    k = n - len(real)
    fills = tuple(sorted(missing[-k:])) if k else ()
    if not real:
        outcomes = {
            TreatMissingData.MISSING: StateValue.INSUFFICIENT_DATA,
            TreatMissingData.IGNORE: None,
            TreatMissingData.BREACHING: StateValue.ALARM,
            TreatMissingData.NOT_BREACHING: StateValue.OK,
        }
        return BreachDecision(outcomes[treat], (), fills, _treatment(treat))
    hits = sum(1 for i in real if breaches[i])
    chosen = tuple(real)
    if treat is TreatMissingData.BREACHING:
        outcome = StateValue.ALARM if hits + k >= m else StateValue.OK
        return BreachDecision(outcome, chosen, fills, "Breaching")
    if treat is TreatMissingData.NOT_BREACHING:
        outcome = StateValue.ALARM if hits >= m else StateValue.OK
        return BreachDecision(outcome, chosen, fills, "NonBreaching")
    if hits >= m:
        return BreachDecision(StateValue.ALARM, chosen, fills, None)
    if hits == len(real):  # every real point breaches, but fewer than M
        oldest_age = len(breaches) - real[0]  # the newest period of the range is 1 period old
        if treat is TreatMissingData.MISSING and oldest_age >= m:
            return BreachDecision(StateValue.ALARM, chosen, fills, None)
        return BreachDecision(None, chosen, fills, None)
    return BreachDecision(StateValue.OK, chosen, fills, None)


def _treatment(treat: TreatMissingData) -> Literal["Breaching", "NonBreaching"] | None:
    if treat is TreatMissingData.BREACHING:
        return "Breaching"
    if treat is TreatMissingData.NOT_BREACHING:
        return "NonBreaching"
    return None


def evaluation_range(
    alarm: MetricAlarm, now: datetime, *, include_current_minute: bool = False
) -> tuple[datetime, datetime]:
    """The ``[start, end)`` of the periods an evaluation at ``now`` reads.

    ``end`` is ``now`` rounded down to the minute (to the period for 10/20/30-second periods);
    ``start`` is ``N + 2`` periods before it. A store fetches the datapoints of this range.

    With ``include_current_minute`` (Vigil's option, not CloudWatch's) ``end`` is the end of the
    minute (10/20/30-second step) that holds ``now``, so a datapoint written a moment ago is
    evaluated at once: use it when evaluating on write (decision D2). CloudWatch waits for the
    minute to close, so its periods are one minute earlier.

    >>> from datetime import datetime, UTC
    >>> alarm = MetricAlarm("a", "ns", "m", "GreaterThanThreshold", 50.0, period=300,
    ...                     evaluation_periods=1)
    >>> [t.time().isoformat() for t in evaluation_range(alarm, datetime(2019, 10, 2, 17, 4, 40, tzinfo=UTC))]
    ['16:49:00', '17:04:00']
    """
    step = 60 if alarm.period >= 60 else alarm.period
    end = floor_time(now, step)
    if include_current_minute:
        end += timedelta(seconds=step)
    start = end - timedelta(
        seconds=alarm.period * (alarm.evaluation_periods + EVALUATION_RANGE_EXTRA_PERIODS)
    )
    return start, end


@dataclass(frozen=True, slots=True)
class AlarmEvaluation:
    """The result of evaluating an alarm (or of :func:`set_state`).

    Attributes
    ----------
    alarm : MetricAlarm
    previous : AlarmState
    state : AlarmState
        The state after evaluation; ``previous`` itself when nothing changed.
    changed : bool
        Whether the state value changed (a transition: history item, event, actions).
    history_item : AlarmHistoryItem or None
        The StateUpdate item of the transition.
    periods : tuple of EvaluatedPeriod
        The evaluation range, newest first (empty for :func:`set_state`).
    decision : BreachDecision or None
    """

    alarm: MetricAlarm
    previous: AlarmState
    state: AlarmState
    changed: bool
    history_item: AlarmHistoryItem | None
    periods: tuple[EvaluatedPeriod, ...] = field(default=())
    decision: BreachDecision | None = None

    @property
    def fires_actions(self) -> bool:
        """Whether the alarm's actions run: on a change, and only when actions are enabled."""
        return self.changed and self.alarm.actions_enabled

    @property
    def actions(self) -> tuple[str, ...]:
        """The actions to run (empty unless :attr:`fires_actions`)."""
        return self.alarm.actions_for(self.state.value) if self.fires_actions else ()


def evaluate_alarm(
    alarm: MetricAlarm,
    previous: AlarmState,
    datapoints: Iterable[Datapoint],
    *,
    now: datetime,
    include_current_minute: bool = False,
) -> AlarmEvaluation:
    """Evaluate ``alarm`` at ``now`` over raw datapoints of its metric.

    Parameters
    ----------
    alarm : MetricAlarm
    previous : AlarmState
        The current state (:func:`initial_state` for a new alarm).
    datapoints : iterable of Datapoint
        Datapoints of the alarm's metric (namespace, name, dimensions: the caller selects them);
        those outside :func:`evaluation_range` are ignored.
    now : datetime
        Evaluation time, timezone-aware.
    include_current_minute : bool, default=False
        Also evaluate the minute that holds ``now`` (see :func:`evaluation_range`).

    Returns
    -------
    AlarmEvaluation

    Examples
    --------
    The single-metric example of CloudWatch's EventBridge page:

    >>> from datetime import datetime, UTC
    >>> alarm = MetricAlarm("ServerCpuTooHigh", "AWS/EC2", "CPUUtilization",
    ...                     "GreaterThanThreshold", 50.0, period=300, evaluation_periods=1,
    ...                     datapoints_to_alarm=1)
    >>> now = datetime(2019, 10, 2, 17, 4, 40, 985000, tzinfo=UTC)
    >>> point = Datapoint(datetime(2019, 10, 2, 17, 0, tzinfo=UTC), value=99.50160229693434)
    >>> result = evaluate_alarm(alarm, initial_state(now), [point], now=now)
    >>> result.state.value.value, result.changed
    ('ALARM', True)
    >>> result.state.reason
    'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).'
    """
    start, end = evaluation_range(alarm, now, include_current_minute=include_current_minute)
    periods = aggregate(
        datapoints,
        period=alarm.period,
        start=start,
        end=end,
        statistics=[alarm.statistic],
        unit=alarm.unit,
        merge_units=alarm.unit is None,
        align=False,
    )
    return evaluate_periods(
        alarm, previous, periods, now=now, include_current_minute=include_current_minute
    )


def evaluate_periods(
    alarm: MetricAlarm,
    previous: AlarmState,
    periods: Iterable[PeriodStatistics],
    *,
    now: datetime,
    include_current_minute: bool = False,
) -> AlarmEvaluation:
    """Evaluate ``alarm`` at ``now`` over period statistics aggregated by the caller.

    ``periods`` must be aligned on :func:`evaluation_range` (a period's ``timestamp`` is
    ``start + k * period``); others are ignored, as are periods of another unit when the alarm
    has one. A period whose statistic is undefined counts as missing.
    """
    start, _ = evaluation_range(alarm, now, include_current_minute=include_current_minute)
    size = alarm.evaluation_periods + EVALUATION_RANGE_EXTRA_PERIODS
    slots: list[PeriodStatistics | None] = [None] * size
    step = timedelta(seconds=alarm.period)
    for stats in periods:
        if alarm.unit is not None and stats.unit != alarm.unit:
            continue
        offset = stats.timestamp - start
        index, rest = divmod(offset, step)
        if rest or not 0 <= index < size:
            continue
        slots[index] = stats
    values = [None if s is None else s.value(alarm.statistic) for s in slots]
    breaches = [None if v is None else alarm.breaches(v) for v in values]
    decision = decide(
        breaches,
        evaluation_periods=alarm.evaluation_periods,
        datapoints_to_alarm=alarm.m,
        treat_missing_data=alarm.treat_missing_data,
    )
    evaluated = set(decision.evaluated) | set(decision.fills)
    range_ = tuple(
        EvaluatedPeriod(
            timestamp=start + i * step,
            value=values[i],
            sample_count=_sample_count(slots[i], values[i]),
            breaching=breaches[i],
            evaluated=i in evaluated,
        )
        for i in reversed(range(size))
    )
    outcome = decision.outcome
    if outcome is None or outcome is previous.value:
        return AlarmEvaluation(alarm, previous, previous, False, None, range_, decision)
    utc_now = now.astimezone(UTC)
    reason = _reason(alarm, outcome, decision, range_)
    new = AlarmState(outcome, reason, _reason_data(alarm, range_, utc_now), utc_now)
    history = state_update_history(alarm.alarm_name, previous, new)
    return AlarmEvaluation(alarm, previous, new, True, history, range_, decision)


def _sample_count(stats: PeriodStatistics | None, value: float | None) -> float | None:
    return None if stats is None or value is None else stats.sample_count


def _reason(
    alarm: MetricAlarm,
    outcome: StateValue,
    decision: BreachDecision,
    range_: Sequence[EvaluatedPeriod],
) -> str:
    evaluated = [p for p in range_ if p.evaluated and p.value is not None]
    if outcome is StateValue.INSUFFICIENT_DATA:
        return insufficient_data_reason(len(decision.fills))
    side = outcome is StateValue.ALARM
    listed = [
        (p.value, p.timestamp) for p in evaluated if p.breaching is side and p.value is not None
    ]
    return threshold_crossed_reason(
        alarm_state="ALARM" if side else "OK",
        listed=listed,
        real_count=len(evaluated),
        evaluation_periods=alarm.evaluation_periods,
        datapoints_to_alarm=alarm.datapoints_to_alarm,
        comparison_operator=alarm.comparison_operator.value,
        threshold=alarm.threshold,
        fills=len(decision.fills),
        fill_treatment=decision.fill_treatment,
    )[:1023]


def _reason_data(alarm: MetricAlarm, range_: Sequence[EvaluatedPeriod], now: datetime) -> str:
    real = [p for p in reversed(range_) if p.value is not None]  # oldest first
    data: dict[str, Any] = {"version": "1.0", "queryDate": stamp(now)}
    if real:
        data["startDate"] = stamp(real[0].timestamp)
    if alarm.unit is not None:
        data["unit"] = alarm.unit
    data["statistic"] = alarm.statistic
    data["period"] = alarm.period
    data["recentDatapoints"] = [float(p.value) for p in real if p.value is not None]
    data["threshold"] = alarm.threshold
    data["evaluatedDatapoints"] = [
        {"timestamp": stamp(p.timestamp)}
        if p.value is None
        else {
            "timestamp": stamp(p.timestamp),
            "sampleCount": float(p.sample_count or 0.0),
            "value": float(p.value),
        }
        for p in range_
        if p.evaluated
    ]
    return java_json(data)


def set_state(
    alarm: MetricAlarm,
    previous: AlarmState,
    value: StateValue | str,
    reason: str,
    *,
    now: datetime,
    reason_data: str | None = None,
) -> AlarmEvaluation:
    """SetAlarmState: put the alarm in ``value`` for testing a pipeline.

    The state holds until the next evaluation changes it. Actions fire (when enabled) and a
    StateUpdate history item is written only if the value changed; the reason is replaced either
    way.

    Parameters
    ----------
    alarm : MetricAlarm
    previous : AlarmState
    value : StateValue or str
    reason : str
        StateReason, 1–1023 characters.
    now : datetime
    reason_data : str, optional
        StateReasonData: JSON text of at most 4000 characters.

    Raises
    ------
    InvalidParameterError
        For an unknown state, a reason out of bounds or reason data that is not JSON.
    """
    state = check_enum(StateValue, value, "StateValue")
    check_text(reason, "StateReason", 1023)
    if reason_data is not None:
        if len(reason_data) > 4000:
            raise InvalidParameterError(
                f"StateReasonData must be at most 4000 characters. Got {len(reason_data)} instead.",
                field="StateReasonData",
            )
        try:
            json.loads(reason_data)
        except ValueError as exc:
            raise InvalidParameterError(
                f"StateReasonData must be JSON text. Got {reason_data[:80]!r} instead.",
                field="StateReasonData",
            ) from exc
    new = AlarmState(state, reason, reason_data, now.astimezone(UTC))
    changed = state is not previous.value
    history = state_update_history(alarm.alarm_name, previous, new) if changed else None
    return AlarmEvaluation(alarm, previous, new, changed, history)
