"""Events in EventBridge's envelope, and the events Vigil emits.

The envelope (EventBridge User Guide, *Events*; spec alarms-events-registry.md §3.1)::

    {"version": "0", "id": "<UUID>", "detail-type": "...", "source": "...",
     "account": "<12 digits>", "time": "2019-10-02T17:04:40Z", "region": "...",
     "resources": ["<ARN>", ...], "detail": {...}}

Builders, each pure (time and the event id are arguments):

``CloudWatch Alarm State Change`` (source ``aws.cloudwatch``)
    :func:`alarm_state_change_event`, from an alarm evaluation or ``set_state``: ``detail`` holds
    ``alarmName``, ``state`` and ``previousState`` (``value``, ``reason``, ``reasonData`` as a
    JSON *string* when there is one, ``timestamp``) and ``configuration`` with the metric
    (dimensions as a map), as CloudWatch's documented examples (spec §1.6).
``CloudWatch Alarm Configuration Change`` (source ``aws.cloudwatch``)
    :func:`alarm_configuration_change_event`: ``operation`` ``create``/``update``/``delete``,
    camelCase ``configuration`` and, on update, ``previousConfiguration``.
``SageMaker Processing Job State Change`` (source ``aws.sagemaker``)
    :func:`processing_job_state_change_event`: a monitoring execution is a processing job in
    SageMaker, so its status changes arrive in this shape (DescribeProcessingJob's names, times in
    epoch milliseconds as in SageMaker's example), with ``MonitoringScheduleArn``.
``SageMaker Monitoring Schedule State Change`` (source ``aws.sagemaker``)
    :func:`monitoring_schedule_state_change_event`: SageMaker documents no detail for it, so
    Vigil uses DescribeMonitoringSchedule's names (decision D6): ``MonitoringScheduleName``,
    ``MonitoringScheduleArn``, ``MonitoringScheduleStatus``, ``EndpointName``,
    ``MonitoringType``, ``LastMonitoringExecutionSummary``.
``SageMaker Model Package State Change`` (source ``aws.sagemaker``)
    :func:`model_package_state_change_event`, for the model registry.
``Vigil Violation Report`` (source ``vigil.monitoring``)
    :func:`violation_report_event`, Vigil's own: the violations of one monitoring execution, so
    that a rule can route on a feature or a check type. Its ``detail``::

        {"MonitoringScheduleName": "churn-dq",
         "MonitoringScheduleArn": "arn:aws:sagemaker:local:000000000000:monitoring-schedule/churn-dq",
         "EndpointName": "churn-ep",              # absent for batch monitoring
         "MonitoringType": "DataQuality",         # or ModelQuality, ModelBias, ModelExplainability
         "ScheduledTime": "2026-12-07T10:00:00Z",
         "ProcessingJobArn": "arn:aws:sagemaker:local:000000000000:processing-job/...",
         "MonitoringExecutionStatus": "CompletedWithViolations",
         "ViolationReportUri": "s3://bucket/reports/.../constraint_violations.json",
         "ViolationCount": 2,                     # all violations of the execution
         "Violations": [                          # SageMaker's violation objects, first 100
            {"feature_name": "age", "constraint_check_type": "baseline_drift_check",
             "description": "distance: 0.31 exceeds threshold: 0.2"}, ...],
         "ViolationsTruncated": false}

    ``resources`` holds the schedule ARN and the processing job ARN.

SageMaker ARNs write resource names in lower case, as SageMaker's examples show (``MyEndpoint``
becomes ``...:endpoint/myendpoint``); Vigil's ARNs do the same.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from vigil.alerting.alarms import AlarmEvaluation, AlarmState, MetricAlarm
from vigil.alerting.reasons import event_time, stamp
from vigil.errors import InvalidParameterError

__all__ = [
    "MAX_VIOLATIONS_IN_EVENT",
    "MONITORING_EXECUTION_STATUSES",
    "Event",
    "MonitoringExecutionSummary",
    "alarm_configuration_change_event",
    "alarm_state_change_event",
    "model_package_state_change_event",
    "monitoring_schedule_state_change_event",
    "processing_job_state_change_event",
    "sagemaker_arn",
    "violation_report_event",
]

MAX_VIOLATIONS_IN_EVENT = 100
"""At most this many violations travel in a violation report event (the count is exact)."""

MONITORING_EXECUTION_STATUSES = (
    "Pending", "Completed", "CompletedWithViolations", "InProgress", "Failed", "Stopping",
    "Stopped",
)  # fmt: skip
"""SageMaker's ``MonitoringExecutionStatus`` values."""

