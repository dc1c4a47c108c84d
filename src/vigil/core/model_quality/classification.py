"""Binary and multiclass classification metrics of SageMaker's model-quality monitor (spec §6.2).

Every metric here is a ``*_score``-like quantity (higher is better) except the two error rates
``false_positive_rate`` and ``false_negative_rate`` (lower is better). Each scalar comes with
the subsample standard deviation of :mod:`vigil.core.model_quality.bootstrap`.

Binary classification (labels 0/1, the positive class is 1)
    ``confusion_matrix[actual][predicted]`` with keys ``"0"`` and ``"1"`` (both always
    present); ``recall`` = ``true_positive_rate`` = TP/(TP+FN); ``precision`` = TP/(TP+FP);
    ``accuracy``; ``false_positive_rate`` = FP/(FP+TN); ``true_negative_rate`` = 1 − FPR and
    ``false_negative_rate`` = 1 − TPR (computed as complements, which is what makes the
    Developer Guide's example read ``0.33333333333333337``); the ROC and precision-recall
    curves and ``auc`` of :mod:`vigil.core.model_quality.curves`; ``f0_5``, ``f1``, ``f2``.
    The *best constant classifier* always predicts the positive class (the only reading
    consistent with the Guide's example, where ``accuracy_best_constant_classifier`` = 0.25 is
    the prevalence although the majority class is 0): recall 1, precision = accuracy =
    prevalence, and its F-scores.

Multiclass classification
    ``confusion_matrix`` over the union of the classes seen (actual or predicted), every pair
    present; ``accuracy``; ``weighted_recall``, ``weighted_precision``, ``weighted_f0_5``,
    ``weighted_f1``, ``weighted_f2``: per-class values averaged with the classes' true counts
    as weights (scikit-learn's ``average="weighted"``). The best constant classifier always
    predicts the most frequent true class (the first in class order on a tie).

Zero division (see :mod:`vigil.core.model_quality._ratios`): a ratio with a zero denominator
takes ``zero_division`` (default 0.0, as scikit-learn and Spark; 1.0 or NaN on request); the
AUC of a sample with only one class is NaN. With ``zero_division=nan`` a weighted average is
NaN as soon as one class with support is undefined.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vigil.core.model_quality._ratios import check_zero_division, divide, f_beta
from vigil.core.model_quality.bootstrap import MetricEstimate, estimate
from vigil.core.model_quality.curves import Curve, sweep
from vigil.errors import InvalidParameterError

__all__ = [
    "BINARY_METRICS",
    "MULTICLASS_METRICS",
    "BinaryClassificationReport",
    "ConfusionMatrix",
    "MulticlassClassificationReport",
    "binary_classification_metrics",
    "multiclass_classification_metrics",
]

ConfusionMatrix = Mapping[str, Mapping[str, int]]
"""``confusion_matrix[actual_label][predicted_label]`` = number of samples."""

BINARY_METRICS = (
    "recall",
    "precision",
    "accuracy",
    "recall_best_constant_classifier",
    "precision_best_constant_classifier",
    "accuracy_best_constant_classifier",
    "true_positive_rate",
    "true_negative_rate",
    "false_positive_rate",
    "false_negative_rate",
    "auc",
    "f0_5",
    "f1",
    "f2",
    "f0_5_best_constant_classifier",
    "f1_best_constant_classifier",
    "f2_best_constant_classifier",
)
"""Scalar binary metrics, in the order SageMaker writes them."""

MULTICLASS_METRICS = (
    "accuracy",
    "weighted_recall",
    "weighted_precision",
    "weighted_f0_5",
    "weighted_f1",
    "weighted_f2",
    "accuracy_best_constant_classifier",
    "weighted_recall_best_constant_classifier",
    "weighted_precision_best_constant_classifier",
    "weighted_f0_5_best_constant_classifier",
    "weighted_f1_best_constant_classifier",
    "weighted_f2_best_constant_classifier",
)
"""Scalar multiclass metrics, in the order SageMaker writes them."""

_BETAS = (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0))
Mask = NDArray[np.bool_]


@dataclass(frozen=True)
class BinaryClassificationReport:
    """Binary classification metrics of one dataset or window.

    Attributes
    ----------
    item_count : int
        Samples scored.
    confusion_matrix : mapping
        ``[actual][predicted]`` counts, keys ``"0"`` and ``"1"``.
    metrics : mapping of str to MetricEstimate
        The scalar metrics of :data:`BINARY_METRICS`, in that order.
    roc_curve : Curve
        ``x`` false positive rates, ``y`` true positive rates.
    precision_recall_curve : Curve
        ``x`` recalls, ``y`` precisions.
    """

    item_count: int
    confusion_matrix: ConfusionMatrix
    metrics: Mapping[str, MetricEstimate]
    roc_curve: Curve
    precision_recall_curve: Curve


@dataclass(frozen=True)
class MulticlassClassificationReport:
    """Multiclass classification metrics of one dataset or window.

    Attributes
    ----------
    item_count : int
    classes : tuple of str
        Every class (seen, or given), in the order of the confusion matrix.
    confusion_matrix : mapping
        ``[actual][predicted]`` counts over ``classes`` × ``classes``.
    metrics : mapping of str to MetricEstimate
        The scalar metrics of :data:`MULTICLASS_METRICS`, in that order.
    """

    item_count: int
    classes: tuple[str, ...]
    confusion_matrix: ConfusionMatrix
    metrics: Mapping[str, MetricEstimate]


def _as_bool(values: Any, name: str, fn: str) -> NDArray[np.bool_]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise InvalidParameterError(
            f"{name} of {fn} must be 1-dimensional. Got shape {array.shape} instead.", field=name
        )
    if array.dtype == np.bool_:
        return array
    if array.size and not np.isin(array, (0, 1)).all():
        bad = array[~np.isin(array, (0, 1))][0]
        raise InvalidParameterError(
            f"{name} of {fn} must hold 0/1 (or booleans). Got {bad!r} instead.", field=name
        )
    return array.astype(np.bool_)


def _same_length(fn: str, **arrays: NDArray[Any]) -> int:
    sizes = {name: a.shape[0] for name, a in arrays.items()}
    if len(set(sizes.values())) > 1:
        raise InvalidParameterError(
            f"the arrays of {fn} must have the same length. Got {sizes} instead.",
            field=next(iter(sizes)),
        )
    n = int(next(iter(sizes.values())))
    if n == 0:
        raise InvalidParameterError(
            f"{fn} needs at least one sample. Got empty arrays instead.", field=next(iter(sizes))
        )
    return n


def binary_classification_metrics(
    y_true: Any,
    y_pred: Any,
    y_score: Any = None,
    *,
    rng: np.random.Generator,
    zero_division: float = 0.0,
    max_curve_points: int | None = None,
) -> BinaryClassificationReport:
    """Every binary classification metric of spec §6.2.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Actual labels: 0/1 or booleans; 1 (True) is the positive class.
    y_pred : array-like of shape (n_samples,)
        Predicted labels, same encoding.
    y_score : array-like of shape (n_samples,), default=None
        Scores for the ROC/PR curves and the AUC (probabilities of the positive class). None:
        the predicted labels are the scores (a two-threshold curve).
    rng : numpy.random.Generator
        Randomness of the subsample standard deviations.
    zero_division : {0.0, 1.0, nan}, default=0.0
        Value of a ratio whose denominator is 0.
    max_curve_points : int, optional
        Keep at most this many points per curve (the AUC uses them all).

    Returns
    -------
    BinaryClassificationReport

    Raises
    ------
    InvalidParameterError
        If the arrays are empty, of different lengths, or hold labels other than 0/1.

    References
    ----------
    The Developer Guide's example (spec §6.2), reproduced in the tests; scikit-learn's
    ``precision_recall_fscore_support``, ``roc_curve``, ``roc_auc_score``.

    Examples
    --------
    >>> r = binary_classification_metrics([0, 0, 0, 1], [0, 1, 1, 1], rng=np.random.default_rng(0))
    >>> r.confusion_matrix
    {'0': {'0': 1, '1': 2}, '1': {'0': 0, '1': 1}}
    >>> r.metrics["f2"].value, r.metrics["f2_best_constant_classifier"].value
    (0.7142857142857143, 0.625)
    """
    fn = "binary_classification_metrics"
    zero_division = check_zero_division(zero_division, fn)
    truth = _as_bool(y_true, "y_true", fn)
    pred = _as_bool(y_pred, "y_pred", fn)
    if y_score is None:
        score = pred.astype(np.float64)
    else:
        score = np.asarray(y_score, dtype=np.float64)
        if score.ndim != 1 or not np.isfinite(score).all():
            raise InvalidParameterError(
                f"y_score of {fn} must be a 1-dimensional array of finite numbers.",
                field="y_score",
            )
    n = _same_length(fn, y_true=truth, y_pred=pred, y_score=score)
    codes = (truth.astype(np.int8) << 1) | pred.astype(np.int8)  # 0 TN, 1 FP, 2 FN, 3 TP
    ranking = sweep(truth, score)

    def compute(mask: Mask | None) -> dict[str, float]:
        kept = codes if mask is None else codes[mask]
        tn, fp, fn_, tp = (float(c) for c in np.bincount(kept, minlength=4))
        values = _binary_scalars(tp=tp, fp=fp, tn=tn, fn=fn_, zero_division=zero_division)
        values["auc"] = ranking.auc(mask)
        return {name: values[name] for name in BINARY_METRICS}

    counts = np.bincount(codes, minlength=4).tolist()
    matrix = {"0": {"0": counts[0], "1": counts[1]}, "1": {"0": counts[2], "1": counts[3]}}
    return BinaryClassificationReport(
        item_count=n,
        confusion_matrix=matrix,
        metrics=estimate(compute, n, rng),
        roc_curve=ranking.roc_curve(max_curve_points),
        precision_recall_curve=ranking.precision_recall_curve(max_curve_points),
    )


def _binary_scalars(
    *, tp: float, fp: float, tn: float, fn: float, zero_division: float
) -> dict[str, float]:
    zd = zero_division
    a = np.array
    n = tp + fp + tn + fn
    positives, negatives = tp + fn, fp + tn
    recall = divide(a(tp), a(positives), zd)
    precision = divide(a(tp), a(tp + fp), zd)
    fpr = divide(a(fp), a(negatives), zd)
    out: dict[str, float] = {
        "recall": float(recall),
        "precision": float(precision),
        "accuracy": (tp + tn) / n if n else zd,
        "true_positive_rate": float(recall),
        "false_positive_rate": float(fpr),
        "true_negative_rate": 1.0 - float(fpr) if negatives else zd,
        "false_negative_rate": 1.0 - float(recall) if positives else zd,
    }
    # always predict positive: TP' = positives, FP' = negatives, FN' = TN' = 0
    bc_recall = divide(a(positives), a(positives), zd)
    bc_precision = divide(a(positives), a(n), zd)
    out["recall_best_constant_classifier"] = float(bc_recall)
    out["precision_best_constant_classifier"] = float(bc_precision)
    out["accuracy_best_constant_classifier"] = float(bc_precision)
    for name, beta in _BETAS:
        out[name] = float(
            f_beta(
                beta=beta,
                tp=a(tp),
                fp=a(fp),
                fn=a(fn),
                precision=precision,
                recall=recall,
                zero_division=zd,
            )
        )
        out[f"{name}_best_constant_classifier"] = float(
            f_beta(
                beta=beta,
                tp=a(positives),
                fp=a(negatives),
                fn=a(0.0),
                precision=bc_precision,
                recall=bc_recall,
                zero_division=zd,
            )
        )
    return out


def multiclass_classification_metrics(
    y_true: Any,
    y_pred: Any,
    *,
    rng: np.random.Generator,
    zero_division: float = 0.0,
    classes: Sequence[Any] | None = None,
    names: Sequence[str] | None = None,
) -> MulticlassClassificationReport:
    """Every multiclass classification metric of spec §6.2.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Actual and predicted labels (ints or strings).
    rng : numpy.random.Generator
        Randomness of the subsample standard deviations.
    zero_division : {0.0, 1.0, nan}, default=0.0
        Value of a per-class ratio whose denominator is 0.
    classes : sequence, optional
        Every class, in the order wanted for the confusion matrix; default: the sorted union of
        the labels seen. Labels outside it raise.
    names : sequence of str, optional
        Names of ``classes`` (same length) for the confusion matrix, e.g. when the labels are
        integer codes; default ``str(class)``.

    Returns
    -------
    MulticlassClassificationReport
        Class names are ``str(label)``.

    Raises
    ------
    InvalidParameterError
        If the arrays are empty or of different lengths, or a label is not in ``classes``.

    Examples
    --------
    >>> r = multiclass_classification_metrics(["a", "b", "c", "c"], ["a", "b", "c", "a"],
    ...                                       rng=np.random.default_rng(0))
    >>> r.metrics["accuracy"].value, r.metrics["accuracy_best_constant_classifier"].value
    (0.75, 0.5)
    >>> r.confusion_matrix["c"]
    {'a': 1, 'b': 0, 'c': 1}
    """
    fn = "multiclass_classification_metrics"
    zero_division = check_zero_division(zero_division, fn)
    truth, pred = np.asarray(y_true), np.asarray(y_pred)
    n = _same_length(fn, y_true=truth, y_pred=pred)
    both = np.concatenate([truth, pred])
    if classes is None:
        labels, inverse = np.unique(both, return_inverse=True)
    else:
        labels = np.asarray(list(classes))
        sorter = np.argsort(labels, kind="stable")
        found = sorter[np.clip(np.searchsorted(labels, both, sorter=sorter), 0, labels.size - 1)]
        unknown = labels[found] != both
        if unknown.any():
            raise InvalidParameterError(
                f"classes of {fn} must hold every label. Got {both[unknown][0]!r} outside it.",
                field="classes",
            )
        inverse = found
    k = labels.size
    codes = inverse[:n].astype(np.int64) * k + inverse[n:].astype(np.int64)

    def compute(mask: Mask | None) -> dict[str, float]:
        kept = codes if mask is None else codes[mask]
        matrix = np.bincount(kept, minlength=k * k).reshape(k, k).astype(np.float64)
        return _multiclass_scalars(matrix, zero_division)

    matrix = np.bincount(codes, minlength=k * k).reshape(k, k)
    if names is None:
        names = [str(label) for label in labels.tolist()]
    elif len(names) != k:
        raise InvalidParameterError(
            f"names of {fn} must name every class ({k}). Got {len(names)} names instead.",
            field="names",
        )
    names = tuple(names)
    confusion = {
        actual: {predicted: int(matrix[i, j]) for j, predicted in enumerate(names)}
        for i, actual in enumerate(names)
    }
    return MulticlassClassificationReport(
        item_count=n,
        classes=tuple(names),
        confusion_matrix=confusion,
        metrics=estimate(compute, n, rng),
    )


def _weighted(values: NDArray[np.float64], support: NDArray[np.float64]) -> float:
    used = support > 0
    total = support[used].sum()
    if not total:
        return float("nan")
    return float(np.sum(values[used] * support[used]) / total)


def _per_class(
    tp: NDArray[np.float64],
    true: NDArray[np.float64],
    pred: NDArray[np.float64],
    zero_division: float,
) -> dict[str, float]:
    recall = divide(tp, true, zero_division)
    precision = divide(tp, pred, zero_division)
    out = {
        "weighted_recall": _weighted(recall, true),
        "weighted_precision": _weighted(precision, true),
    }
    for name, beta in _BETAS:
        f = f_beta(
            beta=beta,
            tp=tp,
            fp=pred - tp,
            fn=true - tp,
            precision=precision,
            recall=recall,
            zero_division=zero_division,
        )
        out[f"weighted_{name}"] = _weighted(f, true)
    return out


def _multiclass_scalars(matrix: NDArray[np.float64], zero_division: float) -> dict[str, float]:
    tp = np.diag(matrix).copy()
    true, pred = matrix.sum(axis=1), matrix.sum(axis=0)
    n = float(true.sum())
    values = _per_class(tp, true, pred, zero_division)
    values["accuracy"] = float(tp.sum() / n) if n else zero_division
    majority = int(np.argmax(true))
    bc_tp = np.zeros_like(tp)
    bc_tp[majority] = true[majority]
    bc_pred = np.zeros_like(pred)
    bc_pred[majority] = n
    constant = _per_class(bc_tp, true, bc_pred, zero_division)
    for name, value in constant.items():
        values[f"{name}_best_constant_classifier"] = value
    values["accuracy_best_constant_classifier"] = float(true[majority] / n) if n else zero_division
    return {name: values[name] for name in MULTICLASS_METRICS}
