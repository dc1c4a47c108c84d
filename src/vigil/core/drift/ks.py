"""Two-sample Kolmogorov–Smirnov test on weighted samples, decided by an n-aware critical value.

The statistic is the largest CDF gap (the same number as ``linf_simple``)::

    D = max_x |F_a(x) - F_b(x)|

and the decision compares it with the asymptotic critical value at level ``alpha``::

    D_crit = c(alpha) * sqrt((n + m) / (n * m)),   c(alpha) = sqrt(-ln(alpha / 2) / 2)

so the feature is drifted when ``D > D_crit``. ``n`` and ``m`` are the total weights (the
numbers of values a KLL sketch stands for). ``D_crit`` is also the noise floor: the gap that
samples of these sizes from one distribution exceed with probability about ``alpha``.

p-value: where ``n`` and ``m`` are whole numbers, the result also carries the two-sided
asymptotic p-value that ``scipy.stats.ks_2samp(..., method="asymp")`` computes,
``kstwo.sf(D, round(n*m/(n+m)))``; otherwise it is None. It is reported for information only.

Large samples: ``D > D_crit`` is (asymptotically) the same decision as ``p < alpha``, and
``D_crit`` shrinks like ``1/sqrt(n)``: with a million rows per side it is 0.0019, so a 0.3 % CDF
gap counts as drift. Vigil's design decision is that drift decisions use distances with
thresholds, never raw p-values alone, and that a test reports its sample-size noise floor. This
test therefore reports ``D`` itself (an effect size on the ``linf_simple`` scale) and ``D_crit``
as ``noise_floor``; for large windows, use ``linf_simple``/``linf_robust`` with an effect-size
threshold and read ``ks`` as "is the gap beyond sampling noise?".

Default alpha 0.05, the conventional significance level. (SageMaker's ``linf_robust`` subtracts
the critical value for alpha ≈ 0.003, Deequ's c = 1.8; see :mod:`vigil.core.drift.linf`.)

References
----------
N. Smirnov (1948), "Table for estimating the goodness of fit of empirical distributions", Ann.
Math. Statist. 19(2). D. E. Knuth, *The Art of Computer Programming* vol. 2, 3rd ed., §3.3.1.
https://en.wikipedia.org/wiki/Kolmogorov%E2%80%93Smirnov_test#Two-sample_Kolmogorov%E2%80%93Smirnov_test
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from vigil.core.distribution import WeightedSample
from vigil.core.drift._common import (
    NUMERIC_ONLY,
    Distribution,
    pair_error,
    resolve_threshold,
    total_weight,
)
from vigil.core.drift.linf import c_alpha, sup_cdf_difference
from vigil.core.drift.result import DistanceSpec, DriftResult

__all__ = [
    "KS_DEFAULT_ALPHA",
    "KS_SPEC",
    "KSResult",
    "ks",
    "ks_critical_value",
    "ks_pvalue",
    "ks_test",
]

KS_DEFAULT_ALPHA = 0.05
"""Default significance level of the critical value."""


@dataclass(frozen=True)
class KSResult:
    """Two-sample KS test outcome.

    Attributes
    ----------
    statistic : float
        ``D`` in [0, 1]; 0 means identical empirical CDFs. NaN if a side is empty.
    critical_value : float
        ``c(alpha) * sqrt((n + m) / (n * m))``; NaN if a side is empty.
    p_value : float or None
        Asymptotic two-sided p-value when ``n`` and ``m`` are whole numbers, else None.
    alpha : float
        The significance level used.
    """

    statistic: float
    critical_value: float
    p_value: float | None
    alpha: float

    @property
    def rejected(self) -> bool:
        """True when ``statistic > critical_value`` (False when undefined)."""
        return self.statistic > self.critical_value


def ks_critical_value(n: float, m: float, *, alpha: float = KS_DEFAULT_ALPHA) -> float:
    """Asymptotic two-sample KS critical value ``c(alpha) * sqrt((n + m) / (n * m))``.

    Examples
    --------
    >>> round(ks_critical_value(100, 100), 6)
    0.192065
    """
    return c_alpha(alpha) * math.sqrt((n + m) / (n * m))


def ks_pvalue(statistic: float, n: float, m: float) -> float | None:
    """Two-sided asymptotic p-value as ``scipy.stats.ks_2samp(method="asymp")`` computes it.

    Returns None unless ``n`` and ``m`` are whole numbers >= 1, and NaN if the statistic is NaN
    or the effective size ``round(n*m/(n+m))`` is 0.
    """
    if not (float(n).is_integer() and float(m).is_integer() and n >= 1 and m >= 1):
        return None
    if math.isnan(statistic):
        return math.nan
    big, small = sorted([float(n), float(m)], reverse=True)
    effective = float(np.round(big * small / (big + small)))
    if effective < 1:
        return math.nan
    return float(np.clip(stats.kstwo.sf(statistic, effective), 0.0, 1.0))


def ks_test(
    baseline: Distribution, current: Distribution, *, alpha: float = KS_DEFAULT_ALPHA
) -> KSResult:
    """Two-sample KS test of ``current`` against ``baseline``.

    Parameters
    ----------
    baseline, current : WeightedSample
    alpha : float, default=0.05
        Significance level of the critical value, in (0, 1).

    Returns
    -------
    KSResult

    Examples
    --------
    >>> a = WeightedSample.from_values(range(100))
    >>> r = ks_test(a, WeightedSample.from_values(range(30, 130)))
    >>> round(r.statistic, 6), round(r.critical_value, 4), r.rejected
    (0.3, 0.1921, True)
    """
    if not (isinstance(baseline, WeightedSample) and isinstance(current, WeightedSample)):
        pair_error(baseline, current, accepted=NUMERIC_ONLY, caller="ks_test")
    level = resolve_threshold(alpha, KS_DEFAULT_ALPHA, caller="ks_test", probability=True)
    n, m = baseline.total_weight, current.total_weight
    if n == 0 or m == 0:
        return KSResult(math.nan, math.nan, None, level)
    statistic = sup_cdf_difference(baseline, current)
    return KSResult(
        statistic=statistic,
        critical_value=ks_critical_value(n, m, alpha=level),
        p_value=ks_pvalue(statistic, n, m),
        alpha=level,
    )


def ks(
    baseline: Distribution,
    current: Distribution,
    /,
    *,
    threshold: float | None = None,
) -> DriftResult:
    """Drift check with the two-sample KS statistic against its n-aware critical value.

    Parameters
    ----------
    baseline, current : WeightedSample
    threshold : float or None, default=None
        The significance level alpha in (0, 1); None means 0.05. The result's ``threshold`` is
        the critical value derived from it.

    Returns
    -------
    DriftResult
        ``distance`` = D in [0, 1], 0 = identical; ``threshold`` = ``noise_floor`` = the critical
        value; ``p_value`` when the sizes are whole numbers. NaN distance (never drifted) if a
        side is empty.
    """
    if not (isinstance(baseline, WeightedSample) and isinstance(current, WeightedSample)):
        pair_error(baseline, current, accepted=NUMERIC_ONLY, caller="ks")
    alpha = resolve_threshold(threshold, KS_DEFAULT_ALPHA, caller="ks", probability=True)
    result = ks_test(baseline, current, alpha=alpha)
    n, m = total_weight(baseline), total_weight(current)
    if math.isnan(result.statistic):
        return DriftResult.undefined(
            "ks", threshold=math.nan, n_baseline=n, n_current=m, has_p_value=True
        )
    return DriftResult(
        method="ks",
        distance=result.statistic,
        threshold=result.critical_value,
        drifted=result.rejected,
        n_baseline=n,
        n_current=m,
        p_value=result.p_value,
        noise_floor=result.critical_value,
    )


KS_SPEC = DistanceSpec(
    name="ks",
    function=ks,
    kinds=frozenset({"numeric"}),
    default_threshold=KS_DEFAULT_ALPHA,
    range=(0.0, 1.0),
    description="Two-sample KS statistic vs. its critical value c(alpha)*sqrt((n+m)/(n*m)).",
    threshold_kind="significance",
    symmetric_kinds=frozenset({"numeric"}),
    scale_invariant=False,
)
