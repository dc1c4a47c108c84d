"""Tests for vigil.core.frequency: exact categorical counts, merges and their pickled state."""

from __future__ import annotations

import pickle
from collections import Counter

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.core.frequency import FrequentValues

_BATCHES = st.lists(
    st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "", "é", "1"]), st.text(max_size=3))),
    max_size=6,
)


def _expected_order(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


@settings(max_examples=60, deadline=None)
@given(left=_BATCHES, right=_BATCHES)
def test_counts_merges_and_pickles_equal_a_counter(
    left: list[list[str | None]], right: list[list[str | None]]
) -> None:
    a, b = FrequentValues(), FrequentValues()
    for table, batches in ((a, left), (b, right)):
        for batch in batches:
            table.update(pa.array(batch, type=pa.string()))
    b = pickle.loads(pickle.dumps(b))  # how a worker's counts reach the coordinator
    a.merge(b)
    expected = Counter(v for batch in left + right for v in batch if v is not None)
    assert a.is_exact
    assert a.most_common() == _expected_order(expected)
    assert a.distinct_count == float(len(expected))
    assert a.total == sum(expected.values())
    assert a.values_seen_once() == sum(1 for n in expected.values() if n == 1)


def test_compaction_past_the_pending_limit_keeps_exact_counts() -> None:
    table = FrequentValues(max_exact=1_000_000)
    for start in range(0, 200_000, 40_000):  # pending rows pass 65,536: compacted on the way
        table.update_arrays(
            pa.array([f"v{i % 50_000}" for i in range(start, start + 40_000)]),
            pa.array([1] * 40_000, type=pa.int64()),
        )
    assert table.distinct_count == 50_000.0
    assert table.most_common(2) == [("v0", 4), ("v1", 4)]
    assert table.total == 200_000


def test_counts_past_two_to_the_53_stay_exact() -> None:
    big = 2**60 + 1  # not representable as a float64
    table = FrequentValues()
    table.update_arrays(pa.array(["x", "y"]), pa.array([big, 3], type=pa.int64()))
    table.update_arrays(pa.array(["x"]), pa.array([2], type=pa.int64()))
    assert table.most_common() == [("x", big + 2), ("y", 3)]


def test_state_round_trip_after_switching_to_the_sketch() -> None:
    table = FrequentValues(max_exact=10)
    table.update(pa.array([str(i % 40) for i in range(400)]))
    assert not table.is_exact
    restored = pickle.loads(pickle.dumps(table))
    assert restored.most_common() == table.most_common()
    assert restored.distinct_count == table.distinct_count
    assert restored.maximum_error == table.maximum_error
