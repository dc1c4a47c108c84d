"""The control plane's documents: what callers send and get back (REST API, client, CLI).

Pydantic models, validated at every boundary. Names follow SageMaker (snake_case): a resource
name is 1-63 characters ``[a-zA-Z0-9](-*[a-zA-Z0-9])*``; URLs are local paths or fsspec URLs
without control characters; times are ISO-8601 UTC (a time without offset is UTC).

Semantic checks that need the outside world (does the endpoint exist, does the baseline parse)
are done by :class:`vigil.scheduling.control.ControlPlane`, which names the same fields.

Monitoring types
    ``DataQuality`` (a dataset or endpoint capture against a statistics.json and a
    constraints.json) and ``ModelQuality`` (endpoint capture merged with delayed ground truth,
    against a model-quality constraints.json; spec §6). A ModelQuality schedule carries a
    ``model_quality`` block (SageMaker's ``ModelQualityAppSpecification`` and
    ``ModelQualityJobInput`` in snake case); a DataQuality schedule must not. Cross-field errors
    name the field concerned (``model_quality``, ``baseline.statistics_url``,
    ``dataset_input`` …), like any pydantic error.

Analysis window
    One mechanism for both types: ``data_analysis_start_time`` / ``data_analysis_end_time``,
    offsets from the nominal time (spec §7.1-7.2). SageMaker's model-quality spelling,
    ``endpoint_input.start_time_offset`` / ``end_time_offset``, is accepted as the same thing:
    it is moved to ``data_analysis_start_time`` / ``data_analysis_end_time`` when the document
    is validated (giving both spellings is an error).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from vigil.errors import InvalidParameterError
from vigil.formats.model_quality import ProblemType
from vigil.scheduling.expressions import ScheduleExpression, parse_delay, parse_offset
from vigil.storage.metadata.records import (
    BaseliningJobStatus,
    MonitoringExecutionStatus,
    MonitoringScheduleStatus,
)

__all__ = [
    "DEFAULT_MIN_LABELS",
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
    "GroundTruthCoverageSummary",
    "ListPage",
    "ModelQualityConfig",
    "MonitoringExecution",
    "MonitoringSchedule",
    "MonitoringScheduleSpec",
    "MonitoringType",
    "ProblemType",
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

MonitoringType = Literal["DataQuality", "ModelQuality"]
"""Monitor types this version runs (ModelBias and ModelExplainability plug in later)."""

DEFAULT_MIN_LABELS = 100
"""Default ``min_labels`` of a model-quality schedule: the job's own default
(:data:`vigil.jobs.model_quality.DEFAULT_MIN_LABELS`, not imported here to keep this module
light for HTTP clients)."""

Offset = Annotated[str, StringConstraints(max_length=64)]
"""An ISO-8601 duration such as ``-PT1H`` (validated by :func:`.expressions.parse_offset`)."""


def _utc(value: datetime) -> datetime:
    if not 1900 <= value.year <= 9000:
        raise ValueError("time must be between the years 1900 and 9000")
    try:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError(f"time {value!r} cannot be expressed in UTC") from exc


def _time_text(value: Any) -> Any:
    """An ISO-8601 date-time as text (or a datetime); numbers are not taken as timestamps."""
    if isinstance(value, datetime) or (isinstance(value, str) and value[:4].isdigit()):
        return value
    raise ValueError("time must be an ISO-8601 date-time such as 2024-05-01T13:00:00Z")


UtcTime = Annotated[datetime, BeforeValidator(_time_text), AfterValidator(_utc)]
"""A time written ISO-8601 with a year from 1900 to 9000, converted to aware UTC (a time without
offset is taken as UTC)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _field_errors(title: str, errors: Sequence[tuple[tuple[str, ...], str]]) -> ValidationError:
    """A validation error whose entries name their fields (``loc``), raised from a model
    validator so that the API and the CLI report ``baseline.constraints_url`` rather than the
    whole document. Pydantic prefixes the location of the enclosing model, as for any error.
    """
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(
                type=PydanticCustomError("invalid_for_monitoring_type", message),
                loc=loc,
                input=None,
            )
            for loc, message in errors
        ],
    )


