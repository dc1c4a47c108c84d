"""The catalog of Vigil's policy actions and resource types (``vigil:<Action>``, ``vrn:vigil:...``).

Action names are SageMaker's where SageMaker has the operation (``CreateMonitoringSchedule``,
``InvokeEndpoint``, ``UpdateModelPackage``), CloudWatch's for alarms and metrics
(``PutMetricAlarm``, ``PutMetricData``), EventBridge's for rules (``PutRule``, ``PutTargets``),
IAM's shape for principals and policies, and Vigil's own where AWS has none:

- ``PutGroundTruth`` (labels for captured inferences; AWS has users write S3 objects);
- ``RegisterCode`` (naming user code — python model entry points, record preprocessors,
  pipeline commands — that the service will run);
- ``CreateBaseliningJob`` and friends: SageMaker runs baselining as a *processing job*
  (``CreateProcessingJob``); Vigil has one job kind with its own resource type, so it keeps the
  name its REST API already uses (operation ids ``CreateBaseliningJob``...) and records the
  SageMaker equivalent in :attr:`ActionSpec.sagemaker`;
- ``DescribeMonitoringExecution``/``StopMonitoringExecution`` (SageMaker: the execution's
  processing job), ``StartMonitoringScheduleExecution`` (run a schedule now);
- ``ListAuditEvents``/``VerifyAuditLog`` (CloudTrail: ``LookupEvents``, ``validate-logs``).

Operations and actions differ in one place, as at AWS (spec §1.4):
``InvokeEndpointWithResponseStream`` is authorised as ``vigil:InvokeEndpoint``
(:data:`OPERATION_ACTIONS`).

Resource names are ``vrn:vigil:<type>/<name>`` (:func:`resource_name`). An endpoint is also known
by its SageMaker ARN with the name lower-cased (:func:`sagemaker_arn`, spec D6), so policies
written for AWS keep working when the service passes it as an alias.

>>> resource_name("monitoring-schedule", "churn-hourly")
'vrn:vigil:monitoring-schedule/churn-hourly'
>>> ACTIONS["InvokeEndpoint"].resource_type
'endpoint'
>>> action_for_operation("InvokeEndpointWithResponseStream")
'vigil:InvokeEndpoint'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "ACTIONS",
    "OPERATION_ACTIONS",
    "RESOURCE_TYPES",
    "SERVICE_PREFIX",
    "AccessLevel",
    "ActionSpec",
    "Family",
    "action_for_operation",
    "resource_name",
    "sagemaker_arn",
]

SERVICE_PREFIX = "vigil"
AccessLevel = Literal["List", "Read", "Write", "Permissions management"]
"""AWS's access levels (*Service Authorization Reference*)."""
Family = Literal[
    "endpoints", "runtime", "monitoring", "baselining", "alerting", "registry", "code",
    "audit", "auth", "keys",
]  # fmt: skip

RESOURCE_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "endpoint": "vrn:vigil:endpoint/{EndpointName}",
        "monitoring-schedule": "vrn:vigil:monitoring-schedule/{MonitoringScheduleName}",
        "monitoring-execution": (
            "vrn:vigil:monitoring-execution/{MonitoringScheduleName}/{ExecutionId}"
        ),
        "baselining-job": "vrn:vigil:baselining-job/{JobName}",
        "alarm": "vrn:vigil:alarm/{AlarmName}",
        "rule": "vrn:vigil:rule/{RuleName}",
        "model-package-group": "vrn:vigil:model-package-group/{ModelPackageGroupName}",
        "model-package": "vrn:vigil:model-package/{ModelPackageGroupName}/{Version}",
        "code": "vrn:vigil:code/{CodeRoot}/{RelativePath}",
        "principal": "vrn:vigil:principal/{PrincipalName}",
        "group": "vrn:vigil:group/{GroupName}",
        "policy": "vrn:vigil:policy/{PolicyName}",
        "key": "vrn:vigil:key/{KeyId}",
    }
)
"""Resource types and the shape of their names; ``{...}`` are the name's parts."""


