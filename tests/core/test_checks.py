"""Each data-quality check on small, hand-made statistics; drift on sketches against scipy."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from scipy.stats import chisquare, ks_2samp

from vigil.core.checks import FeatureBaseline, FeatureRule, check_data_quality
from vigil.core.distribution import CategoricalCounts
from vigil.core.drift.linf import LInfSimple
from vigil.core.profile import DatasetProfile
from vigil.core.sketch import KLLSketch
from vigil.types import InferredType

INT, FRAC, STR = InferredType.INTEGRAL, InferredType.FRACTIONAL, InferredType.STRING


def _stats(**columns: list[object]):  # type: ignore[no-untyped-def]
    profile = DatasetProfile()
    profile.update(pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()}))
    return profile.to_statistics()


def _found(report) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(v.feature_name, v.constraint_check_type) for v in report.violations]


def test_data_type_check_uses_the_required_fraction() -> None:
    current = _stats(x=["1", "2", "3", "4.5"])
    strict = check_data_quality(current, [FeatureRule("x", INT, datatype_threshold=1.0)], {})
    assert _found(strict) == [("x", "data_type_check")]
    assert "Observed: Only 75.0% of data is Integral." in strict.violations[0].description
    lenient = check_data_quality(current, [FeatureRule("x", INT, datatype_threshold=0.7)], {})
    assert _found(lenient) == []
    # Integral values satisfy a Fractional baseline
    assert _found(check_data_quality(current, [FeatureRule("x", FRAC)], {})) == []


def test_numbers_in_a_string_feature_do_not_count_as_string() -> None:
    """SageMaker's real output: a String baseline column holding numbers in the window."""
    current = _stats(s=["1", "2", "3"])
    report = check_data_quality(current, [FeatureRule("s", STR)], {})
    assert _found(report) == [("s", "data_type_check")]
    assert report.violations[0].description == (
        "Data type match requirement is not met. Expected data type: String, Expected match: "
        "100.0%. Observed: Only 0.0% of data is String."
    )
    # codes the baseline declared categorical (its values all look like numbers) stay String
    declared = {"s": FeatureBaseline("s", STR, declared_categorical=True)}
    assert _found(check_data_quality(current, [FeatureRule("s", STR)], declared)) == []


def test_completeness_and_domain_checks() -> None:
    current = _stats(c=["a", "b", None, "z"])
    rule = FeatureRule("c", STR, completeness=1.0, domains=("a", "b"), domain_threshold=0.9)
    report = check_data_quality(current, [rule], {})
    assert _found(report) == [("c", "completeness_check"), ("c", "categorical_values_check")]
    assert report.violations[0].description.startswith(
        "Value: 0.75 does not meet the constraint requirement!"
    )
    assert report.features[0].domain_match == pytest.approx(2 / 3)


def test_missing_and_extra_columns_and_disabled_evaluation() -> None:
    current = _stats(a=["y"], extra=["x"])
    rules = [FeatureRule("a", STR, completeness=1.0), FeatureRule("gone", INT)]
    assert _found(check_data_quality(current, rules, {})) == [
        ("gone", "missing_column_check"),
        ("extra", "extra_column_check"),
    ]
    off = [FeatureRule("a", INT, evaluate=False), FeatureRule("gone", INT, evaluate=False)]
    assert _found(check_data_quality(current, off, {}, evaluate_columns=True)) == [
        ("extra", "extra_column_check")
    ]


def test_categorical_drift_and_method_choice() -> None:
    baseline = FeatureBaseline("c", STR, categories=CategoricalCounts({"a": 50, "b": 50}))
    current = _stats(c=["a"] * 80 + ["b"] * 20)
    rule = FeatureRule("c", STR, categorical_method="linf_simple", categorical_threshold=0.1)
    report = check_data_quality(current, [rule], {"c": baseline})
    assert _found(report) == [("c", "baseline_drift_check")]
    assert report.features[0].drift is not None
    assert report.features[0].drift.distance == pytest.approx(0.3)
    assert report.violations[0].description.startswith("Categorical distance: 0.3")
    no_compare = FeatureRule("c", STR, compare=False)
    assert check_data_quality(current, [no_compare], {"c": baseline}).features[0].drift is None


def test_chisquare_violation_reports_its_pvalue_as_sagemaker_does() -> None:
    baseline = FeatureBaseline("c", STR, categories=CategoricalCounts({"a": 50, "b": 50}))
    current = _stats(c=["a"] * 80 + ["b"] * 20)
    rule = FeatureRule("c", STR, categorical_method="chisquare", categorical_threshold=0.1)
    report = check_data_quality(current, [rule], {"c": baseline})
    drift = report.features[0].drift
    assert drift is not None
    ref = chisquare([80, 20], [50, 50])
    assert drift.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
    assert drift.distance == pytest.approx(ref.statistic)  # 36: the statistic, not the p-value
    assert drift.value == drift.pvalue
    # The text consumers parse (``distance: (.+) exceeds``) still carries the compared p-value.
    assert report.violations[0].description == (
        f"Categorical distance: {drift.pvalue!r} exceeds categorical threshold: 0.1 "
        "(method: chisquare)"
    )


@pytest.mark.parametrize("n", [5_000, 200_000])
def test_sketch_linf_matches_scipy_ks_within_sketch_error(n: int) -> None:
    rng = np.random.default_rng(n)
    a, b = rng.normal(0, 1, n), rng.normal(0.05, 1.1, n)
    ska, skb = KLLSketch(), KLLSketch()
    ska.update(a)
    skb.update(b)
    exact = ks_2samp(a, b).statistic
    sketched = LInfSimple().compute(ska.weighted_sample(), skb.weighted_sample()).distance
    tolerance = (ska.rank_error_bound() + skb.rank_error_bound()) / n
    assert abs(sketched - exact) <= tolerance
    assert abs(sketched - exact) < 0.01  # and in practice far tighter than the bound
