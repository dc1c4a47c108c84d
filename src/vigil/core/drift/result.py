"""The common result and description types of the drift distances.

Naming and direction rule for every distance in :mod:`vigil.core.drift`: the bigger the
``distance``, the more different the two distributions, and 0 means identical. The one exception
is ``chisquare``, whose ``distance`` is a p-value: 1 means identical and *small* means different
(:attr:`DistanceSpec.direction` says which rule a distance follows).

Policy for undefined values (style rule 8: undefined metrics follow a policy, not an exception):
when either side holds no weight (an empty window, a column that is all null) or the distance is
otherwise undefined (chi-square with fewer than two categories), the result has
``distance = nan`` and ``drifted = False``. A caller that must tell "no drift" from "no data"
checks ``math.isnan(result.distance)`` or :attr:`DriftResult.is_defined`; the jobs layer reports
it as insufficient data rather than as a violation. Malformed *arguments* (a categorical baseline
against a numeric current, an unknown method, a negative threshold) still raise
:class:`vigil.errors.InvalidParameterError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol

from vigil.core.drift._common import (
    Distribution,
    DistributionKind,
    check_pair,
)

__all__ = [
    "DistanceSpec",
    "Distribution",
    "DistributionKind",
    "DriftFunction",
    "DriftResult",
]


@dataclass(frozen=True)
class DriftResult:
    """Outcome of comparing a current distribution with its baseline.

    Attributes
    ----------
    method : str
        Registered name of the distance (``"linf_robust"``, ``"psi"``, …).
    distance : float
        The value compared with ``threshold``. For every method but ``chisquare`` it is >= 0 and
        0 means identical; for ``chisquare`` it is the p-value (1 means identical). NaN when
        undefined (see the module docstring).
    threshold : float
        The value ``distance`` was compared with. For ``ks`` this is the critical value
        ``c(alpha) * sqrt((n + m) / (n * m))``, not ``alpha`` itself.
    drifted : bool
        ``distance > threshold`` (``distance < threshold`` for ``chisquare``); False when
        ``distance`` is NaN.
    n_baseline, n_current : float
        Total weight (number of values) on each side.
    p_value : float or None, default=None
        A test's p-value where the method offers one (``chisquare``, ``ks``). Reported for
        information: with large samples tiny, irrelevant differences give tiny p-values.
    noise_floor : float or None, default=None
        The distance two samples of these sizes reach by chance alone (upper 95 % or Deequ's
        ``c(alpha)`` quantile under "no drift"), where the method can give one. A distance at or
        below the noise floor is indistinguishable from sampling noise.
    """

    method: str
    distance: float
    threshold: float
    drifted: bool
    n_baseline: float
    n_current: float
    p_value: float | None = None
    noise_floor: float | None = None

    @property
    def is_defined(self) -> bool:
        """False when the distance is NaN (no data on a side, or too few categories)."""
        return not math.isnan(self.distance)

    @classmethod
    def undefined(
        cls,
        method: str,
        *,
        threshold: float,
        n_baseline: float,
        n_current: float,
        has_p_value: bool = False,
    ) -> DriftResult:
        """The result for an undefined distance: NaN distance, never drifted.

        ``p_value`` is NaN for methods that offer one, None otherwise.
        """
        return cls(
            method=method,
            distance=math.nan,
            threshold=threshold,
            drifted=False,
            n_baseline=n_baseline,
            n_current=n_current,
            p_value=math.nan if has_p_value else None,
            noise_floor=None,
        )


class DriftFunction(Protocol):
    """Calling convention shared by every registered distance."""

    def __call__(
        self,
        baseline: Distribution,
        current: Distribution,
        /,
        *,
        threshold: float | None = None,
    ) -> DriftResult:
        """Compare ``current`` with ``baseline``; ``threshold=None`` means the default."""
        ...


@dataclass(frozen=True)
class DistanceSpec:
    """A registered drift distance: what it accepts, its defaults and how to read it.

    Attributes
    ----------
    name : str
        The registered name (the key in :data:`vigil.core.drift.registry.DISTANCES`).
    function : DriftFunction
        ``function(baseline, current, *, threshold=None) -> DriftResult``.
    kinds : frozenset of {"numeric", "categorical"}
        Kinds of distribution the distance accepts.
    default_threshold : float
        Threshold used when none is given. For ``threshold_kind == "significance"`` it is a
        significance level alpha.
    range : tuple of (float, float)
        Closed range of ``DriftResult.distance`` (``inf`` for unbounded).
    description : str
        One line for listings and ``--help``.
    direction : {"distance", "p_value"}, default="distance"
        ``"distance"``: bigger means more different, 0 identical, drifted if above threshold.
        ``"p_value"``: smaller means more different, 1 identical, drifted if below threshold.
    threshold_kind : {"distance", "significance"}, default="distance"
        Whether the ``threshold`` argument is on the distance's own scale or is a significance
        level alpha (``chisquare``, ``ks``).
    symmetric_kinds : frozenset of {"numeric", "categorical"}, default=frozenset()
        Kinds for which swapping baseline and current leaves the distance unchanged.
    scale_invariant : bool, default=True
        Whether multiplying every weight of one side by a constant leaves the distance unchanged
        (True for distances between normalised distributions; False when sample sizes matter).
    """

    name: str
    function: DriftFunction
    kinds: frozenset[DistributionKind]
    default_threshold: float
    range: tuple[float, float]
    description: str
    direction: Literal["distance", "p_value"] = "distance"
    threshold_kind: Literal["distance", "significance"] = "distance"
    symmetric_kinds: frozenset[DistributionKind] = frozenset()
    scale_invariant: bool = True

    def compute(
        self,
        baseline: Distribution,
        current: Distribution,
        threshold: float | None = None,
    ) -> DriftResult:
        """Compare ``current`` with ``baseline`` using this distance.

        Parameters
        ----------
        baseline, current : WeightedSample or CategoricalCounts
            Both of the same kind, and a kind listed in :attr:`kinds`.
        threshold : float or None, default=None
            None means :attr:`default_threshold`.

        Raises
        ------
        InvalidParameterError
            If the kinds differ, the kind is not accepted, or the threshold is invalid.
        """
        check_pair(baseline, current, accepted=self.kinds, caller=f"{self.name}.compute")
        return self.function(baseline, current, threshold=threshold)
