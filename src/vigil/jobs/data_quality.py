"""The data-quality monitor: a window of traffic (or a dataset) against a baseline.

A plug-in of the execution template (:mod:`vigil.jobs.execution`): it cuts the window into
partitions (groups of capture files, or a dataset's partitions), profiles each with the
baseline's profile code (the partition function), merges the profiles, runs every check of
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

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from vigil.api.specs import (
    BaselineRef,
    DataQualityConfig,
    DataQualityJobSpec,
    DatasetInput,
    EndpointInput,
)
from vigil.core.checks import CheckReport, FeatureBaseline, FeatureRule, check_data_quality
from vigil.core.drift.registry import get_distance
from vigil.core.profile import DatasetProfile, ProfileOptions
from vigil.engine.base import Engine, FileScan
from vigil.errors import InvalidParameterError
from vigil.formats.constraints import Constraints
from vigil.formats.statistics import Statistics
from vigil.formats.violations import ConstraintViolations
from vigil.jobs.documents import (
    baseline_distributions,
    feature_rules,
    statistics_document,
    statistics_from_document,
)
from vigil.jobs.execution import (
    NO_DATA,
    Analysis,
    ExecutionStatus,
    JobRun,
    Monitor,
    execute,
    exit_message,
    malformed_reason,
    z,
)
from vigil.jobs.metrics import data_quality_metrics, metrics_jsonl
from vigil.jobs.outputs import CONSTRAINTS_FILE, METRICS_FILE, STATISTICS_FILE, VIOLATIONS_FILE
from vigil.jobs.profiling import (
    PartitionTask,
    ScanProfile,
    collector_paused,
    dataset_scan,
    profile_partition,
)
from vigil.storage.objectstore import InputFile, join, read_bytes, write_bytes
from vigil.storage.tabular import MalformedReport, TabularSource, plan_partitions

__all__ = [
    "NO_DATA",
    "DataQualityMonitor",
    "DataQualityResult",
    "ExecutionStatus",
    "evaluate_data_quality",
    "exit_message",
    "malformed_reason",
    "run_data_quality",
]

if TYPE_CHECKING:
    from vigil.jobs.capture_input import CaptureBatch, CaptureInput

_log = logging.getLogger(__name__)


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
        Capture records of the window (or dataset rows) read, malformed ones included.
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


# ---- partitions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CaptureTask:
    urls: tuple[str, ...]
    capture: CaptureInput
    options: ProfileOptions


@dataclass
class _Partial:
    """The mergeable state of data quality: a profile and what reading it counted."""

    profile: DatasetProfile
    malformed: MalformedReport
    records: int = 0
    in_window: int = 0
    dropped: int = 0


def _profile_capture_files(task: _CaptureTask) -> _Partial:
    from vigil.jobs.capture_input import read_capture_file

    return _profile_captures(
        (read_capture_file(url, task.capture) for url in task.urls), task.options
    )


def _profile_captures(batches: Iterable[CaptureBatch], options: ProfileOptions) -> _Partial:
    profile = DatasetProfile(options=options)
    partial = _Partial(profile, MalformedReport())
    tables = []
    for batch in batches:
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


@dataclass(frozen=True)
class _CaptureScan:
    """Spark's partition function: whole capture files (``url``, ``data``) → a profile."""

    capture: CaptureInput
    options: ProfileOptions

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> _Partial | None:
        from vigil.jobs.capture_input import decode_capture_file
        from vigil.storage.capture_layout import is_capture_file

        files = [
            (url, data)
            for b in batches
            for url, data in zip(
                b.column("url").to_pylist(), b.column("data").to_pylist(), strict=True
            )
            if is_capture_file(url.rsplit("/", 1)[-1])
        ]
        if not files:
            return None
        files.sort()
        return _profile_captures(
            (decode_capture_file(url, data, self.capture) for url, data in files), self.options
        )


