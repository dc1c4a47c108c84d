"""The common cells both sides of a drift check are compared over (private; see :class:`Cells`).

Every distance reads two mass vectors over the same cells. Categorical features have one cell
per category (the sorted union of the two tables). Numeric features are cut in one of two ways,
the distance's :attr:`~vigil.core.drift.distance.Distance.binning`:

``"values"``
    One cell per distinct value of either side, in ascending order: the exact empirical
    distributions (L-infinity, KS, Wasserstein).
``"quantiles"``
    Bins on the baseline's quantiles (PSI, Jensen–Shannon, Hellinger). By default the cut points
    are the baseline's quantiles at ``1/n_bins, …, (n_bins-1)/n_bins`` (deciles for
    ``n_bins=10``), taken as the smallest baseline item whose CDF reaches the fraction ("inverted
    CDF", numpy ``method="inverted_cdf"``), with duplicate cut points removed. The bins are
    right-closed and the outer bins are open-ended::

        (-inf, e_0], (e_0, e_1], …, (e_{k-1}, +inf)

    so every value falls in exactly one bin. Masses come from the inclusive rank, which is exact
    for weighted samples (a KLL sketch needs no expansion).

Cells empty on both sides are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift._common import (
    Distribution,
    DistributionKind,
    categorical_arrays,
    total_weight,
)
from vigil.errors import InvalidParameterError

__all__ = [
    "DEFAULT_N_BINS",
    "Binning",
    "Cells",
    "bin_masses",
    "check_edges",
    "common_cells",
    "quantile_edges",
]

DEFAULT_N_BINS = 10
"""Number of baseline-quantile bins (deciles), as SageMaker's 10 histogram buckets (spec §9.6)."""

Binning = Literal["values", "quantiles"]
"""How numeric sides are cut into cells (see the module docstring)."""


@dataclass(frozen=True, eq=False)
class Cells:
    """The masses of the baseline and the current distribution over common cells.

    Attributes
    ----------
    kind : {"numeric", "categorical"}
        The kind of both distributions.
    baseline, current : ndarray of shape (k,), float64
        Weight (count) of each side in each cell, >= 0, not normalised; no cell is empty on both
        sides.
    n_baseline, n_current : float
        Total weight of each distribution (the number of values it stands for). A distance's
        formula runs only when both are > 0.
    values : ndarray of shape (k,), float64, or None, default=None
        Numeric cells at every distinct value (binning ``"values"``): those values, ascending.
        None for quantile bins and categories.
    labels : tuple of str or None, default=None
        Categorical cells: the category of each cell, in sorted order. None for numeric cells.
    """

    kind: DistributionKind
    baseline: NDArray[np.float64]
    current: NDArray[np.float64]
    n_baseline: float
    n_current: float
    values: NDArray[np.float64] | None = None
    labels: tuple[str, ...] | None = None

    @property
    def size(self) -> int:
        """Number of cells ``k``."""
        return int(self.baseline.size)


