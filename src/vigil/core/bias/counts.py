"""What the bias metrics read: one facet's counts (mergeable) and, for FT, its rows.

Every Clarify bias metric but FT is a function of a small count table. For one facet (a
sensitive group *d* and its complement *a*), :class:`BiasCounts` holds::

    table[g, f, y, p] = number of rows in group-variable value g, facet f, label y, prediction p

with ``f`` 0 for *a* and 1 for *d*, ``y`` 1 for a positive (observed) label and ``p`` 1 for a
positive predicted label. The group axis has one slot per distinct value of the group variable
(sorted, as ``numpy.unique`` sorts them) plus a last slot for the rows without one: a null
group value, or every row when there is no group variable. Without labels (or predictions) every
row counts as ``y = 0`` (``p = 0``) and :attr:`BiasCounts.has_labels` is False.

Counts are exact integers, so the table of a dataset is the sum of its partitions' tables
(:meth:`BiasCounts.merge`): the metrics of a window computed from merged partitions equal the
metrics computed on all its rows at once. Building a table is one ``numpy.bincount`` over the rows.

FT (the flip test) needs the rows themselves: :class:`FlipTestData` holds the feature matrix and
the sensitive and predicted masks, and :class:`BiasData` carries both to the metric functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import ArrayLike, NDArray

from vigil.errors import InvalidParameterError

__all__ = [
    "BiasCounts",
    "BiasData",
    "BoolArray",
    "FlipTestData",
    "GroupCodes",
    "divide",
    "group_codes",
]

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]
FloatMatrix = NDArray[np.float64]


def divide(a: float, b: float) -> float:
    """Clarify's division rule (``smclarify.bias.metrics.common.divide``).

    ``0.0`` when both are 0, ``±inf`` (the sign of ``a``) when only ``b`` is 0, ``a / b`` otherwise.

    Examples
    --------
    >>> divide(0, 0), divide(3, 0), divide(-3, 0), divide(1, 4)
    (0.0, inf, -inf, 0.25)
    """
    if b == 0 and a == 0:
        return 0.0
    if b == 0:
        return -np.inf if a < 0 else np.inf
    return a / b


def _bool_array(values: ArrayLike, name: str, caller: str) -> BoolArray:
    array = np.asarray(values)
    if array.ndim != 1 or array.dtype != np.bool_:
        raise InvalidParameterError(
            f"{name} of {caller} must be a 1-D boolean array. "
            f"Got dtype {array.dtype} with shape {array.shape} instead.",
            field=name,
        )
    return array


def _same_length(n: int, array: BoolArray | IntArray | FloatMatrix, name: str, caller: str) -> None:
    if array.shape[0] != n:
        raise InvalidParameterError(
            f"{name} of {caller} must have one entry per row ({n}). Got {array.shape[0]} instead.",
            field=name,
        )


@dataclass(frozen=True, eq=False)
class GroupCodes:
    """A group variable encoded for counting: its sorted distinct values and each row's index.

    Attributes
    ----------
    values : pyarrow.Array
        The distinct non-null values, sorted ascending (numbers numerically, text by code point,
        the order ``numpy.unique`` gives). A continuous column gives one group per distinct value.
    codes : ndarray of int64, shape (n_rows,)
        Index into ``values`` of each row; ``len(values)`` for a null value.
    """

    values: pa.Array
    codes: IntArray

    @property
    def n_groups(self) -> int:
        """Number of distinct non-null values."""
        return len(self.values)


def group_codes(values: ArrayLike | pa.Array | pa.ChunkedArray) -> GroupCodes:
    """Encode a group variable (CDDL's and CDDPL's subgroups).

    Parameters
    ----------
    values : array-like or pyarrow.Array of shape (n_rows,)
        The group column; nulls (``None``, ``NaN``) belong to no group.

    Returns
    -------
    GroupCodes

    Examples
    --------
    >>> g = group_codes(["b", "a", None, "b"])
    >>> g.values.to_pylist(), g.codes.tolist()
    (['a', 'b'], [1, 0, 2, 1])
    """
    if isinstance(values, pa.ChunkedArray):
        array = values.combine_chunks()
    elif isinstance(values, pa.Array):
        array = values
    else:
        array = pa.array(np.asarray(values), from_pandas=True)
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_floating(array.type):
        array = pc.if_else(pc.is_nan(array), pa.scalar(None, array.type), array)
    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):  # pragma: no cover - arrays stay arrays
        encoded = encoded.combine_chunks()
    dictionary = encoded.dictionary
    order = pc.sort_indices(dictionary).to_numpy()
    rank = np.empty(len(dictionary), dtype=np.int64)
    rank[order] = np.arange(len(dictionary), dtype=np.int64)
    indices = encoded.indices.fill_null(len(dictionary)).to_numpy(zero_copy_only=False)
    lookup = np.append(rank, len(dictionary))
    return GroupCodes(dictionary.take(pa.array(order)), lookup[indices.astype(np.int64)])


def row_codes(
    n_rows: int,
    *,
    label: BoolArray | None,
    predicted: BoolArray | None,
    group: GroupCodes | None,
) -> IntArray:
    """``g * 8 + y * 2 + p`` per row: the table index of each row with ``f = 0``.

    Adding ``4 * sensitive`` gives the full index; computing this once lets several facets share it.
    """
    codes = np.zeros(n_rows, dtype=np.int64)
    if group is not None:
        codes += group.codes * 8  # without a group variable every row is in slot 0
    if label is not None:
        codes += label.astype(np.int64) * 2
    if predicted is not None:
        codes += predicted.astype(np.int64)
    return codes


@dataclass(frozen=True, eq=False)
class BiasCounts:
    """One facet's count table (see the module docstring for the layout).

    Attributes
    ----------
    table : ndarray of int64, shape (n_groups + 1, 2, 2, 2)
        ``table[g, f, y, p]``: group-variable slot, facet (0 = a, 1 = d), label, prediction.
    groups : pyarrow.Array or None
        The group variable's distinct values in slot order; None without a group variable.
    has_labels, has_predictions : bool
        Whether the ``y`` and ``p`` axes carry data.
    """

    table: IntArray
    groups: pa.Array | None = None
    has_labels: bool = True
    has_predictions: bool = True

    def __post_init__(self) -> None:
        n_slots = 1 if self.groups is None else len(self.groups) + 1
        if self.table.shape != (n_slots, 2, 2, 2):
            raise InvalidParameterError(
                f"table of BiasCounts must have shape ({n_slots}, 2, 2, 2). "
                f"Got {self.table.shape} instead.",
                field="table",
            )

    @classmethod
    def from_arrays(
        cls,
        sensitive: ArrayLike,
        *,
        label: ArrayLike | None = None,
        predicted: ArrayLike | None = None,
        group: ArrayLike | pa.Array | GroupCodes | None = None,
    ) -> BiasCounts:
        """Count one facet's rows.

        Parameters
        ----------
        sensitive : array-like of bool, shape (n_rows,)
            True for facet *d* (the sensitive group), False for its complement *a*.
        label : array-like of bool, shape (n_rows,), optional
            True for an observed positive label.
        predicted : array-like of bool, shape (n_rows,), optional
            True for a positive predicted label.
        group : array-like, pyarrow.Array or GroupCodes, shape (n_rows,), optional
            The group variable (CDDL, CDDPL); nulls belong to no group.

        Raises
        ------
        InvalidParameterError
            If a mask is not boolean or the lengths differ.

        Examples
        --------
        >>> c = BiasCounts.from_arrays([True, False, False], label=[True, True, False])
        >>> c.facet_sizes(), c.label_counts().tolist()
        ((2, 1), [[1, 1], [0, 1]])
        """
        caller = "BiasCounts.from_arrays"
        mask = _bool_array(sensitive, "sensitive", caller)
        n = mask.shape[0]
        labels = None if label is None else _bool_array(label, "label", caller)
        predictions = None if predicted is None else _bool_array(predicted, "predicted", caller)
        for array, name in ((labels, "label"), (predictions, "predicted")):
            if array is not None:
                _same_length(n, array, name, caller)
        codes = None
        if group is not None:
            codes = group if isinstance(group, GroupCodes) else group_codes(group)
            _same_length(n, codes.codes, "group", caller)
        base = row_codes(n, label=labels, predicted=predictions, group=codes)
        return cls.from_row_codes(
            base,
            mask,
            groups=None if codes is None else codes.values,
            has_labels=labels is not None,
            has_predictions=predictions is not None,
        )

    @classmethod
    def from_row_codes(
        cls,
        base: IntArray,
        sensitive: BoolArray,
        *,
        groups: pa.Array | None,
        has_labels: bool,
        has_predictions: bool,
    ) -> BiasCounts:
        """Count from precomputed :func:`row_codes` (shared by several facets) and a facet mask."""
        n_slots = 1 if groups is None else len(groups) + 1
        codes = base + sensitive * np.int64(4)
        flat = np.bincount(codes, minlength=n_slots * 8).astype(np.int64, copy=False)
        return cls(
            flat.reshape(n_slots, 2, 2, 2),
            groups=groups,
            has_labels=has_labels,
            has_predictions=has_predictions,
        )

    def merge(self, other: BiasCounts) -> BiasCounts:
        """The counts of the union of both row sets (the tables added, groups aligned by value).

        Raises
        ------
        InvalidParameterError
            If one side has labels, predictions or a group variable and the other not.

        Examples
        --------
        >>> a = BiasCounts.from_arrays([True, False], label=[True, False], group=["x", "y"])
        >>> b = BiasCounts.from_arrays([True], label=[False], group=["z"])
        >>> m = a.merge(b)
        >>> m.groups.to_pylist(), int(m.table.sum())
        (['x', 'y', 'z'], 3)
        """
        if (self.has_labels, self.has_predictions) != (other.has_labels, other.has_predictions):
            raise InvalidParameterError(
                "other of BiasCounts.merge must have labels and predictions like self.",
                field="other",
            )
        if (self.groups is None) != (other.groups is None):
            raise InvalidParameterError(
                "other of BiasCounts.merge must have a group variable exactly when self has one.",
                field="other",
            )
        if self.groups is None or other.groups is None:
            return BiasCounts(
                self.table + other.table,
                has_labels=self.has_labels,
                has_predictions=self.has_predictions,
            )
        union = pa.concat_arrays([self.groups, other.groups.cast(self.groups.type)])
        merged = group_codes(union)
        n = merged.n_groups
        table = np.zeros((n + 1, 2, 2, 2), dtype=np.int64)
        split = len(self.groups)
        for part, slots in (
            (self, merged.codes[:split]),
            (other, merged.codes[split:]),
        ):
            table[slots] += part.table[:-1]
            table[n] += part.table[-1]
        return BiasCounts(
            table,
            groups=merged.values,
            has_labels=self.has_labels,
            has_predictions=self.has_predictions,
        )

    @property
    def n_rows(self) -> int:
        """Number of rows counted."""
        return int(self.table.sum())

    def facet_sizes(self) -> tuple[int, int]:
        """``(n_a, n_d)``: rows in the complement *a* and in the sensitive facet *d*."""
        sizes = self.table.sum(axis=(0, 2, 3))
        return int(sizes[0]), int(sizes[1])

    def label_counts(self) -> IntArray:
        """``counts[f, y]``: rows per facet (0 = a, 1 = d) and observed label (0, 1), shape (2, 2)."""
        counts: IntArray = self.table.sum(axis=(0, 3))
        return counts

    def prediction_counts(self) -> IntArray:
        """``counts[f, p]``: rows per facet and predicted label, shape (2, 2)."""
        counts: IntArray = self.table.sum(axis=(0, 2))
        return counts

    def confusion(self) -> IntArray:
        """``counts[f, y, p]``: each facet's confusion matrix, shape (2, 2, 2)."""
        counts: IntArray = self.table.sum(axis=0)
        return counts


