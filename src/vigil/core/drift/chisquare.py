"""Chi-square goodness-of-fit drift test for categorical features (SageMaker ``ChiSquared``).

Follows Deequ's ``Distance.categoricalChiSquareTest`` (added in Deequ 2.0.3, commit ``ef4c308a``,
"Adding chi-square distance method for categorical variables (#444)"; spec §4.3), which
SageMaker runs when ``categorical_drift_method`` is ``"ChiSquared"``:

1. ``expected`` = the baseline counts, ``sample`` = the current counts restricted to the
   baseline's categories. The expected counts are rescaled to the sample's sum over those
   categories. Current categories that the baseline never saw are ignored (the
   ``categorical_values_check`` reports them).
2. Small expected cells are regrouped: while too many expected counts are small, the smallest
   category is merged into the second smallest (expected and observed alike). "Too many" means,
   for two categories, any expected count < 10 (Cochran 1952); for more categories, more than
   ``int(0.2 * k)`` expected counts < 5 (Yates, Moore & McCabe 1999, p. 734).
3. Fewer than two categories left → the test is undefined (NaN).
4. Otherwise Pearson's chi-square test with ``k - 1`` degrees of freedom
   (Spark ``Statistics.chiSqTest``; here :func:`scipy.stats.chisquare`).

Deequ returns the p-value (or the statistic when ``correctForLowNumberOfSamples``). The drift
check reads the p-value: **1 means identical, small means different**, and a feature is drifted
when ``p < threshold`` (default 0.05, the conventional level). SageMaker does not document how it
thresholds this p-value (spec §4.3). The result names it ``pvalue``; its ``distance`` is the
statistic ``sum((observed - expected)**2 / expected)``, in [0, inf) with 0 for identical
proportions. It has no noise floor: the p-value already accounts for the sample size.

Differences from Deequ, all deliberate:

* Ties in the regrouping (two categories with the same expected count) are broken by category
  name; Deequ takes whichever a hash map yields first.
* "Fewer than two categories" counts the *baseline* cells left after regrouping. Deequ counts
  the keys of the current sample, so it returns NaN when the current window lacks all but one
  baseline category (the strongest drift there is), and Spark fails outright (zero degrees of
  freedom) when the baseline collapses to one cell but the current window holds new categories.
* Deequ also quotes the rule "all individual expected counts are 1 or greater" but does not
  enforce it; neither does this module.

Large samples: like every p-value this one shrinks with sample size, so a huge window flags
tiny, irrelevant shifts. Vigil's design decision is that drift decisions use distances with
thresholds, never raw p-values alone; ``chisquare`` exists for SageMaker compatibility, and
pairing it with ``linf_robust`` or ``psi`` is recommended.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from vigil.core.distribution import CategoricalCounts
from vigil.core.drift._binning import Cells, common_cells
from vigil.core.drift._common import CATEGORICAL_ONLY, check_pair
from vigil.core.drift.distance import Distance, Measurement
from vigil.errors import InvalidParameterError

__all__ = [
    "ABS_THRESHOLD_COCHRAN",
    "ABS_THRESHOLD_YATES",
    "CHISQUARE_DEFAULT_THRESHOLD",
    "PERC_THRESHOLD_YATES",
    "ChiSquare",
    "ChiSquareResult",
    "Regrouped",
    "regroup_categories",
]

ABS_THRESHOLD_YATES = 5.0
"""Expected count below which a cell is "small" in tables of more than two cells."""

PERC_THRESHOLD_YATES = 0.2
"""Fraction of cells that may be small in tables of more than two cells."""

ABS_THRESHOLD_COCHRAN = 10.0
"""Minimum expected count of both cells of a two-cell table."""

CHISQUARE_DEFAULT_THRESHOLD = 0.05
"""Default significance level: the conventional 5 %."""

_MIN_CATEGORIES = 2


@dataclass(frozen=True)
class Regrouped:
    """Observed and expected counts after regrouping small categories.

    Attributes
    ----------
    groups : tuple of tuple of str
        One entry per remaining cell: the baseline categories merged into it, the surviving
        (absorbing) category first. Ordered by that category's name.
    observed, expected : tuple of float
        Counts per cell, aligned with ``groups``.
    """

    groups: tuple[tuple[str, ...], ...]
    observed: tuple[float, ...]
    expected: tuple[float, ...]


@dataclass(frozen=True)
class ChiSquareResult:
    """Pearson chi-square goodness-of-fit result.

    Attributes
    ----------
    statistic : float
        ``sum((observed - expected)**2 / expected)``, >= 0; NaN if undefined.
    pvalue : float
        Upper tail of chi-square(``dof``) at ``statistic``, in [0, 1]; 1 means the current
        counts match the baseline proportions exactly. NaN if undefined.
    dof : int
        Degrees of freedom, ``cells - 1`` (0 if undefined).
    regrouped : Regrouped
        The cells the test ran on.
    """

    statistic: float
    pvalue: float
    dof: int
    regrouped: Regrouped


def regroup_categories(
    observed: dict[str, float],
    expected: dict[str, float],
    *,
    abs_threshold_yates: float = ABS_THRESHOLD_YATES,
    perc_threshold_yates: float = PERC_THRESHOLD_YATES,
    abs_threshold_cochran: float = ABS_THRESHOLD_COCHRAN,
) -> Regrouped:
    """Merge small expected cells until Cochran's / Yates's rules hold (Deequ's regrouping).

    Parameters
    ----------
    observed : dict of str to float
        Current counts; categories absent from ``expected`` are ignored.
    expected : dict of str to float
        Expected counts (already rescaled to the observed total).
    abs_threshold_yates, perc_threshold_yates, abs_threshold_cochran : float
        Deequ's ``ChisquareMethod`` defaults 5, 0.2 and 10.

    Returns
    -------
    Regrouped
        The inputs are not modified.

    Examples
    --------
    With five cells at most ``int(0.2 * 5) = 1`` may be below 5, so ``e`` (2) joins ``d`` (3):

    >>> r = regroup_categories({"a": 20, "b": 20, "c": 4, "d": 1, "e": 5},
    ...                        {"a": 25, "b": 15, "c": 5, "d": 3, "e": 2})
    >>> r.groups
    (('a',), ('b',), ('c',), ('d', 'e'))
    >>> r.observed, r.expected
    ((20.0, 20.0, 4.0, 6.0), (25.0, 15.0, 5.0, 5.0))
    """
    exp = {k: float(v) for k, v in expected.items()}
    obs = {k: float(observed.get(k, 0.0)) for k in exp}
    groups: dict[str, list[str]] = {k: [k] for k in exp}
    while len(exp) >= _MIN_CATEGORIES:
        if len(exp) > _MIN_CATEGORIES:
            small, allowed = abs_threshold_yates, int(perc_threshold_yates * len(exp))
        else:
            small, allowed = abs_threshold_cochran, 0
        if sum(1 for v in exp.values() if v < small) <= allowed:
            break
        smallest, second = sorted(exp, key=lambda k: (exp[k], k))[:2]
        exp[second] += exp.pop(smallest)
        obs[second] += obs.pop(smallest)
        groups[second].extend(groups.pop(smallest))
    names = sorted(exp)
    return Regrouped(
        groups=tuple(tuple(groups[k]) for k in names),
        observed=tuple(obs[k] for k in names),
        expected=tuple(exp[k] for k in names),
    )


@dataclass(frozen=True)
class ChiSquare(Distance):
    """The chi-square drift test (``chisquare``, SageMaker ``ChiSquared``): see the module docstring.

    Parameters
    ----------
    abs_threshold_yates, perc_threshold_yates, abs_threshold_cochran : float
        Regrouping rules, see :func:`regroup_categories`; finite, >= 0.

    Raises
    ------
    InvalidParameterError
        If a regrouping threshold is not a finite number >= 0.

    Examples
    --------
    >>> r = ChiSquare().compute(CategoricalCounts({"a": 500, "b": 500}),
    ...                         CategoricalCounts({"a": 700, "b": 300}))
    >>> r.drifted, r.pvalue < 1e-6, r.value == r.pvalue, r.distance
    (True, True, True, 160.0)
    """

    abs_threshold_yates: float = ABS_THRESHOLD_YATES
    perc_threshold_yates: float = PERC_THRESHOLD_YATES
    abs_threshold_cochran: float = ABS_THRESHOLD_COCHRAN

    name = "chisquare"
    kinds = CATEGORICAL_ONLY
    default_threshold = CHISQUARE_DEFAULT_THRESHOLD
    range = (0.0, math.inf)
    description = (
        "Deequ chi-square goodness of fit with Cochran/Yates regrouping; drifted if p < alpha."
    )
    decision = "pvalue"
    offers_pvalue = True
    scale_invariant = False

    def __post_init__(self) -> None:
        for name in ("abs_threshold_yates", "perc_threshold_yates", "abs_threshold_cochran"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidParameterError(
                    f"{name} of ChiSquare must be a finite number >= 0. Got {value!r} instead.",
                    field=name,
                )

    def test(self, baseline: CategoricalCounts, current: CategoricalCounts) -> ChiSquareResult:
        """Deequ's categorical chi-square test of ``current`` against ``baseline`` proportions.

        :meth:`compute` runs the same test as a drift check; this gives its details.

        Parameters
        ----------
        baseline : CategoricalCounts
            Expected distribution (its categories define the cells).
        current : CategoricalCounts
            Observed counts.

        Returns
        -------
        ChiSquareResult
            ``statistic`` and ``pvalue`` are NaN when fewer than two cells remain (including
            when either side is empty or no current value falls in a baseline category).

        Raises
        ------
        InvalidParameterError
            If a side is not a CategoricalCounts, or a count is negative or not finite.

        References
        ----------
        Deequ ``src/main/scala/com/amazon/deequ/analyzers/Distance.scala``
        (``categoricalChiSquareTest``, ``regroupCategories``), Deequ >= 2.0.3.
        W. G. Cochran (1952), "The chi-square test of goodness of fit", Ann. Math. Statist. 23.
        D. S. Moore, G. P. McCabe, "The Practice of Statistics", 1999, p. 734.

        Examples
        --------
        >>> r = ChiSquare().test(CategoricalCounts({"a": 50, "b": 50}),
        ...                      CategoricalCounts({"a": 60, "b": 40}))
        >>> round(r.statistic, 6), r.dof
        (4.0, 1)
        """
        check_pair(baseline, current, accepted=self.kinds, caller="ChiSquare.test")
        return self._pearson(
            common_cells(baseline, current, binning="values", caller="ChiSquare.test")
        )

    def measure(self, cells: Cells) -> Measurement:
        """Pearson's statistic and its p-value (:meth:`test`); see :meth:`Distance.measure`."""
        result = self._pearson(cells)
        return Measurement(result.statistic, result.pvalue)

    def _pearson(self, cells: Cells) -> ChiSquareResult:
        """Rescale the baseline counts to the sample, regroup, then Pearson's chi-square."""
        labels = cells.labels
        if labels is None:
            raise InvalidParameterError("cells of ChiSquare must be categorical cells.")
        base = {k: float(v) for k, v in zip(labels, cells.baseline, strict=True) if v > 0}
        cur = {k: float(v) for k, v in zip(labels, cells.current, strict=True) if v > 0}
        sample_sum = sum(cur.get(k, 0.0) for k in base)
        expected_sum = sum(base.values())
        scale = sample_sum / expected_sum if expected_sum > 0 else 0.0
        regrouped = regroup_categories(
            cur,
            {k: v * scale for k, v in base.items()},
            abs_threshold_yates=self.abs_threshold_yates,
            perc_threshold_yates=self.perc_threshold_yates,
            abs_threshold_cochran=self.abs_threshold_cochran,
        )
        cells_left = len(regrouped.groups)
        if cells_left < _MIN_CATEGORIES:
            return ChiSquareResult(math.nan, math.nan, 0, regrouped)
        res = stats.chisquare(
            np.asarray(regrouped.observed, dtype=np.float64),
            np.asarray(regrouped.expected, dtype=np.float64),
        )
        return ChiSquareResult(float(res.statistic), float(res.pvalue), cells_left - 1, regrouped)
