"""Facets, labels and predicted labels: from columns to boolean masks, as Clarify reads them.

Clarify's ``analysis_config.json`` gives a facet as ``{name_or_index, value_or_threshold}`` and
the label as ``label`` + ``label_values_or_threshold``. Whether the list holds *values* or a
*threshold* is not written down: Clarify decides from the column (``smclarify`` 0.5,
``common.series_datatype``), and :func:`column_kind` repeats that rule:

* categorical when the column is a dictionary (pandas ``category``) column, when more than one
  value is given, or when it is boolean;
* continuous when it is floating point;
* an integer column (or a text column whose every value parses as an integer) is continuous when
  its share of distinct values, ``n_unique / n_non_null``, is at least 0.05, categorical
  otherwise. Beware: a 0/1 column of fewer than 40 rows is therefore "continuous" in Clarify,
  and ``[1]`` becomes the threshold 1 (spec clarify.md §0).

Then (``smclarify`` ``report.py``):

* **values** (:class:`Values`): the sensitive group (or the positive label) is the rows equal to
  any of the values. If none matches, the values are converted to the type of the column's first
  value (``1`` matches the text ``"1"``). Printed as ``",".join(map(str, values))``.
* **threshold** (:class:`Threshold`): the rows in the interval ``(t, max]``, ``max`` being the
  column's largest value, i.e. the rows *above* ``t`` (the SDK: the threshold is an exclusive
  lower bound; the analysis-config page's "advantaged" wording is wrong). Printed as pandas
  prints the interval, in the column's own type: ``"(40, 75]"`` for an integer column and
  threshold, ``"(0.5, 0.9936148802477393]"`` for a float column (:func:`interval_text`).
  Clarify's quirk is kept: when ``|max|`` equals ``t`` the interval is empty and printed ``""``.
* **no values** for a categorical facet: one sensitive group per distinct value, one against the
  rest, in order of first appearance.

Predicted labels use the label's values or threshold. A model returning a probability gives the
predicted label 1 when the probability is *above* ``probability_threshold`` (default 0.5) and 0
otherwise (:func:`predicted_labels_from_probability`).

Columns are 1-D numpy arrays, sequences or pyarrow arrays; nulls (``None``, and ``NaN`` in a
float column) belong to no facet value and are never above a threshold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import ArrayLike, NDArray

from vigil.core.bias.counts import BoolArray
from vigil.errors import InvalidParameterError

__all__ = [
    "UNIQUENESS_THRESHOLD",
    "Column",
    "ColumnKind",
    "GroupRule",
    "Membership",
    "Scalar",
    "Threshold",
    "Values",
    "column_kind",
    "interval_text",
    "positive_labels",
    "predicted_labels_from_probability",
    "predicted_positive",
    "rule_for",
    "sensitive_groups",
]

Scalar = str | int | float | bool
"""A facet or label value as written in ``analysis_config.json``."""

Column: TypeAlias = ArrayLike | pa.Array | pa.ChunkedArray
"""A column: a 1-D numpy array or sequence, or a pyarrow array."""

ColumnKind = Literal["categorical", "continuous"]
"""Clarify's two data types for facet, label and predicted-label columns."""

UNIQUENESS_THRESHOLD = 0.05
"""Share of distinct values from which Clarify treats an integer column as continuous."""


