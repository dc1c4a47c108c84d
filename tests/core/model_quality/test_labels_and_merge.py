"""Label parsing and the ground-truth merge (latest label wins, coverage counts)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.core.model_quality import merge_ground_truth
from vigil.core.model_quality.labels import to_binary, to_classes, to_numbers
from vigil.errors import InvalidParameterError


def test_numbers_and_binary_labels_from_text_and_typed_columns() -> None:
    numbers, valid = to_numbers(pa.array([1, 2, None], type=pa.int64()))
    assert numbers[:2].tolist() == [1.0, 2.0] and valid.tolist() == [True, True, False]
    positive, valid = to_binary(pa.array([True, False, None]))
    assert positive.tolist() == [True, False, False] and valid.tolist() == [True, True, False]
    positive, valid = to_binary(pa.array([" 1 ", "FALSE", "1e0", "", "0.5"]))
    assert positive.tolist() == [True, False, True, False, False]
    assert valid.tolist() == [True, True, True, False, False]


def test_classes_are_numeric_when_every_value_is_an_integer() -> None:
    c = to_classes(pa.array(["cat", "dog", None, "cat"]), pa.array(["dog", "dog", "cat", ""]))
    assert c.names == ("cat", "dog")
    assert c.valid.tolist() == [True, True, False, False]
    assert c.actual[c.valid].tolist() == [0, 1] and c.predicted[c.valid].tolist() == [1, 1]


def test_merge_latest_label_wins_and_everything_is_counted() -> None:
    predictions = pa.array(["p1", "p2", "p3", "p2", "p4"])
    labels = pa.array(["p2", "zz", "p1", "p2", "p2", "yy", "p3"])
    merge = merge_ground_truth(predictions, labels)
    assert merge.prediction_rows.tolist() == [0, 1, 2, 3]
    assert merge.label_rows.tolist() == [2, 4, 6, 4]
    c = merge.coverage
    assert (c.predictions, c.labels, c.merged) == (5, 7, 4)
    assert c.duplicate_labels == 2
    assert c.labels_without_prediction == 2
    assert c.duplicate_prediction_keys == 1
    assert c.coverage == 0.8
    empty = merge_ground_truth(pa.array(["a"]), pa.array([], type=pa.string()))
    assert empty.coverage.merged == 0 and empty.prediction_rows.size == 0
    assert np.isnan(
        merge_ground_truth(pa.array([], pa.string()), pa.array(["a"])).coverage.coverage
    )


def test_a_keys_match_does_not_depend_on_the_other_keys_of_its_batch() -> None:
    # issue 12.1: a hash that mixed one round per 8 bytes of the batch's longest key gave
    # "order-1" another hash beside a 36-character eventId, and nothing merged.
    long_id = "0f8fad5b-d9cb-469f-a165-70867728950e"
    predictions = pa.array([f"order-{i}" for i in range(60)] + [long_id])
    labels = pa.array([long_id, *(f"order-{i}" for i in range(60))])
    assert merge_ground_truth(predictions, labels).coverage.merged == 61
    short_only = merge_ground_truth(pa.array(["order-1"]), pa.array(["order-1", "x" * 9]))
    assert short_only.coverage.merged == 1


def _pandas_merge(predictions: list[str], labels: list[str]) -> tuple[list[int], list[int]]:
    """The oracle: a plain pandas merge with the latest label of each key."""
    import pandas as pd

    left = pd.DataFrame({"key": predictions, "p_row": range(len(predictions))})
    right = pd.DataFrame({"key": labels, "l_row": range(len(labels))})
    right = right.groupby("key", sort=False)["l_row"].max().reset_index()
    merged = left.merge(right, on="key", how="inner").sort_values("p_row")
    return merged["p_row"].tolist(), merged["l_row"].tolist()


_KEYS = st.one_of(
    st.text(max_size=40),  # any unicode, the empty string included
    st.uuids().map(str),  # eventIds
    st.from_regex(r"order-[0-9]{1,12}", fullmatch=True),
    st.text(alphabet="ab", min_size=7, max_size=10),  # lengths around 8 bytes
)


@settings(max_examples=300, deadline=None)
@given(
    pool=st.lists(_KEYS, min_size=1, max_size=30, unique=True),
    picks=st.lists(st.tuples(st.integers(0, 29), st.booleans(), st.booleans()), max_size=60),
)
def test_merge_equals_a_pandas_merge_for_any_keys(
    pool: list[str], picks: list[tuple[int, bool, bool]]
) -> None:
    predictions = [pool[i % len(pool)] for i, in_pred, _ in picks if in_pred]
    labels = [pool[i % len(pool)] for i, _, in_label in picks if in_label]
    merge = merge_ground_truth(
        pa.array(predictions, pa.string()), pa.array(labels, pa.large_string())
    )
    rows, label_rows = _pandas_merge(predictions, labels)
    assert merge.prediction_rows.tolist() == rows
    assert merge.label_rows.tolist() == label_rows
    c = merge.coverage
    assert c.merged == len(rows) == sum(1 for k in predictions if k in set(labels))
    assert c.labels_without_prediction == len(set(labels) - set(predictions))
    assert c.duplicate_prediction_keys == len(predictions) - len(set(predictions))
    assert c.duplicate_labels == sum(
        labels.count(k) - 1 for k in set(labels) if k in set(predictions)
    )


def test_keys_that_are_not_strings_are_refused() -> None:
    with pytest.raises(InvalidParameterError, match="string array"):
        merge_ground_truth(pa.array([1, 2]), pa.array(["1"]))
