"""``vigil monitor …``: run a monitoring job once, or re-evaluate old statistics.

``--type data-quality`` (the default) compares traffic with a data-quality baseline;
``--type model-quality`` merges predictions with ground truth and checks the model's metrics,
with the same code as ``vigil model-quality run|evaluate``
(:func:`~vigil.cli.model_quality.run_and_report`,
:func:`~vigil.cli.model_quality.evaluate_and_report`).

Exit codes beyond the common ones (0 ok, 1 internal, 2 bad input): 3 = the execution completed
with violations, 4 = it failed on its data (no records in the window, too many malformed),
5 = (model quality) not enough ground truth yet.
"""

from __future__ import annotations

from enum import Enum

import typer
from rich.console import Console

from vigil.cli import model_quality
from vigil.cli.model_quality import HELP
from vigil.cli.options import (
    DATA_QUALITY_PANEL,
    EXIT_FAILED,
    EXIT_INSUFFICIENT_GROUND_TRUTH,
    EXIT_VIOLATIONS,
    MODEL_QUALITY_PANEL,
    TYPE_PANELS_HELP,
    DatasetFormatOption,
    MonitorTypeOption,
    ProblemTypeOption,
    check_type_options,
    exit_on_status,
    parse_time,
    require,
)
from vigil.cli.render import monitoring_summary
from vigil.errors import InvalidParameterError
from vigil.jobs.capture_input import CaptureInput
from vigil.jobs.data_quality import (
    DataQualityResult,
    evaluate_data_quality,
    run_data_quality,
    schedule_output_prefix,
)
from vigil.jobs.model_quality import DEFAULT_MIN_LABELS
from vigil.storage.tabular import TabularSource

__all__ = ["EXIT_FAILED", "EXIT_INSUFFICIENT_GROUND_TRUTH", "EXIT_VIOLATIONS", "app"]

app = typer.Typer(help="Monitoring jobs: compare traffic with a baseline.", no_args_is_help=True)

_DQ, _MQ = DATA_QUALITY_PANEL, MODEL_QUALITY_PANEL
_DQ_MODE = MonitorTypeOption.data_quality
_MQ_MODE = MonitorTypeOption.model_quality

_RUN_REQUIRED = {
    _DQ_MODE: ("baseline_statistics", "baseline_constraints"),
    _MQ_MODE: ("endpoint", "ground_truth", "problem_type"),
}
_RUN_HELP = (
    "Analyse a window of captured traffic (or, for data quality, a dataset) against a "
    "baseline.\n\n"
    "--type data-quality (the default): profile the window and check it against "
    "--baseline-statistics and --baseline-constraints; without --endpoint, --input is a dataset "
    "(batch monitoring). --type model-quality: merge the window's predictions (--endpoint is "
    "required) with the labels under --ground-truth, compute the --problem-type metrics and "
    "check them against --baseline-constraints (optional: without it nothing is violated); the "
    "window is --start/--end or --start-time-offset/--end-time-offset.\n\n"
    "Exit codes: 0 completed, 3 violations, 4 failed on its data, 5 (model quality) not enough "
    f"ground truth yet, 2 bad input.\n\n{TYPE_PANELS_HELP}"
)
_EVALUATE_HELP = (
    "Recompute violations from statistics files alone (new thresholds, old windows).\n\n"
    "--type data-quality (the default) needs --baseline-statistics (drift is measured against "
    "it); --type model-quality checks a model-quality statistics.json, Vigil's or SageMaker's.\n\n"
    "Exit codes: 0 no violations, 3 violations, 2 bad input.\n\n"
    f"Options in the panel '{DATA_QUALITY_PANEL}' are refused with --type model-quality (exit "
    "code 2); the others apply to both."
)


class _Position(str, Enum):
    start = "start"
    end = "end"
    none = "none"


def _exit(result: DataQualityResult) -> None:
    exit_on_status(result.status)


