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
so the result reports ``(1/n + 1/m) * chi2.ppf(0.95, k - 1)``
(:func:`~vigil.core.drift._common.chi2_noise_floor`). With 10 bins and n = m = 100 that
is 0.34, above the 0.2 threshold: small windows need a larger threshold or more data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vigil.core.drift._binning import Cells
from vigil.core.drift._common import BOTH_KINDS, CATEGORICAL_ONLY, chi2_noise_floor, proportions
from vigil.core.drift.distance import Distance, Measurement
from vigil.errors import InvalidParameterError

__all__ = [
    "PSI_DEFAULT_THRESHOLD",
    "PSI_EPSILON",
    "PopulationStabilityIndex",
    "population_stability_index",
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
        Proportion used in place of a zero proportion, > 0.

    Returns
    -------
    float
        In [0, inf), in nats; 0 means identical proportions. NaN if either vector sums to 0.

    Raises
    ------
    InvalidParameterError
        If the vectors are not 1-D of one shape, or ``epsilon`` is not a finite number > 0.

    Examples
    --------
    >>> round(population_stability_index([50, 50], [60, 40]), 6)
    0.040547
    """
    _check_epsilon(epsilon, caller="population_stability_index")
    pair = proportions(
        expected, actual, caller="population_stability_index", names=("expected", "actual")
    )
    if pair is None:
        return math.nan
    p = _floor(pair[0], epsilon)
    q = _floor(pair[1], epsilon)
    return max(0.0, float(np.sum((q - p) * np.log(q / p))))


def _check_epsilon(epsilon: float, *, caller: str) -> None:
    if (
        isinstance(epsilon, bool)
        or not isinstance(epsilon, int | float)
        or not (math.isfinite(epsilon) and epsilon > 0)
    ):
        raise InvalidParameterError(
            f"epsilon of {caller} must be > 0. Got {epsilon!r} instead.", field="epsilon"
        )


def _floor(proportions: NDArray[np.float64], epsilon: float) -> NDArray[np.float64]:
    return np.where(proportions > 0, proportions, epsilon)


@dataclass(frozen=True)
class PopulationStabilityIndex(Distance):
    """The Population Stability Index drift distance (``psi``): see the module docstring.

    Parameters
    ----------
    epsilon : float, default=1e-4
        Proportion used for an empty cell, > 0.

    Raises
    ------
    InvalidParameterError
        If ``epsilon`` is not a finite number > 0.

    Examples
    --------
    >>> from vigil.core.distribution import CategoricalCounts
    >>> r = PopulationStabilityIndex().compute(
    ...     CategoricalCounts({"a": 500, "b": 500}), CategoricalCounts({"a": 800, "b": 200}))
    >>> round(r.distance, 4), r.drifted
    (0.4159, True)
    """

    epsilon: float = PSI_EPSILON

    name = "psi"
    kinds = BOTH_KINDS
    default_threshold = PSI_DEFAULT_THRESHOLD
    range = (0.0, math.inf)
    description = "Population Stability Index over baseline deciles or categories (epsilon 1e-4)."
    symmetric_kinds = CATEGORICAL_ONLY

    def __post_init__(self) -> None:
        _check_epsilon(self.epsilon, caller="PopulationStabilityIndex")

    def measure(self, cells: Cells) -> Measurement:
        """:func:`population_stability_index` of the masses; see :meth:`Distance.measure`."""
        return Measurement(
            population_stability_index(cells.baseline, cells.current, epsilon=self.epsilon)
        )

    def noise_floor(self, cells: Cells, alpha: float | None = None) -> float:
        """``(1/n + 1/m) * chi2.ppf(1 - alpha, k - 1)``; see :meth:`Distance.noise_floor`."""
        return chi2_noise_floor(cells.size, cells.n_baseline, cells.n_current, alpha=alpha)
