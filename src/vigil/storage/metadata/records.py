"""What the metadata store returns: frozen rows (the status vocabularies are :mod:`vigil.api.status`).

Records are plain frozen dataclasses, detached from any session, so they can cross threads,
processes and layers freely. Times are aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from vigil.api.status import (
    TERMINAL_EXECUTION_STATUSES,
    BaseliningJobStatus,
    MonitoringExecutionStatus,
    MonitoringScheduleStatus,
)

__all__ = [
    "TERMINAL_EXECUTION_STATUSES",
    "BaseliningJobRecord",
    "BaseliningJobStatus",
    "EndpointRecord",
    "ExecutionRecord",
    "ExecutionResult",
    "MonitoringExecutionStatus",
    "MonitoringScheduleStatus",
    "Page",
    "ScheduleRecord",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing; pass ``next_token`` back to get the next (None: last page)."""

    items: list[T]
    next_token: str | None = None


@dataclass(frozen=True)
class EndpointRecord:
    """An endpoint's configuration document (the serving layer owns its meaning)."""

    name: str
    config: dict[str, Any]
    created_at: datetime
    last_modified_at: datetime
    version: int


@dataclass(frozen=True)
class BaseliningJobRecord:
    """A baselining job: what it profiles (``spec``) and what it produced."""

    name: str
    monitoring_type: str
    status: BaseliningJobStatus
    spec: dict[str, Any]
    statistics_url: str | None
    constraints_url: str | None
    failure_reason: str | None
    summary: dict[str, Any] | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    created_at: datetime
    ended_at: datetime | None
    last_modified_at: datetime
    version: int
    spec_version: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", BaseliningJobStatus(self.status))


@dataclass(frozen=True)
class ScheduleRecord:
    """A monitoring schedule.

    Attributes
    ----------
    spec : dict
        The whole definition as created (input, baseline, output, offsets, max runtime …).
    cursor_time : datetime or None
        The last nominal time whose execution was planned (None: none yet).
    next_time : datetime or None
        The next nominal time to plan (None: nothing more to plan, e.g. a ``NOW`` schedule).
    """

    name: str
    monitoring_type: str
    status: MonitoringScheduleStatus
    failure_reason: str | None
    schedule_expression: str
    endpoint_name: str | None
    spec: dict[str, Any]
    cursor_time: datetime | None
    next_time: datetime | None
    created_at: datetime
    last_modified_at: datetime
    version: int
    spec_version: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", MonitoringScheduleStatus(self.status))


@dataclass(frozen=True)
class ExecutionRecord:
    """One monitoring execution: one window of one schedule.

    Attributes
    ----------
    run_key : str
        ``"scheduled"`` for the execution the schedule planned for the window (there is exactly
        one), ``"manual-…"`` for a run-now.
    window_start, window_end : datetime
        The analysis window ``[start, end)``.
    attempts : int
        How many times a worker took it (more than one after a worker was lost).
    lease_token, lease_owner, lease_expires_at
        The current claim; the token fences every write of the worker that holds it.
    ground_truth_coverage : dict or None
        ModelQuality executions: how the ground truth covered the window (predictions,
        labels, merged, coverage …; the execution's ``ground_truth_coverage.json``).
    """

    id: int
    schedule_name: str
    run_key: str
    monitoring_type: str
    endpoint_name: str | None
    scheduled_time: datetime
    window_start: datetime
    window_end: datetime
    status: MonitoringExecutionStatus
    spec: dict[str, Any]
    failure_reason: str | None
    exit_message: str | None
    output_url: str | None
    records: int | None
    rows: int | None
    violations: int | None
    malformed: int | None
    attempts: int
    lease_token: str | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime
    last_modified_at: datetime
    version: int
    ground_truth_coverage: dict[str, Any] | None = None
    spec_version: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", MonitoringExecutionStatus(self.status))

    @property
    def terminal(self) -> bool:
        """Whether the execution has finished (it will not change again)."""
        return self.status in TERMINAL_EXECUTION_STATUSES


@dataclass(frozen=True)
class ExecutionResult:
    """What a finished execution reports back to the store."""

    status: MonitoringExecutionStatus
    exit_message: str | None = None
    failure_reason: str | None = None
    output_url: str | None = None
    records: int | None = None
    rows: int | None = None
    violations: int | None = None
    malformed: int | None = None
    ground_truth_coverage: dict[str, Any] | None = None
