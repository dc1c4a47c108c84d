"""Where a monitoring execution writes, and how its files are published (spec §7.4).

The one place that builds the output layout of an execution and writes into it.

Layout (:func:`execution_output_url`)
    ``{output}/{endpoint}/{schedule}/yyyy/mm/dd/hh`` for endpoint input, ``{output}/{schedule}/
    yyyy/mm/dd/hh`` for a dataset, the hour being the execution's scheduled (nominal) time;
    sub-hourly schedules add a minute folder (``…/hh/mm``), and a run-now adds ``manual-{id}``
    so that it never overwrites the scheduled execution's files. A run without a schedule
    writes into ``output`` itself.

Publication (:func:`publish`), exactly once per execution
    An attempt writes every file into its own hidden staging folder
    (``{dir}/.attempt-{attempt}/``), moves each into place (an atomic rename locally, a
    server-side copy on object stores: every file appears whole), and writes
    ``_manifest.json`` **last**: the names, sizes and SHA-256 of the files, the execution they
    belong to, the attempt and its outcome. A reader trusts a folder whose manifest lists the
    files it reads. When a worker dies after publishing, the retry of the same execution finds
    the manifest (:func:`published_outcome`) and reports that outcome instead of analysing
    the window again and rewriting the files. A post-analytics script runs after publication
    and is recorded in the manifest when it returns; it receives the attempt id
    (``vigil_attempt_id``) and runs **at least once**: a worker that dies while it runs
    leaves it unrecorded, and the retry runs it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from vigil.errors import DatasetNotFoundError, DocumentError
from vigil.storage.objectstore import delete, join, move, read_bytes, write_bytes

__all__ = [
    "CONSTRAINTS_FILE",
    "MANIFEST_FILE",
    "METRICS_FILE",
    "REPORT_FILE",
    "STATISTICS_FILE",
    "VIOLATIONS_FILE",
    "Manifest",
    "execution_output_url",
    "mark_post_analytics",
    "publish",
    "published_outcome",
    "read_manifest",
]

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
VIOLATIONS_FILE = "constraint_violations.json"
METRICS_FILE = "metrics/cloudwatch_metrics.jsonl"
MANIFEST_FILE = "_manifest.json"
REPORT_FILE = "report.html"
"""The self-contained HTML report of an execution (:mod:`vigil.reports`)."""

_STAGING = ".attempt"


def execution_output_url(
    output: str,
    *,
    schedule: str | None,
    endpoint: str | None,
    scheduled_time: datetime,
    sub_hourly: bool = False,
    manual_id: int | None = None,
) -> str:
    """The folder an execution writes into (spec §7.4).

    Parameters
    ----------
    output : str
        The job's ``output_url``.
    schedule : str or None
        The schedule's name; None for a one-off run (writes into ``output`` itself).
    endpoint : str or None
        The endpoint read (None for a dataset).
    scheduled_time : datetime
        The execution's nominal time (aware).
    sub_hourly : bool, default=False
        Whether the schedule runs more often than hourly (adds the minute folder).
    manual_id : int, optional
        The execution id of a run-now (adds ``manual-{id}``).

    Examples
    --------
    >>> t = datetime(2024, 5, 1, 10, tzinfo=UTC)
    >>> execution_output_url("s3://b/reports", schedule="dq", endpoint="churn", scheduled_time=t)
    's3://b/reports/churn/dq/2024/05/01/10'
    >>> execution_output_url("/r", schedule="dq", endpoint=None, scheduled_time=t, manual_id=7)
    '/r/dq/2024/05/01/10/manual-7'
    """
    if schedule is None:
        return output
    t = scheduled_time.astimezone(UTC)
    parts = [f"{t:%Y}", f"{t:%m}", f"{t:%d}", f"{t:%H}"]
    if sub_hourly:
        parts.append(f"{t:%M}")
    if manual_id is not None:
        parts.append(f"manual-{manual_id}")
    head = [endpoint, schedule] if endpoint else [schedule]
    return join(output, *head, *parts)


@dataclass(frozen=True)
class Manifest:
    """What ``_manifest.json`` records of a published execution.

    Attributes
    ----------
    execution : str or None
        The execution's identity (``{schedule}/{execution id}``), None for a one-off run.
    attempt : str
        The attempt that published.
    files : mapping of str to dict
        Relative name → ``{"bytes": int, "sha256": str}``.
    outcome : mapping
        The execution's outcome (status, exit message, counts) as the scheduler records it.
    post_analytics : mapping or None
        ``{"attempt": str}`` once a post-analytics script returned.
    """

    execution: str | None
    attempt: str
    files: Mapping[str, Mapping[str, Any]]
    outcome: Mapping[str, Any]
    post_analytics: Mapping[str, Any] | None = None

    def to_json(self) -> bytes:
        """The manifest document (JSON, keys sorted)."""
        doc = {
            "version": 1,
            "execution": self.execution,
            "attempt": self.attempt,
            "files": self.files,
            "outcome": self.outcome,
            "post_analytics": self.post_analytics,
        }
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)


def read_manifest(
    directory: str, *, storage_options: Mapping[str, Any] | None = None
) -> Manifest | None:
    """The manifest of ``directory``, or None if nothing was published there.

    Raises
    ------
    DocumentError
        If the manifest exists but is not one.
    StorageError
        If reading fails underneath.
    """
    url = join(directory, MANIFEST_FILE)
    try:
        raw = read_bytes(url, storage_options=storage_options)
    except DatasetNotFoundError:
        return None
    try:
        doc = orjson.loads(raw)
        return Manifest(
            execution=doc["execution"],
            attempt=str(doc["attempt"]),
            files=dict(doc["files"]),
            outcome=dict(doc["outcome"]),
            post_analytics=doc.get("post_analytics"),
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise DocumentError(f"not a Vigil output manifest ({exc})", path=url) from exc


def published_outcome(
    directory: str, execution: str | None, *, storage_options: Mapping[str, Any] | None = None
) -> Manifest | None:
    """The manifest of an earlier attempt of the same execution, if one published here.

    A one-off run (``execution`` None) never adopts an earlier run's outcome.
    """
    if execution is None:
        return None
    manifest = read_manifest(directory, storage_options=storage_options)
    if manifest is None or manifest.execution != execution:
        return None
    return manifest


def publish(
    directory: str,
    files: Mapping[str, bytes],
    *,
    attempt: str,
    execution: str | None,
    outcome: Mapping[str, Any],
    storage_options: Mapping[str, Any] | None = None,
) -> Manifest:
    """Publish an attempt's files into ``directory``, the manifest last.

    Parameters
    ----------
    directory : str
        The execution's folder (:func:`execution_output_url`).
    files : mapping of str to bytes
        Relative name (``statistics.json``, ``metrics/cloudwatch_metrics.jsonl``) → content.
    attempt : str
        This attempt's id (names its staging folder).
    execution : str or None
        The execution's identity, recorded for :func:`published_outcome`.
    outcome : mapping
        JSON-serialisable outcome recorded in the manifest.

    Returns
    -------
    Manifest

    Raises
    ------
    StorageError
        If a write or move fails (nothing is declared published then: no manifest).
    """
    staging = join(directory, f"{_STAGING}-{attempt}")
    listing: dict[str, dict[str, Any]] = {}
    for name, data in files.items():
        write_bytes(join(staging, name), data, storage_options=storage_options)
        listing[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    for name in files:
        move(join(staging, name), join(directory, name), storage_options=storage_options)
    manifest = Manifest(execution=execution, attempt=attempt, files=listing, outcome=dict(outcome))
    write_bytes(join(directory, MANIFEST_FILE), manifest.to_json(), storage_options=storage_options)
    delete(staging, recursive=True, storage_options=storage_options)
    return manifest


def mark_post_analytics(
    directory: str,
    manifest: Manifest,
    *,
    attempt: str,
    storage_options: Mapping[str, Any] | None = None,
) -> Manifest:
    """Record in the manifest that the post-analytics script of ``attempt`` returned."""
    done = Manifest(
        execution=manifest.execution,
        attempt=manifest.attempt,
        files=manifest.files,
        outcome=manifest.outcome,
        post_analytics={"attempt": attempt},
    )
    write_bytes(join(directory, MANIFEST_FILE), done.to_json(), storage_options=storage_options)
    return done
