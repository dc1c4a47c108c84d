"""Ratios of counts with Vigil's zero-division policy (shared by the classification metrics).

The policy, the same as scikit-learn's ``zero_division`` argument and Spark's MLlib default:
a ratio whose denominator is 0 (precision with no predicted positive, recall with no actual
positive, FPR with no actual negative) takes the value ``zero_division`` — 0.0 by default,
1.0 or NaN on request. An F-score is 0.0 when there is no true positive but some error, and
``zero_division`` only when there is nothing at all to score (no positive, actual or predicted).
NaN never violates a constraint.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from vigil.errors import InvalidParameterError

__all__ = ["check_zero_division", "divide", "f_beta"]

FloatArray = NDArray[np.float64]


def check_zero_division(value: float, fn: str) -> float:
    """``value`` if it is 0.0, 1.0 or NaN.

    Raises
    ------
    InvalidParameterError
        For any other value.
    """
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and (math.isnan(value) or value in (0.0, 1.0)):
        return float(value)
    raise InvalidParameterError(
        f"zero_division of {fn} must be 0.0, 1.0 or nan. Got {value!r} instead.",
        field="zero_division",
    )


def divide(numerator: FloatArray, denominator: FloatArray, zero_division: float) -> FloatArray:
    """``numerator / denominator``, and ``zero_division`` where the denominator is 0."""
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, zero_division)


def f_beta(
    *,
    beta: float,
    tp: FloatArray,
    fp: FloatArray,
    fn: FloatArray,
    precision: FloatArray,
    recall: FloatArray,
    zero_division: float,
) -> FloatArray:
    """F-beta from precision and recall: ``(1 + b²)·p·r / (b²·p + r)`` (Spark's formula).

    It equals scikit-learn's ``(1 + b²)·tp / ((1 + b²)·tp + b²·fn + fp)`` up to rounding; the
    form from precision and recall is the one whose last digits match SageMaker's files.
    """
    b2 = beta * beta
    with np.errstate(invalid="ignore", divide="ignore"):
        value = (1.0 + b2) * precision * recall / (b2 * precision + recall)
    nothing = (tp + fp + fn) == 0
    return np.where(tp > 0, value, np.where(nothing, zero_division, 0.0))
