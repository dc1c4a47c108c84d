"""The feature-attribution drift check: threshold, violation text, metrics, labels."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from tests.core.attribution.test_ndcg import FRAUD_EXPLAINABILITY

from vigil.core.attribution import (
    DEFAULT_NDCG_THRESHOLD,
    LabelAttributions,
    check_attribution_drift,
    ndcg_score,
)
from vigil.errors import InvalidParameterError

BASE = {"SAT": 0.70, "GPA": 0.50, "Rank": 0.05}
LIVE = {"SAT": 0.10, "GPA": 0.20, "Rank": 0.70}


def test_violation_when_ndcg_below_threshold_with_aws_fields() -> None:
    report = check_attribution_drift(
        [LabelAttributions("label0", BASE)], [LabelAttributions("label0", LIVE)]
    )
    assert DEFAULT_NDCG_THRESHOLD == 0.9
    [result] = report.results
    assert result.violated and result.is_defined and result.threshold == 0.9
    assert result.baseline_ranking == ("SAT", "GPA", "Rank")
    assert result.live_ranking == ("Rank", "GPA", "SAT")
    [violation] = report.violations
    assert report.has_violations
    assert violation.label == "label0"
    assert violation.metric_name == "shap"
    assert violation.constraint_check_type == "feature_attribution_drift_check"
    assert violation.description == (
        f"Feature attribution drift {ndcg_score(BASE, LIVE)!r} exceeds threshold 0.9"
    )


def test_threshold_boundary_and_custom_threshold() -> None:
    ndcg = ndcg_score(BASE, LIVE)
    at = check_attribution_drift(
        [LabelAttributions("l", BASE)], [LabelAttributions("l", LIVE)], threshold=ndcg
    )
    assert not at.has_violations  # strictly below violates
    low = check_attribution_drift(
        [LabelAttributions("l", BASE)], [LabelAttributions("l", LIVE)], threshold=0.5
    )
    assert not low.has_violations and low.results[0].ndcg == ndcg


def test_metrics_per_label() -> None:
    base = [LabelAttributions("label0", BASE), LabelAttributions("label1", BASE)]
    live = [LabelAttributions("label1", BASE), LabelAttributions("label0", LIVE)]
    report = check_attribution_drift(base, live)
    assert [r.label for r in report.results] == ["label0", "label1"]
    assert [v.label for v in report.violations] == ["label0"]
    names = [(m.label, m.name, m.value) for m in report.metrics]
    assert names[:4] == [
        ("label0", "feature_attribution_SAT", 0.10),
        ("label0", "feature_attribution_GPA", 0.20),
        ("label0", "feature_attribution_Rank", 0.70),
        ("label0", "attribution_ndcg", ndcg_score(BASE, LIVE)),
    ]
    assert names[-1] == ("label1", "attribution_ndcg", 1.0)


def test_undefined_ndcg_never_violates_and_has_no_metric() -> None:
    zero = {"a": 0.0, "b": 0.0}
    report = check_attribution_drift(
        [LabelAttributions("l", zero)], [LabelAttributions("l", {"a": 1.0, "b": 0.0})]
    )
    [result] = report.results
    assert math.isnan(result.ndcg) and not result.is_defined and not result.violated
    assert [m.name for m in report.metrics] == ["feature_attribution_a", "feature_attribution_b"]


@pytest.mark.parametrize(
    ("baseline", "live", "kwargs"),
    [
        ([LabelAttributions("a", BASE)], [LabelAttributions("b", BASE)], {}),
        ([], [], {}),
        ([LabelAttributions("a", BASE)] * 2, [LabelAttributions("a", BASE)], {}),
        ([LabelAttributions("a", BASE)], [LabelAttributions("a", {"SAT": 1.0})], {}),
        ([LabelAttributions("a", BASE)], [LabelAttributions("a", BASE)], {"threshold": 1.5}),
        ([LabelAttributions("a", BASE)], [LabelAttributions("a", BASE)], {"threshold": True}),
        ([{"SAT": 1.0}], [LabelAttributions("a", BASE)], {}),
    ],
)
def test_bad_input_is_a_typed_error(baseline: list, live: list, kwargs: dict) -> None:
    with pytest.raises(InvalidParameterError):
        check_attribution_drift(baseline, live, **kwargs)


def test_real_clarify_baseline_against_itself(conformance_dir: Path) -> None:
    document = json.loads((conformance_dir / FRAUD_EXPLAINABILITY).read_text())
    labels = [
        LabelAttributions(name, entry["global_shap_values"], entry["expected_value"])
        for name, entry in document["explanations"]["kernel_shap"].items()
    ]
    report = check_attribution_drift(labels, labels)
    assert [r.ndcg for r in report.results] == [1.0]
    assert not report.has_violations
    assert len(report.metrics) == 45 + 1
