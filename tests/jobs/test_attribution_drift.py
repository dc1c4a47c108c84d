"""Feature-attribution drift end to end: explain a baseline, explain windows, check the NDCG.

A planted change must drop the NDCG below 0.90 in one window; windows drawn from the baseline's
distribution must stay above it (the false-alarm count over 20 seeds is asserted and printed).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

from vigil.core.attribution import (
    DEFAULT_NDCG_THRESHOLD,
    LabelAttributions,
    check_attribution_drift,
)
from vigil.jobs.explain import ShapOptions, explain
from vigil.jobs.predictors import ModelPredictor

M = 8
NAMES = [f"x{i}" for i in range(M)]
WEIGHTS = np.array([3.0, 2.0, 1.5, 1.3, 1.1, 0.9, 0.5, 0.0])
"""Graded effects, so that neighbouring features swap ranks from one window to the next."""


def _draw(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, M))


def _target(x: np.ndarray, weights: np.ndarray, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, 0.3, len(x))
    return x @ weights + 0.5 * np.abs(x[:, 2]) + noise


@pytest.fixture(scope="module")
def training() -> np.ndarray:
    return _draw(4000, 0)


@pytest.fixture(scope="module")
def regressor(training: np.ndarray) -> GradientBoostingRegressor:
    model = GradientBoostingRegressor(n_estimators=100, max_depth=3, random_state=0)
    return model.fit(training, _target(training, WEIGHTS, 1))


def _attributions(model: object, rows: np.ndarray, background: np.ndarray, **options: object):
    e = explain(
        ModelPredictor(model),
        rows,
        baseline=background,
        feature_names=NAMES,
        options=ShapOptions(seed=0, **options),  # type: ignore[arg-type]
    )
    return e.method, e.labels


def test_same_distribution_windows_stay_above_the_threshold(
    training: np.ndarray, regressor: GradientBoostingRegressor
) -> None:
    background = training[:30]
    method, baseline = _attributions(regressor, _draw(500, 1), background)
    assert method == "tree_shap"
    ndcgs = []
    for seed in range(20):
        _, live = _attributions(regressor, _draw(100, 100 + seed), background)
        ndcgs.append(check_attribution_drift(baseline, live).results[0].ndcg)
    false_alarms = sum(n < DEFAULT_NDCG_THRESHOLD for n in ndcgs)
    print(f"same-distribution windows: false alarms {false_alarms}/20, NDCG min {min(ndcgs):.4f}")
    assert false_alarms == 0, ndcgs
    assert min(ndcgs) < 1.0  # the ranking does move between windows: not trivially 1


def test_a_model_retrained_without_its_top_feature_drops_below_the_threshold(
    training: np.ndarray, regressor: GradientBoostingRegressor
) -> None:
    background = training[:30]
    _, baseline = _attributions(regressor, _draw(500, 1), background)
    no_x0 = WEIGHTS.copy()
    no_x0[0] = 0.0
    retrained = GradientBoostingRegressor(n_estimators=100, max_depth=3, random_state=0).fit(
        training, _target(training, no_x0, 2)
    )
    _, live = _attributions(retrained, _draw(100, 7), background)
    report = check_attribution_drift(baseline, live)
    [result] = report.results
    print(f"model retrained without x0: NDCG {result.ndcg:.4f}")
    assert result.violated and result.ndcg < 0.9, result.ndcg
    assert result.baseline_ranking[0] == "x0" and result.live_ranking[0] != "x0"
    assert [v.description for v in report.violations] == [
        f"Feature attribution drift {result.ndcg!r} exceeds threshold 0.9"
    ]


def test_live_inputs_with_the_top_feature_constant_drop_below_the_threshold(
    training: np.ndarray, regressor: GradientBoostingRegressor
) -> None:
    """A stuck sensor: x0 holds its typical value (the background's mean) in every row."""
    background = training[:30]
    _, baseline = _attributions(regressor, _draw(500, 1), background)
    window = _draw(100, 8)
    window[:, 0] = background[:, 0].mean()
    _, live = _attributions(regressor, window, background)
    [result] = check_attribution_drift(baseline, live).results
    print(f"x0 constant: NDCG {result.ndcg:.4f}")
    assert result.violated and result.ndcg < 0.9, result.ndcg
    assert result.live_ranking.index("x0") >= 6


def test_the_kernel_shap_path_sees_the_same_change_on_a_classifier(training: np.ndarray) -> None:
    """Probabilities of a boosted classifier: KernelSHAP (TreeSHAP would explain the margin)."""
    labels = _target(training, WEIGHTS, 3) > 0.5
    model = GradientBoostingClassifier(n_estimators=50, max_depth=3, random_state=0)
    model.fit(training, labels)
    background = training[:10]
    options = {"outputs": (1,), "label_headers": ("positive",)}
    method, baseline = _attributions(model, _draw(60, 1), background, **options)
    assert method == "kernel_shap"
    _, same = _attributions(model, _draw(40, 9), background, **options)
    window = _draw(40, 9)
    window[:, 0] = background[:, 0].mean()
    _, stuck = _attributions(model, window, background, **options)
    fine = check_attribution_drift(baseline, same)
    changed = check_attribution_drift(baseline, stuck)
    print(
        f"KernelSHAP, classifier: same distribution NDCG {fine.results[0].ndcg:.4f}, "
        f"x0 constant NDCG {changed.results[0].ndcg:.4f}"
    )
    assert not fine.has_violations, fine.results[0].ndcg
    assert changed.has_violations, changed.results[0].ndcg
    assert changed.violations[0].label == "positive"
    assert isinstance(baseline[0], LabelAttributions)
