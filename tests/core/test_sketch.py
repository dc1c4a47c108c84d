"""Tests for vigil.core.sketch: Deequ 2.0.2's KLL sketch (spec/sagemaker-model-monitor.md §2.2).

Ground truth comes from three places: a literal, item-by-item transcription of Deequ's
``QuantileNonSample`` / ``NonSampleCompactor`` below (``_DeequReference``), golden outputs from
Deequ's own test suite (``KLL/KLLProfileTest.scala``), and a real SageMaker ``statistics.json``
together with the CSV it was computed from.

Rank-error bound used for the accuracy tests: a compaction at level ``h`` moves any rank by at most
``2**h``, and only happens when the level holds ``>= capacity(h)`` items, so it promotes at least
``capacity(h) / 2`` items; the items ever promoted into level ``h+1`` weigh exactly the weight now
at levels ``>= h+1``. Hence ``|rank error| <= sum_h 2**h * floor(W[>=h+1] / (2**h capacity(h)))``,
which is ``KLLSketch.rank_error_bound()`` (0 while nothing has been compacted).
"""

from __future__ import annotations

import itertools
import json
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from tests.datasets import SDK

from vigil.core.distribution import WeightedSample
from vigil.core.sketch import KLLSketch, kll_buckets
from vigil.errors import DocumentError, InvalidParameterError, SketchError

REAL = SDK
REAL_STATS = REAL / "tests__data__pipeline__quality_check_step__data_quality__statistics.json"
REAL_CSV = REAL / "tests__data__pipeline__quality_check_step__data_quality__baseline_dataset.csv"


class _DeequReference:
    """Deequ 2.0.2 ``QuantileNonSample[Double]``, transcribed line by line, one item at a time."""

    def __init__(self, k: int, c: float) -> None:
        self.k, self.c = k, c
        self.compactors: list[list[float]] = []
        self.num_compress: list[int] = []
        self.offset: list[int] = []
        self.actual = 0
        self.total = 0
        self.expand()

    def capacity(self, height: int) -> int:
        return 2 * (math.ceil(self.k * math.pow(self.c, height) / 2) + 1)

    def expand(self) -> None:
        self.compactors.append([])
        self.num_compress.append(0)
        self.offset.append(0)
        self.total = sum(self.capacity(h) for h in range(len(self.compactors)))

    def update(self, item: float) -> None:
        self.compactors[0].append(item)
        self.actual += 1
        if self.actual > self.total:
            self.condense()

    def condense(self) -> None:
        for height in range(len(self.compactors)):
            if len(self.compactors[height]) >= self.capacity(height):
                if height + 1 >= len(self.compactors):
                    self.expand()
                self.compactors[height + 1].extend(self.compact(height))
                self.actual = sum(len(b) for b in self.compactors)
                break

    def compact(self, height: int) -> list[float]:
        buffer = self.compactors[height]
        items = len(buffer)
        length = items - items % 2
        if self.num_compress[height] % 2 == 1:
            self.offset[height] = 1 - self.offset[height]
        # java.lang.Double.compare: -0.0 sorts before 0.0
        ordered = sorted(buffer[:length], key=lambda v: (v, math.copysign(1.0, v)))
        output = ordered[self.offset[height] : length : 2]
        self.compactors[height] = buffer[length:]
        self.num_compress[height] += 1
        return output

    def merge(self, that: _DeequReference) -> None:
        while len(self.compactors) < len(that.compactors):
            self.expand()
        for i in range(len(that.compactors)):
            self.compactors[i] = self.compactors[i] + that.compactors[i]
        self.actual = sum(len(b) for b in self.compactors)
        while self.actual >= self.total:
            self.condense()


def _reference(values: NDArray[np.float64], k: int, c: float = 0.64) -> _DeequReference:
    ref = _DeequReference(k, c)
    for v in values.tolist():
        ref.update(v)
    return ref


