"""Input checks and small numeric helpers shared by the drift distances (private).

Nothing here is a distance. The helpers check that a (baseline, current) pair is of one kind,
resolve thresholds, align categorical counts, and compute the asymptotic chi-square noise floor
that several binned distances report.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection
from typing import Literal, NoReturn

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.errors import InvalidParameterError

__all__ = [
    "BOTH_KINDS",
    "CATEGORICAL_ONLY",
    "NOISE_FLOOR_ALPHA",
    "NUMERIC_ONLY",
    "Distribution",
    "DistributionKind",
    "categorical_arrays",
    "check_pair",
    "chi2_noise_floor",
    "distribution_kind",
    "pair_error",
    "resolve_threshold",
    "total_weight",
]

DistributionKind = Literal["numeric", "categorical"]
"""The two kinds of feature a distance can compare."""

Distribution = WeightedSample | CategoricalCounts
"""A one-dimensional distribution: numeric (:class:`WeightedSample`) or categorical."""

NUMERIC_ONLY: tuple[DistributionKind, ...] = ("numeric",)
CATEGORICAL_ONLY: tuple[DistributionKind, ...] = ("categorical",)
BOTH_KINDS: tuple[DistributionKind, ...] = ("numeric", "categorical")

NOISE_FLOOR_ALPHA = 0.05
"""Upper-tail probability of the asymptotic noise floors reported by binned distances."""


def distribution_kind(value: object, *, caller: str, param: str) -> DistributionKind:
    """Return the kind of ``value`` or raise if it is neither distribution type."""
    if isinstance(value, WeightedSample):
        return "numeric"
    if isinstance(value, CategoricalCounts):
        return "categorical"
    raise InvalidParameterError(
        f"{param} of {caller} must be a WeightedSample or CategoricalCounts. "
        f"Got {type(value).__name__} instead.",
        field=param,
    )


def check_pair(
    baseline: object,
    current: object,
    *,
    accepted: Collection[DistributionKind],
    caller: str,
) -> DistributionKind:
    """Check that both sides are of one kind that ``caller`` accepts; return that kind.

    Raises
    ------
    InvalidParameterError
        If either side is not a distribution, the kinds differ, or the kind is not accepted.
    """
    kind_b = distribution_kind(baseline, caller=caller, param="baseline")
    kind_c = distribution_kind(current, caller=caller, param="current")
    if kind_b != kind_c:
        raise InvalidParameterError(
            f"current of {caller} must be of the same kind as baseline ({kind_b}). "
            f"Got {kind_c} instead.",
            field="current",
        )
    if kind_b not in accepted:
        raise InvalidParameterError(
            f"baseline of {caller} must be one of the kinds {sorted(accepted)}. "
            f"Got {kind_b} instead.",
            field="baseline",
        )
    return kind_b


def pair_error(
    baseline: object,
    current: object,
    *,
    accepted: Collection[DistributionKind],
    caller: str,
) -> NoReturn:
    """Raise the error that explains why ``(baseline, current)`` is not an accepted pair.

    Call it after the ``isinstance`` branches for the accepted kinds have all failed.
    """
    check_pair(baseline, current, accepted=accepted, caller=caller)
    raise InvalidParameterError(  # pragma: no cover - check_pair has raised already
        f"baseline and current of {caller} must be distributions of one accepted kind."
    )


def total_weight(value: Distribution) -> float:
    """Total weight (count) of a distribution, ignoring non-positive categorical counts."""
    if isinstance(value, WeightedSample):
        return value.total_weight
    return float(sum(c for c in value.counts.values() if c > 0))


def resolve_threshold(
    threshold: float | None,
    default: float,
    *,
    caller: str,
    probability: bool = False,
) -> float:
    """Return ``default`` when ``threshold`` is None, else the checked threshold.

    A distance threshold must be finite and >= 0; a significance level (``probability=True``)
    must lie in the open interval (0, 1).
    """
    if threshold is None:
        return default
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise InvalidParameterError(
            f"threshold of {caller} must be a number. Got {threshold!r} instead.",
            field="threshold",
        )
    value = float(threshold)
    if probability:
        if not 0.0 < value < 1.0:
            raise InvalidParameterError(
                f"threshold of {caller} must be a significance level in (0, 1). "
                f"Got {threshold!r} instead.",
                field="threshold",
            )
    elif not (math.isfinite(value) and value >= 0.0):
        raise InvalidParameterError(
            f"threshold of {caller} must be a finite number >= 0. Got {threshold!r} instead.",
            field="threshold",
        )
    return value


def categorical_arrays(
    baseline: CategoricalCounts, current: CategoricalCounts, *, caller: str
) -> tuple[list[str], NDArray[np.float64], NDArray[np.float64]]:
    """Counts of both tables over the sorted union of categories with a positive count.

    Zero counts are treated as absent. Negative or non-finite counts raise.

    Returns
    -------
    categories : list of str, length k
    baseline_counts, current_counts : ndarray of shape (k,), float64
    """
    categories, b, c = baseline.aligned(current)
    for name, arr in (("baseline", b), ("current", c)):
        if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr < 0)):
            raise InvalidParameterError(
                f"{name} of {caller} must hold finite counts >= 0.",
                field=name,
            )
    keep = (b > 0) | (c > 0)
    return [cat for cat, k in zip(categories, keep, strict=True) if k], b[keep], c[keep]


def chi2_noise_floor(
    n_cells: int, n: float, m: float, *, alpha: float = NOISE_FLOOR_ALPHA
) -> float:
    """Asymptotic upper ``1 - alpha`` quantile of ``sum((p_i - q_i)**2 / pi_i)`` under no drift.

    When two samples of sizes ``n`` and ``m`` come from one distribution ``pi`` over ``n_cells``
    cells, ``(n*m/(n+m)) * sum((p_i - q_i)**2 / pi_i)`` is the two-sample chi-square statistic of
    homogeneity, asymptotically chi-square with ``n_cells - 1`` degrees of freedom. PSI,
    8·Hellinger² and 8·ln(2)·JSD are all this quadratic form to second order, so each scales this
    value to get its own noise floor. Returns 0 for fewer than two cells.
    """
    dof = n_cells - 1
    if dof < 1:
        return 0.0
    return float(stats.chi2.ppf(1.0 - alpha, dof)) * (1.0 / n + 1.0 / m)
