"""Jensen–Shannon distance over common bins (numeric) or categories.

For proportions ``p`` (baseline) and ``q`` (current) over common cells and ``M = (p + q) / 2``::

    JSD(p, q) = (KL(p || M) + KL(q || M)) / 2          (base-2 logarithms, in bits)
    JS distance = sqrt(JSD)

The JS distance is a metric, symmetric in ``p`` and ``q``, lies in [0, 1] with base 2, is 0 for
identical proportions and 1 for disjoint supports. Unlike PSI it needs no epsilon: ``M`` is
positive wherever ``p`` or ``q`` is. It equals ``scipy.spatial.distance.jensenshannon(p, q,
base=2)``. Numeric features are binned on the baseline's quantiles (deciles by default, see
:mod:`vigil.core.drift._binning`), so for numeric input swapping baseline and current changes the
bins and hence, slightly, the value.

Default threshold 0.1, as Evidently's ``jensenshannon`` stat test: a distance of 0.1 is a JSD of
0.01 bits, a small but visible change in a 10-bin histogram.

Noise floor: with no drift ``8 ln(2) JSD ≈ (1/n + 1/m) chi2(k - 1)`` for ``k`` cells (second-order
expansion of the divergence), so the result reports
``sqrt((1/n + 1/m) * chi2.ppf(0.95, k - 1) / (8 ln 2))``.

References
----------
J. Lin (1991), "Divergence measures based on the Shannon entropy", IEEE Trans. Inf. Theory 37(1).
D. M. Endres, J. E. Schindelin (2003), "A new metric for probability distributions", IEEE Trans.
Inf. Theory 49(7).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

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
    "JENSEN_SHANNON_DEFAULT_THRESHOLD",
    "JENSEN_SHANNON_SPEC",
    "jensen_shannon",
    "jensen_shannon_distance",
    "js_distance_from_masses",
]

JENSEN_SHANNON_DEFAULT_THRESHOLD = 0.1
"""Default drift threshold (Evidently's default for its ``jensenshannon`` test)."""


def js_distance_from_masses(p: ArrayLike, q: ArrayLike) -> float:
    """Base-2 Jensen–Shannon distance between two mass vectors over the same cells.

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
    >>> js_distance_from_masses([1, 0], [0, 1])
    1.0
    >>> js_distance_from_masses([3, 1], [6, 2])
    0.0
    """
    a = np.asarray(p, dtype=np.float64)
    b = np.asarray(q, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise InvalidParameterError(
            "p and q of js_distance_from_masses must be 1-D of one shape. "
            f"Got {a.shape} and {b.shape} instead."
        )
    sa, sb = float(a.sum()), float(b.sum())
    if sa <= 0 or sb <= 0:
        return math.nan
    a, b = a / sa, b / sb
    mid = (a + b) / 2.0
    divergence = float(np.sum(special.rel_entr(a, mid) + special.rel_entr(b, mid))) / 2.0
    return min(1.0, math.sqrt(max(0.0, divergence / math.log(2.0))))


def jensen_shannon_distance(
    baseline: Distribution,
    current: Distribution,
    *,
    n_bins: int = DEFAULT_N_BINS,
    edges: ArrayLike | None = None,
) -> float:
    """Jensen–Shannon distance (base 2) of ``current`` against ``baseline``.

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
    cells = common_cells(
        baseline, current, n_bins=n_bins, edges=edges, caller="jensen_shannon_distance"
    )
    if cells is None:
        return math.nan
    return js_distance_from_masses(*cells)


def jensen_shannon(
    baseline: Distribution,
    current: Distribution,
    /,
    *,
    threshold: float | None = None,
    n_bins: int = DEFAULT_N_BINS,
    edges: ArrayLike | None = None,
) -> DriftResult:
    """Drift check with the Jensen–Shannon distance.

    Parameters
    ----------
    baseline, current : WeightedSample or CategoricalCounts
        Both of the same kind.
    threshold : float or None, default=None
        Drifted when the distance exceeds it. None means 0.1.
    n_bins, edges
        See :func:`jensen_shannon_distance`.

    Returns
    -------
    DriftResult
        ``distance`` in [0, 1], 0 = identical; ``noise_floor`` = 95 % distance under no drift.
        NaN distance (never drifted) if either side is empty.

    Examples
    --------
    >>> from vigil.core.distribution import CategoricalCounts
    >>> r = jensen_shannon(CategoricalCounts({"a": 1, "b": 1}), CategoricalCounts({"c": 5}))
    >>> r.distance, r.drifted
    (1.0, True)
    """
    thr = resolve_threshold(threshold, JENSEN_SHANNON_DEFAULT_THRESHOLD, caller="jensen_shannon")
    cells = common_cells(baseline, current, n_bins=n_bins, edges=edges, caller="jensen_shannon")
    n, m = total_weight(baseline), total_weight(current)
    if cells is None:
        return DriftResult.undefined("jensen_shannon", threshold=thr, n_baseline=n, n_current=m)
    b, c = cells
    distance = js_distance_from_masses(b, c)
    floor = math.sqrt(chi2_noise_floor(b.size, n, m) / (8.0 * math.log(2.0)))
    return DriftResult(
        method="jensen_shannon",
        distance=distance,
        threshold=thr,
        drifted=distance > thr,
        n_baseline=n,
        n_current=m,
        noise_floor=min(1.0, floor),
    )


JENSEN_SHANNON_SPEC = DistanceSpec(
    name="jensen_shannon",
    function=jensen_shannon,
    kinds=frozenset({"numeric", "categorical"}),
    default_threshold=JENSEN_SHANNON_DEFAULT_THRESHOLD,
    range=(0.0, 1.0),
    description="Jensen-Shannon distance (sqrt of base-2 JS divergence) over deciles or categories.",
    symmetric_kinds=frozenset({"categorical"}),
    scale_invariant=True,
)
