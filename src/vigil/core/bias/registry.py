"""Every Clarify bias metric Vigil computes, by Clarify's short name: a literal, read-only mapping.

The mapping is written out here rather than filled by decorators at import time (style rule 4),
so this file is the one place to read the list. Descriptions are Clarify's, character for
character (the first line of each smclarify docstring, which Clarify writes to analysis.json).

=======  ==============  ===========  ==========  =====  ===================================
name     stage           range        fair value  swap   inputs besides the facet
=======  ==============  ===========  ==========  =====  ===================================
CI       pre_training    [−1, 1]      0           −      —
DPL      pre_training    [−1, 1]      0           −      labels
KL       pre_training    [0, ∞]       0                  labels
JS       pre_training    [0, ln 2]    0           =      labels
LP       pre_training    [0, √2]      0           =      labels
TVD      pre_training    [0, 1]       0           =      labels
KS       pre_training    [0, 1]       0           =      labels
CDDL     pre_training    [−1, 1]      0                  labels, group variable
AD       post_training   [−1, 1]      0           −      labels, predictions
CDDPL    post_training   [−1, 1]      0                  predictions, group variable
DAR      post_training   [−1, 1]      0           −      labels, predictions
DCA      post_training   [−∞, ∞]      0           −      labels, predictions
DCR      post_training   [−∞, ∞]      0           −      labels, predictions
DI       post_training   [0, ∞]       **1**       1/x    predictions
DPPL     post_training   [−1, 1]      0           −      predictions
DRR      post_training   [−1, 1]      0           −      labels, predictions
FT       post_training   [−1, 1]      0                  predictions, features
GE       post_training   [0, ∞]       0           =      labels, predictions
RD       post_training   [−1, 1]      0           −      labels, predictions
SD       post_training   [−1, 1]      0           −      labels, predictions
TE       post_training   [−∞, ∞]      0           −      labels, predictions
=======  ==============  ===========  ==========  =====  ===================================

"swap" is what exchanging facet *d* and its complement does: − negates, = keeps, 1/x inverts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Literal

from vigil.core.bias.fliptest import flip_test
from vigil.core.bias.posttraining import (
    accuracy_difference,
    conditional_demographic_disparity_in_predicted_labels,
    difference_in_acceptance_rates,
    difference_in_conditional_acceptance,
    difference_in_conditional_rejection,
    difference_in_positive_proportions_in_predicted_labels,
    difference_in_rejection_rates,
    disparate_impact,
    generalized_entropy,
    recall_difference,
    specificity_difference,
    treatment_equality,
)
from vigil.core.bias.pretraining import (
    class_imbalance,
    conditional_demographic_disparity_in_labels,
    difference_in_proportions_of_labels,
    jensen_shannon_divergence,
    kolmogorov_smirnov_distance,
    kullback_leibler_divergence,
    lp_norm,
    total_variation_distance,
)
from vigil.core.bias.result import MetricSpec, Stage
from vigil.errors import InvalidParameterError

__all__ = [
    "METRICS",
    "POST_TRAINING_METRICS",
    "PRE_TRAINING_METRICS",
    "MetricName",
    "get_metric",
    "metrics_of_stage",
]

MetricName = Literal[
    "CI",
    "DPL",
    "KL",
    "JS",
    "LP",
    "TVD",
    "KS",
    "CDDL",
    "AD",
    "CDDPL",
    "DAR",
    "DCA",
    "DCR",
    "DI",
    "DPPL",
    "DRR",
    "FT",
    "GE",
    "RD",
    "SD",
    "TE",
]
"""Clarify's short names of the registered metrics."""

_INF = math.inf
_UNIT = (-1.0, 1.0)