def _sketch(values: NDArray[np.float64] | list[float], k: int = 2048) -> KLLSketch:
    sketch = KLLSketch(k=k)
    sketch.update(values)
    return sketch


def _same_bits(a: list[list[float]], b: list[list[float]]) -> bool:
    """Level lists equal item for item, including the sign of zeros."""
    return a == b and all(
        np.array_equal(np.signbit(np.array(x, dtype=np.float64)), np.signbit(np.array(y)))
        for x, y in zip(a, b, strict=True)
    )


def _assert_quantiles_within(sketch: KLLSketch, values: NDArray[np.float64], eps: int) -> None:
    """Each estimated q-quantile v has true ranks R(<=v) >= q*n - eps and R(<v) <= q*n + eps."""
    ordered = np.sort(values)
    qs = np.linspace(0.0, 1.0, 101)
    estimates = sketch.quantiles(qs)
    target = qs * ordered.size
    at_or_below = np.searchsorted(ordered, estimates, side="right")
    below = np.searchsorted(ordered, estimates, side="left")
    assert np.all(at_or_below >= target - eps)
    assert np.all(below <= target + eps)
    if eps == 0:
        np.testing.assert_array_equal(estimates, np.quantile(values, qs, method="inverted_cdf"))


# --------------------------------------------------------------------------- spec and goldens


def test_spec_constructed_example_one_to_ten() -> None:
    sketch = _sketch(np.arange(1.0, 11.0))
    assert sketch.levels() == [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]]
    assert sketch.n == 10
    expected = [
        (1.0, 1.9, 1.0),
        (1.9, 2.8, 1.0),
        (2.8, 3.7, 1.0),
        (3.7, 4.6, 1.0),
        (4.6, 5.5, 1.0),
        (5.5, 6.4, 1.0),
        (6.4, 7.3, 1.0),
        (7.3, 8.2, 1.0),
        (8.2, 9.1, 1.0),
        (9.1, 10.0, 1.0),
    ]
    assert kll_buckets(sketch, 1.0, 10.0) == expected
    assert sketch.to_dict() == {
        "parameters": {"c": 0.64, "k": 2048.0},
        "data": [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]],
    }


@pytest.mark.parametrize(
    ("n", "levels", "buckets"),
    [
        (6, [[5.0, 6.0], [1.0, 3.0]], [(1.0, 3.5, 4.0), (3.5, 6.0, 2.0)]),
        (
            30,
            [[27.0, 28.0, 29.0, 30.0], [25.0], [1.0, 6.0, 10.0, 15.0, 19.0, 23.0]],
            [(1.0, 15.5, 16.0), (15.5, 30.0, 14.0)],
        ),
    ],
)
def test_deequ_kll_profile_goldens(
    n: int, levels: list[list[float]], buckets: list[tuple[float, float, float]]
) -> None:
    # awslabs/deequ src/test/scala/com/amazon/deequ/KLL/KLLProfileTest.scala, KLLParameters(2, 0.64, 2)
    sketch = _sketch(np.arange(1.0, n + 1.0), k=2)
    assert sketch.levels() == levels
    assert kll_buckets(sketch, 1.0, float(n), n_buckets=2) == buckets


def _real_features() -> list[tuple[str, dict[str, object]]]:
    if not REAL_STATS.exists():
        return []
    document = json.loads(REAL_STATS.read_text())
    return [(f["name"], f["numerical_statistics"]) for f in document["features"]]