def _offset_text(value: str | None, field: str) -> str | None:
    """``value`` stripped, if it is an offset :func:`.expressions.parse_offset` accepts."""
    if value is None:
        return None
    try:
        parse_offset(value, field)
    except InvalidParameterError as exc:
        raise ValueError(exc.message) from None
    return value.strip()


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

    enable_capture: StrictBool = False
    sampling_percentage: Annotated[float, Strict()] = Field(20.0, ge=0.0, le=100.0)
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
    """Start a baselining job: profile a dataset, suggest constraints, write both files.

    ``DataQuality`` (default) profiles every column (:func:`vigil.jobs.baseline.suggest_baseline`).
    ``ModelQuality`` computes a model's metrics on a labelled dataset and suggests thresholds
    (:func:`vigil.jobs.model_quality.suggest_model_quality_baseline`; SageMaker's
    ``ModelQualityMonitor.suggest_baseline``): it needs ``problem_type`` and
    ``ground_truth_attribute``, and ``inference_attribute`` unless the problem is
    BinaryClassification with a ``probability_attribute``. The model-quality fields are refused
    for DataQuality, and ``string_columns`` / ``on_malformed="skip"`` for ModelQuality.
    """

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
    problem_type: ProblemType | None = Field(None, description="ModelQuality: required.")
    inference_attribute: Text | None = Field(
        None, description="ModelQuality: column of the predicted label (value for Regression)."
    )
    probability_attribute: Text | None = Field(
        None, description="ModelQuality, BinaryClassification: column of the probability."
    )
    probability_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="ModelQuality: positive when probability >= threshold (default 0.5).",
    )
    ground_truth_attribute: Text | None = Field(
        None, description="ModelQuality: column of the label (required)."
    )
    slack: float | None = Field(
        None,
        ge=0.0,
        le=1e6,
        description="ModelQuality: relative margin of the suggested thresholds (default 0.1; "
        "0 gives SageMaker's thresholds, the baseline values).",
    )

    @model_validator(mode="after")
    def _fits_type(self) -> BaseliningJobSpec:
        errors: list[tuple[tuple[str, ...], str]] = []
        quality = (
            "problem_type",
            "inference_attribute",
            "probability_attribute",
            "probability_threshold",
            "ground_truth_attribute",
            "slack",
        )
        if self.monitoring_type == "DataQuality":
            for key in quality:
                if getattr(self, key) is not None:
                    errors.append(((key,), f"{key} is only for a ModelQuality baselining job"))
        else:
            for key in ("problem_type", "ground_truth_attribute"):
                if getattr(self, key) is None:
                    errors.append(((key,), f"{key} is required for a ModelQuality baselining job"))
            errors += _attribute_errors(self.problem_type, self.probability_attribute)
            binary_by_probability = (
                self.problem_type == "BinaryClassification"
                and self.probability_attribute is not None
            )
            if (
                self.problem_type is not None
                and self.inference_attribute is None
                and not binary_by_probability
            ):
                errors.append(
                    (
                        ("inference_attribute",),
                        f"inference_attribute is required for {self.problem_type} (a "
                        "BinaryClassification job may give probability_attribute instead)",
                    )
                )
            if self.string_columns:
                errors.append(
                    (("string_columns",), "string_columns is only for a DataQuality baselining job")
                )
            if self.on_malformed != "fail":
                errors.append(
                    (
                        ("on_malformed",),
                        "on_malformed must be 'fail' for a ModelQuality baselining job (a bad "
                        "row is an error: metrics are not computed on a silently reduced set)",
                    )
                )
        if errors:
            raise _field_errors(type(self).__name__, errors)
        return self


def _attribute_errors(
    problem_type: str | None, probability_attribute: str | None
) -> list[tuple[tuple[str, ...], str]]:
    """A probability attribute given for a problem type that has no use for it."""
    if probability_attribute is not None and problem_type not in (None, "BinaryClassification"):
        return [
            (
                ("probability_attribute",),
                "probability_attribute is only for BinaryClassification (the problem type is "
                f"{problem_type})",
            )
        ]
    return []


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
    """Analyse an endpoint's captured traffic.

    ``features_attribute``, ``inference_attribute`` and ``output_columns_position`` shape the
    rows of a DataQuality execution; a ModelQuality schedule gives its attributes in
    ``model_quality``. ``start_time_offset`` / ``end_time_offset`` are SageMaker's
    model-quality spelling of ``data_analysis_start_time`` / ``data_analysis_end_time`` (moved
    there when the schedule is validated).
    """

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
    start_time_offset: Offset | None = Field(
        None, description="SageMaker's StartTimeOffset: same as data_analysis_start_time."
    )
    end_time_offset: Offset | None = Field(
        None, description="SageMaker's EndTimeOffset: same as data_analysis_end_time."
    )

    @field_validator("start_time_offset", "end_time_offset")
    @classmethod
    def _offset(cls, value: str | None, info: Any) -> str | None:
        return _offset_text(value, f"endpoint_input.{info.field_name}")


