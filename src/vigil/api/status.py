"""The status vocabularies of the control plane (SageMaker's names, spec §7.3)."""

from __future__ import annotations

from enum import Enum

__all__ = [
    "TERMINAL_EXECUTION_STATUSES",
    "BaseliningJobStatus",
    "MonitoringExecutionStatus",
    "MonitoringScheduleStatus",
]


class MonitoringScheduleStatus(str, Enum):
    """SageMaker's ``MonitoringScheduleStatus``: created Pending, Scheduled once a scheduler has it."""

    PENDING = "Pending"
    SCHEDULED = "Scheduled"
    STOPPED = "Stopped"
    FAILED = "Failed"


class MonitoringExecutionStatus(str, Enum):
    """SageMaker's ``MonitoringExecutionStatus``."""

    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    COMPLETED_WITH_VIOLATIONS = "CompletedWithViolations"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


TERMINAL_EXECUTION_STATUSES = frozenset(
    {
        MonitoringExecutionStatus.COMPLETED,
        MonitoringExecutionStatus.COMPLETED_WITH_VIOLATIONS,
        MonitoringExecutionStatus.FAILED,
        MonitoringExecutionStatus.STOPPED,
    }
)
"""Statuses an execution never leaves."""


class BaseliningJobStatus(str, Enum):
    """Status of a baselining job (SageMaker's processing-job statuses, minus Stopping)."""

    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
