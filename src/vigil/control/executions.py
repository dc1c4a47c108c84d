"""Monitoring executions: list, describe, stop, run a schedule now; where an execution writes."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from vigil.api.expressions import ScheduleExpression, parse_offset
from vigil.api.resources import ListPage, MonitoringExecution, RunNowRequest
from vigil.api.status import MonitoringExecutionStatus
from vigil.control.base import ControlPlaneBase
from vigil.control.documents import execution_model, to_page
from vigil.control.validation import resolve_spec
from vigil.jobs.outputs import execution_output_url as output_folder
from vigil.storage.metadata import SCHEDULED_RUN_KEY, ExecutionRecord

__all__ = ["ExecutionService", "execution_output_url", "manual_output", "offsets"]

_log = logging.getLogger(__name__)


class ExecutionService(ControlPlaneBase):
    """The monitoring-execution resource of the control plane."""

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
        """Executions by scheduled time, newest first (``ascending`` for oldest first)."""
        page = self.store.executions.list(
            schedule_name=schedule_name,
            endpoint_name=endpoint_name,
            status=status,
            scheduled_after=scheduled_after,
            scheduled_before=scheduled_before,
            ascending=ascending,
            limit=limit,
            next_token=next_token,
        )
        return to_page(page, execution_model)

    def describe_monitoring_execution(self, execution_id: int) -> MonitoringExecution:
        """The execution with that id."""
        return execution_model(self.store.executions.get(execution_id))

    def stop_monitoring_execution(self, execution_id: int) -> MonitoringExecution:
        """Stop an execution (Pending → Stopped; InProgress → Stopping → Stopped)."""
        record = self.store.executions.request_stop(execution_id, now=self.clock.now())
        return execution_model(record)

    def run_monitoring_schedule(self, name: str, request: RunNowRequest) -> MonitoringExecution:
        """Run a schedule now on an explicit window (any status; a Stopped schedule too).

        The execution is Pending until a scheduler claims it; it writes under
        ``…/yyyy/mm/dd/hh/manual-{id}`` so that it never overwrites a scheduled execution.
        """
        schedule = self.store.schedules.get(name)
        spec = resolve_spec(self.store, schedule.spec)
        now = self.clock.now()
        record = self.store.executions.create_manual(
            replace(schedule, spec=spec),
            window_start=request.window_start,
            window_end=request.window_end,
            scheduled_time=now,
            now=now,
        )
        _log.info(
            "run-now execution created",
            extra={"schedule": name, "execution_id": record.id},
        )
        return execution_model(record)


def manual_output(record: ExecutionRecord) -> int | None:
    """The id to put in the output path of a run-now execution (None for a scheduled one)."""
    return None if record.run_key == SCHEDULED_RUN_KEY else record.id


def execution_output_url(record: ExecutionRecord) -> str:
    """Where the execution ``record`` writes."""
    expression = ScheduleExpression.parse(record.spec.get("schedule_expression", "@hourly"))
    endpoint = record.spec.get("endpoint_input") or {}
    return output_folder(
        str(record.spec["output_url"]),
        schedule=record.schedule_name,
        endpoint=endpoint.get("endpoint_name"),
        scheduled_time=record.scheduled_time,
        sub_hourly=expression.sub_hourly,
        manual_id=manual_output(record),
    )


def offsets(spec: dict[str, Any]) -> tuple[timedelta | None, timedelta | None]:
    """The (start, end) offsets of a schedule spec as timedeltas, or (None, None)."""
    start, end = spec.get("data_analysis_start_time"), spec.get("data_analysis_end_time")
    if start is None or end is None:
        return None, None
    return (
        parse_offset(start, "data_analysis_start_time"),
        parse_offset(end, "data_analysis_end_time"),
    )
