"""Monitoring executions: listing, run-now, stop, and the claim/lease protocol of the workers.

Claims
    A scheduler claims due executions (Pending, or InProgress whose lease expired) by a
    conditional update on the row ``version``; on PostgreSQL the candidate rows are first locked
    with ``FOR UPDATE SKIP LOCKED`` so that concurrent schedulers take disjoint sets without
    waiting, on SQLite the ``BEGIN IMMEDIATE`` transaction and the version check do it. A claim
    gives the execution a fresh ``lease_token``; every later write of the worker (renew, finish,
    release) is conditional on that token, so a worker that lost its lease (it stalled, and
    another one re-claimed the window after the lease expired) can no longer write anything.

Lease times
    ``lease_now``/``lease_expires_at`` are wall-clock times of the processes that hold leases,
    independent of the (possibly simulated) clock that decides which windows are due.
"""

from __future__ import annotations

import builtins
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from vigil.api.specs import SPEC_VERSION
from vigil.errors import ResourceConflictError, ResourceNotFoundError
from vigil.storage.metadata._common import (
    Repository,
    bad_token,
    check_limit,
    decode_time,
    decode_token,
    encode_token,
)
from vigil.storage.metadata.records import (
    ExecutionRecord,
    ExecutionResult,
    MonitoringExecutionStatus,
    Page,
    ScheduleRecord,
)
from vigil.storage.metadata.schema import executions

__all__ = ["MAX_ID", "ExecutionRepository"]

MAX_ID = 2**31 - 1
"""Largest execution id (a 32-bit INTEGER column)."""

_KIND = "execution"
_E = executions
_S = MonitoringExecutionStatus
_RUNNING = (_S.IN_PROGRESS.value, _S.STOPPING.value)


def _fence(execution_id: int, token: str) -> sa.ColumnElement[bool]:
    return sa.and_(_E.c.id == execution_id, _E.c.lease_token == token, _E.c.status.in_(_RUNNING))


