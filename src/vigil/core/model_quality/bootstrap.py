"""Standard deviation of a metric from random subsamples, as SageMaker's model-quality job reports it.

Spec sagemaker-model-monitor.md §6.1 quotes the Developer Guide: "Standard deviation for metrics
are provided only when at least 200 samples are available. Model Monitor computes standard
deviation by randomly sampling 80% of the data 5 times, computing the metric, and taking the
standard deviation for those results". Below 200 samples the standard deviation is NaN (written
as the string ``"NaN"``).

Two choices the Guide leaves open, made here and used by every metric:

* a subsample keeps each row independently with probability 0.8 (Bernoulli sampling, what
  Spark's ``Dataset.sample(withReplacement=false, fraction=0.8)`` does), so its size is about,
  not exactly, 80%;
* the standard deviation of the 5 results is the sample one (``ddof=1``, Spark's ``stddev``).
  It is NaN if any of the 5 results is NaN (a subsample where the metric is undefined).

Randomness is an argument (``rng``), never global state.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MIN_SAMPLES_FOR_STD",
    "SUBSAMPLES",
    "SUBSAMPLE_FRACTION",
    "MetricEstimate",
    "estimate",
    "subsample_masks",
    "subsample_std",
]

MIN_SAMPLES_FOR_STD = 200
"""Fewest samples for which a standard deviation is computed; below it, NaN (spec §6.1)."""

SUBSAMPLES = 5
"""Number of random subsamples."""

SUBSAMPLE_FRACTION = 0.8
"""Probability that a row is kept in a subsample."""

Mask = NDArray[np.bool_]


@dataclass(frozen=True)
class MetricEstimate:
    """A metric's value on all the data and its subsample standard deviation (NaN if undefined).

    Attributes
    ----------
    value : float
        The metric on every sample; NaN when undefined (see each metric's zero-division policy).
    standard_deviation : float
        Standard deviation over the subsamples; NaN below :data:`MIN_SAMPLES_FOR_STD` samples.
    """

    value: float
    standard_deviation: float = math.nan


def subsample_masks(n: int, rng: np.random.Generator) -> list[Mask] | None:
    """The :data:`SUBSAMPLES` row masks of ``n`` samples, or None below the 200-sample minimum.

    Parameters
    ----------
    n : int
        Number of samples.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    list of ndarray of shape (n,) and dtype bool, or None

    Examples
    --------
    >>> masks = subsample_masks(1000, np.random.default_rng(0))
    >>> len(masks), 700 < int(masks[0].sum()) < 900
    (5, True)
    >>> subsample_masks(199, np.random.default_rng(0)) is None
    True
    """
    if n < MIN_SAMPLES_FOR_STD:
        return None
    return [rng.random(n) < SUBSAMPLE_FRACTION for _ in range(SUBSAMPLES)]


def subsample_std(values: Sequence[float]) -> float:
    """Sample standard deviation (``ddof=1``) of the subsample results; NaN if any is NaN.

    Examples
    --------
    >>> subsample_std([1.0, 2.0, 3.0, 4.0, 5.0])
    1.5811388300841898
    """
    array = np.asarray(values, dtype=np.float64)
    if array.size < 2 or not np.all(np.isfinite(array)):
        return math.nan
    return float(np.std(array, ddof=1))


def estimate(
    compute: Callable[[Mask | None], Mapping[str, float]],
    n: int,
    rng: np.random.Generator,
) -> dict[str, MetricEstimate]:
    """Every metric ``compute`` returns, with its subsample standard deviation.

    Parameters
    ----------
    compute : callable
        ``compute(mask)`` returns metric name → value on the rows where ``mask`` is True, or on
        every row for ``mask=None``. It must return the same names for every mask.
    n : int
        Number of samples (rows).
    rng : numpy.random.Generator
        Source of randomness for the subsamples.

    Returns
    -------
    dict of str to MetricEstimate
        In the order ``compute`` returned the names.
    """
    full = compute(None)
    masks = subsample_masks(n, rng)
    if masks is None:
        return {name: MetricEstimate(float(value)) for name, value in full.items()}
    runs = [compute(mask) for mask in masks]
    return {
        name: MetricEstimate(float(value), subsample_std([run[name] for run in runs]))
        for name, value in full.items()
    }