METRICS: Mapping[str, MetricSpec] = MappingProxyType(
    {
        "CI": MetricSpec(
            "CI", "Class Imbalance (CI)", "pre_training", class_imbalance,
            fair_value=0.0, range=_UNIT, needs_labels=False, needs_predictions=False,
            swap="negate",
        ),
        "DPL": MetricSpec(
            "DPL", "Difference in Positive Proportions in Labels (DPL)", "pre_training",
            difference_in_proportions_of_labels,
            fair_value=0.0, range=_UNIT, needs_labels=True, needs_predictions=False,
            swap="negate",
        ),
        "KL": MetricSpec(
            "KL", "Kullback-Liebler Divergence (KL)", "pre_training",
            kullback_leibler_divergence,
            fair_value=0.0, range=(0.0, _INF), needs_labels=True, needs_predictions=False,
            swap="none",
        ),
        "JS": MetricSpec(
            "JS", "Jensen-Shannon Divergence (JS)", "pre_training", jensen_shannon_divergence,
            fair_value=0.0, range=(0.0, math.log(2)), needs_labels=True, needs_predictions=False,
            swap="same",
        ),
        "LP": MetricSpec(
            "LP", "L-p Norm (LP)", "pre_training", lp_norm,
            fair_value=0.0, range=(0.0, math.sqrt(2)), needs_labels=True,
            needs_predictions=False, swap="same",
        ),
        "TVD": MetricSpec(
            "TVD", "Total Variation Distance (TVD)", "pre_training", total_variation_distance,
            fair_value=0.0, range=(0.0, 1.0), needs_labels=True, needs_predictions=False,
            swap="same",
        ),
        "KS": MetricSpec(
            "KS", "Kolmogorov-Smirnov Distance (KS)", "pre_training",
            kolmogorov_smirnov_distance,
            fair_value=0.0, range=(0.0, 1.0), needs_labels=True, needs_predictions=False,
            swap="same",
        ),
        "CDDL": MetricSpec(
            "CDDL", "Conditional Demographic Disparity in Labels (CDDL)", "pre_training",
            conditional_demographic_disparity_in_labels,
            fair_value=0.0, range=_UNIT, needs_labels=True, needs_predictions=False,
            swap="none", needs_group_variable=True,
        ),
        "AD": MetricSpec(
            "AD", "Accuracy Difference (AD)", "post_training", accuracy_difference,
            fair_value=0.0, range=_UNIT, needs_labels=True, needs_predictions=True,
            swap="negate",
        ),
        "CDDPL": MetricSpec(
            "CDDPL", "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
            "post_training", conditional_demographic_disparity_in_predicted_labels,
            fair_value=0.0, range=_UNIT, needs_labels=False, needs_predictions=True,
            swap="none", needs_group_variable=True,
        ),
        "DAR": MetricSpec(
            "DAR", "Difference in Acceptance Rates (DAR)", "post_training",
            difference_in_acceptance_rates,
            fair_value=0.0, range=_UNIT, needs_labels=True, needs_predictions=True,
            swap="negate",
        ),
        "DCA": MetricSpec(
            "DCA", "Difference in Conditional Acceptance (DCA)", "post_training",
            difference_in_conditional_acceptance,
            fair_value=0.0, range=(-_INF, _INF), needs_labels=True, needs_predictions=True,
            swap="negate",
        ),
        "DCR": MetricSpec(
            "DCR", "Difference in Conditional Rejection (DCR)", "post_training",
            difference_in_conditional_rejection,
            fair_value=0.0, range=(-_INF, _INF), needs_labels=True, needs_predictions=True,
            swap="negate",
        ),
        "DI": MetricSpec(
            "DI", "Disparate Impact (DI)", "post_training", disparate_impact,
            fair_value=1.0, range=(0.0, _INF), needs_labels=False, needs_predictions=True,
            swap="reciprocal",
        ),
        "DPPL": MetricSpec(
            "DPPL", "Difference in Positive Proportions in Predicted Labels (DPPL)",
            "post_training", difference_in_positive_proportions_in_predicted_labels,
            fair_value=0.0, range=_UNIT, needs_labels=False, needs_predictions=True,
            swap="negate",
        ),
        "DRR": MetricSpec(
            "DRR", "Difference in Rejection Rates (DRR)", "post_training",
            difference_in_rejection_rates,
            fair_value=0.0, range=_UNIT, needs_labels=True, needs_predictions=True,
            swap="negate",
        ),
        "FT": MetricSpec(
            "FT", "Flip Test (FT)", "post_training", flip_test,
            fair_value=0.0, range=_UNIT, needs_labels=False, needs_predictions=True,
            swap="none", needs_features=True,
        ),
        "GE": MetricSpec(
            "GE", "Generalized Entropy (GE)", "post_training", generalized_entropy,
            fair_value=0.0, range=(0.0, _INF), needs_labels=True, needs_predictions=True,
            swap="same",
        ),
        "RD": MetricSpec(
            "RD", "Recall Difference (RD)", "post_training", recall_difference,
            fair_value=0.0, range=_UNIT, needs_labels=True, needs_predictions=True,
            swap="negate",
        ),
        "SD": MetricSpec(
            "SD", "Specificity Difference (SD)", "post_training", specificity_difference,
            fair_value=0.0, range=_UNIT, needs_labels=True, needs_predictions=True,
            swap="negate",
        ),
        "TE": MetricSpec(
            "TE", "Treatment Equality (TE)", "post_training", treatment_equality,
            fair_value=0.0, range=(-_INF, _INF), needs_labels=True, needs_predictions=True,
            swap="negate",
        ),
    }
)  # fmt: skip
"""Clarify short name → :class:`MetricSpec`, read-only."""