@dataclass(frozen=True)
class Values:
    """Select the rows equal to any of ``values`` (a categorical facet or label).

    Examples
    --------
    >>> Values(("Female",)).text
    'Female'
    """

    values: tuple[Scalar, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise InvalidParameterError(
                "values of Values must name at least one value. Got () instead.", field="values"
            )

    @property
    def text(self) -> str:
        """How Clarify prints the selection: the values joined by commas."""
        return ",".join(map(str, self.values))


@dataclass(frozen=True)
class Threshold:
    """Select the rows whose value is above ``threshold`` (a continuous facet or label)."""

    threshold: int | float

    def __post_init__(self) -> None:
        value = self.threshold
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise InvalidParameterError(
                f"threshold of Threshold must be a number. Got {value!r} instead.",
                field="threshold",
            )


GroupRule = Values | Threshold
"""How a facet's sensitive group, or the positive labels, are chosen."""


@dataclass(frozen=True, eq=False)
class Membership:
    """One resolved selection: which rows, and how Clarify prints the selection.

    Attributes
    ----------
    value_or_threshold : str
        Clarify's text: ``"Female"``, ``"1,2"``, ``"(40, 75]"``.
    mask : ndarray of bool, shape (n_rows,)
        True for the selected rows (facet *d*, or the positive labels).
    """

    value_or_threshold: str
    mask: BoolArray

    @property
    def count(self) -> int:
        """Number of selected rows."""
        return int(np.count_nonzero(self.mask))


def _arrow(column: Column) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        array = column.combine_chunks()
    elif isinstance(column, pa.Array):
        array = column
    else:
        values: NDArray[np.generic] = np.asarray(column)
        if values.ndim != 1:
            raise InvalidParameterError(
                f"a column must be one-dimensional. Got shape {values.shape} instead.",
                field="column",
            )
        array = pa.array(values, from_pandas=True)
    if pa.types.is_floating(array.type) and len(array) and pc.any(pc.is_nan(array)).as_py():
        array = pc.if_else(pc.is_nan(array), pa.scalar(None, array.type), array)
    return array


def _decoded(array: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(array.type):
        decoded: pa.Array = array.dictionary_decode()
        return decoded
    return array


def _to_bool(array: pa.Array | pa.ChunkedArray) -> BoolArray:
    filled = pc.fill_null(array, False)
    mask: BoolArray = np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.bool_)
    return mask


def _parses_as_integers(array: pa.Array) -> pa.Array | None:
    if array.null_count:
        return None
    try:
        cast: pa.Array = pc.cast(array, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return cast


def column_kind(column: Column, value_or_threshold: Sequence[Scalar] | None = None) -> ColumnKind:
    """Clarify's data type of a facet, label or predicted-label column (module docstring).

    Parameters
    ----------
    column : array-like or pyarrow.Array of shape (n_rows,)
    value_or_threshold : sequence, optional
        The values given in the config; more than one makes the column categorical.

    Examples
    --------
    >>> column_kind([0.1, 0.7]), column_kind(["F", "M"]), column_kind([True, False])
    ('continuous', 'categorical', 'categorical')
    >>> column_kind([0, 1] * 50), column_kind([0, 1] * 10)
    ('categorical', 'continuous')
    """
    array = _arrow(column)
    kind = array.type
    if pa.types.is_dictionary(kind):
        return "categorical"
    if value_or_threshold is not None and len(value_or_threshold) > 1:
        return "categorical"
    if pa.types.is_floating(kind):
        return "continuous"
    numbers: pa.Array | None = None
    if pa.types.is_integer(kind):
        numbers = array
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        numbers = _parses_as_integers(array)
    if numbers is None:
        return "categorical"
    count = len(numbers) - numbers.null_count
    if count == 0:
        return "categorical"
    distinct = pc.count_distinct(numbers, mode="only_valid").as_py()
    return "continuous" if distinct / count >= UNIQUENESS_THRESHOLD else "categorical"


def rule_for(column: Column, value_or_threshold: Sequence[Scalar] | None) -> GroupRule | None:
    """Read a config's ``value_or_threshold`` (or ``label_values_or_threshold``) as Clarify does.

    Parameters
    ----------
    column : array-like or pyarrow.Array of shape (n_rows,)
        The facet or label column.
    value_or_threshold : sequence or None
        The config's list; None or empty for a facet analysed one value against the rest.

    Returns
    -------
    Values, Threshold or None
        None: no values given for a categorical column (one sensitive group per value).

    Raises
    ------
    InvalidParameterError
        If the column is continuous and no single numeric threshold is given.

    Examples
    --------
    >>> rule_for([0.2, 0.7, 0.9], [0.5])
    Threshold(threshold=0.5)
    >>> rule_for(["F", "M"], ["F"])
    Values(values=('F',))
    >>> rule_for([25, 31, 40, 58], ["40"])
    Threshold(threshold=40.0)
    """
    given = list(value_or_threshold) if value_or_threshold else []
    if column_kind(column, given) == "categorical":
        return Values(tuple(given)) if given else None
    if not given:
        raise InvalidParameterError(
            "value_or_threshold must hold a threshold for a continuous column. Got none instead.",
            field="value_or_threshold",
        )
    first = given[0]
    if isinstance(first, bool) or not isinstance(first, int | float):
        try:
            first = float(first)
        except ValueError:
            raise InvalidParameterError(
                "value_or_threshold must be a single numeric threshold for a continuous column. "
                f"Got {given!r} instead.",
                field="value_or_threshold",
            ) from None
    return Threshold(first)


def interval_text(low: int | float, high: int | float) -> str:
    """Print the interval ``(low, high]`` as pandas does (``str(pandas.Interval)``).

    Both ends print as integers when both are integers, as floats otherwise (pandas gives the
    interval the common type of its breaks).

    Examples
    --------
    >>> interval_text(40, 75), interval_text(0.5, 0.9936148802477393), interval_text(40.0, 75)
    ('(40, 75]', '(0.5, 0.9936148802477393]', '(40.0, 75.0]')
    """
    if isinstance(low, int) and isinstance(high, int):
        return f"({low}, {high}]"
    return f"({np.float64(low)!s}, {np.float64(high)!s}]"


def _numeric(array: pa.Array, name: str) -> pa.Array:
    if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
        return array
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        numbers = _parses_as_integers(array)
        if numbers is not None:
            return numbers
    raise InvalidParameterError(
        f"{name} must be numeric to be compared with a threshold. Got {array.type} instead.",
        field=name,
    )


def _above(array: pa.Array, rule: Threshold, maximum: int | float | None) -> Membership:
    """Clarify's ``_interval_index`` + ``_continuous_data_idx`` for one threshold."""
    t = rule.threshold
    if maximum is None:
        return Membership(interval_text(t, math.nan), np.zeros(len(array), dtype=np.bool_))
    if abs(maximum) == t:  # Clarify adds max to the breaks only if |max| is not a threshold
        return Membership("", np.zeros(len(array), dtype=np.bool_))
    low, high = sorted((t, maximum))
    inside = pc.and_(pc.greater(array, pa.scalar(low)), pc.less_equal(array, pa.scalar(high)))
    return Membership(interval_text(low, high), _to_bool(inside))


def _maximum(array: pa.Array) -> int | float | None:
    value = pc.max(array).as_py()
    if value is None or isinstance(value, int | float):
        return value
    raise InvalidParameterError(  # pragma: no cover - _numeric guarantees numbers
        f"a threshold column must be numeric. Got {array.type} instead.", field="column"
    )


def _equal_any(array: pa.Array, values: Sequence[Scalar]) -> BoolArray:
    mask = np.zeros(len(array), dtype=np.bool_)
    for value in values:
        try:
            equal = pc.equal(array, pa.scalar(value))
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
            continue
        mask |= _to_bool(equal)
    return mask


def _coerced(values: Sequence[Scalar], example: object) -> list[Scalar] | None:
    """Clarify's ``convert_positive_label_values``: values as the type of the first value."""
    if example is None or isinstance(values[0], type(example)):
        return None
    try:
        if isinstance(example, bool):
            return [v.strip().lower() == "true" if isinstance(v, str) else bool(v) for v in values]
        if isinstance(example, str):
            return [str(v) for v in values]
        if isinstance(example, int):
            try:
                return [int(v) for v in values]
            except ValueError:
                return [float(v) for v in values]
        if isinstance(example, float):
            return [float(v) for v in values]
    except ValueError:
        return None
    return None


def _select_values(array: pa.Array, rule: Values) -> Membership:
    decoded = _decoded(array)
    mask = _equal_any(decoded, rule.values)
    if not mask.any() and len(decoded):
        converted = _coerced(rule.values, decoded[0].as_py())
        if converted is not None:
            mask = _equal_any(decoded, converted)
    return Membership(rule.text, mask)


def sensitive_groups(column: Column, rule: GroupRule | None) -> tuple[Membership, ...]:
    """The sensitive group(s) of one facet.

    Parameters
    ----------
    column : array-like or pyarrow.Array of shape (n_rows,)
        The facet column.
    rule : Values, Threshold or None
        None analyses each distinct value against the rest (categorical columns only).

    Returns
    -------
    tuple of Membership
        One entry, or one per distinct non-null value (in order of first appearance).

    Raises
    ------
    InvalidParameterError
        If ``rule`` is None for a continuous column, or a threshold meets a non-numeric column.

    Examples
    --------
    >>> [(g.value_or_threshold, g.mask.tolist()) for g in sensitive_groups(["M", "F", "M"], None)]
    [('M', [True, False, True]), ('F', [False, True, False])]
    >>> g, = sensitive_groups([25, 40, 41, 75], Threshold(40))
    >>> g.value_or_threshold, g.mask.tolist()
    ('(40, 75]', [False, False, True, True])
    """
    array = _arrow(column)
    if isinstance(rule, Values):
        return (_select_values(array, rule),)
    if isinstance(rule, Threshold):
        numbers = _numeric(_decoded(array), "column")
        return (_above(numbers, rule, _maximum(numbers)),)
    if column_kind(array) == "continuous":
        raise InvalidParameterError(
            "value_or_threshold must hold a threshold for a continuous facet column. "
            "Got none instead.",
            field="value_or_threshold",
        )
    encoded = pc.dictionary_encode(_decoded(array))
    indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    groups = []
    for code, value in enumerate(encoded.dictionary.to_pylist()):
        groups.append(Membership(str(value), indices == code))
    return tuple(groups)


def positive_labels(column: Column, rule: GroupRule) -> Membership:
    """Which rows have a positive (observed) label, and Clarify's ``label_value_or_threshold``.

    Parameters
    ----------
    column : array-like or pyarrow.Array of shape (n_rows,)
        The label column.
    rule : Values or Threshold
        The positive label values, or the threshold above which a label is positive.

    Examples
    --------
    >>> m = positive_labels(["yes", "no", "yes"], Values(("yes",)))
    >>> m.value_or_threshold, m.mask.tolist()
    ('yes', [True, False, True])
    """
    array = _arrow(column)
    if isinstance(rule, Values):
        return _select_values(array, rule)
    numbers = _numeric(_decoded(array), "label")
    return _above(numbers, rule, _maximum(numbers))


def predicted_positive(predicted: Column, *, label: Column, rule: GroupRule) -> BoolArray:
    """Which rows have a positive predicted label, with the label's values or threshold.

    With a threshold the interval is ``(t, max]`` over the labels *and* the predictions, as
    Clarify's ``_positive_predicted_index``. Clarify also refuses predictions whose sniffed
    :func:`column_kind` differs from the label's, and predictions without a single positive;
    Vigil applies the label's rule as given and computes the metrics (a window where the model
    predicts no positive is a result, not an error).

    Examples
    --------
    >>> predicted_positive([1, 0, 1], label=[1, 1, 0], rule=Values((1,))).tolist()
    [True, False, True]
    >>> predicted_positive([0.4, 0.8], label=[0.2, 0.9], rule=Threshold(0.5)).tolist()
    [False, True]
    """
    array = _arrow(predicted)
    if isinstance(rule, Values):
        return _select_values(array, rule).mask
    numbers = _numeric(_decoded(array), "predicted")
    labels = _numeric(_decoded(_arrow(label)), "label")
    highest = [m for m in (_maximum(numbers), _maximum(labels)) if m is not None]
    return _above(numbers, rule, max(highest) if highest else None).mask


def predicted_labels_from_probability(
    scores: ArrayLike, probability_threshold: float = 0.5
) -> NDArray[np.int64]:
    """Clarify's predicted label from a probability: 1 above ``probability_threshold``, else 0.

    Parameters
    ----------
    scores : array-like of float, shape (n_rows,)
        The model's probability of the positive label (``predictor.probability``).
    probability_threshold : float, default=0.5
        Clarify's ``probability_threshold``; a score equal to it gives 0.

    Examples
    --------
    >>> predicted_labels_from_probability([0.2, 0.5, 0.51]).tolist()
    [0, 0, 1]
    """
    threshold = probability_threshold
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or math.isnan(threshold)
    ):
        raise InvalidParameterError(
            f"probability_threshold of predicted_labels_from_probability must be a number. "
            f"Got {threshold!r} instead.",
            field="probability_threshold",
        )
    values = np.asarray(scores, dtype=np.float64)
    return (values > threshold).astype(np.int64)