@dataclass(frozen=True)
class _DatasetScan:
    """Spark's partition function over a dataset's rows: a profile, with the data-quality
    counts."""

    profile: ScanProfile

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> _Partial | None:
        found = self.profile(batches)
        if found is None:
            return None
        profile, report = found
        rows = profile.item_count
        return _Partial(profile, report, records=rows + report.count, in_window=rows)


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


# ---- the plug-in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DataQualityBaseline:
    """A data-quality baseline, read once per run.

    Attributes
    ----------
    statistics : Statistics
    constraints : Constraints
    rules : list of FeatureRule
        One per constrained feature, with the spec's drift methods applied.
    distributions : mapping of str to FeatureBaseline
    options : ProfileOptions
        How the window is profiled (the baseline's String and numeric columns).
    """

    statistics: Statistics
    constraints: Constraints
    rules: list[FeatureRule]
    distributions: Mapping[str, FeatureBaseline]
    options: ProfileOptions


class DataQualityMonitor(Monitor[DataQualityBaseline, _Partial]):
    """The ``DataQuality`` monitor type."""

    monitoring_type = "DataQuality"

    def prepare(self, run: JobRun) -> DataQualityBaseline:
        """Read the spec's statistics.json and constraints.json (either may be SageMaker's).

        Raises
        ------
        DocumentError, DatasetNotFoundError
            If a file is missing, invalid or of another kind.
        InvalidParameterError
            If a drift method is unknown.
        """
        spec = run.spec
        baseline = spec.baseline
        if baseline.statistics_url is None or baseline.constraints_url is None:
            raise InvalidParameterError(
                "a DataQuality job needs baseline.statistics_url and baseline.constraints_url",
                field="baseline",
            )
        options = run.storage_options
        statistics: Statistics = _load(baseline.statistics_url, Statistics, options)
        constraints: Constraints = _load(baseline.constraints_url, Constraints, options)
        config = (
            spec.data_quality
            if isinstance(spec, DataQualityJobSpec)
            else DataQualityConfig.model_validate({})
        )
        rules = feature_rules(
            constraints,
            numeric_method=config.drift_method,
            categorical_method=config.categorical_drift_method,
            feature_methods=config.feature_drift_methods,
        )
        profile_options = ProfileOptions(
            string_columns=frozenset(
                f.name for f in statistics.features if f.string_statistics is not None and f.name
            ),
            numeric_columns=frozenset(
                f.name for f in statistics.features if f.numerical_statistics is not None
            ),
        )
        return DataQualityBaseline(
            statistics=statistics,
            constraints=constraints,
            rules=rules,
            distributions=baseline_distributions(statistics),
            options=profile_options,
        )

    def source(self, run: JobRun, baseline: DataQualityBaseline) -> CaptureInput | TabularSource:
        """The run's input: its capture window (columns named as the baseline's) or dataset."""
        spec = run.spec
        if spec.dataset_input is not None:
            from vigil.jobs.baseline import infer_dataset_format

            dataset = spec.dataset_input
            fmt = dataset.dataset_format or infer_dataset_format(dataset.dataset_url)
            return TabularSource(
                (dataset.dataset_url,),
                fmt,
                header=dataset.header,
                storage_options=run.storage_options,
            )
        from vigil.jobs.capture_input import CaptureInput

        endpoint = spec.endpoint_input
        if endpoint is None or run.window is None:
            raise InvalidParameterError("an endpoint job needs its window", field="window")
        if endpoint.capture_root is None:
            raise InvalidParameterError(
                "endpoint_input.capture_root is not resolved", field="endpoint_input.capture_root"
            )
        return CaptureInput(
            root=endpoint.capture_root,
            endpoint=endpoint.endpoint_name,
            variant=endpoint.variant_name,
            start=run.window[0],
            end=run.window[1],
            column_names=tuple(f.name for f in baseline.statistics.features),
            output_columns_position=endpoint.output_columns_position,
            features_attribute=endpoint.features_attribute,
            inference_attribute=endpoint.inference_attribute,
            record_preprocessor=spec.record_preprocessor_script,
            storage_options=run.storage_options,
        )

    def partitions(self, run: JobRun, baseline: DataQualityBaseline) -> Sequence[Any]:
        """Dataset partitions, or groups of ~32 MiB of capture files of the window's hours."""
        source = self.source(run, baseline)
        if isinstance(source, TabularSource):
            workers = run.workers
            planned = plan_partitions(source, min_partitions=2 * workers if workers > 1 else 1)
            spare = min(workers, len(planned)) < (os.cpu_count() or 1)
            return [PartitionTask(p, baseline.options, "skip", spare) for p in planned]
        from vigil.jobs.capture_input import plan_capture

        files = plan_capture(source)
        return [
            _CaptureTask(group, source, baseline.options)
            for group in _group_files(files, run.workers)
        ]

    def scan(self, run: JobRun, baseline: DataQualityBaseline) -> FileScan[_Partial] | None:
        """The input as files for Spark: the window's existing hour folders (whole capture
        files, coalesced into splits), or the dataset's files (Spark's CSV/JSON/Parquet
        readers)."""
        source = self.source(run, baseline)
        if isinstance(source, TabularSource):
            found = dataset_scan(source, baseline.options, "skip")
            assert isinstance(found.analyze, ScanProfile)
            return FileScan(
                found.format,
                found.paths,
                _DatasetScan(found.analyze),
                columns=found.columns,
                header=found.header,
                delimiter=found.delimiter,
                storage_options=found.storage_options,
            )
        from vigil.storage.capture_layout import existing_folders, hour_prefixes

        folders = existing_folders(
            hour_prefixes(source.root, source.endpoint, source.variant, source.start, source.end),
            storage_options=source.storage_options,
        )
        return FileScan(
            "binary",
            tuple(folders),
            _CaptureScan(source, baseline.options),
            folders=True,
            storage_options=source.storage_options,
        )

    @staticmethod
    def analyze(partition: Any) -> _Partial:
        """Profile one partition (capture files or a dataset partition)."""
        if isinstance(partition, _CaptureTask):
            return _profile_capture_files(partition)
        profile, report = profile_partition(partition)
        rows = profile.item_count
        return _Partial(profile, report, records=rows + report.count, in_window=rows)

    @staticmethod
    def merge(a: _Partial, b: _Partial) -> _Partial:
        """Merge two partitions' profiles and counts."""
        a.profile.merge(b.profile)
        a.malformed.merge(b.malformed)
        a.records += b.records
        a.in_window += b.in_window
        a.dropped += b.dropped
        return a

    def check(self, run: JobRun, baseline: DataQualityBaseline, state: _Partial | None) -> Analysis:
        """Check the window's profile against the baseline; the files SageMaker writes."""
        source = self.source(run, baseline)
        malformed = state.malformed if state is not None else MalformedReport()
        records = state.in_window + malformed.count if state is not None else 0
        if records == 0:
            return self.failed(run, NO_DATA, _no_data_reason(source), malformed=malformed)
        reason = malformed_reason(malformed, records, run.spec.max_malformed_fraction)
        if reason is not None:
            return self.failed(
                run, "TooManyMalformedRecords", reason, malformed=malformed, records=records
            )
        assert state is not None
        rows = state.profile.item_count
        if rows == 0:
            return self.failed(
                run,
                NO_DATA,
                _no_data_reason(source) + f" ({records} records read, none left to analyse)",
                malformed=malformed,
                records=records,
            )
        order = list(getattr(source, "column_names", None) or ())
        names = order + [n for n in state.profile.columns if n not in order]
        with collector_paused():
            current = state.profile.to_statistics(names)
        report = check_data_quality(current, baseline.rules, baseline.distributions)
        statistics = statistics_document(current)
        violations = _violations_document(report)
        status, message = exit_message(len(report.violations))
        constraints = baseline.constraints
        emit = {r.name for r in baseline.rules if constraints.effective_config(r.name).emit_metrics}
        endpoint = run.spec.endpoint_input
        metrics = data_quality_metrics(
            current,
            report,
            emit=emit,
            endpoint=endpoint.endpoint_name if endpoint is not None else None,
            schedule=run.schedule,
            timestamp=run.now,
        )
        files = {
            STATISTICS_FILE: statistics.to_json().encode(),
            CONSTRAINTS_FILE: constraints.to_json().encode(),
            VIOLATIONS_FILE: violations.to_json().encode(),
            METRICS_FILE: metrics_jsonl(metrics).encode(),
        }
        result = DataQualityResult(
            status=status,
            exit_message=message,
            statistics=statistics,
            violations=violations,
            report=report,
            malformed=malformed,
            records=records,
            rows=rows,
        )
        return Analysis(
            status=status,
            exit_message=message,
            records=records,
            rows=rows,
            malformed=malformed,
            violations=len(report.violations),
            files=files,
            result=result,
        )

    def failed(
        self,
        run: JobRun,
        code: str,
        reason: str,
        *,
        malformed: MalformedReport | None = None,
        records: int = 0,
    ) -> Analysis:
        """A Failed analysis with its code and reason (nothing is written)."""
        malformed = malformed if malformed is not None else MalformedReport()
        result = DataQualityResult(
            status=ExecutionStatus.FAILED,
            exit_message=f"Failed: {reason}",
            failure_reason=reason,
            failure_code=code,
            malformed=malformed,
            records=records,
        )
        return Analysis(
            status=ExecutionStatus.FAILED,
            exit_message=result.exit_message,
            failure_code=code,
            failure_reason=reason,
            records=records,
            malformed=malformed,
            result=result,
        )

    def report_context(self, run: JobRun, context: DataQualityBaseline) -> dict[str, Any]:
        """The baseline's statistics (distributions and distances in ``report.html``) and the
        drift methods the job used."""
        spec = run.spec
        config = spec.data_quality if isinstance(spec, DataQualityJobSpec) else None
        methods = None
        if config is not None and (
            config.drift_method or config.categorical_drift_method or config.feature_drift_methods
        ):
            methods = {
                "numeric_method": config.drift_method,
                "categorical_method": config.categorical_drift_method,
                "feature_methods": dict(config.feature_drift_methods),
            }
        return {"baseline_statistics": context.statistics, "drift_methods": methods}

    def evaluate(
        self,
        *,
        statistics: str,
        constraints: str,
        baseline_statistics: str | None = None,
        output: str | None = None,
        options: Any = None,
        storage_options: Mapping[str, Any] | None = None,
    ) -> DataQualityResult:
        """Re-check a window from its statistics.json, without the raw data.

        Drift comes from the two sketches, completeness from the counts, domains from the
        current buckets; the data-type check compares the two files' ``inferred_type`` (a
        statistics file keeps no per-value types). Works on statistics SageMaker computed.

        Raises
        ------
        DocumentError, DatasetNotFoundError
            If a file is missing, invalid or of another kind.
        InvalidParameterError
            If a drift method is unknown.
        """
        if baseline_statistics is None:
            raise InvalidParameterError(
                "baseline_statistics is required to re-check data quality (drift is measured "
                "against it)",
                field="baseline_statistics",
            )
        config = options if options is not None else DataQualityConfig.model_validate({})
        current_doc: Statistics = _load(statistics, Statistics, storage_options)
        baseline: Statistics = _load(baseline_statistics, Statistics, storage_options)
        limits: Constraints = _load(constraints, Constraints, storage_options)
        rules = feature_rules(
            limits,
            numeric_method=config.drift_method,
            categorical_method=config.categorical_drift_method,
            feature_methods=config.feature_drift_methods,
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
        )


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


