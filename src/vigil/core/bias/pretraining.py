"""Clarify's pre-training bias metrics: CI, DPL, KL, JS, LP, TVD, KS, CDDL.

Notation (AWS, "Measure pre-training bias"): facet *d* is the sensitive group, *a* every other
row; ``n_a``, ``n_d`` their sizes; ``n_a⁽¹⁾``, ``n_d⁽¹⁾`` their observed positive labels;
``P_a``, ``P_d`` their label distributions ``[P(y = 0), P(y = 1)]``. Labels are binarised first
(positive values or threshold), as Clarify's report always does, so the distribution metrics
(KL, JS, LP, TVD, KS) compare two-point distributions.

Each function takes a :class:`~vigil.core.bias.counts.BiasData` and returns a float or
:class:`~vigil.core.bias.result.Undefined` with Clarify's error text. The arithmetic follows
``smclarify`` 0.5 (``bias/metrics/pretraining.py``, ``common.py``) step by step, so values agree
with Clarify's to the last bit where the definitions agree; the distribution metrics are computed
from the two label distributions, never derived from DPL (real outputs differ in the last bits).

One deliberate difference (spec clarify.md §7.2): smclarify keeps only the label values present
in *both* groups (``pdfs_aligned_nonzero``, no renormalisation), which makes KL negative or
misreports TVD when a group has no positive (or no negative) label. Vigil uses the full support,
as the AWS pages define the metrics: terms with ``P(y) = 0`` contribute 0, and KL is ``inf`` when
``P_d(y) = 0 < P_a(y)``. Both agree whenever each group has both labels.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from vigil.core.bias._cdd import conditional_demographic_disparity
from vigil.core.bias.counts import BiasData, require_labels
from vigil.core.bias.result import MetricValue, Undefined

__all__ = [
    "class_imbalance",
    "conditional_demographic_disparity_in_labels",
    "difference_in_proportions_of_labels",
    "jensen_shannon_divergence",
    "kolmogorov_smirnov_distance",
    "kullback_leibler_divergence",
    "lp_norm",
    "total_variation_distance",
]

_NO_COMMON = "No instance of common facet found, dataset may be too small"
Pmf = NDArray[np.float64]


def class_imbalance(data: BiasData) -> MetricValue:
    """Class Imbalance (CI): ``(n_a − n_d) / (n_a + n_d)``.

    Range [−1, 1]; fair value 0. Positive when facet *d* is under-represented.
    Undefined when either group is empty.

    References
    ----------
    AWS, "Class Imbalance (CI)", clarify-bias-metric-class-imbalance;
    smclarify ``pretraining.CI``.

    Examples
    --------
    >>> class_imbalance(BiasData.from_arrays([True, False, False, False]))
    0.5
    """
    n_a, n_d = data.counts.facet_sizes()
    if n_a == 0:
        return Undefined(
            "CI: negated facet set is empty. Check that x[~facet] has non-zero length."
        )
    if n_d == 0:
        return Undefined("CI: facet set is empty. Check that x[facet] has non-zero length.")
    return float(n_a - n_d) / (n_a + n_d)


def positive_proportion_difference(counts: NDArray[np.int64]) -> MetricValue:
    """``q_a − q_d`` with ``q = n⁽¹⁾ / n`` from ``counts[f, outcome]`` (``common.DPL``)."""
    n_a, n_d = int(counts[0].sum()), int(counts[1].sum())
    if n_a == 0:
        return Undefined("Negative facet set is empty.")
    if n_d == 0:
        return Undefined("Facet set is empty.")
    return int(counts[0, 1]) / n_a - int(counts[1, 1]) / n_d


def difference_in_proportions_of_labels(data: BiasData) -> MetricValue:
    """Difference in Positive Proportions in Labels (DPL): ``n_a⁽¹⁾/n_a − n_d⁽¹⁾/n_d``.

    Range [−1, 1]; fair value 0. Positive when facet *a* has the higher share of positive
    labels. Undefined when either group is empty.

    References
    ----------
    AWS, "Difference in Proportions of Labels (DPL)", clarify-data-bias-metric-true-label-imbalance;
    smclarify ``common.DPL``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, False, True, True])
    >>> difference_in_proportions_of_labels(data)
    0.5
    """
    require_labels(data.counts, "DPL")
    return positive_proportion_difference(data.counts.label_counts())


def _label_pmfs(data: BiasData, metric: str) -> tuple[Pmf, Pmf] | Undefined:
    require_labels(data.counts, metric)
    counts = data.counts.label_counts()
    n_a, n_d = int(counts[0].sum()), int(counts[1].sum())
    if n_a == 0 or n_d == 0:
        return Undefined(_NO_COMMON)
    p_a: Pmf = counts[0] / n_a
    p_d: Pmf = counts[1] / n_d
    return p_a, p_d


def _relative_entropy(p: Pmf, q: Pmf) -> float:
    """``Σ p·ln(p/q)`` over ``p > 0`` (``inf`` if some ``q`` is 0 there)."""
    support = p > 0
    if np.any(q[support] == 0):
        return math.inf
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def kullback_leibler_divergence(data: BiasData) -> MetricValue:
    """Kullback-Leibler divergence (KL): ``Σ_y P_a(y) · ln(P_a(y) / P_d(y))``, in nats.

    Range [0, ∞]; fair value 0. ``inf`` when facet *d* lacks a label value that *a* has.
    Undefined when either group is empty. Clarify's description keeps its spelling
    "Kullback-Liebler".

    Differs from smclarify when a group has only one label value (module docstring): smclarify
    drops the value, which can make KL negative; Vigil keeps the full support.

    References
    ----------
    AWS, "Kullback-Leibler Divergence (KL)", clarify-data-bias-metric-kl-divergence;
    smclarify ``pretraining.KL``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, False, True, True])
    >>> kullback_leibler_divergence(data)  # P_a = [0, 1], P_d = [1/2, 1/2]: ln 2
    0.6931471805599453
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, True, True, False])
    >>> kullback_leibler_divergence(data)  # P_a = [1/2, 1/2], P_d = [0, 1]
    inf
    """
    pmfs = _label_pmfs(data, "KL")
    if isinstance(pmfs, Undefined):
        return pmfs
    return _relative_entropy(*pmfs)


def jensen_shannon_divergence(data: BiasData) -> MetricValue:
    """Jensen-Shannon divergence (JS): ``½ [KL(P_a, P) + KL(P_d, P)]`` with ``P = ½ (P_a + P_d)``.

    Range [0, ln 2]; fair value 0; symmetric in *a* and *d*. This is the midpoint form Clarify
    uses since 2021. Undefined when either group is empty.

    Differs from smclarify when a group has only one label value (see the module docstring).

    References
    ----------
    AWS, "Jensen-Shannon Divergence (JS)", clarify-data-bias-metric-jensen-shannon-divergence;
    smclarify ``pretraining.JS``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, False, True, False])
    >>> jensen_shannon_divergence(data)
    0.0
    """
    pmfs = _label_pmfs(data, "JS")
    if isinstance(pmfs, Undefined):
        return pmfs
    p_a, p_d = pmfs
    mid = 1 / 2 * (p_a + p_d)
    return 0.5 * (_relative_entropy(p_a, mid) + _relative_entropy(p_d, mid))


def _pmf_difference(data: BiasData, metric: str) -> tuple[float, float] | Undefined:
    pmfs = _label_pmfs(data, metric)
    if isinstance(pmfs, Undefined):
        return pmfs
    difference = pmfs[0] - pmfs[1]
    return float(difference[0]), float(difference[1])


def lp_norm(data: BiasData) -> MetricValue:
    """L-p norm (LP), p = 2: ``sqrt(Σ_y (P_a(y) − P_d(y))²)``.

    Range [0, √2]; fair value 0; symmetric. Undefined when either group is empty.

    The sum is rounded after each product. Clarify calls ``numpy.linalg.norm``, whose BLAS dot
    product may fuse a multiply and the add (FMA) depending on the machine: the SDK's
    ClarifyCheckStep output ``0.021634506992825184`` is the fused result, 1 ulp from this one.

    References
    ----------
    AWS, "Lp-norm (LP)", clarify-data-bias-metric-lp-norm; smclarify ``pretraining.LP``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, True, False, False])
    >>> lp_norm(data) == math.sqrt(2)
    True
    """
    difference = _pmf_difference(data, "LP")
    if isinstance(difference, Undefined):
        return difference
    neg, pos = difference
    return math.sqrt(neg * neg + pos * pos)


def total_variation_distance(data: BiasData) -> MetricValue:
    """Total Variation Distance (TVD): ``½ Σ_y |P_a(y) − P_d(y)|``.

    Range [0, 1]; fair value 0; symmetric. For binary labels it equals ``|DPL|`` mathematically,
    but it is computed from the distributions as Clarify does, so the last bits can differ
    (the SDK's fixture: DPL ``0.01529790660225444``, TVD ``0.015297906602254469``).
    Undefined when either group is empty.

    References
    ----------
    AWS, "Total Variation Distance (TVD)", clarify-data-bias-metric-total-variation-distance;
    smclarify ``pretraining.TVD``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, False, True, True])
    >>> total_variation_distance(data)
    0.5
    """
    difference = _pmf_difference(data, "TVD")
    if isinstance(difference, Undefined):
        return difference
    neg, pos = difference
    return 0.5 * (abs(neg) + abs(pos))


def kolmogorov_smirnov_distance(data: BiasData) -> MetricValue:
    """Kolmogorov-Smirnov distance (KS): ``max_y |P_a(y) − P_d(y)|``.

    Range [0, 1]; fair value 0; symmetric. As in Clarify and its documentation, the maximum runs
    over the label *distributions* (probability mass), not the cumulative distributions.
    Undefined when either group is empty.

    References
    ----------
    AWS, "Kolmogorov-Smirnov (KS)", clarify-data-bias-metric-kolmogorov-smirnov;
    smclarify ``pretraining.KS``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, False, True, True])
    >>> kolmogorov_smirnov_distance(data)
    0.5
    """
    difference = _pmf_difference(data, "KS")
    if isinstance(difference, Undefined):
        return difference
    neg, pos = difference
    return max(abs(neg), abs(pos))


def conditional_demographic_disparity_in_labels(data: BiasData) -> MetricValue:
    """Conditional Demographic Disparity in Labels (CDDL).

    ``CDDL = Σ_g n_g · DD_g / Σ_g n_g`` over the values ``g`` of the group variable, where
    ``DD_g = n_d⁽⁰⁾(g)/n⁽⁰⁾(g) − n_d⁽¹⁾(g)/n⁽¹⁾(g)``: facet *d*'s share of the rejected (negative)
    labels minus its share of the accepted ones in ``g`` (0 for an empty denominator). A
    continuous group column makes every distinct value a group.

    Range [−1, 1]; fair value 0. Undefined without a group variable ("Group variable is empty or
    not provided"), or without any positive or any negative label.

    References
    ----------
    AWS, "Conditional Demographic Disparity in Labels (CDDL)", clarify-data-bias-metric-cddl;
    smclarify ``common.CDD``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, False, True, False], label=[True, True, False, False],
    ...                             group=["x", "x", "y", "y"])
    >>> conditional_demographic_disparity_in_labels(data)
    0.0
    >>> conditional_demographic_disparity_in_labels(BiasData.from_arrays([True], label=[True]))
    Undefined(error='Group variable is empty or not provided')
    """
    require_labels(data.counts, "CDDL")
    return conditional_demographic_disparity(data.counts, outcome="label")
