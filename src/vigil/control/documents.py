"""Stored records as the API's documents (and the check that this Vigil can read them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from vigil.api.resources import (
    BaseliningJob,
    Endpoint,
    GroundTruthCoverageSummary,
    ListPage,
    MonitoringExecution,
    MonitoringSchedule,
)
from vigil.api.specs import SPEC_VERSION
from vigil.errors import StorageError
from vigil.storage.metadata import (
    SCHEDULED_RUN_KEY,
    BaseliningJobRecord,
    EndpointRecord,
    ExecutionRecord,
    ScheduleRecord,
)

__all__ = [
    "baselining_job_model",
    "check_spec_version",
    "endpoint_model",
    "execution_model",
    "schedule_model",
    "to_page",
]

M = TypeVar("M")


def endpoint_model(record: EndpointRecord) -> Endpoint:
    """The API document of an endpoint record."""
    return Endpoint(
        name=record.name,
        config=record.config,
        creation_time=record.created_at,
        last_modified_time=record.last_modified_at,
    )


def baselining_job_model(record: BaseliningJobRecord) -> BaseliningJob:
    """The API document of a baselining job record (refused if a newer Vigil stored it)."""
    check_spec_version(record)
    return BaseliningJob.model_validate(
        {
            **record.spec,
            "name": record.name,
            "status": record.status,
            "failure_reason": record.failure_reason,
            "statistics_url": record.statistics_url,
            "constraints_url": record.constraints_url,
            "summary": record.summary,
            "creation_time": record.created_at,
            "end_time": record.ended_at,
            "last_modified_time": record.last_modified_at,
        }
    )


def check_spec_version(record: ScheduleRecord | ExecutionRecord | BaseliningJobRecord) -> None:
    """Refuse a stored spec written by a newer Vigil (a higher ``spec_version``).

    Raises
    ------
    StorageError
        Naming the record and both versions.
    """
    if record.spec_version > SPEC_VERSION:
        name = getattr(record, "name", None) or f"execution {getattr(record, 'id', '?')}"
        raise StorageError(
            f"{name} was stored by a newer Vigil (spec version {record.spec_version}; this "
            f"version reads up to {SPEC_VERSION}): upgrade Vigil to use it",
            field="spec_version",
        )


def schedule_model(record: ScheduleRecord) -> MonitoringSchedule:
    """The API document of a schedule record.

    Raises
    ------
    StorageError
        If the record was stored by a newer Vigil (:func:`check_spec_version`).
    """
    check_spec_version(record)
    return MonitoringSchedule.model_validate(
        {
            **record.spec,
            "status": record.status,
            "failure_reason": record.failure_reason,
            "endpoint_name": record.endpoint_name,
            "creation_time": record.created_at,
            "last_modified_time": record.last_modified_at,
            "last_scheduled_time": record.cursor_time,
            "next_scheduled_time": record.next_time,
        }
    )


def execution_model(record: ExecutionRecord) -> MonitoringExecution:
    """The API document of an execution record."""
    return MonitoringExecution(
        execution_id=record.id,
        schedule_name=record.schedule_name,
        monitoring_type=record.monitoring_type,
        endpoint_name=record.endpoint_name,
        trigger="Scheduled" if record.run_key == SCHEDULED_RUN_KEY else "Manual",
        scheduled_time=record.scheduled_time,
        window_start=record.window_start,
        window_end=record.window_end,
        status=record.status,
        failure_reason=record.failure_reason,
        exit_message=record.exit_message,
        output_url=record.output_url,
        records=record.records,
        rows=record.rows,
        violations=record.violations,
        malformed=record.malformed,
        ground_truth_coverage=None
        if record.ground_truth_coverage is None
        else GroundTruthCoverageSummary.model_validate(record.ground_truth_coverage),
        attempts=record.attempts,
        start_time=record.started_at,
        end_time=record.ended_at,
        creation_time=record.created_at,
        last_modified_time=record.last_modified_at,
    )


def to_page(page: Any, convert: Callable[[Any], M]) -> ListPage[M]:
    return ListPage[M](items=[convert(r) for r in page.items], next_token=page.next_token)
