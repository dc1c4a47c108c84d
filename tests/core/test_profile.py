"""Column and dataset profiles: statistics against numpy, merge(p(a), p(b)) == p(a ∪ b)."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.core.profile import (
    NUMERIC_TEXT_FREQUENCY_CAP,
    READER_DICTIONARY,
    ColumnProfile,
    DatasetProfile,
    ProfileOptions,
)
from vigil.errors import InvalidParameterError
from vigil.types import InferredType


def _profile(values: list[object] | pa.Array, name: str = "x", **options: object) -> ColumnProfile:
    p = ColumnProfile(name, ProfileOptions(**options))  # type: ignore[arg-type]
    p.update(values if isinstance(values, pa.Array) else pa.array(values))
    return p


def test_numeric_statistics_match_numpy() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(3.0, 2.0, 50_000)
    stats = _profile(pa.array(x)).to_statistics()
    assert stats.inferred_type is InferredType.FRACTIONAL
    assert stats.numeric is not None
    assert stats.numeric.count == x.size
    assert stats.numeric.mean == pytest.approx(x.mean(), rel=1e-12)
    assert stats.numeric.sum == pytest.approx(x.sum(), rel=1e-12)
    assert stats.numeric.std_dev == pytest.approx(x.std(ddof=0), rel=1e-10)
    assert stats.numeric.min == x.min()
    assert stats.numeric.max == x.max()
    assert stats.numeric.sketch.n == x.size


def test_population_std_dev_like_sagemaker_churn_example() -> None:
    # spec §2.2: 325 ones of 2333 → population SD 0.346265 (sample SD would be 0.346340)
    x = np.r_[np.ones(325), np.zeros(2333 - 325)]
    stats = _profile(pa.array(x.astype(str))).to_statistics()
    assert stats.inferred_type is InferredType.FRACTIONAL
    assert stats.numeric is not None
    assert round(stats.numeric.std_dev, 6) == 0.346265
    assert round(stats.numeric.mean, 6) == 0.139306


def test_text_numbers_infer_integral_and_missing_counts() -> None:
    stats = _profile(["1", "2", None, "4"]).to_statistics()
    assert stats.inferred_type is InferredType.INTEGRAL
    assert (stats.num_present, stats.num_missing) == (3, 1)
    assert stats.completeness == 0.75
    assert stats.numeric is not None and stats.numeric.mean == pytest.approx(7 / 3)


def test_string_column_counts_every_value_including_numeric_looking_ones() -> None:
    stats = _profile(["a", "b", "a", "1", "1", "1", None]).to_statistics()
    assert stats.inferred_type is InferredType.STRING
    assert stats.categories == (("1", 3), ("a", 2), ("b", 1))
    assert stats.distinct_count == 3.0
    assert stats.buckets_complete
    assert stats.values_seen_once == 1


def test_string_column_with_many_numeric_values_reports_incomplete_buckets() -> None:
    numbers = [str(i) for i in range(NUMERIC_TEXT_FREQUENCY_CAP + 10)]
    p = _profile(numbers)
    p.update(pa.array(["oops"]))
    stats = p.to_statistics()
    assert stats.inferred_type is InferredType.STRING
    assert not stats.buckets_complete
    assert stats.categories == (("oops", 1),)
    assert stats.num_present == len(numbers) + 1


def test_dictionary_and_forced_columns_are_string() -> None:
    codes = pa.array(["1", "2", "2"]).dictionary_encode()
    stats = _profile(codes).to_statistics()
    assert stats.inferred_type is InferredType.STRING
    assert stats.categories == (("2", 2), ("1", 1))
    forced = _profile(["1", "2", "2"], string_columns=frozenset({"x"})).to_statistics()
    assert forced.inferred_type is InferredType.STRING
    assert forced.numeric is None


@pytest.mark.parametrize(
    "texts",
    [
        ["1", "2", None, "2"],  # Integral text
        ["a", "1", "b", None, "1"],  # String with numeric-looking values
        ["1.5", "true", "x"],
        [None, None],
    ],
)
def test_a_reader_dictionary_is_profiled_as_the_plain_text_column(texts: list[str | None]) -> None:
    plain = pa.array(texts, type=pa.string())
    encoded = plain.dictionary_encode()
    field = pa.field("x", encoded.type, metadata={READER_DICTIONARY: b"1"})
    from_reader = DatasetProfile()
    from_reader.update(pa.RecordBatch.from_arrays([encoded], schema=pa.schema([field])))
    reference = DatasetProfile()
    reference.update(pa.table({"x": plain}))
    _equivalent(from_reader.columns["x"], reference.columns["x"])
    # Without the key, the same dictionary is the writer's declaration: String.
    declared = DatasetProfile()
    declared.update(pa.table({"x": encoded}))
    if any(t is not None for t in texts):
        assert declared.to_statistics().columns[0].inferred_type is InferredType.STRING


def test_all_null_column_is_unknown() -> None:
    stats = _profile(pa.array([None, None], type=pa.string())).to_statistics()
    assert stats.inferred_type is InferredType.UNKNOWN
    assert (stats.num_present, stats.num_missing) == (0, 2)


def test_merge_rejects_another_column() -> None:
    with pytest.raises(InvalidParameterError, match="'x'"):
        _profile([1]).merge(_profile([1], name="y"))


def _equivalent(a: ColumnProfile, b: ColumnProfile) -> None:
    sa, sb = a.to_statistics(), b.to_statistics()
    assert sa.inferred_type is sb.inferred_type
    assert (sa.num_present, sa.num_missing, sa.type_counts) == (
        sb.num_present,
        sb.num_missing,
        sb.type_counts,
    )
    assert sa.categories == sb.categories
    if sa.numeric is None:
        assert sb.numeric is None
        return
    assert sb.numeric is not None
    assert sa.numeric.count == sb.numeric.count
    for attr in ("sum", "mean", "std_dev", "min", "max"):
        x, y = getattr(sa.numeric, attr), getattr(sb.numeric, attr)
        # rounding of a sum of values of magnitude M is about M * 1e-16 per value
        scale = max(1.0, abs(sa.numeric.min), abs(sa.numeric.max))
        assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(
            y, rel=1e-9, abs=1e-12 * scale
        )
    assert sa.numeric.sketch.n == sb.numeric.sketch.n


_values = st.lists(
    st.one_of(
        st.none(),
        st.integers(-1000, 1000).map(str),
        st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: f"{f:.3f}"),
        st.sampled_from(["a", "b", "true"]),
    ),
    max_size=200,
)


@settings(max_examples=60, deadline=None)
@given(a=_values, b=_values)
def test_merge_of_partitions_equals_profile_of_union(
    a: list[str | None], b: list[str | None]
) -> None:
    whole = ColumnProfile("x")
    whole.update(pa.array(a + b, type=pa.string()))
    left, right = ColumnProfile("x"), ColumnProfile("x")
    left.update(pa.array(a, type=pa.string()))
    right.update(pa.array(b, type=pa.string()))
    left.merge(right)
    _equivalent(left, whole)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=300), st.integers(1, 5))
def test_merge_of_numeric_chunks_equals_whole(values: list[float], parts: int) -> None:
    x = np.array(values)
    whole = ColumnProfile("x")
    whole.update(pa.array(x))
    merged = ColumnProfile("x")
    for chunk in np.array_split(x, parts):
        p = ColumnProfile("x")
        p.update(pa.array(chunk))
        merged.merge(p)
    _equivalent(merged, whole)


def test_dataset_profile_columns_absent_in_a_partition_count_as_missing() -> None:
    a = DatasetProfile()
    a.update(pa.table({"x": ["1", "2"], "y": ["a", "b"]}))
    b = DatasetProfile()
    b.update(pa.table({"x": ["3"], "z": ["5.5"]}))
    a.merge(b)
    stats = a.to_statistics()
    assert stats.item_count == 3
    assert [c.name for c in stats.columns] == ["x", "y", "z"]
    y, z = stats.column("y"), stats.column("z")
    assert y is not None and (y.num_present, y.num_missing) == (2, 1)
    assert z is not None and (z.num_present, z.num_missing) == (1, 2)


def test_dataset_profile_rejects_duplicate_columns() -> None:
    batch = pa.table([pa.array([1]), pa.array([2])], names=["x", "x"])
    with pytest.raises(InvalidParameterError, match="duplicates"):
        DatasetProfile().update(batch)
