"""Per-feature metrics of a data-quality execution, in SageMaker's CloudWatch metric-file shape.

Spec sagemaker-model-monitor.md §5.1 and §5.3: ``feature_baseline_drift_<f>`` (the drift
distance), ``feature_non_null_<f>`` (completeness, a fraction 0–1) and, for numeric features,
``feature_data_<f>`` as statistic values (SampleCount, Sum, Minimum, Maximum). Dimensions are
``Endpoint`` and ``MonitoringSchedule`` where known. One JSON object per line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from vigil.core.checks import CheckReport
from vigil.core.profile import DatasetStatistics

__all__ = ["MetricDatum", "data_quality_metrics", "metrics_jsonl"]


@dataclass(frozen=True)
class MetricDatum:
    """One metric data point.

    Attributes
    ----------
    name : str
    timestamp : datetime
        UTC.
    dimensions : tuple of (name, value)
    value : float or None
    statistic_values : dict or None
        ``{"SampleCount", "Sum", "Minimum", "Maximum"}`` instead of ``value``.
    unit : str
    """

    name: str
    timestamp: datetime
    dimensions: tuple[tuple[str, str], ...]
    value: float | None = None
    statistic_values: dict[str, float] | None = None
    unit: str = "None"

    def to_dict(self) -> dict[str, Any]:
        """The CloudWatch metric-file object (spec §5.3)."""
        out: dict[str, Any] = {
            "MetricName": self.name,
            "Timestamp": self.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
        }
        if self.statistic_values is not None:
            out["StatisticValues"] = self.statistic_values
        else:
            out["Value"] = self.value
        out["Unit"] = self.unit
        return out


def data_quality_metrics(
    current: DatasetStatistics,
    report: CheckReport,
    *,
    emit: Iterable[str],
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
) -> list[MetricDatum]:
    """The metrics of one execution for the features whose ``emit_metrics`` is enabled.

    Undefined values (a drift distance on an empty side) are left out rather than sent as NaN.
    """
    dims: list[tuple[str, str]] = []
    if endpoint:
        dims.append(("Endpoint", endpoint))
    if schedule:
        dims.append(("MonitoringSchedule", schedule))
    dimensions = tuple(dims)
    wanted = set(emit)
    checks = {c.name: c for c in report.features}
    out: list[MetricDatum] = []
    for col in current.columns:
        if col.name not in wanted:
            continue
        check = checks.get(col.name)
        if check is not None and check.drift is not None and not math.isnan(check.drift.value):
            out.append(
                MetricDatum(
                    f"feature_baseline_drift_{col.name}",
                    timestamp,
                    dimensions,
                    check.drift.value,
                )
            )
        if not math.isnan(col.completeness):
            out.append(
                MetricDatum(f"feature_non_null_{col.name}", timestamp, dimensions, col.completeness)
            )
        if col.numeric is not None and col.numeric.count:
            num = col.numeric
            out.append(
                MetricDatum(
                    f"feature_data_{col.name}",
                    timestamp,
                    dimensions,
                    statistic_values={
                        "SampleCount": float(num.count),
                        "Sum": num.sum,
                        "Minimum": num.min,
                        "Maximum": num.max,
                    },
                )
            )
    return out


def metrics_jsonl(metrics: Sequence[MetricDatum]) -> str:
    """Metrics as JSON Lines (one object per line, trailing newline)."""
    return "".join(orjson.dumps(m.to_dict()).decode() + "\n" for m in metrics)
