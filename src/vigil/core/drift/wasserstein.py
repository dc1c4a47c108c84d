"""Normalised 1-D Wasserstein-1 (earth mover's) distance between weighted samples.

For CDFs ``F_a`` (baseline) and ``F_b`` (current)::

    W1(a, b) = integral of |F_a(x) - F_b(x)| dx
             = sum_i |F_a(k_i) - F_b(k_i)| * (k_{i+1} - k_i)   over the sorted union of items k

which equals ``scipy.stats.wasserstein_distance(u, v, u_weights, v_weights)``. W1 is in the
feature's units, so the drift distance divides it by a scale of the *baseline*:

* the baseline's weighted standard deviation (population form, ``ddof = 0``), so that a distance
  of 0.1 means "the mass moved a tenth of a standard deviation on average";
* if that is 0, the baseline's range ``max - min``; for a non-empty sample this is 0 exactly when
  the standard deviation is, so in practice the next rule applies;
* if that is 0 too (a constant baseline), 1, i.e. the raw W1 in the feature's units.

A caller holding the exact baseline standard deviation (statistics.json ``std_dev``) can pass it
as ``scale`` instead of the sketch's estimate. Because the scale comes from the baseline, the
distance is not symmetric. Infinite items make W1 infinite or NaN.

Default threshold 0.1 standard deviations, as Evidently's normed ``wasserstein`` stat test.

References
----------
L. N. Vaserstein (1969), "Markov processes over denumerable products of spaces", Probl. Peredachi
Inf. 5(3). A. Ramdas, N. Garcia, M. Cuturi (2017), "On Wasserstein two-sample testing and related
families of nonparametric tests", Entropy 19(2) (the CDF form of W1 in one dimension).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vigil.core.distribution import WeightedSample
from vigil.core.drift._binning import Cells, common_cells
from vigil.core.drift._common import NUMERIC_ONLY
from vigil.core.drift.distance import Distance, Measurement
from vigil.errors import InvalidParameterError

__all__ = ["WASSERSTEIN_DEFAULT_THRESHOLD", "Wasserstein", "wasserstein_1", "wasserstein_scale"]

WASSERSTEIN_DEFAULT_THRESHOLD = 0.1
"""Default drift threshold, in baseline standard deviations (Evidently's normed Wasserstein)."""


def wasserstein_1(a: WeightedSample, b: WeightedSample) -> float:
    """Raw 1-D Wasserstein-1 distance in the feature's units.

    Parameters
    ----------
    a, b : WeightedSample

    Returns
    -------
    float
        In [0, inf), in the feature's units; NaN if either side is empty.

    Examples
    --------
    >>> wasserstein_1(WeightedSample.from_values([0, 1]), WeightedSample.from_values([2, 3]))
    2.0
    """
    if a.is_empty or b.is_empty:
        return math.nan
    return _w1(common_cells(a, b, binning="values", caller="wasserstein_1"))


def _w1(cells: Cells) -> float:
    values = _values_of(cells)
    if values.size < 2:
        return 0.0
    cdf_b = np.cumsum(cells.baseline[:-1]) / cells.n_baseline
    cdf_c = np.cumsum(cells.current[:-1]) / cells.n_current
    return float(np.sum(np.abs(cdf_b - cdf_c) * np.diff(values)))


def _values_of(cells: Cells) -> np.ndarray:
    if cells.values is None:
        raise InvalidParameterError(
            "cells of Wasserstein must be numeric cells at every value (binning 'values').",
            field="cells",
        )
    return cells.values


def wasserstein_scale(baseline: WeightedSample) -> float:
    """The normaliser: baseline std (ddof 0), else its range, else 1.

    Parameters
    ----------
    baseline : WeightedSample

    Returns
    -------
    float
        > 0, in the feature's units; NaN if ``baseline`` is empty.

    Examples
    --------
    >>> wasserstein_scale(WeightedSample.from_values([1, 3]))
    1.0
    >>> wasserstein_scale(WeightedSample.from_values([5, 5]))
    1.0
    """
    if baseline.is_empty:
        return math.nan
    mean = float(np.average(baseline.items, weights=baseline.weights))
    std = math.sqrt(float(np.average((baseline.items - mean) ** 2, weights=baseline.weights)))
    if std > 0:
        return std
    spread = float(baseline.items[-1] - baseline.items[0])
    return spread if spread > 0 else 1.0


@dataclass(frozen=True)
class Wasserstein(Distance):
    """The normalised Wasserstein-1 drift distance (``wasserstein``): see the module docstring.

    It has no noise floor: the null distribution of W1 depends on the unknown distribution.

    Parameters
    ----------
    scale : float or None, default=None
        Normaliser in the feature's units, > 0; None means :func:`wasserstein_scale` of the
        baseline.

    Raises
    ------
    InvalidParameterError
        If ``scale`` is given but is zero, negative, infinite or NaN.

    Examples
    --------
    >>> a = WeightedSample.from_values([1, 2, 3, 4])
    >>> r = Wasserstein().compute(a, WeightedSample.from_values([3, 4, 5, 6]))
    >>> round(r.distance, 4), r.drifted
    (1.7889, True)
    """

    scale: float | None = None

    name = "wasserstein"
    kinds = NUMERIC_ONLY
    default_threshold = WASSERSTEIN_DEFAULT_THRESHOLD
    range = (0.0, math.inf)
    description = "Wasserstein-1 (earth mover's) distance in baseline standard deviations."
    binning = "values"

    def __post_init__(self) -> None:
        scale = self.scale
        if scale is not None and not (
            isinstance(scale, int | float)
            and not isinstance(scale, bool)
            and math.isfinite(scale)
            and scale > 0
        ):
            raise InvalidParameterError(
                f"scale of Wasserstein must be a finite number > 0. Got {scale!r} instead.",
                field="scale",
            )

    def measure(self, cells: Cells) -> Measurement:
        """W1 divided by the scale; see :meth:`Distance.measure`."""
        if self.scale is not None:
            return Measurement(_w1(cells) / float(self.scale))
        present = cells.baseline > 0
        baseline = WeightedSample(_values_of(cells)[present], cells.baseline[present])
        return Measurement(_w1(cells) / wasserstein_scale(baseline))
