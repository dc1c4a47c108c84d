"""``vigil baseline …``: suggest a baseline (statistics.json + constraints.json) from a dataset.

``--type data-quality`` (the default) profiles every column; ``--type model-quality`` scores a
model's predictions against labels with the same code as ``vigil model-quality baseline``
(:func:`vigil.cli.model_quality.suggest_and_report`).
"""

from __future__ import annotations

from enum import Enum

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from vigil.cli import model_quality
from vigil.cli.model_quality import HELP
from vigil.cli.options import (
    DATA_QUALITY_PANEL,
    MODEL_QUALITY_PANEL,
    TYPE_PANELS_HELP,
    DatasetFormatOption,
    MonitorTypeOption,
    ProblemTypeOption,
    check_type_options,
    require,
)
from vigil.cli.render import baseline_summary
from vigil.jobs.baseline import suggest_baseline
from vigil.types import DatasetFormat

__all__ = ["app"]

app = typer.Typer(
    help="Baselines: statistics and suggested constraints from training data.", no_args_is_help=True
)

_DQ, _MQ = DATA_QUALITY_PANEL, MODEL_QUALITY_PANEL
_REQUIRED = {MonitorTypeOption.model_quality: ("problem_type", "ground_truth_attribute")}
_SUGGEST_HELP = (
    "Profile DATASET and write statistics.json and constraints.json to OUTPUT.\n\n"
    "--type data-quality (the default): statistics of every column and suggested data-quality "
    "constraints. --type model-quality: a model's metrics from a prediction (or probability) "
    "column and a label column, with suggested thresholds; it needs --problem-type and "
    f"--ground-truth-attribute.\n\n{TYPE_PANELS_HELP}"
)


class _OnMalformed(str, Enum):
    fail = "fail"
    skip = "skip"


@app.command("suggest", help=_SUGGEST_HELP)
def suggest(
    ctx: typer.Context,
    dataset: list[str] = typer.Option(
        ..., "--dataset", help="File, directory, glob or fsspec URL (s3://…). Repeatable."
    ),
    output: str = typer.Option(..., "--output", help="Directory or URL for the two JSON files."),
    type: MonitorTypeOption = typer.Option(
        MonitorTypeOption.data_quality,
        "--type",
        help="data-quality profiles the columns; model-quality scores predictions vs labels.",
    ),
    dataset_format: DatasetFormatOption | None = typer.Option(
        None,
        "--dataset-format",
        help="csv, json (JSON Lines) or parquet. Default: from the extension.",
    ),
    header: bool = typer.Option(True, "--header/--no-header", help="CSV: first line holds names."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress or summary."),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Worker processes.", rich_help_panel=_DQ
    ),
    on_malformed: _OnMalformed = typer.Option(
        _OnMalformed.fail,
        "--on-malformed",
        help="fail on a malformed row, or skip and count it.",
        rich_help_panel=_DQ,
    ),
    string_column: list[str] = typer.Option(
        [],
        "--string-column",
        help="Treat this column as String (categorical codes). Repeatable.",
        rich_help_panel=_DQ,
    ),
    problem_type: ProblemTypeOption | None = typer.Option(
        None,
        "--problem-type",
        help="Required. SageMaker's problem type.",
        rich_help_panel=_MQ,
        show_default=False,
    ),
    ground_truth_attribute: str | None = typer.Option(
        None,
        "--ground-truth-attribute",
        help=f"Required. {HELP['--ground-truth-attribute']}",
        rich_help_panel=_MQ,
    ),
    inference_attribute: str | None = typer.Option(
        None, "--inference-attribute", help=HELP["--inference-attribute"], rich_help_panel=_MQ
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
    slack: float = typer.Option(0.1, "--slack", min=0, help=HELP["--slack"], rich_help_panel=_MQ),
    sagemaker_r2: bool = typer.Option(
        False, "--sagemaker-r2", help=HELP["--sagemaker-r2"], rich_help_panel=_MQ
    ),
) -> None:
    """Suggest a data-quality or model-quality baseline (the help is ``_SUGGEST_HELP``)."""
    check_type_options(ctx, type, required=_REQUIRED)
    fmt: DatasetFormat | None = None if dataset_format is None else dataset_format.value
    if type is MonitorTypeOption.model_quality:
        model_quality.suggest_and_report(
            dataset=dataset,
            output=output,
            problem_type=require(problem_type, "--problem-type", type).value,
            ground_truth_attribute=require(
                ground_truth_attribute, "--ground-truth-attribute", type
            ),
            inference_attribute=inference_attribute,
            probability_attribute=probability_attribute,
            probability_threshold=probability_threshold,
            dataset_format=fmt,
            header=header,
            slack=slack,
            sagemaker_r2=sagemaker_r2,
            quiet=quiet,
        )
        return
    console = Console()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("profiling partitions", total=None)
        result = suggest_baseline(
            dataset,
            dataset_format=fmt,
            header=header,
            output=output,
            workers=workers,
            on_malformed=on_malformed.value,
            string_columns=string_column,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if not quiet:
        console.print(baseline_summary(result))
