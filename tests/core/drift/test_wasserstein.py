"""Normalised Wasserstein-1 against scipy.stats.wasserstein_distance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift.wasserstein import Wasserstein, wasserstein_1, wasserstein_scale
from vigil.errors import InvalidParameterError

W = WeightedSample.from_values
wasserstein = Wasserstein().compute


def wasserstein_distance(a: WeightedSample, b: WeightedSample, scale: float | None = None) -> float:
    return Wasserstein(scale=scale).compute(a, b).distance


def test_raw_and_normalised_equal_scipy_with_weights() -> None:
    rng = np.random.default_rng(2)
    for _ in range(20):
        u = rng.normal(size=rng.integers(1, 60)).round(1)
        v = rng.normal(0.5, 2.0, size=rng.integers(1, 60)).round(1)
        uw = rng.uniform(0.1, 5.0, u.size)
        vw = rng.uniform(0.1, 5.0, v.size)
        a = WeightedSample.from_weighted(u, uw)
        b = WeightedSample.from_weighted(v, vw)
        ref = stats.wasserstein_distance(u, v, u_weights=uw, v_weights=vw)
        assert wasserstein_1(a, b) == pytest.approx(ref, rel=1e-10, abs=1e-12)
        mean = np.average(u, weights=uw)
        std = math.sqrt(np.average((u - mean) ** 2, weights=uw))
        normaliser = std if std > 0 else 1.0
        assert wasserstein_distance(a, b) == pytest.approx(ref / normaliser, rel=1e-10, abs=1e-12)


def test_scale_is_population_std() -> None:
    x = np.array([1.0, 2.0, 4.0, 8.0])
    assert wasserstein_scale(W(x)) == pytest.approx(np.std(x, ddof=0))


def test_constant_baseline_falls_back_to_raw_value() -> None:
    base, cur = W([5.0, 5.0, 5.0]), W([6.0, 7.0])
    assert wasserstein_scale(base) == 1.0
    assert wasserstein_distance(base, cur) == pytest.approx(1.5)


def test_explicit_scale() -> None:
    base, cur = W([0.0, 1.0]), W([2.0, 3.0])
    assert wasserstein_distance(base, cur, scale=4.0) == pytest.approx(0.5)
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(InvalidParameterError, match="scale"):
            wasserstein_distance(base, cur, scale=bad)


def test_single_shared_point_is_zero() -> None:
    assert wasserstein_1(W([1.0]), W([1.0, 1.0])) == 0.0


def test_drift_result() -> None:
    r = wasserstein(W([1, 2, 3, 4]), W([3, 4, 5, 6]))
    assert r.distance == pytest.approx(2.0 / math.sqrt(1.25))
    assert r.drifted
    assert r.noise_floor is None
    assert r.pvalue is None
    assert r.threshold == 0.1


def test_categorical_rejected() -> None:
    with pytest.raises(InvalidParameterError, match="kinds"):
        wasserstein(CategoricalCounts({"a": 1}), CategoricalCounts({"a": 1}))