@dataclass(frozen=True)
class ActionSpec:
    """One action of the catalog.

    Attributes
    ----------
    name : str
        Without the ``vigil:`` prefix, e.g. ``CreateMonitoringSchedule``.
    resource_type : str or None
        The :data:`RESOURCE_TYPES` key of the resource it acts on; ``None`` for actions on no
        particular resource (``List...``), which are requested with resource ``*``.
    access_level : {"List", "Read", "Write", "Permissions management"}
    family : str
        The group the managed policies are built from.
    sagemaker : str or None
        The AWS action with the same meaning (``sagemaker:CreateProcessingJob``), if any.
    """

    name: str
    resource_type: str | None
    access_level: AccessLevel
    family: Family
    sagemaker: str | None = None

    @property
    def action(self) -> str:
        """``vigil:<name>``."""
        return f"{SERVICE_PREFIX}:{self.name}"


def _catalog(
    *rows: tuple[str, str | None, AccessLevel, Family, str | None],
) -> dict[str, ActionSpec]:
    return {row[0]: ActionSpec(*row) for row in rows}


_SM = "sagemaker:"
_CW = "cloudwatch:"
_EB = "events:"
_IAM = "iam:"
_R: AccessLevel = "Read"
_L: AccessLevel = "List"
_W: AccessLevel = "Write"
_P: AccessLevel = "Permissions management"

