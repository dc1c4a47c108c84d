"""Suggested thresholds with slack, and the constraint check with SageMaker's description."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from tests.datasets import SDK

from vigil.core.model_quality import (
    MetricConstraint,
    MetricEstimate,
    check_constraints,
    suggest_constraints,
)
from vigil.errors import InvalidParameterError
from vigil.formats import ModelQualityConstraints, ModelQualityStatistics


def test_slack_zero_gives_sagemakers_real_thresholds(conformance_dir: Path) -> None:
    stats = ModelQualityStatistics.from_file(
        SDK / "tests__data__pipeline__quality_check_step__model_quality__statistics.json"
    )
    real = ModelQualityConstraints.from_file(
        SDK
        / "tests__data__pipeline__quality_check_step__model_quality__good_cases__constraints.json"
    )
    assert stats.regression_metrics is not None
    metrics = {
        k: MetricEstimate(v.value, v.standard_deviation)
        for k, v in stats.regression_metrics.scalar_metrics().items()
    }
    suggested = suggest_constraints("Regression", metrics, slack=0.0)
    assert {k: (c.threshold, c.comparison_operator) for k, c in suggested.items()} == {
        k: (c.threshold, c.comparison_operator) for k, c in real.constraints.items()
    }
    assert list(suggested) == list(real.constraints)


def test_default_slack_moves_thresholds_in_the_tolerant_direction() -> None:
    metrics = {
        "accuracy": MetricEstimate(0.9),
        "false_positive_rate": MetricEstimate(0.2),
        "auc": MetricEstimate(math.nan),
        "accuracy_best_constant_classifier": MetricEstimate(0.5),
    }
    suggested = suggest_constraints("BinaryClassification", metrics)
    assert suggested == {
        "accuracy": MetricConstraint(0.9 - 0.1, "LessThanThreshold"),
        "false_positive_rate": MetricConstraint(0.2 + 0.1, "GreaterThanThreshold"),
    }
    near_bounds = {"precision": MetricEstimate(0.05), "false_negative_rate": MetricEstimate(0.97)}
    clipped = suggest_constraints("BinaryClassification", near_bounds)
    assert clipped["precision"].threshold == 0.0
    assert clipped["false_negative_rate"].threshold == 1.0
    units = {"r2": MetricEstimate(-2.0), "mse": MetricEstimate(4.0), "mae": MetricEstimate(2.0)}
    regression = suggest_constraints("Regression", units, slack=0.5)
    assert regression["r2"].threshold == -2.5
    assert regression["mse"].threshold == 6.0
    assert regression["mae"].threshold == 3.0
    with pytest.raises(InvalidParameterError, match="slack"):
        suggest_constraints("Regression", {}, slack=-0.1)
    with pytest.raises(InvalidParameterError, match="problem_type"):
        suggest_constraints("Ranking", {})  # type: ignore[arg-type]


def test_check_reports_violations_with_sagemakers_description() -> None:
    metrics = {
        "f2": MetricEstimate(0.5, 0.01),
        "mae": MetricEstimate(3.0),
        "auc": MetricEstimate(math.nan),
        "f1": MetricEstimate(0.9),
    }
    constraints = {
        "f2": MetricConstraint(0.625, "LessThanThreshold"),
        "mae": MetricConstraint(2.5, "GreaterThanThreshold"),
        "auc": MetricConstraint(0.8, "LessThanThreshold"),
        "f1": MetricConstraint(0.9, "LessThanOrEqualToThreshold"),
        "gini": MetricConstraint(0.6, "LessThanThreshold"),
    }
    check = check_constraints(metrics, constraints)
    assert [(v.metric_name, v.constraint_check_type, v.description) for v in check.violations] == [
        ("f2", "LessThanThreshold", "Metric f2 with 0.5 was LessThanThreshold '0.625'"),
        ("mae", "GreaterThanThreshold", "Metric mae with 3.0 was GreaterThanThreshold '2.5'"),
        (
            "f1",
            "LessThanOrEqualToThreshold",
            "Metric f1 with 0.9 was LessThanOrEqualToThreshold '0.9'",
        ),
    ]
    assert check.unchecked == ("gini",)
    assert check.undefined == ("auc",)


def test_a_violation_reads_as_sagemakers_analyzer_writes_it() -> None:
    """Real SageMaker model-quality output (a regression monitor, issue 15): the value alone,
    the threshold quoted, the keys in alphabetical order."""
    from vigil.jobs.model_quality_documents import check_statistics

    statistics = ModelQualityStatistics.from_dict(
        {
            "version": 0.0,
            "dataset": {"item_count": 627},
            "regression_metrics": {
                "mae": {"value": 48.73608152071635, "standard_deviation": 1.2},
            },
        }
    )
    constraints = ModelQualityConstraints.from_dict(
        {
            "version": 0.0,
            "regression_constraints": {
                "mae": {
                    "threshold": 38.29501488095238,
                    "comparison_operator": "GreaterThanThreshold",
                }
            },
        }
    )
    _, violations = check_statistics(statistics, constraints, "test")
    [v] = violations.violations
    assert v.description == (
        "Metric mae with 48.73608152071635 was GreaterThanThreshold '38.29501488095238'"
    )
    text = violations.to_json()
    assert text.index('"constraint_check_type"') < text.index('"description"')
    assert text.index('"description"') < text.index('"metric_name"')
