"""Label parsing and the ground-truth merge (latest label wins, coverage counts)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from vigil.core.model_quality import merge_ground_truth
from vigil.core.model_quality.labels import to_binary, to_classes, to_numbers


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


def test_hashed_merge_equals_the_exact_merge_and_survives_a_collision() -> None:
    from vigil.core.model_quality import merge as module

    rng = np.random.default_rng(0)
    keys = pa.array([f"key-{i}" for i in rng.integers(0, 80_000, 60_000)])
    labels = pa.array([f"key-{i}" for i in rng.integers(0, 90_000, 70_000)] + ["", "k"])
    hashed = merge_ground_truth(keys, labels)
    rows, label_rows, counts = module._merge_exact(keys, labels)
    assert (hashed.prediction_rows == rows).all() and (hashed.label_rows == label_rows).all()
    c = hashed.coverage
    assert [
        c.duplicate_labels,
        c.labels_without_prediction,
        c.duplicate_prediction_keys,
    ] == counts.tolist()
    assert c.duplicate_labels > 0 and c.duplicate_prediction_keys > 0
    # every key hashing alike: the merged pairs disagree, and the exact merge takes over
    collided = merge_ground_truth(
        keys, labels,
        prediction_hashes=np.zeros(len(keys), np.uint64), label_hashes=np.zeros(len(labels), np.uint64),
    )  # fmt: skip
    assert collided.coverage == c and (collided.label_rows == label_rows).all()


def test_key_hashes_are_stable_and_use_every_byte() -> None:
    from vigil.core.model_quality.merge import key_hashes

    texts = ["", "a", "ab", "abcdefgh", "abcdefghi", "abcdefghj", "x" * 100, "x" * 99 + "y"]
    h = key_hashes(pa.array(texts))
    assert len(set(h.tolist())) == len(texts)
    sliced = pa.array(["zz", *texts]).slice(1)  # an offset into the buffers
    assert (key_hashes(sliced) == h).all()
    assert int(key_hashes(pa.array(["abc"]))[0]) == int(
        key_hashes(pa.array(["abc"], pa.large_string()))[0]
    )
