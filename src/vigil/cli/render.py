"""Rich renderings of job results for the terminal (one screen each)."""

from __future__ import annotations

import math

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from vigil.jobs.baseline import BaselineResult
from vigil.jobs.data_quality import DataQualityResult

__all__ = ["baseline_summary", "monitoring_summary"]


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
    style = {"Completed": "green", "CompletedWithViolations": "yellow", "Failed": "red"}
    lines: list[Table | Text] = [
        Text.assemble(
            (f"{result.status.value}", f"bold {style[result.status.value]}"),
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
