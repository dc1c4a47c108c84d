"""``vigil ground-truth put``: file labels as SageMaker ground-truth records (spec §1.5).

Reads ``(id, label)`` pairs from a CSV (with a header) or JSON Lines file and writes one file of
records ``{"groundTruthData": {"data": "<label>", "encoding": "CSV"}, "eventMetadata":
{"eventId": "<id>"}, "eventVersion": "0"}`` under ``{destination}/groundtruth/yyyy/mm/dd/hh/``,
the hour being the collection time (now, or ``--collected-at``); the file is streamed, and the
records appear whole or not at all (a bad row writes nothing). The id is the capture's
``inferenceId`` (the ``X-Amzn-SageMaker-Inference-Id`` the caller sent) or its ``eventId``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import typer

from vigil.capture.ground_truth import iter_labels, write_ground_truth
from vigil.errors import InvalidParameterError

__all__ = ["app"]

app = typer.Typer(help="Ground-truth labels for model-quality monitoring.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Ground-truth labels for model-quality monitoring."""


class _Format(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


@app.command("put")
def put(
    file: str = typer.Option(..., "--file", help="Labels: a .csv (with header) or .jsonl file."),
    id_column: str = typer.Option(
        ..., "--id-column", help="Column/key of the inference id (or event id)."
    ),
    label_column: str = typer.Option(..., "--label-column", help="Column/key of the label."),
    destination: str = typer.Option(
        ..., "--destination", help="Root folder or URL; files go under {destination}/groundtruth/."
    ),
    format: _Format | None = typer.Option(
        None, "--format", help="csv or jsonl (default: from the file name)."
    ),
    collected_at: str | None = typer.Option(
        None, "--collected-at", help="Collection time, ISO-8601 (default: now, UTC)."
    ),
) -> None:
    """Write labels as SageMaker ground-truth records, in the hour they were collected."""
    now: datetime | None = None
    if collected_at is not None:
        try:
            now = datetime.fromisoformat(collected_at.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidParameterError(
                f"--collected-at must be an ISO-8601 time like 2024-05-01T13:00:00Z. Got "
                f"{collected_at!r} instead.",
                field="--collected-at",
            ) from exc
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
    pairs = iter_labels(  # streamed: the file is read once, as it is written
        file,
        id_column=id_column,
        label_column=label_column,
        format=None if format is None else format.value,
    )
    done = write_ground_truth(pairs, destination, now=now)
    typer.echo(f"wrote {done.records} ground-truth records to {done.url}")
