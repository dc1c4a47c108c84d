"""L-infinity distance, SageMaker Model Monitor's drift distance (``linf_simple``/``linf_robust``).

This follows Deequ 2.0.2 ``analyzers/Distance.scala`` (spec/sagemaker-model-monitor.md §4.3):

Numeric (``numericalDistance``)::

    rank(key)   = total weight of the largest item <= key (0 if none)   # QuantileNonSample.getRank
    n, m        = total weights of baseline and current
    linf_simple = max over key in union(items_a, items_b) of | rank_a(key)/n - rank_b(key)/m |

This is the two-sample Kolmogorov–Smirnov statistic; on raw samples it equals
``scipy.stats.ks_2samp(a, b).statistic`` exactly.

Categorical (``categoricalLInfinityDistance``): the maximum absolute difference of the
probability mass functions over the union of categories (Deequ names the variables ``cdf`` but
they are PMF values)::

    linf_simple = max over category of | c_a(cat)/n - c_b(cat)/m |

Both kinds (``selectMetrics``)::

    linf_robust = max(0, linf_simple - c_alpha * sqrt((n + m) / (n * m)))

with Deequ's ``defaultCAlpha = 1.8`` (alpha ≈ 0.003, Knuth TAOCP vol. 2 §3.3.1 eq. 15), or
``c_alpha = sqrt(-ln(alpha / 2) / 2)`` when an ``alpha`` is given (Deequ after 2.0.2,
``LInfinityMethod(alpha)``). The subtracted term is reported as ``noise_floor``.

Deequ's flag is inverted: ``correctForLowNumberOfSamples = true`` returns ``linf_simple``.
SageMaker's ``comparison_method`` ``"Simple"``/``"Robust"`` map to the two names here.

One difference from Deequ 2.0.2 is deliberate: 2.0.2's ``QuantileNonSample.getRankMap`` builds a
``ListMap`` keyed by item, which keeps only the last weight of an item that occurs more than once
in the sketch, so repeated values (integer columns) are under-counted. Deequ later fixed this
(commit ``5815ee78``, ``KLLRepeatedItemsTest``: "getRankMap should accumulate the weights of
repeated data points"). A :class:`~vigil.core.distribution.WeightedSample` already sums the
weights of equal items, so these functions follow the fixed behaviour.
:func:`deequ_legacy_rank_sample` rebuilds the 2.0.2 view of a sketch for anyone who needs to
reproduce an old SageMaker result bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift._common import (
    BOTH_KINDS,
    Distribution,
    categorical_arrays,
    pair_error,
    resolve_threshold,
    total_weight,
)
from vigil.core.drift.result import DistanceSpec, DriftResult
from vigil.errors import InvalidParameterError

__all__ = [
    "DEEQU_C_ALPHA",
    "LINF_DEFAULT_THRESHOLD",
    "LINF_ROBUST_SPEC",
    "LINF_SIMPLE_SPEC",
    "c_alpha",
    "deequ_legacy_rank_sample",
    "linf_noise_floor",
    "linf_robust",
    "linf_robust_distance",
    "linf_simple",
    "linf_simple_distance",
    "sup_cdf_difference",
]

DEEQU_C_ALPHA = 1.8
"""Deequ's ``defaultCAlpha``: the KS coefficient for alpha ≈ 0.003."""

LINF_DEFAULT_THRESHOLD = 0.1
"""SageMaker's default ``comparison_threshold`` (spec §3.2)."""


def c_alpha(alpha: float | None = None) -> float:
    """The Kolmogorov–Smirnov coefficient ``c(alpha) = sqrt(-ln(alpha / 2) / 2)``.

    Parameters
    ----------
    alpha : float or None, default=None
        Significance level in (0, 1). None gives Deequ's fixed 1.8 (alpha ≈ 0.003).

    Examples
    --------
    >>> c_alpha()
    1.8
    >>> round(c_alpha(0.05), 4)
    1.3581
    """
    if alpha is None:
        return DEEQU_C_ALPHA
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0.0 < alpha < 1.0:
        raise InvalidParameterError(
            f"alpha of c_alpha must be in (0, 1). Got {alpha!r} instead.", field="alpha"
        )
    return math.sqrt(-math.log(alpha / 2.0) / 2.0)


def linf_noise_floor(n: float, m: float, *, alpha: float | None = None) -> float:
    """The term ``c(alpha) * sqrt((n + m) / (n * m))`` that ``linf_robust`` subtracts.

    Examples
    --------
    >>> round(linf_noise_floor(100, 100), 6)
    0.254558
    """
    return c_alpha(alpha) * math.sqrt((n + m) / (n * m))