@pytest.mark.parametrize(("name", "stats"), _real_features())
def test_real_sagemaker_statistics_reproduced(name: str, stats: dict[str, object]) -> None:
    column = int(name.removeprefix("_c"))
    values = np.loadtxt(REAL_CSV, delimiter=",", dtype=np.float64)[:, column]
    kll = stats["distribution"]["kll"]  # type: ignore[index]
    sketch = _sketch(values)
    assert sketch.levels() == kll["sketch"]["data"]
    assert sketch.to_dict() == kll["sketch"]
    got = kll_buckets(sketch, float(stats["min"]), float(stats["max"]))  # type: ignore[arg-type]
    want = [(b["lower_bound"], b["upper_bound"], b["count"]) for b in kll["buckets"]]
    assert got == want
    # Spark's final aggregation merges the partial sketch into an empty one: same result here.
    final = KLLSketch()
    final.merge(sketch)
    assert final.levels() == kll["sketch"]["data"]
    loaded = KLLSketch.from_dict(kll["sketch"])
    assert loaded.levels() == kll["sketch"]["data"]
    assert loaded.k == 2048
    assert loaded.c == 0.64
    assert loaded.n == values.size
    assert kll_buckets(loaded, float(stats["min"]), float(stats["max"])) == want  # type: ignore[arg-type]


# ------------------------------------------------------------------ item-by-item equivalence


@pytest.mark.parametrize(
    ("n", "k", "seed"),
    [(20_000, 16, 0), (20_000, 2, 1), (5_000, 64, 2), (6_000, 2048, 3), (3_000, 7, 4)],
)
def test_vectorised_update_equals_item_by_item_reference(n: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=n)
    ref = _reference(values, k)
    sketch = _sketch(values, k=k)
    assert sketch.levels() == ref.compactors
    assert sketch.num_levels == len(ref.compactors)
    assert sketch.num_levels > (1 if k == 2048 else 4)  # several levels were exercised
    assert sketch.n == n


def test_signed_zeros_sort_as_on_the_jvm() -> None:
    values = np.tile([0.0, -0.0, 1.0, -1.0, -0.0], 40)
    ref = _reference(values, 4)
    sketch = _sketch(values, k=4)
    assert _same_bits(sketch.levels(), ref.compactors)


def test_merge_equals_reference_merge_and_later_updates() -> None:
    rng = np.random.default_rng(7)
    a, b, later = rng.random(3_001), rng.random(1_777), rng.random(2_500)
    ref_a, ref_b = _reference(a, 16), _reference(b, 16)
    ref_a.merge(ref_b)
    for v in later.tolist():
        ref_a.update(v)
    sketch_a, sketch_b = _sketch(a, k=16), _sketch(b, k=16)
    sketch_a.merge(sketch_b)
    sketch_a.update(later)
    assert sketch_a.levels() == ref_a.compactors
    assert sketch_b.levels() == _reference(b, 16).compactors  # other is untouched


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.integers(-5, 5).map(float),
            st.sampled_from([0.0, -0.0]),
            st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
        ),
        max_size=1_500,
    ),
    k=st.sampled_from([2, 3, 8, 16, 100]),
    cuts=st.lists(st.integers(0, 1_500), max_size=12),
)
def test_one_batch_equals_many_batches(values: list[float], k: int, cuts: list[int]) -> None:
    array = np.array(values, dtype=np.float64)
    whole = _sketch(array, k=k)
    pieces = KLLSketch(k=k)
    bounds = [0, *sorted(min(c, array.size) for c in cuts), array.size]
    for lo, hi in itertools.pairwise(bounds):
        pieces.update(array[lo:hi])
    assert _same_bits(pieces.levels(), whole.levels())
    assert _same_bits(whole.levels(), _reference(array, k).compactors)


_FLOATS = st.one_of(
    st.integers(-4, 4).map(float),
    st.sampled_from([0.0, -0.0, np.inf, -np.inf]),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=80, deadline=None)
