"""Baselining jobs: one row per job, InProgress while a worker holds its lease."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from vigil.api.specs import SPEC_VERSION
from vigil.errors import ResourceNotFoundError
from vigil.storage.metadata._common import (
    Repository,
    check_limit,
    decode_time,
    decode_token,
    encode_token,
)
from vigil.storage.metadata.records import BaseliningJobRecord, BaseliningJobStatus, Page
from vigil.storage.metadata.schema import baselining_jobs

__all__ = ["BaseliningJobRepository"]

_KIND = "baselining job"
_T = baselining_jobs


class BaseliningJobRepository(Repository):
    """Record baselining jobs and their outcome."""

    def create(
        self,
        name: str,
        *,
        monitoring_type: str,
        spec: dict[str, Any],
        owner: str,
        lease_expires_at: datetime,
        now: datetime,
    ) -> BaseliningJobRecord:
        """Record a job that ``owner`` starts now (status InProgress).

        Raises
        ------
        ResourceConflictError
            If a job of that name exists (field ``name``).
        """
        with self._tx(conflict=f"{_KIND} {name} already exists") as conn:
            row = conn.execute(
                _T.insert()
                .values(
                    name=name,
                    monitoring_type=monitoring_type,
                    status=BaseliningJobStatus.IN_PROGRESS.value,
                    spec=spec,
                    spec_version=SPEC_VERSION,
                    lease_owner=owner,
                    lease_expires_at=lease_expires_at,
                    created_at=now,
                    last_modified_at=now,
                    version=1,
                )
                .returning(_T)
            ).one()
        return BaseliningJobRecord(**self._values(row))

    def get(self, name: str) -> BaseliningJobRecord:
        """The job called ``name``.

        Raises
        ------
        ResourceNotFoundError
        """
        with self._tx() as conn:
            row = conn.execute(sa.select(_T).where(_T.c.name == name)).first()
        if row is None:
            raise ResourceNotFoundError.of(_KIND, name)
        return BaseliningJobRecord(**self._values(row))

    def list(
        self,
        *,
        status: BaseliningJobStatus | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> Page[BaseliningJobRecord]:
        """Jobs, newest first."""
        check_limit(limit)
        query = sa.select(_T).order_by(_T.c.created_at.desc(), _T.c.name.desc()).limit(limit + 1)
        if status is not None:
            query = query.where(_T.c.status == BaseliningJobStatus(status).value)
        if next_token is not None:
            created, name = decode_token(next_token, 2)
            at = decode_time(created)
            query = query.where(
                sa.or_(_T.c.created_at < at, sa.and_(_T.c.created_at == at, _T.c.name < name))
            )
        with self._tx() as conn:
            rows = conn.execute(query).all()
        items = [BaseliningJobRecord(**self._values(r)) for r in rows[:limit]]
        token = None
        if len(rows) > limit:
            token = encode_token(items[-1].created_at.isoformat(), items[-1].name)
        return Page(items, token)

    def renew(self, name: str, *, owner: str, lease_expires_at: datetime) -> bool:
        """Extend the lease of a running job; False if ``owner`` no longer holds it."""
        with self._tx() as conn:
            n = conn.execute(
                _T.update()
                .where(
                    _T.c.name == name,
                    _T.c.lease_owner == owner,
                    _T.c.status == BaseliningJobStatus.IN_PROGRESS.value,
                )
                .values(lease_expires_at=lease_expires_at)
            ).rowcount
        return bool(n)

    def finish(
        self,
        name: str,
        *,
        owner: str,
        status: BaseliningJobStatus,
        now: datetime,
        statistics_url: str | None = None,
        constraints_url: str | None = None,
        failure_reason: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> bool:
        """Record the outcome; False if ``owner`` no longer holds the job (nothing written)."""
        with self._tx() as conn:
            n = conn.execute(
                _T.update()
                .where(
                    _T.c.name == name,
                    _T.c.lease_owner == owner,
                    _T.c.status == BaseliningJobStatus.IN_PROGRESS.value,
                )
                .values(
                    status=BaseliningJobStatus(status).value,
                    statistics_url=statistics_url,
                    constraints_url=constraints_url,
                    failure_reason=failure_reason,
                    summary=summary,
                    lease_owner=None,
                    lease_expires_at=None,
                    ended_at=now,
                    last_modified_at=now,
                    version=_T.c.version + 1,
                )
            ).rowcount
        return bool(n)

    def fail_abandoned(self, *, lease_now: datetime, now: datetime) -> int:
        """Mark Failed the InProgress jobs whose lease expired (their worker is gone)."""
        with self._tx() as conn:
            return int(
                conn.execute(
                    _T.update()
                    .where(
                        _T.c.status == BaseliningJobStatus.IN_PROGRESS.value,
                        _T.c.lease_expires_at < lease_now,
                    )
                    .values(
                        status=BaseliningJobStatus.FAILED.value,
                        failure_reason="the process running the job stopped before it finished",
                        lease_owner=None,
                        lease_expires_at=None,
                        ended_at=now,
                        last_modified_at=now,
                        version=_T.c.version + 1,
                    )
                ).rowcount
            )
