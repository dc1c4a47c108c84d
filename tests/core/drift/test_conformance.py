"""Shared invariants that every registered drift distance must satisfy.

A distance gets these checks as soon as it is added to ``vigil.core.drift.registry.DISTANCES``
(the scikit-learn ``test_common`` habit). What each distance claims (kinds, symmetry, scale
invariance, direction) is read from its ``DistanceSpec``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift import DISTANCES, DistanceSpec, DriftResult
from vigil.core.drift.result import Distribution, DistributionKind
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


def _pairs() -> list[tuple[DistanceSpec, DistributionKind]]:
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


def _is_identical_value(spec: DistanceSpec, result: DriftResult) -> bool:
    target = 1.0 if spec.direction == "p_value" else 0.0
    return result.distance == pytest.approx(target, abs=1e-12)


def test_registry_is_not_empty_and_covers_both_kinds() -> None:
    kinds = {kind for _, kind in PAIRS}
    assert kinds == {"numeric", "categorical"}
    assert SYMMETRIC
    assert SCALE_INVARIANT


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_identical_inputs_give_identity_value_and_no_drift(
    spec: DistanceSpec, kind: DistributionKind
) -> None:
    base = _base(kind)
    result = spec.compute(base, base)
    assert _is_identical_value(spec, result)
    assert result.drifted is False
    assert result.method == spec.name


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_clearly_shifted_pair_is_drifted(spec: DistanceSpec, kind: DistributionKind) -> None:
    result = spec.compute(_base(kind), _shifted(kind))
    assert result.drifted is True
    assert result.is_defined


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_distance_lies_in_declared_range(spec: DistanceSpec, kind: DistributionKind) -> None:
    low, high = spec.range
    for current in (_near(kind), _shifted(kind), _base(kind)):
        result = spec.compute(_base(kind), current)
        assert low <= result.distance <= high


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_drifted_agrees_with_direction_and_threshold(
    spec: DistanceSpec, kind: DistributionKind
) -> None:
    for current in (_near(kind), _shifted(kind)):
        r = spec.compute(_base(kind), current)
        if spec.direction == "p_value":
            assert r.drifted == (r.distance < r.threshold)
        else:
            assert r.drifted == (r.distance > r.threshold)


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_bigger_shift_is_further(spec: DistanceSpec, kind: DistributionKind) -> None:
    near = spec.compute(_base(kind), _near(kind)).distance
    far = spec.compute(_base(kind), _shifted(kind)).distance
    if spec.direction == "p_value":
        assert far < near
    else:
        assert far > near


@pytest.mark.parametrize(("spec", "kind"), SYMMETRIC, ids=[f"{s.name}-{k}" for s, k in SYMMETRIC])
def test_symmetry_where_claimed(spec: DistanceSpec, kind: DistributionKind) -> None:
    forward = spec.compute(_base(kind), _near(kind))
    backward = spec.compute(_near(kind), _base(kind))
    assert forward.distance == pytest.approx(backward.distance, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_invariant_to_sample_order(spec: DistanceSpec, kind: DistributionKind) -> None:
    plain = spec.compute(_base(kind), _near(kind))
    shuffled = spec.compute(_reordered(_base(kind)), _reordered(_near(kind)))
    assert shuffled == plain


@pytest.mark.parametrize(
    ("spec", "kind"), SCALE_INVARIANT, ids=[f"{s.name}-{k}" for s, k in SCALE_INVARIANT]
)
def test_invariant_to_scaling_weights_when_normalised(
    spec: DistanceSpec, kind: DistributionKind
) -> None:
    plain = spec.compute(_base(kind), _near(kind)).distance
    for factor_b, factor_c in ((3.0, 3.0), (0.5, 7.0)):
        scaled = spec.compute(_scaled(_base(kind), factor_b), _scaled(_near(kind), factor_c))
        assert scaled.distance == pytest.approx(plain, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_empty_side_is_undefined_not_drifted(spec: DistanceSpec, kind: DistributionKind) -> None:
    for baseline, current in (
        (_empty(kind), _base(kind)),
        (_base(kind), _empty(kind)),
        (_empty(kind), _empty(kind)),
    ):
        result = spec.compute(baseline, current)
        assert math.isnan(result.distance)
        assert result.drifted is False
        assert result.is_defined is False
        assert result.noise_floor is None


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_counts_are_reported(spec: DistanceSpec, kind: DistributionKind) -> None:
    result = spec.compute(_base(kind), _near(kind))
    expected_b = 1500.0 if kind == "numeric" else sum(_BASE_COUNTS.values())
    expected_c = 1200.0 if kind == "numeric" else sum(_NEAR_COUNTS.values())
    assert (result.n_baseline, result.n_current) == (expected_b, expected_c)


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_default_and_explicit_threshold(spec: DistanceSpec, kind: DistributionKind) -> None:
    default = spec.compute(_base(kind), _near(kind))
    if spec.threshold_kind == "distance":
        assert default.threshold == spec.default_threshold
        explicit = spec.compute(_base(kind), _near(kind), threshold=0.01)
        assert explicit.threshold == 0.01
    else:
        explicit = spec.compute(_base(kind), _near(kind), threshold=spec.default_threshold)
        assert explicit == default


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf, "0.1", True])
def test_invalid_threshold_raises(spec: DistanceSpec, kind: DistributionKind, bad: object) -> None:
    with pytest.raises(InvalidParameterError):
        spec.compute(_base(kind), _near(kind), threshold=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("spec", list(DISTANCES.values()), ids=list(DISTANCES))
def test_kind_mismatch_and_unsupported_kind_raise(spec: DistanceSpec) -> None:
    with pytest.raises(InvalidParameterError, match="same kind"):
        spec.compute(_base("numeric"), _base("categorical"))
    with pytest.raises(InvalidParameterError):
        spec.compute([1.0, 2.0], [1.0, 2.0])  # type: ignore[arg-type]
    for kind in ("numeric", "categorical"):
        if kind not in spec.kinds:
            with pytest.raises(InvalidParameterError, match="kinds"):
                spec.compute(_base(kind), _base(kind))
            with pytest.raises(InvalidParameterError):
                spec.function(_base(kind), _base(kind))


@pytest.mark.parametrize(("spec", "kind"), PAIRS, ids=IDS)
def test_compute_does_not_mutate_inputs(spec: DistanceSpec, kind: DistributionKind) -> None:
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
