"""Population Stability Index against hand-written formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import ArrayLike
from scipy import stats

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift._common import Distribution
from vigil.core.drift.psi import PSI_EPSILON, PopulationStabilityIndex, population_stability_index
from vigil.errors import InvalidParameterError

C = CategoricalCounts
W = WeightedSample.from_values
psi = PopulationStabilityIndex().compute


def psi_distance(
    a: Distribution, b: Distribution, *, n_bins: int = 10, edges: ArrayLike | None = None
) -> float:
    return psi(a, b, n_bins=n_bins, edges=edges).distance


def _psi_by_hand(p: list[float], q: list[float]) -> float:
    return sum((qi - pi) * math.log(qi / pi) for pi, qi in zip(p, q, strict=True))


def test_categorical_small_case_by_hand() -> None:
    expected = _psi_by_hand([0.4, 0.6], [0.5, 0.5])
    assert psi_distance(C({"a": 40, "b": 60}), C({"a": 50, "b": 50})) == pytest.approx(expected)
    assert expected == pytest.approx(0.1 * math.log(1.25) + 0.1 * math.log(1.2))


def test_empty_cell_uses_epsilon() -> None:
    # baseline has b, current only a: p = (0.5, 0.5), q = (1, 0 -> 1e-4), not renormalised.
    got = psi_distance(C({"a": 5, "b": 5}), C({"a": 10}))
    assert PSI_EPSILON == 1e-4
    assert got == pytest.approx(_psi_by_hand([0.5, 0.5], [1.0, 1e-4]))
    # A category new in current contributes q * ln(q / epsilon).
    got_new = psi_distance(C({"a": 10}), C({"a": 5, "b": 5}))
    assert got_new == pytest.approx(_psi_by_hand([1.0, 1e-4], [0.5, 0.5]))


def test_numeric_default_deciles_by_hand() -> None:
    # Baseline 1..100: decile cut points 10, 20, ..., 90, ten bins of 10 %.
    # Current 1..50: 20 % in each of the first five bins, none in the last five.
    got = psi_distance(W(np.arange(1, 101)), W(np.arange(1, 51)))
    by_hand = 5 * (0.2 - 0.1) * math.log(0.2 / 0.1) + 5 * (1e-4 - 0.1) * math.log(1e-4 / 0.1)
    assert got == pytest.approx(by_hand)


def test_numeric_given_edges_by_hand() -> None:
    # Bins (-inf, 2], (2, 4], (4, inf): baseline 1..6 -> 2/2/2, current -> 1/1/4.
    base = W([1, 2, 3, 4, 5, 6])
    cur = W([1, 3, 5, 6, 7, 8])
    got = psi_distance(base, cur, edges=[2, 4])
    assert got == pytest.approx(_psi_by_hand([1 / 3, 1 / 3, 1 / 3], [1 / 6, 1 / 6, 4 / 6]))


def test_n_bins_changes_the_bins() -> None:
    base, cur = W(np.arange(1, 101)), W(np.arange(1, 51))
    # Quartiles: current has 50 % in each of the first two bins.
    by_hand = 2 * (0.5 - 0.25) * math.log(2) + 2 * (1e-4 - 0.25) * math.log(1e-4 / 0.25)
    assert psi_distance(base, cur, n_bins=4) == pytest.approx(by_hand)


def test_constant_baseline_gives_two_bins() -> None:
    # Cut point 5: bins (-inf, 5], (5, inf).
    got = psi_distance(W([5.0] * 10), W([5.0] * 5 + [6.0] * 5))
    assert got == pytest.approx(_psi_by_hand([1.0, 1e-4], [0.5, 0.5]))


def test_symmetric_with_fixed_edges() -> None:
    rng = np.random.default_rng(1)
    a, b = W(rng.normal(size=500)), W(rng.normal(0.3, size=400))
    edges = np.linspace(-2, 2, 9)
    assert psi_distance(a, b, edges=edges) == pytest.approx(psi_distance(b, a, edges=edges))


def test_noise_floor_formula_and_behaviour() -> None:
    base = W(np.arange(1, 101))
    result = psi(base, W(np.arange(1, 51)))
    assert result.noise_floor == pytest.approx(stats.chi2.ppf(0.95, 9) * (1 / 100 + 1 / 50))
    # No drift: about 5 % of same-distribution pairs exceed the floor.
    rng = np.random.default_rng(11)
    exceed = 0
    for _ in range(200):
        r = psi(W(rng.normal(size=400)), W(rng.normal(size=600)))
        assert r.noise_floor is not None
        exceed += r.distance > r.noise_floor
    assert 1 <= exceed <= 25


def test_drift_result_fields() -> None:
    r = psi(C({"a": 500, "b": 500}), C({"a": 800, "b": 200}))
    assert r.method == "psi"
    assert r.threshold == 0.2
    assert r.drifted
    assert r.distance == pytest.approx(_psi_by_hand([0.5, 0.5], [0.8, 0.2]))
    assert not psi(C({"a": 500, "b": 500}), C({"a": 800, "b": 200}), threshold=0.5).drifted


def test_population_stability_index_on_masses() -> None:
    assert population_stability_index([1, 1], [1, 1]) == 0.0
    assert math.isnan(population_stability_index([0, 0], [1, 1]))
    with pytest.raises(InvalidParameterError):
        population_stability_index([1, 2], [1, 2, 3])
    with pytest.raises(InvalidParameterError):
        population_stability_index([1, 2], [1, 2], epsilon=0.0)


def test_epsilon_option() -> None:
    # baseline has b, current only a: the empty cell gets epsilon.
    base, cur = C({"a": 5, "b": 5}), C({"a": 10})
    got = PopulationStabilityIndex(epsilon=1e-2).compute(base, cur).distance
    assert got == pytest.approx(_psi_by_hand([0.5, 0.5], [1.0, 1e-2]))
    for bad in (0.0, -1.0, math.nan, True):
        with pytest.raises(InvalidParameterError, match="epsilon"):
            PopulationStabilityIndex(epsilon=bad)


@pytest.mark.parametrize("edges", [[], [[1.0, 2.0]], [2.0, 1.0], [1.0, 1.0], [1.0, math.nan]])
def test_invalid_edges(edges: object) -> None:
    with pytest.raises(InvalidParameterError, match="edges"):
        psi_distance(W([1, 2, 3]), W([1, 2, 3]), edges=edges)  # type: ignore[arg-type]


@pytest.mark.parametrize("n_bins", [0, -3, 2.5, True])
def test_invalid_n_bins(n_bins: object) -> None:
    with pytest.raises(InvalidParameterError, match="n_bins"):
        psi_distance(W([1, 2, 3]), W([1, 2, 3]), n_bins=n_bins)  # type: ignore[arg-type]
