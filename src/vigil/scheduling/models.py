"""The control plane's documents: what callers send and get back (REST API, client, CLI).

Pydantic models, validated at every boundary. Names follow SageMaker (snake_case): a resource
name is 1-63 characters ``[a-zA-Z0-9](-*[a-zA-Z0-9])*``; URLs are local paths or fsspec URLs
without control characters; times are ISO-8601 UTC (a time without offset is UTC).

Semantic checks that need the outside world (does the endpoint exist, does the baseline parse)
are done by :class:`vigil.scheduling.control.ControlPlane`, which names the same fields.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from vigil.scheduling.expressions import ScheduleExpression, parse_offset
from vigil.storage.metadata.records import (
    BaseliningJobStatus,
    MonitoringExecutionStatus,
    MonitoringScheduleStatus,
)

__all__ = [
    "BaselineRef",
    "BaseliningJob",
    "BaseliningJobSpec",
    "DataCaptureConfig",
    "DatasetInput",
    "Endpoint",
    "EndpointConfig",
    "EndpointCreate",
    "EndpointInput",
    "EndpointUpdate",
    "ListPage",
    "MonitoringExecution",
    "MonitoringSchedule",
    "MonitoringScheduleSpec",
    "MonitoringType",
    "RunNowRequest",
]

T = TypeVar("T")

MAX_DOCUMENT_BYTES = 256 * 1024
MAX_DOCUMENT_DEPTH = 32

Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=63, pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"),
]
"""A resource name: SageMaker's pattern."""

Url = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2048, pattern=r"^[^\x00-\x1f\x7f]+$"),
]
"""A local path or fsspec URL (``s3://bucket/key``)."""

Text = Annotated[str, StringConstraints(max_length=1024, pattern=r"^[^\x00-\x1f\x7f]*$")]
"""A short free text (a JSONPath, a column name)."""

MonitoringType = Literal["DataQuality"]
"""Monitor types this version runs (ModelQuality, ModelBias, ModelExplainability plug in later)."""


def _utc(value: datetime) -> datetime:
    try:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        result = aware.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError(f"time {value!r} cannot be expressed in UTC") from exc
    if not 1900 <= result.year <= 9000:
        raise ValueError("time must be between the years 1900 and 9000")
    return result


