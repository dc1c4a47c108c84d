"""The control plane as a library: endpoints, baselining jobs, schedules and executions.

:class:`ControlPlane` is what the REST API (``vigil.service``) and the CLI (without ``--url``)
call; :class:`vigil.client.Client` offers the same methods over HTTP. Every method takes and
returns the documents of :mod:`vigil.api.resources`; errors are
:class:`~vigil.errors.VigilError` subclasses that name the field concerned.

Paths and URLs
    Local paths are made absolute when a resource is created (a service and its workers may
    not share a working directory). With ``allowed_url_prefixes`` the control plane refuses
    any URL outside those prefixes (``/srv/vigil/``, ``s3://bucket/monitoring/``), so that a
    caller of the API cannot make the service read or write anywhere else.

Updating a schedule (:meth:`ControlPlane.update_monitoring_schedule`, SageMaker's
``UpdateMonitoringSchedule``)
    The whole definition is replaced (validated as at creation); the name and the monitoring
    type stay. Planning continues from the schedule's last scheduled time: the next nominal
    time is the new expression's first one after it, so no nominal time is planned twice and
    none after it is skipped (a scheduler that fell behind plans the missed ones, under the new
    definition, as it would have under the old one). A window already planned (same start and
    end, e.g. after an offset change) is not planned again. Executions already planned (Pending)
    or running keep the definition they were planned with: they run, or finish, as before
    (stop them with :meth:`ControlPlane.stop_monitoring_execution` to drop them). The status
    is kept: a Stopped or Failed schedule stays so until :meth:`ControlPlane.
    start_monitoring_schedule`.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import uuid4

from vigil.api.expressions import ScheduleExpression, parse_offset
from vigil.api.resources import (
    BaseliningJob,
    BaseliningJobSpec,
    Endpoint,
    EndpointConfig,
    EndpointCreate,
    GroundTruthCoverageSummary,
    ListPage,
    MonitoringExecution,
    MonitoringSchedule,
    MonitoringScheduleSpec,
    RunNowRequest,
)
from vigil.api.specs import SPEC_VERSION
from vigil.errors import InvalidParameterError, StorageError, VigilError
from vigil.formats.constraints import Constraints
from vigil.formats.model_quality import ModelQualityConstraints, ModelQualityStatistics
from vigil.formats.statistics import Statistics
from vigil.jobs.outputs import execution_output_url as output_folder
from vigil.scheduling.baselining import BaselineRunner
from vigil.scheduling.clock import Clock, SystemClock
from vigil.settings import get_settings
from vigil.storage.metadata import (
    SCHEDULED_RUN_KEY,
    BaseliningJobRecord,
    BaseliningJobStatus,
    EndpointRecord,
    ExecutionRecord,
    MetadataStore,
    MonitoringExecutionStatus,
    MonitoringScheduleStatus,
    ResourceConflictError,
    ResourceNotFoundError,
    ScheduleRecord,
)
from vigil.storage.objectstore import exists, join, read_bytes

__all__ = [
    "ControlPlane",
    "UrlPolicy",
    "baselining_job_model",
    "default_ground_truth_url",
    "endpoint_model",
    "execution_model",
    "execution_output_url",
    "offsets",
    "resolve_spec",
    "schedule_model",
    "validate_baseline",
    "validate_model_quality_baseline",
    "validate_schedule_baseline",
]

_log = logging.getLogger(__name__)

M = TypeVar("M")

_UPDATE_ATTEMPTS = 5
"""Tries of an update that races with planning (each re-reads the schedule)."""


# ---- URLs ------------------------------------------------------------------------------------


def _is_local(url: str) -> bool:
    return "://" not in url and "::" not in url


def _normalise(url: str) -> str:
    if url.startswith("file://"):
        url = url[len("file://") :]
    if _is_local(url):
        return os.path.abspath(os.path.expanduser(url))
    return url


@dataclass(frozen=True)
class UrlPolicy:
    """Which URLs the control plane may read and write.

    Attributes
    ----------
    allowed_prefixes : tuple of str or None
        None: any URL. Otherwise a URL (local paths made absolute) must equal a prefix or lie
        under it.
    """

    allowed_prefixes: tuple[str, ...] | None = None

    def check(self, url: str, field: str) -> str:
        """The normalised ``url`` (local paths absolute), if allowed.

        Raises
        ------
        InvalidParameterError
            Naming ``field``.
        """
        try:
            normal = _normalise(url)
        except (ValueError, OSError) as exc:
            raise InvalidParameterError(
                f"{field} must be a local path or URL. Got {url!r} instead.", field=field
            ) from exc
        if self.allowed_prefixes is None:
            return normal
        for prefix in self.allowed_prefixes:
            base = _normalise(prefix).rstrip("/")
            if normal == base or normal.startswith(base + "/"):
                return normal
        raise InvalidParameterError(
            f"{field} must be under one of {', '.join(self.allowed_prefixes)}. Got {url!r} "
            "instead.",
            field=field,
        )


def validate_baseline(
    statistics_url: str, constraints_url: str, *, field: str = "baseline"
) -> None:
    """Check that both baseline files exist, parse, and are what they claim to be.

    A statistics.json needs ``dataset`` and at least one feature; a constraints.json at least
    one feature and no ``dataset`` (a statistics.json given as constraints would otherwise
    parse: the readers are tolerant).

    Raises
    ------
    InvalidParameterError
        Naming ``{field}.statistics_url`` or ``{field}.constraints_url`` and why.
    """
    for name, url, kind in (
        ("statistics_url", statistics_url, Statistics),
        ("constraints_url", constraints_url, Constraints),
    ):
        where = f"{field}.{name}"
        try:
            data = read_bytes(url)
            document = kind.from_json(data, source=url)
            raw = json.loads(data)
        except VigilError as exc:
            raise InvalidParameterError(
                f"{where} must be a readable, valid {kind.__name__.lower()} file: {exc.message}",
                path=url,
                field=where,
            ) from exc
        except Exception as exc:  # an fsspec protocol that cannot even be loaded, bad UTF-8 …
            raise InvalidParameterError(
                f"{where} cannot be read: {type(exc).__name__}: {exc}", path=url, field=where
            ) from exc
        problem = None
        if not document.features:
            problem = "has no features"
        elif kind is Statistics and not isinstance(raw.get("dataset"), dict):
            problem = "has no dataset section (is it a constraints.json?)"
        elif kind is Constraints and "dataset" in raw:
            problem = "has a dataset section (is it a statistics.json?)"
        if problem is not None:
            raise InvalidParameterError(
                f"{where} must be a {kind.__name__.lower()} document: it {problem}",
                path=url,
                field=where,
            )


def _read_document(url: str, kind: Any, where: str, what: str) -> Any:
    try:
        return kind.from_json(read_bytes(url), source=url)
    except VigilError as exc:
        raise InvalidParameterError(
            f"{where} must be a readable, valid {what}: {exc.message}", path=url, field=where
        ) from exc
    except Exception as exc:  # an fsspec protocol that cannot even be loaded, bad UTF-8 …
        raise InvalidParameterError(
            f"{where} cannot be read: {type(exc).__name__}: {exc}", path=url, field=where
        ) from exc


def validate_model_quality_baseline(
    constraints_url: str,
    statistics_url: str | None,
    problem_type: str,
    *,
    field: str = "baseline",
) -> None:
    """Check a model-quality baseline: constraints (and statistics, when given) of ``problem_type``.

    A constraints.json must hold the ``<problem>_constraints`` block of ``problem_type``
    (``binary_classification_constraints`` …) and no other; a statistics.json, the
    ``<problem>_metrics`` block of that type (spec §6.2-6.3).

    Raises
    ------
    InvalidParameterError
        Naming ``{field}.constraints_url`` or ``{field}.statistics_url`` and why: missing,
        unreadable, a data-quality file, or another problem type.
    """
    checks: list[tuple[str, str, Any, str]] = [
        ("constraints_url", constraints_url, ModelQualityConstraints, "constraints"),
    ]
    if statistics_url is not None:
        checks.append(("statistics_url", statistics_url, ModelQualityStatistics, "statistics"))
    for name, url, kind, what in checks:
        where = f"{field}.{name}"
        document = _read_document(url, kind, where, f"model-quality {what} file")
        found = document.problem_type
        if found is None:
            problem = f"holds no model-quality {what} block (is it a data-quality file?)"
        elif found != problem_type:
            problem = f"holds {found} {what}, but the schedule's problem_type is {problem_type}"
        else:
            continue
        raise InvalidParameterError(
            f"{where} must be a model-quality {what} file for {problem_type}: it {problem}",
            path=url,
            field=where,
        )


def validate_schedule_baseline(spec: dict[str, Any]) -> None:
    """Check the baseline of a schedule document, as its monitoring type needs it.

    Raises
    ------
    InvalidParameterError
        Naming ``baseline.statistics_url`` or ``baseline.constraints_url``.
    """
    baseline = spec["baseline"]
    if spec.get("monitoring_type") == "ModelQuality":
        validate_model_quality_baseline(
            baseline["constraints_url"],
            baseline.get("statistics_url"),
            spec["model_quality"]["problem_type"],
        )
    else:
        validate_baseline(baseline["statistics_url"], baseline["constraints_url"])


def _check_attributes(quality: dict[str, Any]) -> None:
    """The model-quality attributes are 0-based column indexes or JSONPaths that parse."""
    from vigil.jobs.capture_input import column_index, compile_path

    for key in ("inference_attribute", "probability_attribute"):
        value = quality.get(key)
        if value is not None and column_index(value) is None:
            field = f"model_quality.{key}"
            try:
                compile_path(value, field)
            except InvalidParameterError as exc:
                raise InvalidParameterError(
                    f"{field} must be a 0-based column index (CSV output) or a JSONPath (JSON "
                    f"output). Got {value!r} instead.",
                    field=field,
                ) from exc


def _check_exists(url: str, field: str) -> None:
    try:
        found = exists(url)
    except Exception as exc:
        raise InvalidParameterError(
            f"{field} cannot be checked: {type(exc).__name__}: {exc}", path=url, field=field
        ) from exc
    if not found:
        raise InvalidParameterError(f"{field} does not exist", path=url, field=field)


# ---- records → documents ---------------------------------------------------------------------


def endpoint_model(record: EndpointRecord) -> Endpoint:
    """The API document of an endpoint record."""
    return Endpoint(
        name=record.name,
        config=record.config,
        creation_time=record.created_at,
        last_modified_time=record.last_modified_at,
    )


def baselining_job_model(record: BaseliningJobRecord) -> BaseliningJob:
    """The API document of a baselining job record (refused if a newer Vigil stored it)."""
    check_spec_version(record)
    return BaseliningJob.model_validate(
        {
            **record.spec,
            "name": record.name,
            "status": record.status,
            "failure_reason": record.failure_reason,
            "statistics_url": record.statistics_url,
            "constraints_url": record.constraints_url,
            "summary": record.summary,
            "creation_time": record.created_at,
            "end_time": record.ended_at,
            "last_modified_time": record.last_modified_at,
        }
    )


def check_spec_version(record: ScheduleRecord | ExecutionRecord | BaseliningJobRecord) -> None:
    """Refuse a stored spec written by a newer Vigil (a higher ``spec_version``).

    Raises
    ------
    StorageError
        Naming the record and both versions.
    """
    if record.spec_version > SPEC_VERSION:
        name = getattr(record, "name", None) or f"execution {getattr(record, 'id', '?')}"
        raise StorageError(
            f"{name} was stored by a newer Vigil (spec version {record.spec_version}; this "
            f"version reads up to {SPEC_VERSION}): upgrade Vigil to use it",
            field="spec_version",
        )


def schedule_model(record: ScheduleRecord) -> MonitoringSchedule:
    """The API document of a schedule record.

    Raises
    ------
    StorageError
        If the record was stored by a newer Vigil (:func:`check_spec_version`).
    """
    check_spec_version(record)
    return MonitoringSchedule.model_validate(
        {
            **record.spec,
            "status": record.status,
            "failure_reason": record.failure_reason,
            "endpoint_name": record.endpoint_name,
            "creation_time": record.created_at,
            "last_modified_time": record.last_modified_at,
            "last_scheduled_time": record.cursor_time,
            "next_scheduled_time": record.next_time,
        }
    )


def execution_model(record: ExecutionRecord) -> MonitoringExecution:
    """The API document of an execution record."""
    return MonitoringExecution(
        execution_id=record.id,
        schedule_name=record.schedule_name,
        monitoring_type=record.monitoring_type,
        endpoint_name=record.endpoint_name,
        trigger="Scheduled" if record.run_key == SCHEDULED_RUN_KEY else "Manual",
        scheduled_time=record.scheduled_time,
        window_start=record.window_start,
        window_end=record.window_end,
        status=record.status,
        failure_reason=record.failure_reason,
        exit_message=record.exit_message,
        output_url=record.output_url,
        records=record.records,
        rows=record.rows,
        violations=record.violations,
        malformed=record.malformed,
        ground_truth_coverage=None
        if record.ground_truth_coverage is None
        else GroundTruthCoverageSummary.model_validate(record.ground_truth_coverage),
        attempts=record.attempts,
        start_time=record.started_at,
        end_time=record.ended_at,
        creation_time=record.created_at,
        last_modified_time=record.last_modified_at,
    )


def _page(page: Any, convert: Callable[[Any], M]) -> ListPage[M]:
    return ListPage[M](items=[convert(r) for r in page.items], next_token=page.next_token)


def default_ground_truth_url() -> str:
    """``{VIGIL_DATA_DIR}/groundtruth``: where the service files ``POST /ground-truth`` labels."""
    return join(_normalise(get_settings().data_dir), "groundtruth")


def resolve_spec(store: MetadataStore, spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with the defaults that depend on the outside world filled in.

    The capture root of its endpoint input is the schedule's ``capture_root``, else the
    endpoint's ``data_capture.destination``, else ``{VIGIL_DATA_DIR}/capture``. The
    ground truth of a ModelQuality schedule is ``model_quality.ground_truth_url``, else
    ``{VIGIL_DATA_DIR}/groundtruth``. Both are resolved when executions are planned, so that
    they follow the endpoint's configuration and the service's data directory.

    Raises
    ------
    InvalidParameterError
        If the endpoint does not exist (field ``endpoint_input.endpoint_name``).
    """
    quality = spec.get("model_quality")
    if isinstance(quality, dict) and not quality.get("ground_truth_url"):
        spec = {
            **spec,
            "model_quality": {**quality, "ground_truth_url": default_ground_truth_url()},
        }
    endpoint_input = spec.get("endpoint_input")
    if not endpoint_input:
        return spec
    name = endpoint_input["endpoint_name"]
    try:
        config = store.endpoints.get(name).config
    except ResourceNotFoundError as exc:
        raise InvalidParameterError(
            f"endpoint_input.endpoint_name names no endpoint: {name!r} (create it first)",
            field="endpoint_input.endpoint_name",
        ) from exc
    if endpoint_input.get("capture_root"):
        return spec
    capture = config.get("data_capture") or {}
    root = capture.get("destination") if isinstance(capture, dict) else None
    if not root:
        root = join(_normalise(get_settings().data_dir), "capture")
    return {**spec, "endpoint_input": {**endpoint_input, "capture_root": root}}


