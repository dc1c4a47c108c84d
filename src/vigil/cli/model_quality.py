"""``vigil model-quality …``: an alias of the model-quality commands, kept for scripts that use it.

``vigil model-quality baseline`` is ``vigil baseline suggest --type model-quality``, ``run`` is
``vigil monitor run --type model-quality`` (``--constraints`` also spells
``--baseline-constraints``), ``evaluate`` is ``vigil monitor evaluate --type model-quality``. Their
options are the model-quality options of the same generated tables
(:mod:`vigil.cli.job_options`), without ``--type``; the bodies are the same functions.

Exit codes beyond the common ones (0 ok, 1 internal, 2 bad input): 3 = completed with
violations, 4 = failed on its data (no predictions in the window, no ground truth merged, too
many malformed records), 5 = not enough ground truth yet (fewer labels than ``--min-labels`` or
a coverage below ``--min-coverage``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import typer

from vigil.cli.job_options import BASELINE_OPTIONS, JOB_OPTIONS, JobOption, with_job_options
from vigil.cli.options import EXIT_FAILED, EXIT_INSUFFICIENT_GROUND_TRUTH, EXIT_VIOLATIONS

__all__ = ["EXIT_FAILED", "EXIT_INSUFFICIENT_GROUND_TRUTH", "EXIT_VIOLATIONS", "app"]

app = typer.Typer(
    help=(
        "Model quality: metrics from delayed ground truth joined to captured predictions. "
        "Alias of `vigil baseline suggest`, `vigil monitor run` and `vigil monitor evaluate` "
        "with --type model-quality."
    ),
    no_args_is_help=True,
)

_TYPE = "ModelQuality"


def _model_quality_options(
    options: tuple[JobOption, ...], extra_flags: dict[str, tuple[str, ...]] | None = None
) -> tuple[JobOption, ...]:
    """The options of a table that apply to model quality, without ``--type`` (and with panel-
    free help: every option here is a model-quality one)."""
    kept = []
    for option in options:
        if option.name == "monitoring_type" or option.path_for(_TYPE) is None:
            continue
        flags = option.flags + (extra_flags or {}).get(option.name, ())
        kept.append(
            dataclasses.replace(option, flags=flags, paths={"*": str(option.path_for(_TYPE))})
        )
    return tuple(kept)


_RUN_OPTIONS = _model_quality_options(JOB_OPTIONS, {"baseline_constraints": ("--constraints",)})
_BASELINE_OPTIONS = _model_quality_options(BASELINE_OPTIONS)


@app.command("baseline")
@with_job_options(_BASELINE_OPTIONS)
def baseline(
    quiet: bool = typer.Option(False, "--quiet", help="No summary."),
    **values: Any,
) -> None:
    """Compute a model's metrics on labelled data; write statistics.json and constraints.json.

    Same as `vigil baseline suggest --type model-quality`.
    """
    from vigil.cli.baseline import suggest_baseline_job

    suggest_baseline_job({**values, "monitoring_type": _TYPE}, _BASELINE_OPTIONS, quiet=quiet)


@app.command("run")
@with_job_options(_RUN_OPTIONS)
def run(
    input: str | None = typer.Option(None, "--input", help="Capture root (DestinationS3Uri)."),
    start: str | None = typer.Option(None, "--start", help="Window start (ISO-8601)."),
    end: str | None = typer.Option(None, "--end", help="Window end, exclusive."),
    scheduled_time: str | None = typer.Option(
        None, "--scheduled-time", help="Time the offsets count from (default: this hour)."
    ),
    now: str | None = typer.Option(None, "--now", help="Execution time (default: the clock)."),
    schedule: str | None = typer.Option(None, "--schedule", help="Schedule name."),
    **values: Any,
) -> None:
    """Merge a capture window with its ground truth, score it, and check the constraints.

    Same as `vigil monitor run --type model-quality`.
    """
    from vigil.cli.monitor import run_job

    run_job(
        {**values, "monitoring_type": _TYPE},
        input=input,
        start=start,
        end=end,
        scheduled_time=scheduled_time,
        now=now,
        schedule=schedule,
        options=_RUN_OPTIONS,
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
    from vigil.cli.monitor import report_and_exit
    from vigil.jobs.monitors import evaluate_monitoring

    result = evaluate_monitoring(
        _TYPE, statistics=statistics, constraints=constraints, output=output
    )
    report_and_exit(result)
