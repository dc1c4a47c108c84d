"""``vigil baseline …``: suggest a baseline (statistics.json + constraints.json) from a dataset.

``--type data-quality`` (the default) profiles every column; ``--type model-quality`` scores a
model's predictions against labels. The options are generated from the baselining job's spec
(:data:`vigil.cli.job_options.BASELINE_OPTIONS`), which ``vigil baselining-jobs start`` sends to
a service: the same job runs either way (:func:`vigil.jobs.baselining.run_baselining_job`).
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from vigil.api.specs import BaseliningJobSpec
from vigil.cli.job_options import (
    BASELINE_OPTIONS,
    TYPE_SPELLINGS_OUT,
    JobOption,
    build_spec,
    monitoring_type_of,
    with_job_options,
)
from vigil.cli.options import TYPE_PANELS_HELP, MonitorTypeOption, check_type_options
from vigil.cli.render import baseline_summary, model_quality_baseline_summary
from vigil.jobs.baselining import run_baselining_job

__all__ = ["app"]

app = typer.Typer(
    help="Baselines: statistics and suggested constraints from training data.", no_args_is_help=True
)

_MQ_REQUIRED = ("problem_type", "ground_truth_attribute")
_SUGGEST_HELP = (
    "Profile DATASET and write statistics.json and constraints.json to OUTPUT.\n\n"
    "--type data-quality (the default): statistics of every column and suggested data-quality "
    "constraints. --type model-quality: a model's metrics from a prediction (or probability) "
    "column and a label column, with suggested thresholds; it needs --problem-type and "
    f"--ground-truth-attribute.\n\n{TYPE_PANELS_HELP}"
)


@app.command("suggest", help=_SUGGEST_HELP)
@with_job_options(BASELINE_OPTIONS)
def suggest(
    ctx: typer.Context,
    quiet: bool = typer.Option(False, "--quiet", help="No progress or summary."),
    **values: Any,
) -> None:
    """Suggest a data-quality or model-quality baseline (the help is ``_SUGGEST_HELP``)."""
    monitoring_type = monitoring_type_of(values)
    mode = MonitorTypeOption(TYPE_SPELLINGS_OUT[monitoring_type])
    required: dict[MonitorTypeOption, tuple[str, ...]] = {
        MonitorTypeOption.data_quality: ("dataset", "output"),
        MonitorTypeOption.model_quality: ("dataset", "output", *_MQ_REQUIRED),
    }
    check_type_options(ctx, mode, required=required)
    suggest_baseline_job(values, BASELINE_OPTIONS, quiet=quiet)


def suggest_baseline_job(
    values: dict[str, Any], options: tuple[JobOption, ...], *, quiet: bool
) -> None:
    """Build the baselining spec from option values, run the job here, print its summary.

    Raises
    ------
    InvalidParameterError
        Naming the option, for an invalid spec.
    DatasetNotFoundError, DatasetFormatError, MalformedRowError, EmptyDatasetError
        As the job (exit code 2).
    """
    monitoring_type = monitoring_type_of(values)
    spec = build_spec(values, options=options, kind=BaseliningJobSpec)
    console = Console()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet or monitoring_type != "DataQuality",
        transient=True,
    ) as progress:
        task = progress.add_task("profiling partitions", total=None)
        outcome = run_baselining_job(
            spec,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if quiet:
        return
    if monitoring_type == "ModelQuality":
        console.print(model_quality_baseline_summary(outcome.result))
    else:
        console.print(baseline_summary(outcome.result))
