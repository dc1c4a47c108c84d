"""Type inference follows Deequ's regexes and column rule (spec §2.2)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from vigil.core.infer import TypeCounts, count_types, infer_type, numeric_values, sagemaker_type
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
    assert counts.count_of(InferredType.STRING) == 5
