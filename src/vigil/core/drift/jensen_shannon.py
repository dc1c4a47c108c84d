"""Jensen–Shannon distance over common bins (numeric) or categories.

For proportions ``p`` (baseline) and ``q`` (current) over common cells and ``M = (p + q) / 2``::

    JSD(p, q) = (KL(p || M) + KL(q || M)) / 2          (base-2 logarithms, in bits)
    JS distance = sqrt(JSD)

The JS distance is a metric, symmetric in ``p`` and ``q``, lies in [0, 1] with base 2, is 0 for
identical proportions and 1 for disjoint supports. Unlike PSI it needs no epsilon: ``M`` is
positive wherever ``p`` or ``q`` is. It equals ``scipy.spatial.distance.jensenshannon(p, q,
base=2)``. Numeric features are binned on the baseline's quantiles (deciles by default, see
:mod:`vigil.core.drift._binning`), so for numeric input swapping baseline and current changes the
bins and hence, slightly, the value.

Default threshold 0.1, as Evidently's ``jensenshannon`` stat test: a distance of 0.1 is a JSD of
0.01 bits, a small but visible change in a 10-bin histogram.

Noise floor: with no drift ``8 ln(2) JSD ≈ (1/n + 1/m) chi2(k - 1)`` for ``k`` cells (second-order
expansion of the divergence), so the result reports
``sqrt((1/n + 1/m) * chi2.ppf(0.95, k - 1) / (8 ln 2))``.

References
----------
J. Lin (1991), "Divergence measures based on the Shannon entropy", IEEE Trans. Inf. Theory 37(1).
D. M. Endres, J. E. Schindelin (2003), "A new metric for probability distributions", IEEE Trans.
Inf. Theory 49(7).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from vigil.core.drift._binning import Cells
from vigil.core.drift._common import BOTH_KINDS, CATEGORICAL_ONLY, chi2_noise_floor, proportions
from vigil.core.drift.distance import Distance, Measurement

__all__ = ["JENSEN_SHANNON_DEFAULT_THRESHOLD", "JensenShannon", "js_distance_from_masses"]

JENSEN_SHANNON_DEFAULT_THRESHOLD = 0.1
"""Default drift threshold (Evidently's default for its ``jensenshannon`` test)."""


def js_distance_from_masses(p: ArrayLike, q: ArrayLike) -> float:
    """Base-2 Jensen–Shannon distance between two mass vectors over the same cells.

    Parameters
    ----------
    p, q : array-like of shape (k,)
        Non-negative masses (normalised here).

    Returns
    -------
    float
        ``sqrt(JSD)`` with base-2 logarithms, in [0, 1]; 0 means identical proportions and 1
        disjoint supports. NaN if either vector sums to 0.

    Raises
    ------
    InvalidParameterError
        If ``p`` and ``q`` are not 1-D arrays of the same length.

    Examples
    --------
    >>> js_distance_from_masses([1, 0], [0, 1])
    1.0
    >>> js_distance_from_masses([3, 1], [6, 2])
    0.0
    """
    pair = proportions(p, q, caller="js_distance_from_masses")
    if pair is None:
        return math.nan
    a, b = pair
    mid = (a + b) / 2.0
    divergence = float(np.sum(special.rel_entr(a, mid) + special.rel_entr(b, mid))) / 2.0
    return min(1.0, math.sqrt(max(0.0, divergence / math.log(2.0))))


@dataclass(frozen=True)
class JensenShannon(Distance):
    """The Jensen–Shannon drift distance (``jensen_shannon``): see the module docstring.

    Examples
    --------
    >>> from vigil.core.distribution import CategoricalCounts
    >>> r = JensenShannon().compute(CategoricalCounts({"a": 1, "b": 1}), CategoricalCounts({"c": 5}))
    >>> r.distance, r.drifted
    (1.0, True)
    """

    name = "jensen_shannon"
    kinds = BOTH_KINDS
    default_threshold = JENSEN_SHANNON_DEFAULT_THRESHOLD
    range = (0.0, 1.0)
    description = (
        "Jensen-Shannon distance (sqrt of base-2 JS divergence) over deciles or categories."
    )
    symmetric_kinds = CATEGORICAL_ONLY

    def measure(self, cells: Cells) -> Measurement:
        """:func:`js_distance_from_masses` of the masses; see :meth:`Distance.measure`."""
        return Measurement(js_distance_from_masses(cells.baseline, cells.current))

    def noise_floor(self, cells: Cells, alpha: float | None = None) -> float:
        """``sqrt(chi2 floor / (8 ln 2))``, at most 1; see :meth:`Distance.noise_floor`."""
        floor = chi2_noise_floor(cells.size, cells.n_baseline, cells.n_current, alpha=alpha)
        return min(1.0, math.sqrt(floor / (8.0 * math.log(2.0))))