ACTIONS: Mapping[str, ActionSpec] = MappingProxyType(
    _catalog(
        # endpoints (control plane)
        ("CreateEndpoint", "endpoint", _W, "endpoints", _SM + "CreateEndpoint"),
        ("DescribeEndpoint", "endpoint", _R, "endpoints", _SM + "DescribeEndpoint"),
        ("ListEndpoints", None, _L, "endpoints", _SM + "ListEndpoints"),
        ("UpdateEndpoint", "endpoint", _W, "endpoints", _SM + "UpdateEndpoint"),
        (
            "UpdateEndpointWeightsAndCapacities",
            "endpoint",
            _W,
            "endpoints",
            _SM + "UpdateEndpointWeightsAndCapacities",
        ),
        ("DeleteEndpoint", "endpoint", _W, "endpoints", _SM + "DeleteEndpoint"),
        # runtime (InvokeEndpointWithResponseStream is authorised as InvokeEndpoint)
        ("InvokeEndpoint", "endpoint", _R, "runtime", _SM + "InvokeEndpoint"),
        ("InvokeEndpointAsync", "endpoint", _R, "runtime", _SM + "InvokeEndpointAsync"),
        ("PutGroundTruth", "endpoint", _W, "runtime", None),
        # monitoring schedules and executions
        (
            "CreateMonitoringSchedule",
            "monitoring-schedule",
            _W,
            "monitoring",
            _SM + "CreateMonitoringSchedule",
        ),
        (
            "DescribeMonitoringSchedule",
            "monitoring-schedule",
            _R,
            "monitoring",
            _SM + "DescribeMonitoringSchedule",
        ),
        ("ListMonitoringSchedules", None, _L, "monitoring", _SM + "ListMonitoringSchedules"),
        (
            "UpdateMonitoringSchedule",
            "monitoring-schedule",
            _W,
            "monitoring",
            _SM + "UpdateMonitoringSchedule",
        ),
        (
            "DeleteMonitoringSchedule",
            "monitoring-schedule",
            _W,
            "monitoring",
            _SM + "DeleteMonitoringSchedule",
        ),
        (
            "StartMonitoringSchedule",
            "monitoring-schedule",
            _W,
            "monitoring",
            _SM + "StartMonitoringSchedule",
        ),
        (
            "StopMonitoringSchedule",
            "monitoring-schedule",
            _W,
            "monitoring",
            _SM + "StopMonitoringSchedule",
        ),
        ("StartMonitoringScheduleExecution", "monitoring-schedule", _W, "monitoring", None),
        ("ListMonitoringExecutions", None, _L, "monitoring", _SM + "ListMonitoringExecutions"),
        (
            "DescribeMonitoringExecution",
            "monitoring-execution",
            _R,
            "monitoring",
            _SM + "DescribeProcessingJob",
        ),
        (
            "StopMonitoringExecution",
            "monitoring-execution",
            _W,
            "monitoring",
            _SM + "StopProcessingJob",
        ),
        # baselining jobs (SageMaker: processing jobs)
        ("CreateBaseliningJob", "baselining-job", _W, "baselining", _SM + "CreateProcessingJob"),
        (
            "DescribeBaseliningJob",
            "baselining-job",
            _R,
            "baselining",
            _SM + "DescribeProcessingJob",
        ),
        ("ListBaseliningJobs", None, _L, "baselining", _SM + "ListProcessingJobs"),
        ("StopBaseliningJob", "baselining-job", _W, "baselining", _SM + "StopProcessingJob"),
        # alarms and metrics (CloudWatch), event rules (EventBridge)
        ("PutMetricAlarm", "alarm", _W, "alerting", _CW + "PutMetricAlarm"),
        ("DescribeAlarms", None, _L, "alerting", _CW + "DescribeAlarms"),
        ("DescribeAlarmHistory", "alarm", _R, "alerting", _CW + "DescribeAlarmHistory"),
        ("DeleteAlarms", "alarm", _W, "alerting", _CW + "DeleteAlarms"),
        ("SetAlarmState", "alarm", _W, "alerting", _CW + "SetAlarmState"),
        ("EnableAlarmActions", "alarm", _W, "alerting", _CW + "EnableAlarmActions"),
        ("DisableAlarmActions", "alarm", _W, "alerting", _CW + "DisableAlarmActions"),
        ("PutMetricData", None, _W, "alerting", _CW + "PutMetricData"),
        ("GetMetricData", None, _R, "alerting", _CW + "GetMetricData"),
        ("GetMetricStatistics", None, _R, "alerting", _CW + "GetMetricStatistics"),
        ("ListMetrics", None, _L, "alerting", _CW + "ListMetrics"),
        ("PutRule", "rule", _W, "alerting", _EB + "PutRule"),
        ("DescribeRule", "rule", _R, "alerting", _EB + "DescribeRule"),
        ("ListRules", None, _L, "alerting", _EB + "ListRules"),
        ("DeleteRule", "rule", _W, "alerting", _EB + "DeleteRule"),
        ("EnableRule", "rule", _W, "alerting", _EB + "EnableRule"),
        ("DisableRule", "rule", _W, "alerting", _EB + "DisableRule"),
        ("PutTargets", "rule", _W, "alerting", _EB + "PutTargets"),
        ("RemoveTargets", "rule", _W, "alerting", _EB + "RemoveTargets"),
        ("ListTargetsByRule", "rule", _L, "alerting", _EB + "ListTargetsByRule"),
        # model registry
        (
            "CreateModelPackageGroup",
            "model-package-group",
            _W,
            "registry",
            _SM + "CreateModelPackageGroup",
        ),
        (
            "DescribeModelPackageGroup",
            "model-package-group",
            _R,
            "registry",
            _SM + "DescribeModelPackageGroup",
        ),
        ("ListModelPackageGroups", None, _L, "registry", _SM + "ListModelPackageGroups"),
        (
            "DeleteModelPackageGroup",
            "model-package-group",
            _W,
            "registry",
            _SM + "DeleteModelPackageGroup",
        ),
        ("CreateModelPackage", "model-package", _W, "registry", _SM + "CreateModelPackage"),
        ("DescribeModelPackage", "model-package", _R, "registry", _SM + "DescribeModelPackage"),
        ("ListModelPackages", None, _L, "registry", _SM + "ListModelPackages"),
        ("UpdateModelPackage", "model-package", _W, "registry", _SM + "UpdateModelPackage"),
        ("DeleteModelPackage", "model-package", _W, "registry", _SM + "DeleteModelPackage"),
        # user code the service runs
        ("RegisterCode", "code", _W, "code", None),
        # audit (CloudTrail)
        ("ListAuditEvents", None, _R, "audit", "cloudtrail:LookupEvents"),
        ("VerifyAuditLog", None, _R, "audit", None),
        # principals, groups, credentials and policies (IAM)
        ("CreatePrincipal", "principal", _P, "auth", _IAM + "CreateUser"),
        ("DescribePrincipal", "principal", _R, "auth", _IAM + "GetUser"),
        ("ListPrincipals", None, _L, "auth", _IAM + "ListUsers"),
        ("DeletePrincipal", "principal", _P, "auth", _IAM + "DeleteUser"),
        ("CreateGroup", "group", _P, "auth", _IAM + "CreateGroup"),
        ("ListGroups", None, _L, "auth", _IAM + "ListGroups"),
        ("DeleteGroup", "group", _P, "auth", _IAM + "DeleteGroup"),
        ("AddPrincipalToGroup", "group", _P, "auth", _IAM + "AddUserToGroup"),
        ("RemovePrincipalFromGroup", "group", _P, "auth", _IAM + "RemoveUserFromGroup"),
        ("CreateToken", "principal", _P, "auth", None),
        ("ListTokens", "principal", _L, "auth", None),
        ("RevokeToken", "principal", _P, "auth", None),
        ("CreateAccessKey", "principal", _P, "auth", _IAM + "CreateAccessKey"),
        ("ListAccessKeys", "principal", _L, "auth", _IAM + "ListAccessKeys"),
        ("DeleteAccessKey", "principal", _P, "auth", _IAM + "DeleteAccessKey"),
        ("CreatePolicy", "policy", _P, "auth", _IAM + "CreatePolicy"),
        ("GetPolicy", "policy", _R, "auth", _IAM + "GetPolicy"),
        ("ListPolicies", None, _L, "auth", _IAM + "ListPolicies"),
        ("DeletePolicy", "policy", _P, "auth", _IAM + "DeletePolicy"),
        ("AttachPrincipalPolicy", "principal", _P, "auth", _IAM + "AttachUserPolicy"),
        ("DetachPrincipalPolicy", "principal", _P, "auth", _IAM + "DetachUserPolicy"),
        ("AttachGroupPolicy", "group", _P, "auth", _IAM + "AttachGroupPolicy"),
        ("DetachGroupPolicy", "group", _P, "auth", _IAM + "DetachGroupPolicy"),
        ("SimulatePrincipalPolicy", "principal", _R, "auth", _IAM + "SimulatePrincipalPolicy"),
        # master keys of envelope encryption (KMS)
        ("ListKeys", None, _L, "keys", "kms:ListKeys"),
        ("DescribeKey", "key", _R, "keys", "kms:DescribeKey"),
        ("CreateKey", None, _W, "keys", "kms:CreateKey"),
        ("RotateKey", "key", _W, "keys", "kms:RotateKeyOnDemand"),
        ("ReEncrypt", "key", _W, "keys", "kms:ReEncrypt*"),
    )
)
"""Every Vigil action by name (without the ``vigil:`` prefix)."""