UtcTime = Annotated[datetime, AfterValidator(_utc)]
"""A time, converted to aware UTC (a time without offset is taken as UTC)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_document(value: Any, depth: int = 0) -> None:
    """A JSON document PostgreSQL's JSONB accepts: no NUL, finite numbers, bounded depth."""
    if depth > MAX_DOCUMENT_DEPTH:
        raise ValueError(f"document must not nest deeper than {MAX_DOCUMENT_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("document strings must not contain NUL characters")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("document numbers must be finite (no NaN or Infinity)")
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > 2**63:
            raise ValueError("document integers must fit in 64 bits")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_document(str(key), depth + 1)
            _check_document(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_document(item, depth + 1)


# ---- endpoints -------------------------------------------------------------------------------


class DataCaptureConfig(BaseModel):
    """Where an endpoint captures its traffic: the ``data_capture`` section of the serving
    layer's endpoint config (SageMaker's ``DataCaptureConfig`` in snake case).

    Only ``destination`` is read here; the other keys are kept as given.
    """

    model_config = ConfigDict(extra="allow")

    enable_capture: bool = False
    sampling_percentage: float = Field(20.0, ge=0.0, le=100.0)
    destination: Url | None = Field(
        None, description="Capture root: {root}/{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl."
    )


class EndpointConfig(BaseModel):
    """An endpoint's configuration document: a JSON object, stored as given.

    The shape is the serving layer's endpoint config (``variants``, ``shadow_variant``,
    ``data_capture`` …) without its ``name``. Only ``data_capture.destination`` is interpreted
    here (schedules read capture from it); the serving layer validates the rest.
    """

    model_config = ConfigDict(extra="allow")

    data_capture: DataCaptureConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        if isinstance(data, dict):
            _check_document(data)
            size = len(json.dumps(data, default=str))
            if size > MAX_DOCUMENT_BYTES:
                raise ValueError(f"document must not exceed {MAX_DOCUMENT_BYTES} bytes of JSON")
        return data

    def document(self) -> dict[str, Any]:
        """The document to store: what was given, with the known keys normalised."""
        return self.model_dump(mode="json", exclude_unset=True)


class EndpointCreate(_Model):
    """Create an endpoint."""

    name: Name
    config: EndpointConfig = Field(default_factory=EndpointConfig)


class EndpointUpdate(_Model):
    """Replace an endpoint's configuration."""

    config: EndpointConfig


class Endpoint(_Model):
    """An endpoint as stored."""

    name: str
    config: dict[str, Any]
    creation_time: datetime
    last_modified_time: datetime


# ---- baselining jobs -------------------------------------------------------------------------


class BaseliningJobSpec(_Model):
    """Start a baselining job: profile a dataset, suggest constraints, write both files."""

    name: Name | None = Field(None, description="Default: baseline-suggestion-job-<timestamp>.")
    monitoring_type: MonitoringType = "DataQuality"
    dataset_url: Url = Field(description="A file, directory, glob or fsspec URL.")
    dataset_format: Literal["csv", "json", "parquet"] | None = Field(
        None, description="Default: from the extension."
    )
    header: bool = True
    output_url: Url = Field(description="Where statistics.json and constraints.json go.")
    string_columns: list[Text] = Field(default_factory=list, max_length=10_000)
    on_malformed: Literal["fail", "skip"] = "fail"


class BaseliningJob(BaseliningJobSpec):
    """A baselining job and its outcome."""

    name: str
    status: BaseliningJobStatus
    failure_reason: str | None = None
    statistics_url: str | None = None
    constraints_url: str | None = None
    summary: dict[str, Any] | None = None
    creation_time: datetime
    end_time: datetime | None = None
    last_modified_time: datetime


# ---- monitoring schedules --------------------------------------------------------------------


class EndpointInput(_Model):
    """Analyse an endpoint's captured traffic."""

    endpoint_name: Name
    variant_name: Name = "AllTraffic"
    capture_root: Url | None = Field(
        None,
        description="Default: the endpoint's data_capture.destination, else "
        "{VIGIL_DATA_DIR}/capture.",
    )
    features_attribute: Text | None = None
    inference_attribute: Text | None = None
    output_columns_position: Literal["start", "end", "none"] = "start"


class DatasetInput(_Model):
    """Analyse a dataset (batch monitoring): the same URL at every run."""

    dataset_url: Url
    dataset_format: Literal["csv", "json", "parquet"] | None = None
    header: bool = True


class BaselineRef(_Model):
    """The baseline a schedule compares with (validated to exist and parse)."""

    statistics_url: Url
    constraints_url: Url


def _expression(value: str) -> str:
    ScheduleExpression.parse(value)
    return value.strip()


class MonitoringScheduleSpec(_Model):
    """Create a monitoring schedule. Exactly one of ``endpoint_input`` and ``dataset_input``."""

    name: Name
    monitoring_type: MonitoringType = "DataQuality"
    endpoint_input: EndpointInput | None = None
    dataset_input: DatasetInput | None = None
    baseline: BaselineRef
    output_url: Url
    schedule_expression: Annotated[
        str, StringConstraints(min_length=1, max_length=256), AfterValidator(_expression)
    ] = Field(description="cron(0 * ? * * *), a 5-field cron expression, @hourly/@daily, or NOW.")
    data_analysis_start_time: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="ISO-8601 offset from the nominal time, e.g. -PT1H (needs the end)."
    )
    data_analysis_end_time: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="ISO-8601 offset from the nominal time, e.g. -PT0H (needs the start)."
    )
    max_runtime_seconds: int = Field(3600, ge=1, le=86400)
    max_malformed_fraction: float = Field(0.1, ge=0.0, le=1.0)
    record_preprocessor_script: Url | None = None
    post_analytics_processor_script: Url | None = None

    @field_validator("data_analysis_start_time", "data_analysis_end_time")
    @classmethod
    def _offset(cls, value: str | None, info: Any) -> str | None:
        if value is not None:
            parse_offset(value, info.field_name)
            return value.strip()
        return value

    @model_validator(mode="after")
    def _consistent(self) -> MonitoringScheduleSpec:
        if (self.endpoint_input is None) == (self.dataset_input is None):
            raise ValueError("exactly one of endpoint_input and dataset_input must be given")
        start, end = self.data_analysis_start_time, self.data_analysis_end_time
        if (start is None) != (end is None):
            missing = "data_analysis_end_time" if end is None else "data_analysis_start_time"
            raise ValueError(f"{missing} is required when the other offset is given")
        if start is not None and end is not None:
            if parse_offset(end, "data_analysis_end_time") <= parse_offset(
                start, "data_analysis_start_time"
            ):
                raise ValueError("data_analysis_end_time must come after data_analysis_start_time")
        elif ScheduleExpression.parse(self.schedule_expression).one_time:
            raise ValueError(
                "data_analysis_start_time and data_analysis_end_time are required for a one-time "
                "(NOW) schedule"
            )
        return self


class MonitoringSchedule(MonitoringScheduleSpec):
    """A monitoring schedule and its state."""

    status: MonitoringScheduleStatus
    failure_reason: str | None = None
    endpoint_name: str | None = None
    creation_time: datetime
    last_modified_time: datetime
    last_scheduled_time: datetime | None = Field(
        None, description="The last nominal time planned (or the creation/start time)."
    )
    next_scheduled_time: datetime | None = None


# ---- executions ------------------------------------------------------------------------------


class RunNowRequest(_Model):
    """Run a schedule once now, on an explicit window ``[window_start, window_end)``."""

    window_start: UtcTime
    window_end: UtcTime

    @model_validator(mode="after")
    def _ordered(self) -> RunNowRequest:
        if self.window_end <= self.window_start:
            raise ValueError("window_end must come after window_start")
        if (self.window_end - self.window_start).days > 366:
            raise ValueError("window must not be longer than 366 days")
        return self


class MonitoringExecution(_Model):
    """One execution of a schedule (SageMaker's ``MonitoringExecutionSummary`` and more)."""

    execution_id: int
    schedule_name: str
    monitoring_type: str
    endpoint_name: str | None
    trigger: Literal["Scheduled", "Manual"]
    scheduled_time: datetime
    window_start: datetime
    window_end: datetime
    status: MonitoringExecutionStatus
    failure_reason: str | None = None
    exit_message: str | None = None
    output_url: str | None = None
    records: int | None = None
    rows: int | None = None
    violations: int | None = None
    malformed: int | None = None
    attempts: int
    start_time: datetime | None = None
    end_time: datetime | None = None
    creation_time: datetime
    last_modified_time: datetime


class ListPage(BaseModel, Generic[T]):
    """One page of a listing; pass ``next_token`` back for the next one."""

    items: list[T]
    next_token: str | None = None
