"""Executions report how ground truth covered a ModelQuality window.

Adds the nullable JSON column ``vigil_monitoring_executions.ground_truth_coverage`` (predictions
in the window, labels read, merged, coverage …). Additive: existing rows read NULL, and code of
revision 0001 never reads the column.

Revision ID: 0002
Revises: 0001
Create Date: 2026-08-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column(
        "vigil_monitoring_executions",
        sa.Column("ground_truth_coverage", _JSON, nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("vigil_monitoring_executions") as batch:
        batch.drop_column("ground_truth_coverage")
