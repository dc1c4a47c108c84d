"""The data-quality monitoring job: a window of traffic (or a dataset) against a baseline.

Reads the window, profiles it with the baseline's profile code, runs every check of
:mod:`vigil.core.checks`, and writes what SageMaker's analyzer writes (spec
sagemaker-model-monitor.md §4, §5.3, §7.4): ``statistics.json``, ``constraint_violations.json``
(always, ``{"violations": []}`` when clean), a copy of the ``constraints.json`` used, and the
CloudWatch-style metrics file ``metrics/cloudwatch_metrics.jsonl``.

Statuses (§7.3): ``Completed``, ``CompletedWithViolations``, ``Failed``. A window without a
single record is ``Failed`` with the distinct reason :data:`NO_DATA` and a message naming the
window and the URL, never an opaque failure; malformed capture lines are counted (the first 20
reported with file:line) and fail the job only above ``max_malformed_fraction``.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from vigil.core.checks import CheckReport, check_data_quality
from vigil.core.profile import DatasetProfile, DatasetStatistics, ProfileOptions
from vigil.engine.local import map_reduce
from vigil.errors import InvalidParameterError, VigilError
from vigil.formats.constraints import Constraints
from vigil.formats.statistics import Statistics
from vigil.formats.violations import ConstraintViolations
from vigil.jobs.documents import (
    baseline_distributions,
    feature_rules,
    statistics_document,
    statistics_from_document,
)
from vigil.jobs.metrics import data_quality_metrics, metrics_jsonl
from vigil.jobs.profiling import profile_dataset
from vigil.storage.objectstore import InputFile, join, read_bytes, write_bytes
from vigil.storage.tabular import MalformedReport, TabularSource

__all__ = [
    "NO_DATA",
    "DataQualityResult",
    "ExecutionStatus",
    "evaluate_data_quality",
    "exit_message",
    "malformed_reason",
    "run_data_quality",
    "schedule_output_prefix",
]

NO_DATA = "NoData"
"""Failure reason code of a window that holds no record."""

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
VIOLATIONS_FILE = "constraint_violations.json"
METRICS_FILE = "metrics/cloudwatch_metrics.jsonl"

if TYPE_CHECKING:
    from vigil.jobs.capture_input import CaptureInput

_log = logging.getLogger(__name__)


class ExecutionStatus(str, Enum):
    """Terminal statuses of a monitoring execution (SageMaker's names)."""

    COMPLETED = "Completed"
    COMPLETED_WITH_VIOLATIONS = "CompletedWithViolations"
    FAILED = "Failed"


@dataclass(frozen=True)
class DataQualityResult:
    """What one data-quality execution produced.

    Attributes
    ----------
    status : ExecutionStatus
    exit_message : str
        SageMaker's exit message (``Completed: Job completed successfully with no violations.``).
    failure_reason : str or None
        Why a Failed execution failed; :attr:`failure_code` classifies it.
    failure_code : str or None
        :data:`NO_DATA`, ``"TooManyMalformedRecords"``, ``"InputError"`` or ``"InternalError"``.
    statistics : Statistics or None
        The current window's statistics.json.
    violations : ConstraintViolations or None
    report : CheckReport or None
        Per-feature measurements (completeness, type match, drift results).
    malformed : MalformedReport
    records : int
        Capture records (or dataset rows) read.
    rows : int
        Rows analysed.
    output : str or None
        Where the files were written.
    seconds : float
        Wall-clock duration.
    """

    status: ExecutionStatus
    exit_message: str
    failure_reason: str | None = None
    failure_code: str | None = None
    statistics: Statistics | None = None
    violations: ConstraintViolations | None = None
    report: CheckReport | None = None
    malformed: MalformedReport = field(default_factory=MalformedReport)
    records: int = 0
    rows: int = 0
    output: str | None = None
    seconds: float = 0.0


def schedule_output_prefix(output: str, endpoint: str, schedule: str, scheduled: datetime) -> str:
    """``{output}/{endpoint}/{schedule}/yyyy/mm/dd/hh`` of a scheduled execution (spec §7.4)."""
    t = scheduled.astimezone(UTC)
    return join(output, endpoint, schedule, f"{t:%Y}", f"{t:%m}", f"{t:%d}", f"{t:%H}")


@dataclass(frozen=True)
class _CaptureTask:
    urls: tuple[str, ...]
    capture: CaptureInput
    options: ProfileOptions


@dataclass
class _Partial:
    profile: DatasetProfile
    malformed: MalformedReport
    records: int = 0
    in_window: int = 0
    dropped: int = 0


def _profile_capture_file(task: _CaptureTask) -> _Partial:
    from vigil.jobs.capture_input import read_capture_file

    profile = DatasetProfile(options=task.options)
    partial = _Partial(profile, MalformedReport())
    tables = []
    for url in task.urls:
        batch = read_capture_file(url, task.capture)
        if batch.table.num_rows:
            tables.append(batch.table)
        partial.malformed.merge(batch.malformed)
        partial.records += batch.records_total
        partial.in_window += batch.records_in_window
        partial.dropped += batch.records_dropped
    if tables:
        # One profile update for the whole group: per-call overheads are paid once, not per file.
        profile.update(pa.concat_tables(tables, promote_options="default"))
    return partial


_GROUP_BYTES = 32 * 1024 * 1024


def _group_files(files: Sequence[InputFile], workers: int) -> list[tuple[str, ...]]:
    """Consecutive capture files grouped into tasks of about 32 MiB (at least 4 per worker)."""
    total = sum(f.size for f in files)
    target = max(1, min(_GROUP_BYTES, total // max(1, 4 * workers)))
    groups: list[tuple[str, ...]] = []
    current: list[str] = []
    size = 0
    for f in files:
        current.append(f.url)
        size += f.size
        if size >= target:
            groups.append(tuple(current))
            current, size = [], 0
    if current:
        groups.append(tuple(current))
    return groups


def _merge(a: _Partial, b: _Partial) -> _Partial:
    a.profile.merge(b.profile)
    a.malformed.merge(b.malformed)
    a.records += b.records
    a.in_window += b.in_window
    a.dropped += b.dropped
    return a


def _violations_document(report: CheckReport) -> ConstraintViolations:
    return ConstraintViolations.from_dict(
        {
            "violations": [
                {
                    "feature_name": v.feature_name,
                    "constraint_check_type": v.constraint_check_type,
                    "description": v.description,
                }
                for v in report.violations
            ]
        }
    )


def _load(url: str, kind: type[Any], storage_options: Mapping[str, Any] | None) -> Any:
    return kind.from_json(read_bytes(url, storage_options=storage_options), source=url)


def _string_columns(baseline: Statistics) -> frozenset[str]:
    return frozenset(
        f.name for f in baseline.features if f.string_statistics is not None and f.name
    )


def exit_message(n: int) -> tuple[ExecutionStatus, str]:
    """Status and SageMaker's exit message of a completed execution with ``n`` violations."""
    if n == 0:
        return (
            ExecutionStatus.COMPLETED,
            "Completed: Job completed successfully with no violations.",
        )
    return (
        ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
        f"CompletedWithViolations: Job completed successfully with {n} violations.",
    )


def malformed_reason(
    report: MalformedReport, total: int, fraction: float, what: str = ""
) -> str | None:
    """Why an execution fails on malformed records, or None while at most ``fraction`` are.

    Parameters
    ----------
    report : MalformedReport
    total : int
        Records read (malformed ones included).
    fraction : float
        Largest tolerated share (0–1) of malformed records.
    what : str, default=""
        A word naming the records (``"capture"``, ``"ground-truth"``) for the message.
    """
    if total == 0 or report.count <= fraction * total:
        return None
    where = "; ".join(
        f"{u}:{line}: {m}" if line is not None else f"{u}: {m}"
        for u, line, m in report.examples[:5]
    )
    kind = f"{what} records" if what else "records"
    return (
        f"{report.count} of {total} {kind} are malformed (more than {fraction:.0%}); first: {where}"
    )


def _failed(code: str, reason: str, start: float, **extra: Any) -> DataQualityResult:
    return DataQualityResult(
        status=ExecutionStatus.FAILED,
        exit_message=f"Failed: {reason}",
        failure_reason=reason,
        failure_code=code,
        seconds=time.perf_counter() - start,
        **extra,
    )


def run_data_quality(
    *,
    baseline_statistics: str,
    baseline_constraints: str,
    input: CaptureInput | TabularSource,
    output: str | None = None,
    endpoint: str | None = None,
    schedule: str | None = None,
    workers: int = 1,
    max_malformed_fraction: float = 0.1,
    numeric_method: str | None = None,
    categorical_method: str | None = None,
    feature_methods: Mapping[str, str] | None = None,
    post_analytics_processor: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DataQualityResult:
    """Run one data-quality execution and write its outputs.

    Parameters
    ----------
    baseline_statistics, baseline_constraints : str
        URLs of the baseline statistics.json / constraints.json (Vigil's or SageMaker's).
    input : CaptureInput or TabularSource
        A capture window (endpoint/variant/hour layout) or a dataset (batch monitoring).
    output : str, optional
        Directory or URL for the outputs; nothing is written without it.
    endpoint, schedule : str, optional
        Names used as metric dimensions.
    workers : int, default=1
        Worker processes.
    max_malformed_fraction : float, default=0.1
        Fraction (0–1) of malformed capture records above which the execution fails.
    numeric_method, categorical_method, feature_methods
        Drift distances instead of SageMaker's (see :func:`vigil.jobs.documents.feature_rules`).
    post_analytics_processor : str, optional
        A Python file defining ``postprocess_handler()``, run after a successful analysis.
    storage_options : mapping, optional
        fsspec options for the baseline, dataset and output URLs.
    now : callable
        Clock for the metric timestamps (injectable for tests).

    Returns
    -------
    DataQualityResult
        Never raises for bad *data* (it becomes a Failed result with a reason); raises for
        bad *arguments*.

    Raises
    ------
    DocumentError, DatasetNotFoundError
        If the baseline files are missing or invalid.
    InvalidParameterError
        If a drift method is unknown or ``max_malformed_fraction`` is outside [0, 1].
    """
    start = time.perf_counter()
    if not 0.0 <= max_malformed_fraction <= 1.0:
        raise InvalidParameterError(
            "max_malformed_fraction of run_data_quality must be in [0, 1]. "
            f"Got {max_malformed_fraction!r} instead.",
            field="max_malformed_fraction",
        )
    baseline: Statistics = _load(baseline_statistics, Statistics, storage_options)
    constraints: Constraints = _load(baseline_constraints, Constraints, storage_options)
    rules = feature_rules(
        constraints,
        numeric_method=numeric_method,
        categorical_method=categorical_method,
        feature_methods=feature_methods,
    )
    options = ProfileOptions(
        string_columns=_string_columns(baseline),
        numeric_columns=frozenset(
            f.name for f in baseline.features if f.numerical_statistics is not None
        ),
    )
    try:
        current, malformed, records, rows = _profile_input(input, options, workers)
    except VigilError as exc:
        code = "InputError" if isinstance(exc, ValueError) else "InternalError"
        return _failed(code, str(exc), start)
    if records == 0:
        return _failed(NO_DATA, _no_data_reason(input), start, malformed=malformed)
    reason = malformed_reason(malformed, records, max_malformed_fraction)
    if reason is not None:
        return _failed(
            "TooManyMalformedRecords", reason, start, malformed=malformed, records=records
        )
    if rows == 0 or current is None:
        return _failed(
            NO_DATA,
            _no_data_reason(input) + f" ({records} records read, none left to analyse)",
            start,
            malformed=malformed,
            records=records,
        )
    report = check_data_quality(current, rules, baseline_distributions(baseline))
    statistics = statistics_document(current)
    violations = _violations_document(report)
    status, message = exit_message(len(report.violations))
    if output is not None:
        emit = {r.name for r in rules if constraints.effective_config(r.name).emit_metrics}
        metrics = data_quality_metrics(
            current, report, emit=emit, endpoint=endpoint, schedule=schedule, timestamp=now()
        )
        files = {
            STATISTICS_FILE: statistics.to_json(),
            CONSTRAINTS_FILE: constraints.to_json(),
            VIOLATIONS_FILE: violations.to_json(),
            METRICS_FILE: metrics_jsonl(metrics),
        }
        for name, text in files.items():
            write_bytes(join(output, name), text.encode(), storage_options=storage_options)
    if post_analytics_processor is not None:
        _run_postprocessor(post_analytics_processor)
    return DataQualityResult(
        status=status,
        exit_message=message,
        statistics=statistics,
        violations=violations,
        report=report,
        malformed=malformed,
        records=records,
        rows=rows,
        output=output,
        seconds=time.perf_counter() - start,
    )


def _no_data_reason(input: CaptureInput | TabularSource) -> str:
    if not isinstance(input, TabularSource):
        where = join(input.root, input.endpoint, input.variant)
        return (
            f"no captured records between {input.start:%Y-%m-%dT%H:%M:%SZ} and "
            f"{input.end:%Y-%m-%dT%H:%M:%SZ} under {where}"
        )
    return f"no rows in {', '.join(input.inputs)}"


def _profile_input(
    input: CaptureInput | TabularSource, options: ProfileOptions, workers: int
) -> tuple[DatasetStatistics | None, MalformedReport, int, int]:
    if isinstance(input, TabularSource):
        try:
            profiled = profile_dataset(input, options=options, workers=workers, on_malformed="skip")
        except VigilError as exc:
            if type(exc).__name__ == "EmptyDatasetError":
                return None, MalformedReport(), 0, 0
            raise
        n = profiled.statistics.item_count + profiled.malformed.count
        return profiled.statistics, profiled.malformed, n, profiled.statistics.item_count
    from vigil.jobs.capture_input import plan_capture

    files = plan_capture(input)
    if not files:
        return None, MalformedReport(), 0, 0
    tasks = [_CaptureTask(group, input, options) for group in _group_files(files, workers)]
    partial = map_reduce(_profile_capture_file, _merge, tasks, workers=workers)
    rows = partial.profile.item_count
    order = list(input.column_names or ())
    names = order + [n for n in partial.profile.columns if n not in order]
    stats = partial.profile.to_statistics(names) if rows else None
    return stats, partial.malformed, partial.in_window + partial.malformed.count, rows


def _run_postprocessor(path: str) -> None:
    spec = importlib.util.spec_from_file_location("vigil_post_analytics_processor", path)
    if spec is None or spec.loader is None:
        raise InvalidParameterError(f"cannot load {path} as Python", path=path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler = getattr(module, "postprocess_handler", None)
    if handler is None or not callable(handler) or inspect.signature(handler).parameters:
        raise InvalidParameterError(
            "post-analytics processor must define postprocess_handler() with no arguments",
            path=path,
            field="postprocess_handler",
        )
    handler()


def evaluate_data_quality(
    *,
    statistics: str,
    baseline_statistics: str,
    baseline_constraints: str,
    output: str | None = None,
    numeric_method: str | None = None,
    categorical_method: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> DataQualityResult:
    """Re-check a window from its statistics.json, without the raw data.

    Drift comes from the two sketches, completeness from the counts, domains from the current
    buckets; the data-type check compares the two files' ``inferred_type`` (a statistics file
    keeps no per-value types). Works on statistics SageMaker computed.
    """
    start = time.perf_counter()
    current_doc: Statistics = _load(statistics, Statistics, storage_options)
    baseline: Statistics = _load(baseline_statistics, Statistics, storage_options)
    constraints: Constraints = _load(baseline_constraints, Constraints, storage_options)
    rules = feature_rules(
        constraints, numeric_method=numeric_method, categorical_method=categorical_method
    )
    current = statistics_from_document(current_doc)
    report = check_data_quality(current, rules, baseline_distributions(baseline))
    violations = _violations_document(report)
    if output is not None:
        write_bytes(
            join(output, VIOLATIONS_FILE),
            violations.to_json().encode(),
            storage_options=storage_options,
        )
    status, message = exit_message(len(report.violations))
    return DataQualityResult(
        status=status,
        exit_message=message,
        statistics=current_doc,
        violations=violations,
        report=report,
        rows=current.item_count,
        output=output,
        seconds=time.perf_counter() - start,
    )
