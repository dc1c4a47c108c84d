"""Input checks and small numeric helpers shared by the drift distances (private).

Nothing here is a distance. The helpers check that a (baseline, current) pair is of one kind,
resolve thresholds, align categorical counts, and compute the asymptotic chi-square noise floor
that several binned distances report.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
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
    "proportions",
    "resolve_threshold",
    "total_weight",
]

DistributionKind = Literal["numeric", "categorical"]
"""The two kinds of feature a distance can compare."""

Distribution = WeightedSample | CategoricalCounts
"""A one-dimensional distribution: numeric (:class:`WeightedSample`) or categorical."""

NUMERIC_ONLY: frozenset[DistributionKind] = frozenset({"numeric"})
CATEGORICAL_ONLY: frozenset[DistributionKind] = frozenset({"categorical"})
BOTH_KINDS: frozenset[DistributionKind] = frozenset({"numeric", "categorical"})

NOISE_FLOOR_ALPHA = 0.05
"""Upper-tail probability of the asymptotic noise floors reported by binned distances."""


def distribution_kind(value: object, *, caller: str, param: str) -> DistributionKind:
    """The kind of ``value``.

    Parameters
    ----------
    value : object
        The argument to classify.
    caller, param : str
        Function and parameter named in the error message.

    Returns
    -------
    {"numeric", "categorical"}

    Raises
    ------
    InvalidParameterError
        If ``value`` is neither a WeightedSample nor a CategoricalCounts.
    """
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
    """Check that both sides are of one kind that ``caller`` accepts.

    Parameters
    ----------
    baseline, current : object
        The two sides of a drift check.
    accepted : collection of {"numeric", "categorical"}
        The kinds ``caller`` accepts.
    caller : str
        Function named in the error message.

    Returns
    -------
    {"numeric", "categorical"}
        The kind of both sides.

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


def total_weight(value: Distribution) -> float:
    """Total weight (count) of a distribution, ignoring non-positive categorical counts.

    Parameters
    ----------
    value : WeightedSample or CategoricalCounts

    Returns
    -------
    float
        >= 0; the number of values the distribution stands for.
    """
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

    Parameters
    ----------
    threshold : float or None
        A distance threshold (finite, >= 0) or, with ``probability=True``, a significance level
        in the open interval (0, 1).
    default : float
        Returned when ``threshold`` is None.
    caller : str
        Function named in the error message.
    probability : bool, default=False
        Whether ``threshold`` is a significance level.

    Returns
    -------
    float

    Raises
    ------
    InvalidParameterError
        If ``threshold`` is not a real number (a bool is not) or is outside its range.
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

    Zero counts are treated as absent.

    Parameters
    ----------
    baseline, current : CategoricalCounts
    caller : str
        Function named in the error message.

    Returns
    -------
    categories : list of str, length k
    baseline_counts, current_counts : ndarray of shape (k,), float64

    Raises
    ------
    InvalidParameterError
        If a count is negative or not finite.
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


def proportions(
    p: ArrayLike, q: ArrayLike, *, caller: str, names: tuple[str, str] = ("p", "q")
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """Two mass vectors over the same cells, each divided by its sum.

    Parameters
    ----------
    p, q : array-like of shape (k,)
        Non-negative masses (counts or proportions).
    caller : str
        Function named in the error message.
    names : tuple of (str, str), default=("p", "q")
        Parameter names of ``p`` and ``q`` in ``caller``, for the error message.

    Returns
    -------
    tuple of two ndarray of shape (k,), float64, or None
        The proportions (each summing to 1); None if either vector sums to 0 or less.

    Raises
    ------
    InvalidParameterError
        If ``p`` and ``q`` are not 1-D of one shape.

    Examples
    --------
    >>> [x.tolist() for x in proportions([1, 3], [2, 2], caller="doc")]
    [[0.25, 0.75], [0.5, 0.5]]
    """
    a = np.asarray(p, dtype=np.float64)
    b = np.asarray(q, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise InvalidParameterError(
            f"{names[0]} and {names[1]} of {caller} must be 1-D of one shape. "
            f"Got {a.shape} and {b.shape} instead."
        )
    sa, sb = float(a.sum()), float(b.sum())
    if sa <= 0 or sb <= 0:
        return None
    return a / sa, b / sb


def chi2_noise_floor(n_cells: int, n: float, m: float, *, alpha: float | None = None) -> float:
    """Asymptotic upper ``1 - alpha`` quantile of ``sum((p_i - q_i)**2 / pi_i)`` under no drift.

    When two samples of sizes ``n`` and ``m`` come from one distribution ``pi`` over ``n_cells``
    cells, ``(n*m/(n+m)) * sum((p_i - q_i)**2 / pi_i)`` is the two-sample chi-square statistic of
    homogeneity, asymptotically chi-square with ``n_cells - 1`` degrees of freedom. PSI,
    8·Hellinger² and 8·ln(2)·JSD are all this quadratic form to second order, so each scales this
    value to get its own noise floor.

    Parameters
    ----------
    n_cells : int
        Number of cells ``k``.
    n, m : float
        Total weights of the two sides, > 0.
    alpha : float or None, default=None
        Upper-tail probability in (0, 1); None means :data:`NOISE_FLOOR_ALPHA` (0.05).

    Returns
    -------
    float
        >= 0; 0 for fewer than two cells.

    Examples
    --------
    >>> round(chi2_noise_floor(2, 100, 100), 6)
    0.076829
    """
    dof = n_cells - 1
    if dof < 1:
        return 0.0
    level = NOISE_FLOOR_ALPHA if alpha is None else alpha
    return float(stats.chi2.ppf(1.0 - level, dof)) * (1.0 / n + 1.0 / m)
