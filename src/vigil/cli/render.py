"""Rich renderings of job results for the terminal (one screen each)."""

from __future__ import annotations

import math

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from vigil.jobs.baseline import BaselineResult
from vigil.jobs.data_quality import DataQualityResult
from vigil.jobs.model_quality import ModelQualityBaselineResult, ModelQualityResult

__all__ = [
    "baseline_summary",
    "model_quality_baseline_summary",
    "model_quality_summary",
    "monitoring_summary",
]

_STATUS_STYLE = {"Completed": "green", "CompletedWithViolations": "yellow", "Failed": "red"}


def _num(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:.4g}"


def baseline_summary(result: BaselineResult, *, max_rows: int = 40) -> Group:
    """A table of features (type, completeness, min/mean/max or distinct values) and totals."""
    stats = result.dataset_statistics
    table = Table(
        title=f"Baseline: {stats.item_count:,} rows, {len(stats.columns)} features",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name, justify in [
        ("feature", "left"),
        ("type", "left"),
        ("complete", "right"),
        ("min", "right"),
        ("mean", "right"),
        ("max", "right"),
        ("distinct", "right"),
    ]:
        if name == "feature":
            table.add_column(name, max_width=18, overflow="ellipsis", no_wrap=True)
        else:
            table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for col in stats.columns[:max_rows]:
        completeness = f"{col.completeness:.1%}" if col.num_present + col.num_missing else "–"
        if col.numeric is not None:
            row = [_num(col.numeric.min), _num(col.numeric.mean), _num(col.numeric.max), ""]
        else:
            row = ["", "", "", _num(col.distinct_count)]
        table.add_row(col.name, col.inferred_type.value, completeness, *row)
    lines: list[Table | Text] = [table]
    if len(stats.columns) > max_rows:
        lines.append(Text(f"… and {len(stats.columns) - max_rows} more features"))
    if result.malformed.count:
        lines.append(Text(f"{result.malformed.count} malformed rows skipped:", style="yellow"))
        for url, line, message in result.malformed.examples:
            where = url if line is None else f"{url}:{line}"
            lines.append(Text(f"  {where}: {message}"))
    footer = f"{result.partitions} partitions in {result.seconds:.2f} s"
    if result.statistics_url:
        footer += f"; wrote {result.statistics_url} and {result.constraints_url}"
    lines.append(Text(footer, style="dim"))
    return Group(*lines)


def monitoring_summary(result: DataQualityResult, *, max_rows: int = 25) -> Group:
    """Status, exit message, and a table of violations (feature, check, description)."""
    lines: list[Table | Text] = [
        Text.assemble(
            (f"{result.status.value}", f"bold {_STATUS_STYLE[result.status.value]}"),
            "  ",
            result.exit_message,
        )
    ]
    if result.failure_reason:
        lines.append(Text(f"reason ({result.failure_code}): {result.failure_reason}"))
    if result.violations is not None and result.violations.violations:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("feature", max_width=24, overflow="ellipsis", no_wrap=True)
        table.add_column("check", no_wrap=True)
        table.add_column("description", overflow="fold")
        for v in result.violations.violations[:max_rows]:
            table.add_row(
                v.feature_name or v.metric_name or "", v.constraint_check_type, v.description
            )
        lines.append(table)
        if len(result.violations.violations) > max_rows:
            lines.append(Text(f"… and {len(result.violations.violations) - max_rows} more"))
    if result.malformed.count:
        lines.append(Text(f"{result.malformed.count} malformed records skipped:", style="yellow"))
        for url, line, message in result.malformed.examples:
            lines.append(Text(f"  {url if line is None else f'{url}:{line}'}: {message}"))
    footer = f"{result.records:,} records, {result.rows:,} rows in {result.seconds:.2f} s"
    if result.output:
        footer += f"; reports in {result.output}"
    lines.append(Text(footer, style="dim"))
    return Group(*lines)


def _metric_num(x: float) -> str:
    return "NaN" if math.isnan(x) else f"{x:.4g}"


def model_quality_summary(result: ModelQualityResult, *, max_rows: int = 25) -> Group:
    """Status, ground-truth coverage, a table of metrics (value, std) and one of violations."""
    lines: list[Table | Text] = [
        Text.assemble(
            (result.status.value, f"bold {_STATUS_STYLE[result.status.value]}"),
            "  ",
            result.exit_message,
        )
    ]
    if result.failure_reason and result.failure_code:
        lines.append(Text(f"reason code: {result.failure_code}", style="dim"))
    c = result.coverage
    if c is not None:
        coverage = f"{c.coverage:.1%}" if c.predictions else "–"
        lines.append(
            Text(
                f"ground truth: {c.merged:,} of {c.predictions:,} predictions labelled "
                f"({coverage}); {c.labels:,} labels read, {c.duplicate_labels:,} duplicates "
                f"(latest kept), {c.labels_without_prediction:,} without a prediction in the "
                f"window; {result.invalid:,} unusable values"
            )
        )
    block = result.statistics.metrics if result.statistics is not None else None
    if block is not None:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="metrics")
        for name in ("metric", "value", "std"):
            table.add_column(name, justify="left" if name == "metric" else "right")
        for name, m in list(block.scalar_metrics().items())[:max_rows]:
            table.add_row(name, _metric_num(m.value), _metric_num(m.standard_deviation))
        lines.append(table)
    if result.violations is not None and result.violations.violations:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="violations")
        table.add_column("metric", no_wrap=True)
        table.add_column("check", no_wrap=True)
        table.add_column("description", overflow="fold")
        for v in result.violations.violations[:max_rows]:
            table.add_row(v.metric_name or "", v.constraint_check_type, v.description)
        lines.append(table)
    for what, report in (
        ("capture", result.malformed),
        ("ground-truth", result.ground_truth_malformed),
    ):
        if report.count:
            lines.append(Text(f"{report.count} malformed {what} records skipped:", style="yellow"))
            for url, line, message in report.examples:
                lines.append(Text(f"  {url if line is None else f'{url}:{line}'}: {message}"))
    footer = f"{result.rows:,} rows scored in {result.seconds:.2f} s"
    if result.output:
        footer += f"; reports in {result.output}"
    lines.append(Text(footer, style="dim"))
    return Group(*lines)


def model_quality_baseline_summary(result: ModelQualityBaselineResult) -> Group:
    """A table of the baseline's metrics (value, std) with the suggested thresholds."""
    block = result.statistics.metrics
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="baseline metrics")
    for name in ("metric", "value", "std", "threshold"):
        table.add_column(name, justify="left" if name == "metric" else "right")
    limits = result.constraints.constraints
    for name, m in (block.scalar_metrics() if block is not None else {}).items():
        c = limits.get(name)
        threshold = ""
        if c is not None:
            sign = "<" if c.comparison_operator.startswith("Less") else ">"
            threshold = f"{sign} {_metric_num(c.threshold)}"
        table.add_row(name, _metric_num(m.value), _metric_num(m.standard_deviation), threshold)
    lines: list[Table | Text] = [table]
    if result.invalid:
        lines.append(
            Text(f"{result.invalid:,} rows left out (unusable label or prediction)", "yellow")
        )
    footer = f"{result.rows:,} rows in {result.seconds:.2f} s"
    if result.statistics_url:
        footer += f"; wrote {result.statistics_url} and {result.constraints_url}"
    lines.append(Text(footer, style="dim"))
    return Group(*lines)
