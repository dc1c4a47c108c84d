"""Turn the core's frozen results into SageMaker documents (statistics.json, constraints.json).

The shapes are spec/sagemaker-model-monitor.md §2.1 and §3.1; the documents themselves (field
names, tolerant reading, Jackson-style writing) live in :mod:`vigil.formats`. The other
direction (documents → the checks' inputs) is :mod:`vigil.formats.core_inputs`, re-exported here.
"""

from __future__ import annotations

from typing import Any

from vigil.core.profile import ColumnStatistics, DatasetStatistics
from vigil.core.sketch import kll_buckets
from vigil.core.suggest import FeatureSuggestion
from vigil.formats.constraints import Constraints
from vigil.formats.core_inputs import (
    baseline_distributions,
    feature_rules,
    statistics_from_document,
)
from vigil.formats.statistics import Statistics

__all__ = [
    "DEFAULT_MONITORING_CONFIG",
    "MAX_CATEGORICAL_BUCKETS",
    "baseline_distributions",
    "constraints_document",
    "feature_rules",
    "statistics_document",
    "statistics_from_document",
]

MAX_CATEGORICAL_BUCKETS = 1_000
"""Most categorical buckets written per String feature (the most frequent values)."""

KLL_BUCKETS = 10
"""SageMaker materialises the KLL distribution in 10 equal-width buckets (not configurable)."""

DEFAULT_MONITORING_CONFIG: dict[str, Any] = {
    "evaluate_constraints": "Enabled",
    "emit_metrics": "Enabled",
    "datatype_check_threshold": 1.0,
    "domain_content_threshold": 1.0,
    "distribution_constraints": {
        "perform_comparison": "Enabled",
        "comparison_threshold": 0.1,
        "comparison_method": "Robust",
    },
}
"""Exactly what the real analyzer suggests (spec §4.2a). The optional categorical keys are left
out: their defaults are ``categorical_comparison_threshold`` = ``comparison_threshold`` and
``categorical_drift_method`` = ``"LInfinity"`` (spec §3.2)."""


def _feature_dict(col: ColumnStatistics) -> dict[str, Any]:
    common = {"num_present": col.num_present, "num_missing": col.num_missing}
    out: dict[str, Any] = {"name": col.name, "inferred_type": col.inferred_type.value}
    if col.numeric is not None:
        num = col.numeric
        buckets = kll_buckets(num.sketch, num.min, num.max, KLL_BUCKETS)
        out["numerical_statistics"] = {
            "common": common,
            "mean": num.mean,
            "sum": num.sum,
            "std_dev": num.std_dev,
            "min": num.min,
            "max": num.max,
            "distribution": {
                "kll": {
                    "buckets": [
                        {"lower_bound": lo, "upper_bound": hi, "count": count}
                        for lo, hi, count in buckets
                    ],
                    "sketch": {
                        "parameters": {"c": num.sketch.c, "k": float(num.sketch.k)},
                        "data": num.sketch.levels(),
                    },
                }
            },
        }
        return out
    string: dict[str, Any] = {"common": common, "distinct_count": float(col.distinct_count or 0.0)}
    if col.categories:
        string["distribution"] = {
            "categorical": {
                "buckets": [
                    {"value": value, "count": count}
                    for value, count in col.categories[:MAX_CATEGORICAL_BUCKETS]
                ]
            }
        }
    out["string_statistics"] = string
    return out


def statistics_document(stats: DatasetStatistics) -> Statistics:
    """The statistics.json document of a dataset's statistics, features in column order."""
    return Statistics.from_dict(
        {
            "version": 0.0,
            "dataset": {"item_count": stats.item_count},
            "features": [_feature_dict(col) for col in stats.columns],
        }
    )


def _constraint_dict(s: FeatureSuggestion) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": s.name,
        "inferred_type": s.inferred_type.value,
        "completeness": s.completeness,
    }
    if s.is_non_negative is not None:
        out["num_constraints"] = {"is_non_negative": s.is_non_negative}
    if s.domain is not None:
        out["string_constraints"] = {"domains": list(s.domain)}
    return out


def constraints_document(
    suggestions: tuple[FeatureSuggestion, ...], *, monitoring_config: dict[str, Any] | None = None
) -> Constraints:
    """The constraints.json document of suggested feature constraints."""
    return Constraints.from_dict(
        {
            "version": 0.0,
            "features": [_constraint_dict(s) for s in suggestions],
            "monitoring_config": monitoring_config or DEFAULT_MONITORING_CONFIG,
        }
    )