@given(
    chunks=st.lists(st.lists(_FLOATS, max_size=400), min_size=1, max_size=8),
    other=st.lists(_FLOATS, max_size=300),
    merge_before=st.integers(0, 8),
    k=st.sampled_from([2, 3, 5, 8, 16, 40]),
    c=st.sampled_from([0.64, 0.5, 0.9, 1.0]),
)
def test_level_by_level_update_keeps_deequs_items_and_counters(
    chunks: list[list[float]], other: list[float], merge_before: int, k: int, c: float
) -> None:
    # Many runs per level per update (small k, big chunks), signed zeros and infinities, and a
    # merge in between: the items, their order and every compaction counter stay Deequ's.
    sketch, ref = KLLSketch(k=k, c=c), _DeequReference(k, c)
    for i, chunk in enumerate(chunks):
        if i == merge_before:
            theirs, ref_theirs = KLLSketch(k=k, c=c), _DeequReference(k, c)
            theirs.update(np.array(other, dtype=np.float64))
            for v in other:
                ref_theirs.update(v)
            sketch.merge(theirs)
            ref.merge(ref_theirs)
        sketch.update(np.array(chunk, dtype=np.float64))
        for v in chunk:
            ref.update(v)
        state = sketch.__getstate__()
        assert _same_bits(sketch.levels(), ref.compactors)
        assert state["num_compress"] == ref.num_compress
        assert state["offset"] == ref.offset
    assert sketch.n == sum(len(chunk) for chunk in chunks) + (
        len(other) if merge_before < len(chunks) else 0
    )


def test_large_update_equals_reference() -> None:
    values = np.round(np.random.default_rng(5).normal(size=200_000), 2)  # many ties
    values[::97] = -0.0
    ref = _reference(values, 64)
    sketch = KLLSketch(k=64)
    for chunk in np.array_split(values, 3):
        sketch.update(chunk)
    assert _same_bits(sketch.levels(), ref.compactors)
    assert sketch.__getstate__()["num_compress"] == ref.num_compress


def test_update_leaves_the_callers_array_untouched_and_accepts_read_only_arrays() -> None:
    values = np.random.default_rng(9).normal(size=20_000)
    before = values.copy()
    values.setflags(write=False)  # e.g. a view of an Arrow buffer
    sketch = _sketch(values, k=16)
    np.testing.assert_array_equal(values, before)
    assert sketch.levels() == _reference(before, 16).compactors


# ----------------------------------------------------------------------------- accuracy


@pytest.mark.parametrize("n", [10, 2047, 2049, 100_000, 1_000_000])
def test_quantiles_within_rank_error_bound(n: int) -> None:
    values = np.random.default_rng(n).lognormal(size=n)
    sketch = _sketch(values)
    eps = sketch.rank_error_bound()
    if n <= 2049:  # level 0 holds 2050 items before the first compaction
        assert eps == 0
    _assert_quantiles_within(sketch, values, eps)


@settings(max_examples=40, deadline=None)
@given(
    a=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=2_000),
    b=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=2_000),
    k=st.sampled_from([2, 8, 32, 2048]),
)
def test_merge_keeps_weight_and_rank_error(a: list[float], b: list[float], k: int) -> None:
    merged = _sketch(a, k=k)
    merged.merge(_sketch(b, k=k))
    assert merged.n == len(a) + len(b)
    union = np.array(a + b, dtype=np.float64)
    _assert_quantiles_within(merged, union, merged.rank_error_bound())


def test_nan_is_skipped_and_inf_kept() -> None:
    sketch = _sketch([1.0, np.nan, np.inf, -np.inf, 2.0])
    assert sketch.levels() == [[1.0, np.inf, -np.inf, 2.0]]
    assert sketch.n == 4


def test_weighted_sample_weights_are_powers_of_two() -> None:
    sketch = _sketch(np.arange(1.0, 31.0), k=2)  # levels [[27..30], [25], [1, 6, ..., 23]]
    sample = sketch.weighted_sample()
    assert isinstance(sample, WeightedSample)
    assert sample.total_weight == 30.0
    np.testing.assert_array_equal(sample.items, [1, 6, 10, 15, 19, 23, 25, 27, 28, 29, 30])
    np.testing.assert_array_equal(sample.weights, [4, 4, 4, 4, 4, 4, 2, 1, 1, 1, 1])


# -------------------------------------------------------------------------------- buckets


