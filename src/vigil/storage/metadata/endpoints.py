"""Endpoints: configuration documents (JSON), one per name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from vigil.errors import ResourceConflictError, ResourceNotFoundError
from vigil.storage.metadata._common import Repository, check_limit, decode_token, encode_token
from vigil.storage.metadata.records import EndpointRecord, Page
from vigil.storage.metadata.schema import endpoints, schedules

__all__ = ["EndpointRepository"]

_KIND = "endpoint"


class EndpointRepository(Repository):
    """Create, read, replace and delete endpoint configuration documents."""

    def create(self, name: str, config: dict[str, Any], *, now: datetime) -> EndpointRecord:
        """Store a new endpoint.

        Raises
        ------
        ResourceConflictError
            If an endpoint of that name exists (field ``name``).
        """
        with self._tx(conflict=f"{_KIND} {name} already exists") as conn:
            row = conn.execute(
                endpoints.insert()
                .values(name=name, config=config, created_at=now, last_modified_at=now, version=1)
                .returning(endpoints)
            ).one()
        return EndpointRecord(**self._values(row))

    def get(self, name: str) -> EndpointRecord:
        """The endpoint called ``name``.

        Raises
        ------
        ResourceNotFoundError
        """
        with self._tx() as conn:
            row = conn.execute(sa.select(endpoints).where(endpoints.c.name == name)).first()
        if row is None:
            raise ResourceNotFoundError.of(_KIND, name)
        return EndpointRecord(**self._values(row))

    def list(self, *, limit: int = 100, next_token: str | None = None) -> Page[EndpointRecord]:
        """Endpoints in name order, ``limit`` at a time."""
        check_limit(limit)
        query = sa.select(endpoints).order_by(endpoints.c.name).limit(limit + 1)
        if next_token is not None:
            (after,) = decode_token(next_token, 1)
            query = query.where(endpoints.c.name > after)
        with self._tx() as conn:
            rows = conn.execute(query).all()
        items = [EndpointRecord(**self._values(r)) for r in rows[:limit]]
        token = encode_token(items[-1].name) if len(rows) > limit else None
        return Page(items, token)

    def update(self, name: str, config: dict[str, Any], *, now: datetime) -> EndpointRecord:
        """Replace the configuration of an endpoint.

        Raises
        ------
        ResourceNotFoundError
        """
        with self._tx() as conn:
            row = conn.execute(
                endpoints.update()
                .where(endpoints.c.name == name)
                .values(config=config, last_modified_at=now, version=endpoints.c.version + 1)
                .returning(endpoints)
            ).first()
        if row is None:
            raise ResourceNotFoundError.of(_KIND, name)
        return EndpointRecord(**self._values(row))

    def delete(self, name: str) -> None:
        """Delete an endpoint that no monitoring schedule reads.

        Raises
        ------
        ResourceNotFoundError
        ResourceConflictError
            If monitoring schedules read its capture (they are named; delete them first).
        """
        with self._tx() as conn:
            users = (
                conn.execute(
                    sa.select(schedules.c.name)
                    .where(schedules.c.endpoint_name == name)
                    .order_by(schedules.c.name)
                    .limit(10)
                )
                .scalars()
                .all()
            )
            if users:
                raise ResourceConflictError(
                    f"{_KIND} {name} is monitored by schedule(s) {', '.join(users)}: "
                    "delete them first",
                    field="name",
                )
            deleted = conn.execute(endpoints.delete().where(endpoints.c.name == name)).rowcount
        if not deleted:
            raise ResourceNotFoundError.of(_KIND, name)
