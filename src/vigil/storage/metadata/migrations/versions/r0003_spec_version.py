"""Stored specs carry their version (typed job specs, issue 13).

Adds ``spec_version`` to schedules, executions and baselining jobs and upgrades every stored
spec from version 1 to 2. Version 2 (the typed job specs of :mod:`vigil.api.specs`) only added
optional fields to version 1 documents — ``workers``, ``data_quality`` (drift methods),
``model_quality.sagemaker_r2`` — and moved SageMaker's offset spelling
(``endpoint_input.start_time_offset``/``end_time_offset``) to ``data_analysis_start_time``/
``data_analysis_end_time``, which version 1 already did when a spec was created. The upgrade
applies that move to any document that still has the old spelling, checks that every spec is a
JSON object with a known ``monitoring_type``, and stamps version 2. A spec written by a newer
Vigil (a higher version) is refused when read (:mod:`vigil.control`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_TABLES = ("vigil_monitoring_schedules", "vigil_monitoring_executions", "vigil_baselining_jobs")
_KEYS = {"vigil_monitoring_executions": "id"}
_TYPES = {"DataQuality", "ModelQuality"}
_MOVES = (
    ("start_time_offset", "data_analysis_start_time"),
    ("end_time_offset", "data_analysis_end_time"),
)


def upgrade_spec_v1(spec: Any, where: str) -> dict[str, Any]:
    """A version 1 spec as version 2 (see the module docstring).

    Raises
    ------
    ValueError
        If ``spec`` is not a spec document (naming ``where``).
    """
    if not isinstance(spec, dict) or spec.get("monitoring_type", "DataQuality") not in _TYPES:
        raise ValueError(f"{where}: not a version 1 Vigil spec: {spec!r:.200}")
    out = dict(spec)
    endpoint = out.get("endpoint_input")
    if isinstance(endpoint, dict):
        endpoint = dict(endpoint)
        for old, new in _MOVES:
            value = endpoint.pop(old, None)
            if value is not None and out.get(new) is None:
                out[new] = value
        out["endpoint_input"] = endpoint
    return out


def upgrade() -> None:
    bind = op.get_bind()
    for table in _TABLES:
        op.add_column(
            table,
            sa.Column("spec_version", sa.Integer(), nullable=False, server_default="1"),
        )
        key = _KEYS.get(table, "name")
        t = sa.table(table, sa.column(key), sa.column("spec", _JSON), sa.column("spec_version"))
        rows = bind.execute(sa.select(t.c[key], t.c.spec).where(t.c.spec_version == 1)).all()
        for ident, spec in rows:
            bind.execute(
                t.update()
                .where(t.c[key] == ident)
                .values(spec=upgrade_spec_v1(spec, f"{table} {ident}"), spec_version=2)
            )


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("spec_version")
