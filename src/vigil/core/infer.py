"""Data-type inference for baselining, following Deequ's DataType analyzer.

SageMaker's analyzer is built on Deequ 2.0.2 (spec/sagemaker-model-monitor.md §2.2). Each
non-null *text* value is classified by three regular expressions
(``catalyst/StatefulDataType.scala``)::

    INTEGRAL   ^(-|\\+)? ?\\d+$
    FRACTIONAL ^(-|\\+)? ?\\d+((\\.\\d+)|((?:\\.\\d+)?[Ee][-+]?\\d+))$
    BOOLEAN    ^(true|false)$

anything else is String, and a null is Unknown. Typed (Arrow) input skips the regexes: integer
columns are Integral, floating-point columns Fractional, booleans Boolean.

A column's type from its counts (:func:`infer_type`): all Unknown → Unknown; any String, or
Boolean mixed with numbers → String; any Boolean → Boolean; any Fractional → Fractional; else
Integral. Vigil reports Boolean columns as String in statistics.json, since SageMaker's schema
has no Boolean (see :func:`sagemaker_type`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil.errors import InvalidParameterError
from vigil.types import InferredType

__all__ = [
    "BOOLEAN_PATTERN",
    "FRACTIONAL_PATTERN",
    "INTEGRAL_PATTERN",
    "TextSummary",
    "TypeCounts",
    "as_numpy",
    "count_types",
    "infer_type",
    "numeric_values",
    "sagemaker_type",
    "summarize_text",
    "typed_numbers",
]

INTEGRAL_PATTERN = r"^(-|\+)? ?\d+$"
FRACTIONAL_PATTERN = r"^(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))$"
BOOLEAN_PATTERN = r"^(true|false)$"


@dataclass(frozen=True)
class TypeCounts:
    """How many values of a column fell in each Deequ type class.

    Attributes
    ----------
    unknown, integral, fractional, boolean, string : int
        Counts of null, integral, fractional, boolean and other values.
    """

    unknown: int = 0
    integral: int = 0
    fractional: int = 0
    boolean: int = 0
    string: int = 0

    def __add__(self, other: TypeCounts) -> TypeCounts:
        return TypeCounts(
            self.unknown + other.unknown,
            self.integral + other.integral,
            self.fractional + other.fractional,
            self.boolean + other.boolean,
            self.string + other.string,
        )

    @property
    def present(self) -> int:
        """Number of non-null values."""
        return self.integral + self.fractional + self.boolean + self.string

    def count_of(self, inferred: InferredType) -> int:
        """Values that match a baseline's ``inferred_type``, for ``data_type_check``.

        The rules, pair by pair (expected type ← the values that count as it):

        ==============  ==============================================================
        Integral        Integral values only (``"3.0"`` is Fractional: no match)
        Fractional      Fractional and Integral values (an integer is a valid double)
        Boolean         Boolean values only
        String          String values only: numbers and booleans do **not** count as
                        String. Real SageMaker output: a String baseline column whose
                        window holds numbers reports ``Expected data type: String,
                        Expected match: 100.0%. Observed: Only 0.0% of data is String.``
        Unknown         nulls
        ==============  ==============================================================

        Sources: spec sagemaker-model-monitor.md §2.2 (Deequ's type classes by regex),
        §4.2a (``datatype_check_threshold`` is the required fraction), and real
        ``constraint_violations.json`` files of a 143-feature data-quality monitor (issue 15).
        """
        if inferred is InferredType.INTEGRAL:
            return self.integral
        if inferred is InferredType.FRACTIONAL:
            return self.fractional + self.integral
        if inferred is InferredType.BOOLEAN:
            return self.boolean
        if inferred is InferredType.STRING:
            return self.string
        return self.unknown


def _is_text(type_: pa.DataType) -> bool:
    return bool(pa.types.is_string(type_) or pa.types.is_large_string(type_))


def count_types(values: pa.Array | pa.ChunkedArray) -> TypeCounts:
    """Classify every value of one column into Deequ's type classes.

    Parameters
    ----------
    values : pyarrow Array or ChunkedArray of length n_rows
        Text columns are matched against the Deequ regexes; numeric and boolean Arrow types are
        classified by their type; any other type (dates, lists…) counts as String.

    Returns
    -------
    TypeCounts
    """
    n = len(values)
    nulls = values.null_count
    present = n - nulls
    type_ = values.type
    if pa.types.is_dictionary(type_):
        values = values.cast(type_.value_type)
        type_ = type_.value_type
    if pa.types.is_null(type_):
        return TypeCounts(unknown=n)
    if pa.types.is_integer(type_):
        return TypeCounts(unknown=nulls, integral=present)
    if pa.types.is_floating(type_) or pa.types.is_decimal(type_):
        if pa.types.is_floating(type_):
            nan = int(pc.sum(pc.is_nan(values)).as_py() or 0)
            return TypeCounts(unknown=nulls + nan, fractional=present - nan)
        return TypeCounts(unknown=nulls, fractional=present)
    if pa.types.is_boolean(type_):
        return TypeCounts(unknown=nulls, boolean=present)
    if not _is_text(type_):
        return TypeCounts(unknown=nulls, string=present)
    integral = _count_matches(values, INTEGRAL_PATTERN)
    fractional = _count_matches(values, FRACTIONAL_PATTERN)
    boolean = _count_matches(values, BOOLEAN_PATTERN)
    return TypeCounts(
        unknown=nulls,
        integral=integral,
        fractional=fractional,
        boolean=boolean,
        string=present - integral - fractional - boolean,
    )


def _count_matches(values: pa.Array | pa.ChunkedArray, pattern: str) -> int:
    return int(pc.sum(pc.match_substring_regex(values, pattern)).as_py() or 0)


def numeric_values(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The numeric values of one column as float64, nulls and non-numeric text dropped.

    Parameters
    ----------
    values : pyarrow Array or ChunkedArray of length n_rows

    Returns
    -------
    ndarray of shape (n_numeric,), float64
        For text columns, the values matching the Integral or Fractional pattern, parsed
        (a space after the sign, allowed by the pattern, is removed first). NaN floats are
        dropped (they count as missing).
    """
    type_ = values.type
    if pa.types.is_dictionary(type_):
        values = values.cast(type_.value_type)
        type_ = type_.value_type
    if pa.types.is_integer(type_) or pa.types.is_floating(type_) or pa.types.is_decimal(type_):
        out = as_numpy(pc.drop_null(values).cast(pa.float64()))
        return out[~np.isnan(out)] if pa.types.is_floating(type_) else out
    if not _is_text(type_):
        return np.empty(0, dtype=np.float64)
    mask = pc.or_(
        pc.match_substring_regex(values, INTEGRAL_PATTERN),
        pc.match_substring_regex(values, FRACTIONAL_PATTERN),
    )
    numeric = pc.filter(values, mask)
    if len(numeric) == 0:
        return np.empty(0, dtype=np.float64)
    numeric = pc.replace_substring(numeric, " ", "")
    return as_numpy(numeric.cast(pa.float64()))


def typed_numbers(values: pa.Array) -> tuple[TypeCounts, np.ndarray] | None:
    """Type counts and numeric values of an integer, floating-point or decimal Arrow array.

    The same as ``(count_types(values), numeric_values(values))`` for these types, in fewer
    passes over the data.

    Parameters
    ----------
    values : pyarrow Array of shape (n_rows,)

    Returns
    -------
    (TypeCounts, ndarray of shape (n_numeric,), float64) or None
        None when ``values`` is of any other type. A NaN float counts as missing and is dropped.
    """
    type_ = values.type
    present = len(values) - values.null_count
    if pa.types.is_decimal(type_):
        numbers = as_numpy(_drop_nulls(values).cast(pa.float64()))
        return TypeCounts(unknown=values.null_count, fractional=present), numbers
    if pa.types.is_integer(type_):
        numbers = _non_null(values).astype(np.float64)
        return TypeCounts(unknown=values.null_count, integral=present), numbers
    if not pa.types.is_floating(type_):
        return None
    numbers = _non_null(values).astype(np.float64, copy=False)
    nan = np.isnan(numbers)
    n_nan = int(np.count_nonzero(nan))
    if n_nan:
        numbers = numbers[~nan]
    counts = TypeCounts(unknown=values.null_count + n_nan, fractional=int(numbers.size))
    return counts, numbers


def _non_null(values: pa.Array) -> np.ndarray:
    """The non-null values of a fixed-width numeric array, in numpy's matching dtype.

    Reads Arrow's buffers directly: the values as they are stored (a read-only view when there
    is no null), compressed with the validity bitmap when there are nulls. Twice as fast as
    ``drop_null``, and an integer beyond 2**53 is later rounded to the nearest double (as Spark
    and Deequ do) where Arrow's checked cast would raise.
    """
    n = len(values)
    dtype = np.dtype(values.type.to_pandas_dtype())
    buffers = values.buffers()
    if buffers[1] is None or n == 0:
        return np.empty(0, dtype=dtype)
    stored = np.frombuffer(buffers[1], dtype=dtype, count=values.offset + n)[values.offset :]
    if not values.null_count:
        return stored
    bitmap = np.frombuffer(buffers[0], dtype=np.uint8)
    valid = np.unpackbits(bitmap, count=values.offset + n, bitorder="little")[values.offset :]
    kept: np.ndarray = stored[valid.view(bool)]
    return kept


def _drop_nulls(values: pa.Array) -> pa.Array:
    return pc.drop_null(values) if values.null_count else values


def as_numpy(values: pa.Array) -> np.ndarray:
    """A null-free fixed-width Arrow array as a numpy array, without copying when possible.

    Booleans are returned as ``uint8`` (0/1). Unlike ``Array.to_numpy``, this never imports
    pandas (pyarrow does so on first use when pandas is installed, which costs every worker
    process about half a second).

    Raises
    ------
    InvalidParameterError
        If ``values`` holds nulls or is not of a fixed-width numeric or boolean type.
    """
    if values.null_count:
        raise InvalidParameterError("values of as_numpy must hold no nulls.", field="values")
    if pa.types.is_boolean(values.type):
        values = values.cast(pa.uint8())
    if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)):
        raise InvalidParameterError(
            f"values of as_numpy must be numeric or boolean. Got {values.type} instead.",
            field="values",
        )
    dtype = np.dtype(values.type.to_pandas_dtype())
    buffer = values.buffers()[1]
    if buffer is None:
        return np.empty(0, dtype=dtype)
    flat = np.frombuffer(buffer, dtype=dtype, count=len(values) + values.offset)
    return flat[values.offset :]


