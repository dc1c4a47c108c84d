"""Two-sample KS statistic, n-aware critical value and asymptotic p-value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift.ks import KolmogorovSmirnov, ks_critical_value, ks_pvalue
from vigil.core.drift.linf import LInfSimple
from vigil.errors import InvalidParameterError

W = WeightedSample.from_values
ks = KolmogorovSmirnov().compute
linf_simple = LInfSimple().compute


def test_critical_value_formula() -> None:
    for n, m, alpha in ((100, 100, 0.05), (30, 4000, 0.01), (7, 9, 0.2)):
        c = math.sqrt(-math.log(alpha / 2) / 2)
        assert ks_critical_value(n, m, alpha=alpha) == pytest.approx(
            c * math.sqrt((n + m) / (n * m)), rel=1e-15
        )
    assert ks_critical_value(100, 100) == pytest.approx(1.3581015157 * math.sqrt(0.02))


def test_statistic_and_pvalue_match_scipy_asymptotics() -> None:
    rng = np.random.default_rng(4)
    for _ in range(15):
        a = rng.normal(size=rng.integers(20, 400)).round(2)
        b = rng.normal(0.2, size=rng.integers(20, 400)).round(2)
        ref = stats.ks_2samp(a, b, method="asymp")
        got = ks(W(a), W(b))
        assert got.distance == ref.statistic
        assert got.pvalue == pytest.approx(ref.pvalue, rel=1e-12, abs=1e-300)


def test_drifted_iff_statistic_above_critical_value() -> None:
    base = W(np.arange(100))
    r = ks(base, W(np.arange(30, 130)))
    assert r.distance == pytest.approx(0.3)
    assert r.threshold == r.noise_floor == pytest.approx(ks_critical_value(100, 100))
    assert r.drifted
    small = ks(base, W(np.arange(10, 110)))  # D = 0.1 < 0.192
    assert not small.drifted
    strict = ks(base, W(np.arange(10, 110)), threshold=0.9)  # alpha 0.9 -> c = 0.63, crit 0.089
    assert strict.drifted


def test_pvalue_only_for_whole_number_sizes() -> None:
    half = WeightedSample.from_weighted([1.0, 2.0], [0.5, 1.0])
    assert ks(half, W([1.0, 2.0, 3.0])).pvalue is None
    assert ks_pvalue(0.5, 10.0, 12.0) is not None
    assert ks_pvalue(0.5, 10.5, 12.0) is None


def test_large_samples_report_effect_and_noise_floor() -> None:
    # One million values a side and a CDF gap of 0.003: beyond sampling noise (so ks flags it,
    # as p < alpha would), but far below SageMaker's 0.1 effect-size threshold.
    n = 1_000_000.0
    base = WeightedSample.from_weighted([0.0, 1.0], [0.5 * n, 0.5 * n])
    cur = WeightedSample.from_weighted([0.0, 1.0], [0.497 * n, 0.503 * n])
    r = ks(base, cur)
    assert r.distance == pytest.approx(0.003)
    assert r.noise_floor == pytest.approx(1.3581 * math.sqrt(2 / n), rel=1e-4)
    assert r.drifted
    assert r.pvalue is not None
    assert r.pvalue < 0.05
    assert not linf_simple(base, cur).drifted


def test_invalid_arguments() -> None:
    with pytest.raises(InvalidParameterError):
        ks(CategoricalCounts({"a": 1}), CategoricalCounts({"a": 1}))
    for bad in (0.0, 1.0, 2.0):
        with pytest.raises(InvalidParameterError):
            ks(W([1.0]), W([2.0]), threshold=bad)


def test_empty_is_undefined() -> None:
    r = ks(W([]), W([1.0]))
    assert math.isnan(r.distance)
    assert not r.drifted
    assert r.pvalue is not None
    assert math.isnan(r.pvalue)