PRE_TRAINING_METRICS: tuple[str, ...] = tuple(
    sorted(name for name, spec in METRICS.items() if spec.stage == "pre_training")
)
"""Pre-training metrics in Clarify's output order (sorted by name)."""

POST_TRAINING_METRICS: tuple[str, ...] = tuple(
    sorted(name for name, spec in METRICS.items() if spec.stage == "post_training")
)
"""Post-training metrics in Clarify's output order (sorted by name)."""


def get_metric(name: str) -> MetricSpec:
    """Look up a metric by Clarify's short name.

    Parameters
    ----------
    name : str
        A key of :data:`METRICS` (case-sensitive, as in Clarify's ``methods`` lists).

    Raises
    ------
    InvalidParameterError
        If ``name`` is not registered; the message lists the valid names.

    Examples
    --------
    >>> get_metric("DI").fair_value
    1.0
    >>> get_metric("XX")
    Traceback (most recent call last):
    ...
    vigil.errors.InvalidParameterError: field 'name': name of get_metric must be one of ...
    """
    spec = METRICS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise InvalidParameterError(
            f"name of get_metric must be one of {', '.join(sorted(METRICS))}. "
            f"Got {name!r} instead.",
            field="name",
        )
    return spec


def metrics_of_stage(stage: Stage, selection: str | Sequence[str]) -> tuple[str, ...]:
    """Resolve a ``methods`` selection to metric names in Clarify's output order.

    Parameters
    ----------
    stage : {"pre_training", "post_training"}
    selection : "all" or sequence of str
        ``"all"`` or Clarify short names of that stage (Clarify's
        ``methods.pre_training_bias.methods`` / ``post_training_bias.methods``).

    Returns
    -------
    tuple of str
        Sorted by name, duplicates removed, as Clarify's report orders them.

    Raises
    ------
    InvalidParameterError
        If a name is unknown or belongs to the other stage.

    Examples
    --------
    >>> metrics_of_stage("pre_training", ["KL", "CI"])
    ('CI', 'KL')
    >>> len(metrics_of_stage("post_training", "all"))
    13
    """
    stage_names = PRE_TRAINING_METRICS if stage == "pre_training" else POST_TRAINING_METRICS
    if isinstance(selection, str):
        if selection == "all":
            return stage_names
        selection = (selection,)
    unknown = [name for name in selection if name not in stage_names]
    if unknown:
        raise InvalidParameterError(
            f"methods of the {stage} stage must be 'all' or names among "
            f"{', '.join(stage_names)}. Got {', '.join(map(repr, unknown))} instead.",
            field="methods",
        )
    return tuple(sorted(set(selection)))
