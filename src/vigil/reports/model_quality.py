"""The model-quality part of a report: metrics against thresholds, confusion matrix, curves.

From a model-quality ``statistics.json`` (spec sagemaker-model-monitor.md §6.2), its
``constraints.json`` (§6.3), the window's ``constraint_violations.json`` (§6.4) and Vigil's
``ground_truth_coverage.json``. A metric's status is whether its value violates its threshold
(:meth:`~vigil.formats.model_quality.MetricThreshold.is_violated_by`: the comparison operator
names the *violating* condition); ``*_best_constant_classifier`` metrics are shown beside the
metric they are the reference of, not as rows of their own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from vigil.errors import InvalidParameterError
from vigil.formats.model_quality import (
    BinaryClassificationMetrics,
    ModelQualityConstraints,
    ModelQualityStatistics,
    MulticlassClassificationMetrics,
)
from vigil.formats.violations import ConstraintViolations
from vigil.reports.charts import Spec, curve_chart, heatmap_chart

__all__ = [
    "MAX_CURVE_POINTS",
    "OPERATOR_TEXT",
    "MetricRow",
    "ModelQualitySection",
    "model_quality_section",
]

MAX_CURVE_POINTS = 500
"""Most points drawn per ROC/PR curve (evenly thinned; the first and last are kept)."""

OPERATOR_TEXT = {
    "LessThanThreshold": "<",
    "GreaterThanThreshold": ">",
    "LessThanOrEqualToThreshold": "≤",
    "GreaterThanOrEqualToThreshold": "≥",
}
"""How a violating comparison is written in the report (``value < threshold`` violates)."""

_BEST_CONSTANT = "_best_constant_classifier"


@dataclass(frozen=True)
class MetricRow:
    """One metric of the window.

    Attributes
    ----------
    name : str
        The key of statistics.json (``accuracy``, ``f2``, ``mae``).
    value, standard_deviation : float
        NaN where undefined (a standard deviation needs 200 samples).
    best_constant : float or None
        The ``<name>_best_constant_classifier`` reference, when the file has one.
    threshold : float or None
    operator : str or None
        The violating comparison (``LessThanThreshold`` …), None without a constraint.
    status : {"violation", "ok", "unconstrained"}
        ``violation`` when the value violates its threshold or the violations file lists it.
    """

    name: str
    value: float
    standard_deviation: float
    best_constant: float | None
    threshold: float | None
    operator: str | None
    status: Literal["violation", "ok", "unconstrained"]

    @property
    def rule(self) -> str:
        """The violating condition as text (``"violation when < 0.8"``), or ``""``."""
        if self.operator is None or self.threshold is None:
            return ""
        return (
            f"violation when {OPERATOR_TEXT.get(self.operator, self.operator)} {self.threshold:.6g}"
        )


@dataclass(frozen=True)
class ModelQualitySection:
    """The model-quality section of a report.

    Attributes
    ----------
    problem_type : str or None
    item_count : int or None
        Rows the metrics were computed on.
    evaluation_time : str or None
    metrics : tuple of MetricRow
    labels : tuple of str
        The confusion matrix's labels (rows: actual, columns: predicted).
    confusion_matrix : tuple of tuple of int
        ``[i][j]``: records of actual label ``labels[i]`` predicted ``labels[j]``.
    constraints_problem_type : str or None
    coverage : mapping or None
        ``ground_truth_coverage.json`` as read.
    charts : mapping of str to dict
        ``confusion_matrix``, ``roc``, ``precision_recall`` where the file has the data.
    """

    problem_type: str | None
    item_count: int | None
    evaluation_time: str | None
    metrics: tuple[MetricRow, ...]
    labels: tuple[str, ...]
    confusion_matrix: tuple[tuple[int, ...], ...]
    coverage: Mapping[str, Any] | None
    charts: Mapping[str, Spec]

    @property
    def violated(self) -> int:
        """Metrics in violation."""
        return sum(1 for m in self.metrics if m.status == "violation")


def _thin(xs: list[float], ys: list[float], limit: int) -> list[dict[str, float]]:
    n = min(len(xs), len(ys))
    if n == 0:
        return []
    step = max(1, math.ceil(n / limit))
    keep = list(range(0, n, step))
    if keep[-1] != n - 1:
        keep.append(n - 1)
    return [
        {"i": i, "x": round(float(xs[i]), 6), "y": round(float(ys[i]), 6)}
        for i in keep
        if math.isfinite(xs[i]) and math.isfinite(ys[i])
    ]


def _sort_labels(labels: set[str]) -> list[str]:
    def key(label: str) -> tuple[int, float, str]:
        try:
            return (0, float(label), label)
        except ValueError:
            return (1, 0.0, label)

    return sorted(labels, key=key)


def model_quality_section(
    statistics: ModelQualityStatistics,
    *,
    constraints: ModelQualityConstraints | None = None,
    violations: ConstraintViolations | None = None,
    coverage: Mapping[str, Any] | None = None,
    max_curve_points: int = MAX_CURVE_POINTS,
) -> ModelQualitySection:
    """Build the model-quality section of a report.

    Parameters
    ----------
    statistics : ModelQualityStatistics
    constraints : ModelQualityConstraints, optional
        Thresholds; must be of the statistics' problem type.
    violations : ConstraintViolations, optional
    coverage : mapping, optional
        ``ground_truth_coverage.json`` (Vigil's), shown as read.
    max_curve_points : int, default=500
        Most points drawn per curve (>= 2).

    Raises
    ------
    InvalidParameterError
        If the constraints are of another problem type, or ``max_curve_points`` < 2.

    Examples
    --------
    >>> stats = ModelQualityStatistics.from_dict({"regression_metrics": {
    ...     "mae": {"value": 0.5, "standard_deviation": "NaN"}}})
    >>> limits = ModelQualityConstraints.from_dict({"regression_constraints": {
    ...     "mae": {"threshold": 0.4, "comparison_operator": "GreaterThanThreshold"}}})
    >>> row = model_quality_section(stats, constraints=limits).metrics[0]
    >>> row.name, row.status, row.rule
    ('mae', 'violation', 'violation when > 0.4')
    """
    if isinstance(max_curve_points, bool) or not isinstance(max_curve_points, int):
        max_curve_points = -1
    if max_curve_points < 2:
        raise InvalidParameterError(
            "max_curve_points of model_quality_section must be an int >= 2. "
            f"Got {max_curve_points!r} instead.",
            field="max_curve_points",
        )
    problem = statistics.problem_type
    if (
        constraints is not None
        and constraints.problem_type is not None
        and problem is not None
        and constraints.problem_type != problem
    ):
        raise InvalidParameterError(
            f"the constraints are for {constraints.problem_type} but the statistics for {problem}",
            field="constraints",
        )
    block = statistics.metrics
    scalars = block.scalar_metrics() if block is not None else {}
    limits = constraints.constraints if constraints is not None else {}
    listed = (
        {v.subject for v in violations.violations if v.is_model_quality}
        if violations is not None
        else set()
    )
    rows = []
    for name, metric in scalars.items():
        if name.endswith(_BEST_CONSTANT) and name[: -len(_BEST_CONSTANT)] in scalars:
            continue
        best = scalars.get(name + _BEST_CONSTANT)
        limit = limits.get(name)
        status: Literal["violation", "ok", "unconstrained"]
        if name in listed or (limit is not None and limit.is_violated_by(metric.value)):
            status = "violation"
        else:
            status = "ok" if limit is not None else "unconstrained"
        rows.append(
            MetricRow(
                name=name,
                value=metric.value,
                standard_deviation=metric.standard_deviation,
                best_constant=best.value if best is not None else None,
                threshold=limit.threshold if limit is not None else None,
                operator=limit.comparison_operator if limit is not None else None,
                status=status,
            )
        )
    charts: dict[str, Spec] = {}
    labels: list[str] = []
    matrix: list[tuple[int, ...]] = []
    if isinstance(block, BinaryClassificationMetrics | MulticlassClassificationMetrics):
        cm = block.confusion_matrix or {}
        labels = _sort_labels(set(cm) | {p for row in cm.values() for p in row})
        matrix = [tuple(cm.get(a, {}).get(p, 0) for p in labels) for a in labels]
        if labels:
            charts["confusion_matrix"] = heatmap_chart(
                [
                    {"a": a, "p": p, "n": matrix[i][j]}
                    for i, a in enumerate(labels)
                    for j, p in enumerate(labels)
                ]
            )
    if isinstance(block, BinaryClassificationMetrics):
        roc = block.receiver_operating_characteristic_curve
        if roc is not None:
            points = _thin(roc.false_positive_rates, roc.true_positive_rates, max_curve_points)
            if points:
                charts["roc"] = curve_chart(
                    points,
                    x_title="false positive rate",
                    y_title="true positive rate",
                    diagonal=True,
                )
        pr = block.precision_recall_curve
        if pr is not None:
            points = _thin(pr.recalls, pr.precisions, max_curve_points)
            if points:
                charts["precision_recall"] = curve_chart(
                    points, x_title="recall", y_title="precision", diagonal=False
                )
    dataset = statistics.dataset
    return ModelQualitySection(
        problem_type=problem,
        item_count=dataset.item_count if dataset is not None else None,
        evaluation_time=dataset.evaluation_time if dataset is not None else None,
        metrics=tuple(rows),
        labels=tuple(labels),
        confusion_matrix=tuple(matrix),
        coverage=coverage,
        charts=charts,
    )
