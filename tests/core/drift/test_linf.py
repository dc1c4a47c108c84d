"""L-infinity (SageMaker linf_simple / linf_robust) against Deequ's cases and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift._common import Distribution
from vigil.core.drift.linf import (
    DEEQU_C_ALPHA,
    LInfRobust,
    LInfSimple,
    c_alpha,
    deequ_legacy_rank_sample,
    linf_noise_floor,
)
from vigil.errors import InvalidParameterError

W = WeightedSample.from_values
linf_simple = LInfSimple().compute
linf_robust = LInfRobust().compute


def linf_simple_distance(a: Distribution, b: Distribution) -> float:
    return linf_simple(a, b).distance


def linf_robust_distance(a: Distribution, b: Distribution, alpha: float | None = None) -> float:
    return LInfRobust(alpha=alpha).compute(a, b).distance


# --- Deequ's own test cases (KLLDistanceTest.scala) -------------------------------------------

DEEQU_CAT_1 = {"a": 10, "b": 20, "c": 25, "d": 10, "e": 5}
DEEQU_CAT_2 = {"a": 11, "b": 20, "c": 25, "d": 10, "e": 10}
DEEQU_CAT_3 = {"f": 11, "a": 20, "c": 25, "d": 10, "e": 10}


def test_deequ_numeric_simple_and_robust() -> None:
    a, b = W([1, 2, 3, 4]), W([2, 3, 4, 5])
    assert linf_simple_distance(a, b) == 0.25
    assert linf_robust_distance(a, b) == 0.0


def test_deequ_categorical_simple_exact() -> None:
    a, b = CategoricalCounts(DEEQU_CAT_1), CategoricalCounts(DEEQU_CAT_2)
    assert linf_simple_distance(a, b) == 0.06015037593984962
    assert linf_robust_distance(a, b) == 0.0


def test_deequ_categorical_different_bins_exact() -> None:
    a, b = CategoricalCounts(DEEQU_CAT_1), CategoricalCounts(DEEQU_CAT_3)
    assert linf_simple_distance(a, b) == 0.2857142857142857
    assert linf_robust_distance(a, b) == 0.0


# --- hand-computed robust cases --------------------------------------------------------------


def test_numeric_robust_hand_computed() -> None:
    # 0..99 vs 50..149: at x = 99 the CDFs are 1.0 and 0.5, so simple = 0.5.
    a, b = W(np.arange(100)), W(np.arange(50, 150))
    assert linf_simple_distance(a, b) == 0.5
    expected = 0.5 - 1.8 * math.sqrt((100 + 100) / (100 * 100))  # 0.5 - 0.2546 = 0.2454
    assert linf_robust_distance(a, b) == pytest.approx(expected, abs=1e-15)
    assert linf_robust_distance(a, b) == pytest.approx(0.24544155877284287, abs=1e-15)


def test_categorical_robust_hand_computed() -> None:
    # PMFs (0.5, 0.5) vs (0.75, 0.25): simple 0.25; floor 1.8*sqrt(400/40000) = 0.18.
    a = CategoricalCounts({"x": 100, "y": 100})
    b = CategoricalCounts({"x": 150, "y": 50})
    assert linf_simple_distance(a, b) == 0.25
    assert linf_robust_distance(a, b) == pytest.approx(0.07, abs=1e-12)


def test_robust_is_clamped_at_zero_for_small_samples() -> None:
    assert linf_robust_distance(W([0.0]), W([1.0])) == 0.0  # simple 1.0, floor 2.55


def test_robust_with_alpha_uses_ks_coefficient() -> None:
    a, b = W(np.arange(100)), W(np.arange(50, 150))
    c = math.sqrt(-math.log(0.05 / 2) / 2)
    assert linf_robust_distance(a, b, alpha=0.05) == pytest.approx(0.5 - c * math.sqrt(0.02))


def test_c_alpha() -> None:
    assert c_alpha() == DEEQU_C_ALPHA == 1.8
    assert c_alpha(0.05) == math.sqrt(-math.log(0.025) / 2) == pytest.approx(1.3581015157)
    # Deequ's 1.8 corresponds to alpha ~ 0.003.
    assert c_alpha(0.003069) == pytest.approx(1.8, abs=1e-4)
    for bad in (0.0, 1.0, -0.1, math.nan):
        with pytest.raises(InvalidParameterError):
            c_alpha(bad)


# --- the numeric statistic is the two-sample KS statistic ----------------------------------


def test_rank_is_rank_of_largest_item_at_or_below_key() -> None:
    # keys 1, 2, 3: F_a = .5, .5, 1 ; F_b = 0, 1, 1
    assert linf_simple_distance(W([1, 3]), W([2])) == 0.5


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # scipy's p-value for n = m = 1
@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(-5, 15), min_size=1, max_size=60),
    st.lists(st.integers(-5, 20), min_size=1, max_size=60),
)
def test_equals_scipy_ks_2samp_statistic_exactly(a: list[int], b: list[int]) -> None:
    ours = linf_simple_distance(W(a), W(b))
    # method="asymp" returns the raw max |F_a - F_b| (Deequ's arithmetic) bit for bit.
    assert ours == stats.ks_2samp(a, b, method="asymp").statistic
    # The default (exact) method re-rounds D to h/lcm(n, m); that can differ by one ulp.
    assert ours == pytest.approx(stats.ks_2samp(a, b).statistic, rel=1e-14, abs=0)


def test_equals_scipy_ks_2samp_on_continuous_data() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        a, b = rng.normal(size=rng.integers(5, 300)), rng.normal(0.2, size=rng.integers(5, 300))
        ours = linf_simple_distance(W(a), W(b))
        assert ours == stats.ks_2samp(a, b, method="asymp").statistic
        assert ours == pytest.approx(stats.ks_2samp(a, b).statistic, rel=1e-14, abs=0)


def test_weights_equal_repeated_values() -> None:
    raw_a = [1.0, 1.0, 1.0, 2.0, 5.0, 5.0]
    raw_b = [1.0, 2.0, 2.0, 2.0, 2.0, 7.0, 7.0, 7.0]
    weighted_a = WeightedSample.from_weighted([1.0, 2.0, 5.0], [3, 1, 2])
    weighted_b = WeightedSample.from_weighted([7.0, 1.0, 2.0], [3, 1, 4])
    assert linf_simple_distance(weighted_a, weighted_b) == linf_simple_distance(W(raw_a), W(raw_b))


# --- results -----------------------------------------------------------------------------


def test_results_report_noise_floor_and_threshold() -> None:
    a, b = W(np.arange(100)), W(np.arange(50, 150))
    simple = linf_simple(a, b)
    robust = linf_robust(a, b, threshold=0.3)
    floor = 1.8 * math.sqrt(0.02)
    assert simple.noise_floor == pytest.approx(floor)
    assert robust.noise_floor == pytest.approx(floor)
    assert simple.threshold == 0.1
    assert simple.drifted
    assert robust.threshold == 0.3
    assert not robust.drifted
    assert simple.pvalue is None
    assert robust.pvalue is None


def test_threshold_is_strict_inequality() -> None:
    r = linf_simple(W([1, 2, 3, 4]), W([2, 3, 4, 5]), threshold=0.25)
    assert r.distance == 0.25
    assert not r.drifted


def test_noise_floor_formula() -> None:
    assert linf_noise_floor(50, 200) == pytest.approx(1.8 * math.sqrt(250 / 10000))


# --- Deequ 2.0.2's rank map ---------------------------------------------------------------


def test_deequ_legacy_rank_sample_collapses_repeats() -> None:
    legacy = deequ_legacy_rank_sample([[1, 1, 2]])
    assert legacy.items.tolist() == [1.0, 2.0]
    assert legacy.weights.tolist() == [1.0, 1.0]


def test_deequ_legacy_rank_sample_keeps_highest_level_weight() -> None:
    legacy = deequ_legacy_rank_sample([[1.0, 3.0], [1.0, 2.0], [2.0]])
    assert legacy.items.tolist() == [1.0, 2.0, 3.0]
    assert legacy.weights.tolist() == [2.0, 4.0, 1.0]


def test_legacy_view_changes_distance_on_tied_data() -> None:
    # 90 % zeros vs 50 % zeros, all in level 0: Deequ 2.0.2 sees {0, 1} on both sides.
    base_levels = [[0.0] * 90 + [1.0] * 10]
    cur_levels = [[0.0] * 50 + [1.0] * 50]
    legacy = linf_simple_distance(
        deequ_legacy_rank_sample(base_levels), deequ_legacy_rank_sample(cur_levels)
    )
    fixed = linf_simple_distance(W(base_levels[0]), W(cur_levels[0]))
    assert legacy == 0.0
    assert fixed == pytest.approx(0.4)
