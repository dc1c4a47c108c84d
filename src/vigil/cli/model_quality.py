"""``vigil model-quality …``: baseline, monitor and re-evaluate a model's quality against labels.

The command bodies are the functions :func:`suggest_and_report`, :func:`run_and_report` and
:func:`evaluate_and_report`; ``vigil baseline suggest --type model-quality``, ``vigil monitor run
--type model-quality`` and ``vigil monitor evaluate --type model-quality`` call the same ones, so
this group is an alias of those (kept for the scripts that use it, and for its shorter flags:
``--problem-type`` is required here, there is no ``--type``).

Exit codes beyond the common ones (0 ok, 1 internal, 2 bad input): 3 = completed with
violations, 4 = failed on its data (no predictions in the window, no ground truth merged, too
many malformed records), 5 = not enough ground truth yet (fewer labels than ``--min-labels`` or
a coverage below ``--min-coverage``).
"""

from __future__ import annotations

from collections.abc import Sequence

import typer
from pydantic import ValidationError
from rich.console import Console

from vigil.cli.options import (
    EXIT_FAILED,
    EXIT_INSUFFICIENT_GROUND_TRUTH,
    EXIT_VIOLATIONS,
    DatasetFormatOption,
    ProblemTypeOption,
    exit_on_status,
)
from vigil.cli.render import model_quality_baseline_summary, model_quality_summary
from vigil.core.model_quality import ProblemType
from vigil.errors import InvalidParameterError
from vigil.jobs.model_quality import (
    DEFAULT_MIN_LABELS,
    INSUFFICIENT,
    ModelQualityBaselineResult,
    ModelQualityResult,
    evaluate_model_quality,
)
from vigil.types import DatasetFormat

__all__ = [
    "EXIT_FAILED",
    "EXIT_INSUFFICIENT_GROUND_TRUTH",
    "EXIT_VIOLATIONS",
    "HELP",
    "app",
    "evaluate_and_report",
    "run_and_report",
    "suggest_and_report",
]

HELP = {
    "--problem-type": "BinaryClassification, MulticlassClassification or Regression.",
    "--ground-truth-attribute": "Column of the label (name, or 0-based index without header).",
    "--inference-attribute": (
        "Column (or, in capture, index or JSONPath) of the predicted label; optional for a "
        "binary problem given --probability-attribute."
    ),
    "--probability-attribute": "Column, index or JSONPath of the positive class's probability.",
    "--probability-threshold": "Positive when probability >= this (without an inference column).",
    "--slack": "Margin of suggested thresholds; 0 = SageMaker's.",
    "--sagemaker-r2": "r2 as SageMaker computes it.",
    "--ground-truth": "Ground-truth root ({root}/yyyy/mm/dd/hh/*.jsonl).",
    "--scheduled-time": "Time the offsets count from (default: this hour).",
    "--start-time-offset": "Window start relative to the scheduled time, e.g. -P8D.",
    "--end-time-offset": "Window end relative to the scheduled time, e.g. -P1D.",
    "--min-labels": "Fewest labelled predictions to check the metrics (else exit 5).",
    "--min-coverage": "Smallest labelled fraction of the window's predictions (else exit 5).",
    "--max-label-delay": "Read labels collected up to this after the window (P30D).",
    "--now": "Execution time (default: the clock).",
}
"""Help of the model-quality options, shared by this group and the ``--type`` commands."""

app = typer.Typer(
    help=(
        "Model quality: metrics from delayed ground truth joined to captured predictions. "
        "Alias of `vigil baseline suggest`, `vigil monitor run` and `vigil monitor evaluate` "
        "with --type model-quality."
    ),
    no_args_is_help=True,
)