_INTEGRAL, _FRACTIONAL, _BOOLEAN, _STRING = 0, 1, 2, 3


@dataclass(frozen=True)
class TextSummary:
    """One batch of a text column reduced to its distinct values, classified once each.

    Attributes
    ----------
    uniques : pyarrow StringArray of shape (n_unique,)
        Distinct non-null values.
    counts : ndarray of shape (n_unique,), int64
        Occurrences of each distinct value (may be 0 for unused dictionary entries).
    kinds : ndarray of shape (n_unique,), int8
        0 Integral, 1 Fractional, 2 Boolean, 3 String (Deequ's regexes).
    numbers : ndarray of shape (n_unique,), float64
        The parsed value of numeric entries, NaN for the others.
    indices : ndarray of shape (n_present,), integer
        For each non-null row, in row order, the index of its value in ``uniques``.
    type_counts : TypeCounts
    """

    uniques: pa.Array
    counts: np.ndarray
    kinds: np.ndarray
    numbers: np.ndarray
    indices: np.ndarray
    type_counts: TypeCounts

    @property
    def is_numeric(self) -> np.ndarray:
        """Boolean mask over ``uniques``: Integral or Fractional entries."""
        return self.kinds <= _FRACTIONAL

    def numeric_values(self) -> np.ndarray:
        """The numeric values of the batch in row order, shape (n_numeric,), float64."""
        values: np.ndarray = self.numbers[self.indices]
        kept: np.ndarray = values[~np.isnan(values)]
        return kept


