"""Join ground-truth labels to captured predictions by key, and count how well they cover them.

Keys (spec §1.5): a capture record's key is its ``inferenceId`` when it has one, else its
``eventId``; a ground-truth record's key is its ``eventMetadata.eventId``. The caller extracts
them; this module only matches strings.

Rules
    * Labels are given in filing order (hour folder, then file name, then line): when several
      labels share a key, the **latest wins** and the others are counted as duplicates (for
      the keys of the window's predictions).
    * Every prediction whose key has a label is merged with that label. Predictions sharing a
      key (a client that reuses inference ids) all get the same label; they are counted.
    * Labels whose key matches no prediction of the window are counted, not an error: the
      ground-truth hours read for a window also hold labels of later predictions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from vigil.errors import InvalidParameterError

__all__ = ["GroundTruthCoverage", "Merge", "merge_ground_truth"]

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class GroundTruthCoverage:
    """How the labels read covered the predictions of a window.

    Attributes
    ----------
    predictions : int
        Predictions in the window.
    labels : int
        Ground-truth records read (with a key and a usable label).
    merged : int
        Predictions that found a label.
    duplicate_labels : int
        Label records superseded by a later label with the same key, for the keys of the
        window's predictions (duplicates of other windows' keys are theirs to count).
    labels_without_prediction : int
        Distinct label keys that match no prediction of the window.
    duplicate_prediction_keys : int
        Predictions whose key an earlier prediction of the window already had.
    """

    predictions: int
    labels: int
    merged: int
    duplicate_labels: int
    labels_without_prediction: int
    duplicate_prediction_keys: int

    @property
    def coverage(self) -> float:
        """``merged / predictions`` in [0, 1]; NaN without predictions."""
        return self.merged / self.predictions if self.predictions else math.nan


@dataclass(frozen=True)
class Merge:
    """Which prediction row got which label row.

    Attributes
    ----------
    prediction_rows : ndarray of int64
        Rows of the predictions that found a label, increasing.
    label_rows : ndarray of int64
        For each of them, the row of the (latest) label.
    coverage : GroundTruthCoverage
    """

    prediction_rows: IntArray
    label_rows: IntArray
    coverage: GroundTruthCoverage


def _indices(array: pa.Array) -> IntArray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.int64)


def _as_one_array(keys: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks() if keys.num_chunks else pa.array([], type=keys.type)
    if not (pa.types.is_string(keys.type) or pa.types.is_large_string(keys.type)):
        raise InvalidParameterError(
            f"keys of merge_ground_truth must be a string array. Got {keys.type} instead."
        )
    return keys


def _concat_keys(first: pa.Array, second: pa.Array) -> pa.Array:
    """One array of both key columns; 64-bit offsets only when 32-bit ones would overflow."""
    size = first.nbytes + second.nbytes
    kind = pa.large_string() if size >= 2**31 - 1 else pa.string()
    if first.type != kind:
        first = first.cast(kind)
    if second.type != kind:
        second = second.cast(kind)
    return pa.concat_arrays([first, second])


def merge_ground_truth(
    prediction_keys: pa.Array | pa.ChunkedArray,
    label_keys: pa.Array | pa.ChunkedArray,
) -> Merge:
    """Match labels to predictions by key, the latest label winning.

    Keys are compared as strings, through Arrow's hash kernel (``dictionary_encode`` over
    the labels' and the predictions' keys together): a key's code depends on the key alone,
    never on the other keys of its batch, its length or the file it came from.

    Parameters
    ----------
    prediction_keys : pyarrow string array of length n_predictions
        Key of each prediction (no nulls).
    label_keys : pyarrow string array of length n_labels
        Key of each label, in filing order (no nulls).

    Returns
    -------
    Merge

    Raises
    ------
    InvalidParameterError
        If a key column is not a string array.

    Examples
    --------
    >>> m = merge_ground_truth(pa.array(["a", "b", "c"]), pa.array(["b", "x", "b", "a"]))
    >>> m.prediction_rows.tolist(), m.label_rows.tolist()
    ([0, 1], [3, 2])
    >>> c = m.coverage
    >>> c.merged, c.duplicate_labels, c.labels_without_prediction, c.coverage
    (2, 1, 1, 0.6666666666666666)
    """
    prediction_keys = _as_one_array(prediction_keys)
    label_keys = _as_one_array(label_keys)
    n_label = len(label_keys)
    encoded = pc.dictionary_encode(_concat_keys(label_keys, prediction_keys))
    codes = _indices(encoded.indices)
    k = len(encoded.dictionary)
    label_codes, prediction_codes = codes[:n_label], codes[n_label:]
    latest = np.full(k, -1, dtype=np.int64)  # the last label row of each key (filed last)
    np.maximum.at(latest, label_codes, np.arange(n_label, dtype=np.int64))
    label_counts = np.bincount(label_codes, minlength=k)
    prediction_counts = np.bincount(prediction_codes, minlength=k)
    matched = latest[prediction_codes]
    rows = np.flatnonzero(matched >= 0).astype(np.int64)
    predicted = prediction_counts > 0
    coverage = GroundTruthCoverage(
        predictions=len(prediction_keys),
        labels=n_label,
        merged=int(rows.size),
        duplicate_labels=int(np.sum(np.maximum(label_counts - 1, 0)[predicted])),
        labels_without_prediction=int(np.sum((label_counts > 0) & ~predicted)),
        duplicate_prediction_keys=int(np.sum(np.maximum(prediction_counts - 1, 0))),
    )
    return Merge(prediction_rows=rows, label_rows=matched[rows], coverage=coverage)