def quantile_edges(baseline: WeightedSample, n_bins: int) -> NDArray[np.float64]:
    """Distinct baseline quantiles at ``i / n_bins`` for ``i = 1 … n_bins - 1``.

    The target rank ``total * i / n_bins`` is formed by multiplying before dividing so that
    ``i / n_bins`` rounding (0.30000000000000004) cannot move a cut point.

    Parameters
    ----------
    baseline : WeightedSample
        The distribution whose quantiles cut the bins.
    n_bins : int
        Number of bins wanted, >= 1.

    Returns
    -------
    ndarray of shape (k,), float64
        Strictly increasing cut points, ``k <= n_bins - 1``; empty for an empty baseline.

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
    """Return ``edges`` as a float array after checking it is 1-D, NaN-free and increasing.

    Parameters
    ----------
    edges : array-like of shape (k,)
        Cut points, in the feature's units.
    caller : str
        Name used in the error message.

    Returns
    -------
    ndarray of shape (k,), float64

    Raises
    ------
    InvalidParameterError
        If ``edges`` is empty, not 1-D, holds NaN or is not strictly increasing.
    """
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
    """Weight of ``sample`` in each of the ``len(edges) + 1`` right-closed bins.

    Parameters
    ----------
    sample : WeightedSample
    edges : ndarray of shape (k,), float64
        Strictly increasing cut points.

    Returns
    -------
    ndarray of shape (k + 1,), float64
        Sums to ``sample.total_weight``.
    """
    ranks = sample.rank(edges)
    cumulative = np.concatenate(([0.0], ranks, [sample.total_weight]))
    return np.diff(cumulative)


def _value_masses(
    baseline: WeightedSample, current: WeightedSample
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    values = np.union1d(baseline.items, current.items)
    masses = []
    for side in (baseline, current):
        mass = np.zeros(values.size)
        mass[np.searchsorted(values, side.items)] = side.weights
        masses.append(mass)
    return values, masses[0], masses[1]


def _quantile_cuts(
    baseline: WeightedSample, n_bins: int, edges: ArrayLike | None, caller: str
) -> NDArray[np.float64]:
    if edges is not None:
        return check_edges(edges, caller=caller)
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 1:
        raise InvalidParameterError(
            f"n_bins of {caller} must be an integer >= 1. Got {n_bins!r} instead.",
            field="n_bins",
        )
    return quantile_edges(baseline, n_bins)


def common_cells(
    baseline: Distribution,
    current: Distribution,
    *,
    binning: Binning,
    n_bins: int = DEFAULT_N_BINS,
    edges: ArrayLike | None = None,
    caller: str,
) -> Cells:
    """The masses of both sides over common cells (see the module docstring).

    Parameters
    ----------
    baseline, current : WeightedSample or CategoricalCounts
        Both of the same kind (checked by the caller).
    binning : {"values", "quantiles"}
        How numeric sides are cut; categorical sides always get one cell per category.
    n_bins : int, default=10
        ``"quantiles"`` only: number of baseline-quantile bins when ``edges`` is None.
    edges : array-like of shape (k,) or None, default=None
        ``"quantiles"`` only: strictly increasing cut points in the feature's units, used
        instead of the baseline's quantiles.
    caller : str
        Name used in error messages.

    Returns
    -------
    Cells
        Either side may hold no weight (``n_baseline`` or ``n_current`` 0); then ``k`` may be 0.

    Raises
    ------
    InvalidParameterError
        If a categorical count is negative or not finite, or ``n_bins``/``edges`` is invalid
        (checked even when a side is empty).

    Examples
    --------
    >>> a = WeightedSample.from_values([1, 2, 2])
    >>> cells = common_cells(a, WeightedSample.from_values([2, 3]), binning="values", caller="doc")
    >>> cells.values.tolist(), cells.baseline.tolist(), cells.current.tolist()
    ([1.0, 2.0, 3.0], [1.0, 2.0, 0.0], [0.0, 1.0, 1.0])
    """
    n, m = total_weight(baseline), total_weight(current)
    if isinstance(baseline, CategoricalCounts) and isinstance(current, CategoricalCounts):
        labels, b, c = categorical_arrays(baseline, current, caller=caller)
        return Cells("categorical", b, c, n, m, labels=tuple(labels))
    if not (isinstance(baseline, WeightedSample) and isinstance(current, WeightedSample)):
        raise InvalidParameterError(f"baseline and current of {caller} must be of the same kind.")
    if binning == "values":
        values, b, c = _value_masses(baseline, current)
        return Cells("numeric", b, c, n, m, values=values)
    cuts = _quantile_cuts(baseline, n_bins, edges, caller)
    b, c = bin_masses(baseline, cuts), bin_masses(current, cuts)
    keep = (b > 0) | (c > 0)
    return Cells("numeric", b[keep], c[keep], n, m)
