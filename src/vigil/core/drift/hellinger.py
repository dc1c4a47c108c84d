"""Hellinger distance over common bins (numeric) or categories.

For proportions ``p`` (baseline) and ``q`` (current) over common cells::

    H(p, q) = sqrt( sum_i (sqrt(p_i) - sqrt(q_i))**2 / 2 ) = sqrt(1 - sum_i sqrt(p_i * q_i))

``H`` is a metric in [0, 1]: 0 for identical proportions, 1 for disjoint supports. The first form
is used because it is exactly 0 for identical inputs (the second loses digits to cancellation).
Numeric features are binned on the baseline's quantiles (deciles by default, see
:mod:`vigil.core.drift._binning`); with these baseline-derived bins swapping the sides can change
the value slightly.

Default threshold 0.1, as Evidently's ``hellinger`` stat test.

Noise floor: with no drift ``8 H² ≈ (1/n + 1/m) chi2(k - 1)`` for ``k`` cells (second-order
expansion), so the result reports ``sqrt((1/n + 1/m) * chi2.ppf(0.95, k - 1) / 8)``.

References
----------
E. Hellinger (1909), "Neue Begründung der Theorie quadratischer Formen von unendlichvielen
Veränderlichen", J. Reine Angew. Math. 136. L. Le Cam, G. L. Yang, *Asymptotics in Statistics*,
2nd ed., Springer 2000, §2.3 (the 1/2 normalisation that bounds H by 1).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from vigil.core.drift._binning import DEFAULT_N_BINS, common_cells
from vigil.core.drift._common import (
    Distribution,
    chi2_noise_floor,
    resolve_threshold,
    total_weight,
)
from vigil.core.drift.result import DistanceSpec, DriftResult
from vigil.errors import InvalidParameterError

__all__ = [
    "HELLINGER_DEFAULT_THRESHOLD",
    "HELLINGER_SPEC",
    "hellinger",
    "hellinger_distance",
    "hellinger_from_masses",
]

HELLINGER_DEFAULT_THRESHOLD = 0.1
"""Default drift threshold (Evidently's default for its ``hellinger`` test)."""


def hellinger_from_masses(p: ArrayLike, q: ArrayLike) -> float:
    """Hellinger distance between two mass vectors over the same cells.

    Parameters
    ----------
    p, q : array-like of shape (k,)
        Non-negative masses (normalised here).

    Returns
    -------
    float
        In [0, 1]; 0 means identical proportions. NaN if either vector sums to 0.

    Examples
    --------
    >>> hellinger_from_masses([1, 0], [0, 3])
    1.0
    >>> round(hellinger_from_masses([1, 1], [1, 3]), 6)
    0.184592
    """
    a = np.asarray(p, dtype=np.float64)
    b = np.asarray(q, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise InvalidParameterError(
            "p and q of hellinger_from_masses must be 1-D of one shape. "
            f"Got {a.shape} and {b.shape} instead."
        )
    sa, sb = float(a.sum()), float(b.sum())
    if sa <= 0 or sb <= 0:
        return math.nan
    diff = np.sqrt(a / sa) - np.sqrt(b / sb)
    return min(1.0, math.sqrt(float(np.sum(diff * diff)) / 2.0))


def hellinger_distance(
    baseline: Distribution,
    current: Distribution,
    *,
    n_bins: int = DEFAULT_N_BINS,
    edges: ArrayLike | None = None,
) -> float:
    """Hellinger distance of ``current`` against ``baseline``.

    Parameters
    ----------
    baseline, current : WeightedSample or CategoricalCounts
        Both of the same kind.
    n_bins : int, default=10
        Numeric only: number of baseline-quantile bins when ``edges`` is None.
    edges : array-like or None, default=None
        Numeric only: strictly increasing cut points.

    Returns
    -------
    float
        In [0, 1]; 0 means identical. NaN if either side is empty.
    """
    cells = common_cells(baseline, current, n_bins=n_bins, edges=edges, caller="hellinger_distance")
    if cells is None:
        return math.nan
    return hellinger_from_masses(*cells)


def hellinger(
    baseline: Distribution,
    current: Distribution,
    /,
    *,
    threshold: float | None = None,
    n_bins: int = DEFAULT_N_BINS,
    edges: ArrayLike | None = None,
) -> DriftResult:
    """Drift check with the Hellinger distance.

    Parameters
    ----------
    baseline, current : WeightedSample or CategoricalCounts
        Both of the same kind.
    threshold : float or None, default=None
        Drifted when the distance exceeds it. None means 0.1.
    n_bins, edges
        See :func:`hellinger_distance`.

    Returns
    -------
    DriftResult
        ``distance`` in [0, 1], 0 = identical; ``noise_floor`` = 95 % distance under no drift.
        NaN distance (never drifted) if either side is empty.

    Examples
    --------
    >>> from vigil.core.distribution import CategoricalCounts
    >>> r = hellinger(CategoricalCounts({"a": 50, "b": 50}), CategoricalCounts({"a": 50, "b": 50}))
    >>> r.distance, r.drifted
    (0.0, False)
    """
    thr = resolve_threshold(threshold, HELLINGER_DEFAULT_THRESHOLD, caller="hellinger")
    cells = common_cells(baseline, current, n_bins=n_bins, edges=edges, caller="hellinger")
    n, m = total_weight(baseline), total_weight(current)
    if cells is None:
        return DriftResult.undefined("hellinger", threshold=thr, n_baseline=n, n_current=m)
    b, c = cells
    distance = hellinger_from_masses(b, c)
    floor = math.sqrt(chi2_noise_floor(b.size, n, m) / 8.0)
    return DriftResult(
        method="hellinger",
        distance=distance,
        threshold=thr,
        drifted=distance > thr,
        n_baseline=n,
        n_current=m,
        noise_floor=min(1.0, floor),
    )


HELLINGER_SPEC = DistanceSpec(
    name="hellinger",
    function=hellinger,
    kinds=frozenset({"numeric", "categorical"}),
    default_threshold=HELLINGER_DEFAULT_THRESHOLD,
    range=(0.0, 1.0),
    description="Hellinger distance over baseline deciles or categories.",
    symmetric_kinds=frozenset({"categorical"}),
    scale_invariant=True,
)