OPERATION_ACTIONS: Mapping[str, str] = MappingProxyType(
    {"InvokeEndpointWithResponseStream": "InvokeEndpoint"}
)
"""Operations authorised by another action's name (spec §1.4); all others by their own."""


def action_for_operation(operation: str) -> str:
    """The ``vigil:`` action that authorises an API operation (its OpenAPI ``operation_id``).

    Raises
    ------
    KeyError
        If neither the operation nor its mapped action is in :data:`ACTIONS` (a route must not
        be served without an action: the caller fails closed).
    """
    name = OPERATION_ACTIONS.get(operation, operation)
    return ACTIONS[name].action


def resource_name(resource_type: str, *parts: str) -> str:
    """``vrn:vigil:<type>/<part>/<part>...`` for a resource of :data:`RESOURCE_TYPES`.

    Raises
    ------
    KeyError
        If ``resource_type`` is not in :data:`RESOURCE_TYPES`.
    ValueError
        If no part is given or a part is empty.
    """
    if resource_type not in RESOURCE_TYPES:
        raise KeyError(resource_type)
    if not parts or not all(parts):
        raise ValueError(f"a {resource_type} name needs non-empty parts. Got {parts!r} instead.")
    return f"vrn:{SERVICE_PREFIX}:{resource_type}/{'/'.join(parts)}"


_SAGEMAKER_TYPES = {
    "endpoint": "endpoint",
    "monitoring-schedule": "monitoring-schedule",
    "baselining-job": "processing-job",
    "model-package-group": "model-package-group",
    "model-package": "model-package",
}


def sagemaker_arn(resource_type: str, name: str, *, region: str, account: str) -> str | None:
    """The SageMaker ARN of a Vigil resource, name lower-cased as AWS does (spec §1.4, D6).

    ``None`` for resource types SageMaker does not have.

    >>> sagemaker_arn("endpoint", "DEMO-x", region="us-east-1", account="111122223333")
    'arn:aws:sagemaker:us-east-1:111122223333:endpoint/demo-x'
    """
    kind = _SAGEMAKER_TYPES.get(resource_type)
    if kind is None:
        return None
    return f"arn:aws:sagemaker:{region}:{account}:{kind}/{name.lower()}"
