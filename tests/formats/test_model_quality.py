"""Model-quality statistics and constraints (spec §6.2–6.3)."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from vigil.errors import DocumentError
from vigil.formats import (
    BinaryClassificationMetrics,
    DatasetStatistics,
    MetricThreshold,
    MetricValue,
    ModelQualityConstraints,
    ModelQualityStatistics,
    MulticlassClassificationMetrics,
    RegressionMetrics,
)


def _metric(value: float, std: float | str = "NaN") -> dict[str, Any]:
    return {"value": value, "standard_deviation": std}


def _binary() -> dict[str, Any]:
    """The DG example, verbatim values (spec §6.2)."""
    return {
        "version": 0.0,
        "dataset": {"item_count": 4, "evaluation_time": "2020-12-01T01:00:00.000Z"},
        "binary_classification_metrics": {
            "confusion_matrix": {"0": {"0": 1, "1": 2}, "1": {"0": 0, "1": 1}},
            "recall": _metric(1.0),
            "precision": _metric(0.3333333333333333),
            "accuracy": _metric(0.5),
            "recall_best_constant_classifier": _metric(1.0),
            "precision_best_constant_classifier": _metric(0.25),
            "accuracy_best_constant_classifier": _metric(0.25),
            "true_positive_rate": _metric(1.0),
            "true_negative_rate": _metric(0.33333333333333337),
            "false_positive_rate": _metric(0.6666666666666666),
            "false_negative_rate": _metric(0.0),
            "receiver_operating_characteristic_curve": {
                "false_positive_rates": [0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
                "true_positive_rates": [0.0, 0.25, 0.5, 0.75, 1.0, 1.0],
            },
            "precision_recall_curve": {
                "precisions": [1.0, 1.0, 1.0, 1.0, 1.0],
                "recalls": [0.0, 0.25, 0.5, 0.75, 1.0],
            },
            "auc": _metric(1.0),
            "f0_5": _metric(0.3846153846153846),
            "f1": _metric(0.5),
            "f2": _metric(0.7142857142857143),
            "f0_5_best_constant_classifier": _metric(0.29411764705882354),
            "f1_best_constant_classifier": _metric(0.4),
            "f2_best_constant_classifier": _metric(0.625),
        },
    }


def _multiclass() -> dict[str, Any]:
    keys = [
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
    ]
    metrics: dict[str, Any] = {
        "confusion_matrix": {"a": {"a": 5, "b": 1, "c": 0}, "b": {"a": 0, "b": 3, "c": 1}}
    }
    metrics.update({key: _metric(0.6288167938931297, 0.00375663881299405) for key in keys})
    return {
        "version": 0.0,
        "dataset": {"item_count": 10},
        "multiclass_classification_metrics": metrics,
    }


def test_binary_classification_statistics_round_trip() -> None:
    stats = ModelQualityStatistics.from_dict(_binary())
    assert stats.to_dict() == _binary()
    assert stats.problem_type == "BinaryClassification"
    metrics = stats.binary_classification_metrics
    assert metrics is not None
    assert metrics.confusion_matrix == {"0": {"0": 1, "1": 2}, "1": {"0": 0, "1": 1}}
    assert metrics.f2 is not None
    assert metrics.f2.value == 0.7142857142857143
    assert math.isnan(metrics.f2.standard_deviation)
    roc = metrics.receiver_operating_characteristic_curve
    assert roc is not None
    assert roc.true_positive_rates[1] == 0.25
    assert stats.metrics is metrics
    scalars = metrics.scalar_metrics()
    assert len(scalars) == 17
    assert "confusion_matrix" not in scalars
    assert "precision_recall_curve" not in scalars
    text = stats.to_json()
    assert '"standard_deviation" : "NaN"' in text
    assert '"false_positive_rates" : [ 0.0, 0.0, 0.0, 0.0, 0.0, 1.0 ]' in text
    assert '"confusion_matrix" : {\n      "0" : {\n        "0" : 1,' in text


def test_multiclass_statistics_round_trip() -> None:
    stats = ModelQualityStatistics.from_dict(_multiclass())
    assert stats.to_dict() == _multiclass()
    assert stats.problem_type == "MulticlassClassification"
    metrics = stats.multiclass_classification_metrics
    assert metrics is not None
    assert metrics.weighted_f1 is not None
    assert metrics.weighted_f1.standard_deviation == 0.00375663881299405
    assert len(metrics.scalar_metrics()) == 12


def test_unknown_metrics_are_kept_and_reported_as_scalars() -> None:
    doc = _binary()
    doc["binary_classification_metrics"]["gini"] = _metric(0.61, 0.01)
    doc["binary_classification_metrics"]["thresholds"] = [0.1, 0.5]
    stats = ModelQualityStatistics.from_dict(doc)
    assert stats.to_dict() == doc
    assert stats.metrics is not None
    scalars = stats.metrics.scalar_metrics()
    assert scalars["gini"] == MetricValue(value=0.61, standard_deviation=0.01)
    assert "thresholds" not in scalars


def test_built_statistics_write_nan_standard_deviation() -> None:
    stats = ModelQualityStatistics(
        dataset=DatasetStatistics(item_count=100),
        regression_metrics=RegressionMetrics(
            mae=MetricValue(value=0.5), mse=MetricValue(value=0.25, standard_deviation=0.01)
        ),
    )
    assert stats.to_json() == (
        "{\n"
        '  "version" : 0.0,\n'
        '  "dataset" : {\n'
        '    "item_count" : 100\n'
        "  },\n"
        '  "regression_metrics" : {\n'
        '    "mae" : {\n'
        '      "value" : 0.5,\n'
        '      "standard_deviation" : "NaN"\n'
        "    },\n"
        '    "mse" : {\n'
        '      "value" : 0.25,\n'
        '      "standard_deviation" : 0.01\n'
        "    }\n"
        "  }\n"
        "}"
    )
    assert stats.problem_type == "Regression"


def test_a_read_metric_without_standard_deviation_stays_without() -> None:
    doc = {"regression_metrics": {"mae": {"value": 1.0}}}
    assert ModelQualityStatistics.from_dict(doc).to_dict() == doc


def test_confusion_matrix_counts_accept_integral_floats() -> None:
    doc = _binary()
    doc["binary_classification_metrics"]["confusion_matrix"]["0"]["1"] = 2.0
    stats = ModelQualityStatistics.from_dict(doc)
    assert stats.binary_classification_metrics is not None
    assert stats.binary_classification_metrics.confusion_matrix == {
        "0": {"0": 1, "1": 2},
        "1": {"0": 0, "1": 1},
    }


def test_empty_document_has_no_problem_type() -> None:
    stats = ModelQualityStatistics.from_dict({"version": 0.0})
    assert stats.problem_type is None
    assert stats.metrics is None


def test_classification_metric_blocks_can_be_built() -> None:
    block = BinaryClassificationMetrics(auc=MetricValue(value=0.9, standard_deviation=0.02))
    assert ModelQualityStatistics(binary_classification_metrics=block).to_dict()[
        "binary_classification_metrics"
    ] == {"auc": {"value": 0.9, "standard_deviation": 0.02}}
    multi = MulticlassClassificationMetrics(accuracy=MetricValue(value=0.5))
    assert list(multi.scalar_metrics()) == ["accuracy"]


# Constraints


def _multiclass_constraints() -> dict[str, Any]:
    # Spec §6.3 (Data Science on AWS excerpt), plus an unknown key seen in a third-party sample.
    return {
        "version": 0.0,
        "multiclass_classification_constraints": {
            "weighted_recall": {
                "threshold": 0.5714285714285714,
                "comparison_operator": "LessThanThreshold",
            },
            "weighted_precision": {
                "threshold": 0.6983172269629505,
                "comparison_operator": "LessThanThreshold",
                "additional_properties": None,
            },
        },
    }


def test_constraints_round_trip_and_accessors() -> None:
    constraints = ModelQualityConstraints.from_dict(_multiclass_constraints())
    assert constraints.to_dict() == _multiclass_constraints()
    assert constraints.problem_type == "MulticlassClassification"
    assert list(constraints.constraints) == ["weighted_recall", "weighted_precision"]
    assert constraints.constraints["weighted_recall"].is_violated_by(0.5)
    assert not constraints.constraints["weighted_recall"].is_violated_by(0.6)
    assert '"additional_properties" : null' in constraints.to_json()
    assert ModelQualityConstraints().constraints == {}
    assert ModelQualityConstraints().problem_type is None


@pytest.mark.parametrize(
    ("operator", "value", "violated"),
    [
        ("LessThanThreshold", 0.5, False),
        ("LessThanThreshold", 0.49, True),
        ("GreaterThanThreshold", 0.5, False),
        ("GreaterThanThreshold", 0.51, True),
        ("LessThanOrEqualToThreshold", 0.5, True),
        ("GreaterThanOrEqualToThreshold", 0.5, True),
        ("GreaterThanOrEqualToThreshold", 0.4, False),
        ("LessThanThreshold", math.nan, False),
    ],
)
def test_metric_threshold_semantics(operator: Any, value: float, violated: bool) -> None:
    threshold = MetricThreshold(threshold=0.5, comparison_operator=operator)
    assert threshold.is_violated_by(value) is violated


@pytest.mark.parametrize(
    ("cls", "doc", "field", "fragment"),
    [
        (
            ModelQualityStatistics,
            {"regression_metrics": {"mae": {"value": "abc", "standard_deviation": "NaN"}}},
            "regression_metrics.mae.value",
            'must be a number or "NaN"; got "abc" instead',
        ),
        (
            ModelQualityStatistics,
            {"regression_metrics": {"mae": {"standard_deviation": 0.1}}},
            "regression_metrics.mae.value",
            "is required but missing",
        ),
        (
            ModelQualityStatistics,
            {"binary_classification_metrics": {"confusion_matrix": {"0": {"1": 1.5}}}},
            'binary_classification_metrics.confusion_matrix["0"]["1"]',
            "must be a whole number (a count); got 1.5 instead",
        ),
        (
            ModelQualityStatistics,
            {"binary_classification_metrics": {"precision_recall_curve": {"precisions": [1.0]}}},
            "binary_classification_metrics.precision_recall_curve.recalls",
            "is required but missing",
        ),
        (
            ModelQualityConstraints,
            {"regression_constraints": {"mae": {"threshold": 1.0, "comparison_operator": "Above"}}},
            "regression_constraints.mae.comparison_operator",
            "'LessThanThreshold', 'GreaterThanThreshold', 'LessThanOrEqualToThreshold' or "
            "'GreaterThanOrEqualToThreshold'; got \"Above\" instead",
        ),
        (
            ModelQualityConstraints,
            {"regression_constraints": [1]},
            "regression_constraints",
            "must be a JSON object; got a JSON array instead",
        ),
    ],
)
def test_errors_name_the_file_and_the_field_path(
    cls: Any, doc: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(DocumentError) as info:
        cls.from_dict(copy.deepcopy(doc), source="s3://b/mq/statistics.json")
    assert info.value.path == "s3://b/mq/statistics.json"
    assert info.value.field == field
    assert fragment in info.value.message