# ---- the control plane -------------------------------------------------------------------------


class ControlPlane:
    """Endpoints, baselining jobs, monitoring schedules and executions over a metadata store.

    Parameters
    ----------
    store : MetadataStore
    clock : Clock, optional
        "Now" for created/modified times and for the first nominal time of a schedule.
    baselines : BaselineRunner, optional
        Runs baselining jobs in the background; without it :meth:`start_baselining_job` runs
        the job in the calling thread and returns when it is done.
    url_policy : UrlPolicy, optional
        Which URLs callers may use (default: any).
    """

    def __init__(
        self,
        store: MetadataStore,
        *,
        clock: Clock | None = None,
        baselines: BaselineRunner | None = None,
        url_policy: UrlPolicy | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.baselines = baselines
        self.url_policy = url_policy or UrlPolicy()

    # ---- endpoints -----------------------------------------------------------------------

    def create_endpoint(self, request: EndpointCreate) -> Endpoint:
        """Store a new endpoint configuration (409 if the name is taken)."""
        document = self._endpoint_document(request.config)
        record = self.store.endpoints.create(request.name, document, now=self.clock.now())
        return endpoint_model(record)

    def describe_endpoint(self, name: str) -> Endpoint:
        """The endpoint called ``name``."""
        return endpoint_model(self.store.endpoints.get(name))

    def list_endpoints(
        self, *, limit: int = 100, next_token: str | None = None
    ) -> ListPage[Endpoint]:
        """Endpoints in name order."""
        return _page(self.store.endpoints.list(limit=limit, next_token=next_token), endpoint_model)

    def update_endpoint(self, name: str, config: EndpointConfig) -> Endpoint:
        """Replace an endpoint's configuration."""
        document = self._endpoint_document(config)
        return endpoint_model(self.store.endpoints.update(name, document, now=self.clock.now()))

    def delete_endpoint(self, name: str) -> None:
        """Delete an endpoint no schedule reads."""
        self.store.endpoints.delete(name)

    def _endpoint_document(self, config: EndpointConfig) -> dict[str, Any]:
        document = config.document()
        capture = document.get("data_capture")
        if isinstance(capture, dict) and capture.get("destination"):
            capture["destination"] = self.url_policy.check(
                capture["destination"], "config.data_capture.destination"
            )
        return document

    # ---- baselining jobs -----------------------------------------------------------------

    def start_baselining_job(self, spec: BaseliningJobSpec) -> BaseliningJob:
        """Start a baselining job: DataQuality, or ModelQuality on a labelled dataset.

        With a :class:`BaselineRunner` the job runs in the background and the returned
        document says InProgress; without one it runs now and the document is final.
        A ModelQuality job is stored with its defaults filled in (``probability_threshold``
        0.5, ``slack`` :data:`vigil.core.model_quality.DEFAULT_SLACK`).

        Raises
        ------
        InvalidParameterError
            If a URL is not allowed or the dataset format cannot be inferred.
        ResourceConflictError
            If a job of that name exists.
        """
        from vigil.jobs.baseline import infer_dataset_format

        now = self.clock.now()
        name = spec.name or f"baseline-suggestion-job-{now:%Y-%m-%d-%H-%M-%S-%f}-{uuid4().hex[:4]}"
        document = spec.model_dump(mode="json")
        document["name"] = name
        document["dataset_url"] = self.url_policy.check(spec.dataset_url, "dataset_url")
        document["output_url"] = self.url_policy.check(spec.output_url, "output_url")
        if spec.dataset_format is None:
            try:
                document["dataset_format"] = infer_dataset_format(spec.dataset_url)
            except InvalidParameterError as exc:
                raise InvalidParameterError(exc.message, field="dataset_format") from exc
        if spec.monitoring_type == "ModelQuality":
            from vigil.core.model_quality import DEFAULT_SLACK

            if spec.probability_threshold is None:
                document["probability_threshold"] = 0.5
            if spec.slack is None:
                document["slack"] = DEFAULT_SLACK
        runner = self.baselines or BaselineRunner(self.store, clock=self.clock)
        record = self.store.baselining_jobs.create(
            name,
            monitoring_type=spec.monitoring_type,
            spec=document,
            owner=runner.owner,
            lease_expires_at=runner.lease_expiry(),
            now=now,
        )
        if self.baselines is None:
            return baselining_job_model(runner.run(record))
        self.baselines.submit(record)
        return baselining_job_model(record)

    def describe_baselining_job(self, name: str) -> BaseliningJob:
        """The baselining job called ``name``."""
        return baselining_job_model(self.store.baselining_jobs.get(name))

    def list_baselining_jobs(
        self,
        *,
        status: BaseliningJobStatus | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> ListPage[BaseliningJob]:
        """Baselining jobs, newest first."""
        page = self.store.baselining_jobs.list(status=status, limit=limit, next_token=next_token)
        return _page(page, baselining_job_model)

    # ---- monitoring schedules -------------------------------------------------------------

    def create_monitoring_schedule(self, spec: MonitoringScheduleSpec) -> MonitoringSchedule:
        """Create a schedule (status Pending until a scheduler takes it: then Scheduled).

        Raises
        ------
        InvalidParameterError
            Naming the field: a URL not allowed, an endpoint that does not exist, a baseline
            file that is missing or invalid (or, for ModelQuality, of another problem type),
            an attribute that is neither a column index nor a JSONPath, a script that does not
            exist.
        ResourceConflictError
            If a schedule of that name exists.
        """
        document, endpoint_name = self._schedule_document(spec)
        expression = ScheduleExpression.parse(spec.schedule_expression)
        now = self.clock.now()
        next_time = now if expression.one_time else expression.next_after(now)
        record = self.store.schedules.create(
            spec.name,
            monitoring_type=spec.monitoring_type,
            schedule_expression=spec.schedule_expression,
            endpoint_name=endpoint_name,
            spec=document,
            next_time=next_time,
            now=now,
        )
        _log.info("monitoring schedule created", extra={"schedule": spec.name})
        return schedule_model(record)

    def update_monitoring_schedule(
        self, name: str, spec: MonitoringScheduleSpec
    ) -> MonitoringSchedule:
        """Replace a schedule's definition (SageMaker's ``UpdateMonitoringSchedule``).

        ``spec`` is validated as by :meth:`create_monitoring_schedule`; its name must be
        ``name`` and its monitoring type the schedule's. Planning continues from the last
        scheduled time; executions already planned or running keep their definition; the
        status is kept (see the module docstring).

        Raises
        ------
        ResourceNotFoundError
            If there is no such schedule.
        InvalidParameterError
            As :meth:`create_monitoring_schedule`; also a different ``name`` or
            ``monitoring_type``.
        ResourceConflictError
            If the schedule kept changing under concurrent updates or planning.
        """
        if spec.name != name:
            raise InvalidParameterError(
                f"name of the schedule document must be {name!r} (the schedule updated). Got "
                f"{spec.name!r} instead.",
                field="name",
            )
        current = self.store.schedules.get(name)
        if spec.monitoring_type != current.monitoring_type:
            raise InvalidParameterError(
                f"monitoring_type of a schedule cannot change: {name} is "
                f"{current.monitoring_type}. Got {spec.monitoring_type} instead (create a new "
                "schedule).",
                field="monitoring_type",
            )
        document, endpoint_name = self._schedule_document(spec)
        expression = ScheduleExpression.parse(spec.schedule_expression)
        for _ in range(_UPDATE_ATTEMPTS):
            now = self.clock.now()
            after = current.cursor_time or current.created_at
            if expression.one_time:
                # NOW runs once: not again if it already ran (no next time), else right away
                next_time = None if current.next_time is None else now
            else:
                next_time = expression.next_after(after)
            record = self.store.schedules.replace(
                current,
                schedule_expression=spec.schedule_expression,
                endpoint_name=endpoint_name,
                spec=document,
                next_time=next_time,
                now=now,
            )
            if record is not None:
                _log.info("monitoring schedule updated", extra={"schedule": name})
                return schedule_model(record)
            current = self.store.schedules.get(name)
            if current.monitoring_type != spec.monitoring_type:  # deleted and re-created
                raise InvalidParameterError(
                    f"monitoring_type of a schedule cannot change: {name} is "
                    f"{current.monitoring_type}.",
                    field="monitoring_type",
                )
        raise ResourceConflictError(
            f"monitoring schedule {name} kept changing while it was updated: retry",
            field="name",
        )

    def _schedule_document(self, spec: MonitoringScheduleSpec) -> tuple[dict[str, Any], str | None]:
        """The document to store for ``spec`` (URLs normalised and allowed, files checked)
        and its endpoint name.

        Raises
        ------
        InvalidParameterError
            Naming the field (see :meth:`create_monitoring_schedule`).
        """
        document = spec.model_dump(mode="json")
        policy = self.url_policy
        document["output_url"] = policy.check(spec.output_url, "output_url")
        baseline = document["baseline"]
        for key in ("statistics_url", "constraints_url"):
            if baseline.get(key) is not None:
                baseline[key] = policy.check(baseline[key], f"baseline.{key}")
        for key in ("record_preprocessor_script", "post_analytics_processor_script"):
            if document.get(key):
                document[key] = policy.check(document[key], key)
        quality = document.get("model_quality")
        if quality is not None and quality.get("ground_truth_url"):
            quality["ground_truth_url"] = policy.check(
                quality["ground_truth_url"], "model_quality.ground_truth_url"
            )
        endpoint_name = None
        if spec.endpoint_input is not None:
            endpoint_input = document["endpoint_input"]
            endpoint_name = spec.endpoint_input.endpoint_name
            if endpoint_input.get("capture_root"):
                endpoint_input["capture_root"] = policy.check(
                    endpoint_input["capture_root"], "endpoint_input.capture_root"
                )
            resolve_spec(self.store, document)  # the endpoint must exist
        if spec.dataset_input is not None:
            from vigil.jobs.baseline import infer_dataset_format

            dataset = document["dataset_input"]
            dataset["dataset_url"] = policy.check(
                dataset["dataset_url"], "dataset_input.dataset_url"
            )
            if dataset.get("dataset_format") is None:
                try:
                    dataset["dataset_format"] = infer_dataset_format(dataset["dataset_url"])
                except InvalidParameterError as exc:
                    raise InvalidParameterError(
                        exc.message, field="dataset_input.dataset_format"
                    ) from exc
        if quality is not None:
            _check_attributes(quality)
        validate_schedule_baseline(document)
        for key in ("record_preprocessor_script", "post_analytics_processor_script"):
            if document.get(key):
                _check_exists(document[key], key)
        return document, endpoint_name

    def describe_monitoring_schedule(self, name: str) -> MonitoringSchedule:
        """The schedule called ``name``."""
        return schedule_model(self.store.schedules.get(name))

    def list_monitoring_schedules(
        self,
        *,
        status: MonitoringScheduleStatus | None = None,
        endpoint_name: str | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> ListPage[MonitoringSchedule]:
        """Schedules in name order."""
        page = self.store.schedules.list(
            status=status, endpoint_name=endpoint_name, limit=limit, next_token=next_token
        )
        return _page(page, schedule_model)

    def stop_monitoring_schedule(self, name: str) -> MonitoringSchedule:
        """Stop planning new executions (those already planned still run)."""
        return schedule_model(self.store.schedules.stop(name, now=self.clock.now()))

    def start_monitoring_schedule(self, name: str) -> MonitoringSchedule:
        """Resume a stopped schedule from now on (missed windows are not caught up)."""
        record = self.store.schedules.get(name)
        expression = ScheduleExpression.parse(record.schedule_expression)
        now = self.clock.now()
        next_time = None if expression.one_time else expression.next_after(now)
        return schedule_model(self.store.schedules.start(name, next_time=next_time, now=now))

    def delete_monitoring_schedule(self, name: str) -> None:
        """Delete a schedule and its executions (refused while one runs)."""
        self.store.schedules.delete(name)

    # ---- executions -----------------------------------------------------------------------

    def list_monitoring_executions(
        self,
        *,
        schedule_name: str | None = None,
        endpoint_name: str | None = None,
        status: MonitoringExecutionStatus | None = None,
        scheduled_after: datetime | None = None,
        scheduled_before: datetime | None = None,
        ascending: bool = False,
        limit: int = 100,
        next_token: str | None = None,
    ) -> ListPage[MonitoringExecution]:
        """Executions by scheduled time, newest first (``ascending`` for oldest first)."""
        page = self.store.executions.list(
            schedule_name=schedule_name,
            endpoint_name=endpoint_name,
            status=status,
            scheduled_after=scheduled_after,
            scheduled_before=scheduled_before,
            ascending=ascending,
            limit=limit,
            next_token=next_token,
        )
        return _page(page, execution_model)

    def describe_monitoring_execution(self, execution_id: int) -> MonitoringExecution:
        """The execution with that id."""
        return execution_model(self.store.executions.get(execution_id))

    def stop_monitoring_execution(self, execution_id: int) -> MonitoringExecution:
        """Stop an execution (Pending → Stopped; InProgress → Stopping → Stopped)."""
        record = self.store.executions.request_stop(execution_id, now=self.clock.now())
        return execution_model(record)

    def run_monitoring_schedule(self, name: str, request: RunNowRequest) -> MonitoringExecution:
        """Run a schedule now on an explicit window (any status; a Stopped schedule too).

        The execution is Pending until a scheduler claims it; it writes under
        ``…/yyyy/mm/dd/hh/manual-{id}`` so that it never overwrites a scheduled execution.
        """
        schedule = self.store.schedules.get(name)
        spec = resolve_spec(self.store, schedule.spec)
        now = self.clock.now()
        record = self.store.executions.create_manual(
            replace(schedule, spec=spec),
            window_start=request.window_start,
            window_end=request.window_end,
            scheduled_time=now,
            now=now,
        )
        _log.info(
            "run-now execution created",
            extra={"schedule": name, "execution_id": record.id},
        )
        return execution_model(record)


def manual_output(record: ExecutionRecord) -> int | None:
    """The id to put in the output path of a run-now execution (None for a scheduled one)."""
    return None if record.run_key == SCHEDULED_RUN_KEY else record.id


def execution_output_url(record: ExecutionRecord) -> str:
    """Where the execution ``record`` writes."""
    expression = ScheduleExpression.parse(record.spec.get("schedule_expression", "@hourly"))
    endpoint = record.spec.get("endpoint_input") or {}
    return output_folder(
        str(record.spec["output_url"]),
        schedule=record.schedule_name,
        endpoint=endpoint.get("endpoint_name"),
        scheduled_time=record.scheduled_time,
        sub_hourly=expression.sub_hourly,
        manual_id=manual_output(record),
    )


def offsets(spec: dict[str, Any]) -> tuple[timedelta | None, timedelta | None]:
    """The (start, end) offsets of a schedule spec as timedeltas, or (None, None)."""
    start, end = spec.get("data_analysis_start_time"), spec.get("data_analysis_end_time")
    if start is None or end is None:
        return None, None
    return (
        parse_offset(start, "data_analysis_start_time"),
        parse_offset(end, "data_analysis_end_time"),
    )
