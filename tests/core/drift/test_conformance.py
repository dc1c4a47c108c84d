"""Shared invariants that every registered drift distance must satisfy.

A distance gets these checks as soon as it is added to ``vigil.core.drift.registry.DISTANCES``
(the scikit-learn ``test_common`` habit). What each distance claims (kinds, symmetry, scale
invariance, how it decides, whether it offers a p-value) is read from its ``Distance`` class
attributes. The drift check is written once (``Distance.compute``), so the undefined policy, the
argument checks and the decision rule are checked here for every distance alike.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift import DISTANCES, Distance, Distribution, DistributionKind, DriftResult
from vigil.core.drift._binning import quantile_edges
from vigil.errors import InvalidParameterError

_RNG = np.random.default_rng(20240611)
_BASE_VALUES = _RNG.normal(0.0, 1.0, 1500)
_NEAR_VALUES = _RNG.normal(0.05, 1.0, 1200)
_SHIFTED_VALUES = _RNG.normal(1.5, 1.0, 1500)

_BASE_COUNTS = {"a": 420.0, "b": 260.0, "c": 180.0, "d": 90.0, "e": 50.0}
_NEAR_COUNTS = {"a": 400.0, "b": 270.0, "c": 190.0, "d": 85.0, "e": 55.0, "f": 3.0}
_SHIFTED_COUNTS = {"a": 100.0, "b": 150.0, "c": 250.0, "d": 300.0, "e": 200.0}


def _numeric(values: np.ndarray) -> WeightedSample:
    return WeightedSample.from_values(values)


def _pairs() -> list[tuple[Distance, DistributionKind]]:
    return [
        (spec, kind)
        for spec in DISTANCES.values()
        for kind in ("numeric", "categorical")
        if kind in spec.kinds
    ]


PAIRS = _pairs()
IDS = [f"{spec.name}-{kind}" for spec, kind in PAIRS]
SYMMETRIC = [(s, k) for s, k in PAIRS if k in s.symmetric_kinds]
SCALE_INVARIANT = [(s, k) for s, k in PAIRS if s.scale_invariant]
QUANTILE_BINNED = [(s, k) for s, k in PAIRS if s.binning == "quantiles" and k == "numeric"]
CATEGORICAL = [s for s in DISTANCES.values() if "categorical" in s.kinds]


def _base(kind: DistributionKind) -> Distribution:
    return _numeric(_BASE_VALUES) if kind == "numeric" else CategoricalCounts(dict(_BASE_COUNTS))


def _near(kind: DistributionKind) -> Distribution:
    return _numeric(_NEAR_VALUES) if kind == "numeric" else CategoricalCounts(dict(_NEAR_COUNTS))


def _shifted(kind: DistributionKind) -> Distribution:
    if kind == "numeric":
        return _numeric(_SHIFTED_VALUES)
    return CategoricalCounts(dict(_SHIFTED_COUNTS))


def _empty(kind: DistributionKind) -> Distribution:
    return WeightedSample.from_values([]) if kind == "numeric" else CategoricalCounts({})


def _scaled(dist: Distribution, factor: float) -> Distribution:
    if isinstance(dist, WeightedSample):
        return WeightedSample.from_weighted(dist.items, dist.weights * factor)
    return CategoricalCounts({k: v * factor for k, v in dist.counts.items()})


def _reordered(dist: Distribution) -> Distribution:
    if isinstance(dist, WeightedSample):
        order = np.random.default_rng(7).permutation(dist.items.size)
        return WeightedSample.from_weighted(dist.items[order], dist.weights[order])
    return CategoricalCounts(dict(reversed(list(dist.counts.items()))))


def _is_identical_value(spec: Distance, result: DriftResult) -> bool:
    if spec.decision == "pvalue" and result.pvalue != pytest.approx(1.0, abs=1e-12):
        return False
    return result.distance == pytest.approx(0.0, abs=1e-12)


def test_registry_is_not_empty_and_covers_both_kinds() -> None:
    kinds = {kind for _, kind in PAIRS}
    assert kinds == {"numeric", "categorical"}
    assert SYMMETRIC
    assert SCALE_INVARIANT


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_identical_inputs_give_identity_value_and_no_drift(
    spec: Distance, kind: DistributionKind
) -> None:
    base = _base(kind)
    result = spec.compute(base, base)
    assert _is_identical_value(spec, result)
    assert result.drifted is False
    assert result.method == spec.name
    assert result.decided_by == ("pvalue" if spec.decision == "pvalue" else "distance")


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_clearly_shifted_pair_is_drifted(spec: Distance, kind: DistributionKind) -> None:
    result = spec.compute(_base(kind), _shifted(kind))
    assert result.drifted is True
    assert result.is_defined


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_distance_lies_in_declared_range(spec: Distance, kind: DistributionKind) -> None:
    low, high = spec.range
    for current in (_near(kind), _shifted(kind), _base(kind)):
        result = spec.compute(_base(kind), current)
        assert low <= result.distance <= high
        if result.pvalue is not None:
            assert 0.0 <= result.pvalue <= 1.0


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_drifted_agrees_with_direction_and_threshold(
    spec: Distance, kind: DistributionKind
) -> None:
    for current in (_near(kind), _shifted(kind)):
        r = spec.compute(_base(kind), current)
        if spec.decision == "pvalue":
            assert r.value == r.pvalue
            assert r.drifted == (r.value < r.threshold)
        else:
            assert r.value == r.distance
            assert r.drifted == (r.distance > r.threshold)
        if spec.decision == "noise_floor":
            assert r.threshold == r.noise_floor


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_bigger_shift_is_further(spec: Distance, kind: DistributionKind) -> None:
    near = spec.compute(_base(kind), _near(kind))
    far = spec.compute(_base(kind), _shifted(kind))
    assert far.distance > near.distance
    if spec.decision == "pvalue":
        assert far.value < near.value


@pytest.mark.parametrize(("spec", "kind"), SYMMETRIC, ids=[f"{s.name}-{k}" for s, k in SYMMETRIC])
def test_symmetry_where_claimed(spec: Distance, kind: DistributionKind) -> None:
    forward = spec.compute(_base(kind), _near(kind))
    backward = spec.compute(_near(kind), _base(kind))
    assert forward.distance == pytest.approx(backward.distance, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_invariant_to_sample_order(spec: Distance, kind: DistributionKind) -> None:
    plain = spec.compute(_base(kind), _near(kind))
    shuffled = spec.compute(_reordered(_base(kind)), _reordered(_near(kind)))
    assert shuffled == plain


@pytest.mark.parametrize(
    ("spec", "kind"), SCALE_INVARIANT, ids=[f"{s.name}-{k}" for s, k in SCALE_INVARIANT]
)
def test_invariant_to_scaling_weights_when_normalised(
    spec: Distance, kind: DistributionKind
) -> None:
    plain = spec.compute(_base(kind), _near(kind)).distance
    for factor_b, factor_c in ((3.0, 3.0), (0.5, 7.0)):
        scaled = spec.compute(_scaled(_base(kind), factor_b), _scaled(_near(kind), factor_c))
        assert scaled.distance == pytest.approx(plain, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
@pytest.mark.parametrize("threshold", [None, 0.04])
def test_empty_side_is_undefined_not_drifted(
    spec: Distance, kind: DistributionKind, threshold: float | None
) -> None:
    level = spec.default_threshold if threshold is None else threshold
    for baseline, current in (
        (_empty(kind), _base(kind)),
        (_base(kind), _empty(kind)),
        (_empty(kind), _empty(kind)),
    ):
        result = spec.compute(baseline, current, threshold)
        assert math.isnan(result.distance)
        assert math.isnan(result.value)
        assert result.drifted is False
        assert result.is_defined is False
        assert result.noise_floor is None
        assert result.method == spec.name
        assert (result.n_baseline, result.n_current) == (
            _total(baseline),
            _total(current),
        )
        if spec.offers_pvalue:
            assert result.pvalue is not None
            assert math.isnan(result.pvalue)
        else:
            assert result.pvalue is None
        if spec.decision == "noise_floor":  # no sizes, no critical value
            assert math.isnan(result.threshold)
        else:
            assert result.threshold == level


def _total(dist: Distribution) -> float:
    if isinstance(dist, WeightedSample):
        return dist.total_weight
    return float(sum(dist.counts.values()))


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_pvalue_and_noise_floor_as_claimed(spec: Distance, kind: DistributionKind) -> None:
    small = spec.compute(_base(kind), _near(kind))
    large = spec.compute(_scaled(_base(kind), 4.0), _scaled(_near(kind), 4.0))
    assert (small.pvalue is not None) == spec.offers_pvalue  # whole-number sizes here
    assert (small.noise_floor is None) == (large.noise_floor is None)
    if small.noise_floor is not None and large.noise_floor is not None:
        assert 0.0 <= large.noise_floor < small.noise_floor  # more data, less noise
        assert small.noise_floor <= spec.range[1]


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_counts_are_reported(spec: Distance, kind: DistributionKind) -> None:
    result = spec.compute(_base(kind), _near(kind))
    expected_b = 1500.0 if kind == "numeric" else sum(_BASE_COUNTS.values())
    expected_c = 1200.0 if kind == "numeric" else sum(_NEAR_COUNTS.values())
    assert (result.n_baseline, result.n_current) == (expected_b, expected_c)


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_default_and_explicit_threshold(spec: Distance, kind: DistributionKind) -> None:
    default = spec.compute(_base(kind), _near(kind))
    if spec.decision == "distance":
        assert default.threshold == spec.default_threshold
        explicit = spec.compute(_base(kind), _near(kind), threshold=0.01)
        assert explicit.threshold == 0.01
    else:
        explicit = spec.compute(_base(kind), _near(kind), threshold=spec.default_threshold)
        assert explicit == default


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf, "0.1", True])
def test_invalid_threshold_raises(spec: Distance, kind: DistributionKind, bad: object) -> None:
    with pytest.raises(InvalidParameterError):
        spec.compute(_base(kind), _near(kind), threshold=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("spec", list(DISTANCES.values()), ids=list(DISTANCES))
def test_kind_mismatch_and_unsupported_kind_raise(spec: Distance) -> None:
    with pytest.raises(InvalidParameterError, match="same kind"):
        spec.compute(_base("numeric"), _base("categorical"))
    with pytest.raises(InvalidParameterError):
        spec.compute([1.0, 2.0], [1.0, 2.0])  # type: ignore[arg-type]
    for kind in ("numeric", "categorical"):
        if kind not in spec.kinds:
            with pytest.raises(InvalidParameterError, match="kinds"):
                spec.compute(_base(kind), _base(kind))
            with pytest.raises(InvalidParameterError, match="kinds"):
                spec.compute(_empty(kind), _empty(kind))


@pytest.mark.parametrize("spec", CATEGORICAL, ids=[s.name for s in CATEGORICAL])
@pytest.mark.parametrize("side", ["baseline", "current"])
def test_bad_categorical_counts_raise(spec: Distance, side: str) -> None:
    for bad in (-1.0, math.nan, math.inf):
        counts = {"a": 5.0, "b": bad}
        pair = (CategoricalCounts(counts), _base("categorical"))
        baseline, current = pair if side == "baseline" else pair[::-1]
        with pytest.raises(InvalidParameterError, match=side):
            spec.compute(baseline, current)


@pytest.mark.parametrize(
    ("spec", "kind"), QUANTILE_BINNED, ids=[f"{s.name}-{k}" for s, k in QUANTILE_BINNED]
)
def test_bad_binning_raises_even_without_data(spec: Distance, kind: DistributionKind) -> None:
    for baseline in (_base(kind), _empty(kind)):
        with pytest.raises(InvalidParameterError, match="n_bins"):
            spec.compute(baseline, _near(kind), n_bins=0)
        with pytest.raises(InvalidParameterError, match="edges"):
            spec.compute(baseline, _near(kind), edges=[2.0, 1.0])


@pytest.mark.parametrize(
    ("spec", "kind"), QUANTILE_BINNED, ids=[f"{s.name}-{k}" for s, k in QUANTILE_BINNED]
)
def test_edges_and_n_bins_set_the_cells(spec: Distance, kind: DistributionKind) -> None:
    base, shifted = _base(kind), _shifted(kind)
    assert isinstance(base, WeightedSample)
    deciles = spec.compute(base, shifted)
    halves = spec.compute(base, shifted, n_bins=2)
    assert halves.distance != deciles.distance
    assert halves == spec.compute(base, shifted, edges=quantile_edges(base, 2))


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_compute_does_not_mutate_inputs(spec: Distance, kind: DistributionKind) -> None:
    base, near = _base(kind), _near(kind)
    if isinstance(base, CategoricalCounts) and isinstance(near, CategoricalCounts):
        before = (dict(base.counts), dict(near.counts))
        spec.compute(base, near)
        assert (dict(base.counts), dict(near.counts)) == before
    else:
        assert isinstance(base, WeightedSample)
        items = base.items.copy()
        spec.compute(base, near)
        np.testing.assert_array_equal(base.items, items)
