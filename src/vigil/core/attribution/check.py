"""The feature-attribution drift check: NDCG below a threshold is a violation (spec clarify.md §4).

For each model output (``label``) of the baseline, the live ranking of features by global
attribution is scored against the baseline ranking with :func:`~.ndcg.ndcg_score`; the label
violates when ``NDCG < threshold`` (AWS documents 0.90 and exposes no setting; Vigil's default
is the same and a caller may pass another). There are no per-feature violations. The violation
is written as AWS writes it::

    {"label": "label0", "metric_name": "shap",
     "constraint_check_type": "feature_attribution_drift_check",
     "description": "Feature attribution drift 0.7639720923277322 exceeds threshold 0.9"}

(AWS's text says "exceeds" although the NDCG fell *below* the threshold; the wording is kept
because consumers match it.) Numbers are written as Python's shortest round-trip ``repr``.

Metrics of a window, per label: ``feature_attribution_<feature>`` (the live global attribution
of each feature) and ``attribution_ndcg``. AWS's CloudWatch names are ``feature_<feature>`` and
``ExpectedValue``; Vigil's names keep the attribution metrics apart from the data-quality
``feature_*`` metrics of the same endpoint.

Undefined policy: an NaN NDCG (every baseline attribution 0) never violates, and its metric is
left out; the result says ``is_defined = False`` so that the job can report it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from vigil.core.attribution.aggregate import LabelAttributions
from vigil.core.attribution.ndcg import ndcg_score, rank_features
from vigil.errors import InvalidParameterError

__all__ = [
    "DEFAULT_NDCG_THRESHOLD",
    "FEATURE_ATTRIBUTION_DRIFT_CHECK",
    "FEATURE_ATTRIBUTION_METRIC_PREFIX",
    "NDCG_METRIC_NAME",
    "SHAP_METRIC_NAME",
    "AttributionDriftReport",
    "AttributionDriftResult",
    "AttributionMetric",
    "AttributionViolation",
    "attribution_drift_description",
    "check_attribution_drift",
]

DEFAULT_NDCG_THRESHOLD = 0.90
"""AWS's fixed threshold: NDCG below it is a violation."""

FEATURE_ATTRIBUTION_DRIFT_CHECK = "feature_attribution_drift_check"
"""``constraint_check_type`` of every feature-attribution violation."""

SHAP_METRIC_NAME = "shap"
"""``metric_name`` of every feature-attribution violation."""

FEATURE_ATTRIBUTION_METRIC_PREFIX = "feature_attribution_"
"""Prefix of the per-feature metric: ``feature_attribution_<feature>``."""

NDCG_METRIC_NAME = "attribution_ndcg"
"""Name of the NDCG metric of a window."""


@dataclass(frozen=True)
class AttributionDriftResult:
    """The NDCG of one label's live ranking against its baseline ranking.

    Attributes
    ----------
    label : str
    ndcg : float
        In [0, 1]; NaN when undefined (see the module docstring).
    threshold : float
    violated : bool
        ``ndcg < threshold``; False when ``ndcg`` is NaN.
    baseline_ranking, live_ranking : tuple of str
        The features, most important first (ties by name).
    """

    label: str
    ndcg: float
    threshold: float
    violated: bool
    baseline_ranking: tuple[str, ...]
    live_ranking: tuple[str, ...]

    @property
    def is_defined(self) -> bool:
        """False when the NDCG is NaN (every baseline attribution is 0)."""
        return not math.isnan(self.ndcg)


@dataclass(frozen=True)
class AttributionViolation:
    """One entry of ``constraint_violations.json`` (spec §4), field for field.

    Attributes
    ----------
    label : str
    metric_name : str
        Always ``"shap"``.
    constraint_check_type : str
        Always ``"feature_attribution_drift_check"``.
    description : str
        ``"Feature attribution drift <ndcg> exceeds threshold <threshold>"``.
    """

    label: str
    description: str
    metric_name: str = SHAP_METRIC_NAME
    constraint_check_type: str = FEATURE_ATTRIBUTION_DRIFT_CHECK


@dataclass(frozen=True)
class AttributionMetric:
    """One metric value of a window (the jobs layer adds time and dimensions).

    Attributes
    ----------
    name : str
        ``feature_attribution_<feature>`` or ``attribution_ndcg``.
    label : str
        The model output the value belongs to (a ``Label`` dimension).
    value : float
    """

    name: str
    label: str
    value: float


