"""Pytest fixtures for the metadata store on a real PostgreSQL server and a real SQLite file.

``postgres_url`` is the server's URL (``VIGIL_TEST_POSTGRES_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432``; trust auth). If it is down, the fixture starts
the preinstalled cluster (``pg_ctlcluster … main start``, as ``.ci/run`` does); if that fails
the PostgreSQL tests are skipped locally and fail under ``CI``.

``postgres_database`` creates one fresh, migrated database per test session (per xdist worker)
and drops it at the end; ``database_url`` gives each test a clean, migrated database: a new
SQLite file, or the session's PostgreSQL database emptied (``TRUNCATE``). Tests that need an
empty, unmigrated PostgreSQL database use ``fresh_postgres_url``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["database_url", "fresh_postgres_url", "postgres_database", "postgres_url"]

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _admin_connect(server: str, database: str = "postgres") -> Any:
    import psycopg

    dsn = server.replace("postgresql+psycopg://", "postgresql://") + f"/{database}"
    return psycopg.connect(dsn, autocommit=True, connect_timeout=5)


def _reachable(server: str) -> bool:
    try:
        conn = _admin_connect(server)
    except Exception:
        return False
    conn.close()
    return True


def _start_cluster() -> None:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if versions:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
            capture_output=True,
            timeout=60,
            check=False,
        )


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL server's URL without a database name."""
    server = os.environ.get("VIGIL_TEST_POSTGRES_URL", DEFAULT_SERVER).rstrip("/")
    if not _reachable(server):
        _start_cluster()
    if not _reachable(server):
        message = f"PostgreSQL is not reachable at {server}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return server


def _create_database(server: str, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn = _admin_connect(server)
    try:
        conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    return name


def _drop_database(server: str, name: str) -> None:
    conn = _admin_connect(server)
    try:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


@pytest.fixture(scope="session")
def postgres_database(postgres_url: str) -> Iterator[str]:
    """A fresh database for this test session, migrated to head; dropped afterwards."""
    from vigil.storage.metadata import upgrade

    name = _create_database(postgres_url, "vigil_test")
    url = f"{postgres_url}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        _drop_database(postgres_url, name)


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[Callable[[], str]]:
    """A factory of empty (unmigrated) PostgreSQL databases, dropped after the test."""
    created: list[str] = []

    def make() -> str:
        name = _create_database(postgres_url, "vigil_fresh")
        created.append(name)
        return f"{postgres_url}/{name}"

    yield make
    for name in created:
        with contextlib.suppress(Exception):
            _drop_database(postgres_url, name)


def _truncate(url: str) -> None:
    from vigil.storage.metadata.engine import create_engine
    from vigil.storage.metadata.schema import metadata

    engine = create_engine(url)
    try:
        names = ", ".join(t.name for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A clean, migrated metadata database: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        from vigil.storage.metadata import upgrade

        url = f"sqlite:///{tmp_path / 'vigil.db'}"
        upgrade(url)
        return url
    url = str(request.getfixturevalue("postgres_database"))
    _truncate(url)
    return url
