"""Distribution distances for the data-quality drift check (pure; no I/O).

Every distance compares a baseline with a current distribution of one kind: two
:class:`~vigil.core.distribution.WeightedSample` (numeric) or two
:class:`~vigil.core.distribution.CategoricalCounts` (categorical). One distance per module, each
with its function, default threshold and :class:`DistanceSpec`; :mod:`.registry` lists them.

Direction rule: the bigger ``DriftResult.distance``, the more different, and 0 means identical;
``chisquare`` alone reports a p-value (1 identical, drifted when below the threshold). Undefined
distances (an empty side) are NaN and never drifted; see :mod:`.result`.

>>> from vigil.core.distribution import WeightedSample
>>> spec = get_distance("linf_robust")
>>> a = WeightedSample.from_values(range(1000))
>>> spec.compute(a, a).drifted
False
"""

from __future__ import annotations

from vigil.core.drift.registry import DISTANCES, DistanceName, get_distance
from vigil.core.drift.result import (
    DistanceSpec,
    Distribution,
    DistributionKind,
    DriftFunction,
    DriftResult,
)

__all__ = [
    "DISTANCES",
    "DistanceName",
    "DistanceSpec",
    "Distribution",
    "DistributionKind",
    "DriftFunction",
    "DriftResult",
    "get_distance",
]
