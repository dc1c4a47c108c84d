"""Conditional demographic disparity, shared by CDDL (labels) and CDDPL (predicted labels)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from vigil.core.bias.counts import BiasCounts, divide
from vigil.core.bias.result import MetricValue, Undefined

__all__ = ["NO_GROUP_VARIABLE", "conditional_demographic_disparity"]

NO_GROUP_VARIABLE = "Group variable is empty or not provided"
"""Clarify's error text for CDDL/CDDPL without a group variable."""


def conditional_demographic_disparity(
    counts: BiasCounts, *, outcome: Literal["label", "predicted"]
) -> MetricValue:
    """``CDD = Σ_g n_g · (D_g − A_g) / Σ_g n_g`` over the group variable's values ``g``.

    ``A_g`` = #(positive ∧ d ∧ g) / #(positive ∧ g) and ``D_g`` = #(negative ∧ d ∧ g) /
    #(negative ∧ g), 0 where the denominator is 0; ``n_g`` counts every row in ``g``. Rows without
    a group value count in neither sum (as ``smclarify.bias.metrics.common.CDD``, whose
    ``group == value`` never matches them) but do count for the overall checks. The per-group
    terms are summed in sorted group order with ``numpy.sum``, as Clarify does, so the results
    agree to the last bit.
    """
    if counts.groups is None or counts.n_rows == 0:
        return Undefined(NO_GROUP_VARIABLE)
    axis = 3 if outcome == "label" else 2
    table = counts.table.sum(axis=axis)  # [g, f, outcome]
    if int(table[..., 1].sum()) == 0:
        return Undefined("No positive labels in set")
    if int(table[..., 0].sum()) == 0:
        return Undefined("No negative labels in set")
    groups = table[:-1]
    n_g = groups.sum(axis=(1, 2)).astype(np.float64)
    accepted = _share_of_d(groups[:, 1, 1], groups[:, :, 1].sum(axis=1))
    rejected = _share_of_d(groups[:, 1, 0], groups[:, :, 0].sum(axis=1))
    disparity = rejected - accepted
    return divide(float(np.sum(n_g * disparity)), float(np.sum(n_g)))


def _share_of_d(in_d: np.ndarray, total: np.ndarray) -> np.ndarray:
    safe = np.where(total != 0, total, 1)
    share: np.ndarray = np.where(total != 0, in_d / safe, 0.0)
    return share