def sup_cdf_difference(a: WeightedSample, b: WeightedSample) -> float:
    """``max |F_a(x) - F_b(x)|`` over the union of items, using inclusive ranks.

    NaN if either sample is empty. This is Deequ's ``numericalDistance`` loop.
    """
    if a.is_empty or b.is_empty:
        return math.nan
    keys = np.union1d(a.items, b.items)
    return float(np.max(np.abs(a.cdf(keys) - b.cdf(keys))))


def linf_simple_distance(baseline: Distribution, current: Distribution) -> float:
    """SageMaker's ``linf_simple``: sup-norm of the CDF (numeric) or PMF (categorical) difference.

    Parameters
    ----------
    baseline, current : WeightedSample or CategoricalCounts
        Both of the same kind.

    Returns
    -------
    float
        In [0, 1]; 0 means identical distributions. NaN when either side is empty.

    References
    ----------
    Deequ 2.0.2, ``src/main/scala/com/amazon/deequ/analyzers/Distance.scala``
    (``numericalDistance``, ``categoricalDistance``).

    Examples
    --------
    Deequ's own test case (``KLLDistanceTest``):

    >>> a = WeightedSample.from_values([1, 2, 3, 4])
    >>> b = WeightedSample.from_values([2, 3, 4, 5])
    >>> linf_simple_distance(a, b)
    0.25
    """
    if isinstance(baseline, WeightedSample) and isinstance(current, WeightedSample):
        return sup_cdf_difference(baseline, current)
    if isinstance(baseline, CategoricalCounts) and isinstance(current, CategoricalCounts):
        _, b, c = categorical_arrays(baseline, current, caller="linf_simple_distance")
        n, m = float(b.sum()), float(c.sum())
        if n == 0 or m == 0:
            return math.nan
        return float(np.max(np.abs(b / n - c / m)))
    pair_error(baseline, current, accepted=BOTH_KINDS, caller="linf_simple_distance")


def linf_robust_distance(
    baseline: Distribution, current: Distribution, *, alpha: float | None = None
) -> float:
    """SageMaker's ``linf_robust``: ``max(0, linf_simple - c(alpha) * sqrt((n+m)/(n*m)))``.

    Parameters
    ----------
    baseline, current : WeightedSample or CategoricalCounts
        Both of the same kind.
    alpha : float or None, default=None
        None uses Deequ's ``c(alpha) = 1.8``; otherwise ``c(alpha) = sqrt(-ln(alpha/2)/2)``.

    Returns
    -------
    float
        In [0, 1); 0 means "no difference beyond sampling noise". NaN when either side is empty.

    Examples
    --------
    >>> a = CategoricalCounts({"a": 10, "b": 20, "c": 25, "d": 10, "e": 5})
    >>> b = CategoricalCounts({"a": 11, "b": 20, "c": 25, "d": 10, "e": 10})
    >>> linf_robust_distance(a, b)
    0.0
    """
    simple = linf_simple_distance(baseline, current)
    if math.isnan(simple):
        return math.nan
    n, m = total_weight(baseline), total_weight(current)
    return max(0.0, simple - linf_noise_floor(n, m, alpha=alpha))


def linf_simple(
    baseline: Distribution,
    current: Distribution,
    /,
    *,
    threshold: float | None = None,
    alpha: float | None = None,
) -> DriftResult:
    """Drift check with SageMaker's ``linf_simple`` (``comparison_method = "Simple"``).

    Parameters
    ----------
    baseline, current : WeightedSample or CategoricalCounts
        Both of the same kind.
    threshold : float or None, default=None
        Drifted when the distance exceeds it. None means 0.1, SageMaker's default
        ``comparison_threshold`` (spec §3.2).
    alpha : float or None, default=None
        Only sets the reported ``noise_floor`` (see :func:`linf_noise_floor`).

    Returns
    -------
    DriftResult
        ``distance`` in [0, 1], 0 = identical; ``noise_floor`` = Deequ's robust correction.
        NaN distance (never drifted) if either side is empty.

    Examples
    --------
    >>> a = WeightedSample.from_values([1, 2, 3, 4])
    >>> b = WeightedSample.from_values([2, 3, 4, 5])
    >>> r = linf_simple(a, b, threshold=0.2)
    >>> (r.distance, r.drifted)
    (0.25, True)
    """
    thr = resolve_threshold(threshold, LINF_DEFAULT_THRESHOLD, caller="linf_simple")
    distance = linf_simple_distance(baseline, current)
    n, m = total_weight(baseline), total_weight(current)
    if math.isnan(distance):
        return DriftResult.undefined("linf_simple", threshold=thr, n_baseline=n, n_current=m)
    return DriftResult(
        method="linf_simple",
        distance=distance,
        threshold=thr,
        drifted=distance > thr,
        n_baseline=n,
        n_current=m,
        noise_floor=linf_noise_floor(n, m, alpha=alpha),
    )


