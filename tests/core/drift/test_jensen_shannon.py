"""Jensen–Shannon distance against scipy.spatial.distance.jensenshannon."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift.jensen_shannon import JensenShannon, js_distance_from_masses
from vigil.errors import InvalidParameterError

C = CategoricalCounts
W = WeightedSample.from_values
jensen_shannon = JensenShannon().compute


def test_categorical_equals_scipy_base_2() -> None:
    rng = np.random.default_rng(5)
    for _ in range(25):
        names = [f"c{i}" for i in range(8)]
        p = rng.integers(0, 50, 8).astype(float)
        q = rng.integers(0, 50, 8).astype(float)
        p[0] += 1
        q[1] += 1
        base = C({n: v for n, v in zip(names, p, strict=True) if v > 0})
        cur = C({n: v for n, v in zip(names, q, strict=True) if v > 0})
        ours = jensen_shannon(base, cur).distance
        assert ours == pytest.approx(jensenshannon(p, q, base=2), rel=1e-12, abs=1e-15)


def test_numeric_equals_scipy_on_bin_masses() -> None:
    base = W(np.arange(1, 101))
    cur = W(np.arange(21, 141))
    # Baseline deciles 10, ..., 90; current 21..140 -> masses per bin:
    p = np.full(10, 10.0)
    q = np.array([0, 0, 10, 10, 10, 10, 10, 10, 10, 50], dtype=float)
    assert jensen_shannon(base, cur).distance == pytest.approx(jensenshannon(p, q, base=2))


def test_given_edges_equal_scipy() -> None:
    base, cur = W([1, 2, 3, 4, 5, 6]), W([1, 3, 5, 6, 7, 8])
    got = jensen_shannon(base, cur, edges=[2, 4]).distance
    assert got == pytest.approx(jensenshannon([2, 2, 2], [1, 1, 4], base=2))


def test_disjoint_is_one_and_identical_is_zero() -> None:
    assert jensen_shannon(C({"a": 3}), C({"b": 7})).distance == 1.0
    assert js_distance_from_masses([2, 5, 1], [4, 10, 2]) == 0.0


def test_noise_floor_formula() -> None:
    from scipy import stats

    r = jensen_shannon(C({"a": 60, "b": 40}), C({"a": 50, "b": 50}))
    floor = math.sqrt(stats.chi2.ppf(0.95, 1) * (1 / 100 + 1 / 100) / (8 * math.log(2)))
    assert r.noise_floor == pytest.approx(floor)
    assert r.threshold == 0.1


def test_mass_shape_mismatch_raises() -> None:
    with pytest.raises(InvalidParameterError):
        js_distance_from_masses([1, 2], [1, 2, 3])
    assert math.isnan(js_distance_from_masses([0, 0], [1, 2]))
