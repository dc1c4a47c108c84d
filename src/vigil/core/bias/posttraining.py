"""Clarify's post-training bias metrics computed from counts: DPPL, DI, DCA, DCR, RD, SD, DAR,
DRR, AD, CDDPL, TE, GE (FT, which needs the rows, is in :mod:`vigil.core.bias.fliptest`).

Notation (AWS, "Measure post-training data and model bias"): facet *d* is the sensitive group,
*a* every other row; ``n⁽¹⁾``/``n⁽⁰⁾`` count observed positive/negative labels, ``n̂⁽¹⁾``/``n̂⁽⁰⁾``
predicted ones; ``TP``, ``FP``, ``FN``, ``TN`` are each group's confusion counts.

Divisions follow Clarify's rule (:func:`~vigil.core.bias.counts.divide`: 0/0 = 0, x/0 = ±inf),
and where both groups' ratios are infinite the difference is 0, as in ``smclarify`` 0.5
(``bias/metrics/posttraining.py``, ``common.py``); for DCA and DCR that 0 is the int ``0``
Clarify writes (``"value": 0`` in real analysis.json files). The arithmetic follows smclarify
step by step, so values agree to the last bit. Every function takes a
:class:`~vigil.core.bias.counts.BiasData` and returns a float or
:class:`~vigil.core.bias.result.Undefined` with Clarify's error text.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from vigil.core.bias._cdd import conditional_demographic_disparity
from vigil.core.bias.counts import BiasData, divide, require_labels, require_predictions
from vigil.core.bias.pretraining import positive_proportion_difference
from vigil.core.bias.result import MetricValue, Undefined

__all__ = [
    "accuracy_difference",
    "conditional_demographic_disparity_in_predicted_labels",
    "difference_in_acceptance_rates",
    "difference_in_conditional_acceptance",
    "difference_in_conditional_rejection",
    "difference_in_positive_proportions_in_predicted_labels",
    "difference_in_rejection_rates",
    "disparate_impact",
    "generalized_entropy",
    "recall_difference",
    "specificity_difference",
    "treatment_equality",
]

_FACET_EMPTY = "Facet set is empty"
_NEGATED_EMPTY = "Negated Facet set is empty"


def _confusion(data: BiasData, metric: str) -> NDArray[np.int64]:
    require_labels(data.counts, metric)
    require_predictions(data.counts, metric)
    return data.counts.confusion()


def _empty_group(confusion: NDArray[np.int64], prefix: str = "") -> Undefined | None:
    """Clarify checks facet *d* first, then *a*."""
    if int(confusion[1].sum()) == 0:
        return Undefined(prefix + _FACET_EMPTY)
    if int(confusion[0].sum()) == 0:
        return Undefined(prefix + _NEGATED_EMPTY)
    return None


def difference_in_positive_proportions_in_predicted_labels(data: BiasData) -> MetricValue:
    """Difference in Positive Proportions in Predicted Labels (DPPL): ``n̂_a⁽¹⁾/n_a − n̂_d⁽¹⁾/n_d``.

    Range [−1, 1]; fair value 0. Needs no ground truth. Undefined when either group is empty.

    References
    ----------
    AWS, "Difference in Positive Proportions in Predicted Labels (DPPL)",
    clarify-post-training-bias-metric-dppl; smclarify ``posttraining.DPPL``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], predicted=[True, False, True, True])
    >>> difference_in_positive_proportions_in_predicted_labels(data)
    0.5
    """
    require_predictions(data.counts, "DPPL")
    return positive_proportion_difference(data.counts.prediction_counts())


def disparate_impact(data: BiasData) -> MetricValue:
    """Disparate Impact (DI): ``q̂_d / q̂_a`` with ``q̂ = n̂⁽¹⁾ / n``.

    Range [0, ∞]; fair value **1** (the "four-fifths rule" flags DI < 0.8). 0 when neither group
    has a positive prediction (Clarify's 0/0 = 0), ``inf`` when only *d* has. Needs no ground
    truth. Undefined when either group is empty.

    References
    ----------
    AWS, "Disparate Impact (DI)", clarify-post-training-bias-metric-di;
    smclarify ``posttraining.DI``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], predicted=[True, False, True, True])
    >>> disparate_impact(data)
    0.5
    """
    require_predictions(data.counts, "DI")
    counts = data.counts.prediction_counts()
    n_a = int(counts[0].sum())
    if n_a == 0:
        return Undefined("Negated facet set is empty")
    q_a = int(counts[0, 1]) / n_a
    n_d = int(counts[1].sum())
    if n_d == 0:
        return Undefined("Facet set is empty")
    q_d = int(counts[1, 1]) / n_d
    return divide(q_d, q_a)


def _conditional_outcomes(data: BiasData, metric: str) -> tuple[float, float] | Undefined:
    """``(DCA, DCR)`` as ``smclarify.bias.metrics.common.DCO``."""
    c = _confusion(data, metric)  # [f, y, p]
    empty = _empty_group(c, "DCO: ")
    if empty is not None:
        return empty
    n0, n0_hat = c[:, 0, :].sum(axis=1), c[:, :, 0].sum(axis=1)
    n1, n1_hat = c[:, 1, :].sum(axis=1), c[:, :, 1].sum(axis=1)
    rr_a, rr_d = divide(int(n0[0]), int(n0_hat[0])), divide(int(n0[1]), int(n0_hat[1]))
    c_a, c_d = divide(int(n1[0]), int(n1_hat[0])), divide(int(n1[1]), int(n1_hat[1]))
    dca: float = c_a - c_d
    dcr: float = rr_d - rr_a
    if c_a == c_d == math.inf:
        dca = 0
    if rr_a == rr_d == math.inf:
        dcr = 0
    return dca, dcr


def difference_in_conditional_acceptance(data: BiasData) -> MetricValue:
    """Difference in Conditional Acceptance (DCA): ``c_a − c_d`` with ``c = n⁽¹⁾ / n̂⁽¹⁾``.

    Observed positives per predicted positive: above 1 the model accepts fewer than deserved.
    Range (−∞, ∞); fair value 0. ``±inf`` when one group has no predicted positive; the int 0
    when neither has. Undefined when either group is empty.

    References
    ----------
    AWS, "Difference in Conditional Acceptance (DCA)", clarify-post-training-bias-metric-dca;
    smclarify ``common.DCO``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, True, True, False],
    ...                             predicted=[True, False, True, True])
    >>> difference_in_conditional_acceptance(data)
    -1.5
    """
    outcomes = _conditional_outcomes(data, "DCA")
    return outcomes if isinstance(outcomes, Undefined) else outcomes[0]


def difference_in_conditional_rejection(data: BiasData) -> MetricValue:
    """Difference in Conditional Rejection (DCR): ``r_d − r_a`` with ``r = n⁽⁰⁾ / n̂⁽⁰⁾``.

    Range (−∞, ∞); fair value 0. ``±inf`` when one group has no predicted negative; the int 0
    when neither has. Undefined when either group is empty.

    References
    ----------
    AWS, "Difference in Conditional Rejection (DCR)", clarify-post-training-bias-metric-dcr;
    smclarify ``common.DCO``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, False, True, False],
    ...                             predicted=[True, False, True, True])
    >>> difference_in_conditional_rejection(data)  # facet a has no predicted negative
    -inf
    """
    outcomes = _conditional_outcomes(data, "DCR")
    return outcomes if isinstance(outcomes, Undefined) else outcomes[1]


def _label_rates(data: BiasData, metric: str) -> tuple[float, float] | Undefined:
    """``(DAR, DRR)`` as ``smclarify.bias.metrics.common.DLR``."""
    c = _confusion(data, metric)
    empty = _empty_group(c, "DLR: ")
    if empty is not None:
        return empty
    tp, tn = c[:, 1, 1], c[:, 0, 0]
    n1_hat, n0_hat = c[:, :, 1].sum(axis=1), c[:, :, 0].sum(axis=1)
    ar_a, ar_d = divide(int(tp[0]), int(n1_hat[0])), divide(int(tp[1]), int(n1_hat[1]))
    rr_a, rr_d = divide(int(tn[0]), int(n0_hat[0])), divide(int(tn[1]), int(n0_hat[1]))
    return ar_a - ar_d, rr_d - rr_a


def difference_in_acceptance_rates(data: BiasData) -> MetricValue:
    """Difference in Acceptance Rates (DAR): ``TP_a/n̂_a⁽¹⁾ − TP_d/n̂_d⁽¹⁾`` (a precision difference).

    Range [−1, 1]; fair value 0. A group without predicted positives has rate 0 (0/0 = 0).
    Undefined when either group is empty.

    References
    ----------
    AWS, "Difference in Acceptance Rates (DAR)", clarify-post-training-bias-metric-dar;
    smclarify ``common.DLR``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, False, True, False],
    ...                             predicted=[True, True, True, False])
    >>> difference_in_acceptance_rates(data)
    0.5
    """
    rates = _label_rates(data, "DAR")
    return rates if isinstance(rates, Undefined) else rates[0]


def difference_in_rejection_rates(data: BiasData) -> MetricValue:
    """Difference in Rejection Rates (DRR): ``TN_d/n̂_d⁽⁰⁾ − TN_a/n̂_a⁽⁰⁾``.

    Range [−1, 1]; fair value 0. A group without predicted negatives has rate 0 (0/0 = 0).
    Undefined when either group is empty.

    References
    ----------
    AWS, "Difference in Rejection Rates (DRR)", clarify-post-training-bias-metric-drr;
    smclarify ``common.DLR``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, False, True, False],
    ...                             predicted=[False, False, True, False])
    >>> difference_in_rejection_rates(data)
    -0.5
    """
    rates = _label_rates(data, "DRR")
    return rates if isinstance(rates, Undefined) else rates[1]


def _recall_specificity(data: BiasData, metric: str) -> tuple[float, float] | Undefined:
    """``(RD, SD)`` as ``smclarify.bias.metrics.common.DLA``."""
    c = _confusion(data, metric)
    empty = _empty_group(c, "DLA: ")
    if empty is not None:
        return empty
    tp, fn, tn, fp = c[:, 1, 1], c[:, 1, 0], c[:, 0, 0], c[:, 0, 1]
    rec_a = divide(int(tp[0]), int(tp[0] + fn[0]))
    rec_d = divide(int(tp[1]), int(tp[1] + fn[1]))
    sp_a = divide(int(tn[0]), int(tn[0] + fp[0]))
    sp_d = divide(int(tn[1]), int(tn[1] + fp[1]))
    return rec_a - rec_d, sp_d - sp_a


def recall_difference(data: BiasData) -> MetricValue:
    """Recall Difference (RD): ``TP_a/(TP_a + FN_a) − TP_d/(TP_d + FN_d)``.

    Range [−1, 1]; fair value 0. A group without positive labels has recall 0 (0/0 = 0).
    Undefined when either group is empty.

    References
    ----------
    AWS, "Recall Difference (RD)", clarify-post-training-bias-metric-rd; smclarify ``common.DLA``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, True, True, True],
    ...                             predicted=[True, False, True, True])
    >>> recall_difference(data)
    0.5
    """
    values = _recall_specificity(data, "RD")
    return values if isinstance(values, Undefined) else values[0]


def specificity_difference(data: BiasData) -> MetricValue:
    """Specificity Difference (SD): ``TN_d/(TN_d + FP_d) − TN_a/(TN_a + FP_a)``.

    Range [−1, 1]; fair value 0. Not on the AWS list of post-training metrics, but computed by
    Clarify's report ("all") and written to analysis.json. Undefined when either group is empty.

    References
    ----------
    smclarify ``posttraining.SD``, ``common.DLA``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[False] * 4,
    ...                             predicted=[True, False, False, False])
    >>> specificity_difference(data)
    -0.5
    """
    values = _recall_specificity(data, "SD")
    return values if isinstance(values, Undefined) else values[1]


def accuracy_difference(data: BiasData) -> MetricValue:
    """Accuracy Difference (AD): ``ACC_a − ACC_d`` with ``ACC = (TP + TN) / n``.

    Range [−1, 1]; fair value 0. Undefined when either group is empty.

    References
    ----------
    AWS, "Accuracy Difference (AD)", clarify-post-training-bias-metric-ad;
    smclarify ``posttraining.AD``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, True, True, True],
    ...                             predicted=[True, False, True, True])
    >>> accuracy_difference(data)
    0.5
    """
    c = _confusion(data, "AD")
    empty = _empty_group(c)
    if empty is not None:
        return empty
    correct = c[:, 1, 1] + c[:, 0, 0]
    total = c.sum(axis=(1, 2))
    acc_a = divide(int(correct[0]), int(total[0]))
    acc_d = divide(int(correct[1]), int(total[1]))
    return acc_a - acc_d


def treatment_equality(data: BiasData) -> MetricValue:
    """Treatment Equality (TE): ``FN_d/FP_d − FN_a/FP_a``.

    Range (−∞, ∞); fair value 0. A ratio with ``FP = 0`` is ``inf`` (0 if ``FN = 0`` too), and
    two infinite ratios give 0 (perfect predictions give TE = 0). Undefined when either group is
    empty.

    References
    ----------
    AWS, "Treatment Equality (TE)", clarify-post-training-bias-metric-te;
    smclarify ``posttraining.TE``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, True, False, False], label=[True, False, True, False],
    ...                             predicted=[False, True, False, True])
    >>> treatment_equality(data)
    0.0
    """
    c = _confusion(data, "TE")
    empty = _empty_group(c)
    if empty is not None:
        return empty
    fp, fn = c[:, 0, 1], c[:, 1, 0]
    tau_a = divide(int(fn[0]), int(fp[0]))
    tau_d = divide(int(fn[1]), int(fp[1]))
    if tau_a == tau_d == math.inf:
        return 0.0
    return tau_d - tau_a


def conditional_demographic_disparity_in_predicted_labels(data: BiasData) -> MetricValue:
    """Conditional Demographic Disparity in Predicted Labels (CDDPL).

    CDDL's formula (:func:`~vigil.core.bias.pretraining.conditional_demographic_disparity_in_labels`)
    on predicted labels: ``Σ_g n_g · DD_g / Σ_g n_g`` with ``DD_g`` facet *d*'s share of the
    predicted rejections minus its share of the predicted acceptances in group ``g``.

    Range [−1, 1]; fair value 0. Undefined without a group variable ("Group variable is empty or
    not provided"), or without any positive or any negative prediction.

    References
    ----------
    AWS, "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
    clarify-post-training-bias-metric-cddpl; smclarify ``common.CDD``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, False, True, False], predicted=[False, True, True, False],
    ...                             group=["x", "x", "y", "y"])
    >>> conditional_demographic_disparity_in_predicted_labels(data)
    0.0
    """
    require_predictions(data.counts, "CDDPL")
    return conditional_demographic_disparity(data.counts, outcome="predicted")


GE_ALPHA = 2
"""The generalized entropy index's parameter α, fixed by Clarify."""


