"""``vigil model-quality …``: baseline, monitor and re-evaluate a model's quality against labels.

Exit codes beyond the common ones (0 ok, 1 internal, 2 bad input): 3 = completed with
violations, 4 = failed on its data (no predictions in the window, no ground truth merged, too
many malformed records), 5 = not enough ground truth yet (fewer labels than ``--min-labels`` or
a coverage below ``--min-coverage``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from enum import Enum

import typer
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from vigil.cli.options import DatasetFormatOption, parse_time
from vigil.errors import InvalidParameterError
from vigil.jobs.capture_input import CaptureInput
from vigil.jobs.data_quality import ExecutionStatus, schedule_output_prefix
from vigil.jobs.model_quality import (
    DEFAULT_MIN_LABELS,
    INSUFFICIENT,
    ModelQualityBaselineResult,
    ModelQualityResult,
    evaluate_model_quality,
    parse_offset,
    run_model_quality,
    suggest_model_quality_baseline,
)

__all__ = ["EXIT_FAILED", "EXIT_INSUFFICIENT_GROUND_TRUTH", "EXIT_VIOLATIONS", "app"]

EXIT_VIOLATIONS = 3
EXIT_FAILED = 4
EXIT_INSUFFICIENT_GROUND_TRUTH = 5

app = typer.Typer(
    help="Model quality: metrics from delayed ground truth joined to captured predictions.",
    no_args_is_help=True,
)


class _Problem(str, Enum):
    binary = "BinaryClassification"
    multiclass = "MulticlassClassification"
    regression = "Regression"


def _num(x: float) -> str:
    return "NaN" if math.isnan(x) else f"{x:.4g}"


def _summary(result: ModelQualityResult, *, max_rows: int = 25) -> Group:
    style = {"Completed": "green", "CompletedWithViolations": "yellow", "Failed": "red"}
    lines: list[Table | Text] = [
        Text.assemble(
            (result.status.value, f"bold {style[result.status.value]}"), "  ", result.exit_message
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
            table.add_row(name, _num(m.value), _num(m.standard_deviation))
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


def _exit(result: ModelQualityResult) -> None:
    if result.status is ExecutionStatus.COMPLETED_WITH_VIOLATIONS:
        raise typer.Exit(EXIT_VIOLATIONS)
    if result.status is ExecutionStatus.FAILED:
        code = (
            EXIT_INSUFFICIENT_GROUND_TRUTH if result.failure_code == INSUFFICIENT else EXIT_FAILED
        )
        raise typer.Exit(code)


def _baseline_summary(result: ModelQualityBaselineResult) -> Group:
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
            threshold = f"{sign} {_num(c.threshold)}"
        table.add_row(name, _num(m.value), _num(m.standard_deviation), threshold)
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


@app.command("baseline")
def baseline(
    dataset: list[str] = typer.Option(..., "--dataset", help="File, directory, glob or URL."),
    output: str = typer.Option(..., "--output", help="Directory or URL for the two JSON files."),
    problem_type: _Problem = typer.Option(..., "--problem-type"),
    ground_truth_attribute: str = typer.Option(..., "--ground-truth-attribute"),
    inference_attribute: str | None = typer.Option(None, "--inference-attribute"),
    probability_attribute: str | None = typer.Option(None, "--probability-attribute"),
    probability_threshold: float = typer.Option(0.5, "--probability-threshold", min=0, max=1),
    dataset_format: DatasetFormatOption | None = typer.Option(None, "--dataset-format"),
    header: bool = typer.Option(True, "--header/--no-header"),
    slack: float = typer.Option(
        0.1, "--slack", min=0, help="Margin of suggested thresholds; 0 = SageMaker's."
    ),
    sagemaker_r2: bool = typer.Option(False, "--sagemaker-r2", help="r2 as SageMaker computes it."),
    quiet: bool = typer.Option(False, "--quiet"),
) -> None:
    """Compute a model's metrics on labelled data; write statistics.json and constraints.json."""
    result = suggest_model_quality_baseline(
        dataset,
        problem_type=problem_type.value,
        ground_truth_attribute=ground_truth_attribute,
        inference_attribute=inference_attribute,
        probability_attribute=probability_attribute,
        probability_threshold=probability_threshold,
        output=output,
        slack=slack,
        dataset_format=None if dataset_format is None else dataset_format.value,
        header=header,
        sagemaker_r2=sagemaker_r2,
    )
    if not quiet:
        Console().print(_baseline_summary(result))


