"""Model-quality ``statistics.json`` and ``constraints.json``: spec §6.2 and §6.3.

Statistics hold one of ``binary_classification_metrics``, ``multiclass_classification_metrics`` or
``regression_metrics``. Every scalar metric is ``{"value", "standard_deviation"}``, where the
standard deviation is the string ``"NaN"`` when fewer than 200 samples were available (§6.1); it is
read as ``math.nan`` and written back as ``"NaN"``. ``confusion_matrix[actual][predicted]`` is a
dict of dicts of counts; the ROC and precision-recall curves are the raw threshold sweep.

Constraints hold ``<problem>_constraints``: metric name → ``{"threshold", "comparison_operator"}``,
where the operator names the *violating* condition (``LessThanThreshold``: violation when
metric < threshold).

Metric keys this module does not declare are kept (and written back) as unknown keys;
:meth:`QualityMetrics.scalar_metrics` returns them too when they have the metric shape.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import ValidationError

from vigil.formats._document import Count, Document, JsonFloat, SageMakerModel
from vigil.formats.statistics import DatasetStatistics

__all__ = [
    "BinaryClassificationMetrics",
    "ComparisonOperator",
    "ConfusionMatrix",
    "MetricThreshold",
    "MetricValue",
    "ModelQualityConstraints",
    "ModelQualityStatistics",
    "MulticlassClassificationMetrics",
    "PrecisionRecallCurve",
    "ProblemType",
    "QualityMetrics",
    "ReceiverOperatingCharacteristicCurve",
    "RegressionMetrics",
]

ProblemType = Literal["Regression", "BinaryClassification", "MulticlassClassification"]
"""``problem_type`` of a model-quality monitor (spec §6.1)."""

ComparisonOperator = Literal[
    "LessThanThreshold",
    "GreaterThanThreshold",
    "LessThanOrEqualToThreshold",
    "GreaterThanOrEqualToThreshold",
]
"""The violating condition of a model-quality constraint (spec §6.3)."""

ConfusionMatrix = dict[str, dict[str, Count]]
"""``confusion_matrix[actual_label][predicted_label]`` = number of records."""


class MetricValue(SageMakerModel):
    """A scalar metric: ``value`` and its bootstrap ``standard_deviation`` (NaN if < 200 samples)."""

    value: JsonFloat
    standard_deviation: JsonFloat = math.nan


class ReceiverOperatingCharacteristicCurve(SageMakerModel):
    """ROC curve points, one per threshold: rates in [0, 1]."""

    false_positive_rates: list[JsonFloat]
    true_positive_rates: list[JsonFloat]


class PrecisionRecallCurve(SageMakerModel):
    """Precision-recall curve points, one per threshold."""

    precisions: list[JsonFloat]
    recalls: list[JsonFloat]


class QualityMetrics(SageMakerModel):
    """Base of the three ``*_metrics`` blocks."""

    def scalar_metrics(self) -> dict[str, MetricValue]:
        """Every ``{value, standard_deviation}`` metric present, declared or unknown, by key.

        These are what a model-quality job publishes, each under its key (spec §5.2).
        """
        found: dict[str, MetricValue] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, MetricValue):
                found[name] = value
        for key, raw in (self.model_extra or {}).items():
            if isinstance(raw, dict) and "value" in raw:
                try:
                    found[key] = MetricValue.model_validate(raw)
                except ValidationError:
                    continue
        return found


class BinaryClassificationMetrics(QualityMetrics):
    """``binary_classification_metrics`` (spec §6.2). "best constant" = always predict positive."""

    confusion_matrix: ConfusionMatrix | None = None
    recall: MetricValue | None = None
    precision: MetricValue | None = None
    accuracy: MetricValue | None = None
    recall_best_constant_classifier: MetricValue | None = None
    precision_best_constant_classifier: MetricValue | None = None
    accuracy_best_constant_classifier: MetricValue | None = None
    true_positive_rate: MetricValue | None = None
    true_negative_rate: MetricValue | None = None
    false_positive_rate: MetricValue | None = None
    false_negative_rate: MetricValue | None = None
    receiver_operating_characteristic_curve: ReceiverOperatingCharacteristicCurve | None = None
    precision_recall_curve: PrecisionRecallCurve | None = None
    auc: MetricValue | None = None
    f0_5: MetricValue | None = None
    f1: MetricValue | None = None
    f2: MetricValue | None = None
    f0_5_best_constant_classifier: MetricValue | None = None
    f1_best_constant_classifier: MetricValue | None = None
    f2_best_constant_classifier: MetricValue | None = None


class MulticlassClassificationMetrics(QualityMetrics):
    """``multiclass_classification_metrics`` (spec §6.2): support-weighted averages."""

    confusion_matrix: ConfusionMatrix | None = None
    accuracy: MetricValue | None = None
    weighted_recall: MetricValue | None = None
    weighted_precision: MetricValue | None = None
    weighted_f0_5: MetricValue | None = None
    weighted_f1: MetricValue | None = None
    weighted_f2: MetricValue | None = None
    accuracy_best_constant_classifier: MetricValue | None = None
    weighted_recall_best_constant_classifier: MetricValue | None = None
    weighted_precision_best_constant_classifier: MetricValue | None = None
    weighted_f0_5_best_constant_classifier: MetricValue | None = None
    weighted_f1_best_constant_classifier: MetricValue | None = None
    weighted_f2_best_constant_classifier: MetricValue | None = None


class RegressionMetrics(QualityMetrics):
    """``regression_metrics`` (spec §6.2): errors in the label's units (mse in units squared)."""

    mae: MetricValue | None = None
    mse: MetricValue | None = None
    rmse: MetricValue | None = None
    r2: MetricValue | None = None