@dataclass(frozen=True, eq=False)
class FlipTestData:
    """The rows FT (the flip test) needs.

    Attributes
    ----------
    features : ndarray of float64, shape (n_rows, n_features)
        The numeric features the k-nearest-neighbour search runs on (Clarify: every column but
        the facet, the label and the predicted label). Empty (0 columns) when ``non_numeric``
        names any column.
    sensitive : ndarray of bool, shape (n_rows,)
        Facet *d* membership.
    predicted : ndarray of bool, shape (n_rows,)
        Positive predicted labels.
    non_numeric : tuple of str, default=()
        Feature columns that are not numeric or boolean; FT is then undefined, as in Clarify.
    workers : int, default=1
        Threads for the nearest-neighbour queries (``-1``: every core).
    """

    features: FloatMatrix
    sensitive: BoolArray
    predicted: BoolArray
    non_numeric: tuple[str, ...] = field(default=())
    workers: int = 1

    @staticmethod
    def feature_matrix(
        columns: Mapping[str, ArrayLike | pa.Array | pa.ChunkedArray],
    ) -> tuple[FloatMatrix, tuple[str, ...]]:
        """``(matrix, non_numeric)``: numeric and boolean columns stacked as float64 columns.

        Nulls become NaN. When any column is neither numeric nor boolean, the matrix is empty and
        ``non_numeric`` names those columns.

        Examples
        --------
        >>> m, bad = FlipTestData.feature_matrix({"x": [1, 2], "y": [True, False]})
        >>> m.tolist(), bad
        ([[1.0, 1.0], [2.0, 0.0]], ())
        >>> FlipTestData.feature_matrix({"x": [1, 2], "s": ["a", "b"]})[1]
        ('s',)
        """
        arrays: list[NDArray[np.float64]] = []
        non_numeric: list[str] = []
        for name, column in columns.items():
            values = _as_float_column(column)
            if values is None:
                non_numeric.append(name)
            else:
                arrays.append(values)
        n = max((a.shape[0] for a in arrays), default=0)
        if any(a.shape[0] != n for a in arrays):
            raise InvalidParameterError(
                "columns of FlipTestData.feature_matrix must all have the same length. "
                f"Got lengths {sorted({a.shape[0] for a in arrays})} instead.",
                field="features",
            )
        if non_numeric:
            return np.empty((n, 0), dtype=np.float64), tuple(non_numeric)
        if not arrays:
            return np.empty((0, 0), dtype=np.float64), ()
        return np.column_stack(arrays), ()