_PROCESSING_JOB_STATUS = {
    "Pending": "InProgress",
    "InProgress": "InProgress",
    "Completed": "Completed",
    "CompletedWithViolations": "Completed",
    "Failed": "Failed",
    "Stopping": "Stopping",
    "Stopped": "Stopped",
}
_ACCOUNT = re.compile(r"^\d{12}$")


def _check(condition: bool, message: str, field_name: str) -> None:
    if not condition:
        raise InvalidParameterError(message, field=field_name)


@dataclass(frozen=True, slots=True)
class Event:
    """An event in EventBridge's envelope.

    Attributes
    ----------
    detail_type : str
        ``detail-type``, 1–128 characters.
    source : str
        ``aws.cloudwatch``, ``aws.sagemaker`` for SageMaker-shaped events, ``vigil.<area>`` for
        Vigil's own.
    detail : mapping
        A JSON object (may be empty).
    time : datetime
        When the event happened; written to the second in UTC.
    id : str
        A UUID.
    account : str, default="000000000000"
        12 digits.
    region : str, default="local"
    resources : tuple of str, default=()
        ARNs the event is about.
    version : str, default="0"

    Raises
    ------
    InvalidParameterError
        Naming the envelope field that is wrong.
    """

    detail_type: str
    source: str
    detail: Mapping[str, Any]
    time: datetime
    id: str
    account: str = "000000000000"
    region: str = "local"
    resources: tuple[str, ...] = field(default=())
    version: str = "0"

    def __post_init__(self) -> None:
        _check(isinstance(self.detail_type, str) and 1 <= len(self.detail_type) <= 128,
               f"detail-type must be 1 to 128 characters. Got {self.detail_type!r} instead.",
               "detail-type")  # fmt: skip
        _check(isinstance(self.source, str) and 1 <= len(self.source) <= 256,
               f"source must be 1 to 256 characters. Got {self.source!r} instead.", "source")  # fmt: skip
        _check(isinstance(self.detail, Mapping),
               f"detail must be a JSON object. Got {type(self.detail).__name__} instead.", "detail")  # fmt: skip
        _check(isinstance(self.time, datetime) and self.time.tzinfo is not None,
               f"time must be a timezone-aware datetime. Got {self.time!r} instead.", "time")  # fmt: skip
        try:
            uuid.UUID(self.id)
        except (TypeError, ValueError, AttributeError):
            raise InvalidParameterError(
                f"id must be a UUID. Got {self.id!r} instead.", field="id"
            ) from None
        _check(isinstance(self.account, str) and bool(_ACCOUNT.match(self.account)),
               f"account must be 12 digits. Got {self.account!r} instead.", "account")  # fmt: skip
        resources = tuple(self.resources)
        _check(all(isinstance(r, str) for r in resources),
               f"resources must be strings. Got {resources!r} instead.", "resources")  # fmt: skip
        object.__setattr__(self, "resources", resources)
        object.__setattr__(self, "time", self.time.astimezone(UTC))

    def to_dict(self) -> dict[str, Any]:
        """The event as EventBridge delivers it (envelope keys in EventBridge's order)."""
        return {
            "version": self.version,
            "id": self.id,
            "detail-type": self.detail_type,
            "source": self.source,
            "account": self.account,
            "time": event_time(self.time),
            "region": self.region,
            "resources": list(self.resources),
            "detail": _plain(self.detail),
        }

    def to_json(self) -> str:
        """Compact JSON text of :meth:`to_dict` (UTF-8 kept as is)."""
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        """An event from its JSON object (as :meth:`to_dict` writes it, or as a user posts it).

        Raises
        ------
        InvalidParameterError
            For a missing or malformed envelope field, naming it.
        """
        for key in ("id", "detail-type", "source", "time", "detail"):
            if key not in data:
                raise InvalidParameterError(f"The event has no {key!r}.", field=key)
        try:
            when = datetime.fromisoformat(str(data["time"]).replace("Z", "+00:00"))
        except ValueError:
            raise InvalidParameterError(
                f"time must be an RFC 3339 time. Got {data['time']!r} instead.", field="time"
            ) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        resources = data.get("resources", [])
        _check(isinstance(resources, list), "resources must be an array.", "resources")
        return cls(
            detail_type=data["detail-type"],
            source=data["source"],
            detail=data["detail"],
            time=when,
            id=data["id"],
            account=data.get("account", "000000000000"),
            region=data.get("region", "local"),
            resources=tuple(resources),
            version=str(data.get("version", "0")),
        )