def generalized_entropy(data: BiasData) -> MetricValue:
    """Generalized Entropy (GE) with α = 2, over every row (facet-independent).

    With benefits ``b_i = ŷ_i − y_i + 1`` (0 for a false negative, 1 for a correct prediction,
    2 for a false positive) and their mean ``μ``::

        GE = Σ_i [(b_i / μ)² − 1] / (N · α · (α − 1)) = ½ Var(b) / μ²

    computed from the overall confusion counts. Fair value 0 (every prediction correct, or every
    one a false positive). The AWS page gives the range [0, 0.5], but GE is unbounded above when
    most predictions are false negatives: one false positive among N − 1 false negatives gives
    (N − 1)/2. Undefined on no rows, or when every prediction is a false negative (μ = 0).

    References
    ----------
    AWS, "Generalized Entropy (GE)", clarify-post-training-bias-metric-ge; Speicher et al.,
    "A Unified Approach to Quantifying Algorithmic Unfairness", KDD 2018;
    smclarify ``common.GE``.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, False, False, False], label=[True, True, False, False],
    ...                             predicted=[True, False, True, False])
    >>> generalized_entropy(data)  # b = 1, 0, 2, 1: mean 1, variance 0.5
    0.25
    """
    c = _confusion(data, "GE").sum(axis=0)  # [y, p]
    n = int(c.sum())
    if n == 0:
        return Undefined("dataset must be non-empty")
    false_negatives, false_positives = int(c[1, 0]), int(c[0, 1])
    correct = n - false_negatives - false_positives
    mean = (correct + 2 * false_positives) / n
    if mean == 0:
        return Undefined(
            "All predicted labels are false negatives. There should be at least one prediction "
            "that is not false negative."
        )
    terms = [
        count * ((benefit / mean) ** GE_ALPHA - 1)
        for count, benefit in ((false_negatives, 0), (correct, 1), (false_positives, 2))
    ]
    return math.fsum(terms) / (n * GE_ALPHA * (GE_ALPHA - 1))
