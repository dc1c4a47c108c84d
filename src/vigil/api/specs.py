"""Typed job specs: every option a monitoring or baselining job has, in one place.

The CLI (``vigil monitor run``, ``vigil baseline suggest``), the REST API and the scheduler all
build these same objects; the metadata store keeps them as they are (versioned, see
:data:`SPEC_VERSION`), and a job reads them back typed. A monitoring schedule
(:class:`vigil.api.resources.MonitoringScheduleSpec`) is a :class:`MonitoringJobSpec` plus its
name and timing.

Monitoring types (SageMaker's names)
    ``DataQuality`` (a dataset or endpoint capture against a statistics.json and a
    constraints.json; options in ``data_quality``) and ``ModelQuality`` (endpoint capture merged
    with delayed ground truth, against a model-quality constraints.json, spec §6; options in
    ``model_quality``: SageMaker's ``ModelQualityAppSpecification`` and ``ModelQualityJobInput``
    in snake case). A document carries the block of its own type and refuses the others';
    :meth:`MonitoringJobSpec.typed` narrows it to :class:`DataQualityJobSpec` or
    :class:`ModelQualityJobSpec`, whose block is never missing. Cross-field errors name the
    field concerned (``model_quality``, ``baseline.statistics_url``, ``dataset_input`` …), like
    any pydantic error.

Analysis window
    ``data_analysis_start_time`` / ``data_analysis_end_time`` are offsets from the nominal time
    (spec §7.1-7.2). SageMaker's model-quality spelling, ``endpoint_input.start_time_offset`` /
    ``end_time_offset``, is accepted as the same thing: it is moved to ``data_analysis_*`` when
    the document is validated (giving both spellings is an error).

Adding a monitor type
    A spec subclass with its ``monitoring_type`` literal and its options block, one entry in
    :data:`JOB_SPECS` and the block's field on :class:`MonitoringJobSpec`; the job side is one
    plug-in (:mod:`vigil.jobs.monitors`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from vigil.api.expressions import parse_offset
from vigil.api.fields import (
    FieldErrors,
    Model,
    Name,
    Offset,
    StrictNumber,
    Text,
    Url,
    delay_text,
    field_errors,
    offset_text,
)
from vigil.core.drift.registry import DistanceName
from vigil.formats.model_quality import ProblemType

__all__ = [
    "DEFAULT_MIN_LABELS",
    "JOB_SPECS",
    "MONITORING_TYPES",
    "SPEC_VERSION",
    "BaselineRef",
    "BaseliningJobSpec",
    "DataQualityConfig",
    "DataQualityJobSpec",
    "DatasetFormat",
    "DatasetInput",
    "EndpointInput",
    "EngineConfig",
    "ModelQualityConfig",
    "ModelQualityJobSpec",
    "MonitoringJobSpec",
    "MonitoringType",
]

SPEC_VERSION = 2
"""Version of the stored spec documents (1: before typed specs; migration r0003 upgrades)."""

MonitoringType = Literal["DataQuality", "ModelQuality"]
"""Monitor types this version runs."""

MONITORING_TYPES: tuple[MonitoringType, ...] = ("DataQuality", "ModelQuality")

DatasetFormat = Literal["csv", "json", "parquet"]

DEFAULT_MIN_LABELS = 100
"""Default ``min_labels`` of a model-quality job: fewest labelled predictions for its metrics
to be checked (below it, an execution reports InsufficientGroundTruth)."""


# ---- inputs ----------------------------------------------------------------------------------


class EndpointInput(Model):
    """Analyse an endpoint's captured traffic (SageMaker's ``EndpointInput``).

    ``features_attribute``, ``inference_attribute`` and ``output_columns_position`` shape the
    rows of a DataQuality execution; a ModelQuality job gives its attributes in
    ``model_quality``. ``start_time_offset`` / ``end_time_offset`` are SageMaker's
    model-quality spelling of ``data_analysis_start_time`` / ``data_analysis_end_time`` (moved
    there when the document is validated).
    """

    endpoint_name: Name = Field(description="The endpoint whose capture is read.")
    variant_name: Name = Field("AllTraffic", description="The production variant.")
    capture_root: Url | None = Field(
        None,
        description="Capture root ({root}/{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl). Default: "
        "the endpoint's data_capture.destination, else {VIGIL_DATA_DIR}/capture.",
    )
    features_attribute: Text | None = Field(
        None, description="DataQuality, JSON input: JSONPath of the features."
    )
    inference_attribute: Text | None = Field(
        None, description="DataQuality: JSONPath (JSON) or 0-based index (CSV) of the output kept."
    )
    output_columns_position: Literal["start", "end", "none"] = Field(
        "start",
        description="DataQuality: where the output columns sit among the baseline's columns.",
    )
    start_time_offset: Offset | None = Field(
        None, description="SageMaker's StartTimeOffset: same as data_analysis_start_time."
    )
    end_time_offset: Offset | None = Field(
        None, description="SageMaker's EndTimeOffset: same as data_analysis_end_time."
    )

    @field_validator("start_time_offset", "end_time_offset")
    @classmethod
    def _offset(cls, value: str | None, info: Any) -> str | None:
        return offset_text(value, f"endpoint_input.{info.field_name}")


class DatasetInput(Model):
    """Analyse a dataset (batch monitoring): the same URL at every run (DataQuality only)."""

    dataset_url: Url = Field(description="A file, directory, glob or fsspec URL.")
    dataset_format: DatasetFormat | None = Field(None, description="Default: from the extension.")
    header: StrictBool = Field(True, description="CSV: the first line names the columns.")


class BaselineRef(Model):
    """The baseline a job compares with (a schedule's is validated to exist and parse).

    DataQuality needs both files. ModelQuality needs ``constraints_url`` to check anything (a
    model-quality constraints.json of the job's problem type); its ``statistics_url`` (the
    baseline's model-quality statistics.json) is optional and, when given, checked to be of
    that type.
    """

    statistics_url: Url | None = Field(
        None, description="statistics.json: required for DataQuality, optional for ModelQuality."
    )
    constraints_url: Url | None = Field(
        None, description="constraints.json (required for a schedule)."
    )


# ---- per-type options ------------------------------------------------------------------------


class DataQualityConfig(Model):
    """Options of a DataQuality job beyond SageMaker's (which it reads from constraints.json).

    By default drift is measured as SageMaker does: L-infinity (``comparison_method`` Simple or
    Robust) for numbers, L-infinity or chi-square (``categorical_drift_method``) for strings.
    """

    drift_method: DistanceName | None = Field(
        None, description="A registered distance for every numeric feature (psi, ks, …)."
    )
    categorical_drift_method: DistanceName | None = Field(
        None, description="A registered distance for every String feature."
    )
    feature_drift_methods: dict[Text, DistanceName] = Field(
        default_factory=dict,
        max_length=10_000,
        description="Feature name → registered distance, for single features.",
    )


class ModelQualityConfig(Model):
    """How a ModelQuality job reads predictions and labels (spec §6.1, §1.5).

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

    problem_type: ProblemType = Field(
        description="BinaryClassification, MulticlassClassification or Regression."
    )
    inference_attribute: Text | None = Field(
        None,
        description="Where the predicted label (value for Regression) is; default: the whole "
        "output, which must then be one value. For BinaryClassification with a "
        "probability_attribute it overrides the thresholded probability.",
    )
    probability_attribute: Text | None = Field(
        None, description="BinaryClassification: where the probability of the positive class is."
    )
    probability_threshold: StrictNumber = Field(
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
    min_coverage: StrictNumber = Field(
        0.0, ge=0.0, le=1.0, description="Smallest fraction of the predictions with a label."
    )
    max_label_delay: Offset | None = Field(
        None,
        description="ISO-8601 duration (P30D): read only labels collected before the window's "
        "end plus this; default: every label collected up to the execution's scheduled time.",
    )
    sagemaker_r2: StrictBool = Field(
        False,
        description="Regression: r2 as SageMaker computes it (1 - SSE / variance of the "
        "predictions) instead of the standard one.",
    )

    @field_validator("max_label_delay")
    @classmethod
    def _delay(cls, value: str | None) -> str | None:
        return delay_text(value, "model_quality.max_label_delay")

    @model_validator(mode="after")
    def _attributes(self) -> ModelQualityConfig:
        errors = _attribute_errors(self.problem_type, self.probability_attribute)
        if errors:
            raise field_errors(type(self).__name__, errors)
        return self


def _attribute_errors(problem_type: str | None, probability_attribute: str | None) -> FieldErrors:
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


# ---- engines ---------------------------------------------------------------------------------


class EngineConfig(Model):
    """Where a job's partitions run (:mod:`vigil.engine`): locally, or on Apache Spark.

    ``local`` runs them in ``workers`` processes of this machine. ``spark`` reads the input
    with Spark's readers and runs the same partition function in ``mapInArrow`` (PySpark:
    ``pip install 'vigil[spark]'``; a classic session needs Java 17+). The results are the
    same documents either way.
    """

    type: Literal["local", "spark"] = Field(
        "local", description="local (a process pool of `workers`) or spark (PySpark)."
    )
    master: Text | None = Field(
        None,
        description="Spark master URL: local[*], spark://host:7077, yarn, k8s://…, or "
        "sc://host:15002 (Spark Connect). Default: the running session's, else local[*].",
    )
    conf: dict[Text, Text] = Field(
        default_factory=dict,
        max_length=1_000,
        description="Spark configuration of the session (spark.executor.memory, "
        "spark.sql.files.maxPartitionBytes: the split small capture files are coalesced into).",
    )

    @model_validator(mode="after")
    def _spark_only(self) -> EngineConfig:
        if self.type == "local":
            errors: FieldErrors = [
                ((key,), f"engine.{key} is for the spark engine (engine.type is local)")
                for key in ("master", "conf")
                if getattr(self, key)
            ]
            if errors:
                raise field_errors(type(self).__name__, errors)
        return self


# ---- monitoring jobs -------------------------------------------------------------------------


class MonitoringJobSpec(Model):
    """One monitoring job: what to read, the baseline, the options, where to write.

    Exactly one of ``endpoint_input`` and ``dataset_input`` (ModelQuality: ``endpoint_input``).
    A ModelQuality job needs ``model_quality``; a DataQuality job needs
    ``baseline.statistics_url`` and ``baseline.constraints_url`` and must not have
    ``model_quality``. Errors name the field concerned.
    """

    monitoring_type: MonitoringType = Field(
        "DataQuality", description="DataQuality or ModelQuality."
    )
    endpoint_input: EndpointInput | None = None
    dataset_input: DatasetInput | None = None
    baseline: BaselineRef = Field(default_factory=lambda: BaselineRef.model_validate({}))
    output_url: Url = Field(description="Where the reports go (spec §7.4 layout below it).")
    data_analysis_start_time: Offset | None = Field(
        None, description="ISO-8601 offset from the nominal time, e.g. -PT1H (needs the end)."
    )
    data_analysis_end_time: Offset | None = Field(
        None, description="ISO-8601 offset from the nominal time, e.g. -PT0H (needs the start)."
    )
    max_malformed_fraction: StrictNumber = Field(
        0.1, ge=0.0, le=1.0, description="Share of malformed records above which a run fails."
    )
    workers: int | None = Field(
        None, ge=1, le=1024, description="Worker processes (default: VIGIL_WORKERS, else 1)."
    )
    engine: EngineConfig | None = Field(
        None, description="Where the partitions run (default: the local engine)."
    )
    record_preprocessor_script: Url | None = Field(
        None,
        description="DataQuality: a Python file defining preprocess_handler(inference_record).",
    )
    post_analytics_processor_script: Url | None = Field(
        None, description="DataQuality: a Python file defining postprocess_handler()."
    )
    data_quality: DataQualityConfig | None = Field(
        None, description="DataQuality options (drift methods)."
    )
    model_quality: ModelQualityConfig | None = Field(
        None, description="ModelQuality: problem type, attributes, ground truth, minimums."
    )

    @field_validator("data_analysis_start_time", "data_analysis_end_time")
    @classmethod
    def _offset(cls, value: str | None, info: Any) -> str | None:
        return offset_text(value, info.field_name)

    @model_validator(mode="after")
    def _consistent(self) -> MonitoringJobSpec:
        if (self.endpoint_input is None) == (self.dataset_input is None):
            raise ValueError("exactly one of endpoint_input and dataset_input must be given")
        self._move_sagemaker_offsets()
        start, end = self.data_analysis_start_time, self.data_analysis_end_time
        if (start is None) != (end is None):
            missing = "data_analysis_end_time" if end is None else "data_analysis_start_time"
            raise ValueError(f"{missing} is required when the other offset is given")
        if (
            start is not None
            and end is not None
            and parse_offset(end, "data_analysis_end_time")
            <= parse_offset(start, "data_analysis_start_time")
        ):
            raise ValueError("data_analysis_end_time must come after data_analysis_start_time")
        errors = (
            self._model_quality_errors()
            if self.monitoring_type == "ModelQuality"
            else self._data_quality_errors()
        )
        if errors:
            raise field_errors(type(self).__name__, errors)
        return self

    def typed(self) -> DataQualityJobSpec | ModelQualityJobSpec:
        """This spec as its monitoring type's class (whose options block is never missing)."""
        kind = JOB_SPECS[self.monitoring_type]
        if type(self) is kind:
            return self
        fields = {
            name: getattr(self, name)
            for name in MonitoringJobSpec.model_fields
            if getattr(self, name) is not None or name not in _BLOCKS
        }
        return kind.model_validate(fields)

    def _move_sagemaker_offsets(self) -> None:
        """``endpoint_input.start_time_offset``/``end_time_offset`` → ``data_analysis_*``."""
        endpoint = self.endpoint_input
        if endpoint is None:
            return
        errors: FieldErrors = []
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
            raise field_errors(type(self).__name__, errors)

    def _data_quality_errors(self) -> FieldErrors:
        errors: FieldErrors = []
        if self.model_quality is not None:
            errors.append(
                (
                    ("model_quality",),
                    "model_quality is only for a ModelQuality schedule (monitoring_type is "
                    "DataQuality)",
                )
            )
        for key in ("statistics_url", "constraints_url"):
            if getattr(self.baseline, key) is None:
                errors.append(
                    (("baseline", key), f"baseline.{key} is required for a DataQuality schedule")
                )
        return errors

    def _model_quality_errors(self) -> FieldErrors:
        errors: FieldErrors = []
        if self.model_quality is None:
            errors.append(
                (
                    ("model_quality",),
                    "model_quality is required for a ModelQuality schedule (problem_type, "
                    "inference_attribute, probability_attribute, ground_truth_url …)",
                )
            )
        if self.data_quality is not None:
            errors.append(
                (
                    ("data_quality",),
                    "data_quality is only for a DataQuality schedule (monitoring_type is "
                    "ModelQuality)",
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


class DataQualityJobSpec(MonitoringJobSpec):
    """A DataQuality job (:meth:`MonitoringJobSpec.typed` of one): ``data_quality`` is set."""

    monitoring_type: Literal["DataQuality"] = "DataQuality"
    data_quality: DataQualityConfig = Field(
        default_factory=lambda: DataQualityConfig.model_validate({})
    )


class ModelQualityJobSpec(MonitoringJobSpec):
    """A ModelQuality job (:meth:`MonitoringJobSpec.typed` of one): ``model_quality`` is set."""

    monitoring_type: Literal["ModelQuality"] = "ModelQuality"
    model_quality: ModelQualityConfig


_BLOCKS = ("data_quality", "model_quality")
"""The per-type option blocks of :class:`MonitoringJobSpec`."""

JOB_SPECS: dict[str, type[DataQualityJobSpec] | type[ModelQualityJobSpec]] = {
    "DataQuality": DataQualityJobSpec,
    "ModelQuality": ModelQualityJobSpec,
}
"""Monitoring type → its job spec class."""


# ---- baselining jobs -------------------------------------------------------------------------


class BaseliningJobSpec(Model):
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
    monitoring_type: MonitoringType = Field(
        "DataQuality", description="DataQuality or ModelQuality."
    )
    dataset_url: Url = Field(description="A file, directory, glob or fsspec URL.")
    dataset_format: DatasetFormat | None = Field(None, description="Default: from the extension.")
    header: StrictBool = Field(True, description="CSV: the first line names the columns.")
    output_url: Url = Field(description="Where statistics.json and constraints.json go.")
    workers: int | None = Field(
        None, ge=1, le=1024, description="Worker processes (default: VIGIL_WORKERS, else 1)."
    )
    engine: EngineConfig | None = Field(
        None, description="Where the partitions run (default: the local engine)."
    )
    string_columns: list[Text] = Field(
        default_factory=list,
        max_length=10_000,
        description="DataQuality: columns profiled as String whatever their values look like.",
    )
    on_malformed: Literal["fail", "skip"] = Field(
        "fail", description="DataQuality: fail on a malformed row, or skip and count it."
    )
    problem_type: ProblemType | None = Field(None, description="ModelQuality: required.")
    inference_attribute: Text | None = Field(
        None, description="ModelQuality: column of the predicted label (value for Regression)."
    )
    probability_attribute: Text | None = Field(
        None, description="ModelQuality, BinaryClassification: column of the probability."
    )
    probability_threshold: StrictNumber | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="ModelQuality: positive when probability >= threshold (default 0.5).",
    )
    ground_truth_attribute: Text | None = Field(
        None, description="ModelQuality: column of the label (required)."
    )
    slack: StrictNumber | None = Field(
        None,
        ge=0.0,
        le=1e6,
        description="ModelQuality: relative margin of the suggested thresholds (default 0.1; "
        "0 gives SageMaker's thresholds, the baseline values).",
    )
    sagemaker_r2: StrictBool | None = Field(
        None, description="ModelQuality, Regression: r2 as SageMaker computes it (default false)."
    )

    @model_validator(mode="after")
    def _fits_type(self) -> BaseliningJobSpec:
        errors = (
            self._data_quality_errors()
            if self.monitoring_type == "DataQuality"
            else self._model_quality_errors()
        )
        if errors:
            raise field_errors(type(self).__name__, errors)
        return self

    _MODEL_QUALITY_FIELDS = (
        "problem_type",
        "inference_attribute",
        "probability_attribute",
        "probability_threshold",
        "ground_truth_attribute",
        "slack",
        "sagemaker_r2",
    )

    def _data_quality_errors(self) -> FieldErrors:
        return [
            ((key,), f"{key} is only for a ModelQuality baselining job")
            for key in self._MODEL_QUALITY_FIELDS
            if getattr(self, key) is not None
        ]

    def _model_quality_errors(self) -> FieldErrors:
        errors: FieldErrors = [
            ((key,), f"{key} is required for a ModelQuality baselining job")
            for key in ("problem_type", "ground_truth_attribute")
            if getattr(self, key) is None
        ]
        errors += _attribute_errors(self.problem_type, self.probability_attribute)
        binary_by_probability = (
            self.problem_type == "BinaryClassification" and self.probability_attribute is not None
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
        return errors
