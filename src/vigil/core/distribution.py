"""Frozen one-dimensional distributions that drift distances compare.

A :class:`WeightedSample` is what a quantile sketch (or a raw column) looks like to a distance:
sorted distinct items, each with a positive weight. A KLL sketch item at level ``h`` weighs
``2**h`` (spec/sagemaker-model-monitor.md §2.2); a raw sample gives every value weight 1.
A :class:`CategoricalCounts` is a frequency table of string categories.

Both are immutable; building them never mutates the arrays passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vigil.errors import InvalidParameterError

__all__ = ["CategoricalCounts", "WeightedSample"]


@dataclass(frozen=True, eq=False)
class WeightedSample:
    """Sorted distinct items with positive weights: an empirical (or sketched) distribution.

    Use :meth:`from_values` or :meth:`from_weighted`; the constructor trusts its arguments.

    Attributes
    ----------
    items : ndarray of shape (n_items,), float64
        Distinct values in ascending order. No NaN.
    weights : ndarray of shape (n_items,), float64
        Weight (count) of each item, > 0.
    """

    items: NDArray[np.float64]
    weights: NDArray[np.float64]
    _cumulative: NDArray[np.float64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cumulative", np.cumsum(self.weights))
        self.items.setflags(write=False)
        self.weights.setflags(write=False)

    @classmethod
    def from_values(cls, values: ArrayLike) -> WeightedSample:
        """Build from raw values (each weight 1). NaN values are dropped.

        Parameters
        ----------
        values : array-like of shape (n_samples,)
        """
        return cls.from_weighted(values, None)

    @classmethod
    def from_weighted(cls, items: ArrayLike, weights: ArrayLike | None) -> WeightedSample:
        """Build from unsorted items with weights; equal items are combined, NaN items dropped.

        Parameters
        ----------
        items : array-like of shape (n,)
        weights : array-like of shape (n,) or None
            Non-negative weights; None means all 1. Zero-weight items are dropped.

        Raises
        ------
        InvalidParameterError
            If shapes differ or a weight is negative or not finite.
        """
        x = np.asarray(items, dtype=np.float64).ravel()
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
        if w.shape != x.shape:
            raise InvalidParameterError(
                f"weights of WeightedSample.from_weighted must have shape {x.shape}. "
                f"Got {w.shape} instead.",
                field="weights",
            )
        if w.size and (not np.all(np.isfinite(w)) or np.any(w < 0)):
            raise InvalidParameterError(
                "weights of WeightedSample.from_weighted must be finite and >= 0.",
                field="weights",
            )
        keep = ~np.isnan(x) & (w > 0)
        x, w = x[keep], w[keep]
        if x.size == 0:
            return cls(np.empty(0), np.empty(0))
        order = np.argsort(x, kind="stable")
        x, w = x[order], w[order]
        distinct, start = np.unique(x, return_index=True)
        return cls(distinct, np.add.reduceat(w, start))

    @property
    def total_weight(self) -> float:
        """Sum of weights (the number of values the distribution stands for)."""
        return float(self._cumulative[-1]) if self._cumulative.size else 0.0

    @property
    def is_empty(self) -> bool:
        """True when the distribution holds no weight."""
        return self.items.size == 0

    def rank(self, x: ArrayLike, *, inclusive: bool = True) -> NDArray[np.float64]:
        """Total weight of items ``<= x`` (``< x`` when ``inclusive=False``).

        Parameters
        ----------
        x : array-like of shape (m,)

        Returns
        -------
        ndarray of shape (m,), float64
        """
        side: Literal["left", "right"] = "right" if inclusive else "left"
        idx = np.searchsorted(self.items, np.asarray(x, dtype=np.float64), side=side)
        padded: NDArray[np.float64] = np.concatenate(([0.0], self._cumulative))
        return np.asarray(padded[idx], dtype=np.float64)

    def cdf(self, x: ArrayLike) -> NDArray[np.float64]:
        """Right-continuous empirical CDF, the fraction (0–1) of weight at or below ``x``.

        Returns NaN everywhere for an empty distribution.
        """
        total = self.total_weight
        if total == 0:
            return np.full(np.shape(np.asarray(x, dtype=np.float64)), np.nan)
        return self.rank(x) / total

    def quantile(self, q: ArrayLike) -> NDArray[np.float64]:
        """Smallest item whose CDF is >= ``q`` (inverse CDF, 'inverted_cdf' in numpy terms).

        Parameters
        ----------
        q : array-like of fractions in [0, 1]

        Raises
        ------
        InvalidParameterError
            If the distribution is empty or a ``q`` is outside [0, 1].
        """
        qs = np.asarray(q, dtype=np.float64)
        if self.is_empty:
            raise InvalidParameterError("quantile of an empty WeightedSample is undefined.")
        if np.any((qs < 0) | (qs > 1)):
            raise InvalidParameterError(
                "q of WeightedSample.quantile must be in [0, 1].", field="q"
            )
        target = qs * self.total_weight
        idx = np.searchsorted(self._cumulative, target, side="left")
        return self.items[np.clip(idx, 0, self.items.size - 1)]

    def mean(self) -> float:
        """Weighted mean of the items (NaN when empty)."""
        if self.is_empty:
            return float("nan")
        return float(np.average(self.items, weights=self.weights))


@dataclass(frozen=True)
class CategoricalCounts:
    """A frequency table over string categories.

    Attributes
    ----------
    counts : Mapping[str, float]
        Category → count (> 0). Categories absent from the table have count 0.
    """

    counts: Mapping[str, float]

    @property
    def total(self) -> float:
        """Sum of all counts."""
        return float(sum(self.counts.values()))

    def aligned(
        self, other: CategoricalCounts
    ) -> tuple[list[str], NDArray[np.float64], NDArray[np.float64]]:
        """Counts of both tables over the sorted union of their categories.

        Returns
        -------
        categories : list of str, length k
        mine, theirs : ndarray of shape (k,), float64
        """
        categories = sorted(set(self.counts) | set(other.counts))
        mine = np.array([self.counts.get(c, 0.0) for c in categories], dtype=np.float64)
        theirs = np.array([other.counts.get(c, 0.0) for c in categories], dtype=np.float64)
        return categories, mine, theirs
