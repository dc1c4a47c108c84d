"""One execution template for every monitor type: read → analyse → merge → check → publish.

A monitor type plugs in as a :class:`Monitor`: it loads its baseline, cuts its input into
partitions, analyses one partition into a mergeable state (the partition function an engine runs:
in a local process pool, or on Spark), optionally describes its input as files for an engine
with readers of its own (:meth:`Monitor.scan`: Spark reads them and runs the scan's partition
function in ``mapInArrow``), merges two states, and
checks the merged state against the baseline, giving an :class:`Analysis`: a status, counts, the
files to write and the type's own result object. :func:`execute` does the rest, the same way for
every type: it runs the partitions on the run's engine (:func:`run_engine`, the spec's
``engine`` block), publishes the files exactly once under the
execution's folder (:mod:`vigil.jobs.outputs`), and runs the post-analytics script.

The shells (the CLI's ``vigil monitor run``, the scheduler's worker) build a :class:`JobRun` from a
typed job spec (:mod:`vigil.api.specs`) and call :func:`vigil.jobs.monitors.run_monitoring_job`;
they never call a job's internals.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import os
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, ClassVar, Generic, TypeVar

from vigil.api.expressions import parse_offset
from vigil.api.specs import DataQualityJobSpec, ModelQualityJobSpec, MonitoringJobSpec
from vigil.engine.base import Engine, FileScan, Work, create_engine
from vigil.engine.local import LocalEngine
from vigil.errors import EngineError, InvalidParameterError, VigilError
from vigil.jobs.outputs import (
    REPORT_FILE,
    Manifest,
    mark_post_analytics,
    publish,
    published_outcome,
)
from vigil.storage.tabular import MalformedReport

__all__ = [
    "NO_DATA",
    "Analysis",
    "ExecutionStatus",
    "JobRun",
    "Monitor",
    "execute",
    "exit_message",
    "malformed_reason",
    "resolve_window",
    "run_engine",
]

BaselineT = TypeVar("BaselineT")
StateT = TypeVar("StateT")

NO_DATA = "NoData"
"""Failure code of a window that holds no record (every monitor type)."""

ATTEMPT_ENV = "vigil_attempt_id"
"""Environment variable naming the attempt, for a post-analytics script."""


class ExecutionStatus(str, Enum):
    """Terminal statuses of a monitoring execution (SageMaker's names)."""

    COMPLETED = "Completed"
    COMPLETED_WITH_VIOLATIONS = "CompletedWithViolations"
    FAILED = "Failed"


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


def resolve_window(
    spec: MonitoringJobSpec,
    *,
    scheduled_time: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
) -> tuple[datetime, datetime] | None:
    """The window ``[start, end)`` a run analyses (spec §7.2), or None for a dataset.

    An explicit ``start``/``end`` wins; otherwise the spec's offsets
    (``data_analysis_start_time``/``_end_time``) count from ``scheduled_time``.

    Raises
    ------
    InvalidParameterError
        If an endpoint job has neither a window nor offsets, only half a window, or a window
        that ends before it starts.
    """
    if spec.endpoint_input is None:
        return None
    if (start is None) != (end is None):
        raise InvalidParameterError(
            "the window needs both its start and its end", field="start" if start is None else "end"
        )
    if start is not None and end is not None:
        if spec.data_analysis_start_time is not None:
            raise InvalidParameterError(
                "give either an explicit window (start/end) or the offsets "
                "(data_analysis_start_time/data_analysis_end_time), not both",
                field="start",
            )
        window = (start.astimezone(UTC), end.astimezone(UTC))
    elif spec.data_analysis_start_time is not None and spec.data_analysis_end_time is not None:
        window = (
            (scheduled_time + parse_offset(spec.data_analysis_start_time)).astimezone(UTC),
            (scheduled_time + parse_offset(spec.data_analysis_end_time)).astimezone(UTC),
        )
    else:
        raise InvalidParameterError(
            "the window of an endpoint job needs a start and an end, or the offsets "
            "data_analysis_start_time and data_analysis_end_time",
            field="start",
        )
    if window[1] < window[0]:
        raise InvalidParameterError("the window must not end before it starts", field="end")
    return window


@dataclass(frozen=True)
class JobRun:
    """One run of a monitoring job: the typed spec and where and when it runs.

    Attributes
    ----------
    spec : DataQualityJobSpec or ModelQualityJobSpec
        What to do (:meth:`vigil.api.specs.MonitoringJobSpec.typed`).
    window : tuple of datetime or None
        The analysis window ``[start, end)`` (aware UTC; None for a dataset).
    scheduled_time : datetime
        The nominal time (offsets count from it; the output folder's hour).
    now : datetime
        The execution time: metric timestamps, and the last moment a label can have been
        collected (model quality).
    output_url : str or None
        The folder the files are published into (already the §7.4 path); None writes nothing.
    schedule : str or None
        The schedule's name (a metric dimension).
    execution : str or None
        The execution's identity (``{schedule}/{id}``): a retry finding it published adopts it.
    attempt : str
        This attempt's id (staging folder, ``vigil_attempt_id`` of the post-analytics script).
    workers : int
        Worker processes of the local engine.
    storage_options : mapping or None
        fsspec options of the job's URLs.
    engine : Engine or None
        The engine to run on; None: the one the spec's ``engine`` block names
        (:func:`run_engine`).
    """

    spec: DataQualityJobSpec | ModelQualityJobSpec
    window: tuple[datetime, datetime] | None
    scheduled_time: datetime
    now: datetime
    output_url: str | None = None
    schedule: str | None = None
    execution: str | None = None
    attempt: str = field(default_factory=lambda: uuid.uuid4().hex)
    workers: int = 1
    storage_options: Mapping[str, Any] | None = None
    engine: Engine | None = None

    def __post_init__(self) -> None:
        for name in ("scheduled_time", "now"):
            if getattr(self, name).tzinfo is None:
                raise InvalidParameterError(
                    f"{name} of JobRun must be timezone-aware. Got {getattr(self, name)!r} "
                    "instead.",
                    field=name,
                )
        if self.workers < 1:
            raise InvalidParameterError(
                f"workers of JobRun must be >= 1. Got {self.workers!r} instead.", field="workers"
            )


@dataclass(frozen=True)
class Analysis:
    """What checking one window produced, for every monitor type.

    Attributes
    ----------
    status : ExecutionStatus
    exit_message : str
        SageMaker's exit message.
    failure_code, failure_reason : str or None
        Why a Failed execution failed (the code classifies it: ``NoData``, …).
    records : int
        Records of the window read (malformed ones included).
    rows : int or None
        Rows analysed (None when the type did not get that far).
    malformed : MalformedReport
    violations : int or None
        Violations found (None when nothing was checked).
    files : mapping of str to bytes
        What to publish (relative name → content).
    summary : mapping
        Type-specific outcome fields (``ground_truth_coverage``), JSON-serialisable.
    result : object
        The type's own result (``DataQualityResult``, ``ModelQualityResult``): what the shells
        render (None for an outcome adopted from an earlier attempt).
    published : bool
        Whether the execution's files are in its output folder (set by :func:`execute`).
    """

    status: ExecutionStatus
    exit_message: str
    failure_code: str | None = None
    failure_reason: str | None = None
    records: int = 0
    rows: int | None = None
    malformed: MalformedReport = field(default_factory=MalformedReport)
    violations: int | None = None
    files: Mapping[str, bytes] = field(default_factory=dict)
    summary: Mapping[str, Any] = field(default_factory=dict)
    result: Any = None
    published: bool = False

    def outcome(self, output_url: str | None) -> dict[str, Any]:
        """The outcome the scheduler records (plain JSON)."""
        return {
            "status": self.status.value,
            "exit_message": self.exit_message,
            "failure_reason": self.failure_reason,
            "output_url": output_url,
            "records": self.records,
            "rows": self.rows,
            "violations": self.violations,
            "malformed": self.malformed.count,
            **self.summary,
        }


class Monitor(ABC, Generic[BaselineT, StateT]):
    """A monitor type: what :func:`execute` needs to know of it.

    Its ``check`` and ``failed`` give an :class:`Analysis` whose ``result`` is a frozen
    dataclass with ``output`` and ``seconds`` fields (set by :func:`execute`).

    ``analyze`` and ``merge`` are static methods (picklable by reference) that engines run in
    worker processes: ``analyze(partition)`` returns the partition's mergeable state, ``merge``
    combines two states (associative; order-free unless the state records its partition).
    """

    monitoring_type: ClassVar[str]

    @abstractmethod
    def prepare(self, run: JobRun) -> BaselineT:
        """Read and check the baseline files the run needs, and plan what to read.

        Raises
        ------
        DocumentError, DatasetNotFoundError
            If a baseline file is missing, invalid or of the wrong kind.
        """

    @abstractmethod
    def partitions(self, run: JobRun, baseline: BaselineT) -> Sequence[Any]:
        """The partitions of the run's input (picklable tasks for :meth:`analyze`)."""

    @staticmethod
    @abstractmethod
    def analyze(partition: Any) -> Any:
        """The mergeable state of one partition (runs in a worker)."""

    @staticmethod
    @abstractmethod
    def merge(a: Any, b: Any) -> Any:
        """Two states combined into one."""

    def scan(self, run: JobRun, baseline: BaselineT) -> FileScan[StateT] | None:
        """The run's input as files for an engine that reads them itself (Spark), or None.

        The scan's partition function takes the Arrow batches of one split and returns the
        same state :meth:`analyze` does for a partition. Default: None, and such an engine
        distributes :meth:`partitions` instead (each partition reads its own input).
        """
        return None

    @abstractmethod
    def check(self, run: JobRun, baseline: BaselineT, state: StateT | None) -> Analysis:
        """Check the merged state (None: no partition) against the baseline."""

    @abstractmethod
    def failed(self, run: JobRun, code: str, reason: str) -> Analysis:
        """A Failed analysis with its code and reason (``InputError``: unreadable input)."""

    @abstractmethod
    def evaluate(
        self,
        *,
        statistics: str,
        constraints: str,
        baseline_statistics: str | None = None,
        output: str | None = None,
        options: Any = None,
        storage_options: Mapping[str, Any] | None = None,
    ) -> Any:
        """Re-check a window's statistics.json against constraints, without the raw data.

        ``options`` is the type's options block; the result is the type's result object.
        """

    def report_context(self, run: JobRun, context: BaselineT) -> dict[str, Any]:
        """What ``report.html`` needs beyond the execution's files (e.g. the baseline's
        statistics): keyword arguments of :func:`vigil.reports.execution_report`."""
        return {}

    def adopted(self, run: JobRun, manifest: Manifest) -> Analysis:
        """The analysis of an earlier attempt that published (its outcome, no result object)."""
        outcome = dict(manifest.outcome)
        status = ExecutionStatus(outcome.pop("status"))
        report = MalformedReport()
        report.count = int(outcome.pop("malformed", 0) or 0)
        known = {"exit_message", "failure_reason", "output_url", "records", "rows", "violations"}
        return Analysis(
            status=status,
            exit_message=str(outcome.get("exit_message") or ""),
            failure_reason=outcome.get("failure_reason"),
            records=int(outcome.get("records") or 0),
            rows=outcome.get("rows"),
            malformed=report,
            violations=outcome.get("violations"),
            summary={k: v for k, v in outcome.items() if k not in known},
            published=True,
        )


def execute(run: JobRun, monitor: Monitor[Any, Any]) -> Analysis:
    """Run one execution of ``monitor`` and publish its files; the template of every type.

    Steps: an earlier attempt of the same execution that published is adopted (nothing is
    analysed or rewritten); otherwise load the baseline, analyse each partition on the run's
    engine (:func:`run_engine`: the local one in ``run.workers`` processes, or Spark), merge,
    check, publish the files (the manifest last) and run the post-analytics script, if any,
    once the outcome is published.

    Returns
    -------
    Analysis
        Its ``result`` has the run's ``output`` and ``seconds`` set.

    Raises
    ------
    InvalidParameterError, DocumentError, DatasetNotFoundError, StorageError
        Bad arguments or baselines, unreadable storage. Bad *data* is a Failed analysis.
    EngineError
        If the engine is unavailable (PySpark or Java missing) or failed underneath.
    """
    started = time.perf_counter()
    options = run.storage_options
    if run.output_url is not None:
        earlier = published_outcome(run.output_url, run.execution, storage_options=options)
        if earlier is not None:
            analysis = monitor.adopted(run, earlier)
            if earlier.post_analytics is None and analysis.status is not ExecutionStatus.FAILED:
                _post_analytics(run, earlier)
            return analysis
    baseline = monitor.prepare(run)
    engine = run_engine(run)
    try:
        state = engine.reduce(
            Work(
                monitor.analyze,
                monitor.merge,
                partitions=lambda: monitor.partitions(run, baseline),
                scan=lambda: monitor.scan(run, baseline),
            )
        )
    except EngineError:
        raise
    except VigilError as exc:  # unreadable input: the run fails with the reason
        code = "InputError" if isinstance(exc, ValueError) else "InternalError"
        analysis = monitor.failed(run, code, str(exc))
    else:
        analysis = monitor.check(run, baseline, state)
    if analysis.files:
        analysis = dataclasses.replace(
            analysis,
            files={**analysis.files, REPORT_FILE: _report(run, monitor, baseline, analysis)},
        )
    manifest = None
    if run.output_url is not None and analysis.files:
        manifest = publish(
            run.output_url,
            analysis.files,
            attempt=run.attempt,
            execution=run.execution,
            outcome=analysis.outcome(run.output_url),
            storage_options=options,
        )
    if analysis.status is not ExecutionStatus.FAILED:
        _post_analytics(run, manifest)
    published = manifest is not None
    if analysis.result is not None:
        result = dataclasses.replace(
            analysis.result,
            output=run.output_url if published else None,
            seconds=time.perf_counter() - started,
        )
        analysis = dataclasses.replace(analysis, result=result, published=published)
    return analysis


def _report(run: JobRun, monitor: Monitor[Any, Any], context: Any, analysis: Analysis) -> bytes:
    """``report.html`` of the analysis (:func:`vigil.reports.execution_report`)."""
    from vigil.reports import execution_report

    return execution_report(
        analysis.files,
        monitoring_type=monitor.monitoring_type,
        status=analysis.status.value,
        exit_message=analysis.exit_message,
        failure_reason=analysis.failure_reason,
        window=run.window,
        generated_at=run.now,
        **monitor.report_context(run, context),
    )


def run_engine(run: JobRun) -> Engine:
    """The engine a run's partitions run on: ``run.engine``, else the spec's ``engine`` block.

    Without either, the local engine with ``run.workers`` processes.

    Raises
    ------
    InvalidParameterError
        If the spec's engine block is inconsistent (see :func:`vigil.engine.base.create_engine`).
    """
    if run.engine is not None:
        return run.engine
    config = run.spec.engine
    if config is None:
        return LocalEngine(run.workers)
    return create_engine(config.type, workers=run.workers, master=config.master, conf=config.conf)


def _post_analytics(run: JobRun, manifest: Manifest | None) -> None:
    path = run.spec.post_analytics_processor_script
    if path is None:
        return
    os.environ[ATTEMPT_ENV] = run.attempt
    try:
        run_script_handler(path, "postprocess_handler")
    finally:
        os.environ.pop(ATTEMPT_ENV, None)
    if manifest is not None and run.output_url is not None:
        mark_post_analytics(
            run.output_url, manifest, attempt=run.attempt, storage_options=run.storage_options
        )


def run_script_handler(path: str, handler_name: str) -> None:
    """Load the Python file ``path`` and call its ``handler_name()`` (no arguments).

    Raises
    ------
    InvalidParameterError
        If the file cannot be loaded or has no such function without parameters.
    """
    spec = importlib.util.spec_from_file_location("vigil_post_analytics_processor", path)
    if spec is None or spec.loader is None:
        raise InvalidParameterError(f"cannot load {path} as Python", path=path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler = getattr(module, handler_name, None)
    if handler is None or not callable(handler) or inspect.signature(handler).parameters:
        raise InvalidParameterError(
            f"post-analytics processor must define {handler_name}() with no arguments",
            path=path,
            field=handler_name,
        )
    handler()


def z(t: datetime) -> str:
    """A time as SageMaker prints it in messages (``2024-05-01T10:00:00Z``)."""
    return f"{t.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
