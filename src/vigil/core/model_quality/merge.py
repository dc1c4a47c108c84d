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

__all__ = ["GroundTruthCoverage", "Merge", "key_hashes", "merge_ground_truth"]

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


_MIX = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_BYTE_MASKS = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [2**64 - 1], dtype=np.uint64)
_CHUNK = 1 << 16


def key_hashes(keys: pa.Array | pa.ChunkedArray) -> NDArray[np.uint64]:
    """A 64-bit hash of every key, the same on every machine and in every process.

    Computed column-wise from Arrow's buffers, 8 bytes at a time (a null key hashes as the
    empty string). Workers hash their own keys, so the join itself only compares integers.

    Examples
    --------
    >>> h = key_hashes(pa.array(["a", "b", "a", "a-longer-key-than-eight-bytes"]))
    >>> bool(h[0] == h[2]), bool(h[0] != h[1]), h.dtype.name
    (True, True, 'uint64')
    """
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    if not pa.types.is_large_string(keys.type):
        keys = keys.cast(pa.large_string())
    n = len(keys)
    buffers = keys.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64, count=n + 1, offset=keys.offset * 8)
    raw = buffers[2].to_pybytes() if buffers[2] is not None else b""
    data = np.frombuffer(raw[offsets[0] : offsets[-1]] + bytes(8), dtype=np.uint8)
    words = np.ndarray(shape=(data.size - 7,), dtype="<u8", buffer=data, strides=(1,))
    starts = offsets[:-1] - offsets[0]
    lengths = np.diff(offsets)
    out = np.empty(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for lo in range(0, n, _CHUNK):
            s, length = starts[lo : lo + _CHUNK], lengths[lo : lo + _CHUNK]
            h = length.astype(np.uint64) * _MIX
            for j in range(0, int(length.max(initial=0)), 8):
                left = np.clip(length - j, 0, 8)
                word = words[np.minimum(s + j, words.size - 1)] & _BYTE_MASKS[left]
                h = (h ^ word) * _MIX
                h ^= h >> np.uint64(29)
            h ^= h >> np.uint64(32)
            h *= _MIX2
            h ^= h >> np.uint64(29)
            out[lo : lo + _CHUNK] = h
    return out


def _merge_exact(
    prediction_keys: pa.Array, label_keys: pa.Array
) -> tuple[IntArray, IntArray, IntArray]:
    """``(prediction rows, label rows, counts)`` by hashing the key strings themselves."""
    n_label = len(label_keys)
    keys = pa.concat_arrays(
        [label_keys.cast(pa.large_string()), prediction_keys.cast(pa.large_string())]
    )
    encoded = pc.dictionary_encode(keys)
    codes = _indices(encoded.indices)
    k = len(encoded.dictionary)
    label_codes, prediction_codes = codes[:n_label], codes[n_label:]
    latest = np.full(k, -1, dtype=np.int64)
    np.maximum.at(latest, label_codes, np.arange(n_label, dtype=np.int64))
    label_counts = np.bincount(label_codes, minlength=k)
    prediction_counts = np.bincount(prediction_codes, minlength=k)
    matched = latest[prediction_codes]
    rows = np.flatnonzero(matched >= 0).astype(np.int64)
    predicted = prediction_counts > 0
    counts = np.array(
        [
            np.sum(np.maximum(label_counts - 1, 0)[predicted]),
            np.sum((label_counts > 0) & ~predicted),
            np.sum(np.maximum(prediction_counts - 1, 0)),
        ],
        dtype=np.int64,
    )
    return rows, matched[rows], counts


def _merge_hashed(
    prediction_keys: pa.Array,
    label_keys: pa.Array,
    prediction_hashes: NDArray[np.uint64],
    label_hashes: NDArray[np.uint64],
) -> tuple[IntArray, IntArray, IntArray] | None:
    """The merge on 64-bit hashes (sorting integers, not hashing strings), or None if a merged
    pair turns out to have different keys (a collision: the caller merges exactly)."""
    n_pred = prediction_hashes.size
    order = np.argsort(label_hashes)
    ordered = label_hashes[order]
    first = np.ones(ordered.size, dtype=np.bool_)
    first[1:] = ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(first)
    unique = ordered[starts]
    latest = np.maximum.reduceat(order, starts) if starts.size else order  # filed last
    sizes = np.diff(np.concatenate([starts, [ordered.size]]))
    by_hash = np.argsort(prediction_hashes)  # sorted queries: a cache-friendly search
    queries = prediction_hashes[by_hash]
    pos = np.empty(n_pred, dtype=np.int64)
    pos[by_hash] = np.minimum(np.searchsorted(unique, queries), max(unique.size - 1, 0))
    found = unique[pos] == prediction_hashes if unique.size else np.zeros(n_pred, np.bool_)
    rows = np.flatnonzero(found).astype(np.int64)
    label_rows = latest[pos[rows]].astype(np.int64)
    if rows.size:
        same = pc.equal(prediction_keys.take(pa.array(rows)), label_keys.take(pa.array(label_rows)))
        if not pc.all(same).as_py():
            return None
    hit = np.zeros(unique.size, dtype=np.bool_)
    hit[pos[rows]] = True
    distinct_predictions = int(np.count_nonzero(queries[1:] != queries[:-1])) + (n_pred > 0)
    counts = np.array(
        [np.sum(sizes[hit] - 1), np.count_nonzero(~hit), n_pred - distinct_predictions],
        dtype=np.int64,
    )
    return rows, label_rows, counts


def merge_ground_truth(
    prediction_keys: pa.Array | pa.ChunkedArray,
    label_keys: pa.Array | pa.ChunkedArray,
    *,
    prediction_hashes: NDArray[np.uint64] | None = None,
    label_hashes: NDArray[np.uint64] | None = None,
) -> Merge:
    """Match labels to predictions by key, the latest label winning.

    Keys are compared through their :func:`key_hashes` (sorting 64-bit integers is several
    times faster than hashing strings again), and every merged pair is then checked to have
    equal keys; should two keys ever share a hash (odds of about n²/2⁶⁵), the merge is redone
    on the strings themselves. The counts of labels without a prediction and of duplicates
    rest on the hashes alone.

    Parameters
    ----------
    prediction_keys : pyarrow string array of length n_predictions
        Key of each prediction (no nulls).
    label_keys : pyarrow string array of length n_labels
        Key of each label, in filing order (no nulls).
    prediction_hashes, label_hashes : ndarray of uint64, optional
        Their :func:`key_hashes`, if already computed (by the workers that read them).

    Returns
    -------
    Merge

    Examples
    --------
    >>> m = merge_ground_truth(pa.array(["a", "b", "c"]), pa.array(["b", "x", "b", "a"]))
    >>> m.prediction_rows.tolist(), m.label_rows.tolist()
    ([0, 1], [3, 2])
    >>> c = m.coverage
    >>> c.merged, c.duplicate_labels, c.labels_without_prediction, c.coverage
    (2, 1, 1, 0.6666666666666666)
    """
    if isinstance(prediction_keys, pa.ChunkedArray):
        prediction_keys = prediction_keys.combine_chunks()
    if isinstance(label_keys, pa.ChunkedArray):
        label_keys = label_keys.combine_chunks()
    if prediction_hashes is None:
        prediction_hashes = key_hashes(prediction_keys)
    if label_hashes is None:
        label_hashes = key_hashes(label_keys)
    merged = _merge_hashed(prediction_keys, label_keys, prediction_hashes, label_hashes)
    rows, label_rows, counts = (
        merged if merged is not None else _merge_exact(prediction_keys, label_keys)
    )
    coverage = GroundTruthCoverage(
        predictions=len(prediction_keys),
        labels=len(label_keys),
        merged=int(rows.size),
        duplicate_labels=int(counts[0]),
        labels_without_prediction=int(counts[1]),
        duplicate_prediction_keys=int(counts[2]),
    )
    return Merge(prediction_rows=rows, label_rows=label_rows, coverage=coverage)
