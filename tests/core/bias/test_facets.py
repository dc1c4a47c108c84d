"""Facets, labels and predicted labels are read as Clarify reads them (smclarify's report.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from smclarify.bias import report as clarify_report
from smclarify.bias.metrics import common as clarify_common

from vigil.core.bias import (
    Threshold,
    Values,
    column_kind,
    interval_text,
    positive_labels,
    predicted_labels_from_probability,
    predicted_positive,
    rule_for,
    sensitive_groups,
)
from vigil.errors import InvalidParameterError

pytestmark = pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")

RNG = np.random.default_rng(42)

KIND_COLUMNS = {
    "binary-int-100": np.array([0, 1] * 50),
    "binary-int-12": np.array([0, 1] * 6),
    "age": RNG.integers(18, 90, size=500),
    "few-ints": RNG.integers(0, 5, size=500),
    "float": RNG.uniform(size=300),
    "float-with-nan": np.where(RNG.random(300) < 0.1, np.nan, RNG.uniform(size=300)),
    "strings": np.array(["F", "M", "X"] * 40, dtype=object),
    "int-strings-many": np.array([str(v) for v in RNG.integers(0, 300, size=400)], dtype=object),
    "int-strings-few": np.array([str(v) for v in RNG.integers(0, 3, size=400)], dtype=object),
    "bools": RNG.random(200) < 0.5,
}


@pytest.mark.parametrize("name", sorted(KIND_COLUMNS))
def test_column_kind_follows_smclarify_series_datatype(name: str) -> None:
    column = KIND_COLUMNS[name]
    series = pd.Series(column, dtype=object) if column.dtype == object else pd.Series(column)
    expected = clarify_common.series_datatype(series, [1]).name.lower()
    assert column_kind(column, [1]) == expected
    assert column_kind(pa.array(column, from_pandas=True), [1]) == expected


def test_column_kind_categorical_cases() -> None:
    assert column_kind(pa.array(["a", "b"]).dictionary_encode()) == "categorical"  # pandas category
    assert column_kind(KIND_COLUMNS["age"], [30, 40]) == "categorical"  # several values


BREAKS = [
    (40, 75),
    (40.0, 75),
    (40, 75.0),
    (0.5, 0.9936148802477393),
    (0, 2.5),
    (1e-05, 3.0),
    (-3, -1),
    (123456789.125, 1e16),
    (0.1, 1e-07 + 0.3),
]


@pytest.mark.parametrize(("low", "high"), BREAKS)
def test_interval_text_is_pandas_interval_text(low: float, high: float) -> None:
    assert interval_text(low, high) == str(pd.IntervalIndex.from_breaks([low, high])[0])


@pytest.mark.parametrize(
    ("column", "threshold"),
    [
        (KIND_COLUMNS["age"], 40),
        (KIND_COLUMNS["age"], 40.5),
        (KIND_COLUMNS["float"], 0.5),
        (KIND_COLUMNS["float-with-nan"], 0.25),
        (np.array([3, 7, 12, 2]), 12),  # |max| == threshold: Clarify's empty interval
        (np.array([-5, -9, -7]), 5),  # |max| == threshold for a negative max
        (np.array([1.0, 2.0]), 4.0),  # threshold above every value
    ],
)
def test_threshold_facet_matches_smclarify_interval(column: np.ndarray, threshold: float) -> None:
    series = pd.Series(column)
    intervals = clarify_report._interval_index(series, [threshold])
    expected_mask = clarify_report._continuous_data_idx(series, intervals).to_numpy(dtype=bool)
    (group,) = sensitive_groups(column, Threshold(threshold))
    assert group.value_or_threshold == ",".join(map(str, intervals))
    np.testing.assert_array_equal(group.mask, expected_mask)


def test_integer_and_float_columns_print_their_own_type() -> None:
    ages = np.array([25, 40, 41, 75, 33])
    (group,) = sensitive_groups(ages, Threshold(40))
    assert group.value_or_threshold == "(40, 75]"
    assert group.mask.tolist() == [False, False, True, True, False]
    scores = np.array([0.2, 0.9936148802477393, 0.5, 0.51])
    (group,) = sensitive_groups(pa.array(scores), Threshold(0.5))
    assert group.value_or_threshold == "(0.5, 0.9936148802477393]"
    assert group.mask.tolist() == [False, True, False, True]  # above, not at, the threshold


@pytest.mark.parametrize(
    ("column", "values"),
    [
        (np.array(["F", "M", "M", "X"], dtype=object), ["F"]),
        (np.array(["F", "M", "M", "X"], dtype=object), ["F", "X"]),
        (np.array([0, 1, 1, 0, 2]), [1]),
        (np.array(["0", "1", "1"], dtype=object), [1]),  # no match: values become text
        (np.array([0, 1, 1]), ["1"]),  # no match: values become ints
        (np.array([0.0, 1.0, 1.0]), [1]),
        (np.array(["a", None, "b"], dtype=object), ["b"]),
    ],
)
def test_value_facet_matches_smclarify(column: np.ndarray, values: list[object]) -> None:
    series = pd.Series(column, dtype=object) if column.dtype == object else pd.Series(column)
    expected = clarify_report._categorical_data_idx(series, list(values)).to_numpy(dtype=bool)
    (group,) = sensitive_groups(column, Values(tuple(values)))
    np.testing.assert_array_equal(group.mask, expected)
    assert group.value_or_threshold == ",".join(map(str, values))


def test_one_against_the_rest_in_order_of_first_appearance() -> None:
    column = np.array(["M", "F", None, "X", "F"], dtype=object)
    groups = sensitive_groups(column, None)
    assert [g.value_or_threshold for g in groups] == ["M", "F", "X"]
    assert [g.count for g in groups] == [1, 2, 1]
    values = [3, 1, 3, 2] * 30  # few distinct integers: categorical
    ints = sensitive_groups(pa.array(values), None)
    assert [g.value_or_threshold for g in ints] == [str(v) for v in pd.Series(values).unique()]
    with pytest.raises(InvalidParameterError, match="threshold"):
        sensitive_groups(KIND_COLUMNS["float"], None)


def test_rule_for_reads_the_config_as_clarify() -> None:
    assert rule_for(KIND_COLUMNS["float"], [0.5]) == Threshold(0.5)
    assert rule_for(KIND_COLUMNS["age"], ["40"]) == Threshold(40.0)
    assert rule_for(KIND_COLUMNS["binary-int-100"], [1]) == Values((1,))
    assert rule_for(KIND_COLUMNS["binary-int-12"], [1]) == Threshold(1)  # Clarify's trap
    assert rule_for(KIND_COLUMNS["strings"], None) is None
    assert rule_for(KIND_COLUMNS["age"], [30, 40]) == Values((30, 40))
    with pytest.raises(InvalidParameterError, match="threshold"):
        rule_for(KIND_COLUMNS["float"], None)
    with pytest.raises(InvalidParameterError, match="numeric threshold"):
        rule_for(KIND_COLUMNS["float"], ["high"])


@pytest.mark.parametrize(
    ("column", "values"),
    [
        (np.array(["yes", "no", "yes"] * 40, dtype=object), ["yes"]),
        (np.array([0, 1] * 60), [1]),
        (np.array([0, 1, 2] * 60), [1, 2]),
        (RNG.uniform(0, 10, size=200), [4.5]),
        (RNG.integers(0, 1000, size=200), [500]),
    ],
)
def test_label_value_or_threshold_text_matches_smclarify(
    column: np.ndarray, values: list[object]
) -> None:
    series = pd.Series(column, dtype=object) if column.dtype == object else pd.Series(column)
    if series.dtype == object:
        series = series.astype("category")
    expected = clarify_report.label_value_or_threshold(series, list(values))
    rule = rule_for(column, values)
    assert rule is not None
    assert positive_labels(column, rule).value_or_threshold == expected


def test_predicted_labels_with_a_threshold_use_the_maximum_of_labels_and_predictions() -> None:
    labels = np.array([0.1, 0.4, 0.6])
    predicted = np.array([0.7, 0.2, 0.9])
    assert predicted_positive(predicted, label=labels, rule=Threshold(0.5)).tolist() == [
        True,
        False,
        True,
    ]
    # |max(labels ∪ predictions)| == threshold: Clarify's empty interval, no positive prediction.
    assert not predicted_positive([0.2, 0.9], label=[0.9, 0.1], rule=Threshold(0.9)).any()


def test_predicted_labels_from_probability_is_strictly_above() -> None:
    scores = [0.0, 0.5, 0.5000001, 1.0]
    assert predicted_labels_from_probability(scores).tolist() == [0, 0, 1, 1]
    assert predicted_labels_from_probability(scores, 0.0).tolist() == [0, 1, 1, 1]
    with pytest.raises(InvalidParameterError):
        predicted_labels_from_probability(scores, float("nan"))


def test_bad_rules_and_columns_raise() -> None:
    with pytest.raises(InvalidParameterError):
        Values(())
    with pytest.raises(InvalidParameterError):
        Threshold("0.5")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="numeric"):
        sensitive_groups(["a", "b"], Threshold(1))
    with pytest.raises(InvalidParameterError, match="one-dimensional"):
        sensitive_groups(np.zeros((2, 2)), Values((0,)))