@app.command("run", help=_RUN_HELP)
def run(
    ctx: typer.Context,
    input: str = typer.Option(..., "--input", help="Capture root (with --endpoint) or a dataset."),
    output: str = typer.Option(..., "--output", help="Directory or URL for the reports."),
    type: MonitorTypeOption = typer.Option(
        _DQ_MODE, "--type", help="data-quality or model-quality."
    ),
    baseline_constraints: str | None = typer.Option(
        None,
        "--baseline-constraints",
        help="constraints.json URL. Required with data-quality, optional with model-quality.",
    ),
    endpoint: str | None = typer.Option(
        None, "--endpoint", help="Endpoint: read its capture. Required with model-quality."
    ),
    variant: str = typer.Option("AllTraffic", "--variant", help="Production variant."),
    start: str | None = typer.Option(None, "--start", help="Window start (ISO-8601, UTC)."),
    end: str | None = typer.Option(None, "--end", help="Window end, exclusive."),
    inference_attribute: str | None = typer.Option(
        None,
        "--inference-attribute",
        help="JSONPath or index of the output (model quality: the predicted label).",
    ),
    max_malformed_fraction: float = typer.Option(0.1, "--max-malformed-fraction", min=0.0, max=1.0),
    schedule: str | None = typer.Option(
        None, "--schedule", help="Schedule name (metric dimension)."
    ),
    workers: int = typer.Option(1, "--workers", min=1),
    baseline_statistics: str | None = typer.Option(
        None, "--baseline-statistics", help="Required. statistics.json URL.", rich_help_panel=_DQ
    ),
    dataset_format: DatasetFormatOption | None = typer.Option(
        None, "--dataset-format", help="For a dataset.", rich_help_panel=_DQ
    ),
    header: bool = typer.Option(
        True, "--header/--no-header", help="CSV dataset header.", rich_help_panel=_DQ
    ),
    output_columns_position: _Position = typer.Option(
        _Position.start,
        "--output-columns-position",
        help="Where outputs sit among baseline columns.",
        rich_help_panel=_DQ,
    ),
    features_attribute: str | None = typer.Option(
        None, "--features-attribute", help="JSONPath of features.", rich_help_panel=_DQ
    ),
    record_preprocessor_script: str | None = typer.Option(
        None, "--record-preprocessor-script", rich_help_panel=_DQ
    ),
    post_analytics_processor_script: str | None = typer.Option(
        None, "--post-analytics-processor-script", rich_help_panel=_DQ
    ),
    drift_method: str | None = typer.Option(
        None, "--drift-method", help="Numeric distance (psi, ks, …).", rich_help_panel=_DQ
    ),
    categorical_drift_method: str | None = typer.Option(
        None, "--categorical-drift-method", rich_help_panel=_DQ
    ),
    ground_truth: str | None = typer.Option(
        None, "--ground-truth", help=f"Required. {HELP['--ground-truth']}", rich_help_panel=_MQ
    ),
    problem_type: ProblemTypeOption | None = typer.Option(
        None, "--problem-type", help="Required. SageMaker's problem type.", rich_help_panel=_MQ
    ),
    scheduled_time: str | None = typer.Option(
        None, "--scheduled-time", help=HELP["--scheduled-time"], rich_help_panel=_MQ
    ),
    start_time_offset: str | None = typer.Option(
        None, "--start-time-offset", help=HELP["--start-time-offset"], rich_help_panel=_MQ
    ),
    end_time_offset: str | None = typer.Option(
        None, "--end-time-offset", help=HELP["--end-time-offset"], rich_help_panel=_MQ
    ),
    probability_attribute: str | None = typer.Option(
        None, "--probability-attribute", help=HELP["--probability-attribute"], rich_help_panel=_MQ
    ),
    probability_threshold: float = typer.Option(
        0.5,
        "--probability-threshold",
        min=0,
        max=1,
        help=HELP["--probability-threshold"],
        rich_help_panel=_MQ,
    ),
    min_labels: int = typer.Option(
        DEFAULT_MIN_LABELS,
        "--min-labels",
        min=1,
        help=HELP["--min-labels"],
        rich_help_panel=_MQ,
    ),
    min_coverage: float = typer.Option(
        0.0, "--min-coverage", min=0, max=1, help=HELP["--min-coverage"], rich_help_panel=_MQ
    ),
    max_label_delay: str | None = typer.Option(
        None, "--max-label-delay", help=HELP["--max-label-delay"], rich_help_panel=_MQ
    ),
    now: str | None = typer.Option(None, "--now", help=HELP["--now"], rich_help_panel=_MQ),
) -> None:
    """Run one data-quality or model-quality execution (the help is ``_RUN_HELP``)."""
    check_type_options(ctx, type, required=_RUN_REQUIRED)
    if type is _MQ_MODE:
        model_quality.run_and_report(
            input=input,
            endpoint=require(endpoint, "--endpoint", type),
            ground_truth=require(ground_truth, "--ground-truth", type),
            problem_type=require(problem_type, "--problem-type", type).value,
            output=output,
            constraints=baseline_constraints,
            variant=variant,
            start=start,
            end=end,
            scheduled_time=scheduled_time,
            start_time_offset=start_time_offset,
            end_time_offset=end_time_offset,
            inference_attribute=inference_attribute,
            probability_attribute=probability_attribute,
            probability_threshold=probability_threshold,
            schedule=schedule,
            min_labels=min_labels,
            min_coverage=min_coverage,
            max_label_delay=max_label_delay,
            max_malformed_fraction=max_malformed_fraction,
            now=now,
            workers=workers,
        )
        return
    baseline_statistics = require(baseline_statistics, "--baseline-statistics", type)
    baseline_constraints = require(baseline_constraints, "--baseline-constraints", type)
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


@app.command("evaluate", help=_EVALUATE_HELP)
def evaluate(
    ctx: typer.Context,
    statistics: str = typer.Option(..., "--statistics", help="Current window's statistics.json."),
    constraints: str = typer.Option(
        ..., "--constraints", help="constraints.json to check against."
    ),
    output: str | None = typer.Option(
        None, "--output", help="Where to write constraint_violations.json."
    ),
    type: MonitorTypeOption = typer.Option(
        _DQ_MODE, "--type", help="data-quality or model-quality."
    ),
    baseline_statistics: str | None = typer.Option(
        None,
        "--baseline-statistics",
        help="Required. The baseline's statistics.json.",
        rich_help_panel=_DQ,
    ),
    drift_method: str | None = typer.Option(None, "--drift-method", rich_help_panel=_DQ),
    categorical_drift_method: str | None = typer.Option(
        None, "--categorical-drift-method", rich_help_panel=_DQ
    ),
) -> None:
    """Re-check statistics of either monitor type (the help is ``_EVALUATE_HELP``)."""
    check_type_options(ctx, type, required={_DQ_MODE: ("baseline_statistics",)})
    if type is _MQ_MODE:
        model_quality.evaluate_and_report(
            statistics=statistics, constraints=constraints, output=output
        )
        return
    result = evaluate_data_quality(
        statistics=statistics,
        baseline_statistics=require(baseline_statistics, "--baseline-statistics", type),
        baseline_constraints=constraints,
        output=output,
        numeric_method=drift_method,
        categorical_method=categorical_drift_method,
    )
    Console().print(monitoring_summary(result))
    _exit(result)
