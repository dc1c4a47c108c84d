"""Common bins of the binned distances (private helper module)."""

from __future__ import annotations

import numpy as np

from vigil.core.distribution import WeightedSample
from vigil.core.drift._binning import bin_masses, quantile_edges


def test_quantile_edges_match_numpy_inverted_cdf() -> None:
    rng = np.random.default_rng(8)
    for size in (1, 2, 9, 10, 97, 1000):
        x = rng.normal(size=size).round(1)
        expected = np.unique(np.quantile(x, np.arange(1, 10) / 10, method="inverted_cdf"))
        np.testing.assert_array_equal(quantile_edges(WeightedSample.from_values(x), 10), expected)


def test_weighted_edges_equal_expanded_edges() -> None:
    weighted = WeightedSample.from_weighted([1.0, 2.0, 3.0, 4.0], [5, 1, 3, 1])
    raw = WeightedSample.from_values([1.0] * 5 + [2.0] + [3.0] * 3 + [4.0])
    np.testing.assert_array_equal(quantile_edges(weighted, 10), quantile_edges(raw, 10))


def test_bin_masses_right_closed_and_complete() -> None:
    s = WeightedSample.from_weighted([1.0, 2.0, 3.0, 10.0], [1, 2, 3, 4])
    masses = bin_masses(s, np.array([2.0, 3.0]))
    assert masses.tolist() == [3.0, 3.0, 4.0]
    assert masses.sum() == s.total_weight
