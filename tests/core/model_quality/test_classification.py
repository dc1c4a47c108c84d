"""Binary and multiclass metrics against scikit-learn, degenerate cases, and the DG example."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    fbeta_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from vigil.core.model_quality import (
    BINARY_METRICS,
    MULTICLASS_METRICS,
    binary_classification_metrics,
    multiclass_classification_metrics,
)
from vigil.errors import InvalidParameterError

ZERO_DIVISIONS = [0.0, 1.0, math.nan]


def _close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def _sk_binary(y: np.ndarray, p: np.ndarray, s: np.ndarray, zd: float) -> dict[str, float]:
    """Every scalar binary metric computed with scikit-learn."""
    kw = {"zero_division": zd}
    ones = np.ones_like(y)
    out = {
        "recall": recall_score(y, p, labels=[1], average="binary", **kw),
        "precision": precision_score(y, p, labels=[1], average="binary", **kw),
        "accuracy": accuracy_score(y, p),
        "recall_best_constant_classifier": recall_score(y, ones, average="binary", **kw),
        "precision_best_constant_classifier": precision_score(y, ones, average="binary", **kw),
        "accuracy_best_constant_classifier": accuracy_score(y, ones),
        "true_positive_rate": recall_score(y, p, average="binary", **kw),
        "true_negative_rate": recall_score(y, p, pos_label=0, average="binary", **kw),
    }
    negatives = int((y == 0).sum())
    positives = int((y == 1).sum())
    out["false_positive_rate"] = 1 - out["true_negative_rate"] if negatives else zd
    out["false_negative_rate"] = 1 - out["true_positive_rate"] if positives else zd
    out["auc"] = roc_auc_score(y, s) if positives and negatives else math.nan
    for name, beta in (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)):
        out[name] = fbeta_score(y, p, beta=beta, average="binary", **kw)
        out[f"{name}_best_constant_classifier"] = fbeta_score(
            y, ones, beta=beta, average="binary", **kw
        )
    return {k: float(v) for k, v in out.items()}


def _check_binary(y: np.ndarray, p: np.ndarray, s: np.ndarray | None, zd: float) -> None:
    report = binary_classification_metrics(y, p, s, rng=np.random.default_rng(0), zero_division=zd)
    expected = _sk_binary(y, p, p.astype(float) if s is None else s, zd)
    assert list(report.metrics) == list(BINARY_METRICS)
    for name in BINARY_METRICS:
        got = report.metrics[name].value
        assert _close(got, expected[name]), (name, got, expected[name])
    cm = confusion_matrix(y, p, labels=[0, 1])
    assert report.confusion_matrix == {
        "0": {"0": cm[0, 0], "1": cm[0, 1]},
        "1": {"0": cm[1, 0], "1": cm[1, 1]},
    }
    scores = p.astype(float) if s is None else s
    if 0 < y.sum() < y.size:
        fpr, tpr, _ = roc_curve(y, scores, drop_intermediate=False)
        np.testing.assert_allclose(report.roc_curve.x, fpr, rtol=1e-12)
        np.testing.assert_allclose(report.roc_curve.y, tpr, rtol=1e-12)
        precision, recall, _ = precision_recall_curve(y, scores)
        precision, recall = precision[::-1], recall[::-1]
        end = int(np.argmax(recall >= 1.0))
        np.testing.assert_allclose(report.precision_recall_curve.x, recall[: end + 1])
        np.testing.assert_allclose(report.precision_recall_curve.y, precision[: end + 1])


@pytest.mark.parametrize("seed", range(6))
def test_binary_equals_sklearn_on_random_inputs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    y = (rng.random(n) < rng.uniform(0.1, 0.9)).astype(int)
    s = np.round(np.clip(0.35 * y + rng.random(n) * 0.65, 0, 1), int(rng.integers(1, 4)))  # ties
    p = (s >= 0.5).astype(int)
    for zd in ZERO_DIVISIONS:
        _check_binary(y, p, s, zd)
    _check_binary(y, p, None, 0.0)


@pytest.mark.parametrize(
    ("y", "p"),
    [
        ([1, 1, 1, 1], [1, 0, 1, 1]),  # one class only (positives)
        ([0, 0, 0, 0], [0, 1, 0, 0]),  # one class only (negatives)
        ([0, 0, 0], [0, 0, 0]),  # nothing positive at all
        ([1, 0, 1, 0], [1, 0, 1, 0]),  # all correct
        ([1, 0, 1, 0], [0, 1, 0, 1]),  # all wrong
        ([1, 1, 0, 0], [0, 0, 0, 0]),  # never predicts positive
        ([1], [1]),  # a single sample
    ],
)
@pytest.mark.parametrize("zd", ZERO_DIVISIONS)
def test_binary_degenerate_cases_follow_the_zero_division_policy(
    y: list[int], p: list[int], zd: float
) -> None:
    _check_binary(np.array(y), np.array(p), None, zd)


def test_one_class_only_gives_nan_auc_and_nan_curve_rates() -> None:
    report = binary_classification_metrics(
        [1, 1, 1], [1, 0, 1], [0.9, 0.2, 0.8], rng=np.random.default_rng(0)
    )
    assert math.isnan(report.metrics["auc"].value)
    assert all(math.isnan(x) for x in report.roc_curve.x[1:])


def test_the_developer_guide_example_reproduces_verbatim() -> None:
    """Spec §6.2: every scalar of the DG binary example, digit for digit (std "NaN", n < 200)."""
    expected = {
        "recall": 1.0,
        "precision": 0.3333333333333333,
        "accuracy": 0.5,
        "recall_best_constant_classifier": 1.0,
        "precision_best_constant_classifier": 0.25,
        "accuracy_best_constant_classifier": 0.25,
        "true_positive_rate": 1.0,
        "true_negative_rate": 0.33333333333333337,
        "false_positive_rate": 0.6666666666666666,
        "false_negative_rate": 0.0,
        "f0_5": 0.3846153846153846,
        "f1": 0.5,
        "f2": 0.7142857142857143,
        "f0_5_best_constant_classifier": 0.29411764705882354,
        "f1_best_constant_classifier": 0.4,
        "f2_best_constant_classifier": 0.625,
    }
    report = binary_classification_metrics([0, 0, 0, 1], [0, 1, 1, 1], rng=np.random.default_rng(0))
    assert report.confusion_matrix == {"0": {"0": 1, "1": 2}, "1": {"0": 0, "1": 1}}
    for name, value in expected.items():
        assert report.metrics[name].value == value, name
        assert math.isnan(report.metrics[name].standard_deviation)
    # The example's curves come from other data (its confusion matrix has one positive while
    # its ROC steps by 1/4): four positives above tied negatives give exactly its curves.
    sweep = binary_classification_metrics(
        [1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 0, 0],
        [0.9, 0.8, 0.7, 0.6, 0.1, 0.1],
        rng=np.random.default_rng(0),
    )
    assert sweep.roc_curve.x == (0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    assert sweep.roc_curve.y == (0.0, 0.25, 0.5, 0.75, 1.0, 1.0)
    assert sweep.precision_recall_curve.y == (1.0, 1.0, 1.0, 1.0, 1.0)
    assert sweep.precision_recall_curve.x == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert sweep.metrics["auc"].value == 1.0


def test_standard_deviation_from_200_samples_on() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    p = np.where(rng.random(200) < 0.8, y, 1 - y)
    report = binary_classification_metrics(y, p, rng=np.random.default_rng(0))
    std = report.metrics["accuracy"].standard_deviation
    assert 0 < std < 0.1
    few = binary_classification_metrics(y[:199], p[:199], rng=np.random.default_rng(0))
    assert math.isnan(few.metrics["accuracy"].standard_deviation)
    again = binary_classification_metrics(y, p, rng=np.random.default_rng(0))
    assert again.metrics == report.metrics  # the rng makes it reproducible


def test_curves_can_be_thinned_without_changing_the_auc() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 5000)
    s = rng.random(5000) * 0.6 + 0.4 * y
    full = binary_classification_metrics(y, s >= 0.5, s, rng=np.random.default_rng(0))
    thin = binary_classification_metrics(
        y, s >= 0.5, s, rng=np.random.default_rng(0), max_curve_points=100
    )
    assert len(full.roc_curve.x) == 5001
    assert len(thin.roc_curve.x) == 100
    assert thin.roc_curve.x[0] == 0.0 and thin.roc_curve.x[-1] == 1.0
    assert len(thin.precision_recall_curve.x) <= 100
    assert thin.precision_recall_curve.x[-1] == 1.0
    assert thin.metrics["auc"] == full.metrics["auc"]


def test_binary_rejects_bad_arguments() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidParameterError, match="0/1"):
        binary_classification_metrics([0, 2], [0, 1], rng=rng)
    with pytest.raises(InvalidParameterError, match="same length"):
        binary_classification_metrics([0, 1], [0], rng=rng)
    with pytest.raises(InvalidParameterError, match="at least one sample"):
        binary_classification_metrics([], [], rng=rng)
    with pytest.raises(InvalidParameterError, match="zero_division"):
        binary_classification_metrics([0], [0], rng=rng, zero_division=0.5)


def _sk_multiclass(y: np.ndarray, p: np.ndarray, zd: float) -> dict[str, float]:
    labels = np.unique(np.concatenate([y, p]))
    values, counts = np.unique(y, return_counts=True)
    constant = np.full_like(y, values[np.argmax(counts)])
    out: dict[str, float] = {}
    for suffix, pred in (("", p), ("_best_constant_classifier", constant)):
        kw = {"labels": labels, "average": "weighted", "zero_division": zd}
        out[f"accuracy{suffix}"] = accuracy_score(y, pred)
        out[f"weighted_recall{suffix}"] = recall_score(y, pred, **kw)
        out[f"weighted_precision{suffix}"] = precision_score(y, pred, **kw)
        for name, beta in (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0)):
            out[f"weighted_{name}{suffix}"] = fbeta_score(y, pred, beta=beta, **kw)
    return {k: float(v) for k, v in out.items()}


@pytest.mark.parametrize("seed", range(8))
def test_multiclass_equals_sklearn_on_random_inputs(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(3, 11))
    n = int(rng.integers(10, 600))
    y = rng.integers(0, k, n)
    p = np.where(rng.random(n) < rng.uniform(0.2, 0.9), y, rng.integers(0, k, n))
    if seed % 2:  # a class only predicted, never actual
        p[0] = k
    for zd in (0.0, 1.0):
        report = multiclass_classification_metrics(
            y, p, rng=np.random.default_rng(0), zero_division=zd
        )
        expected = _sk_multiclass(y, p, zd)
        assert list(report.metrics) == list(MULTICLASS_METRICS)
        for name in MULTICLASS_METRICS:
            assert _close(report.metrics[name].value, expected[name]), (name, zd)
    labels = np.unique(np.concatenate([y, p]))
    cm = confusion_matrix(y, p, labels=labels)
    assert report.classes == tuple(str(v) for v in labels)
    for i, a in enumerate(labels):
        for j, b in enumerate(labels):
            assert report.confusion_matrix[str(a)][str(b)] == cm[i, j]


@pytest.mark.parametrize(
    ("y", "p"),
    [
        (["a", "a", "a"], ["a", "b", "c"]),  # one actual class only
        (["a", "b", "c"], ["a", "b", "c"]),  # all correct
        (["a", "b", "c"], ["b", "c", "a"]),  # all wrong
        (["a", "b", "c", "c"], ["d", "d", "d", "d"]),  # one constant wrong prediction
    ],
)
@pytest.mark.parametrize("zd", [0.0, 1.0])
def test_multiclass_degenerate_cases(y: list[str], p: list[str], zd: float) -> None:
    report = multiclass_classification_metrics(
        np.array(y), np.array(p), rng=np.random.default_rng(0), zero_division=zd
    )
    expected = _sk_multiclass(np.array(y), np.array(p), zd)
    for name in MULTICLASS_METRICS:
        assert _close(report.metrics[name].value, expected[name]), (name, zd)


def test_multiclass_with_given_classes_and_names() -> None:
    report = multiclass_classification_metrics(
        np.array([0, 1, 2, 2]),
        np.array([0, 2, 2, 2]),
        rng=np.random.default_rng(0),
        classes=[0, 1, 2, 3],
        names=["cat", "dog", "eel", "fox"],
    )
    assert report.classes == ("cat", "dog", "eel", "fox")
    assert report.confusion_matrix["dog"] == {"cat": 0, "dog": 0, "eel": 1, "fox": 0}
    with pytest.raises(InvalidParameterError, match="every label"):
        multiclass_classification_metrics(
            np.array([0, 5]), np.array([0, 1]), rng=np.random.default_rng(0), classes=[0, 1]
        )
