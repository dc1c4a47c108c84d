"""The bias-drift rule of a ModelBias monitor: live metrics against the baseline's.

SageMaker's bias-drift job compares every metric of the live analysis with the same stage,
facet, facet value and metric of the baseline constraints (the baseline job's analysis.json,
spec clarify.md §3). The AWS page says a violation is logged when the live value is "worse",
farther from 0 than the baseline value; Vigil measures the distance from each metric's *fair
value* (0, and 1 for DI: spec §7.1) and allows a tolerance::

    violation  ⇔  |live − fair| > |baseline − fair| + tolerance

Metrics that are undefined (``value`` null) or NaN on either side, or absent from the baseline,
are skipped, as the AWS page says for errors and nulls. An infinite live value violates unless
the baseline is infinite too. Each violation carries the description text Model Monitor writes:
``"Value 0.0751544567666083 does not meet the constraint requirement"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from vigil.core.bias.registry import METRICS
from vigil.core.bias.report import BiasReport, FacetReport, StageReport
from vigil.core.bias.result import Stage
from vigil.errors import InvalidParameterError

__all__ = [
    "BIAS_DRIFT_CHECK",
    "BiasDriftViolation",
    "check_bias_drift",
    "fair_value_of",
    "is_bias_drift",
]

BIAS_DRIFT_CHECK: Literal["bias_drift_check"] = "bias_drift_check"
"""The ``constraint_check_type`` of every bias-drift violation."""


def fair_value_of(metric_name: str) -> float:
    """The value of an unbiased facet for ``metric_name``: 1 for DI, 0 otherwise.

    A name Vigil does not register gets 0, the AWS page's "distance from 0" rule.

    Examples
    --------
    >>> fair_value_of("DI"), fair_value_of("DPPL"), fair_value_of("XYZ")
    (1.0, 0.0, 0.0)
    """
    spec = METRICS.get(metric_name)
    return spec.fair_value if spec is not None else 0.0


def _format_value(value: float) -> str:
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(float(value))


@dataclass(frozen=True)
class BiasDriftViolation:
    """One metric of one facet value that drifted further from fair than the baseline allows.

    Attributes
    ----------
    stage : {"pre_training", "post_training"}
    facet : str
        The facet's name (``name_or_index``).
    facet_value : str
        The sensitive group's text (``value_or_threshold``).
    metric_name : str
        Clarify's short name.
    baseline_value, live_value : float
    fair_value : float
        1 for DI, 0 otherwise.
    tolerance : float
        The slack the check allowed.
    constraint_check_type : str, default="bias_drift_check"
    """

    stage: Stage
    facet: str
    facet_value: str
    metric_name: str
    baseline_value: float
    live_value: float
    fair_value: float
    tolerance: float
    constraint_check_type: Literal["bias_drift_check"] = BIAS_DRIFT_CHECK

    @property
    def description(self) -> str:
        """Model Monitor's text: ``Value <live> does not meet the constraint requirement``."""
        return f"Value {_format_value(self.live_value)} does not meet the constraint requirement"


def is_bias_drift(live: float, baseline: float, *, fair_value: float, tolerance: float) -> bool:
    """The rule for one value: ``|live − fair| > |baseline − fair| + tolerance``.

    False when either value is NaN. Examples from the AWS page (baseline DPPL 0.2):

    >>> is_bias_drift(0.1, 0.2, fair_value=0.0, tolerance=0.0)
    False
    >>> is_bias_drift(-0.3, 0.2, fair_value=0.0, tolerance=0.0)
    True
    >>> is_bias_drift(0.7, 0.9, fair_value=1.0, tolerance=0.05)  # DI: 0.3 > 0.1 + 0.05
    True
    """
    if math.isnan(live) or math.isnan(baseline):
        return False
    live_distance = abs(live - fair_value)
    baseline_distance = abs(baseline - fair_value)
    if math.isinf(live_distance):
        return not math.isinf(baseline_distance)
    return live_distance > baseline_distance + tolerance


def _check_tolerance(tolerance: float) -> float:
    if (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, int | float)
        or not math.isfinite(tolerance)
        or tolerance < 0
    ):
        raise InvalidParameterError(
            "tolerance of check_bias_drift must be a finite number >= 0. "
            f"Got {tolerance!r} instead.",
            field="tolerance",
        )
    return float(tolerance)


def _baseline_index(stage: StageReport) -> dict[tuple[str, str, str], float]:
    index: dict[tuple[str, str, str], float] = {}
    for facet in stage.facets:
        for metric in facet.metrics:
            if metric.value is not None:
                index[(facet.facet, facet.value_or_threshold, metric.name)] = float(metric.value)
    return index


def _stage_violations(
    baseline: StageReport, live: StageReport, tolerance: float
) -> list[BiasDriftViolation]:
    reference = _baseline_index(baseline)
    found: list[BiasDriftViolation] = []
    facet: FacetReport
    for facet in live.facets:
        for metric in facet.metrics:
            if metric.value is None:
                continue
            key = (facet.facet, facet.value_or_threshold, metric.name)
            if key not in reference:
                continue
            fair = fair_value_of(metric.name)
            value = float(metric.value)
            if is_bias_drift(value, reference[key], fair_value=fair, tolerance=tolerance):
                found.append(
                    BiasDriftViolation(
                        stage=live.stage,
                        facet=facet.facet,
                        facet_value=facet.value_or_threshold,
                        metric_name=metric.name,
                        baseline_value=reference[key],
                        live_value=value,
                        fair_value=fair,
                        tolerance=tolerance,
                    )
                )
    return found


def check_bias_drift(
    baseline: BiasReport, live: BiasReport, *, tolerance: float = 0.0
) -> tuple[BiasDriftViolation, ...]:
    """Every live metric that is further from its fair value than the baseline, plus tolerance.

    Parameters
    ----------
    baseline : BiasReport
        The baseline constraints (the baseline job's analysis, e.g. read from its analysis.json).
    live : BiasReport
        The monitoring window's analysis.
    tolerance : float, default=0.0
        Non-negative slack on the distance from the fair value, in the metric's own units.

    Returns
    -------
    tuple of BiasDriftViolation
        Pre-training violations first, then post-training, each in the live report's order.

    Raises
    ------
    InvalidParameterError
        If ``tolerance`` is negative or not finite.

    Examples
    --------
    >>> from vigil.core.bias.result import MetricResult
    >>> def one(value):
    ...     metric = MetricResult("DI", "Disparate Impact (DI)", value)
    ...     stage = StageReport("post_training", "y", "1", (FacetReport("sex", "F", (metric,)),))
    ...     return BiasReport(post_training=stage)
    >>> [v.description for v in check_bias_drift(one(0.9), one(0.55), tolerance=0.1)]
    ['Value 0.55 does not meet the constraint requirement']
    """
    slack = _check_tolerance(tolerance)
    found: list[BiasDriftViolation] = []
    for base_stage, live_stage in (
        (baseline.pre_training, live.pre_training),
        (baseline.post_training, live.post_training),
    ):
        if base_stage is not None and live_stage is not None:
            found.extend(_stage_violations(base_stage, live_stage, slack))
    return tuple(found)