def suggest_and_report(
    *,
    dataset: Sequence[str],
    output: str,
    problem_type: ProblemType,
    ground_truth_attribute: str,
    inference_attribute: str | None,
    probability_attribute: str | None,
    probability_threshold: float,
    dataset_format: DatasetFormat | None,
    header: bool,
    slack: float,
    sagemaker_r2: bool,
    quiet: bool,
) -> ModelQualityBaselineResult:
    """Suggest a model-quality baseline into ``output`` and print its summary (unless quiet).

    The same job as ``vigil baseline suggest --type model-quality``: a
    :class:`~vigil.api.specs.BaseliningJobSpec` run by
    :func:`~vigil.jobs.baselining.run_baselining_job`.

    Raises
    ------
    InvalidParameterError, DatasetNotFoundError, DatasetFormatError
        As the job.
    """
    from vigil.api.specs import BaseliningJobSpec
    from vigil.cli.job_options import BASELINE_OPTIONS, spec_error
    from vigil.jobs.baselining import run_baselining_job

    if len(dataset) != 1:
        raise InvalidParameterError(
            "give one --dataset (a file, directory or glob)", field="--dataset"
        )
    document = {
        "monitoring_type": "ModelQuality",
        "dataset_url": dataset[0],
        "output_url": output,
        "problem_type": problem_type,
        "ground_truth_attribute": ground_truth_attribute,
        "inference_attribute": inference_attribute,
        "probability_attribute": probability_attribute,
        "probability_threshold": probability_threshold,
        "dataset_format": dataset_format,
        "header": header,
        "slack": slack,
        "sagemaker_r2": sagemaker_r2,
    }
    try:
        spec = BaseliningJobSpec.model_validate(document)
    except ValidationError as exc:
        raise spec_error(exc, "ModelQuality", BASELINE_OPTIONS) from None
    result: ModelQualityBaselineResult = run_baselining_job(spec).result
    if not quiet:
        Console().print(model_quality_baseline_summary(result))
    return result


def _exit(result: ModelQualityResult) -> None:
    exit_on_status(result.status, insufficient_ground_truth=result.failure_code == INSUFFICIENT)


def run_and_report(
    *,
    input: str,
    endpoint: str,
    ground_truth: str,
    problem_type: ProblemType,
    output: str,
    constraints: str | None,
    variant: str,
    start: str | None,
    end: str | None,
    scheduled_time: str | None,
    start_time_offset: str | None,
    end_time_offset: str | None,
    inference_attribute: str | None,
    probability_attribute: str | None,
    probability_threshold: float,
    schedule: str | None,
    min_labels: int,
    min_coverage: float,
    max_label_delay: str | None,
    max_malformed_fraction: float,
    now: str | None,
    workers: int,
) -> None:
    """Run one model-quality execution from CLI values, print its summary, exit with its code.

    The same as ``vigil monitor run --type model-quality`` (:func:`vigil.cli.monitor.run_job`):
    times are the flags' texts (ISO-8601 times, ISO-8601 durations for the offsets); the window
    is ``[start, end)`` or, with offsets, relative to ``scheduled_time``.

    Raises
    ------
    InvalidParameterError
        A time that does not parse, or a window given both ways or neither.
    typer.Exit
        3 with violations, 4 failed on its data, 5 not enough ground truth; nothing on success.
    """
    from vigil.cli.monitor import run_job

    values = {
        "monitoring_type": "ModelQuality",
        "endpoint": endpoint,
        "ground_truth": ground_truth,
        "problem_type": problem_type,
        "output": output,
        "baseline_constraints": constraints,
        "variant": variant,
        "start_offset": start_time_offset,
        "end_offset": end_time_offset,
        "inference_attribute": inference_attribute,
        "probability_attribute": probability_attribute,
        "probability_threshold": probability_threshold,
        "min_labels": min_labels,
        "min_coverage": min_coverage,
        "max_label_delay": max_label_delay,
        "max_malformed_fraction": max_malformed_fraction,
        "workers": workers,
    }
    run_job(
        values, input=input, start=start, end=end, scheduled_time=scheduled_time, now=now,
        schedule=schedule,
    )  # fmt: skip


def evaluate_and_report(*, statistics: str, constraints: str, output: str | None) -> None:
    """Re-check a model-quality statistics.json, print the summary, exit with its code.

    Raises
    ------
    DocumentError, DatasetNotFoundError, InvalidParameterError
        As :func:`~vigil.jobs.model_quality.evaluate_model_quality`.
    typer.Exit
        3 with violations; nothing when clean.
    """
    result = evaluate_model_quality(statistics=statistics, constraints=constraints, output=output)
    Console().print(model_quality_summary(result))
    _exit(result)