def summarize_text(values: pa.Array) -> TextSummary:
    """Classify a text (or dictionary-of-text) column by its distinct values.

    Each distinct value is matched against Deequ's regexes once, so a categorical column costs
    a hash of its rows plus regexes over its categories, not regexes over every row.

    Parameters
    ----------
    values : pyarrow StringArray, LargeStringArray or DictionaryArray of strings, shape (n_rows,)
    """
    nulls = values.null_count
    present = pc.drop_null(values) if nulls else values
    encoded = present if pa.types.is_dictionary(present.type) else pc.dictionary_encode(present)
    uniques = encoded.dictionary
    if not (pa.types.is_string(uniques.type) or pa.types.is_large_string(uniques.type)):
        uniques = uniques.cast(pa.string())
    indices = as_numpy(encoded.indices)
    counts = np.bincount(indices, minlength=len(uniques)).astype(np.int64)
    integral, fractional, boolean = _classify(uniques)
    kinds = np.full(len(uniques), _STRING, dtype=np.int8)
    kinds[boolean] = _BOOLEAN
    kinds[fractional] = _FRACTIONAL
    kinds[integral] = _INTEGRAL
    numeric = integral | fractional
    numbers = np.full(len(uniques), np.nan)
    if numeric.any():
        chosen = pc.filter(uniques, pa.array(numeric))
        parsed = pc.replace_substring(chosen, " ", "").cast(pa.float64())
        numbers[numeric] = as_numpy(parsed)
    type_counts = TypeCounts(
        unknown=nulls,
        integral=int(counts[integral].sum()),
        fractional=int(counts[fractional].sum()),
        boolean=int(counts[boolean].sum()),
        string=int(counts[kinds == _STRING].sum()),
    )
    return TextSummary(uniques, counts, kinds, numbers, indices, type_counts)


