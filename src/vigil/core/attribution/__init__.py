"""Feature attribution drift: global SHAP attributions and their NDCG check (pure; no I/O).

One concept per module (spec clarify.md §4, §5, §7.4):

=============  =============================================================================
``aggregate``  local SHAP values → global attribution per feature (``mean_abs`` | ``median``
               | ``mean_sq``); :class:`LabelAttributions`, one model output's global values
``ndcg``       NDCG of the live feature ranking against the baseline's (AWS's formula, ties
               broken by feature name)
``check``      NDCG < threshold (0.90) → violation, with AWS's description; the metrics
=============  =============================================================================

Computing SHAP values (a model, ``shap``) is the jobs layer's work: :mod:`vigil.jobs.explain`.

>>> base = [LabelAttributions("label0", {"a": 0.5, "b": 0.3, "c": 0.1})]
>>> check_attribution_drift(base, base).results[0].ndcg
1.0
"""

from __future__ import annotations

from vigil.core.attribution.aggregate import (
    AGGREGATION_METHODS,
    DEFAULT_AGG_METHOD,
    AggregationMethod,
    LabelAttributions,
    aggregate_shap_values,
)
from vigil.core.attribution.check import (
    DEFAULT_NDCG_THRESHOLD,
    FEATURE_ATTRIBUTION_DRIFT_CHECK,
    FEATURE_ATTRIBUTION_METRIC_PREFIX,
    NDCG_METRIC_NAME,
    SHAP_METRIC_NAME,
    AttributionDriftReport,
    AttributionDriftResult,
    AttributionMetric,
    AttributionViolation,
    attribution_drift_description,
    check_attribution_drift,
)
from vigil.core.attribution.ndcg import ndcg_score, rank_features

__all__ = [
    "AGGREGATION_METHODS",
    "DEFAULT_AGG_METHOD",
    "DEFAULT_NDCG_THRESHOLD",
    "FEATURE_ATTRIBUTION_DRIFT_CHECK",
    "FEATURE_ATTRIBUTION_METRIC_PREFIX",
    "NDCG_METRIC_NAME",
    "SHAP_METRIC_NAME",
    "AggregationMethod",
    "AttributionDriftReport",
    "AttributionDriftResult",
    "AttributionMetric",
    "AttributionViolation",
    "LabelAttributions",
    "aggregate_shap_values",
    "attribution_drift_description",
    "check_attribution_drift",
    "ndcg_score",
    "rank_features",
]
