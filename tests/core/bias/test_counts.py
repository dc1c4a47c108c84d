"""BiasCounts: the count table, its merge, group encoding and FT's feature matrix."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from vigil.core.bias import BiasCounts, BiasData, FlipTestData, group_codes
from vigil.core.bias.counts import divide
from vigil.errors import InvalidParameterError


def test_table_layout() -> None:
    counts = BiasCounts.from_arrays(
        [True, True, False, False, False],
        label=[True, False, True, True, False],
        predicted=[True, True, False, True, False],
        group=["x", "y", "x", None, "x"],
    )
    assert counts.table.shape == (3, 2, 2, 2)
    assert counts.groups is not None and counts.groups.to_pylist() == ["x", "y"]
    assert counts.table[0, 1, 1, 1] == 1  # x, d, positive, predicted positive
    assert counts.table[2, 0, 1, 1] == 1  # no group, a, positive, predicted positive
    assert counts.facet_sizes() == (3, 2)
    assert counts.label_counts().tolist() == [[1, 2], [1, 1]]
    assert counts.prediction_counts().tolist() == [[2, 1], [0, 2]]
    assert counts.n_rows == 5


@pytest.mark.parametrize(
    "values",
    [
        np.array([3.5, -1.0, 2.25, 3.5, np.nan, 0.0]),
        np.array([5, 2, 9, 2, 5]),
        np.array(["b", "a", "é", "B", "a"], dtype=object),
    ],
)
def test_group_codes_sort_as_numpy_unique(values: np.ndarray) -> None:
    codes = group_codes(values)
    present = [v for v in values.tolist() if v == v]  # drop NaN
    assert codes.values.to_pylist() == np.unique(np.array(present, dtype=values.dtype)).tolist()
    decoded = [codes.values[c].as_py() if c < codes.n_groups else None for c in codes.codes]
    assert decoded == [v if v == v else None for v in values.tolist()]


def test_group_codes_accept_arrow_and_dictionary_arrays() -> None:
    chunked = pa.chunked_array([["q", "p"], ["q"]])
    assert group_codes(chunked).codes.tolist() == [1, 0, 1]
    assert group_codes(pa.array(["q", "p"]).dictionary_encode()).codes.tolist() == [1, 0]


def test_merge_aligns_groups_and_equals_counting_everything() -> None:
    rng = np.random.default_rng(3)
    n = 500
    sensitive, label, predicted = (rng.random(n) < 0.4 for _ in range(3))
    group = rng.choice(np.array(["a", "b", "c", "d"]), size=n).astype(object)
    group[rng.random(n) < 0.05] = None
    first = slice(0, 200)
    second = slice(200, None)
    group_first = group[first].copy()
    group_first[group_first == "d"] = "a"  # the first part never sees "d"
    group_all = np.concatenate([group_first, group[second]])
    parts = [
        BiasCounts.from_arrays(sensitive[s], label=label[s], predicted=predicted[s], group=g)
        for s, g in ((first, group_first), (second, group[second]))
    ]
    whole = BiasCounts.from_arrays(sensitive, label=label, predicted=predicted, group=group_all)
    merged = parts[0].merge(parts[1])
    assert merged.groups is not None and whole.groups is not None
    assert merged.groups.to_pylist() == whole.groups.to_pylist()
    np.testing.assert_array_equal(merged.table, whole.table)
    np.testing.assert_array_equal(parts[1].merge(parts[0]).table, whole.table)


def test_merge_refuses_unlike_counts() -> None:
    with_labels = BiasCounts.from_arrays([True], label=[True])
    with pytest.raises(InvalidParameterError, match="labels"):
        with_labels.merge(BiasCounts.from_arrays([True], label=[True], predicted=[False]))
    with pytest.raises(InvalidParameterError, match="group"):
        with_labels.merge(BiasCounts.from_arrays([True], label=[True], group=["x"]))
    plain = with_labels.merge(BiasCounts.from_arrays([False], label=[False]))
    assert plain.facet_sizes() == (1, 1)


def test_bad_arrays_raise() -> None:
    with pytest.raises(InvalidParameterError, match="boolean"):
        BiasCounts.from_arrays([1, 0])
    with pytest.raises(InvalidParameterError, match="one entry per row"):
        BiasCounts.from_arrays([True, False], label=[True])
    with pytest.raises(InvalidParameterError, match="one entry per row"):
        BiasCounts.from_arrays([True, False], group=["x"])
    with pytest.raises(InvalidParameterError, match="shape"):
        BiasCounts(np.zeros((2, 2, 2, 2), dtype=np.int64))
    with pytest.raises(InvalidParameterError, match="predicted"):
        BiasData.from_arrays([True], features={"x": [1.0]})


def test_feature_matrix_from_numpy_and_arrow() -> None:
    matrix, bad = FlipTestData.feature_matrix(
        {"a": pa.array([1, None, 3]), "b": np.array([0.5, 1.5, 2.5]), "c": pa.array([True] * 3)}
    )
    assert bad == ()
    np.testing.assert_array_equal(matrix[:, 1], [0.5, 1.5, 2.5])
    assert np.isnan(matrix[1, 0]) and matrix[0, 2] == 1.0
    _, bad = FlipTestData.feature_matrix({"a": [1.0], "s": pa.array(["x"]).dictionary_encode()})
    assert bad == ("s",)
    with pytest.raises(InvalidParameterError, match="same length"):
        FlipTestData.feature_matrix({"a": [1.0], "b": [1.0, 2.0]})


def test_flip_test_with_missing_or_no_features_is_undefined() -> None:
    from vigil.core.bias.fliptest import flip_test

    sensitive = np.array([True, False, True, False])
    predicted = np.array([True, False, False, True])
    missing = BiasData.from_arrays(
        sensitive, predicted=predicted, features={"x": [1.0, np.nan, 2.0, 3.0]}
    )
    assert (
        getattr(flip_test(missing), "error", "")
        == "FlipTest does not support missing feature values"
    )
    none = BiasData.from_arrays(sensitive, predicted=predicted, features={})
    assert getattr(flip_test(none), "error", "") == "FlipTest needs at least one feature column"


def test_divide_is_clarify_s_rule() -> None:
    assert (divide(0, 0), divide(2, 0), divide(-2, 0), divide(1, 2)) == (0.0, np.inf, -np.inf, 0.5)