class ModelQualityStatistics(Document):
    """A model-quality ``statistics.json`` document (spec §6.2).

    Attributes
    ----------
    version : float, default=0.0
    dataset : DatasetStatistics or None
        ``item_count`` and ``evaluation_time`` (ISO-8601 UTC with milliseconds).
    binary_classification_metrics, multiclass_classification_metrics, regression_metrics
        Exactly one is normally present.
    """

    _kinds: ClassVar[frozenset[str]] = frozenset({"model_quality_statistics"})

    version: JsonFloat = 0.0
    dataset: DatasetStatistics | None = None
    binary_classification_metrics: BinaryClassificationMetrics | None = None
    multiclass_classification_metrics: MulticlassClassificationMetrics | None = None
    regression_metrics: RegressionMetrics | None = None

    @property
    def problem_type(self) -> ProblemType | None:
        """Which metrics block is present (the first, if several), or None."""
        if self.binary_classification_metrics is not None:
            return "BinaryClassification"
        if self.multiclass_classification_metrics is not None:
            return "MulticlassClassification"
        if self.regression_metrics is not None:
            return "Regression"
        return None

    @property
    def metrics(self) -> QualityMetrics | None:
        """The metrics block for :attr:`problem_type`, or None."""
        for block in (
            self.binary_classification_metrics,
            self.multiclass_classification_metrics,
            self.regression_metrics,
        ):
            if block is not None:
                return block
        return None


class MetricThreshold(SageMakerModel):
    """One model-quality constraint: a violation when ``metric <operator> threshold`` holds."""

    threshold: JsonFloat
    comparison_operator: ComparisonOperator

    def is_violated_by(self, value: float) -> bool:
        """Whether ``value`` violates this constraint. NaN never violates.

        Examples
        --------
        >>> MetricThreshold(threshold=0.625, comparison_operator="LessThanThreshold").is_violated_by(0.5)
        True
        """
        checks = {
            "LessThanThreshold": value < self.threshold,
            "GreaterThanThreshold": value > self.threshold,
            "LessThanOrEqualToThreshold": value <= self.threshold,
            "GreaterThanOrEqualToThreshold": value >= self.threshold,
        }
        return checks[self.comparison_operator]


class ModelQualityConstraints(Document):
    """A model-quality ``constraints.json`` document (spec §6.3); metric order is kept."""

    _kinds: ClassVar[frozenset[str]] = frozenset({"model_quality_constraints"})

    version: JsonFloat = 0.0
    binary_classification_constraints: dict[str, MetricThreshold] | None = None
    multiclass_classification_constraints: dict[str, MetricThreshold] | None = None
    regression_constraints: dict[str, MetricThreshold] | None = None

    @property
    def problem_type(self) -> ProblemType | None:
        """Which constraints block is present (the first, if several), or None."""
        if self.binary_classification_constraints is not None:
            return "BinaryClassification"
        if self.multiclass_classification_constraints is not None:
            return "MulticlassClassification"
        if self.regression_constraints is not None:
            return "Regression"
        return None

    @property
    def constraints(self) -> dict[str, MetricThreshold]:
        """The constraints block for :attr:`problem_type` (empty if none)."""
        for block in (
            self.binary_classification_constraints,
            self.multiclass_classification_constraints,
            self.regression_constraints,
        ):
            if block is not None:
                return block
        return {}
