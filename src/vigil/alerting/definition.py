"""A CloudWatch metric alarm's definition and state (PutMetricAlarm's fields, DescribeAlarms' state).

Spec alarms-events-registry.md §1.1–§1.2. The evaluation is in :mod:`vigil.alerting.alarms`,
which re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from vigil.alerting.reasons import INITIAL_REASON
from vigil.alerting.statistics import (
    BASIC_STATISTICS,
    STANDARD_UNITS,
    check_period,
    check_statistic,
)
from vigil.errors import InvalidParameterError

__all__ = [
    "MAX_PERIODS_SECONDS",
    "AlarmState",
    "ComparisonOperator",
    "MetricAlarm",
    "StateValue",
    "TreatMissingData",
    "check_enum",
    "check_text",
    "initial_state",
]

MAX_PERIODS_SECONDS = 604_800
"""``period * evaluation_periods`` may not exceed 7 days (CW-API PutMetricAlarm)."""


class StateValue(str, Enum):
    """An alarm's state (CW-API ``StateValue``)."""

    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class ComparisonOperator(str, Enum):
    """How the statistic (left operand) is compared with the threshold."""

    GREATER_THAN_OR_EQUAL_TO_THRESHOLD = "GreaterThanOrEqualToThreshold"
    GREATER_THAN_THRESHOLD = "GreaterThanThreshold"
    LESS_THAN_THRESHOLD = "LessThanThreshold"
    LESS_THAN_OR_EQUAL_TO_THRESHOLD = "LessThanOrEqualToThreshold"

    def breaches(self, value: float, threshold: float) -> bool:
        """Whether ``value`` breaches ``threshold`` under this operator.

        >>> ComparisonOperator.GREATER_THAN_THRESHOLD.breaches(0.3, 0.2)
        True
        """
        if self is ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD:
            return value >= threshold
        if self is ComparisonOperator.GREATER_THAN_THRESHOLD:
            return value > threshold
        if self is ComparisonOperator.LESS_THAN_THRESHOLD:
            return value < threshold
        return value <= threshold


class TreatMissingData(str, Enum):
    """How missing periods are treated (CW-API ``TreatMissingData``; default ``missing``)."""

    MISSING = "missing"
    NOT_BREACHING = "notBreaching"
    BREACHING = "breaching"
    IGNORE = "ignore"


