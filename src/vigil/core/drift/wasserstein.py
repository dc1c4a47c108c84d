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

import numpy as np

from vigil.core.distribution import WeightedSample
from vigil.core.drift._common import (
    NUMERIC_ONLY,
    Distribution,
    pair_error,
    resolve_threshold,
    total_weight,
)
from vigil.core.drift.result import DistanceSpec, DriftResult
from vigil.errors import InvalidParameterError

__all__ = [
    "WASSERSTEIN_DEFAULT_THRESHOLD",
    "WASSERSTEIN_SPEC",
    "wasserstein",
    "wasserstein_1",
    "wasserstein_distance",
    "wasserstein_scale",
]

WASSERSTEIN_DEFAULT_THRESHOLD = 0.1
"""Default drift threshold, in baseline standard deviations (Evidently's normed Wasserstein)."""


def wasserstein_1(a: WeightedSample, b: WeightedSample) -> float:
    """Raw 1-D Wasserstein-1 distance in the feature's units (NaN if either side is empty).

    Examples
    --------
    >>> wasserstein_1(WeightedSample.from_values([0, 1]), WeightedSample.from_values([2, 3]))
    2.0
    """
    if a.is_empty or b.is_empty:
        return math.nan
    keys = np.union1d(a.items, b.items)
    if keys.size < 2:
        return 0.0
    gaps = np.diff(keys)
    return float(np.sum(np.abs(a.cdf(keys[:-1]) - b.cdf(keys[:-1])) * gaps))


def wasserstein_scale(baseline: WeightedSample) -> float:
    """The normaliser: baseline std (ddof 0), else its range, else 1 (NaN if empty).

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


def wasserstein_distance(
    baseline: Distribution, current: Distribution, *, scale: float | None = None
) -> float:
    """Wasserstein-1 distance divided by the baseline's scale.

    Parameters
    ----------
    baseline, current : WeightedSample
    scale : float or None, default=None
        Positive normaliser; None means :func:`wasserstein_scale` of ``baseline``.

    Returns
    -------
    float
        In [0, inf); 0 means identical distributions. NaN if either side is empty.

    Raises
    ------
    InvalidParameterError
        If the inputs are not both numeric, or ``scale`` is not a finite number > 0.
    """
    if not (isinstance(baseline, WeightedSample) and isinstance(current, WeightedSample)):
        pair_error(baseline, current, accepted=NUMERIC_ONLY, caller="wasserstein_distance")
    if scale is not None and not (
        isinstance(scale, int | float) and math.isfinite(scale) and scale > 0
    ):
        raise InvalidParameterError(
            f"scale of wasserstein_distance must be a finite number > 0. Got {scale!r} instead.",
            field="scale",
        )
    raw = wasserstein_1(baseline, current)
    if math.isnan(raw):
        return math.nan
    return raw / (wasserstein_scale(baseline) if scale is None else float(scale))


def wasserstein(
    baseline: Distribution,
    current: Distribution,
    /,
    *,
    threshold: float | None = None,
    scale: float | None = None,
) -> DriftResult:
    """Drift check with the normalised Wasserstein-1 distance.

    Parameters
    ----------
    baseline, current : WeightedSample
    threshold : float or None, default=None
        Drifted when the distance exceeds it. None means 0.1 baseline standard deviations.
    scale : float or None, default=None
        See :func:`wasserstein_distance`.

    Returns
    -------
    DriftResult
        ``distance`` in [0, inf), 0 = identical; ``noise_floor`` is None (the null distribution
        of W1 depends on the unknown distribution). NaN distance (never drifted) if a side is
        empty.

    Examples
    --------
    >>> a = WeightedSample.from_values([1, 2, 3, 4])
    >>> r = wasserstein(a, WeightedSample.from_values([3, 4, 5, 6]))
    >>> round(r.distance, 4), r.drifted
    (1.7889, True)
    """
    thr = resolve_threshold(threshold, WASSERSTEIN_DEFAULT_THRESHOLD, caller="wasserstein")
    distance = wasserstein_distance(baseline, current, scale=scale)
    n, m = total_weight(baseline), total_weight(current)
    if math.isnan(distance):
        return DriftResult.undefined("wasserstein", threshold=thr, n_baseline=n, n_current=m)
    return DriftResult(
        method="wasserstein",
        distance=distance,
        threshold=thr,
        drifted=distance > thr,
        n_baseline=n,
        n_current=m,
    )


WASSERSTEIN_SPEC = DistanceSpec(
    name="wasserstein",
    function=wasserstein,
    kinds=frozenset({"numeric"}),
    default_threshold=WASSERSTEIN_DEFAULT_THRESHOLD,
    range=(0.0, math.inf),
    description="Wasserstein-1 (earth mover's) distance in baseline standard deviations.",
    symmetric_kinds=frozenset(),
    scale_invariant=True,
)
