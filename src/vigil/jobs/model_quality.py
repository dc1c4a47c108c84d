"""The model-quality jobs: a baseline from labelled predictions, and monitoring with delayed labels.

Spec sagemaker-model-monitor.md §6 (metrics, statistics, constraints, violations), §5.2
(metrics), §7.2 (offsets) and §1.5 (ground truth).

Baseline (:func:`suggest_model_quality_baseline`)
    A dataset (CSV with or without header, JSON Lines, Parquet) holding the prediction, the
    probability and the label of each row → ``statistics.json`` with every metric of the
    problem type and ``constraints.json`` with suggested thresholds
    (:mod:`vigil.core.model_quality.constraints`: slack 0.1 by default, 0 for SageMaker's).

Monitoring (:func:`run_model_quality`)
    The window ``[start, end)`` of captured predictions (shifted by ``start_time_offset`` /
    ``end_time_offset`` relative to the scheduled time, as SageMaker does: ``-P8D``/``-P1D`` at
    2020-01-09T13:00 analyse 2020-01-01T13:00–2020-01-08T13:00) is merged with the labels of
    every ground-truth hour folder from the window's start to the execution time
    (:mod:`vigil.jobs.ground_truth`), the metrics are computed and compared with the
    constraints. Outputs, as SageMaker's analyzer writes them (§7.4): ``statistics.json``,
    ``constraint_violations.json``, a copy of ``constraints.json``, and
    ``metrics/cloudwatch_metrics.jsonl`` with one datum per scalar metric, named by its key
    (``accuracy``, ``f2``, ``mae``: the ``model-metrics`` namespace of §5.2). Vigil adds
    ``ground_truth_coverage.json``: predictions in the window, labels read, merged,
    duplicated (the latest wins), without a prediction, and the fraction covered.

How the predicted label is obtained (binary problems)
    From the ``inference_attribute`` when one is given: the label the endpoint served is the
    one users acted on. Otherwise from the probability: positive when ``probability >=
    probability_threshold`` (SageMaker's ``ProbabilityThresholdAttribute``, default 0.5). The
    probability, when given, is also the score of the ROC/PR curves and the AUC; without one
    the predicted labels are the scores. Multiclass problems use the ``inference_attribute``
    (the whole output if none); regression uses it as the predicted value.

Statuses (§7.3), with a distinct ``failure_code`` for each failure:

====================================  =========================================================
``Completed``                         no violation
``CompletedWithViolations``           at least one metric violates its constraint
``Failed``, :data:`NO_DATA`           no captured prediction in the window
``Failed``, :data:`NO_GROUND_TRUTH`   predictions, but no label merged: the reason names the
                                      window, the capture URL, the ground-truth URL and the
                                      hour folders read
``Failed``, :data:`INSUFFICIENT`      fewer merged labels than ``min_labels`` or a coverage
                                      below ``min_coverage``: metrics on 3 labels are noise.
                                      statistics.json and the coverage file are written (to
                                      look at), but no violation and no metric (nothing to
                                      alarm on)
``Failed``, ``TooManyMalformedRecords``  malformed capture or ground-truth records above
                                      ``max_malformed_fraction``
====================================  =========================================================

Re-checking (:func:`evaluate_model_quality`) compares an existing ``statistics.json`` (Vigil's
or SageMaker's, including unknown custom metrics) with a ``constraints.json``, without raw data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vigil.api.expressions import analysis_window, format_offset, parse_delay
from vigil.api.specs import (
    DEFAULT_MIN_LABELS,
    BaselineRef,
    EndpointInput,
    ModelQualityConfig,
    ModelQualityJobSpec,
)
from vigil.core.model_quality import (
    ConstraintCheck,
    GroundTruthCoverage,
    ProblemType,
    score_values,
)
from vigil.engine.base import Engine, FileScan
from vigil.errors import InvalidParameterError
from vigil.formats.model_quality import ModelQualityConstraints, ModelQualityStatistics
from vigil.formats.violations import ConstraintViolations
from vigil.jobs.capture_input import CaptureInput
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
from vigil.jobs.ground_truth import (
    MergedWindow,
    MergePlan,
    PredictionReader,
    WindowReads,
    join_reads,
    merge_reads,
    merge_scan,
    plan_merge,
    read_merge_task,
)
from vigil.jobs.metrics import metrics_jsonl
from vigil.jobs.model_quality_baseline import (
    ModelQualityBaselineResult,
    suggest_model_quality_baseline,
)
from vigil.jobs.model_quality_documents import (
    COVERAGE_FILE,
    DEFAULT_MAX_CURVE_POINTS,
    INSUFFICIENT,
    NO_GROUND_TRUTH,
    check_problem_type,
    check_statistics,
    check_threshold,
    coverage_json,
    metric_data,
    needs_inference,
    rng_of,
    statistics_document,
    write_files,
)
from vigil.jobs.outputs import CONSTRAINTS_FILE, METRICS_FILE, STATISTICS_FILE, VIOLATIONS_FILE
from vigil.storage.objectstore import read_bytes
from vigil.storage.tabular import MalformedReport

__all__ = [
    "COVERAGE_FILE",
    "DEFAULT_MAX_CURVE_POINTS",
    "DEFAULT_MIN_LABELS",
    "INSUFFICIENT",
    "NO_DATA",
    "NO_GROUND_TRUTH",
    "ModelQualityBaselineResult",
    "ModelQualityMonitor",
    "ModelQualityResult",
    "analysis_window",
    "evaluate_model_quality",
    "run_model_quality",
    "statistics_document",
    "suggest_model_quality_baseline",
]

# --------------------------------------------------------------------------------------------
# Monitoring
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelQualityResult:
    """What one model-quality execution produced.

    Attributes
    ----------
    status : ExecutionStatus
    exit_message : str
        SageMaker's (``Completed: Job completed successfully with no violations.``).
    failure_reason : str or None
    failure_code : str or None
        :data:`NO_DATA`, :data:`NO_GROUND_TRUTH`, :data:`INSUFFICIENT`,
        ``"TooManyMalformedRecords"`` or ``"InputError"``.
    statistics : ModelQualityStatistics or None
    violations : ConstraintViolations or None
    check : ConstraintCheck or None
        Violations plus constrained metrics that were missing or undefined.
    coverage : GroundTruthCoverage or None
    window : tuple of datetime or None
        The analysed ``[start, end)``.
    malformed, ground_truth_malformed : MalformedReport
        Malformed capture / ground-truth records (first 20 with file:line).
    invalid : int
        Merged rows left out because their label or prediction was unusable.
    records : int
        Capture records of the window: its predictions plus the malformed records read.
    rows : int
        Rows the metrics were computed on.
    output : str or None
    seconds : float
    """

    status: ExecutionStatus
    exit_message: str
    failure_reason: str | None = None
    failure_code: str | None = None
    statistics: ModelQualityStatistics | None = None
    violations: ConstraintViolations | None = None
    check: ConstraintCheck | None = None
    coverage: GroundTruthCoverage | None = None
    window: tuple[datetime, datetime] | None = None
    malformed: MalformedReport = field(default_factory=MalformedReport)
    ground_truth_malformed: MalformedReport = field(default_factory=MalformedReport)
    invalid: int = 0
    records: int = 0
    rows: int = 0
    output: str | None = None
    seconds: float = 0.0


def _no_ground_truth_reason(merged: MergedWindow, window: tuple[datetime, datetime]) -> str:
    hours = merged.ground_truth_hours
    folders = (
        f"hour folders {hours[0]:%Y/%m/%d/%H} to {hours[-1]:%Y/%m/%d/%H}"
        if hours
        else "no hour folder (the execution time is not after the window's start)"
    )
    c = merged.coverage
    return (
        f"no ground truth merged: {c.predictions} predictions captured between {z(window[0])} "
        f"and {z(window[1])} under {merged.capture_url}, {c.labels} labels read from "
        f"{merged.ground_truth_url} ({folders}, {merged.ground_truth_files} files), none with "
        "the key of one of these predictions (ground-truth eventMetadata.eventId must be the "
        "capture's inferenceId, or its eventId when it has none)"
    )


@dataclass(frozen=True)
class ModelQualityContext:
    """What a model-quality run prepares: its constraints and the files of its merge.

    Attributes
    ----------
    config : ModelQualityConfig
    limits : ModelQualityConstraints or None
        The constraints (None: nothing can be violated).
    plan : MergePlan
        The merge's hours (its files are listed by :meth:`ModelQualityMonitor.partitions`,
        or by the engine that reads its scan).
    window : tuple of datetime
    reader : PredictionReader
        The capture window and where predictions are.
    max_label_delay : timedelta or None
    """

    config: ModelQualityConfig
    limits: ModelQualityConstraints | None
    plan: MergePlan
    window: tuple[datetime, datetime]
    reader: PredictionReader
    max_label_delay: timedelta | None = None


class ModelQualityMonitor(Monitor[ModelQualityContext, WindowReads]):
    """The ``ModelQuality`` monitor type: predictions ⋈ delayed ground truth, scored."""

    monitoring_type = "ModelQuality"

    def prepare(self, run: JobRun) -> ModelQualityContext:
        """Read the constraints and plan the merge (list the capture and ground-truth files).

        Raises
        ------
        InvalidParameterError
            Constraints of another problem type; a run without window or ground truth.
        DocumentError, DatasetNotFoundError
            If the constraints file is missing or invalid.
        """
        spec = run.spec
        if not isinstance(spec, ModelQualityJobSpec):
            raise InvalidParameterError("a ModelQuality job needs model_quality", field="spec")
        config = spec.model_quality
        endpoint = spec.endpoint_input
        if endpoint is None or run.window is None or endpoint.capture_root is None:
            raise InvalidParameterError(
                "a ModelQuality job reads an endpoint's capture root over a window",
                field="endpoint_input",
            )
        if config.ground_truth_url is None:
            raise InvalidParameterError(
                "model_quality.ground_truth_url is not resolved",
                field="model_quality.ground_truth_url",
            )
        problem_type = config.problem_type
        url = spec.baseline.constraints_url
        options = run.storage_options
        limits = (
            ModelQualityConstraints.from_json(read_bytes(url, storage_options=options), source=url)
            if url is not None
            else None
        )
        if limits is not None and limits.problem_type not in (None, problem_type):
            raise InvalidParameterError(
                f"constraints of run_model_quality must be for {problem_type}. Got "
                f"{limits.problem_type} constraints in {url} instead.",
                field="constraints",
            )
        capture = CaptureInput(
            root=endpoint.capture_root,
            endpoint=endpoint.endpoint_name,
            variant=endpoint.variant_name,
            start=run.window[0],
            end=run.window[1],
            inference_attribute=config.inference_attribute,
            storage_options=options,
        )
        probability = config.probability_attribute
        reader = PredictionReader(
            capture,
            probability if problem_type == "BinaryClassification" else None,
            read_inference=needs_inference(problem_type, probability)
            or config.inference_attribute is not None,
        )
        delay = None if config.max_label_delay is None else parse_delay(config.max_label_delay)
        plan = plan_merge(
            reader, config.ground_truth_url, now=run.now, max_label_delay=delay, list_files=False
        )
        return ModelQualityContext(
            config=config,
            limits=limits,
            plan=plan,
            window=run.window,
            reader=reader,
            max_label_delay=delay,
        )

    def partitions(self, run: JobRun, context: ModelQualityContext) -> Sequence[Any]:
        """The capture files of the window, then the ground-truth files."""
        return plan_merge(
            context.reader,
            context.plan.ground_truth,
            now=run.now,
            max_label_delay=context.max_label_delay,
        ).tasks

    def scan(self, run: JobRun, context: ModelQualityContext) -> FileScan[WindowReads]:
        """The window's capture hour folders and the ground-truth hour folders, for Spark."""
        return merge_scan(context.plan, context.reader)

    @staticmethod
    def analyze(partition: Any) -> WindowReads:
        """Read one capture or ground-truth file."""
        return read_merge_task(partition)

    @staticmethod
    def merge(a: WindowReads, b: WindowReads) -> WindowReads:
        """Keep every file's batch at its place in the plan."""
        return merge_reads(a, b)

    def failed(self, run: JobRun, code: str, reason: str, **extra: Any) -> Analysis:
        """A Failed analysis (files written only for InsufficientGroundTruth)."""
        files = extra.pop("files", {})
        summary = extra.pop("summary", {})
        result = ModelQualityResult(
            status=ExecutionStatus.FAILED,
            exit_message=f"Failed: {reason}",
            failure_reason=reason,
            failure_code=code,
            window=run.window,
            **extra,
        )
        return Analysis(
            status=ExecutionStatus.FAILED,
            exit_message=result.exit_message,
            failure_code=code,
            failure_reason=reason,
            records=result.records,
            rows=result.rows if result.statistics is not None else None,
            malformed=result.malformed,
            files=files,
            summary=summary,
            result=result,
        )

    def check(
        self, run: JobRun, context: ModelQualityContext, state: WindowReads | None
    ) -> Analysis:
        """Join, score, check against the constraints; the files SageMaker writes and more."""
        merged = join_reads(context.plan, state)
        cov = merged.coverage
        base: dict[str, Any] = {
            "malformed": merged.capture_malformed,
            "ground_truth_malformed": merged.ground_truth_malformed,
            "records": cov.predictions + merged.capture_malformed.count,  # the window's
            "coverage": cov,
        }
        problem = self._data_problem(run, context, merged)
        if problem is not None:
            return self._failed(run, *problem, merged, **base)
        config, window = context.config, context.window
        scored = score_values(
            config.problem_type,
            labels=merged.labels,
            inference=merged.inference,
            probability=merged.probability,
            threshold=config.probability_threshold,
            rng=rng_of(self.seed),
            max_curve_points=self.max_curve_points,
            sagemaker_r2=config.sagemaker_r2,
        )
        base["invalid"] = scored.unusable
        if scored.report is None:
            reason = (
                f"no ground truth merged with a usable value: all {cov.merged} merged labels or "
                f"predictions between {z(window[0])} and {z(window[1])} are unusable for "
                f"{config.problem_type} (labels from {merged.ground_truth_url})"
            )
            return self._failed(run, NO_GROUND_TRUTH, reason, merged, **base)
        rows = scored.report.item_count
        statistics = statistics_document(scored.report, evaluation_time=run.now)
        coverage_text = coverage_json(merged, window, scored.unusable, rows).encode()
        fraction = rows / cov.predictions
        if rows < config.min_labels or fraction < config.min_coverage:
            reason = (
                f"insufficient ground truth: {rows} of {cov.predictions} predictions between "
                f"{z(window[0])} and {z(window[1])} have a usable label ({fraction:.1%}); at "
                f"least {config.min_labels} labels (min_labels) and {config.min_coverage:.0%} "
                "coverage (min_coverage) are needed before metrics are checked against the "
                "constraints. Labels may still be arriving: a later window offset "
                "(start_time_offset) gives them time"
            )
            files = {STATISTICS_FILE: statistics.to_json().encode(), COVERAGE_FILE: coverage_text}
            return self._failed(
                run, INSUFFICIENT, reason, merged, statistics=statistics, rows=rows, files=files,
                **base,
            )  # fmt: skip
        return self._checked(run, context, merged, statistics, coverage_text, rows, base)

    @staticmethod
    def _data_problem(
        run: JobRun, context: ModelQualityContext, merged: MergedWindow
    ) -> tuple[str, str] | None:
        """``(failure code, reason)`` when the window's data cannot be scored, else None."""
        cov, window = merged.coverage, context.window
        records = cov.predictions + merged.capture_malformed.count
        for bad, total, what in (
            (merged.capture_malformed, records, "capture"),
            (merged.ground_truth_malformed, merged.ground_truth_records, "ground-truth"),
        ):
            why = malformed_reason(bad, total, run.spec.max_malformed_fraction, what)
            if why is not None:
                return "TooManyMalformedRecords", why
        if cov.predictions == 0:
            reason = (
                f"no captured predictions between {z(window[0])} and {z(window[1])} under "
                f"{merged.capture_url}"
            )
            if merged.capture_malformed.count:
                reason += f" ({merged.capture_malformed.count} malformed records)"
            return NO_DATA, reason
        if cov.merged == 0:
            return NO_GROUND_TRUTH, _no_ground_truth_reason(merged, window)
        return None

    @staticmethod
    def _checked(
        run: JobRun,
        context: ModelQualityContext,
        merged: MergedWindow,
        statistics: ModelQualityStatistics,
        coverage_text: bytes,
        rows: int,
        base: dict[str, Any],
    ) -> Analysis:
        """The analysis of a scored window: violations, and every file SageMaker writes."""
        if context.limits is not None:
            check, violations = check_statistics(statistics, context.limits, "run_model_quality")
        else:
            check, violations = ConstraintCheck(()), ConstraintViolations()
        status, message = exit_message(len(violations.violations))
        endpoint = run.spec.endpoint_input
        metrics = metric_data(
            statistics,
            endpoint=endpoint.endpoint_name if endpoint is not None else None,
            schedule=run.schedule,
            timestamp=run.now,
        )
        files = {
            STATISTICS_FILE: statistics.to_json().encode(),
            VIOLATIONS_FILE: violations.to_json().encode(),
            METRICS_FILE: metrics_jsonl(metrics).encode(),
            COVERAGE_FILE: coverage_text,
        }
        if context.limits is not None:
            files[CONSTRAINTS_FILE] = context.limits.to_json().encode()
        result = ModelQualityResult(
            status=status,
            exit_message=message,
            statistics=statistics,
            violations=violations,
            check=check,
            rows=rows,
            window=context.window,
            **base,
        )
        return Analysis(
            status=status,
            exit_message=message,
            records=result.records,
            rows=rows,
            malformed=result.malformed,
            violations=len(violations.violations),
            files=files,
            summary={"ground_truth_coverage": _coverage_summary(result, merged.ground_truth_url)},
            result=result,
        )

    seed: int | None = 0
    """Seed of the bootstrap standard deviations (fixed: a re-run gives the same file)."""

    max_curve_points: int | None = DEFAULT_MAX_CURVE_POINTS
    """Most points of a written ROC/PR curve."""

    def _failed(
        self, run: JobRun, code: str, reason: str, merged: MergedWindow, **extra: Any
    ) -> Analysis:
        analysis = self.failed(run, code, reason, **extra)
        summary = {
            "ground_truth_coverage": _coverage_summary(analysis.result, merged.ground_truth_url)
        }
        return dataclasses.replace(analysis, summary=summary)

    def evaluate(
        self,
        *,
        statistics: str,
        constraints: str,
        baseline_statistics: str | None = None,
        output: str | None = None,
        options: Any = None,
        storage_options: Mapping[str, Any] | None = None,
    ) -> ModelQualityResult:
        """Re-check an existing model-quality ``statistics.json`` against a ``constraints.json``.

        Works on SageMaker's files as well as Vigil's, and checks every constrained metric
        present, custom ones included. Writes ``constraint_violations.json`` into ``output``
        when given. ``baseline_statistics`` and ``options`` are not used (a model-quality
        check compares metrics with thresholds only).

        Raises
        ------
        DocumentError, DatasetNotFoundError
            If a file is missing or invalid.
        InvalidParameterError
            If the constraints are for another problem type than the statistics.
        """
        doc = ModelQualityStatistics.from_json(
            read_bytes(statistics, storage_options=storage_options), source=statistics
        )
        limits = ModelQualityConstraints.from_json(
            read_bytes(constraints, storage_options=storage_options), source=constraints
        )
        check, violations = check_statistics(doc, limits, "evaluate_model_quality")
        if output is not None:
            write_files(output, {VIOLATIONS_FILE: violations.to_json()}, storage_options)
        status, message = exit_message(len(violations.violations))
        return ModelQualityResult(
            status=status,
            exit_message=message,
            statistics=doc,
            violations=violations,
            check=check,
            rows=doc.dataset.item_count if doc.dataset is not None else 0,
            output=output,
        )