def check_enum(kind: type[Any], value: Any, field_name: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidParameterError(
            f"{field_name} must be one of {allowed}. Got {value!r} instead.", field=field_name
        ) from None


def _positive_int(value: Any, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParameterError(
            f"{field_name} must be an integer >= 1. Got {value!r} instead.", field=field_name
        )
    return value


def check_text(value: Any, field_name: str, max_length: int) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= max_length:
        raise InvalidParameterError(
            f"{field_name} must be a string of 1 to {max_length} characters. "
            f"Got {value!r} instead.",
            field=field_name,
        )
    return value


@dataclass(frozen=True, slots=True)
class MetricAlarm:
    """The definition of a metric alarm (PutMetricAlarm's fields).

    Attributes
    ----------
    alarm_name : str
        1–255 characters, unique per account and region.
    namespace, metric_name : str
        The metric, 1–255 characters each.
    comparison_operator : ComparisonOperator or str
    threshold : float
    period : int
        Seconds: 10, 20, 30 or a multiple of 60.
    evaluation_periods : int
        N >= 1; ``period * N <= 604800`` (7 days).
    statistic : str, default="Average"
        ``SampleCount``, ``Average``, ``Sum``, ``Minimum``, ``Maximum`` or a percentile ``pNN.NN``.
    dimensions : tuple of (name, value), default=()
        At most 30; order is kept, identity ignores it.
    datapoints_to_alarm : int, optional
        M, ``1 <= M <= N``; omitted means ``M = N`` (and the shorter StateReason form).
    treat_missing_data : TreatMissingData or str, default="missing"
    unit : str, optional
        Only datapoints of this standard unit; ``None`` evaluates every unit together.
    actions_enabled : bool, default=True
    alarm_description : str, optional
        At most 1024 characters.
    alarm_actions, ok_actions, insufficient_data_actions : tuple of str, default=()
        Target identifiers, at most 5 each.
    account : str, default="000000000000"
    region : str, default="local"
        Used in the alarm's ARN.

    Raises
    ------
    InvalidParameterError
        Naming the field, for any value outside its documented domain.
    """

    alarm_name: str
    namespace: str
    metric_name: str
    comparison_operator: ComparisonOperator
    threshold: float
    period: int
    evaluation_periods: int
    statistic: str = "Average"
    dimensions: tuple[tuple[str, str], ...] = ()
    datapoints_to_alarm: int | None = None
    treat_missing_data: TreatMissingData = TreatMissingData.MISSING
    unit: str | None = None
    actions_enabled: bool = True
    alarm_description: str | None = None
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    account: str = "000000000000"
    region: str = "local"

    def __post_init__(self) -> None:
        check_text(self.alarm_name, "AlarmName", 255)
        check_text(self.namespace, "Namespace", 255)
        if self.namespace.startswith(":"):
            raise InvalidParameterError(
                f"Namespace must not start with ':'. Got {self.namespace!r} instead.",
                field="Namespace",
            )
        check_text(self.metric_name, "MetricName", 255)
        set_ = object.__setattr__
        set_(self, "comparison_operator", check_enum(ComparisonOperator, self.comparison_operator, "ComparisonOperator"))  # fmt: skip
        set_(self, "treat_missing_data", check_enum(TreatMissingData, self.treat_missing_data, "TreatMissingData"))  # fmt: skip
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int | float):
            raise InvalidParameterError(
                f"Threshold must be a number. Got {self.threshold!r} instead.", field="Threshold"
            )
        set_(self, "threshold", float(self.threshold))
        check_statistic(self.statistic, "Statistic")
        check_period(self.period, "Period")
        if self.period < 60 and self.period not in (10, 20, 30):
            raise InvalidParameterError(
                f"Period of an alarm must be 10, 20, 30 or a multiple of 60 seconds. "
                f"Got {self.period!r} instead.",
                field="Period",
            )
        _positive_int(self.evaluation_periods, "EvaluationPeriods")
        if self.period * self.evaluation_periods > MAX_PERIODS_SECONDS:
            raise InvalidParameterError(
                "Period * EvaluationPeriods must be at most 604800 seconds (7 days). "
                f"Got {self.period} * {self.evaluation_periods} instead.",
                field="EvaluationPeriods",
            )
        if self.datapoints_to_alarm is not None:
            m = _positive_int(self.datapoints_to_alarm, "DatapointsToAlarm")
            if m > self.evaluation_periods:
                raise InvalidParameterError(
                    f"DatapointsToAlarm must be at most EvaluationPeriods "
                    f"({self.evaluation_periods}). Got {m} instead.",
                    field="DatapointsToAlarm",
                )
        dims = tuple((str(n), str(v)) for n, v in self.dimensions)
        if len(dims) > 30 or any(not (1 <= len(n) <= 255 and 1 <= len(v) <= 1024) for n, v in dims):
            raise InvalidParameterError(
                "Dimensions must be at most 30 pairs, names of 1-255 and values of 1-1024 "
                f"characters. Got {list(dims)!r} instead.",
                field="Dimensions",
            )
        set_(self, "dimensions", dims)
        if self.unit is not None and self.unit not in STANDARD_UNITS:
            raise InvalidParameterError(
                f"Unit must be a CloudWatch standard unit. Got {self.unit!r} instead.",
                field="Unit",
            )
        if self.alarm_description is not None and len(self.alarm_description) > 1024:
            raise InvalidParameterError(
                "AlarmDescription must be at most 1024 characters. "
                f"Got {len(self.alarm_description)} instead.",
                field="AlarmDescription",
            )
        for name in ("alarm_actions", "ok_actions", "insufficient_data_actions"):
            actions = tuple(getattr(self, name))
            if len(actions) > 5:
                raise InvalidParameterError(
                    f"{name} must hold at most 5 actions. Got {len(actions)} instead.", field=name
                )
            set_(self, name, actions)

    @property
    def alarm_arn(self) -> str:
        """``arn:aws:cloudwatch:<region>:<account>:alarm:<name>``."""
        return f"arn:aws:cloudwatch:{self.region}:{self.account}:alarm:{self.alarm_name}"

    @property
    def m(self) -> int:
        """Datapoints to alarm in effect (``datapoints_to_alarm`` or ``evaluation_periods``)."""
        return (
            self.evaluation_periods
            if self.datapoints_to_alarm is None
            else self.datapoints_to_alarm
        )

    def breaches(self, value: float) -> bool:
        """Whether a period's statistic ``value`` breaches the threshold."""
        return self.comparison_operator.breaches(value, self.threshold)

    def actions_for(self, state: StateValue) -> tuple[str, ...]:
        """The actions configured for entering ``state``."""
        if state is StateValue.ALARM:
            return self.alarm_actions
        if state is StateValue.OK:
            return self.ok_actions
        return self.insufficient_data_actions

    def to_dict(self) -> dict[str, Any]:
        """The alarm in DescribeAlarms' PascalCase shape (without the state fields)."""
        out: dict[str, Any] = {
            "AlarmName": self.alarm_name,
            "AlarmArn": self.alarm_arn,
            "AlarmDescription": self.alarm_description,
            "ActionsEnabled": self.actions_enabled,
            "OKActions": list(self.ok_actions),
            "AlarmActions": list(self.alarm_actions),
            "InsufficientDataActions": list(self.insufficient_data_actions),
            "MetricName": self.metric_name,
            "Namespace": self.namespace,
            "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
            "Period": self.period,
            "Unit": self.unit,
            "EvaluationPeriods": self.evaluation_periods,
            "DatapointsToAlarm": self.datapoints_to_alarm,
            "Threshold": self.threshold,
            "ComparisonOperator": self.comparison_operator.value,
            "TreatMissingData": self.treat_missing_data.value,
        }
        if self.statistic in BASIC_STATISTICS:
            out["Statistic"] = self.statistic
        else:
            out["ExtendedStatistic"] = self.statistic
        return {k: v for k, v in out.items() if v is not None}

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], *, account: str = "000000000000", region: str = "local"
    ) -> MetricAlarm:
        """An alarm from PutMetricAlarm's PascalCase fields (as :meth:`to_dict` writes them).

        Raises
        ------
        InvalidParameterError
            For a missing required field or a bad value, naming it.
        """
        for required in ("AlarmName", "Namespace", "MetricName", "ComparisonOperator",
                         "Threshold", "Period", "EvaluationPeriods"):  # fmt: skip
            if required not in data:
                raise InvalidParameterError(f"{required} is required.", field=required)
        if "Statistic" in data and "ExtendedStatistic" in data:
            raise InvalidParameterError(
                "Give Statistic or ExtendedStatistic, not both.", field="ExtendedStatistic"
            )
        return cls(
            alarm_name=data["AlarmName"],
            namespace=data["Namespace"],
            metric_name=data["MetricName"],
            comparison_operator=data["ComparisonOperator"],
            threshold=data["Threshold"],
            period=data["Period"],
            evaluation_periods=data["EvaluationPeriods"],
            statistic=data.get("Statistic", data.get("ExtendedStatistic", "Average")),
            dimensions=tuple((d["Name"], d["Value"]) for d in data.get("Dimensions", [])),
            datapoints_to_alarm=data.get("DatapointsToAlarm"),
            treat_missing_data=data.get("TreatMissingData", "missing"),
            unit=data.get("Unit"),
            actions_enabled=bool(data.get("ActionsEnabled", True)),
            alarm_description=data.get("AlarmDescription"),
            alarm_actions=tuple(data.get("AlarmActions", ())),
            ok_actions=tuple(data.get("OKActions", ())),
            insufficient_data_actions=tuple(data.get("InsufficientDataActions", ())),
            account=account,
            region=region,
        )

    def history_fields(self) -> dict[str, Any]:
        """The alarm in the camelCase shape of ConfigurationUpdate history data."""
        return {
            "alarmName": self.alarm_name,
            "alarmArn": self.alarm_arn,
            "alarmDescription": self.alarm_description,
            "namespace": self.namespace,
            "metricName": self.metric_name,
            "dimensions": [{"name": n, "value": v} for n, v in self.dimensions],
            (
                "statistic" if self.statistic in BASIC_STATISTICS else "extendedStatistic"
            ): self.statistic,
            "period": self.period,
            "unit": self.unit,
            "evaluationPeriods": self.evaluation_periods,
            "datapointsToAlarm": self.datapoints_to_alarm,
            "threshold": self.threshold,
            "comparisonOperator": self.comparison_operator.value,
            "treatMissingData": self.treat_missing_data.value,
            "actionsEnabled": self.actions_enabled,
            "alarmActions": list(self.alarm_actions),
            "okActions": list(self.ok_actions),
            "insufficientDataActions": list(self.insufficient_data_actions),
        }


@dataclass(frozen=True, slots=True)
class AlarmState:
    """An alarm's state as DescribeAlarms shows it.

    Attributes
    ----------
    value : StateValue or str
    reason : str
        StateReason, at most 1023 characters.
    reason_data : str or None
        StateReasonData, a JSON text of at most 4000 characters.
    timestamp : datetime
        StateUpdatedTimestamp (UTC).
    """

    value: StateValue
    reason: str
    reason_data: str | None
    timestamp: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", check_enum(StateValue, self.value, "StateValue"))
        if not isinstance(self.timestamp, datetime) or self.timestamp.tzinfo is None:
            raise InvalidParameterError(
                f"StateUpdatedTimestamp must be timezone-aware. Got {self.timestamp!r} instead.",
                field="StateUpdatedTimestamp",
            )
        object.__setattr__(self, "timestamp", self.timestamp.astimezone(UTC))


def initial_state(now: datetime) -> AlarmState:
    """The state of a newly created alarm: INSUFFICIENT_DATA, ``Unchecked: Initial alarm creation``."""
    return AlarmState(StateValue.INSUFFICIENT_DATA, INITIAL_REASON, None, now.astimezone(UTC))
