"""Deequ's categorical chi-square drift test: regrouping by hand and agreement with scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift.chisquare import ChiSquare, regroup_categories
from vigil.errors import InvalidParameterError

C = CategoricalCounts
chisquare = ChiSquare().compute
chisquare_test = ChiSquare().test


def test_agrees_with_scipy_when_no_regrouping() -> None:
    baseline = C({"a": 300, "b": 200, "c": 500})
    current = C({"a": 90, "b": 70, "c": 140})
    result = chisquare_test(baseline, current)
    # expected = baseline proportions x 300 = (90, 60, 150); no cell is below 5.
    ref = stats.chisquare([90, 70, 140], [90, 60, 150])
    assert result.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert result.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
    assert result.dof == 2
    assert result.regrouped.groups == (("a",), ("b",), ("c",))


def test_yates_regrouping_hand_computed() -> None:
    # Baseline proportions .50/.30/.10/.06/.04; current has 50 values, so expected =
    # 25/15/5/3/2. Five cells allow int(0.2*5) = 1 cell below 5, but d (3) and e (2) are:
    # e merges into d -> expected d = 5, observed d = 1 + 5 = 6. Four cells allow 0 below 5
    # and none is, so the test runs on 4 cells.
    baseline = C({"a": 50, "b": 30, "c": 10, "d": 6, "e": 4})
    current = C({"a": 20, "b": 20, "c": 4, "d": 1, "e": 5})
    result = chisquare_test(baseline, current)
    assert result.regrouped.groups == (("a",), ("b",), ("c",), ("d", "e"))
    assert result.regrouped.observed == (20.0, 20.0, 4.0, 6.0)
    assert result.regrouped.expected == pytest.approx((25.0, 15.0, 5.0, 5.0))
    statistic = 25 / 25 + 25 / 15 + 1 / 5 + 1 / 5  # = 46/15
    assert result.statistic == pytest.approx(46 / 15, rel=1e-12)
    assert result.statistic == pytest.approx(statistic, rel=1e-12)
    assert result.dof == 3
    assert result.pvalue == pytest.approx(stats.chi2.sf(46 / 15, 3), rel=1e-12)


def test_repeated_regrouping_with_tie_broken_by_name() -> None:
    # expected (sum 100): a 80, b 5, c 5, d 4, e 3, f 3. Six cells allow 1 below 5; three are.
    # e and f tie at 3: e (first by name) merges into f -> f = 6. Five cells allow 1 below 5:
    # only d (4) -> stop.
    baseline = {"a": 80.0, "b": 5.0, "c": 5.0, "d": 4.0, "e": 3.0, "f": 3.0}
    current = {"a": 70.0, "b": 10.0, "c": 5.0, "d": 5.0, "e": 5.0, "f": 5.0}
    result = chisquare_test(C(baseline), C(current))
    assert result.regrouped.groups == (("a",), ("b",), ("c",), ("d",), ("f", "e"))
    assert result.regrouped.expected == pytest.approx((80.0, 5.0, 5.0, 4.0, 6.0))
    assert result.regrouped.observed == (70.0, 10.0, 5.0, 5.0, 10.0)
    ref = stats.chisquare([70, 10, 5, 5, 10], [80, 5, 5, 4, 6])
    assert result.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
    # Same answer whatever the insertion order of the dictionaries.
    reversed_result = chisquare_test(
        C(dict(reversed(list(baseline.items())))), C(dict(reversed(list(current.items()))))
    )
    assert reversed_result == result


def test_cascading_merges_until_two_cells_then_cochran() -> None:
    # expected (sum 40): a 30, b 4, c 3, d 3 -> merges until two cells; Cochran needs >= 10:
    # a 30 and (b+c+d) 10 -> valid.
    result = chisquare_test(C({"a": 30, "b": 4, "c": 3, "d": 3}), C({"a": 25, "b": 15}))
    assert len(result.regrouped.groups) == 2
    assert result.regrouped.expected == pytest.approx((30.0, 10.0))
    assert result.regrouped.observed == (25.0, 15.0)
    assert set(result.regrouped.groups[1]) == {"b", "c", "d"}
    assert result.dof == 1


def test_cochran_two_cells_below_ten_is_undefined() -> None:
    # Two cells, expected 95 and 5: 5 < 10 -> merge -> one cell -> NaN.
    baseline, current = C({"x": 95, "y": 5}), C({"x": 90, "y": 10})
    result = chisquare_test(baseline, current)
    assert math.isnan(result.statistic)
    assert math.isnan(result.pvalue)
    assert result.dof == 0
    drift = chisquare(baseline, current)
    assert math.isnan(drift.distance)
    assert drift.drifted is False
    assert drift.pvalue is not None
    assert math.isnan(drift.pvalue)
    assert math.isnan(drift.value)


def test_single_baseline_category_is_undefined() -> None:
    assert math.isnan(chisquare(C({"x": 100}), C({"x": 50, "y": 50})).distance)


def test_current_categories_unknown_to_baseline_are_ignored() -> None:
    result = chisquare(C({"a": 50, "b": 50}), C({"a": 30, "b": 30, "z": 40}))
    assert result.pvalue == pytest.approx(1.0)
    assert result.distance == pytest.approx(0.0)
    assert not result.drifted


def test_all_current_values_outside_baseline_is_undefined() -> None:
    assert math.isnan(chisquare(C({"a": 50, "b": 50}), C({"z": 40})).distance)


def test_missing_baseline_category_is_drift_not_nan() -> None:
    # Deequ counts the current keys and would return NaN here; we test the baseline cells.
    result = chisquare(C({"a": 50, "b": 50}), C({"a": 60}))
    assert result.is_defined
    assert result.drifted
    assert chisquare_test(C({"a": 50, "b": 50}), C({"a": 60})).statistic == pytest.approx(60.0)


def test_drifted_means_p_below_threshold() -> None:
    baseline, current = C({"a": 50, "b": 50}), C({"a": 60, "b": 40})
    p = chisquare_test(baseline, current).pvalue  # statistic 4, p = 0.0455
    assert p == pytest.approx(stats.chi2.sf(4.0, 1))
    assert chisquare(baseline, current, threshold=0.05).drifted
    assert not chisquare(baseline, current, threshold=0.01).drifted
    r = chisquare(baseline, current)
    assert r.value == r.pvalue == p
    assert r.decided_by == "pvalue"
    assert r.distance == pytest.approx(4.0)  # the statistic, >= 0 with 0 identical
    assert r.threshold == 0.05
    assert r.noise_floor is None


def test_identical_proportions_give_p_one() -> None:
    r = chisquare(C({"a": 500, "b": 300, "c": 200}), C({"a": 50, "b": 30, "c": 20}))
    assert r.pvalue == pytest.approx(1.0)
    assert r.distance == pytest.approx(0.0)
    assert not r.drifted


def test_regroup_does_not_mutate_inputs() -> None:
    observed = {"a": 20.0, "b": 20.0, "c": 4.0, "d": 1.0, "e": 5.0}
    expected = {"a": 25.0, "b": 15.0, "c": 5.0, "d": 3.0, "e": 2.0}
    before = (dict(observed), dict(expected))
    regroup_categories(observed, expected)
    assert (observed, expected) == before


def test_custom_regrouping_thresholds() -> None:
    baseline = C({"a": 50, "b": 30, "c": 10, "d": 6, "e": 4})
    current = C({"a": 20, "b": 20, "c": 4, "d": 1, "e": 5})
    no_merge = ChiSquare(abs_threshold_yates=0.0).test(baseline, current)
    assert len(no_merge.regrouped.groups) == 5
    ref = stats.chisquare([20, 20, 4, 1, 5], np.array([50, 30, 10, 6, 4]) / 2)
    assert no_merge.pvalue == pytest.approx(ref.pvalue, rel=1e-12)


def test_invalid_arguments() -> None:
    with pytest.raises(InvalidParameterError):
        chisquare(WeightedSample.from_values([1.0]), WeightedSample.from_values([1.0]))
    with pytest.raises(InvalidParameterError):
        chisquare(C({"a": 1}), C({"a": 1}), threshold=1.5)
    with pytest.raises(InvalidParameterError):
        chisquare_test(C({"a": 1}), C({"a": -1}))
    with pytest.raises(InvalidParameterError):
        ChiSquare(abs_threshold_yates=math.nan)
    with pytest.raises(InvalidParameterError, match="abs_threshold_cochran"):
        ChiSquare(abs_threshold_cochran=-1.0)


def test_fractional_counts_do_not_depend_on_insertion_order() -> None:
    # Cells are in category order, so the sums behind the rescaling are taken in one order.
    baseline = {"c": 10.3, "a": 20.1, "b": 30.7, "d": 7.9}
    current = {"b": 12.2, "d": 3.3, "a": 8.8, "c": 5.1}
    forward = chisquare(C(baseline), C(current))
    backward = chisquare(C(dict(reversed(baseline.items()))), C(dict(reversed(current.items()))))
    assert forward == backward
    assert forward.is_defined
