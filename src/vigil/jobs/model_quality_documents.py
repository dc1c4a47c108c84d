"""Model-quality documents: statistics.json, constraints.json, violations, metrics, coverage.

The SageMaker shapes of spec sagemaker-model-monitor.md §6.2-6.4 and §5.2, written from
:mod:`vigil.core.model_quality` reports, and the checks shared by the model-quality baseline
(:mod:`vigil.jobs.model_quality_baseline`) and monitor (:mod:`vigil.jobs.model_quality`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson

from vigil.core.model_quality import (
    BinaryClassificationReport,
    ConstraintCheck,
    MetricConstraint,
    MetricEstimate,
    ModelQualityReport,
    MulticlassClassificationReport,
    ProblemType,
    check_constraints,
    problem_type_of,
)
from vigil.errors import InvalidParameterError
from vigil.formats.model_quality import ModelQualityConstraints, ModelQualityStatistics
from vigil.formats.violations import ConstraintViolations, Violation
from vigil.jobs.execution import z
from vigil.jobs.ground_truth import MergedWindow
from vigil.jobs.metrics import MetricDatum
from vigil.storage.objectstore import join, write_bytes

__all__ = [
    "COVERAGE_FILE",
    "DEFAULT_MAX_CURVE_POINTS",
    "INSUFFICIENT",
    "NO_GROUND_TRUTH",
    "check_problem_type",
    "check_statistics",
    "check_threshold",
    "constraints_document",
    "coverage_json",
    "metric_data",
    "needs_inference",
    "rng_of",
    "statistics_document",
    "write_files",
]

NO_GROUND_TRUTH = "NoGroundTruthMerged"
"""Failure code: the window had predictions but no label could be merged."""

INSUFFICIENT = "InsufficientGroundTruth"
"""Failure code: fewer labels, or a smaller coverage, than the configured minimums."""

COVERAGE_FILE = "ground_truth_coverage.json"
"""Vigil's report of how the ground truth covered the window (not a SageMaker file)."""


DEFAULT_MAX_CURVE_POINTS = 1000
"""Points kept per ROC/PR curve in statistics.json (1M distinct scores would be 80 MB of JSON)."""

_BLOCK = {
    "BinaryClassification": "binary_classification",
    "MulticlassClassification": "multiclass_classification",
    "Regression": "regression",
}

# --------------------------------------------------------------------------------------------
# From raw values to a report, and a report to documents
# --------------------------------------------------------------------------------------------


def check_problem_type(problem_type: str, fn: str) -> None:
    if problem_type not in _BLOCK:
        raise InvalidParameterError(
            f"problem_type of {fn} must be one of {tuple(_BLOCK)}. Got {problem_type!r} instead.",
            field="problem_type",
        )


def needs_inference(problem_type: ProblemType, probability_attribute: str | None) -> bool:
    return problem_type != "BinaryClassification" or probability_attribute is None


def _metric(m: MetricEstimate) -> dict[str, float]:
    return {"value": m.value, "standard_deviation": m.standard_deviation}


def _timestamp(t: datetime) -> str:
    t = t.astimezone(UTC)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"


def statistics_document(
    report: ModelQualityReport, *, evaluation_time: datetime
) -> ModelQualityStatistics:
    """The ``statistics.json`` of a report, in SageMaker's shape and key order (spec §6.2)."""
    block: dict[str, Any] = {}
    if isinstance(report, (BinaryClassificationReport, MulticlassClassificationReport)):
        block["confusion_matrix"] = {k: dict(v) for k, v in report.confusion_matrix.items()}
    for name, value in report.metrics.items():
        if isinstance(report, BinaryClassificationReport) and name == "auc":
            block["receiver_operating_characteristic_curve"] = {
                "false_positive_rates": list(report.roc_curve.x),
                "true_positive_rates": list(report.roc_curve.y),
            }
            block["precision_recall_curve"] = {
                "precisions": list(report.precision_recall_curve.y),
                "recalls": list(report.precision_recall_curve.x),
            }
        block[name] = _metric(value)
    return ModelQualityStatistics.model_validate(
        {
            "version": 0.0,
            "dataset": {
                "item_count": report.item_count,
                "evaluation_time": _timestamp(evaluation_time),
            },
            f"{_BLOCK[problem_type_of(report)]}_metrics": block,
        }
    )


