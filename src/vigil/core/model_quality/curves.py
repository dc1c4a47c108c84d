"""Threshold sweeps of a binary classifier's scores: ROC curve, precision-recall curve, ROC AUC.

Every distinct score is a threshold; a sample is predicted positive when its score is
``>= threshold``. Thresholds are swept from the highest score down (spec §6.2: "the raw
threshold sweep points"):

* ROC: ``(0, 0)`` first, then ``(FPR, TPR)`` at each threshold; the last point is ``(1, 1)``.
  This is :func:`sklearn.metrics.roc_curve` with ``drop_intermediate=False``.
* Precision-recall: ``(recall 0, precision 1)`` first, then ``(recall, precision)`` at each
  threshold, up to and including the first threshold that reaches full recall, recall
  increasing. This is the shape of the Developer Guide's example (5 points ending at recall
  1.0); it is scikit-learn's :func:`~sklearn.metrics.precision_recall_curve` reversed and cut
  after the first point of recall 1.
* AUC: the trapezoidal area under the full ROC curve (:func:`sklearn.metrics.roc_auc_score`).

Undefined values: with no positive (or no negative) sample, TPR and recall (or FPR) are NaN at
every point and the AUC is NaN (scikit-learn raises there; a monitor reports "undefined"
instead). Precision at a threshold is always defined (at least one sample is predicted positive).

Curves of millions of distinct scores are long: ``max_points`` keeps that many points, evenly
spaced in threshold rank, always including the first and the last. The AUC is always computed
on the full curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Curve", "ScoreSweep", "roc_auc", "sweep"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Curve:
    """A curve as two parallel lists of floats: ``x`` and ``y``.

    ROC: ``x`` false positive rates, ``y`` true positive rates. PR: ``x`` recalls, ``y``
    precisions.
    """

    x: tuple[float, ...]
    y: tuple[float, ...]


@dataclass(frozen=True)
class ScoreSweep:
    """Samples sorted by decreasing score, with the last index of each distinct score.

    Built once by :func:`sweep` and reused for every subsample (only the mask changes).

    Attributes
    ----------
    order : ndarray of int64
        Sample indices by decreasing score (tied samples in any order).
    positive : ndarray of bool
        ``y_true`` in that order.
    ends : ndarray of int64
        Index (in sorted order) of the last sample of each distinct score, increasing.
    """

    order: NDArray[np.int64]
    positive: NDArray[np.bool_]
    ends: NDArray[np.int64]

    def counts(self, mask: NDArray[np.bool_] | None = None) -> tuple[FloatArray, FloatArray]:
        """Cumulative true and false positives at each threshold (of the masked samples)."""
        if mask is None:
            tp = np.cumsum(self.positive, dtype=np.int64)
            fp = np.arange(1, self.positive.size + 1, dtype=np.int64) - tp
        else:
            kept = mask[self.order]
            tp = np.cumsum(self.positive & kept, dtype=np.int64)
            fp = np.cumsum(~self.positive & kept, dtype=np.int64)
        return tp[self.ends].astype(np.float64), fp[self.ends].astype(np.float64)

    def roc(self, mask: NDArray[np.bool_] | None = None) -> tuple[FloatArray, FloatArray]:
        """``(fpr, tpr)`` with the leading ``(0, 0)``; NaN rates when a class is absent."""
        tp, fp = self.counts(mask)
        positives, negatives = (tp[-1], fp[-1]) if tp.size else (0.0, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            fpr = np.concatenate([[0.0], fp / negatives]) if negatives else _nan(fp.size + 1)
            tpr = np.concatenate([[0.0], tp / positives]) if positives else _nan(tp.size + 1)
        return fpr, tpr

    def auc(self, mask: NDArray[np.bool_] | None = None) -> float:
        """Area under the ROC curve; NaN when a class is absent."""
        fpr, tpr = self.roc(mask)
        return roc_auc(fpr, tpr)

    def roc_curve(self, max_points: int | None = None) -> Curve:
        """The ROC curve of all samples, at most ``max_points`` points."""
        fpr, tpr = self.roc()
        keep = _thin(fpr.size, max_points)
        return Curve(tuple(fpr[keep].tolist()), tuple(tpr[keep].tolist()))

    def precision_recall_curve(self, max_points: int | None = None) -> Curve:
        """The precision-recall curve of all samples (recall increasing), at most ``max_points``."""
        tp, fp = self.counts()
        positives = tp[-1] if tp.size else 0.0
        precision = tp / (tp + fp)
        if positives:
            recall = tp / positives
            full = int(np.argmax(recall >= 1.0))  # the first threshold that reaches recall 1
            recall, precision = recall[: full + 1], precision[: full + 1]
        else:
            recall = _nan(tp.size)
        recalls = np.concatenate([[0.0], recall])
        precisions = np.concatenate([[1.0], precision])
        keep = _thin(recalls.size, max_points)
        return Curve(tuple(recalls[keep].tolist()), tuple(precisions[keep].tolist()))


def _nan(n: int) -> FloatArray:
    return np.full(n, np.nan)


def _thin(n: int, max_points: int | None) -> NDArray[np.int64]:
    """Indices of at most ``max_points`` of ``n`` points, evenly spaced, first and last kept."""
    if max_points is None or n <= max_points:
        return np.arange(n, dtype=np.int64)
    return np.unique(np.linspace(0, n - 1, max(max_points, 2)).round().astype(np.int64))


def sweep(y_true: NDArray[np.bool_], y_score: FloatArray) -> ScoreSweep:
    """Sort samples by decreasing score and find the distinct thresholds.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,) and dtype bool
        True for the positive class.
    y_score : ndarray of shape (n_samples,) and dtype float64
        Scores, higher meaning more likely positive (probabilities, or the 0/1 predictions).

    Returns
    -------
    ScoreSweep

    Examples
    --------
    >>> s = sweep(np.array([True, True, False, False]), np.array([0.9, 0.8, 0.1, 0.1]))
    >>> s.roc_curve()
    Curve(x=(0.0, 0.0, 0.0, 1.0), y=(0.0, 0.5, 1.0, 1.0))
    >>> s.precision_recall_curve()
    Curve(x=(0.0, 0.5, 1.0), y=(1.0, 1.0, 1.0))
    >>> s.auc()
    1.0
    """
    order = np.argsort(-y_score).astype(np.int64)  # ties: any order (counts use group ends)
    sorted_scores = y_score[order]
    if sorted_scores.size:
        ends = np.flatnonzero(np.diff(sorted_scores)).astype(np.int64)
        ends = np.concatenate([ends, [sorted_scores.size - 1]]).astype(np.int64)
    else:
        ends = np.zeros(0, dtype=np.int64)
    return ScoreSweep(order=order, positive=y_true[order], ends=ends)


def roc_auc(fpr: FloatArray, tpr: FloatArray) -> float:
    """Trapezoidal area under a ROC curve given by increasing ``fpr``; NaN if any rate is NaN.

    Examples
    --------
    >>> roc_auc(np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0]))
    1.0
    """
    if fpr.size < 2 or np.isnan(fpr).any() or np.isnan(tpr).any():
        return math.nan
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2.0)
