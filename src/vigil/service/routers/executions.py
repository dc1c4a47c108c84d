"""``/api/v1/monitoring-executions``: list, describe and stop executions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from vigil.api.fields import UtcTime
from vigil.api.resources import ListPage, MonitoringExecution
from vigil.control import ControlPlane
from vigil.service.deps import get_control
from vigil.service.routers._common import GUARD, RESPONSES, Limit, NameFilter, NextToken
from vigil.storage.metadata import MonitoringExecutionStatus
from vigil.storage.metadata.executions import MAX_ID

__all__ = ["router"]

router = APIRouter(
    prefix="/monitoring-executions",
    tags=["monitoring executions"],
    dependencies=GUARD,
    responses=RESPONSES,
)
Control = Annotated[ControlPlane, Depends(get_control)]
ExecutionId = Annotated[int, Path(ge=1, le=MAX_ID, description="Execution id.")]


@router.get("", operation_id="ListMonitoringExecutions")
def list_monitoring_executions(
    control: Control,
    schedule_name: NameFilter = None,
    endpoint_name: NameFilter = None,
    status: Annotated[MonitoringExecutionStatus | None, Query()] = None,
    scheduled_after: Annotated[
        UtcTime | None, Query(description="Scheduled at or after (ISO-8601).")
    ] = None,
    scheduled_before: Annotated[
        UtcTime | None, Query(description="Scheduled before (ISO-8601).")
    ] = None,
    sort_order: Annotated[Literal["Ascending", "Descending"], Query()] = "Descending",
    limit: Limit = 100,
    next_token: NextToken = None,
) -> ListPage[MonitoringExecution]:
    """Executions by scheduled time, filtered by schedule, endpoint, status and time."""
    after: datetime | None = scheduled_after
    before: datetime | None = scheduled_before
    return control.list_monitoring_executions(
        schedule_name=schedule_name,
        endpoint_name=endpoint_name,
        status=status,
        scheduled_after=after,
        scheduled_before=before,
        ascending=sort_order == "Ascending",
        limit=limit,
        next_token=next_token,
    )


@router.get("/{execution_id}", operation_id="DescribeMonitoringExecution")
def describe_monitoring_execution(
    execution_id: ExecutionId, control: Control
) -> MonitoringExecution:
    """One execution: window, status, failure reason, exit message, output URL, counts (and,
    for ModelQuality, how the ground truth covered the window)."""
    return control.describe_monitoring_execution(execution_id)


@router.post("/{execution_id}/stop", operation_id="StopMonitoringExecution")
def stop_monitoring_execution(execution_id: ExecutionId, control: Control) -> MonitoringExecution:
    """Stop an execution (Pending → Stopped, InProgress → Stopping → Stopped)."""
    return control.stop_monitoring_execution(execution_id)
