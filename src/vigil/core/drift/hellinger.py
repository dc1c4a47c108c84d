"""Hellinger distance over common bins (numeric) or categories.

For proportions ``p`` (baseline) and ``q`` (current) over common cells::

    H(p, q) = sqrt( sum_i (sqrt(p_i) - sqrt(q_i))**2 / 2 ) = sqrt(1 - sum_i sqrt(p_i * q_i))

``H`` is a metric in [0, 1]: 0 for identical proportions, 1 for disjoint supports. The first form
is used because it is exactly 0 for identical inputs (the second loses digits to cancellation).
Numeric features are binned on the baseline's quantiles (deciles by default, see
:mod:`vigil.core.drift._binning`); with these baseline-derived bins swapping the sides can change
the value slightly.

Default threshold 0.1, as Evidently's ``hellinger`` stat test.

Noise floor: with no drift ``8 H² ≈ (1/n + 1/m) chi2(k - 1)`` for ``k`` cells (second-order
expansion), so the result reports ``sqrt((1/n + 1/m) * chi2.ppf(0.95, k - 1) / 8)``.

References
----------
E. Hellinger (1909), "Neue Begründung der Theorie quadratischer Formen von unendlichvielen
Veränderlichen", J. Reine Angew. Math. 136. L. Le Cam, G. L. Yang, *Asymptotics in Statistics*,
2nd ed., Springer 2000, §2.3 (the 1/2 normalisation that bounds H by 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from vigil.core.drift._binning import Cells
from vigil.core.drift._common import BOTH_KINDS, CATEGORICAL_ONLY, chi2_noise_floor, proportions
from vigil.core.drift.distance import Distance, Measurement

__all__ = ["HELLINGER_DEFAULT_THRESHOLD", "Hellinger", "hellinger_from_masses"]

HELLINGER_DEFAULT_THRESHOLD = 0.1
"""Default drift threshold (Evidently's default for its ``hellinger`` test)."""


def hellinger_from_masses(p: ArrayLike, q: ArrayLike) -> float:
    """Hellinger distance between two mass vectors over the same cells.

    Parameters
    ----------
    p, q : array-like of shape (k,)
        Baseline and current masses (counts or proportions), >= 0; each is divided by its sum.

    Returns
    -------
    float
        ``H`` in [0, 1]: 0 for identical proportions, 1 for disjoint supports. NaN when a
        vector sums to 0.

    Raises
    ------
    InvalidParameterError
        When the two vectors differ in shape or are not 1-D.

    Examples
    --------
    >>> hellinger_from_masses([1, 0], [0, 3])
    1.0
    >>> round(hellinger_from_masses([1, 1], [1, 3]), 6)
    0.184592
    """
    pair = proportions(p, q, caller="hellinger_from_masses")
    if pair is None:
        return math.nan
    diff = np.sqrt(pair[0]) - np.sqrt(pair[1])
    return min(1.0, math.sqrt(float(np.sum(diff * diff)) / 2.0))


@dataclass(frozen=True)
class Hellinger(Distance):
    """The Hellinger drift distance (``hellinger``): see the module docstring.

    Examples
    --------
    >>> from vigil.core.distribution import CategoricalCounts
    >>> r = Hellinger().compute(CategoricalCounts({"a": 50, "b": 50}), CategoricalCounts({"a": 50}))
    >>> round(r.distance, 4), r.drifted
    (0.5412, True)
    """

    name = "hellinger"
    kinds = BOTH_KINDS
    default_threshold = HELLINGER_DEFAULT_THRESHOLD
    range = (0.0, 1.0)
    description = "Hellinger distance over baseline deciles or categories."
    symmetric_kinds = CATEGORICAL_ONLY

    def measure(self, cells: Cells) -> Measurement:
        """:func:`hellinger_from_masses` of the masses; see :meth:`Distance.measure`."""
        return Measurement(hellinger_from_masses(cells.baseline, cells.current))

    def noise_floor(self, cells: Cells, alpha: float | None = None) -> float:
        """``sqrt(chi2 floor / 8)``, at most 1; see :meth:`Distance.noise_floor`."""
        floor = chi2_noise_floor(cells.size, cells.n_baseline, cells.n_current, alpha=alpha)
        return min(1.0, math.sqrt(floor / 8.0))