def _coverage_summary(result: ModelQualityResult, ground_truth: str) -> dict[str, Any] | None:
    """The ``ground_truth_coverage`` an execution reports (the coverage file's counts)."""
    c = result.coverage
    if c is None:
        return None
    return {
        "predictions": c.predictions,
        "labels": c.labels,
        "merged": c.merged,
        "coverage": c.coverage if c.predictions else None,
        "rows_scored": result.rows,
        "invalid_values": result.invalid,
        "duplicate_labels": c.duplicate_labels,
        "labels_without_prediction": c.labels_without_prediction,
        "duplicate_prediction_keys": c.duplicate_prediction_keys,
        "malformed_ground_truth_records": result.ground_truth_malformed.count,
        "ground_truth_url": ground_truth,
    }


MONITOR = ModelQualityMonitor()
"""The model-quality plug-in."""


def run_model_quality(
    *,
    problem_type: ProblemType,
    capture: CaptureInput,
    ground_truth: str,
    constraints: str | None = None,
    probability_attribute: str | None = None,
    probability_threshold: float = 0.5,
    start_time_offset: str | None = None,
    end_time_offset: str | None = None,
    output: str | None = None,
    schedule: str | None = None,
    min_labels: int = DEFAULT_MIN_LABELS,
    min_coverage: float = 0.0,
    max_label_delay: timedelta | None = None,
    max_malformed_fraction: float = 0.1,
    workers: int = 1,
    seed: int | None = 0,
    max_curve_points: int | None = DEFAULT_MAX_CURVE_POINTS,
    sagemaker_r2: bool = False,
    storage_options: Mapping[str, Any] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    engine: Engine | None = None,
) -> ModelQualityResult:
    """Run one model-quality execution: merge a window with its labels, score, check, write.

    The library's entry point: builds a :class:`~vigil.api.specs.ModelQualityJobSpec` and runs
    it through the execution template (:func:`vigil.jobs.execution.execute`), as a schedule or
    ``vigil monitor run --type model-quality`` does.

    Parameters
    ----------
    problem_type : {"BinaryClassification", "MulticlassClassification", "Regression"}
    capture : CaptureInput
        Capture root, endpoint, variant, the window ``[start, end)`` and, in
        ``inference_attribute``, where the predicted label is (column index or JSONPath).
    ground_truth : str
        Ground-truth root (``{root}/yyyy/mm/dd/hh/*.jsonl``, by collection time).
    constraints : str, optional
        constraints.json URL (Vigil's or SageMaker's); without it nothing can be violated.
    probability_attribute : str, optional
        Where the probability is (binary problems).
    probability_threshold : float, default=0.5
        Positive when ``probability >= threshold`` (used without ``inference_attribute``).
    start_time_offset, end_time_offset : str, optional
        ISO-8601 durations (``-P8D``, ``-P1D``); when given, the analysed window is
        ``[capture.end + start_time_offset, capture.end + end_time_offset)``, ``capture.end``
        being the scheduled time of the execution (spec §7.2).
    output : str, optional
        Where to write the files; nothing is written without it.
    schedule : str, optional
        Schedule name: a metric dimension (with ``Endpoint`` = ``capture.endpoint``).
    min_labels : int, default=100
        Fewest merged, usable labels for metrics to be checked (see :data:`DEFAULT_MIN_LABELS`).
    min_coverage : float, default=0.0
        Smallest fraction of the window's predictions that must have a label.
    max_label_delay : timedelta, optional
        Read only labels collected before the window's end plus this.
    max_malformed_fraction : float, default=0.1
        Fraction of malformed capture (or ground-truth) records above which the execution fails.
    workers : int, default=1
        Processes reading capture and ground-truth files.
    engine : Engine, optional
        Where the partitions run (:func:`vigil.engine.base.create_engine`); default: the local
        engine with ``workers`` processes.
    seed : int or None, default=0
        Randomness of the standard deviations.
    max_curve_points : int or None, default=1000
    sagemaker_r2 : bool, default=False
    storage_options : mapping, optional
        fsspec options for the capture, ground truth, constraints and output.
    now : callable
        Clock: the execution time (the last moment a label can have been collected), the
        ``evaluation_time`` and the metrics' timestamp.

    Returns
    -------
    ModelQualityResult
        Bad *data* becomes a Failed result with a reason; bad *arguments* raise.

    Raises
    ------
    InvalidParameterError
        Unknown problem type; a missing inference attribute; bad offsets, threshold, minimums;
        constraints for another problem type.
    DocumentError, DatasetNotFoundError
        If the constraints file is missing or invalid.
    """
    _check_arguments(
        problem_type,
        probability_threshold=probability_threshold,
        max_malformed_fraction=max_malformed_fraction,
        min_coverage=min_coverage,
        min_labels=min_labels,
        offsets=(start_time_offset, end_time_offset),
    )
    if start_time_offset is not None and end_time_offset is not None:
        t0, t1 = analysis_window(capture.end, start_time_offset, end_time_offset)
        capture = dataclasses.replace(capture, start=t0, end=t1)
    config = ModelQualityConfig.model_construct(
        problem_type=problem_type,
        inference_attribute=capture.inference_attribute,
        probability_attribute=probability_attribute,
        probability_threshold=probability_threshold,
        ground_truth_url=ground_truth,
        min_labels=min_labels,
        min_coverage=min_coverage,
        max_label_delay=(
            None if max_label_delay is None else format_offset(-max_label_delay).lstrip("-")
        ),
        sagemaker_r2=sagemaker_r2,
    )
    spec = ModelQualityJobSpec.model_construct(  # validated above, field by field
        endpoint_input=EndpointInput.model_construct(
            endpoint_name=capture.endpoint, variant_name=capture.variant, capture_root=capture.root
        ),
        baseline=BaselineRef.model_construct(constraints_url=constraints),
        output_url=output or "",
        max_malformed_fraction=max_malformed_fraction,
        workers=workers,
        model_quality=config,
    )
    executed = now()
    run = JobRun(
        spec=spec,
        window=(capture.start, capture.end),
        scheduled_time=executed,
        now=executed,
        output_url=output,
        schedule=schedule,
        workers=workers,
        storage_options=storage_options or capture.storage_options,
        engine=engine,
    )
    monitor = MONITOR
    if seed != monitor.seed or max_curve_points != monitor.max_curve_points:
        monitor = ModelQualityMonitor()
        monitor.seed, monitor.max_curve_points = seed, max_curve_points
    result: ModelQualityResult = execute(run, monitor).result
    return result


