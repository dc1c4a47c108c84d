"""Turn raw label, prediction and probability values into what the metrics take.

Values arrive as text (CSV fields, ground-truth ``data`` strings, capture payloads) or typed
(Parquet columns). The rules, applied the same way at baseline and monitoring time:

* numbers (:func:`to_numbers`): leading/trailing whitespace ignored; ``true``/``false``
  (any case) are 1 and 0; anything that is not a finite number (empty, null, ``abc``, ``nan``,
  ``inf``) is invalid;
* binary labels (:func:`to_binary`): a number equal to 1 is the positive class, 0 the
  negative one; anything else is invalid (``"1.0"`` and ``"true"`` are 1; ``"2"``, ``"yes"`` are
  invalid);
* probabilities to labels (:func:`apply_threshold`): positive when ``probability >=
  threshold``;
* classes (:func:`to_classes`): when every actual and predicted value is an integral number,
  classes are those integers (``"1"``, ``"1.0"`` and ``1`` are the same class, named ``"1"``,
  ordered numerically); otherwise classes are the trimmed texts, compared exactly and ordered
  as strings. Null or empty values are invalid.

Invalid values are reported through a boolean ``valid`` array rather than raised: the jobs count
and report the rows they drop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

__all__ = ["Classes", "apply_threshold", "to_binary", "to_classes", "to_numbers"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.string())
    trimmed: pa.Array = pc.utf8_trim_whitespace(values)
    return trimmed


def to_numbers(values: pa.Array | pa.ChunkedArray) -> tuple[FloatArray, BoolArray]:
    """``(numbers, valid)``: values as float64 (NaN where invalid) and which were valid.

    Examples
    --------
    >>> numbers, valid = to_numbers(pa.array([" 0.25", "1", "true", "abc", None, "nan"]))
    >>> numbers[:3].tolist(), valid.tolist()
    ([0.25, 1.0, 1.0], [True, True, True, False, False, False])
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    kind = values.type
    if pa.types.is_boolean(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind):
        numbers = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    else:
        text = pc.utf8_lower(_text(values))
        text = pc.if_else(
            pc.equal(text, "true"), "1", pc.if_else(pc.equal(text, "false"), "0", text)
        )
        try:
            numbers = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            numbers = np.array([_parse(v) for v in text.to_pylist()], dtype=np.float64)
    numbers = np.asarray(numbers, dtype=np.float64)
    valid = np.isfinite(numbers)
    return np.where(valid, numbers, np.nan), valid


def _parse(value: str | None) -> float:
    if value is None:
        return float("nan")
    try:
        return float(value)
    except ValueError:
        return float("nan")


def to_binary(values: pa.Array | pa.ChunkedArray) -> tuple[BoolArray, BoolArray]:
    """``(positive, valid)``: which values are the positive class, and which are 0/1 at all.

    Examples
    --------
    >>> positive, valid = to_binary(pa.array(["1", "0.0", "true", "2", "yes"]))
    >>> positive.tolist(), valid.tolist()
    ([True, False, True, False, False], [True, True, True, False, False])
    """
    numbers, valid = to_numbers(values)
    positive = numbers == 1.0
    return positive, valid & (positive | (numbers == 0.0))


def apply_threshold(probabilities: FloatArray, threshold: float) -> BoolArray:
    """Positive where ``probability >= threshold``.

    Examples
    --------
    >>> apply_threshold(np.array([0.2, 0.5, 0.9]), 0.5).tolist()
    [False, True, True]
    """
    return np.asarray(probabilities >= threshold, dtype=np.bool_)


@dataclass(frozen=True)
class Classes:
    """Actual and predicted values of a multiclass problem, encoded.

    Attributes
    ----------
    actual, predicted : ndarray of int64
        Class index of each row (meaningless where not ``valid``).
    names : tuple of str
        Class names by index.
    valid : ndarray of bool
        Rows whose actual and predicted values are both usable.
    """

    actual: NDArray[np.int64]
    predicted: NDArray[np.int64]
    names: tuple[str, ...]
    valid: BoolArray


def to_classes(
    actual: pa.Array | pa.ChunkedArray, predicted: pa.Array | pa.ChunkedArray
) -> Classes:
    """Encode actual and predicted classes with one set of names (see the module docstring).

    Examples
    --------
    >>> c = to_classes(pa.array(["1", "2.0", "10"]), pa.array([1, 2, 2]))
    >>> c.names, c.actual.tolist(), c.predicted.tolist()
    (('1', '2', '10'), [0, 1, 2], [0, 1, 1])
    """
    n = len(actual)
    numbers_a, valid_a = to_numbers(actual)
    numbers_p, valid_p = to_numbers(predicted)
    both = np.concatenate([numbers_a, numbers_p])
    if valid_a.all() and valid_p.all() and np.all(both == np.round(both)):
        names_sorted, inverse = np.unique(both, return_inverse=True)
        names = tuple(str(int(v)) for v in names_sorted.tolist())
        valid = np.ones(n, dtype=np.bool_)
    else:
        text = pa.concat_arrays([_text(actual), _text(predicted)])
        present = pc.and_(pc.is_valid(text), pc.not_equal(text, "")).fill_null(False)
        present_np = np.asarray(present.to_numpy(zero_copy_only=False), dtype=np.bool_)
        filled = pc.if_else(present, text, "").to_numpy(zero_copy_only=False).astype(str)
        names_sorted, inverse = np.unique(filled, return_inverse=True)
        kept = np.unique(inverse[present_np])
        remap = np.full(names_sorted.size, -1, dtype=np.int64)
        remap[kept] = np.arange(kept.size)
        inverse = remap[inverse]
        names = tuple(str(v) for v in names_sorted[kept].tolist())
        valid = present_np[:n] & present_np[n:]
    codes = np.asarray(inverse, dtype=np.int64)
    return Classes(actual=codes[:n], predicted=codes[n:], names=names, valid=valid)
