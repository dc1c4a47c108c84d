"""Type inference follows Deequ's regexes and column rule (spec §2.2)."""

from __future__ import annotations

import decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.core.infer import (
    TypeCounts,
    count_types,
    infer_type,
    numeric_values,
    sagemaker_type,
    summarize_text,
    typed_numbers,
)
from vigil.types import InferredType


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", "integral"),
        ("-2", "integral"),
        ("+ 3", "integral"),
        ("007", "integral"),
        ("3.0", "fractional"),
        ("-1.5e-3", "fractional"),
        ("1e5", "fractional"),
        ("2E+10", "fractional"),
        (".5", "string"),
        ("1.", "string"),
        ("1,000", "string"),
        ("NaN", "string"),
        ("true", "boolean"),
        ("True", "string"),
        ("abc", "string"),
    ],
)
def test_each_text_value_is_classified_like_deequ(text: str, expected: str) -> None:
    counts = count_types(pa.array([text]))
    assert getattr(counts, expected) == 1
    assert counts.present == 1


def test_nulls_are_unknown_and_typed_arrays_use_their_type() -> None:
    assert count_types(pa.array([None, None], type=pa.string())) == TypeCounts(unknown=2)
    assert count_types(pa.array([1, None, 3])) == TypeCounts(unknown=1, integral=2)
    assert count_types(pa.array([1.0, float("nan"), None])) == TypeCounts(unknown=2, fractional=1)
    assert count_types(pa.array([True, False])) == TypeCounts(boolean=2)
    assert count_types(pa.nulls(3)) == TypeCounts(unknown=3)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (TypeCounts(unknown=5), InferredType.UNKNOWN),
        (TypeCounts(integral=5), InferredType.INTEGRAL),
        (TypeCounts(integral=5, fractional=1), InferredType.FRACTIONAL),
        (TypeCounts(integral=5, string=1), InferredType.STRING),
        (TypeCounts(boolean=3), InferredType.BOOLEAN),
        (TypeCounts(boolean=3, integral=1), InferredType.STRING),
        (TypeCounts(unknown=9, fractional=1), InferredType.FRACTIONAL),
    ],
)
def test_column_type_rule(counts: TypeCounts, expected: InferredType) -> None:
    assert infer_type(counts) is expected


def test_boolean_is_reported_as_string() -> None:
    assert sagemaker_type(InferredType.BOOLEAN) is InferredType.STRING
    assert sagemaker_type(InferredType.INTEGRAL) is InferredType.INTEGRAL


def test_numeric_values_parse_only_numbers() -> None:
    values = numeric_values(pa.array(["1", "- 2", "3.5", "x", None, "1e2", ".5"]))
    np.testing.assert_array_equal(values, [1.0, -2.0, 3.5, 100.0])
    np.testing.assert_array_equal(numeric_values(pa.array([1, None, 2])), [1.0, 2.0])
    np.testing.assert_array_equal(numeric_values(pa.array([1.5, float("nan")])), [1.5])


def test_fractional_accepts_integral_values_in_match_fraction() -> None:
    counts = TypeCounts(integral=3, fractional=1, string=1)
    assert counts.count_of(InferredType.FRACTIONAL) == 4
    assert counts.count_of(InferredType.INTEGRAL) == 3
    assert counts.count_of(InferredType.STRING) == 1  # numbers do not count as String


# A value's first byte decides whether the regexes run at all (summarize_text skips values that
# cannot match); these texts probe that boundary: signs, spaces, digits, t/f, non-ASCII digits.
_TEXT = st.one_of(
    st.text(alphabet="-+ 0123456789.eEtruefalsx\u0663\uff11\n", max_size=6),
    st.sampled_from(["", "true", "false", "True", " 1", "+ 2", "-3.5e2", "\u0663", "t", "f"]),
    st.text(max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(st.one_of(st.none(), _TEXT), max_size=60),
    start=st.integers(0, 5),
    large=st.booleans(),
)
def test_summarized_types_equal_the_regexes_on_every_value(
    texts: list[str | None], start: int, large: bool
) -> None:
    values = pa.array(texts, type=pa.large_string() if large else pa.string())
    values = values.slice(min(start, len(values)))  # a non-zero offset into the buffers
    summary = summarize_text(values)
    assert summary.type_counts == count_types(values)
    np.testing.assert_array_equal(summary.numeric_values(), numeric_values(values))
    dictionary = summarize_text(values.dictionary_encode())
    assert dictionary.type_counts == summary.type_counts
    # a dictionary that is itself a slice (its buffers start before its first value)
    present = [t for t in texts if t is not None]
    padded = pa.array(["pad", "1", *present], type=values.type).slice(2)
    codes = pa.array(range(len(present)), type=pa.int32())
    sliced = summarize_text(pa.DictionaryArray.from_arrays(codes, padded))
    assert sliced.type_counts == count_types(pa.array(present, type=values.type))


@pytest.mark.parametrize(
    "values",
    [
        pa.array([1, None, -3, 7], type=pa.int64()),
        pa.array([1, None, 3], type=pa.uint8()),
        pa.array([1.5, None, float("nan"), -0.0, float("inf")]),
        pa.array([2.5, float("nan")], type=pa.float32()),
        pa.array([decimal.Decimal("1.25"), None], type=pa.decimal128(5, 2)),
        pa.array([None, None], type=pa.float64()),
        pa.array([], type=pa.int32()),
        pa.array([1.0, 2.0, None, 4.0]).slice(1),
        pa.array([None, 1, 2, None, 5, 6, 7, 8, 9, None, 11], type=pa.int16()).slice(3, 7),
        pa.array([0.5, None, 1.5], type=pa.float16()),
    ],
)
def test_typed_numbers_equal_count_types_and_numeric_values(values: pa.Array) -> None:
    typed = typed_numbers(values)
    assert typed is not None
    counts, numbers = typed
    assert counts == count_types(values)
    np.testing.assert_array_equal(numbers, numeric_values(values))
    assert numbers.dtype == np.float64


def test_typed_numbers_is_none_for_other_types() -> None:
    assert typed_numbers(pa.array(["1"])) is None
    assert typed_numbers(pa.array([True])) is None


def test_typed_integers_beyond_two_to_the_53_round_like_spark() -> None:
    typed = typed_numbers(pa.array([2**60 + 1, None, -(2**62) - 1]))
    assert typed is not None
    counts, numbers = typed
    assert counts == TypeCounts(unknown=1, integral=2)
    np.testing.assert_array_equal(numbers, [float(2**60 + 1), float(-(2**62) - 1)])
