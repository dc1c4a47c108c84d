"""``vigil baseline …``: suggest a baseline (statistics.json + constraints.json) from a dataset."""

from __future__ import annotations

from enum import Enum

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from vigil.cli.options import DatasetFormatOption
from vigil.cli.render import baseline_summary
from vigil.jobs.baseline import suggest_baseline

__all__ = ["app"]

app = typer.Typer(
    help="Baselines: statistics and suggested constraints from training data.", no_args_is_help=True
)


class _OnMalformed(str, Enum):
    fail = "fail"
    skip = "skip"


@app.command("suggest")
def suggest(
    dataset: list[str] = typer.Option(
        ..., "--dataset", help="File, directory, glob or fsspec URL (s3://…). Repeatable."
    ),
    output: str = typer.Option(..., "--output", help="Directory or URL for the two JSON files."),
    dataset_format: DatasetFormatOption | None = typer.Option(
        None,
        "--dataset-format",
        help="csv, json (JSON Lines) or parquet. Default: from the extension.",
    ),
    header: bool = typer.Option(True, "--header/--no-header", help="CSV: first line holds names."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
    on_malformed: _OnMalformed = typer.Option(
        _OnMalformed.fail, "--on-malformed", help="fail on a malformed row, or skip and count it."
    ),
    string_column: list[str] = typer.Option(
        [], "--string-column", help="Treat this column as String (categorical codes). Repeatable."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress or summary."),
) -> None:
    """Profile DATASET and write statistics.json and constraints.json to OUTPUT."""
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
            dataset_format=None if dataset_format is None else dataset_format.value,
            header=header,
            output=output,
            workers=workers,
            on_malformed=on_malformed.value,
            string_columns=string_column,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    if not quiet:
        console.print(baseline_summary(result))
