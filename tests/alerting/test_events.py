"""Event envelopes and builders: CloudWatch's and SageMaker's documented shapes, Vigil's own."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vigil.alerting.alarms import (
    AlarmState,
    MetricAlarm,
    StateValue,
    evaluate_alarm,
    initial_state,
    set_state,
)
from vigil.alerting.events import (
    MAX_VIOLATIONS_IN_EVENT,
    Event,
    MonitoringExecutionSummary,
    alarm_configuration_change_event,
    alarm_state_change_event,
    model_package_state_change_event,
    monitoring_schedule_state_change_event,
    processing_job_state_change_event,
    violation_report_event,
)
from vigil.alerting.patterns import matches
from vigil.alerting.statistics import Datapoint
from vigil.errors import InvalidParameterError
from vigil.formats.violations import Violation

EVENT_ID = "3f0c8a52-6a1e-4f2c-9a7e-0d4b1c2e9f10"
T = datetime(2026, 12, 7, 10, 5, 12, 314000, tzinfo=UTC)


def _cpu_alarm() -> MetricAlarm:
    return MetricAlarm(
        "ServerCpuTooHigh", "AWS/EC2", "CPUUtilization", "GreaterThanThreshold", 50.0,
        period=300, evaluation_periods=1, datapoints_to_alarm=1,
        dimensions=(("InstanceId", "i-12345678901234567"),),
        alarm_description="Goes into alarm when server CPU utilization is too high!",
        account="123456789012", region="us-east-1",
    )  # fmt: skip


def test_alarm_state_change_matches_cloudwatchs_documented_example() -> None:
    """CloudWatch User Guide, "Alarm events and EventBridge", single-metric alarm."""
    alarm = _cpu_alarm()
    previous_time = datetime(2019, 10, 1, 13, 56, 40, 987000, tzinfo=UTC)
    previous = AlarmState(
        StateValue.OK,
        "Threshold Crossed: 1 out of the last 1 datapoints [0.0666851903306472 (01/10/19 13:46:00)] "
        "was not greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition).",
        '{"version":"1.0","queryDate":"2019-10-01T13:56:40.985+0000","startDate":'
        '"2019-10-01T13:46:00.000+0000","statistic":"Average","period":300,"recentDatapoints":'
        '[0.0666851903306472],"threshold":50.0}',
        previous_time,
    )
    now = datetime(2019, 10, 2, 17, 4, 40, 985000, tzinfo=UTC)
    points = [Datapoint(datetime(2019, 10, 2, 17, 0, tzinfo=UTC), value=99.50160229693434)]
    event = alarm_state_change_event(evaluate_alarm(alarm, previous, points, now=now),
                                     event_id="c4c1c1c9-6542-e61b-6ef0-8c4d36933a92").to_dict()  # fmt: skip
    assert list(event) == [
        "version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"
    ]  # fmt: skip
    assert {k: v for k, v in event.items() if k != "detail"} == {
        "version": "0",
        "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": "123456789012",
        "time": "2019-10-02T17:04:40Z",
        "region": "us-east-1",
        "resources": ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"],
    }
    detail = event["detail"]
    assert detail["alarmName"] == "ServerCpuTooHigh"
    assert detail["configuration"] == {
        "description": "Goes into alarm when server CPU utilization is too high!",
        "metrics": [{
            "id": "m1",
            "metricStat": {
                "metric": {"namespace": "AWS/EC2", "name": "CPUUtilization",
                           "dimensions": {"InstanceId": "i-12345678901234567"}},
                "period": 300, "stat": "Average",
            },
            "returnData": True,
        }],
    }  # fmt: skip
    assert detail["previousState"] == {
        "value": "OK",
        "reason": previous.reason,
        "reasonData": previous.reason_data,
        "timestamp": "2019-10-01T13:56:40.987+0000",
    }
    assert detail["state"]["value"] == "ALARM"
    assert detail["state"]["timestamp"] == "2019-10-02T17:04:40.985+0000"
    assert detail["state"]["reason"] == (
        "Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] "
        "was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )
    assert isinstance(detail["state"]["reasonData"], str)  # a JSON string, not an object
    assert json.loads(detail["state"]["reasonData"])["recentDatapoints"] == [99.50160229693434]


def test_initial_state_has_no_reason_data_and_set_state_events() -> None:
    alarm = _cpu_alarm()
    result = set_state(alarm, initial_state(T - timedelta(hours=2)), "ALARM", "testing", now=T)
    detail = alarm_state_change_event(result, event_id=EVENT_ID).to_dict()["detail"]
    assert detail["previousState"] == {
        "value": "INSUFFICIENT_DATA",
        "reason": "Unchecked: Initial alarm creation",
        "timestamp": "2026-12-07T08:05:12.314+0000",
    }
    assert detail["state"] == {
        "value": "ALARM",
        "reason": "testing",
        "timestamp": "2026-12-07T10:05:12.314+0000",
    }


def test_an_alarm_rule_matches_the_emitted_event() -> None:
    alarm = MetricAlarm("churn-age-drift", "aws/sagemaker/Endpoints/data-metrics",
                        "feature_baseline_drift_age", "GreaterThanThreshold", 0.2, period=3600,
                        evaluation_periods=1, statistic="Sum", unit="None",
                        dimensions=(("Endpoint", "churn-ep"), ("MonitoringSchedule", "churn-dq")))  # fmt: skip
    points = [Datapoint(datetime(2026, 12, 7, 9, 30, tzinfo=UTC), value=0.31)]
    event = alarm_state_change_event(evaluate_alarm(alarm, initial_state(T), points, now=T),
                                     event_id=EVENT_ID)  # fmt: skip
    rule = {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {
            "state": {"value": ["ALARM"]},
            "configuration": {"metrics": {"metricStat": {"metric": {
                "name": [{"prefix": "feature_baseline_drift_"}],
                "dimensions": {"Endpoint": ["churn-ep"]},
            }}}},
        },
    }  # fmt: skip
    assert matches(rule, event.to_dict())
    metric_stat = event.detail["configuration"]["metrics"][0]["metricStat"]
    assert (metric_stat["stat"], metric_stat["unit"]) == ("Sum", "None")
    assert event.resources == ("arn:aws:cloudwatch:local:000000000000:alarm:churn-age-drift",)


def test_configuration_change_event() -> None:
    alarm = _cpu_alarm()
    changed = MetricAlarm.from_dict({**alarm.to_dict(), "Threshold": 80.0},
                                    account=alarm.account, region=alarm.region)  # fmt: skip
    event = alarm_configuration_change_event(
        changed, "update", state=initial_state(T), time=T, event_id=EVENT_ID, previous=alarm
    ).to_dict()
    assert event["detail-type"] == "CloudWatch Alarm Configuration Change"
    detail = event["detail"]
    assert detail["operation"] == "update"
    assert detail["configuration"]["threshold"] == 80.0
    assert detail["previousConfiguration"]["threshold"] == 50.0
    assert detail["configuration"]["metrics"][0]["metricStat"]["metric"]["name"] == "CPUUtilization"
    with pytest.raises(InvalidParameterError, match="operation must be"):
        alarm_configuration_change_event(alarm, "rename", state=initial_state(T), time=T,  # type: ignore[arg-type]
                                         event_id=EVENT_ID)  # fmt: skip


def _execution(
    status: str = "CompletedWithViolations", **kwargs: Any
) -> MonitoringExecutionSummary:
    defaults: dict[str, Any] = {
        "monitoring_schedule_name": "Churn-DQ",
        "scheduled_time": datetime(2026, 12, 7, 10, tzinfo=UTC),
        "creation_time": datetime(2026, 12, 7, 10, 0, 1, tzinfo=UTC),
        "last_modified_time": datetime(2026, 12, 7, 10, 4, 59, 500000, tzinfo=UTC),
        "monitoring_execution_status": status,
        "processing_job_name": "churn-dq-2026-12-07-10",
        "endpoint_name": "churn-ep",
        "monitoring_job_definition_name": "churn-dq-definition",
        "exit_message": "CompletedWithViolations: Job completed successfully with 2 violations.",
    }
    return MonitoringExecutionSummary(**{**defaults, **kwargs})


@pytest.mark.parametrize(
    ("status", "job_status"),
    [("Pending", "InProgress"), ("InProgress", "InProgress"), ("Completed", "Completed"),
     ("CompletedWithViolations", "Completed"), ("Failed", "Failed"), ("Stopping", "Stopping"),
     ("Stopped", "Stopped")],
)  # fmt: skip
def test_processing_job_state_change_event(status: str, job_status: str) -> None:
    event = processing_job_state_change_event(
        _execution(status), event_id=EVENT_ID, time=T, output_uri="s3://b/reports/x",
        processing_start_time=datetime(2026, 12, 7, 10, 0, 2, tzinfo=UTC),
    ).to_dict()  # fmt: skip
    assert (event["source"], event["detail-type"]) == (
        "aws.sagemaker",
        "SageMaker Processing Job State Change",
    )
    detail = event["detail"]
    assert detail["ProcessingJobStatus"] == job_status
    assert detail["ProcessingJobArn"] == (
        "arn:aws:sagemaker:local:000000000000:processing-job/churn-dq-2026-12-07-10"
    )
    assert detail["MonitoringScheduleArn"].endswith(":monitoring-schedule/churn-dq")  # lower case
    assert (
        detail["ProcessingStartTime"] == 1796637602000
    )  # epoch milliseconds, as SageMaker's example
    assert detail["LastModifiedTime"] == 1796637899500
    assert "ProcessingEndTime" not in detail and "FailureReason" not in detail
    assert detail["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"] == "s3://b/reports/x"
    assert event["resources"] == [detail["ProcessingJobArn"]]
    rule = {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Processing Job State Change"],
            "detail": {"ProcessingJobStatus": ["Failed", "Stopped"]}}  # fmt: skip
    assert matches(rule, event) is (job_status in ("Failed", "Stopped"))


def test_monitoring_schedule_state_change_event() -> None:
    failed = _execution("Failed", failure_reason="Job inputs had no data", exit_message=None)
    event = monitoring_schedule_state_change_event(
        schedule_name="churn-dq", schedule_status="Scheduled", event_id=EVENT_ID, time=T,
        endpoint_name="churn-ep", last_execution=failed,
    ).to_dict()  # fmt: skip
    detail = event["detail"]
    assert detail["MonitoringScheduleStatus"] == "Scheduled"
    assert detail["MonitoringType"] == "DataQuality"
    summary = detail["LastMonitoringExecutionSummary"]
    assert summary["MonitoringExecutionStatus"] == "Failed"
    assert summary["FailureReason"] == "Job inputs had no data"
    assert summary["ScheduledTime"] == 1796637600000
    assert summary["ProcessingJobArn"].endswith(":processing-job/churn-dq-2026-12-07-10")
    with pytest.raises(InvalidParameterError, match="MonitoringScheduleStatus must be"):
        monitoring_schedule_state_change_event(schedule_name="s", schedule_status="Running",
                                               event_id=EVENT_ID, time=T)  # fmt: skip
    with pytest.raises(InvalidParameterError, match="MonitoringExecutionStatus must be"):
        _execution("Done")


def test_violation_report_event_shape_and_truncation() -> None:
    violations: list[Any] = [
        Violation(feature_name="age", constraint_check_type="baseline_drift_check",
                  description="distance: 0.31 exceeds threshold: 0.2"),
        {"metric_name": "f2", "constraint_check_type": "LessThanThreshold",
         "description": "Metric f2 with 0.5 +/- 0.01 was LessThanThreshold 0.7"},
    ]  # fmt: skip
    event = violation_report_event(_execution(), violations, report_uri="s3://b/r.json",
                                   event_id=EVENT_ID, time=T).to_dict()  # fmt: skip
    assert (event["source"], event["detail-type"]) == ("vigil.monitoring", "Vigil Violation Report")
    detail = event["detail"]
    assert detail["ViolationCount"] == 2 and detail["ViolationsTruncated"] is False
    assert detail["Violations"][0] == {
        "feature_name": "age",
        "constraint_check_type": "baseline_drift_check",
        "description": "distance: 0.31 exceeds threshold: 0.2",
    }
    assert detail["Violations"][1]["metric_name"] == "f2"
    assert detail["ScheduledTime"] == "2026-12-07T10:00:00Z"
    assert len(event["resources"]) == 2
    rule = {"source": ["vigil.monitoring"],
            "detail": {"Violations": {"constraint_check_type": ["baseline_drift_check"],
                                      "feature_name": ["age"]}}}  # fmt: skip
    assert matches(rule, event)
    many = [{"feature_name": f"f{i}", "constraint_check_type": "data_type_check",
             "description": "x"} for i in range(MAX_VIOLATIONS_IN_EVENT + 5)]  # fmt: skip
    detail = violation_report_event(_execution(), many, report_uri=None, event_id=EVENT_ID,
                                    time=T).to_dict()["detail"]  # fmt: skip
    assert detail["ViolationCount"] == MAX_VIOLATIONS_IN_EVENT + 5
    assert len(detail["Violations"]) == MAX_VIOLATIONS_IN_EVENT
    assert detail["ViolationsTruncated"] is True and "ViolationReportUri" not in detail


def test_model_package_state_change_event() -> None:
    event = model_package_state_change_event(
        group_name="Churn", version=3, status="Completed", approval_status="Approved",
        creation_time=T - timedelta(days=1), last_modified_time=T, event_id=EVENT_ID, time=T,
        extra={"ModelMetrics": {"ModelQuality": {"Statistics": {"S3Uri": "s3://b/s.json",
                                                                "ContentType": "application/json"}}}},
    ).to_dict()  # fmt: skip
    detail = event["detail"]
    assert detail["ModelPackageArn"] == "arn:aws:sagemaker:local:000000000000:model-package/churn/3"
    assert (detail["ModelPackageGroupName"], detail["ModelPackageVersion"]) == ("Churn", 3)
    assert detail["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"] == "s3://b/s.json"
    with pytest.raises(InvalidParameterError, match="ModelApprovalStatus"):
        model_package_state_change_event(
            group_name="Churn", version=1, status="Completed", approval_status="Maybe",
            creation_time=T, last_modified_time=T, event_id=EVENT_ID, time=T,
        )  # fmt: skip


def test_envelope_round_trip_and_validation() -> None:
    event = Event("Thing Happened", "vigil.test", {"k": [1, 2]}, T, EVENT_ID, resources=("arn:x",))
    data = json.loads(event.to_json())
    assert data["time"] == "2026-12-07T10:05:12Z"
    back = Event.from_dict(data)
    assert back.to_dict() == event.to_dict()
    for kwargs, field in (
        ({"account": "123"}, "account"),
        ({"id": "not-a-uuid"}, "id"),
        ({"detail_type": "x" * 129}, "detail-type"),
        ({"detail": [1]}, "detail"),
        ({"time": datetime(2026, 1, 1)}, "time"),
    ):
        args: dict[str, Any] = {"detail_type": "T", "source": "vigil.test", "detail": {},
                                "time": T, "id": EVENT_ID, **kwargs}  # fmt: skip
        with pytest.raises(InvalidParameterError) as caught:
            Event(**args)
        assert caught.value.field == field
    with pytest.raises(InvalidParameterError, match="no 'detail'"):
        Event.from_dict({k: v for k, v in data.items() if k != "detail"})
    with pytest.raises(InvalidParameterError, match="RFC 3339"):
        Event.from_dict({**data, "time": "yesterday"})
