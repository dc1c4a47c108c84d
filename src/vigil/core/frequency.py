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
from collections.abc import Iterable, Mapping
from typing import Any

import datasketches as ds
import pyarrow as pa
import pyarrow.compute as pc

from vigil.errors import InvalidParameterError

__all__ = ["DEFAULT_MAX_EXACT", "FrequentValues"]

DEFAULT_MAX_EXACT = 65_536
"""Distinct values kept exactly per column before switching to a frequent-items sketch."""

_HLL_LG_K = 12
_SKETCH_LG_MAX_MAP_SIZE = 15  # tracks up to 0.75 * 2**15 = 24,576 values


class FrequentValues:
    """Counts of the distinct non-null values of one column, mergeable.

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
        self._counts: dict[str, int] | None = {}
        self._items: ds.frequent_strings_sketch | None = None
        self._hll: ds.hll_sketch | None = None
        self._total = 0

    @property
    def is_exact(self) -> bool:
        """True while every count (and the distinct count) is exact."""
        return self._counts is not None

    @property
    def total(self) -> int:
        """Number of values counted."""
        return self._total

    @property
    def maximum_error(self) -> int:
        """Upper bound on the error of any reported count (0 while exact)."""
        return 0 if self._items is None else math.ceil(self._items.epsilon * self._total)

    def update(self, values: pa.Array | pa.ChunkedArray) -> None:
        """Count the non-null values of an Arrow array (any type; non-text values are cast)."""
        values = pc.drop_null(values)
        if len(values) == 0:
            return
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.string())
        vc = pc.value_counts(values)
        keys = vc.field("values").to_pylist()
        counts = vc.field("counts").to_pylist()
        self._add_pairs(zip(keys, counts, strict=True))

    def update_pairs(self, keys: list[str], counts: list[int]) -> None:
        """Add ``counts[i]`` occurrences of ``keys[i]`` for every i."""
        self._add_pairs(zip(keys, counts, strict=True))

    def update_counts(self, counts: Mapping[str, int]) -> None:
        """Add counts given as a mapping value → count."""
        self._add_pairs(counts.items())

    def _add_pairs(self, pairs: Iterable[tuple[str, int]]) -> None:
        pairs = list(pairs)
        self._total += sum(c for _, c in pairs)
        if self._counts is not None:
            table = self._counts
            for key, count in pairs:
                table[key] = table.get(key, 0) + count
            if len(table) > self._max_exact:
                self._to_sketch()
            return
        assert self._items is not None and self._hll is not None
        for key, count in pairs:
            self._items.update(key, count)
            self._hll.update(key)

    def _to_sketch(self) -> None:
        assert self._counts is not None
        self._items = ds.frequent_strings_sketch(_SKETCH_LG_MAX_MAP_SIZE)
        self._hll = ds.hll_sketch(_HLL_LG_K)
        for key, count in self._counts.items():
            self._items.update(key, count)
            self._hll.update(key)
        self._counts = None

    def merge(self, other: FrequentValues) -> None:
        """Add another column's counts into this one (in place)."""
        if other._counts is not None:
            total = self._total
            self._add_pairs(other._counts.items())
            self._total = total + other._total
            return
        if self._counts is not None:
            self._to_sketch()
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
        if self._counts is not None:
            return float(len(self._counts))
        assert self._hll is not None
        return float(self._hll.get_estimate())

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        """The ``n`` most frequent values with their counts, most frequent first.

        Ties are broken by value so the order is deterministic. After the switch to a sketch the
        counts are estimates within :attr:`maximum_error`.
        """
        if self._counts is not None:
            pairs = list(self._counts.items())
        else:
            assert self._items is not None
            rows = self._items.get_frequent_items(ds.frequent_items_error_type.NO_FALSE_NEGATIVES)
            pairs = [(str(row[0]), int(row[1])) for row in rows]
        pairs.sort(key=lambda kv: (-kv[1], kv[0]))
        return pairs if n is None else pairs[:n]

    def count_of(self, value: str) -> int:
        """Count (or estimate) of one value; 0 if never seen."""
        if self._counts is not None:
            return self._counts.get(value, 0)
        assert self._items is not None
        return int(self._items.get_estimate(value))

    def values_seen_once(self) -> int | None:
        """How many distinct values occur exactly once (None once counts are no longer exact)."""
        if self._counts is None:
            return None
        return sum(1 for c in self._counts.values() if c == 1)

    def __getstate__(self) -> dict[str, Any]:
        return {
            "max_exact": self._max_exact,
            "counts": self._counts,
            "items": None if self._items is None else self._items.serialize(),
            "hll": None if self._hll is None else self._hll.serialize_compact(),
            "total": self._total,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._max_exact = state["max_exact"]
        self._counts = state["counts"]
        self._items = (
            None
            if state["items"] is None
            else ds.frequent_strings_sketch.deserialize(state["items"])
        )
        self._hll = None if state["hll"] is None else ds.hll_sketch.deserialize(state["hll"])
        self._total = state["total"]
