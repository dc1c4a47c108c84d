"""Constraint suggestion from baseline statistics (spec/sagemaker-model-monitor.md §3.4).

SageMaker does not document its rules; Vigil follows the Deequ suggestion rules it is built on
(``suggestions/rules/*`` in Deequ 2.0.2):

- completeness (``CompleteIfCompleteRule`` / ``RetainCompletenessRule``): 1.0 for a complete
  column; otherwise the lower end of a 95% confidence interval of the observed completeness,
  ``p - 1.96 * sqrt(p * (1 - p) / n)``, floored to 2 decimals (and never below 0), so that a
  window as complete as the baseline does not fire on sampling noise.
- ``is_non_negative`` (``NonNegativeNumbersRule``): for numeric columns, whether min ≥ 0.
- domains (``CategoricalRangeRule``): for String columns with at most ``max_domain_size``
  distinct values (Deequ's low-cardinality histogram threshold is 120) of which at most 10% occur
  only once, the values by decreasing count. Not suggested when counts are not exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vigil.core.profile import ColumnStatistics, DatasetStatistics
from vigil.types import InferredType

__all__ = ["DEFAULT_MAX_DOMAIN_SIZE", "FeatureSuggestion", "suggest_features"]

DEFAULT_MAX_DOMAIN_SIZE = 120
"""Most distinct values a String column may have for a domain to be suggested (Deequ's 120)."""

_UNIQUE_VALUE_RATIO = 0.1
_Z_95 = 1.96


@dataclass(frozen=True)
class FeatureSuggestion:
    """Suggested constraints of one feature.

    Attributes
    ----------
    name : str
    inferred_type : InferredType
    completeness : float
        Required fraction (0–1) of non-null values.
    is_non_negative : bool or None
        For numeric features only.
    domain : tuple of str or None
        Allowed values, for low-cardinality String features only.
    """

    name: str
    inferred_type: InferredType
    completeness: float
    is_non_negative: bool | None = None
    domain: tuple[str, ...] | None = None


def suggest_completeness(present: int, total: int) -> float:
    """Suggested completeness threshold (fraction 0–1) for ``present`` non-null of ``total``.

    >>> suggest_completeness(100, 100)
    1.0
    >>> suggest_completeness(900, 1000)
    0.88
    """
    if total == 0:
        return 0.0
    p = present / total
    if p >= 1.0:
        return 1.0
    bound = p - _Z_95 * math.sqrt(p * (1.0 - p) / total)
    return max(0.0, math.floor(bound * 100.0) / 100.0)


def _suggest(col: ColumnStatistics, max_domain_size: int) -> FeatureSuggestion:
    completeness = suggest_completeness(col.num_present, col.num_present + col.num_missing)
    if col.numeric is not None:
        non_negative = bool(col.numeric.count == 0 or col.numeric.min >= 0.0)
        return FeatureSuggestion(col.name, col.inferred_type, completeness, non_negative)
    domain = None
    if (
        col.inferred_type is InferredType.STRING
        and col.buckets_complete
        and col.values_seen_once is not None
        and 0 < len(col.categories) <= max_domain_size
        and col.values_seen_once <= _UNIQUE_VALUE_RATIO * len(col.categories)
    ):
        domain = tuple(value for value, _ in col.categories)
    return FeatureSuggestion(col.name, col.inferred_type, completeness, domain=domain)


def suggest_features(
    statistics: DatasetStatistics, *, max_domain_size: int = DEFAULT_MAX_DOMAIN_SIZE
) -> tuple[FeatureSuggestion, ...]:
    """Suggest per-feature constraints from baseline statistics, in column order."""
    return tuple(_suggest(col, max_domain_size) for col in statistics.columns)
