"""The control plane's resources: what callers send and get back (REST API, client, CLI).

Pydantic models, validated at every boundary, with the job specs of :mod:`vigil.api.specs` and
the field types of :mod:`vigil.api.fields`. Names follow SageMaker (snake_case).

Semantic checks that need the outside world (does the endpoint exist, does the baseline parse)
are done by the control plane (:mod:`vigil.control`), which names the same fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from vigil.api.expressions import ScheduleExpression
from vigil.api.fields import (
    Model,
    Name,
    StrictNumber,
    Url,
    UtcTime,
    check_document,
    field_errors,
)
from vigil.api.specs import (
    DEFAULT_MIN_LABELS,
    BaselineRef,
    BaseliningJobSpec,
    DataQualityConfig,
    DataQualityJobSpec,
    DatasetInput,
    EndpointInput,
    ModelQualityConfig,
    ModelQualityJobSpec,
    MonitoringJobSpec,
    MonitoringType,
)
from vigil.api.status import (
    BaseliningJobStatus,
    MonitoringExecutionStatus,
    MonitoringScheduleStatus,
)
from vigil.formats.model_quality import ProblemType

__all__ = [
    "DEFAULT_MIN_LABELS",
    "BaselineRef",
    "BaseliningJob",
    "BaseliningJobSpec",
    "DataCaptureConfig",
    "DataQualityConfig",
    "DataQualityJobSpec",
    "DatasetInput",
    "Endpoint",
    "EndpointConfig",
    "EndpointCreate",
    "EndpointInput",
    "EndpointUpdate",
    "GroundTruthCoverageSummary",
    "ListPage",
    "ModelQualityConfig",
    "ModelQualityJobSpec",
    "MonitoringExecution",
    "MonitoringJobSpec",
    "MonitoringSchedule",
    "MonitoringScheduleSpec",
    "MonitoringType",
    "ProblemType",
    "RunNowRequest",
]

T = TypeVar("T")


# ---- endpoints -------------------------------------------------------------------------------


class DataCaptureConfig(BaseModel):
    """Where an endpoint captures its traffic: the ``data_capture`` section of the serving
    layer's endpoint config (SageMaker's ``DataCaptureConfig`` in snake case).

    Only ``destination`` is read here; the other keys are kept as given.
    """

    model_config = ConfigDict(extra="allow")

    enable_capture: StrictBool = False
    sampling_percentage: StrictNumber = Field(20.0, ge=0.0, le=100.0)
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
            check_document(data)
        return data

    def document(self) -> dict[str, Any]:
        """The document to store: what was given, with the known keys normalised."""
        return self.model_dump(mode="json", exclude_unset=True)


class EndpointCreate(Model):
    """Create an endpoint."""

    name: Name
    config: EndpointConfig = Field(default_factory=EndpointConfig)


class EndpointUpdate(Model):
    """Replace an endpoint's configuration."""

    config: EndpointConfig


class Endpoint(Model):
    """An endpoint as stored."""

    name: str
    config: dict[str, Any]
    creation_time: datetime
    last_modified_time: datetime


# ---- baselining jobs -------------------------------------------------------------------------


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


def _expression(value: str) -> str:
    ScheduleExpression.parse(value)
    return value.strip()


class MonitoringScheduleSpec(MonitoringJobSpec):
    """Create (or, with the same name and type, replace) a monitoring schedule.

    A :class:`~vigil.api.specs.MonitoringJobSpec` (what each execution does) with a name and
    its timing. A schedule always has a ``baseline.constraints_url``; a one-time (``NOW``)
    schedule needs both offsets. Errors name the field concerned.
    """

    name: Name
    schedule_expression: Annotated[
        str,
        StringConstraints(min_length=1, max_length=256),
        AfterValidator(_expression),
    ] = Field(description="cron(0 * ? * * *), a 5-field cron expression, @hourly/@daily, or NOW.")
    max_runtime_seconds: int = Field(3600, ge=1, le=86400)

    @model_validator(mode="after")
    def _schedulable(self) -> MonitoringScheduleSpec:
        if self.data_analysis_start_time is None and (
            ScheduleExpression.parse(self.schedule_expression).one_time
        ):
            raise ValueError(
                "data_analysis_start_time and data_analysis_end_time are required for a one-time "
                "(NOW) schedule"
            )
        if self.baseline.constraints_url is None and self.monitoring_type != "DataQuality":
            raise field_errors(
                type(self).__name__,
                [
                    (
                        ("baseline", "constraints_url"),
                        "baseline.constraints_url is required for a schedule",
                    )
                ],
            )
        return self

    def job(self) -> DataQualityJobSpec | ModelQualityJobSpec:
        """What each execution runs: the job spec, typed (without the name and timing)."""
        return self.typed()


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


class RunNowRequest(Model):
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


class GroundTruthCoverageSummary(BaseModel):
    """How the ground truth covered a ModelQuality execution's window (Vigil's addition).

    The same counts as the execution's ``ground_truth_coverage.json``. Unknown keys are
    ignored when read, so that later versions may add counts.
    """

    model_config = ConfigDict(extra="ignore")

    predictions: int = Field(description="Predictions captured in the window.")
    labels: int = Field(description="Ground-truth records read (with a key and a label).")
    merged: int = Field(description="Predictions that found a label.")
    coverage: float | None = Field(
        None, description="merged / predictions, in [0, 1] (None without predictions)."
    )
    rows_scored: int | None = Field(
        None, description="Merged rows with a usable label and prediction: what was scored."
    )
    invalid_values: int = Field(0, description="Merged rows left out as unusable.")
    duplicate_labels: int = Field(0, description="Labels superseded by a later one (same key).")
    labels_without_prediction: int = Field(0, description="Label keys matching no prediction.")
    duplicate_prediction_keys: int = Field(0, description="Predictions with a repeated key.")
    malformed_ground_truth_records: int = 0
    ground_truth_url: str | None = Field(None, description="The ground-truth root read.")


class MonitoringExecution(Model):
    """One execution of a schedule (SageMaker's ``MonitoringExecutionSummary`` and more).

    ``records`` are the capture records read, ``rows`` the rows analysed (DataQuality: profiled;
    ModelQuality: scored), ``malformed`` the malformed capture records. ModelQuality executions
    also report ``ground_truth_coverage``.
    """

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
    ground_truth_coverage: GroundTruthCoverageSummary | None = None
    attempts: int
    start_time: datetime | None = None
    end_time: datetime | None = None
    creation_time: datetime
    last_modified_time: datetime


class ListPage(BaseModel, Generic[T]):
    """One page of a listing; pass ``next_token`` back for the next one."""

    items: list[T]
    next_token: str | None = None
