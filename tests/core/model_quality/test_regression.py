"""Regression metrics against scikit-learn, and SageMaker's real regression baseline."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from tests.datasets import SDK

from vigil.core.model_quality import REGRESSION_METRICS, regression_metrics
from vigil.errors import InvalidParameterError
from vigil.formats import ModelQualityStatistics


def _sk(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    mse = mean_squared_error(y, p)
    r2 = r2_score(y, p) if y.size > 1 else math.nan
    return {"mae": mean_absolute_error(y, p), "mse": mse, "rmse": math.sqrt(mse), "r2": r2}


@pytest.mark.parametrize("seed", range(6))
def test_regression_equals_sklearn_on_random_inputs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 3000))
    y = rng.normal(rng.uniform(-100, 100), rng.uniform(0.1, 50), n)
    p = y + rng.normal(0, rng.uniform(0.01, 30), n)
    report = regression_metrics(y, p, rng=np.random.default_rng(0))
    expected = _sk(y, p)
    assert list(report.metrics) == list(REGRESSION_METRICS)
    for name in REGRESSION_METRICS:
        assert math.isclose(report.metrics[name].value, expected[name], rel_tol=1e-10), name
    assert report.item_count == n
    assert math.isnan(report.metrics["mae"].standard_deviation) == (n < 200)


@pytest.mark.parametrize(
    ("y", "p"),
    [
        ([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]),  # constant truth, exact: r2 = 1
        ([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]),  # constant truth, wrong: r2 = 0
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),  # all correct
        ([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]),  # all wrong
        ([5.0], [4.0]),  # one sample: r2 undefined
    ],
)
def test_regression_degenerate_cases(y: list[float], p: list[float]) -> None:
    report = regression_metrics(y, p, rng=np.random.default_rng(0))
    expected = _sk(np.array(y), np.array(p))
    for name in REGRESSION_METRICS:
        got, want = report.metrics[name].value, expected[name]
        assert (math.isnan(got) and math.isnan(want)) or math.isclose(got, want), name


def test_the_real_sdk_baseline_reproduces_mae_and_mse_exactly(conformance_dir: Path) -> None:
    """SageMaker's own statistics for the SDK's model-quality CSV (header F1..F7,Label,Prediction)."""
    table = pacsv.read_csv(
        SDK / "tests__data__pipeline__quality_check_step__model_quality__baseline_dataset.csv"
    )
    y = table["Label"].to_numpy().astype(float)
    p = table["Prediction"].to_numpy()
    real = ModelQualityStatistics.from_file(
        SDK / "tests__data__pipeline__quality_check_step__model_quality__statistics.json"
    )
    assert real.regression_metrics is not None
    expected = real.regression_metrics.scalar_metrics()
    report = regression_metrics(y, p, rng=np.random.default_rng(0))
    for name in ("mae", "mse", "rmse"):
        assert report.metrics[name].value == expected[name].value, name
        assert math.isnan(report.metrics[name].standard_deviation)  # 100 samples < 200
    # r2: scikit-learn's coefficient of determination by default, SageMaker's on request
    assert report.metrics["r2"].value == pytest.approx(r2_score(y, p), rel=1e-12)
    sagemaker = regression_metrics(y, p, rng=np.random.default_rng(0), sagemaker_r2=True)
    assert sagemaker.metrics["r2"].value == expected["r2"].value


def test_regression_rejects_bad_arguments() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidParameterError, match="same length"):
        regression_metrics([1.0, 2.0], [1.0], rng=rng)
    with pytest.raises(InvalidParameterError, match="at least one sample"):
        regression_metrics([], [], rng=rng)
    with pytest.raises(InvalidParameterError, match="finite"):
        regression_metrics([1.0, math.nan], [1.0, 2.0], rng=rng)
