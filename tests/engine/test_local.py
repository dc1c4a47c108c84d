"""Tests for vigil.engine.local: the process pool and the ordered tree reduction."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from vigil.core.profile import READER_DICTIONARY, DatasetProfile
from vigil.engine.local import (
    IN_FLIGHT_PER_WORKER,
    map_partitions,
    map_reduce,
    read_ahead,
    tree_reduce,
)
from vigil.errors import InvalidParameterError, MalformedRowError
from vigil.storage.tabular import Partition, TabularSource, plan_partitions, read_partition

# ---------------------------------------------------------------------------------------------
# Partition functions: module-level so that the pool can pickle them by reference.
# ---------------------------------------------------------------------------------------------


def _square_and_pid(x: int) -> tuple[int, int]:
    # Early partitions finish last, so completion order differs from partition order.
    time.sleep(0.01 * (5 - x) if x < 5 else 0)
    return x * x, os.getpid()


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise MalformedRowError("bad row in partition 3", path=f"part-{x}.csv", line=17)
    return x


def _sum_column_a(part: Partition) -> tuple[int, int]:
    import pyarrow.compute as pc  # here, not at the top: every worker imports this module

    rows = 0
    total = 0
    for batch in read_partition(part, batch_rows=100):
        rows += batch.num_rows
        # CSV fields arrive as strings, Parquet as int64: cast so both formats sum alike.
        total += pc.sum(batch.column("a").cast(pa.int64())).as_py() or 0
    return rows, total


# ---------------------------------------------------------------------------------------------
# map_partitions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_results_keep_partition_order_and_progress_counts_up(workers: int) -> None:
    seen: list[int] = []
    out = map_partitions(_square_and_pid, list(range(8)), workers=workers, on_result=seen.append)
    assert [square for square, _ in out] == [x * x for x in range(8)]
    assert seen == list(range(1, 9))
    pids = {pid for _, pid in out}
    if workers == 1:
        assert pids == {os.getpid()}  # no pool: runs in this process
    else:
        assert os.getpid() not in pids
        assert 1 <= len(pids) <= 2


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_exception_propagates_with_type_and_context(workers: int) -> None:
    with pytest.raises(MalformedRowError, match="bad row in partition 3") as info:
        map_partitions(_fail_on_three, list(range(6)), workers=workers)
    # A VigilError survives the trip back from the worker with its context attributes.
    assert info.value.path == "part-3.csv"
    assert info.value.line == 17


@pytest.mark.parametrize("workers", [1, 2])
def test_empty_and_single_partition(workers: int) -> None:
    seen: list[int] = []
    assert map_partitions(_square_and_pid, [], workers=workers, on_result=seen.append) == []
    assert seen == []
    # One partition never starts a pool.
    out = map_partitions(_square_and_pid, [3], workers=workers, on_result=seen.append)
    assert out == [(9, os.getpid())]
    assert seen == [1]


@pytest.mark.parametrize("workers", [0, -1])
def test_workers_below_one_is_invalid(workers: int) -> None:
    with pytest.raises(InvalidParameterError, match="workers of map_partitions must be >= 1"):
        map_partitions(_square_and_pid, [1, 2], workers=workers)


def test_tabular_partitions_are_picklable_and_give_the_same_result_in_a_pool(
    tmp_path: Path,
) -> None:
    import pyarrow.parquet as pq

    table = pa.table({"a": list(range(5000)), "b": [str(i) for i in range(5000)]})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=500)
    (tmp_path / "t.csv").write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(5000)))
    parts = [
        part
        for fmt in ("parquet", "csv")
        for part in plan_partitions(
            TabularSource((str(tmp_path / f"t.{fmt}"),), fmt), target_bytes=4096
        )
    ]
    assert len(parts) > 4
    in_process = map_partitions(_sum_column_a, parts, workers=1)
    assert map_partitions(_sum_column_a, parts, workers=2) == in_process
    assert sum(rows for rows, _ in in_process) == 2 * 5000
    assert sum(total for _, total in in_process) == 2 * sum(range(5000))
    # Merging the partial results in the pool's order gives the serial answer.
    assert tree_reduce(lambda a, b: (a[0] + b[0], a[1] + b[1]), in_process) == (
        10000,
        2 * sum(range(5000)),
    )


# ---------------------------------------------------------------------------------------------
# tree_reduce
# ---------------------------------------------------------------------------------------------


def _concat(a: str, b: str) -> str:
    return a + b


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17])
def test_tree_reduce_keeps_order_for_a_non_commutative_merge(n: int) -> None:
    items = [chr(ord("a") + i % 26) + str(i) for i in range(n)]
    assert tree_reduce(_concat, items) == "".join(items)


def test_tree_reduce_is_a_balanced_tree() -> None:
    def pair(a: object, b: object) -> tuple[object, object]:
        return (a, b)

    assert tree_reduce(pair, [1, 2, 3, 4]) == ((1, 2), (3, 4))
    assert tree_reduce(pair, [1, 2, 3, 4, 5]) == (((1, 2), (3, 4)), 5)
    assert tree_reduce(pair, [1, 2, 3, 4, 5, 6]) == (((1, 2), (3, 4)), (5, 6))


def test_tree_reduce_single_item_is_returned_without_merging() -> None:
    def never(a: object, b: object) -> object:
        raise AssertionError("merge must not be called for one item")

    sentinel = object()
    assert tree_reduce(never, [sentinel]) is sentinel


def test_tree_reduce_accepts_any_iterable() -> None:
    assert tree_reduce(_concat, (s for s in "abcde")) == "abcde"


@pytest.mark.parametrize("items", [[], (), iter([])])
def test_tree_reduce_of_nothing_is_invalid(items: object) -> None:
    with pytest.raises(InvalidParameterError, match="items of tree_reduce must not be empty"):
        tree_reduce(_concat, items)  # type: ignore[arg-type]


def _as_text(x: int) -> str:
    time.sleep(0.01 * (x % 3))  # finish out of order
    return str(x)


@pytest.mark.parametrize("workers", [1, 2])
def test_map_reduce_folds_in_partition_order(workers: int) -> None:
    seen: list[int] = []
    out = map_reduce(_as_text, _concat, list(range(12)), workers=workers, on_result=seen.append)
    assert out == "".join(str(i) for i in range(12))
    assert seen == list(range(1, 13))


def test_map_reduce_propagates_errors_and_rejects_nothing() -> None:
    with pytest.raises(MalformedRowError):
        map_reduce(_fail_on_three, max, [1, 2, 3, 4], workers=2)
    with pytest.raises(InvalidParameterError, match="partitions"):
        map_reduce(_as_text, _concat, [], workers=2)


def _allocator(_: int) -> str:
    return pa.default_memory_pool().backend_name


def test_workers_allocate_arrow_memory_with_the_system_allocator() -> None:
    before = pa.default_memory_pool().backend_name
    assert set(map_partitions(_allocator, [1, 2, 3], workers=2)) == {"system"}
    assert pa.default_memory_pool().backend_name == before  # the caller's process is left alone


def _record_pid(x: int) -> list[tuple[int, int]]:
    time.sleep(0.002 * (x % 4))
    return [(x, os.getpid())]


def _extend(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return a + b


def test_map_reduce_with_more_partitions_than_the_window() -> None:
    n = 6 * IN_FLIGHT_PER_WORKER * 2
    out = map_reduce(_record_pid, _extend, list(range(n)), workers=2)
    assert [x for x, _ in out] == list(range(n))
    assert os.getpid() not in {pid for _, pid in out}


# ---------------------------------------------------------------------------------------------
# read_ahead
# ---------------------------------------------------------------------------------------------


def test_read_ahead_yields_every_item_in_order() -> None:
    assert list(read_ahead(iter(range(100)))) == list(range(100))
    assert list(read_ahead(iter([]))) == []


def test_read_ahead_reraises_the_producers_exception_after_its_items() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise MalformedRowError("bad row", path="f.csv", line=3)

    ahead = read_ahead(items())
    assert [next(ahead), next(ahead)] == [1, 2]
    with pytest.raises(MalformedRowError, match="bad row") as info:
        next(ahead)
    assert info.value.line == 3


def test_read_ahead_stops_and_closes_the_producer_when_the_consumer_stops() -> None:
    produced: list[int] = []
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            for i in range(1_000):
                produced.append(i)
                yield i
        finally:
            closed.set()

    ahead = read_ahead(items())
    assert next(ahead) == 0
    ahead.close()
    assert closed.wait(5)
    assert len(produced) <= 3  # the consumed item, the one handed over, the one in hand


# ---------------------------------------------------------------------------------------------
# Parquet text columns read as dictionaries, for the profile
# ---------------------------------------------------------------------------------------------


def test_parquet_text_read_as_dictionaries_profiles_as_plain_text(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    rows = 3_000
    table = pa.table(
        {
            "code": [str(i % 7) for i in range(rows)],  # Integral text
            "label": [f"c{i % 11}" if i % 13 else None for i in range(rows)],
            "declared": pa.array([f"k{i % 3}" for i in range(rows)]).dictionary_encode(),
            "x": [float(i) for i in range(rows)],
        }
    )
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=1_000)
    source = TabularSource((str(tmp_path / "t.parquet"),), "parquet")
    parts = plan_partitions(source, target_bytes=1)
    plain, encoded = DatasetProfile(), DatasetProfile()
    for part in parts:
        for batch in read_partition(part, use_threads=False):
            plain.update(batch)
        for batch in read_partition(part, text_as_dictionary=True):
            marked = {f.name for f in batch.schema if READER_DICTIONARY in (f.metadata or {})}
            assert marked == {"code", "label"}  # not the column the writer encoded
            assert pa.types.is_dictionary(batch.schema.field("code").type)
            encoded.update(batch)
    for mine, theirs in zip(
        encoded.to_statistics().columns, plain.to_statistics().columns, strict=True
    ):
        assert mine.name == theirs.name
        assert mine.inferred_type is theirs.inferred_type
        assert mine.type_counts == theirs.type_counts
        assert mine.categories == theirs.categories
        if theirs.numeric is not None:
            assert mine.numeric is not None
            assert mine.numeric.sketch.levels() == theirs.numeric.sketch.levels()
            assert (mine.numeric.sum, mine.numeric.std_dev) == (
                theirs.numeric.sum,
                theirs.numeric.std_dev,
            )