def test_buckets_when_minimum_equals_maximum_put_everything_last() -> None:
    sketch = _sketch([3.0] * 7)
    buckets = kll_buckets(sketch, 3.0, 3.0)
    assert buckets == [(3.0, 3.0, 0.0)] * 9 + [(3.0, 3.0, 7.0)]


def test_bucket_bounds_use_deequ_arithmetic() -> None:
    # Deequ: start + (end - start) * i / 10.0, which is not start + i * ((end - start) / 10.0)
    low, high = 31.2, 361.8
    bounds = [b[0] for b in kll_buckets(WeightedSample.from_values([low, high]), low, high)]
    assert bounds == [low + (high - low) * i / 10.0 for i in range(10)]
    assert bounds[1] == 64.26  # EX intro notebook cell 31, "Eve Mins"


def test_buckets_accept_a_weighted_sample() -> None:
    sample = WeightedSample.from_values([1.0, 2.0, 2.0, 4.0])
    assert kll_buckets(sample, 1.0, 4.0, n_buckets=3) == [
        (1.0, 2.0, 1.0),
        (2.0, 3.0, 2.0),
        (3.0, 4.0, 1.0),
    ]


# ------------------------------------------------------------------ serialisation and state


def test_pickle_and_copy_keep_full_state() -> None:
    values = np.random.default_rng(11).random(10_000)
    sketch = _sketch(values, k=16)
    restored = pickle.loads(pickle.dumps(sketch))
    clone = sketch.copy()
    more = np.random.default_rng(12).random(3_000)
    for other in (restored, clone):
        other.update(more)
    sketch.update(more)
    assert restored.levels() == sketch.levels() == clone.levels()
    clone.update([1.0])
    assert clone.levels() != sketch.levels()


def test_update_does_not_alias_the_callers_array() -> None:
    values = np.array([1.0, 2.0, 3.0])
    sketch = _sketch(values)
    values[:] = 0.0
    assert sketch.levels() == [[1.0, 2.0, 3.0]]


def test_from_levels_weighs_level_h_as_two_to_the_h() -> None:
    sketch = KLLSketch.from_levels([[5.0], [], [1.0, 3.0]], k=2)
    assert sketch.n == 9
    assert sketch.levels() == [[5.0], [], [1.0, 3.0]]
    assert KLLSketch.from_levels([]).levels() == [[]]


# ---------------------------------------------------------------------------------- errors


def test_merge_with_different_parameters_raises() -> None:
    with pytest.raises(SketchError):
        KLLSketch(k=2048).merge(KLLSketch(k=1024))
    with pytest.raises(SketchError):
        KLLSketch(c=0.64).merge(KLLSketch(c=0.5))


@pytest.mark.parametrize(
    ("k", "c"), [(1, 0.64), (0, 0.64), (2.5, 0.64), (True, 0.64), (8, 0.0), (8, 1.5)]
)
def test_bad_parameters_raise(k: object, c: object) -> None:
    with pytest.raises(InvalidParameterError):
        KLLSketch(k=k, c=c)  # type: ignore[arg-type]


def test_bad_inputs_raise() -> None:
    sketch = KLLSketch()
    with pytest.raises(InvalidParameterError):
        sketch.update(np.zeros((2, 2)))
    with pytest.raises(InvalidParameterError):
        sketch.update(["a"])
    with pytest.raises(InvalidParameterError):
        sketch.quantiles(0.5)  # empty
    with pytest.raises(InvalidParameterError):
        kll_buckets(sketch, 2.0, 1.0)
    with pytest.raises(InvalidParameterError):
        kll_buckets(sketch, 0.0, 1.0, n_buckets=0)
    with pytest.raises(DocumentError):
        KLLSketch.from_dict({"data": [[1.0]]})
    with pytest.raises(DocumentError):
        KLLSketch.from_levels([["x"]])  # type: ignore[list-item]
    with pytest.raises(DocumentError):
        KLLSketch.from_levels([[float("nan")]])
