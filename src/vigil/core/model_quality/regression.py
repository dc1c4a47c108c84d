"""Regression metrics of SageMaker's model-quality monitor: mae, mse, rmse, r2 (spec §6.2).

``mae``, ``mse`` and ``rmse`` are errors (``*_error``: lower is better), in the label's units
(``mse`` in units squared); ``r2`` is a score (higher is better, at most 1).

Summation is sequential, in input order (a running sum, as Spark's aggregation within one
partition), not numpy's pairwise sum: that is what reproduces SageMaker's own mae and mse to the
last digit on the SDK's real baseline (spec conformance files). The difference from a pairwise
sum is a few units in the last place.

r2
    ``1 - SSE / SST`` with ``SST = Σ (y - mean(y))²``, as :func:`sklearn.metrics.r2_score`:
    a constant ``y`` gives 1.0 if the predictions are exact and 0.0 otherwise; fewer than two
    samples give NaN. SageMaker's analyzer computes SST over the *predictions* instead (Spark's
    ``RegressionMetrics`` takes ``(prediction, observation)`` pairs and the analyzer passes them
    the other way round; the SDK's real baseline, r2 = −3.2088 against scikit-learn's −0.3351,
    matches that formula to the last digit). ``sagemaker_r2=True`` reproduces it; it is off by
    default because it is not the coefficient of determination.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vigil.core.model_quality.bootstrap import MetricEstimate, estimate
from vigil.errors import InvalidParameterError

__all__ = ["REGRESSION_METRICS", "RegressionReport", "regression_metrics"]

REGRESSION_METRICS = ("mae", "mse", "rmse", "r2")
"""Scalar regression metrics, in the order SageMaker writes them."""

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RegressionReport:
    """Regression metrics of one dataset or window.

    Attributes
    ----------
    item_count : int
    metrics : dict of str to MetricEstimate
        :data:`REGRESSION_METRICS`, in that order.
    """

    item_count: int
    metrics: dict[str, MetricEstimate]


def _sequential_sum(values: FloatArray) -> float:
    return float(np.cumsum(values)[-1]) if values.size else 0.0


def _values(y_true: FloatArray, y_pred: FloatArray, *, sagemaker_r2: bool) -> dict[str, float]:
    n = y_true.size
    error = y_true - y_pred
    sse = _sequential_sum(error * error)
    mse = sse / n
    reference = y_pred if sagemaker_r2 else y_true
    if n < 2:
        r2 = math.nan
    else:
        centred = reference - reference.mean()
        sst = float(np.sum(centred * centred))
        r2 = (1.0 - sse / sst) if sst > 0 else (1.0 if sse == 0 else 0.0)
    return {
        "mae": _sequential_sum(np.abs(error)) / n,
        "mse": mse,
        "rmse": math.sqrt(mse),
        "r2": r2,
    }


def regression_metrics(
    y_true: Any,
    y_pred: Any,
    *,
    rng: np.random.Generator,
    sagemaker_r2: bool = False,
) -> RegressionReport:
    """mae, mse, rmse and r2 with their subsample standard deviations.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Actual and predicted values, finite numbers.
    rng : numpy.random.Generator
        Randomness of the subsample standard deviations.
    sagemaker_r2 : bool, default=False
        Compute r2 as SageMaker does (SST over the predictions); see the module docstring.

    Returns
    -------
    RegressionReport

    Raises
    ------
    InvalidParameterError
        If the arrays are empty, of different lengths, or hold non-finite values.

    Examples
    --------
    >>> r = regression_metrics([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0],
    ...                        rng=np.random.default_rng(0))
    >>> r.metrics["mae"].value, r.metrics["mse"].value, round(r.metrics["r2"].value, 4)
    (0.5, 0.375, 0.9486)
    """
    fn = "regression_metrics"
    truth = np.asarray(y_true, dtype=np.float64)
    pred = np.asarray(y_pred, dtype=np.float64)
    if truth.ndim != 1 or pred.ndim != 1 or truth.shape != pred.shape:
        raise InvalidParameterError(
            f"y_true and y_pred of {fn} must be 1-dimensional of the same length. Got shapes "
            f"{truth.shape} and {pred.shape} instead.",
            field="y_pred",
        )
    if truth.size == 0:
        raise InvalidParameterError(
            f"{fn} needs at least one sample. Got empty arrays instead.", field="y_true"
        )
    if not (np.isfinite(truth).all() and np.isfinite(pred).all()):
        raise InvalidParameterError(
            f"y_true and y_pred of {fn} must be finite numbers. Got NaN or infinity instead.",
            field="y_true",
        )

    def compute(mask: NDArray[np.bool_] | None) -> dict[str, float]:
        if mask is None:
            return _values(truth, pred, sagemaker_r2=sagemaker_r2)
        return _values(truth[mask], pred[mask], sagemaker_r2=sagemaker_r2)

    return RegressionReport(item_count=int(truth.size), metrics=estimate(compute, truth.size, rng))