def _no_data_reason(input: CaptureInput | TabularSource) -> str:
    if not isinstance(input, TabularSource):
        where = join(input.root, input.endpoint, input.variant)
        return f"no captured records between {z(input.start)} and {z(input.end)} under {where}"
    return f"no rows in {', '.join(input.inputs)}"


# ---- the library's entry points --------------------------------------------------------------


def run_data_quality(
    *,
    baseline_statistics: str,
    baseline_constraints: str,
    input: CaptureInput | TabularSource,
    output: str | None = None,
    schedule: str | None = None,
    workers: int = 1,
    max_malformed_fraction: float = 0.1,
    numeric_method: str | None = None,
    categorical_method: str | None = None,
    feature_methods: Mapping[str, str] | None = None,
    post_analytics_processor: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    engine: Engine | None = None,
) -> DataQualityResult:
    """Run one data-quality execution and write its outputs (the library's entry point).

    Builds a :class:`~vigil.api.specs.DataQualityJobSpec` and runs it through the execution
    template (:func:`vigil.jobs.execution.execute`), as a schedule or ``vigil monitor run``
    does.

    Parameters
    ----------
    baseline_statistics, baseline_constraints : str
        URLs of the baseline statistics.json / constraints.json (Vigil's or SageMaker's).
    input : CaptureInput or TabularSource
        A capture window (endpoint/variant/hour layout; its columns are named as the
        baseline's) or a dataset (batch monitoring, its first input).
    output : str, optional
        Directory or URL for the outputs; nothing is written without it.
    schedule : str, optional
        Schedule name: a metric dimension (with ``Endpoint``, the capture's endpoint).
    workers : int, default=1
        Worker processes.
    engine : Engine, optional
        Where the partitions run (:func:`vigil.engine.base.create_engine`); default: the local
        engine with ``workers`` processes.
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
    if not 0.0 <= max_malformed_fraction <= 1.0:
        raise InvalidParameterError(
            "max_malformed_fraction of run_data_quality must be in [0, 1]. "
            f"Got {max_malformed_fraction!r} instead.",
            field="max_malformed_fraction",
        )
    for method in (numeric_method, categorical_method, *(feature_methods or {}).values()):
        if method is not None:
            get_distance(method)
    source: dict[str, Any]
    window = None
    if isinstance(input, TabularSource):
        source = {
            "dataset_input": DatasetInput.model_construct(
                dataset_url=input.inputs[0], dataset_format=input.format, header=input.header
            )
        }
    else:
        source = {
            "endpoint_input": EndpointInput.model_construct(
                endpoint_name=input.endpoint,
                variant_name=input.variant,
                capture_root=input.root,
                features_attribute=input.features_attribute,
                inference_attribute=input.inference_attribute,
                output_columns_position=input.output_columns_position,
            )
        }
        window = (input.start, input.end)
    spec = DataQualityJobSpec.model_construct(
        monitoring_type="DataQuality",
        baseline=BaselineRef(
            statistics_url=baseline_statistics, constraints_url=baseline_constraints
        ),
        output_url=output or "",
        max_malformed_fraction=max_malformed_fraction,
        workers=workers,
        record_preprocessor_script=getattr(input, "record_preprocessor", None),
        post_analytics_processor_script=post_analytics_processor,
        data_quality=DataQualityConfig.model_construct(
            drift_method=numeric_method,
            categorical_drift_method=categorical_method,
            feature_drift_methods=dict(feature_methods or {}),
        ),
        data_analysis_start_time=None,
        data_analysis_end_time=None,
        **source,
    )
    t = now()
    run = JobRun(
        spec=spec,
        window=window,
        scheduled_time=t,
        now=t,
        output_url=output,
        schedule=schedule,
        workers=workers,
        storage_options=storage_options,
        engine=engine,
    )
    result: DataQualityResult = execute(run, MONITOR).result
    return result


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

    See :meth:`DataQualityMonitor.evaluate`.
    """
    for method in (numeric_method, categorical_method):
        if method is not None:
            get_distance(method)
    return MONITOR.evaluate(
        statistics=statistics,
        constraints=baseline_constraints,
        baseline_statistics=baseline_statistics,
        output=output,
        options=DataQualityConfig.model_construct(
            drift_method=numeric_method,
            categorical_drift_method=categorical_method,
            feature_drift_methods={},
        ),
        storage_options=storage_options,
    )


MONITOR = DataQualityMonitor()
"""The data-quality plug-in."""
