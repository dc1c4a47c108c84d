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
``LInfinityMethod(alpha)``). The subtracted term is reported as ``noise_floor``. Both are
in [0, 1] with 0 for identical distributions; the default threshold is 0.1, SageMaker's default
``comparison_threshold`` (spec §3.2).

Deequ's flag is inverted: ``correctForLowNumberOfSamples = true`` returns ``linf_simple``.
SageMaker's ``comparison_method`` ``"Simple"``/``"Robust"`` map to the two names here.

One difference from Deequ 2.0.2 is deliberate: 2.0.2's ``QuantileNonSample.getRankMap`` builds a
``ListMap`` keyed by item, which keeps only the last weight of an item that occurs more than once
in the sketch, so repeated values (integer columns) are under-counted. Deequ later fixed this
(commit ``5815ee78``, ``KLLRepeatedItemsTest``: "getRankMap should accumulate the weights of
repeated data points"). A :class:`~vigil.core.distribution.WeightedSample` already sums the
weights of equal items, so these distances follow the fixed behaviour.
:func:`deequ_legacy_rank_sample` rebuilds the 2.0.2 view of a sketch for anyone who needs to
reproduce an old SageMaker result bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from vigil.core.distribution import WeightedSample
from vigil.core.drift._binning import Cells
from vigil.core.drift._common import BOTH_KINDS
from vigil.core.drift.distance import Distance, Measurement
from vigil.errors import InvalidParameterError

__all__ = [
    "DEEQU_C_ALPHA",
    "LINF_DEFAULT_THRESHOLD",
    "LInfRobust",
    "LInfSimple",
    "c_alpha",
    "deequ_legacy_rank_sample",
    "linf_noise_floor",
    "sup_difference",
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

    Returns
    -------
    float
        > 0.

    Raises
    ------
    InvalidParameterError
        If ``alpha`` is not a number in (0, 1).

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

    Parameters
    ----------
    n, m : float
        Total weights (numbers of values) of the two sides, > 0.
    alpha : float or None, default=None
        See :func:`c_alpha`.

    Returns
    -------
    float
        > 0, on the L-infinity scale.

    Raises
    ------
    InvalidParameterError
        If ``alpha`` is invalid.

    Examples
    --------
    >>> round(linf_noise_floor(100, 100), 6)
    0.254558
    """
    return c_alpha(alpha) * math.sqrt((n + m) / (n * m))


def sup_difference(cells: Cells) -> float:
    """``max |F_b - F_c|`` over numeric cells (CDFs), ``max |p_b - p_c|`` over categories (PMFs).

    The numeric CDFs are the inclusive ranks divided by the total weights (Deequ's
    ``numericalDistance`` loop over the union of items); on raw samples this is the two-sample
    Kolmogorov–Smirnov statistic. Deequ names the categorical variables ``cdf`` but they are PMF
    values (``categoricalLInfinityDistance``).

    Parameters
    ----------
    cells : Cells
        Numeric cells at every value (binning ``"values"``) or categorical cells, each side with
        a total weight > 0.

    Returns
    -------
    float
        In [0, 1]; 0 means identical distributions.

    Examples
    --------
    Deequ's own test case (``KLLDistanceTest``):

    >>> from vigil.core.drift._binning import common_cells
    >>> a = WeightedSample.from_values([1, 2, 3, 4])
    >>> b = WeightedSample.from_values([2, 3, 4, 5])
    >>> sup_difference(common_cells(a, b, binning="values", caller="doc"))
    0.25
    """
    b, c = cells.baseline, cells.current
    if cells.kind == "numeric":
        b = np.cumsum(b) / cells.n_baseline
        c = np.cumsum(c) / cells.n_current
    else:
        b = b / float(b.sum())
        c = c / float(c.sum())
    return float(np.max(np.abs(b - c)))


@dataclass(frozen=True)
class LInfSimple(Distance):
    """SageMaker's ``linf_simple`` (``comparison_method = "Simple"``): see the module docstring.

    Parameters
    ----------
    alpha : float or None, default=None
        Only sets the reported ``noise_floor`` (see :func:`linf_noise_floor`).

    Examples
    --------
    >>> a = WeightedSample.from_values([1, 2, 3, 4])
    >>> b = WeightedSample.from_values([2, 3, 4, 5])
    >>> r = LInfSimple().compute(a, b, threshold=0.2)
    >>> (r.distance, r.drifted)
    (0.25, True)
    """

    alpha: float | None = None

    name = "linf_simple"
    kinds = BOTH_KINDS
    default_threshold = LINF_DEFAULT_THRESHOLD
    range = (0.0, 1.0)
    description = (
        "SageMaker/Deequ L-infinity: max |CDF| (numeric) or |PMF| (categorical) difference."
    )
    binning = "values"
    symmetric_kinds = BOTH_KINDS

    def measure(self, cells: Cells) -> Measurement:
        """``max |F_b - F_c|`` (:func:`sup_difference`); see :meth:`Distance.measure`."""
        return Measurement(sup_difference(cells))

    def noise_floor(self, cells: Cells, alpha: float | None = None) -> float:
        """Deequ's robust correction (:func:`linf_noise_floor`); see :meth:`Distance.noise_floor`.

        ``alpha=None`` uses this distance's :attr:`alpha`.
        """
        level = self.alpha if alpha is None else alpha
        return linf_noise_floor(cells.n_baseline, cells.n_current, alpha=level)


@dataclass(frozen=True)
class LInfRobust(LInfSimple):
    """SageMaker's ``linf_robust`` (``comparison_method = "Robust"``): see the module docstring.

    The robust correction already removes sampling noise, so the threshold is a pure effect size.
    ``noise_floor`` is the amount subtracted.

    Parameters
    ----------
    alpha : float or None, default=None
        None uses Deequ's ``c(alpha) = 1.8``; otherwise ``c(alpha) = sqrt(-ln(alpha/2)/2)``.

    Examples
    --------
    >>> from vigil.core.distribution import CategoricalCounts
    >>> a = CategoricalCounts({"a": 10, "b": 20, "c": 25, "d": 10, "e": 5})
    >>> b = CategoricalCounts({"a": 11, "b": 20, "c": 25, "d": 10, "e": 10})
    >>> LInfRobust().compute(a, b).distance
    0.0
    """

    name = "linf_robust"
    description = "SageMaker/Deequ L-infinity minus the KS noise term 1.8*sqrt((n+m)/(n*m))."
    scale_invariant = False

    def measure(self, cells: Cells) -> Measurement:
        """``max(0, linf_simple - noise_floor)``; see :meth:`Distance.measure`."""
        return Measurement(max(0.0, sup_difference(cells) - self.noise_floor(cells)))


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

    Returns
    -------
    WeightedSample
        Each distinct non-NaN item once, weighted ``2**h``.

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