def linf_robust(
    baseline: Distribution,
    current: Distribution,
    /,
    *,
    threshold: float | None = None,
    alpha: float | None = None,
) -> DriftResult:
    """Drift check with SageMaker's ``linf_robust`` (``comparison_method = "Robust"``).

    Parameters
    ----------
    baseline, current : WeightedSample or CategoricalCounts
        Both of the same kind.
    threshold : float or None, default=None
        Drifted when the distance exceeds it. None means 0.1, SageMaker's default
        ``comparison_threshold``; the robust correction already removes sampling noise, so the
        threshold is a pure effect size.
    alpha : float or None, default=None
        None uses Deequ's ``c(alpha) = 1.8``.

    Returns
    -------
    DriftResult
        ``distance`` in [0, 1), 0 = no difference beyond noise; ``noise_floor`` = the amount
        subtracted. NaN distance (never drifted) if either side is empty.
    """
    thr = resolve_threshold(threshold, LINF_DEFAULT_THRESHOLD, caller="linf_robust")
    distance = linf_robust_distance(baseline, current, alpha=alpha)
    n, m = total_weight(baseline), total_weight(current)
    if math.isnan(distance):
        return DriftResult.undefined("linf_robust", threshold=thr, n_baseline=n, n_current=m)
    return DriftResult(
        method="linf_robust",
        distance=distance,
        threshold=thr,
        drifted=distance > thr,
        n_baseline=n,
        n_current=m,
        noise_floor=linf_noise_floor(n, m, alpha=alpha),
    )


def deequ_legacy_rank_sample(levels: Sequence[ArrayLike]) -> WeightedSample:
    """The distribution Deequ 2.0.2's ``getRankMap`` sees in a KLL sketch.

    Deequ 2.0.2 keyed the sketch's ``(item, 2**level)`` pairs by item in a ``ListMap``, so an item
    present several times keeps only the weight of its last occurrence in level order, that is
    ``2**h`` for the highest level ``h`` holding it. Use this (instead of summing weights) only
    to reproduce a result of Deequ <= 2.0.x exactly.

    Parameters
    ----------
    levels : sequence of array-like
        ``levels[h]`` holds the items of compactor ``h`` (statistics.json ``sketch.data``).

    Examples
    --------
    Three values ``1, 1, 2`` in level 0 look like two values of weight 1 to Deequ 2.0.2:

    >>> s = deequ_legacy_rank_sample([[1, 1, 2]])
    >>> s.items.tolist(), s.weights.tolist()
    ([1.0, 2.0], [1.0, 1.0])
    """
    weight_of: dict[float, float] = {}
    for height, level in enumerate(levels):
        for item in np.asarray(level, dtype=np.float64).ravel().tolist():
            if not math.isnan(item):
                weight_of[item] = float(2**height)
    items = list(weight_of)
    return WeightedSample.from_weighted(items, [weight_of[i] for i in items])


LINF_SIMPLE_SPEC = DistanceSpec(
    name="linf_simple",
    function=linf_simple,
    kinds=frozenset({"numeric", "categorical"}),
    default_threshold=LINF_DEFAULT_THRESHOLD,
    range=(0.0, 1.0),
    description="SageMaker/Deequ L-infinity: max |CDF| (numeric) or |PMF| (categorical) difference.",
    symmetric_kinds=frozenset({"numeric", "categorical"}),
    scale_invariant=True,
)

LINF_ROBUST_SPEC = DistanceSpec(
    name="linf_robust",
    function=linf_robust,
    kinds=frozenset({"numeric", "categorical"}),
    default_threshold=LINF_DEFAULT_THRESHOLD,
    range=(0.0, 1.0),
    description="SageMaker/Deequ L-infinity minus the KS noise term 1.8*sqrt((n+m)/(n*m)).",
    symmetric_kinds=frozenset({"numeric", "categorical"}),
    scale_invariant=False,
)
