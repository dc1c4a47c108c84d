"""The metadata store: endpoints, baselining jobs, monitoring schedules and executions.

SQLAlchemy 2 over SQLite (default: ``{VIGIL_DATA_DIR}/vigil.db``, WAL mode) or PostgreSQL
(``VIGIL_DATABASE_URL=postgresql+psycopg://…``, for several scheduler replicas). The schema is
created and upgraded by the Alembic migrations shipped in :mod:`.migrations`
(``vigil db upgrade`` → :func:`upgrade`); :class:`MetadataStore` refuses to open a database that
is not at the head revision.
"""

from __future__ import annotations

from vigil.errors import (
    ResourceConflictError,
    ResourceNotFoundError,
    UnmigratedDatabaseError,
)
from vigil.storage.metadata.migrate import check_migrated, current_revision, head_revision, upgrade
from vigil.storage.metadata.records import (
    TERMINAL_EXECUTION_STATUSES,
    BaseliningJobRecord,
    BaseliningJobStatus,
    EndpointRecord,
    ExecutionRecord,
    ExecutionResult,
    MonitoringExecutionStatus,
    MonitoringScheduleStatus,
    Page,
    ScheduleRecord,
)
from vigil.storage.metadata.schedules import SCHEDULED_RUN_KEY, PlannedWindow
from vigil.storage.metadata.settings import database_url
from vigil.storage.metadata.store import MetadataStore

__all__ = [
    "SCHEDULED_RUN_KEY",
    "TERMINAL_EXECUTION_STATUSES",
    "BaseliningJobRecord",
    "BaseliningJobStatus",
    "EndpointRecord",
    "ExecutionRecord",
    "ExecutionResult",
    "MetadataStore",
    "MonitoringExecutionStatus",
    "MonitoringScheduleStatus",
    "Page",
    "PlannedWindow",
    "ResourceConflictError",
    "ResourceNotFoundError",
    "ScheduleRecord",
    "UnmigratedDatabaseError",
    "check_migrated",
    "current_revision",
    "database_url",
    "head_revision",
    "upgrade",
]