def constraints_document(
    problem_type: ProblemType, constraints: Mapping[str, MetricConstraint]
) -> ModelQualityConstraints:
    return ModelQualityConstraints.model_validate(
        {
            "version": 0.0,
            f"{_BLOCK[problem_type]}_constraints": {
                name: {"threshold": c.threshold, "comparison_operator": c.comparison_operator}
                for name, c in constraints.items()
            },
        }
    )


def check_statistics(
    statistics: ModelQualityStatistics, constraints: ModelQualityConstraints, fn: str
) -> tuple[ConstraintCheck, ConstraintViolations]:
    metrics_block = statistics.metrics
    if (
        statistics.problem_type is not None
        and constraints.problem_type is not None
        and statistics.problem_type != constraints.problem_type
    ):
        raise InvalidParameterError(
            f"the constraints of {fn} must be for the statistics' problem type "
            f"({statistics.problem_type}). Got {constraints.problem_type} constraints instead.",
            field="constraints",
        )
    metrics = {
        name: MetricEstimate(m.value, m.standard_deviation)
        for name, m in (metrics_block.scalar_metrics().items() if metrics_block else ())
    }
    limits = {
        name: MetricConstraint(c.threshold, c.comparison_operator)
        for name, c in constraints.constraints.items()
    }
    check = check_constraints(metrics, limits)
    violations = ConstraintViolations(  # built, not read: written in the analyzer's key order
        violations=[
            Violation(
                metric_name=v.metric_name,
                constraint_check_type=v.constraint_check_type,
                description=v.description,
            )
            for v in check.violations
        ]
    )
    return check, violations


def write_files(
    output: str, files: Mapping[str, str], storage_options: Mapping[str, Any] | None
) -> None:
    for name, text in files.items():
        write_bytes(join(output, name), text.encode(), storage_options=storage_options)


def rng_of(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def check_threshold(value: float, fn: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InvalidParameterError(
            f"probability_threshold of {fn} must be a number in [0, 1]. Got {value!r} instead.",
            field="probability_threshold",
        )


def coverage_json(
    merged: MergedWindow, window: tuple[datetime, datetime], invalid: int, rows: int
) -> str:
    c = merged.coverage
    hours = merged.ground_truth_hours
    doc = {
        "window": {"start": z(window[0]), "end": z(window[1])},
        "capture": merged.capture_url,
        "ground_truth": merged.ground_truth_url,
        "ground_truth_hours": {"first": z(hours[0]), "last": z(hours[-1])} if hours else None,
        "ground_truth_files": merged.ground_truth_files,
        "predictions": c.predictions,
        "labels": c.labels,
        "merged": c.merged,
        "coverage": c.coverage if c.predictions else None,
        "duplicate_labels": c.duplicate_labels,
        "labels_without_prediction": c.labels_without_prediction,
        "duplicate_prediction_keys": c.duplicate_prediction_keys,
        "invalid_values": invalid,
        "rows_scored": rows,
        "malformed_capture_records": merged.capture_malformed.count,
        "malformed_ground_truth_records": merged.ground_truth_malformed.count,
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"


def metric_data(
    statistics: ModelQualityStatistics,
    *,
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
) -> list[MetricDatum]:
    dims: list[tuple[str, str]] = []
    if endpoint:
        dims.append(("Endpoint", endpoint))
    if schedule:
        dims.append(("MonitoringSchedule", schedule))
    block = statistics.metrics
    scalars = block.scalar_metrics() if block is not None else {}
    return [
        MetricDatum(name, timestamp, tuple(dims), m.value)
        for name, m in scalars.items()
        if math.isfinite(m.value)
    ]
