"""Schema migrations (Alembic, shipped inside the package) and the "is it migrated?" check.

>>> head_revision()
'0002'
"""

from __future__ import annotations

import os
from functools import lru_cache

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from vigil.errors import StorageError, UnmigratedDatabaseError
from vigil.storage.metadata.engine import create_engine, display_url, is_sqlite, sqlite_path
from vigil.storage.metadata.schema import VERSION_TABLE

__all__ = ["check_migrated", "current_revision", "head_revision", "upgrade"]

SCRIPT_LOCATION = "vigil.storage.metadata:migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The revision this version of Vigil needs (the newest migration)."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise StorageError("no migration found in the Vigil package")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            return context.get_current_revision()
    except sa.exc.SQLAlchemyError as exc:
        raise StorageError(
            f"cannot read the schema revision: {exc.__class__.__name__}: {exc}",
            path=engine.url.render_as_string(hide_password=True),
        ) from exc


def check_migrated(engine: Engine) -> None:
    """Raise unless the database is at :func:`head_revision`.

    Raises
    ------
    UnmigratedDatabaseError
        Naming the database, its revision and the command to run.
    StorageError
        If the database cannot be reached.
    """
    url = engine.url.render_as_string(hide_password=False)
    if is_sqlite(engine):
        path = sqlite_path(url)
        if path is not None and not os.path.exists(path):
            raise UnmigratedDatabaseError(display_url(url), None, head_revision())
    current = current_revision(engine)
    if current != head_revision():
        raise UnmigratedDatabaseError(display_url(url), current, head_revision())


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str]:
    """Migrate the database at ``url`` to ``revision``; create a SQLite file (and folder) if needed.

    Returns
    -------
    (before, after) : tuple
        The revision before (None: empty database) and after.

    Raises
    ------
    StorageError
        If the database cannot be reached or a migration fails.
    """
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            os.makedirs(os.path.dirname(path), exist_ok=True)
    engine = create_engine(url)
    try:
        before = current_revision(engine)
        config = _config()
        try:
            with engine.begin() as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(
                f"migration failed: {exc.__class__.__name__}: {exc}", path=display_url(url)
            ) from exc
        return before, current_revision(engine) or ""
    finally:
        engine.dispose()
