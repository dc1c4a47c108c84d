"""From raw labels, predictions and probabilities to the metrics of a problem type.

The one place where the rules of :mod:`vigil.core.model_quality.labels` meet the metrics, so a
baseline and a monitoring window are scored the same way:

* binary: the predicted label is the ``inference`` value when there is one (the label the
  endpoint served), else ``probability >= threshold``; the probability, when given, is the
  score of the curves and the AUC;
* multiclass: ``inference`` against the labels, as classes;
* regression: ``inference`` and the labels as numbers.

Rows where a needed value is unusable (not 0/1, not a number, empty) are left out and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pyarrow as pa

from vigil.core.model_quality.classification import (
    BinaryClassificationReport,
    MulticlassClassificationReport,
    binary_classification_metrics,
    multiclass_classification_metrics,
)
from vigil.core.model_quality.constraints import ProblemType
from vigil.core.model_quality.labels import apply_threshold, to_binary, to_classes, to_numbers
from vigil.core.model_quality.regression import RegressionReport, regression_metrics
from vigil.errors import InvalidParameterError

__all__ = ["ModelQualityReport", "Scored", "problem_type_of", "score_values"]

ModelQualityReport = BinaryClassificationReport | MulticlassClassificationReport | RegressionReport
"""The metrics of one dataset or window, whatever the problem type."""

Values: TypeAlias = pa.Array | pa.ChunkedArray


@dataclass(frozen=True)
class Scored:
    """The metrics of the usable rows.

    Attributes
    ----------
    report : ModelQualityReport or None
        None when no row was usable.
    rows : int
        Rows given.
    unusable : int
        Rows left out.
    """

    report: ModelQualityReport | None
    rows: int
    unusable: int


def problem_type_of(report: ModelQualityReport) -> ProblemType:
    """The problem type a report is for."""
    if isinstance(report, BinaryClassificationReport):
        return "BinaryClassification"
    if isinstance(report, MulticlassClassificationReport):
        return "MulticlassClassification"
    return "Regression"


def score_values(
    problem_type: ProblemType,
    *,
    labels: Values,
    inference: Values | None,
    probability: Values | None = None,
    threshold: float = 0.5,
    rng: np.random.Generator,
    max_curve_points: int | None = None,
    sagemaker_r2: bool = False,
) -> Scored:
    """Score raw values (text or typed Arrow arrays, one row per prediction).

    Parameters
    ----------
    problem_type : {"BinaryClassification", "MulticlassClassification", "Regression"}
    labels : pyarrow array of length n
        Ground truth.
    inference : pyarrow array of length n or None
        Predicted labels (values for regression). May be None only for a binary problem with
        ``probability``.
    probability : pyarrow array of length n, optional
        Probability of the positive class (binary problems).
    threshold : float, default=0.5
        Positive when ``probability >= threshold`` (without ``inference``).
    rng : numpy.random.Generator
    max_curve_points : int, optional
    sagemaker_r2 : bool, default=False

    Returns
    -------
    Scored

    Raises
    ------
    InvalidParameterError
        If the predictions needed for the problem type are missing.

    Examples
    --------
    >>> s = score_values("BinaryClassification", labels=pa.array(["1", "0", "x"]),
    ...                  inference=None, probability=pa.array([0.9, 0.7, 0.1]),
    ...                  rng=np.random.default_rng(0))
    >>> s.report.metrics["accuracy"].value, s.unusable
    (0.5, 1)
    """
    n = len(labels)
    if problem_type == "BinaryClassification":
        actual, valid = to_binary(labels)
        score = None
        if probability is not None:
            score, valid_score = to_numbers(probability)
            valid = valid & valid_score
        if inference is not None:
            predicted, valid_pred = to_binary(inference)
            valid = valid & valid_pred
        elif score is not None:
            predicted = apply_threshold(score, threshold)
        else:
            raise InvalidParameterError(
                "score_values needs inference or probability for BinaryClassification. Got "
                "neither.",
                field="inference",
            )
        if not valid.any():
            return Scored(None, n, n)
        binary = binary_classification_metrics(
            actual[valid],
            predicted[valid],
            score[valid] if score is not None else None,
            rng=rng,
            max_curve_points=max_curve_points,
        )
        return Scored(binary, n, n - int(valid.sum()))
    if inference is None:
        raise InvalidParameterError(
            f"score_values needs inference for {problem_type}. Got None.", field="inference"
        )
    if problem_type == "MulticlassClassification":
        classes = to_classes(labels, inference)
        valid = classes.valid
        if not valid.any():
            return Scored(None, n, n)
        multi = multiclass_classification_metrics(
            classes.actual[valid],
            classes.predicted[valid],
            rng=rng,
            classes=range(len(classes.names)),
            names=classes.names,
        )
        return Scored(multi, n, n - int(valid.sum()))
    actual_values, valid = to_numbers(labels)
    predicted_values, valid_pred = to_numbers(inference)
    valid = valid & valid_pred
    if not valid.any():
        return Scored(None, n, n)
    regression = regression_metrics(
        actual_values[valid], predicted_values[valid], rng=rng, sagemaker_r2=sagemaker_r2
    )
    return Scored(regression, n, n - int(valid.sum()))
