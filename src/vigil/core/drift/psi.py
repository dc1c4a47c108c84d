"""Population Stability Index (PSI), numeric (binned) and categorical.

For baseline proportions ``e_i`` and current proportions ``a_i`` over common cells::

    PSI = sum_i (a_i - e_i) * ln(a_i / e_i)

It is the symmetrised Kullback–Leibler (Jeffreys) divergence ``KL(a||e) + KL(e||a)``, in nats.
Cells: for numeric features the baseline's quantile bins (deciles by default, see
:mod:`vigil.core.drift._binning`) or given cut points; for categorical features the union of
categories.

Empty cells: a proportion of exactly 0 makes a term infinite, so a zero proportion (on either
side) is replaced by ``epsilon = 1e-4`` (0.01 %) before the formula, without renormalising. This
is the common practitioner choice (Evidently's ``psi`` stat test uses the same 0.0001). Deequ's
``Distance.populationStabilityIndex`` (Deequ HEAD) uses no epsilon and returns infinity or NaN for
an empty bucket. A current-only category thus contributes ``a * ln(a / 1e-4)``: large, finite.
Cells empty on both sides are dropped.

Thresholds: the conventional bands are PSI < 0.1 "no significant change", 0.1–0.25 "some
change, investigate", > 0.25 "significant shift" (N. Siddiqi, *Credit Risk Scorecards*, Wiley
2006; B. Yurdakul, *Statistical Properties of Population Stability Index*, 2018). The default
0.2 sits inside the middle band so that a monitor flags shifts that practitioners would act on
without alerting on the first hint of change.

Noise floor: with no drift, ``PSI ≈ (1/n + 1/m) * chi2(k - 1)`` for ``k`` cells (Yurdakul 2018),
so the result reports ``(1/n + 1/m) * chi2.ppf(0.95, k - 1)``. With 10 bins and n = m = 100 that
is 0.34, above the 0.2 threshold: small windows need a larger threshold or more data.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

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
    "PSI_DEFAULT_THRESHOLD",
    "PSI_EPSILON",
    "PSI_SPEC",
    "population_stability_index",
    "psi",
    "psi_distance",
]

PSI_EPSILON = 1e-4
"""Proportion substituted for an empty cell (0.01 %)."""

PSI_DEFAULT_THRESHOLD = 0.2
"""Default drift threshold, inside the conventional 0.1–0.25 "investigate" band."""


def population_stability_index(
    expected: ArrayLike, actual: ArrayLike, *, epsilon: float = PSI_EPSILON
) -> float:
    """PSI between two mass vectors over the same cells.

    Parameters
    ----------
    expected : array-like of shape (k,)
        Baseline masses (counts or proportions; normalised here).
    actual : array-like of shape (k,)
        Current masses over the same cells.
    epsilon : float, default=1e-4
        Proportion used in place of a zero proportion.

    Returns
    -------
    float
        In [0, inf); 0 means identical proportions. NaN if either vector sums to 0.

    Examples
    --------
    >>> round(population_stability_index([50, 50], [60, 40]), 6)
    0.040547
    """
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if e.shape != a.shape or e.ndim != 1:
        raise InvalidParameterError(
            "expected and actual of population_stability_index must be 1-D of one shape. "
            f"Got {e.shape} and {a.shape} instead."
        )
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise InvalidParameterError(
            f"epsilon of population_stability_index must be > 0. Got {epsilon!r} instead.",
            field="epsilon",
        )
    e_sum, a_sum = float(e.sum()), float(a.sum())
    if e_sum <= 0 or a_sum <= 0:
        return math.nan
    p = _floor(e / e_sum, epsilon)
    q = _floor(a / a_sum, epsilon)
    return max(0.0, float(np.sum((q - p) * np.log(q / p))))


def _floor(proportions: NDArray[np.float64], epsilon: float) -> NDArray[np.float64]:
    return np.where(proportions > 0, proportions, epsilon)


def psi_distance(
    baseline: Distribution,
    current: Distribution,
    *,
    n_bins: int = DEFAULT_N_BINS,
    edges: ArrayLike | None = None,
    epsilon: float = PSI_EPSILON,
) -> float:
    """PSI of ``current`` against ``baseline`` (numeric: binned; categorical: per category).

    Parameters
    ----------
    baseline, current : WeightedSample or CategoricalCounts
        Both of the same kind.
    n_bins : int, default=10
        Numeric only: number of baseline-quantile bins when ``edges`` is None.
    edges : array-like or None, default=None
        Numeric only: strictly increasing cut points; bins are
        ``(-inf, e0], (e0, e1], …, (e_last, inf)``.
    epsilon : float, default=1e-4
        Proportion used for an empty cell.

    Returns
    -------
    float
        In [0, inf); 0 means identical binned distributions. NaN if either side is empty.
    """
    cells = common_cells(baseline, current, n_bins=n_bins, edges=edges, caller="psi_distance")
    if cells is None:
        return math.nan
    b, c = cells
    return population_stability_index(b, c, epsilon=epsilon)


def psi(
    baseline: Distribution,
    current: Distribution,
    /,
    *,
    threshold: float | None = None,
    n_bins: int = DEFAULT_N_BINS,
    edges: ArrayLike | None = None,
    epsilon: float = PSI_EPSILON,
) -> DriftResult:
    """Drift check with the Population Stability Index.

    Parameters
    ----------
    baseline, current : WeightedSample or CategoricalCounts
        Both of the same kind.
    threshold : float or None, default=None
        Drifted when PSI exceeds it. None means 0.2 (see the module docstring).
    n_bins, edges, epsilon
        See :func:`psi_distance`.

    Returns
    -------
    DriftResult
        ``distance`` in [0, inf), 0 = identical; ``noise_floor`` = 95 % PSI under no drift.
        NaN distance (never drifted) if either side is empty.

    Examples
    --------
    >>> from vigil.core.distribution import CategoricalCounts
    >>> r = psi(CategoricalCounts({"a": 500, "b": 500}), CategoricalCounts({"a": 800, "b": 200}))
    >>> round(r.distance, 4), r.drifted
    (0.4159, True)
    """
    thr = resolve_threshold(threshold, PSI_DEFAULT_THRESHOLD, caller="psi")
    cells = common_cells(baseline, current, n_bins=n_bins, edges=edges, caller="psi")
    n, m = total_weight(baseline), total_weight(current)
    if cells is None:
        return DriftResult.undefined("psi", threshold=thr, n_baseline=n, n_current=m)
    b, c = cells
    distance = population_stability_index(b, c, epsilon=epsilon)
    return DriftResult(
        method="psi",
        distance=distance,
        threshold=thr,
        drifted=distance > thr,
        n_baseline=n,
        n_current=m,
        noise_floor=chi2_noise_floor(b.size, n, m),
    )


PSI_SPEC = DistanceSpec(
    name="psi",
    function=psi,
    kinds=frozenset({"numeric", "categorical"}),
    default_threshold=PSI_DEFAULT_THRESHOLD,
    range=(0.0, math.inf),
    description="Population Stability Index over baseline deciles or categories (epsilon 1e-4).",
    symmetric_kinds=frozenset({"categorical"}),
    scale_invariant=True,
)
