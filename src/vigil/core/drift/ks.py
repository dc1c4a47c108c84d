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

Range: ``D`` is in [0, 1], 0 for identical empirical CDFs. Default alpha 0.05, the conventional
significance level. (SageMaker's ``linf_robust`` subtracts
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

from vigil.core.drift._binning import Cells
from vigil.core.drift._common import NUMERIC_ONLY
from vigil.core.drift.distance import Distance, Measurement
from vigil.core.drift.linf import linf_noise_floor, sup_difference

__all__ = ["KS_DEFAULT_ALPHA", "KolmogorovSmirnov", "ks_critical_value", "ks_pvalue"]

KS_DEFAULT_ALPHA = 0.05
"""Default significance level of the critical value."""


def ks_critical_value(n: float, m: float, *, alpha: float = KS_DEFAULT_ALPHA) -> float:
    """Asymptotic two-sample KS critical value ``c(alpha) * sqrt((n + m) / (n * m))``.

    Parameters
    ----------
    n, m : float
        Total weights (numbers of values) of the two sides, > 0.
    alpha : float, default=0.05
        Significance level in (0, 1).

    Returns
    -------
    float
        > 0, on the scale of ``D``.

    Raises
    ------
    InvalidParameterError
        If ``alpha`` is not in (0, 1).

    Examples
    --------
    >>> round(ks_critical_value(100, 100), 6)
    0.192065
    """
    return linf_noise_floor(n, m, alpha=alpha)


def ks_pvalue(statistic: float, n: float, m: float) -> float | None:
    """Two-sided asymptotic p-value as ``scipy.stats.ks_2samp(method="asymp")`` computes it.

    Parameters
    ----------
    statistic : float
        ``D`` in [0, 1].
    n, m : float
        Total weights of the two sides.

    Returns
    -------
    float or None
        In [0, 1]. None unless ``n`` and ``m`` are whole numbers >= 1; NaN if the statistic is
        NaN or the effective size ``round(n*m/(n+m))`` is 0.

    Examples
    --------
    >>> round(ks_pvalue(0.3, 100, 100), 6)
    0.000174
    >>> ks_pvalue(0.3, 100.5, 100) is None
    True
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


@dataclass(frozen=True)
class KolmogorovSmirnov(Distance):
    """The two-sample KS drift test (``ks``): see the module docstring.

    The threshold is the significance level alpha; the result's ``threshold`` and
    ``noise_floor`` are both the critical value derived from it, and ``pvalue`` is the
    asymptotic p-value when both sizes are whole numbers.

    Examples
    --------
    >>> from vigil.core.distribution import WeightedSample
    >>> a = WeightedSample.from_values(range(100))
    >>> r = KolmogorovSmirnov().compute(a, WeightedSample.from_values(range(30, 130)))
    >>> round(r.distance, 6), round(r.threshold, 4), r.drifted
    (0.3, 0.1921, True)
    """

    name = "ks"
    kinds = NUMERIC_ONLY
    default_threshold = KS_DEFAULT_ALPHA
    range = (0.0, 1.0)
    description = "Two-sample KS statistic vs. its critical value c(alpha)*sqrt((n+m)/(n*m))."
    binning = "values"
    decision = "noise_floor"
    offers_pvalue = True
    symmetric_kinds = NUMERIC_ONLY
    scale_invariant = False

    def measure(self, cells: Cells) -> Measurement:
        """``D`` (:func:`~vigil.core.drift.linf.sup_difference`) and its p-value.

        See :meth:`Distance.measure`.
        """
        statistic = sup_difference(cells)
        return Measurement(statistic, ks_pvalue(statistic, cells.n_baseline, cells.n_current))

    def noise_floor(self, cells: Cells, alpha: float | None = None) -> float:
        """The critical value (:func:`ks_critical_value`); see :meth:`Distance.noise_floor`."""
        level = KS_DEFAULT_ALPHA if alpha is None else alpha
        return ks_critical_value(cells.n_baseline, cells.n_current, alpha=level)
