"""``/api/v1/monitoring-schedules``: schedules (DataQuality, ModelQuality), their life cycle,
updates and run-now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from vigil.api.resources import (
    ListPage,
    MonitoringExecution,
    MonitoringSchedule,
    MonitoringScheduleSpec,
    RunNowRequest,
)
from vigil.control import ControlPlane
from vigil.service.deps import get_control
from vigil.service.routers._common import (
    GUARD,
    RESPONSES,
    Limit,
    NameFilter,
    NamePath,
    NextToken,
)
from vigil.storage.metadata import MonitoringScheduleStatus

__all__ = ["router"]

router = APIRouter(
    prefix="/monitoring-schedules",
    tags=["monitoring schedules"],
    dependencies=GUARD,
    responses=RESPONSES,
)
Control = Annotated[ControlPlane, Depends(get_control)]


@router.post("", status_code=201, operation_id="CreateMonitoringSchedule")
def create_monitoring_schedule(
    request: MonitoringScheduleSpec, control: Control
) -> MonitoringSchedule:
    """Create a schedule (Pending; Scheduled once a scheduler has taken it)."""
    return control.create_monitoring_schedule(request)


@router.get("", operation_id="ListMonitoringSchedules")
def list_monitoring_schedules(
    control: Control,
    status: Annotated[MonitoringScheduleStatus | None, Query()] = None,
    endpoint_name: NameFilter = None,
    limit: Limit = 100,
    next_token: NextToken = None,
) -> ListPage[MonitoringSchedule]:
    """Schedules in name order."""
    return control.list_monitoring_schedules(
        status=status, endpoint_name=endpoint_name, limit=limit, next_token=next_token
    )


@router.get("/{name}", operation_id="DescribeMonitoringSchedule")
def describe_monitoring_schedule(name: NamePath, control: Control) -> MonitoringSchedule:
    """One schedule."""
    return control.describe_monitoring_schedule(name)


@router.put("/{name}", operation_id="UpdateMonitoringSchedule")
def update_monitoring_schedule(
    name: NamePath, request: MonitoringScheduleSpec, control: Control
) -> MonitoringSchedule:
    """Replace a schedule's definition (same name and monitoring type; validated as at creation).

    Planning continues from the last scheduled time under the new definition; executions
    already planned or running keep the definition they were planned with.
    """
    return control.update_monitoring_schedule(name, request)


@router.post("/{name}/stop", operation_id="StopMonitoringSchedule")
def stop_monitoring_schedule(name: NamePath, control: Control) -> MonitoringSchedule:
    """Stop planning executions."""
    return control.stop_monitoring_schedule(name)


@router.post("/{name}/start", operation_id="StartMonitoringSchedule")
def start_monitoring_schedule(name: NamePath, control: Control) -> MonitoringSchedule:
    """Resume a stopped schedule from now on."""
    return control.start_monitoring_schedule(name)


@router.delete("/{name}", status_code=204, operation_id="DeleteMonitoringSchedule")
def delete_monitoring_schedule(name: NamePath, control: Control) -> Response:
    """Delete a schedule and its executions (refused while one runs)."""
    control.delete_monitoring_schedule(name)
    return Response(status_code=204)


@router.post("/{name}/executions", status_code=201, operation_id="StartMonitoringScheduleExecution")
def run_monitoring_schedule(
    name: NamePath, request: RunNowRequest, control: Control
) -> MonitoringExecution:
    """Run the schedule now on an explicit window (Pending until a scheduler claims it)."""
    return control.run_monitoring_schedule(name, request)
