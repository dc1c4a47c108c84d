"""Mergeable categorical frequencies: exact up to a cap, then a frequent-items sketch.

A column with at most ``max_exact`` distinct values keeps exact counts (a dict). Past that it
switches to Apache DataSketches' frequent-items sketch (Misra–Gries with a purge), whose counts
carry a known error bound: every reported count is within ``maximum_error`` of the truth, and
every value with a true count above that bound is reported. Distinct values are counted exactly
while the table is exact, and with a HyperLogLog sketch (relative error about 1.6% at
``lg_k=12``) after that.

References
----------
Apache DataSketches, Frequent Items and HLL sketches:
https://datasketches.apache.org/docs/Frequency/FrequentItemsOverview.html
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import datasketches as ds
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil.core.infer import as_numpy
from vigil.errors import InvalidParameterError

__all__ = ["DEFAULT_MAX_EXACT", "FrequentValues"]

DEFAULT_MAX_EXACT = 65_536
"""Distinct values kept exactly per column before switching to a frequent-items sketch."""

_HLL_LG_K = 12
_SKETCH_LG_MAX_MAP_SIZE = 15  # tracks up to 0.75 * 2**15 = 24,576 values


class FrequentValues:
    """Counts of the distinct non-null values of one column, mergeable.

    Exact counts are kept as an Arrow table (value, count); batches are appended and combined
    with a hash aggregation (``Table.group_by``) when enough have accumulated or when the counts
    are read, so counting never loops over values in Python.

    Parameters
    ----------
    max_exact : int, default=DEFAULT_MAX_EXACT
        Distinct values counted exactly; past that, counts come from a frequent-items sketch.

    Raises
    ------
    InvalidParameterError
        If ``max_exact`` < 1.
    """

    def __init__(self, max_exact: int = DEFAULT_MAX_EXACT) -> None:
        if max_exact < 1:
            raise InvalidParameterError(
                f"max_exact of FrequentValues must be >= 1. Got {max_exact!r} instead.",
                field="max_exact",
            )
        self._max_exact = max_exact
        self._exact: pa.Table | None = _EMPTY
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._items: ds.frequent_strings_sketch | None = None
        self._hll: ds.hll_sketch | None = None
        self._total = 0

    @property
    def is_exact(self) -> bool:
        """True while every count (and the distinct count) is exact."""
        self._compact()
        return self._exact is not None

    @property
    def total(self) -> int:
        """Number of values counted."""
        return self._total

    @property
    def maximum_error(self) -> int:
        """Upper bound on the error of any reported count (0 while exact)."""
        self._compact()
        return 0 if self._items is None else math.ceil(self._items.epsilon * self._total)

    def update(self, values: pa.Array | pa.ChunkedArray) -> None:
        """Count the non-null values of an Arrow array (any type; non-text values are cast)."""
        values = pc.drop_null(values)
        if len(values) == 0:
            return
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.string())
        vc = pc.value_counts(values)
        self.update_arrays(vc.field("values"), vc.field("counts"))

    def update_arrays(self, values: pa.Array, counts: pa.Array) -> None:
        """Add ``counts[i]`` occurrences of ``values[i]``.

        Parameters
        ----------
        values : pyarrow StringArray of shape (k,)
            Values, not necessarily distinct, no nulls.
        counts : pyarrow integer Array of shape (k,)
        """
        table = pa.Table.from_pydict(
            {"value": values.cast(pa.string()), "count": counts.cast(pa.int64())}
        )
        self._total += int(pc.sum(table["count"]).as_py() or 0)
        if self._exact is None:
            self._to_items(table)
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        if self._pending_rows > max(self._max_exact, 1 << 16):
            self._compact()

    def update_counts(self, counts: Mapping[str, int]) -> None:
        """Add counts given as a mapping value → count."""
        self.update_arrays(
            pa.array(list(counts), type=pa.string()), pa.array(list(counts.values()), pa.int64())
        )

    def _compact(self) -> None:
        if not self._pending:
            return
        assert self._exact is not None
        tables = [self._exact, *self._pending]
        self._pending, self._pending_rows = [], 0
        self._exact = _sum_by_value(tables)
        if self._exact.num_rows > self._max_exact:
            table, self._exact = self._exact, None
            self._items = ds.frequent_strings_sketch(_SKETCH_LG_MAX_MAP_SIZE)
            self._hll = ds.hll_sketch(_HLL_LG_K)
            self._to_items(table)

    def _to_items(self, table: pa.Table) -> None:
        assert self._items is not None and self._hll is not None
        for key, count in zip(table["value"].to_pylist(), table["count"].to_pylist(), strict=True):
            self._items.update(key, count)
            self._hll.update(key)

    def merge(self, other: FrequentValues) -> None:
        """Add another column's counts into this one (in place)."""
        other._compact()
        if other._exact is not None:
            total = self._total
            if other._exact.num_rows:
                self.update_arrays(other._exact["value"], other._exact["count"])
            self._total = total + other._total
            return
        self._compact()
        if self._exact is not None:
            table, self._exact = self._exact, None
            self._items = ds.frequent_strings_sketch(_SKETCH_LG_MAX_MAP_SIZE)
            self._hll = ds.hll_sketch(_HLL_LG_K)
            self._to_items(table)
        assert self._items is not None and self._hll is not None
        assert other._items is not None and other._hll is not None
        self._items.merge(other._items)
        union = ds.hll_union(_HLL_LG_K)
        union.update(self._hll)
        union.update(other._hll)
        self._hll = union.get_result()
        self._total += other._total

    @property
    def distinct_count(self) -> float:
        """Number of distinct values: exact while exact, else a HyperLogLog estimate."""
        self._compact()
        if self._exact is not None:
            return float(self._exact.num_rows)
        assert self._hll is not None
        return float(self._hll.get_estimate())

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        """The ``n`` most frequent values with their counts, most frequent first.

        Ties are broken by value so the order is deterministic. After the switch to a sketch the
        counts are estimates within :attr:`maximum_error`.
        """
        self._compact()
        if self._exact is not None:
            order = pc.sort_indices(
                self._exact, sort_keys=[("count", "descending"), ("value", "ascending")]
            )
            top = self._exact.take(order if n is None else order[:n])
            return list(zip(top["value"].to_pylist(), top["count"].to_pylist(), strict=True))
        assert self._items is not None
        rows = self._items.get_frequent_items(ds.frequent_items_error_type.NO_FALSE_NEGATIVES)
        pairs = [(str(row[0]), int(row[1])) for row in rows]
        pairs.sort(key=lambda kv: (-kv[1], kv[0]))
        return pairs if n is None else pairs[:n]

    def count_of(self, value: str) -> int:
        """Count (or estimate) of one value; 0 if never seen."""
        self._compact()
        if self._exact is not None:
            hit = self._exact.filter(pc.equal(self._exact["value"], value))
            return int(hit["count"][0].as_py()) if hit.num_rows else 0
        assert self._items is not None
        return int(self._items.get_estimate(value))

    def values_seen_once(self) -> int | None:
        """How many distinct values occur exactly once (None once counts are no longer exact)."""
        self._compact()
        if self._exact is None:
            return None
        return int(pc.sum(pc.equal(self._exact["count"], 1)).as_py() or 0)

    def __getstate__(self) -> dict[str, Any]:
        # Arrow arrays pickle as their buffers: far cheaper than lists of Python strings when a
        # worker sends its profile back.
        self._compact()
        exact = self._exact
        return {
            "max_exact": self._max_exact,
            "values": None if exact is None else exact["value"].combine_chunks(),
            "counts": None if exact is None else exact["count"].combine_chunks(),
            "items": None if self._items is None else self._items.serialize(),
            "hll": None if self._hll is None else self._hll.serialize_compact(),
            "total": self._total,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._max_exact = state["max_exact"]
        self._pending, self._pending_rows = [], 0
        self._exact = (
            None
            if state["values"] is None
            else pa.Table.from_pydict(
                {
                    "value": pa.array(state["values"], pa.string()),
                    "count": pa.array(state["counts"], pa.int64()),
                }
            )
        )
        self._items = (
            None
            if state["items"] is None
            else ds.frequent_strings_sketch.deserialize(state["items"])
        )
        self._hll = None if state["hll"] is None else ds.hll_sketch.deserialize(state["hll"])
        self._total = state["total"]


def _sum_by_value(tables: list[pa.Table]) -> pa.Table:
    """One (value, count) row per distinct value of ``tables``, counts summed.

    Values come out in order of first appearance. A hash of the values (``dictionary_encode``)
    and a weighted ``bincount`` of their codes: several times faster than a hash aggregation
    (``Table.group_by``) on tables of a few thousand to a few hundred thousand rows. Counts are
    summed as float64, exact while the total stays below 2**53; past that, as int64.
    """
    values = pa.concat_arrays([c for t in tables for c in t["value"].chunks])
    counts = np.concatenate(
        [as_numpy(c).astype(np.int64, copy=False) for t in tables for c in t["count"].chunks]
    )
    encoded = pc.dictionary_encode(values)
    codes = as_numpy(encoded.indices)
    distinct = len(encoded.dictionary)
    if counts.size and int(counts.sum()) < 1 << 53:
        sums = np.bincount(codes, weights=counts, minlength=distinct).astype(np.int64)
    else:
        sums = np.zeros(distinct, dtype=np.int64)
        np.add.at(sums, codes, counts)
    return pa.Table.from_arrays(
        [encoded.dictionary, pa.array(sums, type=pa.int64())], names=["value", "count"]
    )


_EMPTY = pa.Table.from_pydict(
    {"value": pa.array([], pa.string()), "count": pa.array([], pa.int64())}
)
