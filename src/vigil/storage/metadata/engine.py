"""SQLAlchemy engines for the metadata store: SQLite (WAL) or PostgreSQL (psycopg 3).

SQLite
    Every connection turns on WAL (readers never block the writer), ``foreign_keys`` and a 30 s
    ``busy_timeout``, and every transaction starts with ``BEGIN IMMEDIATE``: it takes the write
    lock at once, so two processes never both read a row and then fail to upgrade to a write
    (the "database is locked" of deferred transactions); the second one waits instead.
PostgreSQL
    A pooled engine with ``pool_pre_ping``; row claims use ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from vigil.errors import InvalidParameterError

__all__ = ["create_engine", "display_url", "is_postgresql", "is_sqlite", "sqlite_path"]

BUSY_TIMEOUT_MS = 30_000


def is_sqlite(engine_or_url: Engine | str) -> bool:
    """Whether an engine or URL is SQLite."""
    name = (
        engine_or_url.dialect.name
        if isinstance(engine_or_url, Engine)
        else make_url(engine_or_url).get_backend_name()
    )
    return name == "sqlite"


def is_postgresql(engine_or_url: Engine | str) -> bool:
    """Whether an engine or URL is PostgreSQL."""
    name = (
        engine_or_url.dialect.name
        if isinstance(engine_or_url, Engine)
        else make_url(engine_or_url).get_backend_name()
    )
    return name == "postgresql"


def display_url(url: str) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: show its scheme only
        return url.split("://", 1)[0] + "://…"


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL (None for an in-memory database)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return os.path.abspath(database)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event emits BEGIN itself
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with Vigil's connection settings.

    Parameters
    ----------
    url : str
        ``sqlite:///path`` or ``postgresql+psycopg://…``.
    **kwargs
        Passed to :func:`sqlalchemy.create_engine`.

    Raises
    ------
    InvalidParameterError
        If the URL is not SQLite or PostgreSQL, or cannot be parsed.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise InvalidParameterError(
            f"database_url must be a SQLAlchemy URL such as sqlite:///vigil.db. Got "
            f"{display_url(url)!r} instead.",
            field="database_url",
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        kwargs.setdefault("connect_args", {}).setdefault("timeout", BUSY_TIMEOUT_MS / 1000)
        engine = sa.create_engine(parsed, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if backend == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(parsed, **kwargs)
    raise InvalidParameterError(
        f"database_url must be a SQLite or PostgreSQL URL. Got {display_url(url)!r} instead.",
        field="database_url",
    )
