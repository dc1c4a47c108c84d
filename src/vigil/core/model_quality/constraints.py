"""Model-quality constraints: suggest thresholds from a baseline, check metrics against them.

A constraint is ``{threshold, comparison_operator}`` where the operator names the *violating*
condition (spec §6.3): ``LessThanThreshold`` (a score fell below its threshold) or
``GreaterThanThreshold`` (an error rose above it); the two ``…OrEqualTo…`` operators are
accepted too. A NaN metric (undefined: see the zero-division policies) never violates.

Which metrics get a suggested constraint
    The model's own scores and errors (:data:`SUGGESTED_OPERATORS`): for binary problems
    recall, precision, accuracy, the four rates, auc and the F-scores; for multiclass problems
    accuracy and the weighted scores; for regression mae, mse, rmse (errors) and r2 (score).
    The best-constant-classifier metrics describe the labels' prevalence, not the model, and
    get none; nor does a metric whose baseline value is NaN.

Slack (:data:`DEFAULT_SLACK` = 0.1)
    SageMaker suggests thresholds equal to the baseline values (the SDK's real constraints
    file pairs with its statistics to the last digit), which alerts on any drop at all — "a
    tad aggressive ... it will alert on any drops below 1.0" in AWS's own example. Vigil moves
    each threshold by ``slack`` in the tolerant direction (down for a score, up for an error):

    * dimensionless metrics (every classification metric, and r2) by ``slack`` itself:
      accuracy 0.83 → threshold 0.73, false negative rate 0.13 → 0.23; classification
      thresholds are kept within [0, 1];
    * metrics in the label's units (mae, rmse, mse) by the fraction ``slack`` of their value:
      mae 2.0 → 2.2.

    ``slack=0`` gives SageMaker's thresholds exactly.

    Why 0.1: a monitoring window's metrics come from that window's labels alone, typically a
    few hundred to a few thousand. Accuracy 0.8 on 500 labels has a sampling standard
    deviation of about 0.018, and recall, precision, the F-scores and the error rates, which use
    one class only, about 0.025 with 250 positives: a margin of 0.1 is four to five standard
    deviations, so a healthy model rarely trips it, while a real decay (accuracy 95% → 72%)
    trips it at once. A margin relative to the value would not work for small error rates
    (10% of a false negative rate of 0.13 is less than one standard deviation). For errors in
    the label's units no absolute margin fits every scale; 10% of the baseline error is the
    same idea.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from vigil.core.model_quality.bootstrap import MetricEstimate
from vigil.errors import InvalidParameterError

__all__ = [
    "DEFAULT_SLACK",
    "RELATIVE_SLACK_METRICS",
    "SUGGESTED_OPERATORS",
    "ComparisonOperator",
    "ConstraintCheck",
    "MetricConstraint",
    "MetricViolation",
    "ProblemType",
    "check_constraints",
    "suggest_constraints",
    "violation_description",
]

ProblemType = Literal["BinaryClassification", "MulticlassClassification", "Regression"]
"""``problem_type`` of a model-quality monitor (spec §6.1)."""

PROBLEM_TYPES: tuple[str, ...] = get_args(ProblemType)

ComparisonOperator = Literal[
    "LessThanThreshold",
    "GreaterThanThreshold",
    "LessThanOrEqualToThreshold",
    "GreaterThanOrEqualToThreshold",
]
"""The violating condition of a constraint."""

DEFAULT_SLACK = 0.1
"""Margin of suggested thresholds; see the module docstring for what it means and why."""

RELATIVE_SLACK_METRICS = frozenset({"mae", "mse", "rmse"})
"""Metrics in the label's units, whose slack is a fraction of their value."""

_SCORE: ComparisonOperator = "LessThanThreshold"
_ERROR: ComparisonOperator = "GreaterThanThreshold"

SUGGESTED_OPERATORS: Mapping[str, Mapping[str, ComparisonOperator]] = {
    "BinaryClassification": {
        "recall": _SCORE,
        "precision": _SCORE,
        "accuracy": _SCORE,
        "true_positive_rate": _SCORE,
        "true_negative_rate": _SCORE,
        "false_positive_rate": _ERROR,
        "false_negative_rate": _ERROR,
        "auc": _SCORE,
        "f0_5": _SCORE,
        "f1": _SCORE,
        "f2": _SCORE,
    },
    "MulticlassClassification": {
        "accuracy": _SCORE,
        "weighted_recall": _SCORE,
        "weighted_precision": _SCORE,
        "weighted_f0_5": _SCORE,
        "weighted_f1": _SCORE,
        "weighted_f2": _SCORE,
    },
    "Regression": {"mae": _ERROR, "mse": _ERROR, "rmse": _ERROR, "r2": _SCORE},
}
"""Per problem type, the metrics that get a suggested constraint and its operator."""


@dataclass(frozen=True)
class MetricConstraint:
    """One constraint: a violation when ``metric <comparison_operator> threshold``."""

    threshold: float
    comparison_operator: ComparisonOperator

    def is_violated_by(self, value: float) -> bool:
        """Whether ``value`` violates the constraint; NaN never does.

        Examples
        --------
        >>> MetricConstraint(0.625, "LessThanThreshold").is_violated_by(0.5)
        True
        """
        if math.isnan(value):
            return False
        t = self.threshold
        return {
            "LessThanThreshold": value < t,
            "GreaterThanThreshold": value > t,
            "LessThanOrEqualToThreshold": value <= t,
            "GreaterThanOrEqualToThreshold": value >= t,
        }[self.comparison_operator]


