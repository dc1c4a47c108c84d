"""The tables of the metadata store (SQLAlchemy Core), the same on SQLite and PostgreSQL.

The Alembic migrations in :mod:`vigil.storage.metadata.migrations` create exactly these tables;
``tests/storage/metadata`` checks that a migrated database and this module agree.

Times are stored as naive UTC (``TIMESTAMP WITHOUT TIME ZONE``; SQLite text that sorts in time
order) and come back as aware UTC datetimes through :class:`UTCDateTime`. Each mutable row has a
``version`` that every update increments; conditional updates on it are how two processes that
race for the same row find out which one won.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

from vigil.api.specs import SPEC_VERSION

__all__ = [
    "NAME_LENGTH",
    "URL_LENGTH",
    "VERSION_TABLE",
    "UTCDateTime",
    "baselining_jobs",
    "endpoints",
    "executions",
    "metadata",
    "schedules",
]

NAME_LENGTH = 63
"""Longest resource name (SageMaker's limit)."""

URL_LENGTH = 2048
"""Longest URL stored."""

VERSION_TABLE = "vigil_alembic_version"
"""Alembic's revision table (prefixed, so that Vigil can share a database with other apps)."""

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An aware UTC datetime stored as a naive UTC timestamp.

    Binding a naive datetime is refused (a guess about its zone would be silent corruption).
    """

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} bound to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # defensive: SQLite text written by another tool
            value = datetime.fromisoformat(value)
        when: datetime = value
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

endpoints = sa.Table(
    "vigil_endpoints",
    metadata,
    sa.Column("name", sa.String(NAME_LENGTH), primary_key=True),
    sa.Column("config", JSONType, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_modified_at", UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
)

baselining_jobs = sa.Table(
    "vigil_baselining_jobs",
    metadata,
    sa.Column("name", sa.String(NAME_LENGTH), primary_key=True),
    sa.Column("monitoring_type", sa.String(32), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("spec", JSONType, nullable=False),
    sa.Column("spec_version", sa.Integer(), nullable=False, default=SPEC_VERSION),  # 0003
    sa.Column("statistics_url", sa.String(URL_LENGTH), nullable=True),
    sa.Column("constraints_url", sa.String(URL_LENGTH), nullable=True),
    sa.Column("failure_reason", sa.Text(), nullable=True),
    sa.Column("summary", JSONType, nullable=True),
    sa.Column("lease_owner", sa.String(128), nullable=True),
    sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("ended_at", UTCDateTime(), nullable=True),
    sa.Column("last_modified_at", UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index(None, "created_at"),
)

schedules = sa.Table(
    "vigil_monitoring_schedules",
    metadata,
    sa.Column("name", sa.String(NAME_LENGTH), primary_key=True),
    sa.Column("monitoring_type", sa.String(32), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("failure_reason", sa.Text(), nullable=True),
    sa.Column("schedule_expression", sa.String(256), nullable=False),
    sa.Column("endpoint_name", sa.String(NAME_LENGTH), nullable=True),
    sa.Column("spec", JSONType, nullable=False),
    sa.Column("spec_version", sa.Integer(), nullable=False, default=SPEC_VERSION),  # 0003
    sa.Column("cursor_time", UTCDateTime(), nullable=True),
    sa.Column("next_time", UTCDateTime(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_modified_at", UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Index(None, "endpoint_name"),
    sa.Index(None, "status", "next_time"),
)

executions = sa.Table(
    "vigil_monitoring_executions",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column(
        "schedule_name",
        sa.String(NAME_LENGTH),
        sa.ForeignKey(schedules.c.name, ondelete="CASCADE", name="fk_vigil_executions_schedule"),
        nullable=False,
    ),
    sa.Column("run_key", sa.String(64), nullable=False),
    sa.Column("monitoring_type", sa.String(32), nullable=False),
    sa.Column("endpoint_name", sa.String(NAME_LENGTH), nullable=True),
    sa.Column("scheduled_time", UTCDateTime(), nullable=False),
    sa.Column("window_start", UTCDateTime(), nullable=False),
    sa.Column("window_end", UTCDateTime(), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("spec", JSONType, nullable=False),
    sa.Column("spec_version", sa.Integer(), nullable=False, default=SPEC_VERSION),  # 0003
    sa.Column("failure_reason", sa.Text(), nullable=True),
    sa.Column("exit_message", sa.Text(), nullable=True),
    sa.Column("output_url", sa.String(URL_LENGTH), nullable=True),
    sa.Column("records", sa.Integer(), nullable=True),
    sa.Column("rows", sa.Integer(), nullable=True),
    sa.Column("violations", sa.Integer(), nullable=True),
    sa.Column("malformed", sa.Integer(), nullable=True),
    sa.Column("ground_truth_coverage", JSONType, nullable=True),  # revision 0002
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("lease_token", sa.String(64), nullable=True),
    sa.Column("lease_owner", sa.String(128), nullable=True),
    sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
    sa.Column("started_at", UTCDateTime(), nullable=True),
    sa.Column("ended_at", UTCDateTime(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_modified_at", UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.UniqueConstraint(
        "schedule_name", "window_start", "window_end", "run_key", name="uq_vigil_executions_window"
    ),
    sa.Index(None, "status", "scheduled_time"),
    sa.Index(None, "schedule_name", "scheduled_time"),
)
