"""Every drift distance Vigil knows, by name: a literal, read-only mapping.

The mapping is written out here rather than filled by decorators at import time (style rule 4),
so this file is the one place to read the list. Each :class:`DistanceSpec` lives next to its
function in its own module.

========================  ======================  ==========  =========================
name                      kinds                   range       default threshold
========================  ======================  ==========  =========================
``linf_simple``           numeric, categorical    [0, 1]      0.1 (SageMaker default)
``linf_robust``           numeric, categorical    [0, 1]      0.1 (SageMaker default)
``chisquare``             categorical             p in [0,1]  alpha 0.05; drifted if p < it
``psi``                   numeric, categorical    [0, inf)    0.2
``jensen_shannon``        numeric, categorical    [0, 1]      0.1
``wasserstein``           numeric                 [0, inf)    0.1 baseline std
``hellinger``             numeric, categorical    [0, 1]      0.1
``ks``                    numeric                 [0, 1]      alpha 0.05 -> critical value
========================  ======================  ==========  =========================
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from vigil.core.drift.chisquare import CHISQUARE_SPEC
from vigil.core.drift.hellinger import HELLINGER_SPEC
from vigil.core.drift.jensen_shannon import JENSEN_SHANNON_SPEC
from vigil.core.drift.ks import KS_SPEC
from vigil.core.drift.linf import LINF_ROBUST_SPEC, LINF_SIMPLE_SPEC
from vigil.core.drift.psi import PSI_SPEC
from vigil.core.drift.result import DistanceSpec
from vigil.core.drift.wasserstein import WASSERSTEIN_SPEC
from vigil.errors import InvalidParameterError

__all__ = ["DISTANCES", "DistanceName", "DistanceSpec", "get_distance"]

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

DISTANCES: Mapping[str, DistanceSpec] = MappingProxyType(
    {
        "linf_simple": LINF_SIMPLE_SPEC,
        "linf_robust": LINF_ROBUST_SPEC,
        "chisquare": CHISQUARE_SPEC,
        "psi": PSI_SPEC,
        "jensen_shannon": JENSEN_SHANNON_SPEC,
        "wasserstein": WASSERSTEIN_SPEC,
        "hellinger": HELLINGER_SPEC,
        "ks": KS_SPEC,
    }
)
"""Registered name → :class:`DistanceSpec`, read-only."""


def get_distance(name: str) -> DistanceSpec:
    """Look up a distance by its registered name.

    Parameters
    ----------
    name : str
        One of the keys of :data:`DISTANCES` (case-sensitive).

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
