"""The outcome of one drift check, shared by every distance of :mod:`vigil.core.drift`.

Naming rule (style rule 2): ``distance`` is >= 0 and 0 means identical, for every distance
(for the chi-square test it is Pearson's statistic); ``pvalue`` is a p-value, where the distance
is a test that gives one. Which of the two the threshold was compared with is
:attr:`DriftResult.decided_by`; :attr:`DriftResult.value` is that number.

Policy for undefined values (style rule 8: undefined metrics follow a policy, not an exception):
when either side holds no weight (an empty window, a column that is all null) or the distance is
otherwise undefined (chi-square with fewer than two categories), the result has
``distance = nan`` and ``drifted = False``. A caller that must tell "no drift" from "no data"
checks :attr:`DriftResult.is_defined`; the jobs layer reports it as insufficient data rather than
as a violation. Malformed *arguments* (a categorical baseline against a numeric current, an
unknown method, a negative threshold) still raise :class:`vigil.errors.InvalidParameterError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

__all__ = ["DecidedBy", "DriftResult"]

DecidedBy = Literal["distance", "pvalue"]
"""The number a drift decision compares with its threshold."""


@dataclass(frozen=True)
class DriftResult:
    """Outcome of comparing a current distribution with its baseline.

    Attributes
    ----------
    method : str
        Registered name of the distance (``"linf_robust"``, ``"psi"``, …).
    distance : float
        >= 0, and 0 means identical (for ``chisquare``, Pearson's chi-square statistic). NaN when
        undefined (see the module docstring).
    threshold : float
        The value :attr:`value` was compared with. For ``ks`` this is the critical value
        ``c(alpha) * sqrt((n + m) / (n * m))``, not ``alpha`` itself; for ``chisquare`` it is the
        significance level alpha.
    drifted : bool
        ``distance > threshold`` (``pvalue < threshold`` when :attr:`decided_by` is
        ``"pvalue"``); False when undefined.
    n_baseline, n_current : float
        Total weight (number of values) on each side.
    pvalue : float or None, default=None
        The test's p-value in [0, 1] where the method offers one (``chisquare``; ``ks`` when
        both sizes are whole numbers); NaN when undefined, None for methods without one. With
        large samples tiny, irrelevant differences give tiny p-values.
    noise_floor : float or None, default=None
        The distance two samples of these sizes reach by chance alone (upper 95 % or Deequ's
        ``c(alpha)`` quantile under "no drift"), where the method can give one. A distance at or
        below the noise floor is indistinguishable from sampling noise.
    decided_by : {"distance", "pvalue"}, default="distance"
        Which number was compared with ``threshold``.

    Examples
    --------
    >>> r = DriftResult("chisquare", 4.0, 0.05, True, 100.0, 100.0, pvalue=0.0455,
    ...                 decided_by="pvalue")
    >>> r.value, r.is_defined
    (0.0455, True)
    """

    method: str
    distance: float
    threshold: float
    drifted: bool
    n_baseline: float
    n_current: float
    pvalue: float | None = None
    noise_floor: float | None = None
    decided_by: DecidedBy = "distance"

    @property
    def value(self) -> float:
        """The number compared with :attr:`threshold`: :attr:`pvalue` or :attr:`distance`.

        This is the value SageMaker's violation text and the ``feature_baseline_drift_<f>``
        metric report. NaN when undefined.
        """
        if self.decided_by == "pvalue":
            return math.nan if self.pvalue is None else self.pvalue
        return self.distance

    @property
    def is_defined(self) -> bool:
        """False when the distance is NaN (no data on a side, or too few categories)."""
        return not math.isnan(self.distance)
