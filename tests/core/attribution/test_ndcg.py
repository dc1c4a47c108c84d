"""NDCG against scikit-learn, AWS's worked example, ties, signs and bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import ndcg_score as sklearn_ndcg

from vigil.core.attribution import ndcg_score, rank_features
from vigil.errors import InvalidParameterError

FRAUD_EXPLAINABILITY = (
    "aws__amazon-sagemaker-examples/"
    "archived__fraud_detection__clarify_output__explainability__analysis.json"
)


def _named(values: np.ndarray) -> dict[str, float]:
    return {f"f{i:02d}": float(v) for i, v in enumerate(values)}


@pytest.mark.parametrize("seed", range(25))
def test_equals_sklearn_on_random_non_negative_attributions(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(2, 60))
    baseline = rng.exponential(rng.uniform(0.01, 2.0), m)
    # live: anything from a small perturbation to an unrelated draw
    mix = rng.uniform()
    live = (1 - mix) * baseline * rng.lognormal(0, 0.3, m) + mix * rng.exponential(1.0, m)
    got = ndcg_score(_named(baseline), _named(live))
    assert got == pytest.approx(sklearn_ndcg([baseline], [live]), rel=1e-12, abs=1e-15)
    assert got == pytest.approx(sklearn_ndcg([baseline], [live], ignore_ties=True), rel=1e-12)
    assert 0.0 <= got <= 1.0


def test_aws_worked_example() -> None:
    """clarify-model-monitor-feature-attribution-drift: the page says 0.69; 0.6876 exactly."""
    baseline = {"SAT": 0.70, "GPA": 0.50, "Rank": 0.05}
    live = {"SAT": 0.10, "GPA": 0.20, "Rank": 0.70}
    got = ndcg_score(baseline, live)
    assert round(got, 4) == 0.6876
    # by hand: live order Rank, GPA, SAT weighed by the baseline's values
    dcg = 0.05 / math.log2(2) + 0.50 / math.log2(3) + 0.70 / math.log2(4)
    idcg = 0.70 / math.log2(2) + 0.50 / math.log2(3) + 0.05 / math.log2(4)
    assert got == pytest.approx(dcg / idcg, rel=1e-15)


def test_identical_rankings_score_one_and_order_of_keys_does_not_matter() -> None:
    baseline = {"a": 3.0, "b": 2.0, "c": 1.0}
    assert ndcg_score(baseline, {"c": 0.1, "a": 30.0, "b": 2.5}) == 1.0


def test_ties_are_broken_by_feature_name() -> None:
    # live ties a/b/c: name order puts a first, the baseline's least important feature
    baseline = {"a": 0.1, "b": 0.5, "c": 0.9}
    tied = {"a": 1.0, "b": 1.0, "c": 1.0}
    expected = (0.1 / math.log2(2) + 0.5 / math.log2(3) + 0.9 / math.log2(4)) / (
        0.9 / math.log2(2) + 0.5 / math.log2(3) + 0.1 / math.log2(4)
    )
    assert ndcg_score(baseline, tied) == pytest.approx(expected, rel=1e-15)
    # deterministic: same answer whatever the key order
    assert ndcg_score(baseline, dict(reversed(tied.items()))) == ndcg_score(baseline, tied)
    # scikit-learn averages tied gains instead: a different number
    assert ndcg_score(baseline, tied) != pytest.approx(
        sklearn_ndcg([[0.1, 0.5, 0.9]], [[1.0, 1.0, 1.0]])
    )
    assert rank_features(tied) == ("a", "b", "c")


def test_signed_attributions_rank_by_magnitude() -> None:
    """A signed ``median`` aggregation: a large negative value is important."""
    baseline = {"a": -0.9, "b": 0.5, "c": 0.1}
    assert rank_features(baseline) == ("a", "b", "c")
    assert ndcg_score(baseline, {"a": -1.0, "b": 0.2, "c": 0.0}) == 1.0
    # equal to scikit-learn on the magnitudes
    live = {"a": 0.05, "b": -0.7, "c": 0.3}
    assert ndcg_score(baseline, live) == pytest.approx(
        sklearn_ndcg([[0.9, 0.5, 0.1]], [[0.05, 0.7, 0.3]]), rel=1e-12
    )


def test_single_feature_and_all_zero_baseline() -> None:
    assert ndcg_score({"x": 0.3}, {"x": 0.0}) == 1.0
    assert math.isnan(ndcg_score({"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 2.0}))
    # an all-zero live side is defined: every live value ties, names decide
    assert ndcg_score({"x": 1.0, "y": 2.0}, {"x": 0.0, "y": 0.0}) < 1.0


@pytest.mark.parametrize(
    ("baseline", "live", "field"),
    [
        ({}, {}, "baseline"),
        ({"a": 1.0}, {}, "live"),
        ({"a": 1.0, "b": 2.0}, {"a": 1.0, "c": 2.0}, "live"),
        ({"a": 1.0}, {"a": math.nan}, "a"),
        ({"a": math.inf}, {"a": 1.0}, "a"),
        ({"a": "high"}, {"a": 1.0}, "a"),
    ],
)
def test_bad_input_is_a_typed_error(baseline: dict, live: dict, field: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        ndcg_score(baseline, live)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


def test_real_clarify_explainability_output_ranks(conformance_dir: Path) -> None:
    """The fraud-detection example's analysis.json (45 features), read as plain JSON."""
    document = json.loads((conformance_dir / FRAUD_EXPLAINABILITY).read_text())
    labels = document["explanations"]["kernel_shap"]
    assert list(labels) == ["label0"]
    values = labels["label0"]["global_shap_values"]
    assert len(values) == 45
    assert ndcg_score(values, values) == 1.0
    ranking = rank_features(values)
    assert len(ranking) == 45 and set(ranking) == set(values)
    assert [values[f] for f in ranking] == sorted(values.values(), reverse=True)
    assert ranking[0] == max(values, key=values.__getitem__)
    # and against scikit-learn with the order reversed (a real ranking change)
    names = list(values)
    reversed_live = {f: float(values[f]) ** -1 for f in names}
    assert ndcg_score(values, reversed_live) == pytest.approx(
        sklearn_ndcg([[values[f] for f in names]], [[reversed_live[f] for f in names]]),
        rel=1e-12,
    )
    assert ndcg_score(values, reversed_live) < 0.9
