"""Initial schema: endpoints, baselining jobs, monitoring schedules, executions.

Revision ID: 0001
Revises:
Create Date: 2026-08-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=False), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "vigil_endpoints",
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("config", _JSON, nullable=False),
        _ts("created_at", False),
        _ts("last_modified_at", False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_vigil_endpoints"),
    )
    op.create_table(
        "vigil_baselining_jobs",
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("monitoring_type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("spec", _JSON, nullable=False),
        sa.Column("statistics_url", sa.String(2048), nullable=True),
        sa.Column("constraints_url", sa.String(2048), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("summary", _JSON, nullable=True),
        sa.Column("lease_owner", sa.String(128), nullable=True),
        _ts("lease_expires_at", True),
        _ts("created_at", False),
        _ts("ended_at", True),
        _ts("last_modified_at", False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_vigil_baselining_jobs"),
    )
    op.create_index("ix_vigil_baselining_jobs_created_at", "vigil_baselining_jobs", ["created_at"])
    op.create_table(
        "vigil_monitoring_schedules",
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("monitoring_type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("schedule_expression", sa.String(256), nullable=False),
        sa.Column("endpoint_name", sa.String(63), nullable=True),
        sa.Column("spec", _JSON, nullable=False),
        _ts("cursor_time", True),
        _ts("next_time", True),
        _ts("created_at", False),
        _ts("last_modified_at", False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_vigil_monitoring_schedules"),
    )
    op.create_index(
        "ix_vigil_monitoring_schedules_endpoint_name",
        "vigil_monitoring_schedules",
        ["endpoint_name"],
    )
    op.create_index(
        "ix_vigil_monitoring_schedules_status_next_time",
        "vigil_monitoring_schedules",
        ["status", "next_time"],
    )
    op.create_table(
        "vigil_monitoring_executions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("schedule_name", sa.String(63), nullable=False),
        sa.Column("run_key", sa.String(64), nullable=False),
        sa.Column("monitoring_type", sa.String(32), nullable=False),
        sa.Column("endpoint_name", sa.String(63), nullable=True),
        _ts("scheduled_time", False),
        _ts("window_start", False),
        _ts("window_end", False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("spec", _JSON, nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("exit_message", sa.Text(), nullable=True),
        sa.Column("output_url", sa.String(2048), nullable=True),
        sa.Column("records", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("violations", sa.Integer(), nullable=True),
        sa.Column("malformed", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_token", sa.String(64), nullable=True),
        sa.Column("lease_owner", sa.String(128), nullable=True),
        _ts("lease_expires_at", True),
        _ts("started_at", True),
        _ts("ended_at", True),
        _ts("created_at", False),
        _ts("last_modified_at", False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_name"],
            ["vigil_monitoring_schedules.name"],
            name="fk_vigil_executions_schedule",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_vigil_monitoring_executions"),
        sa.UniqueConstraint(
            "schedule_name",
            "window_start",
            "window_end",
            "run_key",
            name="uq_vigil_executions_window",
        ),
    )
    op.create_index(
        "ix_vigil_monitoring_executions_status_scheduled_time",
        "vigil_monitoring_executions",
        ["status", "scheduled_time"],
    )
    op.create_index(
        "ix_vigil_monitoring_executions_schedule_name_scheduled_time",
        "vigil_monitoring_executions",
        ["schedule_name", "scheduled_time"],
    )


def downgrade() -> None:
    op.drop_table("vigil_monitoring_executions")
    op.drop_table("vigil_monitoring_schedules")
    op.drop_table("vigil_baselining_jobs")
    op.drop_table("vigil_endpoints")