@app.command("baseline")
def baseline(
    dataset: list[str] = typer.Option(..., "--dataset", help="File, directory, glob or URL."),
    output: str = typer.Option(..., "--output", help="Directory or URL for the two JSON files."),
    problem_type: ProblemTypeOption = typer.Option(
        ..., "--problem-type", help=HELP["--problem-type"]
    ),
    ground_truth_attribute: str = typer.Option(
        ..., "--ground-truth-attribute", help=HELP["--ground-truth-attribute"]
    ),
    inference_attribute: str | None = typer.Option(
        None, "--inference-attribute", help=HELP["--inference-attribute"]
    ),
    probability_attribute: str | None = typer.Option(
        None, "--probability-attribute", help=HELP["--probability-attribute"]
    ),
    probability_threshold: float = typer.Option(
        0.5, "--probability-threshold", min=0, max=1, help=HELP["--probability-threshold"]
    ),
    dataset_format: DatasetFormatOption | None = typer.Option(None, "--dataset-format"),
    header: bool = typer.Option(True, "--header/--no-header"),
    slack: float = typer.Option(0.1, "--slack", min=0, help=HELP["--slack"]),
    sagemaker_r2: bool = typer.Option(False, "--sagemaker-r2", help=HELP["--sagemaker-r2"]),
    quiet: bool = typer.Option(False, "--quiet"),
) -> None:
    """Compute a model's metrics on labelled data; write statistics.json and constraints.json.

    Same as `vigil baseline suggest --type model-quality`.
    """
    suggest_and_report(
        dataset=dataset,
        output=output,
        problem_type=problem_type.value,
        ground_truth_attribute=ground_truth_attribute,
        inference_attribute=inference_attribute,
        probability_attribute=probability_attribute,
        probability_threshold=probability_threshold,
        dataset_format=None if dataset_format is None else dataset_format.value,
        header=header,
        slack=slack,
        sagemaker_r2=sagemaker_r2,
        quiet=quiet,
    )


@app.command("run")
def run(
    input: str = typer.Option(..., "--input", help="Capture root (DestinationS3Uri)."),
    endpoint: str = typer.Option(..., "--endpoint"),
    ground_truth: str = typer.Option(..., "--ground-truth", help=HELP["--ground-truth"]),
    problem_type: ProblemTypeOption = typer.Option(
        ..., "--problem-type", help=HELP["--problem-type"]
    ),
    output: str = typer.Option(..., "--output", help="Directory or URL for the reports."),
    constraints: str | None = typer.Option(
        None, "--constraints", "--baseline-constraints", help="constraints.json URL."
    ),
    variant: str = typer.Option("AllTraffic", "--variant"),
    start: str | None = typer.Option(None, "--start", help="Window start (ISO-8601)."),
    end: str | None = typer.Option(None, "--end", help="Window end, exclusive."),
    scheduled_time: str | None = typer.Option(
        None, "--scheduled-time", help=HELP["--scheduled-time"]
    ),
    start_time_offset: str | None = typer.Option(
        None, "--start-time-offset", help=HELP["--start-time-offset"]
    ),
    end_time_offset: str | None = typer.Option(
        None, "--end-time-offset", help=HELP["--end-time-offset"]
    ),
    inference_attribute: str | None = typer.Option(
        None, "--inference-attribute", help=HELP["--inference-attribute"]
    ),
    probability_attribute: str | None = typer.Option(
        None, "--probability-attribute", help=HELP["--probability-attribute"]
    ),
    probability_threshold: float = typer.Option(
        0.5, "--probability-threshold", min=0, max=1, help=HELP["--probability-threshold"]
    ),
    schedule: str | None = typer.Option(None, "--schedule", help="Schedule name."),
    min_labels: int = typer.Option(
        DEFAULT_MIN_LABELS, "--min-labels", min=1, help=HELP["--min-labels"]
    ),
    min_coverage: float = typer.Option(
        0.0, "--min-coverage", min=0, max=1, help=HELP["--min-coverage"]
    ),
    max_label_delay: str | None = typer.Option(
        None, "--max-label-delay", help=HELP["--max-label-delay"]
    ),
    max_malformed_fraction: float = typer.Option(0.1, "--max-malformed-fraction", min=0, max=1),
    now: str | None = typer.Option(None, "--now", help=HELP["--now"]),
    workers: int = typer.Option(1, "--workers", min=1),
) -> None:
    """Merge a capture window with its ground truth, score it, and check the constraints.

    Same as `vigil monitor run --type model-quality` (which spells --constraints
    --baseline-constraints).
    """
    run_and_report(
        input=input,
        endpoint=endpoint,
        ground_truth=ground_truth,
        problem_type=problem_type.value,
        output=output,
        constraints=constraints,
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


@app.command("evaluate")
def evaluate(
    statistics: str = typer.Option(..., "--statistics", help="A model-quality statistics.json."),
    constraints: str = typer.Option(..., "--constraints", help="constraints.json to check."),
    output: str | None = typer.Option(
        None, "--output", help="Where to write constraint_violations.json."
    ),
) -> None:
    """Re-check an existing statistics.json (Vigil's or SageMaker's) without the raw data.

    Same as `vigil monitor evaluate --type model-quality`.
    """
    evaluate_and_report(statistics=statistics, constraints=constraints, output=output)
