"""Distribution distances for the data-quality drift check (pure; no I/O).

Every distance compares a baseline with a current distribution of one kind: two
:class:`~vigil.core.distribution.WeightedSample` (numeric) or two
:class:`~vigil.core.distribution.CategoricalCounts` (categorical). One distance per module, each
a :class:`Distance` holding its formula, default threshold and accepted kinds; the drift check
they share (validation, binning, the undefined policy, thresholding) is
:meth:`Distance.compute`, and :mod:`.registry` lists them.

Direction rule: ``DriftResult.distance`` is >= 0 and 0 means identical; tests also report a
``pvalue`` (``chisquare`` is drifted when its p-value falls below the threshold). Undefined
distances (an empty side) are NaN and never drifted; see :mod:`.result`.

>>> from vigil.core.distribution import WeightedSample
>>> spec = get_distance("linf_robust")
>>> a = WeightedSample.from_values(range(1000))
>>> spec.compute(a, a).drifted
False
"""

from __future__ import annotations

from vigil.core.drift._binning import Binning, Cells
from vigil.core.drift._common import Distribution, DistributionKind
from vigil.core.drift.distance import Decision, Distance, Measurement
from vigil.core.drift.registry import DISTANCES, DistanceName, get_distance
from vigil.core.drift.result import DecidedBy, DriftResult

__all__ = [
    "DISTANCES",
    "Binning",
    "Cells",
    "DecidedBy",
    "Decision",
    "Distance",
    "DistanceName",
    "Distribution",
    "DistributionKind",
    "DriftResult",
    "Measurement",
    "get_distance",
]