def _check_arguments(
    problem_type: str,
    *,
    probability_threshold: float,
    max_malformed_fraction: float,
    min_coverage: float,
    min_labels: int,
    offsets: tuple[str | None, str | None],
) -> None:
    """Raise :class:`InvalidParameterError` for an argument of :func:`run_model_quality` outside
    its documented domain."""
    fn = "run_model_quality"
    check_problem_type(problem_type, fn)
    check_threshold(probability_threshold, fn)
    if not 0.0 <= max_malformed_fraction <= 1.0 or not 0.0 <= min_coverage <= 1.0:
        raise InvalidParameterError(
            f"max_malformed_fraction and min_coverage of {fn} must be in [0, 1]. Got "
            f"{max_malformed_fraction!r} and {min_coverage!r} instead.",
            field="min_coverage",
        )
    if min_labels < 1:
        raise InvalidParameterError(
            f"min_labels of {fn} must be >= 1. Got {min_labels!r} instead.", field="min_labels"
        )
    if (offsets[0] is None) != (offsets[1] is None):
        raise InvalidParameterError(
            f"start_time_offset and end_time_offset of {fn} go together. Got only one.",
            field="start_time_offset",
        )


def evaluate_model_quality(
    *,
    statistics: str,
    constraints: str,
    output: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> ModelQualityResult:
    """Re-check an existing model-quality ``statistics.json`` against a ``constraints.json``.

    See :meth:`ModelQualityMonitor.evaluate`.
    """
    return MONITOR.evaluate(
        statistics=statistics,
        constraints=constraints,
        output=output,
        storage_options=storage_options,
    )