class ExecutionRepository(Repository):
    """Read executions, create run-nows, and run the lease protocol."""

    # ---- reading -------------------------------------------------------------------------

    def get(self, execution_id: int) -> ExecutionRecord:
        """The execution with that id.

        Raises
        ------
        ResourceNotFoundError
            (field ``execution_id``)
        """
        row = None
        if 1 <= execution_id <= MAX_ID:
            with self._tx() as conn:
                row = conn.execute(sa.select(_E).where(_E.c.id == execution_id)).first()
        if row is None:
            raise ResourceNotFoundError.of(_KIND, execution_id, field="execution_id")
        return ExecutionRecord(**self._values(row))

    def list(
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
    ) -> Page[ExecutionRecord]:
        """Executions ordered by scheduled time (newest first unless ``ascending``).

        ``scheduled_after`` is inclusive, ``scheduled_before`` exclusive.
        """
        check_limit(limit)
        order = (
            (_E.c.scheduled_time.asc(), _E.c.id.asc())
            if ascending
            else (_E.c.scheduled_time.desc(), _E.c.id.desc())
        )
        query = sa.select(_E).order_by(*order).limit(limit + 1)
        if schedule_name is not None:
            query = query.where(_E.c.schedule_name == schedule_name)
        if endpoint_name is not None:
            query = query.where(_E.c.endpoint_name == endpoint_name)
        if status is not None:
            query = query.where(_E.c.status == MonitoringExecutionStatus(status).value)
        if scheduled_after is not None:
            query = query.where(_E.c.scheduled_time >= scheduled_after)
        if scheduled_before is not None:
            query = query.where(_E.c.scheduled_time < scheduled_before)
        if next_token is not None:
            at_text, id_text = decode_token(next_token, 2)
            at = decode_time(at_text)
            if not id_text.isdigit() or len(id_text) > 12:
                bad_token(next_token)
            last = int(id_text)
            if ascending:
                query = query.where(
                    sa.or_(
                        _E.c.scheduled_time > at, sa.and_(_E.c.scheduled_time == at, _E.c.id > last)
                    )
                )
            else:
                query = query.where(
                    sa.or_(
                        _E.c.scheduled_time < at, sa.and_(_E.c.scheduled_time == at, _E.c.id < last)
                    )
                )
        with self._tx() as conn:
            rows = conn.execute(query).all()
        items = [ExecutionRecord(**self._values(r)) for r in rows[:limit]]
        token = None
        if len(rows) > limit:
            token = encode_token(items[-1].scheduled_time.isoformat(), str(items[-1].id))
        return Page(items, token)

    # ---- requests from users -------------------------------------------------------------

    def create_manual(
        self,
        schedule: ScheduleRecord,
        *,
        window_start: datetime,
        window_end: datetime,
        scheduled_time: datetime,
        now: datetime,
    ) -> ExecutionRecord:
        """A Pending run-now execution of ``schedule`` for an explicit window."""
        with self._tx() as conn:
            row = conn.execute(
                _E.insert()
                .values(
                    schedule_name=schedule.name,
                    run_key=f"manual-{uuid.uuid4().hex}",
                    monitoring_type=schedule.monitoring_type,
                    endpoint_name=schedule.endpoint_name,
                    scheduled_time=scheduled_time,
                    window_start=window_start,
                    window_end=window_end,
                    status=_S.PENDING.value,
                    spec=schedule.spec,
                    spec_version=SPEC_VERSION,
                    attempts=0,
                    created_at=now,
                    last_modified_at=now,
                    version=1,
                )
                .returning(_E)
            ).one()
        return ExecutionRecord(**self._values(row))

    def request_stop(self, execution_id: int, *, now: datetime) -> ExecutionRecord:
        """Stop an execution: Pending → Stopped at once, InProgress → Stopping (its worker stops it).

        Stopping an execution that is already Stopping changes nothing.

        Raises
        ------
        ResourceNotFoundError
        ResourceConflictError
            If it has already finished (field ``execution_id``).
        """
        if not 1 <= execution_id <= MAX_ID:
            raise ResourceNotFoundError.of(_KIND, execution_id, field="execution_id")
        with self._tx() as conn:
            row = conn.execute(
                _E.update()
                .where(_E.c.id == execution_id, _E.c.status == _S.PENDING.value)
                .values(
                    status=_S.STOPPED.value,
                    exit_message="Stopped: stopped by a user before it started.",
                    ended_at=now,
                    last_modified_at=now,
                    version=_E.c.version + 1,
                )
                .returning(_E)
            ).first()
            if row is None:
                row = conn.execute(
                    _E.update()
                    .where(_E.c.id == execution_id, _E.c.status == _S.IN_PROGRESS.value)
                    .values(
                        status=_S.STOPPING.value,
                        last_modified_at=now,
                        version=_E.c.version + 1,
                    )
                    .returning(_E)
                ).first()
        if row is not None:
            return ExecutionRecord(**self._values(row))
        current = self.get(execution_id)
        if current.status is _S.STOPPING:
            return current
        raise ResourceConflictError(
            f"execution {execution_id} has already finished ({current.status.value})",
            field="execution_id",
        )

    # ---- the lease protocol ----------------------------------------------------------------

    def reap(self, *, lease_now: datetime, max_attempts: int, now: datetime) -> int:
        """Settle executions whose worker vanished (lease expired).

        Stopping → Stopped; InProgress that already had ``max_attempts`` attempts → Failed.
        The other expired InProgress executions stay claimable (:meth:`claim` retries them).
        Returns the number of executions settled.
        """
        expired = sa.and_(_E.c.lease_expires_at.is_not(None), _E.c.lease_expires_at < lease_now)
        cleared = {"lease_token": None, "lease_owner": None, "lease_expires_at": None}
        with self._tx() as conn:
            stopped = conn.execute(
                _E.update()
                .where(_E.c.status == _S.STOPPING.value, expired)
                .values(
                    status=_S.STOPPED.value,
                    exit_message="Stopped: stopped by a user.",
                    ended_at=now,
                    last_modified_at=now,
                    version=_E.c.version + 1,
                    **cleared,
                )
            ).rowcount
            failed = conn.execute(
                _E.update()
                .where(
                    _E.c.status == _S.IN_PROGRESS.value,
                    expired,
                    _E.c.attempts >= max_attempts,
                )
                .values(
                    status=_S.FAILED.value,
                    failure_reason=(
                        f"the worker running it was lost {max_attempts} times "
                        "(its lease expired each time)"
                    ),
                    exit_message="Failed: worker lost",
                    ended_at=now,
                    last_modified_at=now,
                    version=_E.c.version + 1,
                    **cleared,
                )
            ).rowcount
        return int(stopped) + int(failed)

    def claim(
        self,
        *,
        owner: str,
        lease_now: datetime,
        lease: timedelta,
        limit: int,
        now: datetime,
        max_per_schedule: int | None = 1,
    ) -> builtins.list[ExecutionRecord]:
        """Take up to ``limit`` due executions for ``owner``, oldest scheduled time first.

        Due: Pending, or InProgress with an expired lease (a lost worker: retried). With
        ``max_per_schedule``, a schedule with that many running executions gets no more, and
        each claim takes at most that many of one schedule (its oldest windows), so a slow or
        long backlog of one schedule never holds up the others.

        Returns
        -------
        list of ExecutionRecord
            Now InProgress, each with its own ``lease_token`` and ``attempts`` incremented.
        """
        if limit < 1:
            return []
        due = sa.or_(
            _E.c.status == _S.PENDING.value,
            sa.and_(
                _E.c.status == _S.IN_PROGRESS.value,
                _E.c.lease_expires_at.is_not(None),
                _E.c.lease_expires_at < lease_now,
            ),
        )
        with self._tx() as conn:
            running: Counter[str] = Counter()
            if max_per_schedule is not None:
                live = sa.and_(_E.c.status.in_(_RUNNING), _E.c.lease_expires_at >= lease_now)
                for name, n in conn.execute(
                    sa.select(_E.c.schedule_name, sa.func.count())
                    .where(live)
                    .group_by(_E.c.schedule_name)
                ).all():
                    running[name] = int(n)
            saturated = [
                name
                for name, n in running.items()
                if max_per_schedule is not None and n >= max_per_schedule
            ]
            inner = sa.select(_E.c.id, _E.c.schedule_name).where(due)
            if saturated:
                inner = inner.where(_E.c.schedule_name.not_in(saturated))
            if max_per_schedule is not None:
                ranked = inner.add_columns(
                    sa.func.row_number()
                    .over(
                        partition_by=_E.c.schedule_name,
                        order_by=(_E.c.scheduled_time, _E.c.id),
                    )
                    .label("rn")
                ).subquery()
                ids = sa.select(ranked.c.id).where(ranked.c.rn <= max_per_schedule)
            else:
                ids = sa.select(inner.subquery().c.id)
            query = (
                sa.select(_E.c.id, _E.c.version, _E.c.schedule_name)
                .where(_E.c.id.in_(ids), due)
                .order_by(_E.c.scheduled_time, _E.c.id)
                .limit(limit)
            )
            if self.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            candidates = conn.execute(query).all()
            claimed: builtins.list[ExecutionRecord] = []
            for execution_id, version, schedule_name in candidates:
                if max_per_schedule is not None and running[schedule_name] >= max_per_schedule:
                    continue
                row = conn.execute(
                    _E.update()
                    .where(_E.c.id == execution_id, _E.c.version == version)
                    .values(
                        status=_S.IN_PROGRESS.value,
                        lease_token=uuid.uuid4().hex,
                        lease_owner=owner,
                        lease_expires_at=lease_now + lease,
                        attempts=_E.c.attempts + 1,
                        started_at=sa.func.coalesce(_E.c.started_at, now),
                        last_modified_at=now,
                        version=_E.c.version + 1,
                    )
                    .returning(_E)
                ).first()
                if row is not None:
                    running[schedule_name] += 1
                    claimed.append(ExecutionRecord(**self._values(row)))
        return claimed

    def renew(
        self, execution_id: int, token: str, *, lease_expires_at: datetime
    ) -> MonitoringExecutionStatus | None:
        """Extend a lease; returns the status (InProgress or Stopping), None if the lease is lost."""
        with self._tx() as conn:
            status = conn.execute(
                _E.update()
                .where(_fence(execution_id, token))
                .values(lease_expires_at=lease_expires_at)
                .returning(_E.c.status)
            ).scalar()
        return None if status is None else _S(status)

    def set_output(self, execution_id: int, token: str, output_url: str) -> bool:
        """Record where a running execution writes (before it starts writing)."""
        with self._tx() as conn:
            n = conn.execute(
                _E.update().where(_fence(execution_id, token)).values(output_url=output_url)
            ).rowcount
        return bool(n)

    def finish(
        self, execution_id: int, token: str, result: ExecutionResult, *, now: datetime
    ) -> bool:
        """Record the outcome of the worker holding ``token``; False if it no longer holds it."""
        values: dict[str, Any] = {
            "status": _S(result.status).value,
            "exit_message": result.exit_message,
            "failure_reason": None
            if result.failure_reason is None
            else result.failure_reason[:4096],
            "records": result.records,
            "rows": result.rows,
            "violations": result.violations,
            "malformed": result.malformed,
            "ground_truth_coverage": result.ground_truth_coverage,
            "lease_token": None,
            "lease_owner": None,
            "lease_expires_at": None,
            "ended_at": now,
            "last_modified_at": now,
            "version": _E.c.version + 1,
        }
        if result.output_url is not None:
            values["output_url"] = result.output_url
        with self._tx() as conn:
            n = conn.execute(
                _E.update().where(_fence(execution_id, token)).values(**values)
            ).rowcount
        return bool(n)

    def release(
        self,
        execution_id: int,
        token: str,
        *,
        reason: str,
        max_attempts: int,
        now: datetime,
        count_attempt: bool = True,
    ) -> MonitoringExecutionStatus | None:
        """Give an execution back: Pending again, or Failed after ``max_attempts`` attempts
        (Stopped if a stop was requested). None if the lease was lost.

        ``count_attempt=False`` (a scheduler shutting down cleanly) does not count the attempt.
        """
        with self._tx() as conn:
            row = conn.execute(
                sa.select(_E.c.status, _E.c.attempts).where(_fence(execution_id, token))
            ).first()
            if row is None:
                return None
            status, attempts = _S(row[0]), int(row[1])
            cleared = {"lease_token": None, "lease_owner": None, "lease_expires_at": None}
            if status is _S.STOPPING:
                new: dict[str, Any] = {
                    "status": _S.STOPPED.value,
                    "exit_message": "Stopped: stopped by a user.",
                    "ended_at": now,
                }
            elif count_attempt and attempts >= max_attempts:
                new = {
                    "status": _S.FAILED.value,
                    "failure_reason": f"{reason} (attempt {attempts} of {max_attempts})"[:4096],
                    "exit_message": "Failed: worker lost",
                    "ended_at": now,
                }
            else:
                new = {"status": _S.PENDING.value}
                if not count_attempt:
                    new["attempts"] = max(attempts - 1, 0)
            conn.execute(
                _E.update()
                .where(_fence(execution_id, token))
                .values(**new, **cleared, last_modified_at=now, version=_E.c.version + 1)
            )
        return _S(new["status"])

    def stopping(self, ids: Sequence[int]) -> builtins.list[int]:
        """Of ``ids``, those a user asked to stop."""
        if not ids:
            return []
        with self._tx() as conn:
            return [
                int(i)
                for i in conn.execute(
                    sa.select(_E.c.id).where(
                        _E.c.id.in_(list(ids)), _E.c.status == _S.STOPPING.value
                    )
                ).scalars()
            ]