@dataclass(frozen=True)
class MetricViolation:
    """A violated constraint, as ``constraint_violations.json`` records it (spec §6.4)."""

    metric_name: str
    constraint_check_type: ComparisonOperator
    description: str


@dataclass(frozen=True)
class ConstraintCheck:
    """The outcome of :func:`check_constraints`.

    Attributes
    ----------
    violations : tuple of MetricViolation
        In the constraints' order.
    unchecked : tuple of str
        Constrained metrics absent from the statistics (not violations; a shell may warn).
    undefined : tuple of str
        Constrained metrics whose value is NaN (not violations).
    """

    violations: tuple[MetricViolation, ...]
    unchecked: tuple[str, ...] = ()
    undefined: tuple[str, ...] = ()


def suggest_constraints(
    problem_type: ProblemType,
    metrics: Mapping[str, MetricEstimate],
    *,
    slack: float = DEFAULT_SLACK,
) -> dict[str, MetricConstraint]:
    """Suggested constraints for a baseline's metrics.

    Parameters
    ----------
    problem_type : {"BinaryClassification", "MulticlassClassification", "Regression"}
    metrics : mapping of str to MetricEstimate
        The baseline's scalar metrics.
    slack : float, default=0.1
        Margin, ``>= 0`` (see the module docstring); 0 gives SageMaker's thresholds (the
        baseline values).

    Returns
    -------
    dict of str to MetricConstraint
        In :data:`SUGGESTED_OPERATORS` order; metrics missing or NaN are left out.

    Raises
    ------
    InvalidParameterError
        If ``problem_type`` is unknown or ``slack`` is negative or not finite.

    Examples
    --------
    >>> suggest_constraints("Regression", {"mae": MetricEstimate(2.0), "r2": MetricEstimate(0.5)})
    {'mae': MetricConstraint(threshold=2.2, comparison_operator='GreaterThanThreshold'), 'r2': MetricConstraint(threshold=0.4, comparison_operator='LessThanThreshold')}
    """
    fn = "suggest_constraints"
    if problem_type not in SUGGESTED_OPERATORS:
        raise InvalidParameterError(
            f"problem_type of {fn} must be one of {PROBLEM_TYPES}. Got {problem_type!r} instead.",
            field="problem_type",
        )
    if isinstance(slack, bool) or not isinstance(slack, (int, float)) or not slack >= 0:
        raise InvalidParameterError(
            f"slack of {fn} must be a number >= 0. Got {slack!r} instead.", field="slack"
        )
    if not math.isfinite(slack):
        raise InvalidParameterError(
            f"slack of {fn} must be finite. Got {slack!r} instead.", field="slack"
        )
    out: dict[str, MetricConstraint] = {}
    for name, operator in SUGGESTED_OPERATORS[problem_type].items():
        metric = metrics.get(name)
        if metric is None or math.isnan(metric.value):
            continue
        margin = slack * abs(metric.value) if name in RELATIVE_SLACK_METRICS else slack
        higher_is_worse = operator.startswith("Greater")
        threshold = metric.value + margin if higher_is_worse else metric.value - margin
        if problem_type != "Regression" and margin:
            threshold = min(max(threshold, 0.0), 1.0)
        out[name] = MetricConstraint(threshold, operator)
    return out


def _number(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else "NaN"


def violation_description(name: str, metric: MetricEstimate, constraint: MetricConstraint) -> str:
    """``Metric mae with 48.73608152071635 was GreaterThanThreshold '38.29501488095238'``.

    SageMaker's model-quality analyzer writes the value alone (no ``+/- std``) and quotes the
    threshold, as its real outputs show (weekly runs of a regression model-quality monitor;
    spec §6.4 inferred a ``+/- std`` part and an unquoted threshold from the custom-metrics
    sample, which the real analyzer does not write). Numbers are Python's ``repr``, as Java's
    ``Double.toString`` prints the same digits for these values.

    Examples
    --------
    >>> violation_description("f2", MetricEstimate(0.5, 0.01), MetricConstraint(0.625, "LessThanThreshold"))
    "Metric f2 with 0.5 was LessThanThreshold '0.625'"
    """
    return (
        f"Metric {name} with {_number(metric.value)} was {constraint.comparison_operator} "
        f"'{_number(constraint.threshold)}'"
    )


def check_constraints(
    metrics: Mapping[str, MetricEstimate], constraints: Mapping[str, MetricConstraint]
) -> ConstraintCheck:
    """Compare metrics with their constraints.

    Parameters
    ----------
    metrics : mapping of str to MetricEstimate
        Scalar metrics by key (any key: custom metrics are checked too).
    constraints : mapping of str to MetricConstraint

    Returns
    -------
    ConstraintCheck
    """
    violations: list[MetricViolation] = []
    unchecked: list[str] = []
    undefined: list[str] = []
    for name, constraint in constraints.items():
        metric = metrics.get(name)
        if metric is None:
            unchecked.append(name)
        elif math.isnan(metric.value):
            undefined.append(name)
        elif constraint.is_violated_by(metric.value):
            violations.append(
                MetricViolation(
                    name,
                    constraint.comparison_operator,
                    violation_description(name, metric, constraint),
                )
            )
    return ConstraintCheck(tuple(violations), tuple(unchecked), tuple(undefined))