@dataclass(frozen=True)
class AttributionDriftReport:
    """Outcome of :func:`check_attribution_drift`: per-label results, violations and metrics.

    Attributes
    ----------
    results : tuple of AttributionDriftResult
        One per label, in the baseline's label order.
    violations : tuple of AttributionViolation
        One per violated label.
    metrics : tuple of AttributionMetric
        Per label: ``feature_attribution_<feature>`` for every feature (feature order of the
        live attributions), then ``attribution_ndcg`` when defined.
    """

    results: tuple[AttributionDriftResult, ...]
    violations: tuple[AttributionViolation, ...]
    metrics: tuple[AttributionMetric, ...]

    @property
    def has_violations(self) -> bool:
        """Whether any label violated."""
        return bool(self.violations)


def attribution_drift_description(ndcg: float, threshold: float) -> str:
    """The violation description AWS writes.

    Examples
    --------
    >>> attribution_drift_description(0.7639720923277322, 0.9)
    'Feature attribution drift 0.7639720923277322 exceeds threshold 0.9'
    """
    return f"Feature attribution drift {float(ndcg)!r} exceeds threshold {float(threshold)!r}"


def _by_label(
    attributions: Sequence[LabelAttributions], name: str, fn: str
) -> dict[str, LabelAttributions]:
    out: dict[str, LabelAttributions] = {}
    for item in attributions:
        if not isinstance(item, LabelAttributions):
            raise InvalidParameterError(
                f"{name} of {fn} must be a sequence of LabelAttributions. "
                f"Got {type(item).__name__} instead.",
                field=name,
            )
        if item.label in out:
            raise InvalidParameterError(
                f"{name} of {fn} must name each label once. Got {item.label!r} twice instead.",
                field=name,
            )
        out[item.label] = item
    if not out:
        raise InvalidParameterError(
            f"{name} of {fn} must hold at least one label. Got none instead.", field=name
        )
    return out


def check_attribution_drift(
    baseline: Sequence[LabelAttributions],
    live: Sequence[LabelAttributions],
    *,
    threshold: float = DEFAULT_NDCG_THRESHOLD,
) -> AttributionDriftReport:
    """Score each label's live feature ranking against the baseline; NDCG < threshold violates.

    Parameters
    ----------
    baseline : sequence of LabelAttributions
        The baseline's ``explanations.kernel_shap`` labels.
    live : sequence of LabelAttributions
        The window's labels: the same labels, each with the same features.
    threshold : float, default=0.90
        In [0, 1].

    Returns
    -------
    AttributionDriftReport

    Raises
    ------
    InvalidParameterError
        If the label sets differ, a label's features differ, an attribution is not finite, or
        the threshold is outside [0, 1].

    Examples
    --------
    >>> base = [LabelAttributions("label0", {"SAT": 0.70, "GPA": 0.50, "Rank": 0.05})]
    >>> now = [LabelAttributions("label0", {"SAT": 0.10, "GPA": 0.20, "Rank": 0.70})]
    >>> report = check_attribution_drift(base, now)
    >>> report.violations[0].description
    'Feature attribution drift 0.6876396241226223 exceeds threshold 0.9'
    >>> [(m.name, m.value) for m in report.metrics][-1]
    ('attribution_ndcg', 0.6876396241226223)
    """
    fn = "check_attribution_drift"
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not 0.0 <= threshold <= 1.0
    ):
        raise InvalidParameterError(
            f"threshold of {fn} must be a number in [0, 1]. Got {threshold!r} instead.",
            field="threshold",
        )
    base = _by_label(baseline, "baseline", fn)
    current = _by_label(live, "live", fn)
    if base.keys() != current.keys():
        raise InvalidParameterError(
            f"live of {fn} must hold the baseline's labels {sorted(base)}. "
            f"Got {sorted(current)} instead.",
            field="live",
        )
    results: list[AttributionDriftResult] = []
    violations: list[AttributionViolation] = []
    metrics: list[AttributionMetric] = []
    for label, expected in base.items():
        observed = current[label]
        try:
            ndcg = ndcg_score(expected.global_shap_values, observed.global_shap_values)
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"label {label!r}: {exc.message}", field=label) from exc
        violated = not math.isnan(ndcg) and ndcg < threshold
        results.append(
            AttributionDriftResult(
                label=label,
                ndcg=ndcg,
                threshold=float(threshold),
                violated=violated,
                baseline_ranking=rank_features(expected.global_shap_values),
                live_ranking=rank_features(observed.global_shap_values),
            )
        )
        if violated:
            violations.append(
                AttributionViolation(label, attribution_drift_description(ndcg, threshold))
            )
        metrics.extend(
            AttributionMetric(f"{FEATURE_ATTRIBUTION_METRIC_PREFIX}{feature}", label, float(value))
            for feature, value in observed.global_shap_values.items()
        )
        if not math.isnan(ndcg):
            metrics.append(AttributionMetric(NDCG_METRIC_NAME, label, ndcg))
    return AttributionDriftReport(tuple(results), tuple(violations), tuple(metrics))