class DatasetInput(_Model):
    """Analyse a dataset (batch monitoring): the same URL at every run (DataQuality only)."""

    dataset_url: Url
    dataset_format: Literal["csv", "json", "parquet"] | None = None
    header: bool = True


class BaselineRef(_Model):
    """The baseline a schedule compares with (validated to exist and parse).

    DataQuality needs both files. ModelQuality needs ``constraints_url`` (a model-quality
    constraints.json of the schedule's problem type); its ``statistics_url`` (the baseline's
    model-quality statistics.json) is optional and, when given, checked to be of that type.
    """

    statistics_url: Url | None = Field(
        None, description="statistics.json: required for DataQuality, optional for ModelQuality."
    )
    constraints_url: Url = Field(description="constraints.json.")


class ModelQualityConfig(_Model):
    """How a ModelQuality schedule reads predictions and labels (spec §6.1, §1.5).

    SageMaker's ``ModelQualityAppSpecification`` (``problem_type``) and the model-quality
    fields of its ``EndpointInput`` / ``ModelQualityJobInput``, in snake case. Attributes are
    "index or JSONPath" into the captured ``endpointOutput``: a 0-based column index for a CSV
    output (``"1"``: the second column, e.g. the positive class of scikit-learn's
    ``predict_proba`` written as ``p0,p1``), a JSONPath for a JSON one
    (``"$.predictions[0].score"``). Each record must hold one prediction: a request of several
    rows (an output of several lines) is a malformed record, as a ground-truth record labels
    one ``inferenceId``.

    An execution reads the labels collected from its window's start up to its scheduled time
    (``max_label_delay`` caps that). Without ``data_analysis_start_time`` /
    ``data_analysis_end_time`` a window ends at its run, so give the labels time: offsets such
    as ``-PT2H`` / ``-PT1H`` analyse the hour before last, with an hour of labels after it.
    """

    problem_type: ProblemType
    inference_attribute: Text | None = Field(
        None,
        description="Where the predicted label (value for Regression) is; default: the whole "
        "output, which must then be one value. For BinaryClassification with a "
        "probability_attribute it overrides the thresholded probability.",
    )
    probability_attribute: Text | None = Field(
        None, description="BinaryClassification: where the probability of the positive class is."
    )
    probability_threshold: float = Field(
        0.5, ge=0.0, le=1.0, description="Positive when probability >= threshold."
    )
    ground_truth_url: Url | None = Field(
        None,
        description="Ground-truth root ({root}/yyyy/mm/dd/hh/*.jsonl, by collection time; "
        "SageMaker's GroundTruthS3Input.S3Uri). Default: {VIGIL_DATA_DIR}/groundtruth, where "
        "the service files POST /ground-truth records.",
    )
    min_labels: int = Field(
        DEFAULT_MIN_LABELS,
        ge=1,
        le=2**31 - 1,
        description="Fewest labelled predictions for the metrics to be checked.",
    )
    min_coverage: float = Field(
        0.0, ge=0.0, le=1.0, description="Smallest fraction of the predictions with a label."
    )
    max_label_delay: Offset | None = Field(
        None,
        description="ISO-8601 duration (P30D): read only labels collected before the window's "
        "end plus this; default: every label collected up to the execution's scheduled time.",
    )

    @field_validator("max_label_delay")
    @classmethod
    def _delay(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parse_delay(value, "model_quality.max_label_delay")
        except InvalidParameterError as exc:
            raise ValueError(exc.message) from None
        return value.strip()

    @model_validator(mode="after")
    def _attributes(self) -> ModelQualityConfig:
        errors = _attribute_errors(self.problem_type, self.probability_attribute)
        if errors:
            raise _field_errors(type(self).__name__, errors)
        return self


def _expression(value: str) -> str:
    ScheduleExpression.parse(value)
    return value.strip()


class MonitoringScheduleSpec(_Model):
    """Create (or, with the same name and type, replace) a monitoring schedule.

    Exactly one of ``endpoint_input`` and ``dataset_input`` (ModelQuality: ``endpoint_input``).
    A ModelQuality schedule needs ``model_quality`` and ``baseline.constraints_url``; a
    DataQuality schedule needs ``baseline.statistics_url`` and ``baseline.constraints_url`` and
    must not have ``model_quality``. Errors name the field concerned.
    """

    name: Name
    monitoring_type: MonitoringType = "DataQuality"
    endpoint_input: EndpointInput | None = None
    dataset_input: DatasetInput | None = None
    model_quality: ModelQualityConfig | None = None
    baseline: BaselineRef
    output_url: Url
    schedule_expression: Annotated[
        str, StringConstraints(min_length=1, max_length=256), AfterValidator(_expression)
    ] = Field(description="cron(0 * ? * * *), a 5-field cron expression, @hourly/@daily, or NOW.")
    data_analysis_start_time: Offset | None = Field(
        None, description="ISO-8601 offset from the nominal time, e.g. -PT1H (needs the end)."
    )
    data_analysis_end_time: Offset | None = Field(
        None, description="ISO-8601 offset from the nominal time, e.g. -PT0H (needs the start)."
    )
    max_runtime_seconds: int = Field(3600, ge=1, le=86400)
    max_malformed_fraction: float = Field(0.1, ge=0.0, le=1.0)
    record_preprocessor_script: Url | None = Field(None, description="DataQuality only.")
    post_analytics_processor_script: Url | None = Field(None, description="DataQuality only.")

    @field_validator("data_analysis_start_time", "data_analysis_end_time")
    @classmethod
    def _offset(cls, value: str | None, info: Any) -> str | None:
        return _offset_text(value, info.field_name)

    @model_validator(mode="after")
    def _consistent(self) -> MonitoringScheduleSpec:
        if (self.endpoint_input is None) == (self.dataset_input is None):
            raise ValueError("exactly one of endpoint_input and dataset_input must be given")
        self._move_sagemaker_offsets()
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
        errors = (
            self._model_quality_errors()
            if self.monitoring_type == "ModelQuality"
            else self._data_quality_errors()
        )
        if errors:
            raise _field_errors(type(self).__name__, errors)
        return self

    def _move_sagemaker_offsets(self) -> None:
        """``endpoint_input.start_time_offset``/``end_time_offset`` → ``data_analysis_*``."""
        endpoint = self.endpoint_input
        if endpoint is None:
            return
        errors = []
        for ours, theirs in (
            ("data_analysis_start_time", "start_time_offset"),
            ("data_analysis_end_time", "end_time_offset"),
        ):
            value = getattr(endpoint, theirs)
            if value is None:
                continue
            if getattr(self, ours) is not None:
                errors.append(
                    (
                        ("endpoint_input", theirs),
                        f"endpoint_input.{theirs} is SageMaker's name for {ours}: give the "
                        "window once",
                    )
                )
                continue
            setattr(self, ours, value)
            setattr(endpoint, theirs, None)
        if errors:
            raise _field_errors(type(self).__name__, errors)

    def _data_quality_errors(self) -> list[tuple[tuple[str, ...], str]]:
        errors: list[tuple[tuple[str, ...], str]] = []
        if self.model_quality is not None:
            errors.append(
                (
                    ("model_quality",),
                    "model_quality is only for a ModelQuality schedule (monitoring_type is "
                    "DataQuality)",
                )
            )
        if self.baseline.statistics_url is None:
            errors.append(
                (
                    ("baseline", "statistics_url"),
                    "baseline.statistics_url is required for a DataQuality schedule",
                )
            )
        return errors

    def _model_quality_errors(self) -> list[tuple[tuple[str, ...], str]]:
        errors: list[tuple[tuple[str, ...], str]] = []
        if self.model_quality is None:
            errors.append(
                (
                    ("model_quality",),
                    "model_quality is required for a ModelQuality schedule (problem_type, "
                    "inference_attribute, probability_attribute, ground_truth_url …)",
                )
            )
        if self.dataset_input is not None:
            errors.append(
                (
                    ("dataset_input",),
                    "a ModelQuality schedule reads endpoint capture merged with ground truth: "
                    "give endpoint_input (dataset input is not supported for ModelQuality)",
                )
            )
        endpoint = self.endpoint_input
        if endpoint is not None:
            for key in ("features_attribute", "inference_attribute"):
                if getattr(endpoint, key) is not None:
                    errors.append(
                        (
                            ("endpoint_input", key),
                            f"endpoint_input.{key} is for DataQuality; a ModelQuality schedule "
                            "gives model_quality.inference_attribute and "
                            "model_quality.probability_attribute",
                        )
                    )
        for key in ("record_preprocessor_script", "post_analytics_processor_script"):
            if getattr(self, key) is not None:
                errors.append(((key,), f"{key} is not supported for a ModelQuality schedule"))
        return errors


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


class MonitoringExecution(_Model):
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
