"""Monitoring schedules, and planning their executions (one row per window, never two).

Planning is one transaction: insert the executions of the due windows (``ON CONFLICT DO
NOTHING`` on the ``(schedule, window, run key)`` unique constraint) and move the schedule's cursor,
conditional on the schedule's ``version``. Two schedulers planning the same schedule at once
therefore insert each window once, and only one of them moves the cursor; the other learns it
lost (``None``) and moves on.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from vigil.api.specs import SPEC_VERSION
from vigil.errors import ResourceConflictError, ResourceNotFoundError
from vigil.storage.metadata._common import Repository, check_limit, decode_token, encode_token
from vigil.storage.metadata.records import (
    MonitoringExecutionStatus,
    MonitoringScheduleStatus,
    Page,
    ScheduleRecord,
)
from vigil.storage.metadata.schema import executions, schedules

__all__ = ["SCHEDULED_RUN_KEY", "PlannedWindow", "ScheduleRepository"]

SCHEDULED_RUN_KEY = "scheduled"
"""``run_key`` of the execution a schedule plans for a window (run-nows get their own keys)."""

_KIND = "monitoring schedule"
_S = schedules
_E = executions
_ACTIVE = (MonitoringScheduleStatus.PENDING.value, MonitoringScheduleStatus.SCHEDULED.value)
_RUNNING = (
    MonitoringExecutionStatus.IN_PROGRESS.value,
    MonitoringExecutionStatus.STOPPING.value,
)


@dataclass(frozen=True)
class PlannedWindow:
    """A window to plan: the nominal time and the analysis window ``[start, end)``."""

    scheduled_time: datetime
    window_start: datetime
    window_end: datetime


class ScheduleRepository(Repository):
    """Store monitoring schedules and plan their executions."""

    def create(
        self,
        name: str,
        *,
        monitoring_type: str,
        schedule_expression: str,
        endpoint_name: str | None,
        spec: dict[str, Any],
        next_time: datetime | None,
        now: datetime,
    ) -> ScheduleRecord:
        """Store a new schedule with status Pending and its cursor at ``now``.

        Raises
        ------
        ResourceConflictError
            If a schedule of that name exists (field ``name``).
        """
        with self._tx(conflict=f"{_KIND} {name} already exists") as conn:
            row = conn.execute(
                _S.insert()
                .values(
                    name=name,
                    monitoring_type=monitoring_type,
                    status=MonitoringScheduleStatus.PENDING.value,
                    schedule_expression=schedule_expression,
                    endpoint_name=endpoint_name,
                    spec=spec,
                    spec_version=SPEC_VERSION,
                    cursor_time=now,
                    next_time=next_time,
                    created_at=now,
                    last_modified_at=now,
                    version=1,
                )
                .returning(_S)
            ).one()
        return ScheduleRecord(**self._values(row))

    def get(self, name: str) -> ScheduleRecord:
        """The schedule called ``name``.

        Raises
        ------
        ResourceNotFoundError
        """
        with self._tx() as conn:
            row = conn.execute(sa.select(_S).where(_S.c.name == name)).first()
        if row is None:
            raise ResourceNotFoundError.of(_KIND, name)
        return ScheduleRecord(**self._values(row))

    def list(
        self,
        *,
        status: MonitoringScheduleStatus | None = None,
        endpoint_name: str | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> Page[ScheduleRecord]:
        """Schedules in name order."""
        check_limit(limit)
        query = sa.select(_S).order_by(_S.c.name).limit(limit + 1)
        if status is not None:
            query = query.where(_S.c.status == MonitoringScheduleStatus(status).value)
        if endpoint_name is not None:
            query = query.where(_S.c.endpoint_name == endpoint_name)
        if next_token is not None:
            (after,) = decode_token(next_token, 1)
            query = query.where(_S.c.name > after)
        with self._tx() as conn:
            rows = conn.execute(query).all()
        items = [ScheduleRecord(**self._values(r)) for r in rows[:limit]]
        return Page(items, encode_token(items[-1].name) if len(rows) > limit else None)

    def _set(
        self, conn: sa.Connection, name: str, allowed: Sequence[str], values: dict[str, Any]
    ) -> ScheduleRecord | None:
        row = conn.execute(
            _S.update()
            .where(_S.c.name == name, _S.c.status.in_(allowed))
            .values(**values, version=_S.c.version + 1)
            .returning(_S)
        ).first()
        return None if row is None else ScheduleRecord(**self._values(row))

    def stop(self, name: str, *, now: datetime) -> ScheduleRecord:
        """Stop planning executions (idempotent). Executions already planned are kept.

        Raises
        ------
        ResourceNotFoundError
        """
        allowed = [s.value for s in MonitoringScheduleStatus if s is not s.STOPPED]
        with self._tx() as conn:
            record = self._set(
                conn,
                name,
                allowed,
                {"status": MonitoringScheduleStatus.STOPPED.value, "last_modified_at": now},
            )
        return record or self.get(name)

    def start(self, name: str, *, next_time: datetime | None, now: datetime) -> ScheduleRecord:
        """Resume a Stopped or Failed schedule: Pending again, planning from ``now`` on.

        Windows whose nominal time passed while it was stopped are not caught up. Starting a
        Pending or Scheduled schedule changes nothing.

        Raises
        ------
        ResourceNotFoundError
        """
        allowed = [MonitoringScheduleStatus.STOPPED.value, MonitoringScheduleStatus.FAILED.value]
        with self._tx() as conn:
            record = self._set(
                conn,
                name,
                allowed,
                {
                    "status": MonitoringScheduleStatus.PENDING.value,
                    "failure_reason": None,
                    "cursor_time": now,
                    "next_time": next_time,
                    "last_modified_at": now,
                },
            )
        return record or self.get(name)

    def replace(
        self,
        schedule: ScheduleRecord,
        *,
        schedule_expression: str,
        endpoint_name: str | None,
        spec: dict[str, Any],
        next_time: datetime | None,
        now: datetime,
    ) -> ScheduleRecord | None:
        """Replace a schedule's definition, if it did not change since it was read.

        The status, failure reason and cursor (the last nominal time planned) are kept;
        executions already planned keep the definition they were planned with.

        Parameters
        ----------
        schedule : ScheduleRecord
            As read; nothing is written if its ``version`` changed since (a scheduler planned
            it, or another update won).
        next_time : datetime or None
            The next nominal time to plan under the new definition.

        Returns
        -------
        ScheduleRecord or None
            The updated schedule; None if it changed since it was read (read it again, retry).
        """
        with self._tx() as conn:
            row = conn.execute(
                _S.update()
                .where(_S.c.name == schedule.name, _S.c.version == schedule.version)
                .values(
                    schedule_expression=schedule_expression,
                    endpoint_name=endpoint_name,
                    spec=spec,
                    spec_version=SPEC_VERSION,
                    next_time=next_time,
                    last_modified_at=now,
                    version=_S.c.version + 1,
                )
                .returning(_S)
            ).first()
        return None if row is None else ScheduleRecord(**self._values(row))

    def delete(self, name: str) -> None:
        """Delete a schedule and its executions.

        Raises
        ------
        ResourceNotFoundError
        ResourceConflictError
            If one of its executions is running (stop it first).
        """
        with self._tx() as conn:
            running = conn.execute(
                sa.select(sa.func.count())
                .select_from(_E)
                .where(_E.c.schedule_name == name, _E.c.status.in_(_RUNNING))
            ).scalar_one()
            if running:
                raise ResourceConflictError(
                    f"{_KIND} {name} has {running} running execution(s): stop them first",
                    field="name",
                )
            conn.execute(_E.delete().where(_E.c.schedule_name == name))
            deleted = conn.execute(_S.delete().where(_S.c.name == name)).rowcount
        if not deleted:
            raise ResourceNotFoundError.of(_KIND, name)

    def due(self, *, now: datetime, limit: int = 100) -> builtins.list[ScheduleRecord]:
        """Schedules to look at: Pending ones, and Scheduled ones whose next time has come."""
        query = (
            sa.select(_S)
            .where(
                sa.or_(
                    _S.c.status == MonitoringScheduleStatus.PENDING.value,
                    sa.and_(
                        _S.c.status == MonitoringScheduleStatus.SCHEDULED.value,
                        _S.c.next_time.is_not(None),
                        _S.c.next_time <= now,
                    ),
                )
            )
            .order_by(_S.c.next_time, _S.c.name)
            .limit(limit)
        )
        with self._tx() as conn:
            rows = conn.execute(query).all()
        return [ScheduleRecord(**self._values(r)) for r in rows]

    def activate(self, schedule: ScheduleRecord, *, now: datetime) -> ScheduleRecord | None:
        """Pending → Scheduled, if the schedule did not change since it was read (else None)."""
        with self._tx() as conn:
            row = conn.execute(
                _S.update()
                .where(
                    _S.c.name == schedule.name,
                    _S.c.version == schedule.version,
                    _S.c.status == MonitoringScheduleStatus.PENDING.value,
                )
                .values(
                    status=MonitoringScheduleStatus.SCHEDULED.value,
                    last_modified_at=now,
                    version=_S.c.version + 1,
                )
                .returning(_S)
            ).first()
        return None if row is None else ScheduleRecord(**self._values(row))

    def fail(self, schedule: ScheduleRecord, reason: str, *, now: datetime) -> bool:
        """Mark an active schedule Failed with ``reason`` (if it did not change since read)."""
        with self._tx() as conn:
            n = conn.execute(
                _S.update()
                .where(
                    _S.c.name == schedule.name,
                    _S.c.version == schedule.version,
                    _S.c.status.in_(_ACTIVE),
                )
                .values(
                    status=MonitoringScheduleStatus.FAILED.value,
                    failure_reason=reason[:1024],
                    last_modified_at=now,
                    version=_S.c.version + 1,
                )
            ).rowcount
        return bool(n)

    def plan(
        self,
        schedule: ScheduleRecord,
        windows: Sequence[PlannedWindow],
        *,
        cursor_time: datetime | None,
        next_time: datetime | None,
        now: datetime,
        spec: dict[str, Any] | None = None,
    ) -> int | None:
        """Insert one Pending execution per window and move the cursor, atomically.

        Parameters
        ----------
        schedule : ScheduleRecord
            As read; nothing is written if its ``version`` changed since (another scheduler
            planned it, or it was stopped).
        windows : sequence of PlannedWindow
            Oldest first.
        cursor_time, next_time : datetime or None
            The new cursor (last nominal time planned) and the next nominal time.
        spec : dict, optional
            The definition the executions run with (default: the schedule's).

        Returns
        -------
        int or None
            Executions inserted (windows that already had one are skipped); None if the
            schedule changed since it was read (nothing written).
        """
        with self._tx() as conn:
            row = conn.execute(
                _S.update()
                .where(
                    _S.c.name == schedule.name,
                    _S.c.version == schedule.version,
                    _S.c.status == MonitoringScheduleStatus.SCHEDULED.value,
                )
                .values(
                    cursor_time=cursor_time,
                    next_time=next_time,
                    last_modified_at=now,
                    version=_S.c.version + 1,
                )
                .returning(_S.c.name)
            ).first()
            if row is None:
                return None
            if not windows:
                return 0
            values = [
                {
                    "schedule_name": schedule.name,
                    "run_key": SCHEDULED_RUN_KEY,
                    "monitoring_type": schedule.monitoring_type,
                    "endpoint_name": schedule.endpoint_name,
                    "scheduled_time": w.scheduled_time,
                    "window_start": w.window_start,
                    "window_end": w.window_end,
                    "status": MonitoringExecutionStatus.PENDING.value,
                    "spec": schedule.spec if spec is None else spec,
                    "spec_version": SPEC_VERSION,
                    "attempts": 0,
                    "created_at": now,
                    "last_modified_at": now,
                    "version": 1,
                }
                for w in windows
            ]
            insert = postgresql.insert(_E) if self.dialect == "postgresql" else sqlite.insert(_E)
            statement = insert.on_conflict_do_nothing(
                index_elements=["schedule_name", "window_start", "window_end", "run_key"]
            ).returning(_E.c.id)
            inserted = 0
            for value in values:
                inserted += len(conn.execute(statement, value).all())
            return inserted
