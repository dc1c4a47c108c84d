"""``vigil monitor …``: run a monitoring job once, or re-evaluate old statistics.

Exit codes beyond the common ones (0 ok, 1 internal, 2 bad input): 3 = the execution completed
with violations, 4 = it failed on its data (no records in the window, too many malformed).
"""

from __future__ import annotations

from enum import Enum

import typer
from rich.console import Console

from vigil.cli.options import DatasetFormatOption, parse_time
from vigil.cli.render import monitoring_summary
from vigil.errors import InvalidParameterError
from vigil.jobs.capture_input import CaptureInput
from vigil.jobs.data_quality import (
    DataQualityResult,
    ExecutionStatus,
    evaluate_data_quality,
    run_data_quality,
    schedule_output_prefix,
)
from vigil.storage.tabular import TabularSource

__all__ = ["EXIT_FAILED", "EXIT_VIOLATIONS", "app"]

EXIT_VIOLATIONS = 3
EXIT_FAILED = 4

app = typer.Typer(help="Monitoring jobs: compare traffic with a baseline.", no_args_is_help=True)


class _Type(str, Enum):
    data_quality = "data-quality"


class _Position(str, Enum):
    start = "start"
    end = "end"
    none = "none"


def _exit(result: DataQualityResult) -> None:
    if result.status is ExecutionStatus.COMPLETED_WITH_VIOLATIONS:
        raise typer.Exit(EXIT_VIOLATIONS)
    if result.status is ExecutionStatus.FAILED:
        raise typer.Exit(EXIT_FAILED)


@app.command("run")
def run(
    baseline_statistics: str = typer.Option(
        ..., "--baseline-statistics", help="statistics.json URL."
    ),
    baseline_constraints: str = typer.Option(
        ..., "--baseline-constraints", help="constraints.json URL."
    ),
    input: str = typer.Option(..., "--input", help="Capture root (with --endpoint) or a dataset."),
    output: str = typer.Option(..., "--output", help="Directory or URL for the reports."),
    type: _Type = typer.Option(_Type.data_quality, "--type", help="Monitor type."),
    endpoint: str | None = typer.Option(None, "--endpoint", help="Endpoint: read capture."),
    variant: str = typer.Option("AllTraffic", "--variant", help="Production variant."),
    start: str | None = typer.Option(None, "--start", help="Window start (ISO-8601, UTC)."),
    end: str | None = typer.Option(None, "--end", help="Window end, exclusive."),
    dataset_format: DatasetFormatOption | None = typer.Option(
        None, "--dataset-format", help="For a dataset."
    ),
    header: bool = typer.Option(True, "--header/--no-header", help="CSV dataset header."),
    output_columns_position: _Position = typer.Option(
        _Position.start,
        "--output-columns-position",
        help="Where outputs sit among baseline columns.",
    ),
    features_attribute: str | None = typer.Option(
        None, "--features-attribute", help="JSONPath of features."
    ),
    inference_attribute: str | None = typer.Option(
        None, "--inference-attribute", help="JSONPath or index of the output."
    ),
    record_preprocessor_script: str | None = typer.Option(None, "--record-preprocessor-script"),
    post_analytics_processor_script: str | None = typer.Option(
        None, "--post-analytics-processor-script"
    ),
    drift_method: str | None = typer.Option(
        None, "--drift-method", help="Numeric distance (psi, ks, …)."
    ),
    categorical_drift_method: str | None = typer.Option(None, "--categorical-drift-method"),
    max_malformed_fraction: float = typer.Option(0.1, "--max-malformed-fraction", min=0.0, max=1.0),
    schedule: str | None = typer.Option(
        None, "--schedule", help="Schedule name (metric dimension)."
    ),
    workers: int = typer.Option(1, "--workers", min=1),
) -> None:
    """Analyse a window of captured traffic (or a dataset) against a baseline."""
    from vigil.formats.statistics import Statistics
    from vigil.storage.objectstore import read_bytes

    if endpoint is not None:
        t0, t1 = parse_time(start, "--start"), parse_time(end, "--end")
        if t0 is None or t1 is None:
            raise InvalidParameterError(
                "--start and --end are required with --endpoint", field="--start"
            )
        names = tuple(
            f.name for f in Statistics.from_json(read_bytes(baseline_statistics)).features
        )
        source: CaptureInput | TabularSource = CaptureInput(
            root=input,
            endpoint=endpoint,
            variant=variant,
            start=t0,
            end=t1,
            column_names=names,
            output_columns_position=output_columns_position.value,
            features_attribute=features_attribute,
            inference_attribute=inference_attribute,
            record_preprocessor=record_preprocessor_script,
        )
    else:
        from vigil.jobs.baseline import infer_dataset_format

        fmt = dataset_format.value if dataset_format is not None else infer_dataset_format(input)
        source = TabularSource((input,), fmt, header=header)
    if schedule is not None and endpoint is not None and isinstance(source, CaptureInput):
        # a scheduled execution writes under {output}/{endpoint}/{schedule}/yyyy/mm/dd/hh (spec §7.4)
        output = schedule_output_prefix(output, endpoint, schedule, source.end)
    result = run_data_quality(
        baseline_statistics=baseline_statistics,
        baseline_constraints=baseline_constraints,
        input=source,
        output=output,
        endpoint=endpoint,
        schedule=schedule,
        workers=workers,
        max_malformed_fraction=max_malformed_fraction,
        numeric_method=drift_method,
        categorical_method=categorical_drift_method,
        post_analytics_processor=post_analytics_processor_script,
    )
    Console().print(monitoring_summary(result))
    _exit(result)


@app.command("evaluate")
def evaluate(
    statistics: str = typer.Option(..., "--statistics", help="Current window's statistics.json."),
    baseline_statistics: str = typer.Option(..., "--baseline-statistics"),
    constraints: str = typer.Option(
        ..., "--constraints", help="constraints.json to check against."
    ),
    output: str | None = typer.Option(
        None, "--output", help="Where to write constraint_violations.json."
    ),
    drift_method: str | None = typer.Option(None, "--drift-method"),
    categorical_drift_method: str | None = typer.Option(None, "--categorical-drift-method"),
) -> None:
    """Recompute violations from statistics files alone (new thresholds, old windows)."""
    result = evaluate_data_quality(
        statistics=statistics,
        baseline_statistics=baseline_statistics,
        baseline_constraints=constraints,
        output=output,
        numeric_method=drift_method,
        categorical_method=categorical_drift_method,
    )
    Console().print(monitoring_summary(result))
    _exit(result)
