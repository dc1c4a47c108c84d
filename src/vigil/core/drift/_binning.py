"""Common bins for the binned distances (PSI, Jensen–Shannon, Hellinger) (private).

Numeric distributions are compared over the same bins on both sides. By default the cut points
are the baseline's quantiles at ``1/n_bins, …, (n_bins-1)/n_bins`` (deciles for ``n_bins=10``),
taken as the smallest baseline item whose CDF reaches the fraction ("inverted CDF", numpy
``method="inverted_cdf"``), with duplicate cut points removed. The bins are right-closed and the
outer bins are open-ended::

    (-inf, e_0], (e_0, e_1], …, (e_{k-1}, +inf)

so every value falls in exactly one bin. Masses come from the inclusive rank, which is exact for
weighted samples (a KLL sketch needs no expansion).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift._common import (
    BOTH_KINDS,
    Distribution,
    categorical_arrays,
    pair_error,
    total_weight,
)
from vigil.errors import InvalidParameterError

__all__ = [
    "DEFAULT_N_BINS",
    "bin_masses",
    "check_edges",
    "common_cells",
    "common_masses",
    "quantile_edges",
]

DEFAULT_N_BINS = 10
"""Number of baseline-quantile bins (deciles), as SageMaker's 10 histogram buckets (spec §9.6)."""


def quantile_edges(baseline: WeightedSample, n_bins: int) -> NDArray[np.float64]:
    """Distinct baseline quantiles at ``i / n_bins`` for ``i = 1 … n_bins - 1``.

    The target rank ``total * i / n_bins`` is formed by multiplying before dividing so that
    ``i / n_bins`` rounding (0.30000000000000004) cannot move a cut point.

    Examples
    --------
    >>> s = WeightedSample.from_values(range(1, 101))
    >>> quantile_edges(s, 4).tolist()
    [25.0, 50.0, 75.0]
    """
    if baseline.is_empty:
        return np.empty(0)
    cumulative = np.cumsum(baseline.weights)
    targets = cumulative[-1] * np.arange(1, n_bins) / n_bins
    idx = np.searchsorted(cumulative, targets, side="left")
    return np.unique(baseline.items[np.clip(idx, 0, baseline.items.size - 1)])


def check_edges(edges: ArrayLike, *, caller: str) -> NDArray[np.float64]:
    """Return ``edges`` as a float array after checking it is 1-D, NaN-free and increasing."""
    arr = np.asarray(edges, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise InvalidParameterError(
            f"edges of {caller} must be a non-empty 1-D array of cut points. "
            f"Got shape {arr.shape} instead.",
            field="edges",
        )
    if np.any(np.isnan(arr)) or np.any(np.diff(arr) <= 0):
        raise InvalidParameterError(
            f"edges of {caller} must be strictly increasing and free of NaN. "
            f"Got {arr.tolist()!r} instead.",
            field="edges",
        )
    return arr


def bin_masses(sample: WeightedSample, edges: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weight of ``sample`` in each of the ``len(edges) + 1`` right-closed bins."""
    ranks = sample.rank(edges)
    cumulative = np.concatenate(([0.0], ranks, [sample.total_weight]))
    return np.diff(cumulative)


def common_masses(
    baseline: Distribution,
    current: Distribution,
    *,
    n_bins: int,
    edges: ArrayLike | None,
    caller: str,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Masses of both sides over common cells: numeric bins or the union of categories.

    Cells empty on both sides are dropped. The caller has already checked that both sides are
    of one kind and non-empty.

    Returns
    -------
    baseline_mass, current_mass : ndarray of shape (k,), float64
        Raw weights (not normalised).
    """
    if isinstance(baseline, CategoricalCounts) and isinstance(current, CategoricalCounts):
        _, b, c = categorical_arrays(baseline, current, caller=caller)
        return b, c
    if not (isinstance(baseline, WeightedSample) and isinstance(current, WeightedSample)):
        raise InvalidParameterError(f"baseline and current of {caller} must be of the same kind.")
    if edges is None:
        if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 1:
            raise InvalidParameterError(
                f"n_bins of {caller} must be an integer >= 1. Got {n_bins!r} instead.",
                field="n_bins",
            )
        cuts = quantile_edges(baseline, n_bins)
    else:
        cuts = check_edges(edges, caller=caller)
    b = bin_masses(baseline, cuts)
    c = bin_masses(current, cuts)
    keep = (b > 0) | (c > 0)
    return b[keep], c[keep]


def common_cells(
    baseline: Distribution,
    current: Distribution,
    *,
    n_bins: int,
    edges: ArrayLike | None,
    caller: str,
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """:func:`common_masses` after checking the pair; None when either side holds no weight.

    Raises
    ------
    InvalidParameterError
        If the two sides are not distributions of one kind, or ``n_bins``/``edges`` is invalid.
    """
    if not (
        (isinstance(baseline, WeightedSample) and isinstance(current, WeightedSample))
        or (isinstance(baseline, CategoricalCounts) and isinstance(current, CategoricalCounts))
    ):
        pair_error(baseline, current, accepted=BOTH_KINDS, caller=caller)
    if total_weight(baseline) == 0 or total_weight(current) == 0:
        return None
    return common_masses(baseline, current, n_bins=n_bins, edges=edges, caller=caller)
