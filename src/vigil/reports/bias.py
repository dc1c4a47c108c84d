"""The bias part of a report: Clarify's metrics per facet value, beside their fair values.

From a Clarify ``analysis.json`` (spec clarify.md §2): for each stage (pre-training,
post-training), each facet and each of its sensitive groups, every metric with its value, the
value of an unbiased facet (1 for DI, 0 for every other metric,
:mod:`vigil.core.bias.registry`), its range and Clarify's error text when it failed. A metric the
registry does not know (a later Clarify's) is shown without fair value. A bias-drift
``constraint_violations.json`` marks the metrics it lists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vigil.core.bias.registry import METRICS
from vigil.formats.clarify.analysis import BiasMetrics, ClarifyAnalysis
from vigil.formats.clarify.violations import BiasConstraintViolations
from vigil.reports.charts import Spec, bias_chart

__all__ = ["BiasMetricRow", "BiasSection", "FacetGroup", "StageSection", "bias_section"]


@dataclass(frozen=True)
class BiasMetricRow:
    """One metric of one facet value.

    Attributes
    ----------
    name, description : str
        Clarify's short name and description.
    value : float or None
        None when the metric failed (see :attr:`error`); may be infinite.
    fair_value : float or None
        The value of an unbiased facet; None for a metric Vigil does not know.
    range : tuple of float or None
        Closed range of the value (``inf`` for unbounded).
    error : str or None
    violated : bool
        Whether the bias-drift violations list this metric for this facet value.
    """

    name: str
    description: str
    value: float | None
    fair_value: float | None
    range: tuple[float, float] | None
    error: str | None
    violated: bool

    @property
    def deviation(self) -> float | None:
        """``|value − fair value|`` (None when either is unknown or not finite)."""
        if self.value is None or self.fair_value is None or not math.isfinite(self.value):
            return None
        return abs(self.value - self.fair_value)


@dataclass(frozen=True)
class FacetGroup:
    """One sensitive group: a facet name and value (or threshold), with its metrics and chart."""

    facet: str
    value_or_threshold: str
    metrics: tuple[BiasMetricRow, ...]
    chart: Spec | None


@dataclass(frozen=True)
class StageSection:
    """One stage of the analysis.

    Attributes
    ----------
    stage : {"pre_training", "post_training"}
    title : str
    label : str
        The label column.
    label_value_or_threshold : str
        The positive label values or threshold.
    groups : tuple of FacetGroup
    """

    stage: str
    title: str
    label: str
    label_value_or_threshold: str
    groups: tuple[FacetGroup, ...]


@dataclass(frozen=True)
class BiasSection:
    """The bias section: the stages the analysis holds (pre-training first)."""

    stages: tuple[StageSection, ...]

    @property
    def violated(self) -> int:
        """Metrics listed as violations."""
        return sum(m.violated for s in self.stages for g in s.groups for m in g.metrics)


def _range(name: str) -> tuple[float, float] | None:
    spec = METRICS.get(name)
    return spec.range if spec is not None else None


def _stage(
    stage: str, title: str, block: BiasMetrics, flagged: set[tuple[str, str, str]]
) -> StageSection:
    groups = []
    for facet, entries in block.facets.items():
        for entry in entries:
            rows = []
            for metric in entry.metrics:
                spec = METRICS.get(metric.name)
                value = None if metric.value is None else float(metric.value)
                rows.append(
                    BiasMetricRow(
                        name=metric.name,
                        description=metric.description,
                        value=value,
                        fair_value=spec.fair_value if spec is not None else None,
                        range=_range(metric.name),
                        error=metric.error,
                        violated=(facet, entry.value_or_threshold, metric.name) in flagged,
                    )
                )
            points = [
                {"m": r.name, "v": round(r.value, 6), "f": r.fair_value}
                for r in rows
                if r.value is not None and math.isfinite(r.value) and r.fair_value is not None
            ]
            groups.append(
                FacetGroup(
                    facet,
                    entry.value_or_threshold,
                    tuple(rows),
                    bias_chart(points) if points else None,
                )
            )
    return StageSection(
        stage,
        title,
        "" if block.label is None else str(block.label),
        block.label_value_or_threshold or "",
        tuple(groups),
    )


def bias_section(
    analysis: ClarifyAnalysis, *, violations: BiasConstraintViolations | None = None
) -> BiasSection | None:
    """The bias section of an ``analysis.json``, or None when it holds no bias metrics.

    Examples
    --------
    >>> doc = ClarifyAnalysis.from_json('{"pre_training_bias_metrics": {"label": "y", '
    ...     '"facets": {"sex": [{"value_or_threshold": "F", "metrics": [{"name": "CI", '
    ...     '"description": "Class Imbalance (CI)", "value": 0.2}]}]}, '
    ...     '"label_value_or_threshold": "1"}}')
    >>> row = bias_section(doc).stages[0].groups[0].metrics[0]
    >>> row.name, row.value, row.fair_value, row.deviation
    ('CI', 0.2, 0.0, 0.2)
    """
    flagged = (
        {(v.facet, v.facet_value, v.metric_name) for v in violations.violations}
        if violations is not None
        else set()
    )
    stages = []
    if analysis.pre_training_bias_metrics is not None:
        stages.append(
            _stage("pre_training", "Pre-training", analysis.pre_training_bias_metrics, flagged)
        )
    if analysis.post_training_bias_metrics is not None:
        stages.append(
            _stage("post_training", "Post-training", analysis.post_training_bias_metrics, flagged)
        )
    return BiasSection(tuple(stages)) if stages else None
