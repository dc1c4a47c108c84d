"""Every drift distance Vigil knows, by name: a literal, read-only mapping.

The mapping is written out here rather than filled by decorators at import time (style rule 4),
so this file is the one place to read the list. Each :class:`~vigil.core.drift.distance.Distance`
lives in its own module with its formula; the drift check they share is
:meth:`Distance.compute <vigil.core.drift.distance.Distance.compute>`.

========================  ======================  ==========  =========================
name                      kinds                   range       default threshold
========================  ======================  ==========  =========================
``linf_simple``           numeric, categorical    [0, 1]      0.1 (SageMaker default)
``linf_robust``           numeric, categorical    [0, 1]      0.1 (SageMaker default)
``chisquare``             categorical             [0, inf)    alpha 0.05; drifted if p < it
``psi``                   numeric, categorical    [0, inf)    0.2
``jensen_shannon``        numeric, categorical    [0, 1]      0.1
``wasserstein``           numeric                 [0, inf)    0.1 baseline std
``hellinger``             numeric, categorical    [0, 1]      0.1
``ks``                    numeric                 [0, 1]      alpha 0.05 -> critical value
========================  ======================  ==========  =========================

The range is that of ``DriftResult.distance`` (for ``chisquare``, Pearson's statistic; its
``pvalue`` is what the threshold is compared with).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from vigil.core.drift.chisquare import ChiSquare
from vigil.core.drift.distance import Distance
from vigil.core.drift.hellinger import Hellinger
from vigil.core.drift.jensen_shannon import JensenShannon
from vigil.core.drift.ks import KolmogorovSmirnov
from vigil.core.drift.linf import LInfRobust, LInfSimple
from vigil.core.drift.psi import PopulationStabilityIndex
from vigil.core.drift.wasserstein import Wasserstein
from vigil.errors import InvalidParameterError

__all__ = ["DISTANCES", "DistanceName", "get_distance"]

DistanceName = Literal[
    "linf_simple",
    "linf_robust",
    "chisquare",
    "psi",
    "jensen_shannon",
    "wasserstein",
    "hellinger",
    "ks",
]
"""Names of the registered distances."""

DISTANCES: Mapping[str, Distance] = MappingProxyType(
    {
        "linf_simple": LInfSimple(),
        "linf_robust": LInfRobust(),
        "chisquare": ChiSquare(),
        "psi": PopulationStabilityIndex(),
        "jensen_shannon": JensenShannon(),
        "wasserstein": Wasserstein(),
        "hellinger": Hellinger(),
        "ks": KolmogorovSmirnov(),
    }
)
"""Registered name → :class:`~vigil.core.drift.distance.Distance` with default options, read-only."""


def get_distance(name: str) -> Distance:
    """Look up a distance by its registered name.

    Parameters
    ----------
    name : str
        One of the keys of :data:`DISTANCES` (case-sensitive).

    Returns
    -------
    Distance
        The registered distance, with its default options.

    Raises
    ------
    InvalidParameterError
        If ``name`` is not registered; the message lists the valid names.

    Examples
    --------
    >>> get_distance("psi").default_threshold
    0.2
    >>> get_distance("nope")
    Traceback (most recent call last):
    ...
    vigil.errors.InvalidParameterError: field 'name': name of get_distance must be one of ...
    """
    spec = DISTANCES.get(name) if isinstance(name, str) else None
    if spec is None:
        raise InvalidParameterError(
            f"name of get_distance must be one of {', '.join(sorted(DISTANCES))}. "
            f"Got {name!r} instead.",
            field="name",
        )
    return spec
