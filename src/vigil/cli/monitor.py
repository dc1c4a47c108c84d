"""``vigil monitor …``: run a monitoring job once, or re-evaluate old statistics.

``--type data-quality`` (the default) compares traffic with a data-quality baseline;
``--type model-quality`` merges predictions with ground truth and checks the model's metrics.
``run`` builds the job's typed spec from options generated from it
(:mod:`vigil.cli.job_options`) and runs it through the execution template, as a schedule does;
``evaluate`` re-checks statistics through the monitor type's plug-in.

Exit codes beyond the common ones (0 ok, 1 internal, 2 bad input): 3 = the execution completed
with violations, 4 = it failed on its data (no records in the window, too many malformed),
5 = (model quality) not enough ground truth yet.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console

from vigil.api.specs import DataQualityConfig
from vigil.cli.job_options import (
    JOB_OPTIONS,
    TYPE_SPELLINGS,
    TYPE_SPELLINGS_OUT,
    JobOption,
    build_spec,
    monitoring_type_of,
    with_job_options,
)
from vigil.cli.options import (
    DATA_QUALITY_PANEL,
    EXIT_FAILED,
    EXIT_INSUFFICIENT_GROUND_TRUTH,
    EXIT_VIOLATIONS,
    MODEL_QUALITY_PANEL,
    TYPE_PANELS_HELP,
    MonitorTypeOption,
    check_type_options,
    exit_on_status,
    parse_time,
    require,
)
from vigil.cli.render import model_quality_summary, monitoring_summary
from vigil.errors import InvalidParameterError
from vigil.jobs.execution import JobRun, resolve_window
from vigil.jobs.model_quality import INSUFFICIENT, ModelQualityResult
from vigil.jobs.monitors import evaluate_monitoring, run_monitoring_job
from vigil.jobs.outputs import execution_output_url

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


_CONTEXT_FLAGS = ("--input", "--start", "--end", "--scheduled-time", "--now", "--schedule")
"""Options of ``monitor run`` that say where and when the job runs, not what it does."""


@app.command("run", help=_RUN_HELP)
@with_job_options(JOB_OPTIONS)
def run(
    ctx: typer.Context,
    input: str | None = typer.Option(
        None,
        "--input",
        help="Capture root (with --endpoint) or a dataset (without): short for --capture-root "
        "or --dataset.",
    ),
    start: str | None = typer.Option(None, "--start", help="Window start (ISO-8601, UTC)."),
    end: str | None = typer.Option(None, "--end", help="Window end, exclusive."),
    scheduled_time: str | None = typer.Option(
        None, "--scheduled-time", help="Time the offsets count from (default: this hour)."
    ),
    now: str | None = typer.Option(
        None, "--now", help="Execution time: metrics' timestamp; labels collected up to it."
    ),
    schedule: str | None = typer.Option(
        None,
        "--schedule",
        help="Schedule name: a metric dimension, and the reports go under "
        "{output}/{endpoint}/{schedule}/yyyy/mm/dd/hh as a schedule's do.",
    ),
    **values: Any,
) -> None:
    """Run one execution of any monitor type (the help is ``_RUN_HELP``)."""
    monitoring_type = monitoring_type_of(values)
    mode = MonitorTypeOption(TYPE_SPELLINGS_OUT[monitoring_type])
    check_type_options(ctx, mode, required=_RUN_REQUIRED)
    run_job(
        values, input=input, start=start, end=end, scheduled_time=scheduled_time, now=now,
        schedule=schedule,
    )  # fmt: skip


def run_job(
    values: dict[str, Any],
    *,
    input: str | None,
    start: str | None,
    end: str | None,
    scheduled_time: str | None,
    now: str | None,
    schedule: str | None,
    options: tuple[JobOption, ...] = JOB_OPTIONS,
) -> None:
    """Build the job spec from option values, run it through the template, report, exit.

    Parameters
    ----------
    values : dict
        The :data:`~vigil.cli.job_options.JOB_OPTIONS` values by parameter name.
    input, start, end, scheduled_time, now, schedule : str or None
        The run's context flags (texts): ``--input`` is ``--capture-root`` with
        ``--endpoint``, else ``--dataset``.
    options : tuple of JobOption
        The table ``values`` come from (default: :data:`~vigil.cli.job_options.JOB_OPTIONS`).

    Raises
    ------
    InvalidParameterError
        Naming the flag, for an invalid spec, time or window.
    typer.Exit
        With the execution's exit code (see :func:`report_and_exit`).
    """
    if input is not None:
        key = "capture_root" if values.get("endpoint") is not None else "dataset"
        if values.get(key) is not None:
            raise InvalidParameterError(
                f"give --input or --{key.replace('_', '-')}, not both", field="--input"
            )
        values = {**values, key: input}
    spec = build_spec(values, options=options).typed()
    executed = parse_time(now, "--now") or datetime.now(UTC)
    t0, t1 = parse_time(start, "--start"), parse_time(end, "--end")
    nominal = parse_time(scheduled_time, "--scheduled-time") or t1
    if nominal is None:
        nominal = executed.replace(minute=0, second=0, microsecond=0)
    window = resolve_window(spec, scheduled_time=nominal, start=t0, end=t1)
    endpoint = spec.endpoint_input
    job = JobRun(
        spec=spec,
        window=window,
        scheduled_time=nominal,
        now=executed,
        output_url=execution_output_url(
            spec.output_url,
            schedule=schedule,
            endpoint=endpoint.endpoint_name if endpoint is not None else None,
            scheduled_time=nominal,
        ),
        schedule=schedule,
        workers=spec.workers or 1,
    )
    analysis = run_monitoring_job(job)
    report_and_exit(analysis.result)


def report_and_exit(result: Any) -> None:
    """Print a monitoring result's summary and exit with its status's code.

    Raises
    ------
    typer.Exit
        3 with violations, 4 failed on its data, 5 not enough ground truth; nothing on success.
    """
    if isinstance(result, ModelQualityResult):
        Console().print(model_quality_summary(result))
        exit_on_status(result.status, insufficient_ground_truth=result.failure_code == INSUFFICIENT)
        return
    Console().print(monitoring_summary(result))
    exit_on_status(result.status)


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
    monitoring_type = TYPE_SPELLINGS[type.value]
    options = None
    if monitoring_type == "DataQuality":
        require(baseline_statistics, "--baseline-statistics", type)
        options = DataQualityConfig.model_validate(
            {"drift_method": drift_method, "categorical_drift_method": categorical_drift_method}
        )
    result = evaluate_monitoring(
        monitoring_type,
        statistics=statistics,
        constraints=constraints,
        baseline_statistics=baseline_statistics,
        output=output,
        options=options,
    )
    report_and_exit(result)