@app.command("run")
def run(
    input: str = typer.Option(..., "--input", help="Capture root (DestinationS3Uri)."),
    endpoint: str = typer.Option(..., "--endpoint"),
    ground_truth: str = typer.Option(..., "--ground-truth", help="Ground-truth root."),
    problem_type: _Problem = typer.Option(..., "--problem-type"),
    output: str = typer.Option(..., "--output", help="Directory or URL for the reports."),
    constraints: str | None = typer.Option(None, "--constraints", help="constraints.json URL."),
    variant: str = typer.Option("AllTraffic", "--variant"),
    start: str | None = typer.Option(None, "--start", help="Window start (ISO-8601)."),
    end: str | None = typer.Option(None, "--end", help="Window end, exclusive."),
    scheduled_time: str | None = typer.Option(
        None, "--scheduled-time", help="Time the offsets count from (default: this hour)."
    ),
    start_time_offset: str | None = typer.Option(None, "--start-time-offset", help="e.g. -P8D"),
    end_time_offset: str | None = typer.Option(None, "--end-time-offset", help="e.g. -P1D"),
    inference_attribute: str | None = typer.Option(
        None, "--inference-attribute", help="Column index or JSONPath of the predicted label."
    ),
    probability_attribute: str | None = typer.Option(None, "--probability-attribute"),
    probability_threshold: float = typer.Option(0.5, "--probability-threshold", min=0, max=1),
    schedule: str | None = typer.Option(None, "--schedule", help="Schedule name."),
    min_labels: int = typer.Option(DEFAULT_MIN_LABELS, "--min-labels", min=1),
    min_coverage: float = typer.Option(0.0, "--min-coverage", min=0, max=1),
    max_label_delay: str | None = typer.Option(
        None, "--max-label-delay", help="Read labels collected up to this after the window (P30D)."
    ),
    max_malformed_fraction: float = typer.Option(0.1, "--max-malformed-fraction", min=0, max=1),
    now: str | None = typer.Option(None, "--now", help="Execution time (default: the clock)."),
    workers: int = typer.Option(1, "--workers", min=1),
) -> None:
    """Merge a capture window with its ground truth, score it, and check the constraints."""
    executed = parse_time(now, "--now") or datetime.now(UTC)
    t0, t1 = parse_time(start, "--start"), parse_time(end, "--end")
    if start_time_offset is not None or end_time_offset is not None:
        if t0 is not None or t1 is not None:
            raise InvalidParameterError(
                "give either --start/--end or --start-time-offset/--end-time-offset, not both",
                field="--start",
            )
        scheduled = parse_time(scheduled_time, "--scheduled-time") or executed.replace(
            minute=0, second=0, microsecond=0
        )
        t0 = t1 = scheduled
    elif t0 is None or t1 is None:
        raise InvalidParameterError(
            "the window needs --start and --end, or --start-time-offset and --end-time-offset",
            field="--start",
        )
    capture = CaptureInput(
        root=input,
        endpoint=endpoint,
        variant=variant,
        start=t0,
        end=t1,
        inference_attribute=inference_attribute,
    )
    if schedule is not None:
        output = schedule_output_prefix(output, endpoint, schedule, t1)
    result = run_model_quality(
        problem_type=problem_type.value,
        capture=capture,
        ground_truth=ground_truth,
        constraints=constraints,
        probability_attribute=probability_attribute,
        probability_threshold=probability_threshold,
        start_time_offset=start_time_offset,
        end_time_offset=end_time_offset,
        output=output,
        schedule=schedule,
        min_labels=min_labels,
        min_coverage=min_coverage,
        max_label_delay=parse_offset(max_label_delay) if max_label_delay else None,
        max_malformed_fraction=max_malformed_fraction,
        workers=workers,
        now=lambda: executed,
    )
    Console().print(_summary(result))
    _exit(result)


@app.command("evaluate")
def evaluate(
    statistics: str = typer.Option(..., "--statistics", help="A model-quality statistics.json."),
    constraints: str = typer.Option(..., "--constraints", help="constraints.json to check."),
    output: str | None = typer.Option(
        None, "--output", help="Where to write constraint_violations.json."
    ),
) -> None:
    """Re-check an existing statistics.json (Vigil's or SageMaker's) without the raw data."""
    result = evaluate_model_quality(statistics=statistics, constraints=constraints, output=output)
    Console().print(_summary(result))
    _exit(result)