def _plain(value: Any) -> Any:
    """Mappings and sequences as JSON-ready dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def sagemaker_arn(kind: str, name: str, *, account: str, region: str) -> str:
    """``arn:aws:sagemaker:<region>:<account>:<kind>/<name in lower case>``.

    >>> sagemaker_arn("monitoring-schedule", "Churn-DQ", account="000000000000", region="local")
    'arn:aws:sagemaker:local:000000000000:monitoring-schedule/churn-dq'
    """
    return f"arn:aws:sagemaker:{region}:{account}:{kind}/{name.lower()}"


def _epoch_ms(moment: datetime | None) -> int | None:
    return None if moment is None else round(moment.timestamp() * 1000)


def _compact(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


# ------------------------------------------------------------------------------------- alarms


def _state_detail(state: AlarmState) -> dict[str, Any]:
    out: dict[str, Any] = {"value": state.value.value, "reason": state.reason}
    if state.reason_data is not None:
        out["reasonData"] = state.reason_data
    out["timestamp"] = stamp(state.timestamp)
    return out


def _metric_configuration(alarm: MetricAlarm) -> dict[str, Any]:
    metric_stat: dict[str, Any] = {
        "metric": {
            "namespace": alarm.namespace,
            "name": alarm.metric_name,
            "dimensions": dict(alarm.dimensions),
        },
        "period": alarm.period,
        "stat": alarm.statistic,
    }
    if alarm.unit is not None:
        metric_stat["unit"] = alarm.unit
    configuration: dict[str, Any] = {}
    if alarm.alarm_description is not None:
        configuration["description"] = alarm.alarm_description
    configuration["metrics"] = [{"id": "m1", "metricStat": metric_stat, "returnData": True}]
    return configuration


def alarm_state_change_event(evaluation: AlarmEvaluation, *, event_id: str) -> Event:
    """The ``CloudWatch Alarm State Change`` event of a transition.

    Parameters
    ----------
    evaluation : AlarmEvaluation
        From :func:`~vigil.alerting.alarms.evaluate_alarm` or
        :func:`~vigil.alerting.alarms.set_state`; should have ``changed``.
    event_id : str
        A UUID for the event (``str(uuid.uuid4())``).

    Returns
    -------
    Event
        ``time`` is the new state's timestamp; ``resources`` is the alarm's ARN.
    """
    alarm = evaluation.alarm
    detail = {
        "alarmName": alarm.alarm_name,
        "state": _state_detail(evaluation.state),
        "previousState": _state_detail(evaluation.previous),
        "configuration": _metric_configuration(alarm),
    }
    return Event(
        detail_type="CloudWatch Alarm State Change",
        source="aws.cloudwatch",
        detail=detail,
        time=evaluation.state.timestamp,
        id=event_id,
        account=alarm.account,
        region=alarm.region,
        resources=(alarm.alarm_arn,),
    )


def _configuration(alarm: MetricAlarm) -> dict[str, Any]:
    out = {
        "description": alarm.alarm_description,
        "metrics": _metric_configuration(alarm)["metrics"],
        "evaluationPeriods": alarm.evaluation_periods,
        "datapointsToAlarm": alarm.datapoints_to_alarm,
        "threshold": alarm.threshold,
        "comparisonOperator": alarm.comparison_operator.value,
        "treatMissingData": alarm.treat_missing_data.value,
        "actionsEnabled": alarm.actions_enabled,
        "alarmActions": list(alarm.alarm_actions),
        "okActions": list(alarm.ok_actions),
        "insufficientDataActions": list(alarm.insufficient_data_actions),
    }
    return _compact(out)


def alarm_configuration_change_event(
    alarm: MetricAlarm,
    operation: Literal["create", "update", "delete"],
    *,
    state: AlarmState,
    time: datetime,
    event_id: str,
    previous: MetricAlarm | None = None,
) -> Event:
    """The ``CloudWatch Alarm Configuration Change`` event of a create, update or delete.

    Parameters
    ----------
    alarm : MetricAlarm
        The alarm after the change (the deleted alarm for ``delete``).
    operation : {"create", "update", "delete"}
    state : AlarmState
        The alarm's state at the change.
    time : datetime
    event_id : str
    previous : MetricAlarm, optional
        The configuration before an update (``previousConfiguration``).

    Raises
    ------
    InvalidParameterError
        For another operation.
    """
    _check(operation in ("create", "update", "delete"),
           f"operation must be create, update or delete. Got {operation!r} instead.", "operation")  # fmt: skip
    detail: dict[str, Any] = {
        "alarmName": alarm.alarm_name,
        "operation": operation,
        "state": _state_detail(state),
        "configuration": _configuration(alarm),
    }
    if previous is not None:
        detail["previousConfiguration"] = _configuration(previous)
    return Event(
        detail_type="CloudWatch Alarm Configuration Change",
        source="aws.cloudwatch",
        detail=detail,
        time=time,
        id=event_id,
        account=alarm.account,
        region=alarm.region,
        resources=(alarm.alarm_arn,),
    )


# ---------------------------------------------------------------------------------- SageMaker


@dataclass(frozen=True, slots=True)
class MonitoringExecutionSummary:
    """One monitoring execution, in SageMaker's ``MonitoringExecutionSummary`` terms.

    Attributes
    ----------
    monitoring_schedule_name : str
    scheduled_time : datetime
    creation_time, last_modified_time : datetime
    monitoring_execution_status : str
        One of :data:`MONITORING_EXECUTION_STATUSES`.
    processing_job_name : str
        The execution's job name (its ARN is derived).
    endpoint_name : str, optional
    monitoring_type : str, default="DataQuality"
    monitoring_job_definition_name : str, optional
    failure_reason : str, optional
        At most 1024 characters.
    exit_message : str, optional
        E.g. ``CompletedWithViolations: Job completed successfully with 2 violations.``

    Raises
    ------
    InvalidParameterError
        For an unknown status.
    """

    monitoring_schedule_name: str
    scheduled_time: datetime
    creation_time: datetime
    last_modified_time: datetime
    monitoring_execution_status: str
    processing_job_name: str
    endpoint_name: str | None = None
    monitoring_type: str = "DataQuality"
    monitoring_job_definition_name: str | None = None
    failure_reason: str | None = None
    exit_message: str | None = None

    def __post_init__(self) -> None:
        _check(self.monitoring_execution_status in MONITORING_EXECUTION_STATUSES,
               f"MonitoringExecutionStatus must be one of {', '.join(MONITORING_EXECUTION_STATUSES)}. "
               f"Got {self.monitoring_execution_status!r} instead.", "MonitoringExecutionStatus")  # fmt: skip
        if self.failure_reason is not None:
            object.__setattr__(self, "failure_reason", self.failure_reason[:1024])


def processing_job_state_change_event(
    execution: MonitoringExecutionSummary,
    *,
    event_id: str,
    time: datetime,
    account: str = "000000000000",
    region: str = "local",
    processing_start_time: datetime | None = None,
    processing_end_time: datetime | None = None,
    output_uri: str | None = None,
) -> Event:
    """The ``SageMaker Processing Job State Change`` event of a monitoring execution.

    ``ProcessingJobStatus`` is the job's view of the execution: ``Pending`` and ``InProgress``
    are ``InProgress``, ``Completed`` and ``CompletedWithViolations`` are ``Completed`` (the
    exit message tells them apart).

    Parameters
    ----------
    execution : MonitoringExecutionSummary
    event_id : str
    time : datetime
        When the status changed.
    account, region : str
    processing_start_time, processing_end_time : datetime, optional
    output_uri : str, optional
        Where the execution wrote its reports (``ProcessingOutputConfig``).
    """
    job_arn = sagemaker_arn(
        "processing-job", execution.processing_job_name, account=account, region=region
    )
    schedule_arn = sagemaker_arn(
        "monitoring-schedule", execution.monitoring_schedule_name, account=account, region=region
    )
    detail: dict[str, Any] = {
        "ProcessingJobName": execution.processing_job_name,
        "ProcessingJobArn": job_arn,
        "ProcessingJobStatus": _PROCESSING_JOB_STATUS[execution.monitoring_execution_status],
        "ExitMessage": execution.exit_message,
        "FailureReason": execution.failure_reason,
        "MonitoringScheduleArn": schedule_arn,
        "ProcessingOutputConfig": (
            None
            if output_uri is None
            else {"Outputs": [{"OutputName": "result", "S3Output": {"S3Uri": output_uri}}]}
        ),
        "ProcessingStartTime": _epoch_ms(processing_start_time),
        "ProcessingEndTime": _epoch_ms(processing_end_time),
        "LastModifiedTime": _epoch_ms(execution.last_modified_time),
        "CreationTime": _epoch_ms(execution.creation_time),
    }
    return Event(
        detail_type="SageMaker Processing Job State Change",
        source="aws.sagemaker",
        detail=_compact(detail),
        time=time,
        id=event_id,
        account=account,
        region=region,
        resources=(job_arn,),
    )


def _summary(execution: MonitoringExecutionSummary, *, account: str, region: str) -> dict[str, Any]:
    return _compact(
        {
            "MonitoringScheduleName": execution.monitoring_schedule_name,
            "ScheduledTime": _epoch_ms(execution.scheduled_time),
            "CreationTime": _epoch_ms(execution.creation_time),
            "LastModifiedTime": _epoch_ms(execution.last_modified_time),
            "MonitoringExecutionStatus": execution.monitoring_execution_status,
            "ProcessingJobArn": sagemaker_arn(
                "processing-job", execution.processing_job_name, account=account, region=region
            ),
            "EndpointName": execution.endpoint_name,
            "FailureReason": execution.failure_reason,
            "MonitoringJobDefinitionName": execution.monitoring_job_definition_name,
            "MonitoringType": execution.monitoring_type,
        }
    )


def monitoring_schedule_state_change_event(
    *,
    schedule_name: str,
    schedule_status: str,
    event_id: str,
    time: datetime,
    monitoring_type: str = "DataQuality",
    endpoint_name: str | None = None,
    last_execution: MonitoringExecutionSummary | None = None,
    account: str = "000000000000",
    region: str = "local",
) -> Event:
    """The ``SageMaker Monitoring Schedule State Change`` event (detail per decision D6).

    Parameters
    ----------
    schedule_name : str
    schedule_status : str
        ``Pending``, ``Scheduled``, ``Failed`` or ``Stopped``.
    event_id : str
    time : datetime
    monitoring_type : str, default="DataQuality"
    endpoint_name : str, optional
    last_execution : MonitoringExecutionSummary, optional
        Becomes ``LastMonitoringExecutionSummary``: emit this event when an execution's status
        changes too, so one rule can watch the schedule.
    account, region : str

    Raises
    ------
    InvalidParameterError
        For an unknown schedule status.
    """
    _check(schedule_status in ("Pending", "Scheduled", "Failed", "Stopped"),
           "MonitoringScheduleStatus must be Pending, Scheduled, Failed or Stopped. "
           f"Got {schedule_status!r} instead.", "MonitoringScheduleStatus")  # fmt: skip
    arn = sagemaker_arn("monitoring-schedule", schedule_name, account=account, region=region)
    detail = _compact(
        {
            "MonitoringScheduleName": schedule_name,
            "MonitoringScheduleArn": arn,
            "MonitoringScheduleStatus": schedule_status,
            "EndpointName": endpoint_name,
            "MonitoringType": monitoring_type,
            "LastMonitoringExecutionSummary": (
                None
                if last_execution is None
                else _summary(last_execution, account=account, region=region)
            ),
        }
    )
    return Event(
        detail_type="SageMaker Monitoring Schedule State Change",
        source="aws.sagemaker",
        detail=detail,
        time=time,
        id=event_id,
        account=account,
        region=region,
        resources=(arn,),
    )


def model_package_state_change_event(
    *,
    group_name: str,
    version: int,
    status: str,
    approval_status: str,
    creation_time: datetime,
    last_modified_time: datetime,
    event_id: str,
    time: datetime,
    extra: Mapping[str, Any] | None = None,
    account: str = "000000000000",
    region: str = "local",
) -> Event:
    """The ``SageMaker Model Package State Change`` event of a registered model version.

    Parameters
    ----------
    group_name : str
    version : int
        ``ModelPackageVersion``, from 1.
    status : str
        ``ModelPackageStatus``: ``Pending``, ``InProgress``, ``Completed``, ``Failed``,
        ``Deleting``.
    approval_status : str
        ``ModelApprovalStatus``: ``PendingManualApproval``, ``Approved``, ``Rejected``.
    creation_time, last_modified_time : datetime
    event_id : str
    time : datetime
    extra : mapping, optional
        Further DescribeModelPackage fields (``InferenceSpecification``, ``ModelMetrics``,
        ``MetadataProperties``, ``ModelPackageStatusDetails``, ...), copied into ``detail``.
    account, region : str
    """
    _check(approval_status in ("PendingManualApproval", "Approved", "Rejected"),
           "ModelApprovalStatus must be PendingManualApproval, Approved or Rejected. "
           f"Got {approval_status!r} instead.", "ModelApprovalStatus")  # fmt: skip
    arn = sagemaker_arn("model-package", f"{group_name}/{version}", account=account, region=region)
    detail: dict[str, Any] = {
        "ModelPackageGroupName": group_name,
        "ModelPackageVersion": version,
        "ModelPackageArn": arn,
        "ModelPackageName": f"{group_name}/{version}",
        "CreationTime": _epoch_ms(creation_time),
        "ModelPackageStatus": status,
        "ModelApprovalStatus": approval_status,
        "LastModifiedTime": _epoch_ms(last_modified_time),
        **dict(extra or {}),
    }
    return Event(
        detail_type="SageMaker Model Package State Change",
        source="aws.sagemaker",
        detail=detail,
        time=time,
        id=event_id,
        account=account,
        region=region,
        resources=(arn,),
    )


# -------------------------------------------------------------------------------------- Vigil


def _violation_object(violation: Any) -> dict[str, Any]:
    if isinstance(violation, Mapping):
        data = dict(violation)
    elif hasattr(violation, "model_dump"):
        data = violation.model_dump(exclude_none=True)
    else:
        raise InvalidParameterError(
            "violations must be mappings or Violation models. "
            f"Got {type(violation).__name__} instead.",
            field="violations",
        )
    return {k: data[k] for k in ("feature_name", "metric_name", "constraint_check_type",
                                 "description") if data.get(k) is not None}  # fmt: skip


def violation_report_event(
    execution: MonitoringExecutionSummary,
    violations: Sequence[Any],
    *,
    report_uri: str | None,
    event_id: str,
    time: datetime,
    account: str = "000000000000",
    region: str = "local",
) -> Event:
    """The ``Vigil Violation Report`` event of one execution (shape in the module docstring).

    Parameters
    ----------
    execution : MonitoringExecutionSummary
    violations : sequence of mapping or :class:`vigil.formats.violations.Violation`
        The execution's violations, in report order.
    report_uri : str or None
        Where ``constraint_violations.json`` was written.
    event_id : str
    time : datetime
    account, region : str
    """
    objects = [_violation_object(v) for v in violations]
    schedule_arn = sagemaker_arn(
        "monitoring-schedule", execution.monitoring_schedule_name, account=account, region=region
    )
    job_arn = sagemaker_arn(
        "processing-job", execution.processing_job_name, account=account, region=region
    )
    detail = _compact(
        {
            "MonitoringScheduleName": execution.monitoring_schedule_name,
            "MonitoringScheduleArn": schedule_arn,
            "EndpointName": execution.endpoint_name,
            "MonitoringType": execution.monitoring_type,
            "ScheduledTime": event_time(execution.scheduled_time),
            "ProcessingJobArn": job_arn,
            "MonitoringExecutionStatus": execution.monitoring_execution_status,
            "ViolationReportUri": report_uri,
            "ViolationCount": len(objects),
            "Violations": objects[:MAX_VIOLATIONS_IN_EVENT],
            "ViolationsTruncated": len(objects) > MAX_VIOLATIONS_IN_EVENT,
        }
    )
    return Event(
        detail_type="Vigil Violation Report",
        source="vigil.monitoring",
        detail=detail,
        time=time,
        id=event_id,
        account=account,
        region=region,
        resources=(schedule_arn, job_arn),
    )
