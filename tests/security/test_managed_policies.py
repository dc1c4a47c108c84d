"""The action catalog and the persona managed policies behave as documented."""

from __future__ import annotations

import pytest

from vigil.security.actions import (
    ACTIONS,
    RESOURCE_TYPES,
    action_for_operation,
    resource_name,
    sagemaker_arn,
)
from vigil.security.managed_policies import PERSONAS, managed_policies, managed_policy_document
from vigil.security.policy import Request, evaluate, parse_policy

POLICIES = managed_policies()
SCHEDULE = resource_name("monitoring-schedule", "churn-hourly")
ENDPOINT = resource_name("endpoint", "churn")


def allowed(persona: str, action: str, resource: str = "*") -> bool:
    return evaluate([POLICIES[persona]], Request(f"vigil:{action}", resource)).allowed


def test_catalog_is_consistent() -> None:
    for name, spec in ACTIONS.items():
        assert spec.name == name and spec.action == f"vigil:{name}"
        assert spec.resource_type is None or spec.resource_type in RESOURCE_TYPES
        assert spec.access_level in ("List", "Read", "Write", "Permissions management")
        if spec.access_level == "List":
            assert name.startswith(("List", "Describe")), name


@pytest.mark.parametrize(
    "operation",
    [  # the REST API's operation ids today, and the runtime operations
        "ListMonitoringExecutions", "DescribeMonitoringExecution", "StopMonitoringExecution",
        "CreateBaseliningJob", "ListBaseliningJobs", "DescribeBaseliningJob", "CreateEndpoint",
        "ListEndpoints", "DescribeEndpoint", "UpdateEndpoint", "DeleteEndpoint",
        "CreateMonitoringSchedule", "ListMonitoringSchedules", "DescribeMonitoringSchedule",
        "UpdateMonitoringSchedule", "StopMonitoringSchedule", "StartMonitoringSchedule",
        "DeleteMonitoringSchedule", "StartMonitoringScheduleExecution", "InvokeEndpoint",
        "InvokeEndpointAsync", "InvokeEndpointWithResponseStream", "PutGroundTruth",
    ],
)  # fmt: skip
def test_every_current_operation_has_an_action(operation: str) -> None:
    assert action_for_operation(operation).startswith("vigil:")


def test_unknown_operations_fail_closed() -> None:
    with pytest.raises(KeyError):
        action_for_operation("DoSomethingNew")


def test_stream_invocation_is_authorised_as_invoke_endpoint() -> None:
    assert action_for_operation("InvokeEndpointWithResponseStream") == "vigil:InvokeEndpoint"


def test_resource_names() -> None:
    assert resource_name("model-package", "churn", "3") == "vrn:vigil:model-package/churn/3"
    assert sagemaker_arn("alarm", "x", region="r", account="a") is None
    with pytest.raises(KeyError):
        resource_name("bucket", "x")
    with pytest.raises(ValueError, match="non-empty"):
        resource_name("endpoint", "")


def test_documents_parse_and_are_json_policies() -> None:
    for persona in PERSONAS:
        document = managed_policy_document(persona)
        assert document["Version"] == "2012-10-17"
        parse_policy(document, name=persona)
    with pytest.raises(KeyError):
        managed_policy_document("Root")


def test_administrator_can_do_everything() -> None:
    for name in ACTIONS:
        assert allowed("Administrator", name, ENDPOINT)


def test_data_scientist_reads_and_runs_monitoring_but_no_endpoints_code_audit_or_auth() -> None:
    for action in ("DescribeMonitoringSchedule", "ListEndpoints", "DescribeModelPackage",
                   "DescribeAlarms", "GetMetricData", "ListMonitoringExecutions"):  # fmt: skip
        assert allowed("DataScientist", action, SCHEDULE), action
    for action in ("CreateMonitoringSchedule", "UpdateMonitoringSchedule",
                   "StartMonitoringScheduleExecution", "CreateBaseliningJob",
                   "CreateModelPackage"):  # fmt: skip
        assert allowed("DataScientist", action, SCHEDULE), action
    for action in ("CreateEndpoint", "DeleteEndpoint", "InvokeEndpoint", "UpdateModelPackage",
                   "RegisterCode", "ListAuditEvents", "CreatePrincipal", "CreateToken",
                   "RotateKey", "PutMetricAlarm"):  # fmt: skip
        assert not allowed("DataScientist", action, ENDPOINT), action


def test_mlops_manages_endpoints_and_approves_models() -> None:
    for action in ("CreateEndpoint", "UpdateEndpointWeightsAndCapacities", "DeleteEndpoint",
                   "InvokeEndpoint", "UpdateModelPackage", "PutMetricAlarm", "PutRule",
                   "RegisterCode", "DescribeMonitoringSchedule"):  # fmt: skip
        assert allowed("MLOps", action, ENDPOINT), action
    for action in ("ListAuditEvents", "CreatePrincipal", "AttachPrincipalPolicy", "RotateKey",
                   "CreateMonitoringSchedule"):  # fmt: skip
        assert not allowed("MLOps", action, ENDPOINT), action


def test_auditor_reads_audit_only() -> None:
    assert allowed("Auditor", "ListAuditEvents") and allowed("Auditor", "VerifyAuditLog")
    others = [n for n, s in ACTIONS.items() if s.family != "audit"]
    assert not any(allowed("Auditor", n, ENDPOINT) for n in others)


def test_invoke_only_invokes_and_puts_ground_truth() -> None:
    granted = {n for n in ACTIONS if allowed("InvokeOnly", n, ENDPOINT)}
    assert granted == {"InvokeEndpoint", "InvokeEndpointAsync", "PutGroundTruth"}
