"""The one drift check every distance shares: :class:`Distance` and its :meth:`~Distance.compute`.

A distance (one module each: :mod:`.linf`, :mod:`.psi`, …) is a frozen dataclass subclass of
:class:`Distance`. Its fields are its options (PSI's ``epsilon``, Wasserstein's ``scale``); its
class attributes say what it is (name, kinds, default threshold, range, how it cuts numeric sides
and how it decides); and it supplies only its formula:

* :meth:`Distance.measure` — the two sides' masses over common cells → the distance (and a
  p-value, for a test);
* :meth:`Distance.noise_floor` — the distance two samples of these sizes reach by chance.

:meth:`Distance.compute` does everything else, once for all of them:

1. checks the arguments: both sides of one accepted kind, the threshold (a distance >= 0, or a
   significance level in (0, 1)), the binning options and categorical counts;
2. puts both sides on common cells (:func:`~vigil.core.drift._binning.common_cells`);
3. applies the undefined policy: a side with no weight, or a formula that returns NaN, gives a
   NaN distance that is never drifted, with no noise floor and a NaN p-value where the distance
   offers one (:mod:`.result`);
4. decides by :attr:`Distance.decision`:

   ``"distance"``
       drifted when ``distance > threshold`` (the threshold is on the distance's scale);
   ``"noise_floor"``
       the threshold is a significance level alpha, and drifted when ``distance`` exceeds the
       noise floor at alpha (the KS critical value);
   ``"pvalue"``
       the threshold is a significance level alpha, and drifted when ``pvalue < alpha``;

5. builds the :class:`~vigil.core.drift.result.DriftResult`.

>>> from vigil.core.drift.hellinger import Hellinger
>>> from vigil.core.distribution import CategoricalCounts
>>> r = Hellinger().compute(CategoricalCounts({"a": 1}), CategoricalCounts({}))
>>> r.distance, r.drifted, r.threshold
(nan, False, 0.1)
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

from numpy.typing import ArrayLike

from vigil.core.drift._binning import DEFAULT_N_BINS, Binning, Cells, common_cells
from vigil.core.drift._common import (
    Distribution,
    DistributionKind,
    check_pair,
    resolve_threshold,
)
from vigil.core.drift.result import DecidedBy, DriftResult

__all__ = ["Decision", "Distance", "Measurement"]

Decision = Literal["distance", "noise_floor", "pvalue"]
"""How a distance turns its threshold into a drift decision (see the module docstring)."""


@dataclass(frozen=True)
class Measurement:
    """What a distance's formula finds on one pair of masses.

    Attributes
    ----------
    distance : float
        >= 0, 0 for identical masses; NaN when the formula is undefined on these cells.
    pvalue : float or None, default=None
        The test's p-value in [0, 1], for distances that are tests; None otherwise.
    """

    distance: float
    pvalue: float | None = None


@dataclass(frozen=True)
class Distance(ABC):
    """A registered drift distance: its description, its formula and the shared drift check.

    Subclasses are frozen dataclasses whose fields are the distance's options, and set these
    class attributes.

    Attributes
    ----------
    name : str
        The registered name (the key in :data:`vigil.core.drift.registry.DISTANCES`).
    kinds : frozenset of {"numeric", "categorical"}
        Kinds of distribution the distance accepts.
    default_threshold : float
        Threshold used when none is given; a significance level alpha unless
        :attr:`decision` is ``"distance"``.
    range : tuple of (float, float)
        Closed range of ``DriftResult.distance`` (``inf`` for unbounded).
    description : str
        One line for listings and ``--help``.
    binning : {"values", "quantiles"}, default="quantiles"
        How numeric sides are cut into cells (:mod:`vigil.core.drift._binning`).
    decision : {"distance", "noise_floor", "pvalue"}, default="distance"
        What the threshold is compared with (see the module docstring).
    offers_pvalue : bool, default=False
        Whether the distance is a test whose result carries a p-value.
    symmetric_kinds : frozenset of {"numeric", "categorical"}, default=frozenset()
        Kinds for which swapping baseline and current leaves the distance unchanged.
    scale_invariant : bool, default=True
        Whether multiplying every weight of one side by a constant leaves the distance unchanged
        (True for distances between normalised distributions; False when sample sizes matter).
    """

    name: ClassVar[str]
    kinds: ClassVar[frozenset[DistributionKind]]
    default_threshold: ClassVar[float]
    range: ClassVar[tuple[float, float]]
    description: ClassVar[str]
    binning: ClassVar[Binning] = "quantiles"
    decision: ClassVar[Decision] = "distance"
    offers_pvalue: ClassVar[bool] = False
    symmetric_kinds: ClassVar[frozenset[DistributionKind]] = frozenset()
    scale_invariant: ClassVar[bool] = True

    @abstractmethod
    def measure(self, cells: Cells) -> Measurement:
        """The distance between the two sides' masses (the formula).

        Parameters
        ----------
        cells : Cells
            Both sides over common cells, each with a total weight > 0.

        Returns
        -------
        Measurement
            NaN distance when the formula is undefined on these cells.
        """

    def noise_floor(self, cells: Cells, alpha: float | None = None) -> float | None:
        """The distance two samples of these sizes exceed by chance with probability ~alpha.

        Parameters
        ----------
        cells : Cells
            As for :meth:`measure`; the floor depends on the sizes and the number of cells.
        alpha : float or None, default=None
            Significance level in (0, 1); None means the distance's own level.

        Returns
        -------
        float or None
            >= 0, on the distance's scale; None when the distance has no noise floor (the
            default).
        """
        return None

    def compute(
        self,
        baseline: Distribution,
        current: Distribution,
        threshold: float | None = None,
        *,
        n_bins: int = DEFAULT_N_BINS,
        edges: ArrayLike | None = None,
    ) -> DriftResult:
        """Compare ``current`` with ``baseline``: the drift check (see the module docstring).

        Parameters
        ----------
        baseline, current : WeightedSample or CategoricalCounts
            Both of the same kind, and a kind listed in :attr:`kinds`.
        threshold : float or None, default=None
            None means :attr:`default_threshold`. On the distance's scale (finite, >= 0) when
            :attr:`decision` is ``"distance"``, else a significance level in (0, 1).
        n_bins : int, default=10
            Quantile-binned distances only: number of baseline-quantile bins.
        edges : array-like of shape (k,) or None, default=None
            Quantile-binned distances only: strictly increasing cut points in the feature's
            units instead of the baseline's quantiles.

        Returns
        -------
        DriftResult
            NaN distance, never drifted, when undefined (an empty side, or too few cells).

        Raises
        ------
        InvalidParameterError
            If a side is not a distribution, the kinds differ, the kind is not accepted, or the
            threshold, ``n_bins``, ``edges`` or a categorical count is invalid.

        Examples
        --------
        >>> from vigil.core.drift.psi import PopulationStabilityIndex
        >>> from vigil.core.distribution import CategoricalCounts
        >>> r = PopulationStabilityIndex().compute(
        ...     CategoricalCounts({"a": 500, "b": 500}), CategoricalCounts({"a": 800, "b": 200}))
        >>> round(r.distance, 4), r.threshold, r.drifted
        (0.4159, 0.2, True)
        """
        check_pair(baseline, current, accepted=self.kinds, caller=self.name)
        level = resolve_threshold(
            threshold,
            self.default_threshold,
            caller=self.name,
            probability=self.decision != "distance",
        )
        cells = common_cells(
            baseline, current, binning=self.binning, n_bins=n_bins, edges=edges, caller=self.name
        )
        if cells.n_baseline == 0 or cells.n_current == 0:
            return self._undefined(cells, level)
        found = self.measure(cells)
        if math.isnan(found.distance) or (
            self.decision == "pvalue" and (found.pvalue is None or math.isnan(found.pvalue))
        ):
            return self._undefined(cells, level)
        return self._decide(cells, found, level)

    @property
    def _decided_by(self) -> DecidedBy:
        return "pvalue" if self.decision == "pvalue" else "distance"

    def _undefined(self, cells: Cells, level: float) -> DriftResult:
        return DriftResult(
            method=self.name,
            distance=math.nan,
            threshold=math.nan if self.decision == "noise_floor" else level,
            drifted=False,
            n_baseline=cells.n_baseline,
            n_current=cells.n_current,
            pvalue=math.nan if self.offers_pvalue else None,
            decided_by=self._decided_by,
        )

    def _decide(self, cells: Cells, found: Measurement, level: float) -> DriftResult:
        floor = self.noise_floor(cells, level if self.decision == "noise_floor" else None)
        if self.decision == "pvalue":
            threshold, drifted = level, found.pvalue is not None and found.pvalue < level
        elif self.decision == "noise_floor":
            threshold = math.nan if floor is None else floor
            drifted = found.distance > threshold
        else:
            threshold, drifted = level, found.distance > level
        return DriftResult(
            method=self.name,
            distance=found.distance,
            threshold=threshold,
            drifted=drifted,
            n_baseline=cells.n_baseline,
            n_current=cells.n_current,
            pvalue=found.pvalue,
            noise_floor=floor,
            decided_by=self._decided_by,
        )