_CANDIDATE_FIRST_BYTES = np.zeros(256, dtype=bool)
_CANDIDATE_FIRST_BYTES[list(b"-+ 0123456789tf")] = True
"""The bytes a value can start with and match one of the three patterns (labels rarely do)."""


def _candidates(uniques: pa.Array) -> np.ndarray:
    """Boolean mask over a null-free string array: values whose first byte is a candidate."""
    n = len(uniques)
    buffers = uniques.buffers()
    if n == 0 or buffers[1] is None or buffers[2] is None:
        return np.zeros(n, dtype=bool)
    width = np.int64 if pa.types.is_large_string(uniques.type) else np.int32
    raw = np.frombuffer(buffers[1], dtype=width, count=uniques.offset + n + 1)
    offsets = raw[uniques.offset :].astype(np.int64)
    starts = offsets[:-1]
    nonempty = offsets[1:] > starts
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    if data.size == 0:
        return np.zeros(n, dtype=bool)
    first = data[np.where(nonempty, starts, 0)]
    mask: np.ndarray = _CANDIDATE_FIRST_BYTES[first] & nonempty
    return mask


def _classify(uniques: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean masks over ``uniques``: Integral, Fractional and Boolean by Deequ's regexes.

    The three patterns run only over the values that can match, by their first byte: a
    column of labels then costs no regex at all.
    """
    n = len(uniques)
    candidates = _candidates(uniques)
    found = int(np.count_nonzero(candidates))
    masks = (np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
    if found == 0:
        return masks
    subset = uniques if found == n else pc.filter(uniques, pa.array(candidates))
    patterns = (INTEGRAL_PATTERN, FRACTIONAL_PATTERN, BOOLEAN_PATTERN)
    for mask, pattern in zip(masks, patterns, strict=True):
        matched = as_numpy(pc.match_substring_regex(subset, pattern)).astype(bool)
        if found == n:
            mask[:] = matched
        else:
            mask[candidates] = matched
    return masks


def infer_type(counts: TypeCounts) -> InferredType:
    """A column's type from its value counts, by Deequ's rule (see the module docstring)."""
    if counts.present == 0:
        return InferredType.UNKNOWN
    numbers = counts.integral + counts.fractional
    if counts.string > 0 or (counts.boolean > 0 and numbers > 0):
        return InferredType.STRING
    if counts.boolean > 0:
        return InferredType.BOOLEAN
    if counts.fractional > 0:
        return InferredType.FRACTIONAL
    return InferredType.INTEGRAL


def sagemaker_type(inferred: InferredType) -> InferredType:
    """The type written to statistics.json: Boolean is reported as String (SageMaker has none)."""
    return InferredType.STRING if inferred is InferredType.BOOLEAN else inferred
