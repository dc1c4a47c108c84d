"""Hellinger distance against the Bhattacharyya-coefficient form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift.hellinger import Hellinger, hellinger_from_masses
from vigil.errors import InvalidParameterError

C = CategoricalCounts
W = WeightedSample.from_values
hellinger = Hellinger().compute


def _by_bhattacharyya(p: np.ndarray, q: np.ndarray) -> float:
    p, q = p / p.sum(), q / q.sum()
    return math.sqrt(max(0.0, 1.0 - float(np.sum(np.sqrt(p * q)))))


def test_categorical_equals_independent_formula() -> None:
    rng = np.random.default_rng(9)
    for _ in range(25):
        p = rng.integers(1, 40, 6).astype(float)
        q = rng.integers(0, 40, 6).astype(float)
        q[0] += 1
        names = list("abcdef")
        base = C(dict(zip(names, p, strict=True)))
        cur = C({n: v for n, v in zip(names, q, strict=True) if v > 0})
        assert hellinger(base, cur).distance == pytest.approx(_by_bhattacharyya(p, q), abs=1e-12)


def test_numeric_on_edges_by_hand() -> None:
    got = hellinger(W([1, 2, 3, 4, 5, 6]), W([1, 3, 5, 6, 7, 8]), edges=[2, 4]).distance
    by_hand = math.sqrt(1 - (2 * math.sqrt(1 / 3 * 1 / 6) + math.sqrt(1 / 3 * 4 / 6)))
    assert got == pytest.approx(by_hand)


def test_bounds() -> None:
    assert hellinger(C({"a": 1}), C({"b": 1})).distance == 1.0
    assert hellinger_from_masses([1, 2, 3], [2, 4, 6]) == 0.0


def test_noise_floor_formula() -> None:
    r = hellinger(C({"a": 60, "b": 40}), C({"a": 50, "b": 50}))
    assert r.noise_floor == pytest.approx(math.sqrt(stats.chi2.ppf(0.95, 1) * 0.02 / 8))


def test_mass_shape_mismatch_raises() -> None:
    with pytest.raises(InvalidParameterError):
        hellinger_from_masses([1, 2], [[1, 2]])
