"""``ControlPlaneAPI``: the control plane's operations, as a protocol.

Implemented by :class:`vigil.control.ControlPlane` (in-process, on a metadata store) and by
:class:`vigil.client.Client` (over HTTP, against ``vigil serve``): a caller — the CLI, a test,
a user's script — works with either. One test suite runs against both
(``tests/control/test_control_plane_api.py``); ``tests/api/test_protocol.py`` checks that both
have exactly these methods with these signatures.

Errors are :class:`~vigil.errors.VigilError` subclasses naming the field concerned: not found
(``ResourceNotFoundError`` / ``ApiNotFoundError``), conflict, bad input (``InputError``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from vigil.api.resources import (
    BaseliningJob,
    BaseliningJobSpec,
    Endpoint,
    EndpointConfig,
    EndpointCreate,
    ListPage,
    MonitoringExecution,
    MonitoringSchedule,
    MonitoringScheduleSpec,
    RunNowRequest,
)
from vigil.api.status import (
    BaseliningJobStatus,
    MonitoringExecutionStatus,
    MonitoringScheduleStatus,
)

__all__ = ["ControlPlaneAPI"]


@runtime_checkable
class ControlPlaneAPI(Protocol):
    """Endpoints, baselining jobs, monitoring schedules and executions (SageMaker's verbs)."""

    def create_endpoint(self, request: EndpointCreate) -> Endpoint:
        """Store a new endpoint configuration (conflict if the name is taken)."""
        ...

    def describe_endpoint(self, name: str) -> Endpoint:
        """The endpoint called ``name``."""
        ...

    def list_endpoints(
        self, *, limit: int = 100, next_token: str | None = None
    ) -> ListPage[Endpoint]:
        """Endpoints in name order, ``limit`` per page."""
        ...

    def update_endpoint(self, name: str, config: EndpointConfig) -> Endpoint:
        """Replace an endpoint's configuration."""
        ...

    def delete_endpoint(self, name: str) -> None:
        """Delete an endpoint no schedule reads."""
        ...

    def start_baselining_job(self, spec: BaseliningJobSpec) -> BaseliningJob:
        """Start a baselining job (InProgress while it runs in the background)."""
        ...

    def describe_baselining_job(self, name: str) -> BaseliningJob:
        """The baselining job called ``name``."""
        ...

    def list_baselining_jobs(
        self,
        *,
        status: BaseliningJobStatus | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> ListPage[BaseliningJob]:
        """Baselining jobs, newest first."""
        ...

    def create_monitoring_schedule(self, spec: MonitoringScheduleSpec) -> MonitoringSchedule:
        """Create a schedule (Pending until a scheduler takes it)."""
        ...

    def describe_monitoring_schedule(self, name: str) -> MonitoringSchedule:
        """The schedule called ``name``."""
        ...

    def list_monitoring_schedules(
        self,
        *,
        status: MonitoringScheduleStatus | None = None,
        endpoint_name: str | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> ListPage[MonitoringSchedule]:
        """Schedules in name order."""
        ...

    def update_monitoring_schedule(
        self, name: str, spec: MonitoringScheduleSpec
    ) -> MonitoringSchedule:
        """Replace a schedule's definition (same name and monitoring type)."""
        ...

    def stop_monitoring_schedule(self, name: str) -> MonitoringSchedule:
        """Stop planning new executions."""
        ...

    def start_monitoring_schedule(self, name: str) -> MonitoringSchedule:
        """Resume a stopped schedule from now on."""
        ...

    def delete_monitoring_schedule(self, name: str) -> None:
        """Delete a schedule and its executions (refused while one runs)."""
        ...

    def list_monitoring_executions(
        self,
        *,
        schedule_name: str | None = None,
        endpoint_name: str | None = None,
        status: MonitoringExecutionStatus | None = None,
        scheduled_after: datetime | None = None,
        scheduled_before: datetime | None = None,
        ascending: bool = False,
        limit: int = 100,
        next_token: str | None = None,
    ) -> ListPage[MonitoringExecution]:
        """Executions by scheduled time, newest first (``ascending``: oldest first)."""
        ...

    def describe_monitoring_execution(self, execution_id: int) -> MonitoringExecution:
        """The execution with that id."""
        ...

    def stop_monitoring_execution(self, execution_id: int) -> MonitoringExecution:
        """Stop an execution (Pending → Stopped; InProgress → Stopping → Stopped)."""
        ...

    def run_monitoring_schedule(self, name: str, request: RunNowRequest) -> MonitoringExecution:
        """Run a schedule now on an explicit window."""
        ...