def _as_float_column(column: ArrayLike | pa.Array | pa.ChunkedArray) -> NDArray[np.float64] | None:
    if isinstance(column, pa.ChunkedArray | pa.Array):
        kind = column.type
        if pa.types.is_dictionary(kind):
            return None
        if not (
            pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
        ):
            return None
        cast = pc.cast(column, pa.float64())
        values: NDArray[np.float64] = np.asarray(
            cast.to_numpy(zero_copy_only=False), dtype=np.float64
        )
        return values
    array = np.asarray(column)
    if array.dtype.kind not in "biuf":
        return None
    return array.astype(np.float64)


@dataclass(frozen=True, eq=False)
class BiasData:
    """Everything a bias metric function reads about one facet.

    Attributes
    ----------
    counts : BiasCounts
        The count table (every metric but FT).
    flip_test : FlipTestData or None, default=None
        The rows FT needs; FT is undefined without them.
    """

    counts: BiasCounts
    flip_test: FlipTestData | None = None

    @classmethod
    def from_arrays(
        cls,
        sensitive: ArrayLike,
        *,
        label: ArrayLike | None = None,
        predicted: ArrayLike | None = None,
        group: ArrayLike | pa.Array | GroupCodes | None = None,
        features: Mapping[str, ArrayLike | pa.Array | pa.ChunkedArray] | None = None,
    ) -> BiasData:
        """Build from per-row masks (see :meth:`BiasCounts.from_arrays`).

        Parameters
        ----------
        features : mapping of str to array-like, optional
            FT's feature columns by name, each of shape (n_rows,); needs ``predicted``.

        Examples
        --------
        >>> from vigil.core.bias.pretraining import class_imbalance
        >>> data = BiasData.from_arrays([True, False, False, False])
        >>> class_imbalance(data)
        0.5
        """
        counts = BiasCounts.from_arrays(sensitive, label=label, predicted=predicted, group=group)
        flip = None
        if features is not None:
            if predicted is None:
                raise InvalidParameterError(
                    "predicted of BiasData.from_arrays is required with features (FT).",
                    field="predicted",
                )
            matrix, non_numeric = FlipTestData.feature_matrix(features)
            mask = _bool_array(sensitive, "sensitive", "BiasData.from_arrays")
            if not non_numeric and matrix.shape[1] > 0:
                _same_length(mask.shape[0], matrix, "features", "BiasData.from_arrays")
            flip = FlipTestData(
                matrix if matrix.shape[1] > 0 else np.empty((mask.shape[0], 0)),
                mask,
                _bool_array(predicted, "predicted", "BiasData.from_arrays"),
                non_numeric,
            )
        return cls(counts, flip)


def require_labels(counts: BiasCounts, metric: str) -> None:
    """Raise when a label-based metric is called on counts without labels."""
    if not counts.has_labels:
        raise InvalidParameterError(
            f"data of {metric} must have observed labels (BiasCounts.has_labels).",
            field="label",
        )


def require_predictions(counts: BiasCounts, metric: str) -> None:
    """Raise when a prediction-based metric is called on counts without predicted labels."""
    if not counts.has_predictions:
        raise InvalidParameterError(
            f"data of {metric} must have predicted labels (BiasCounts.has_predictions).",
            field="predicted",
        )
