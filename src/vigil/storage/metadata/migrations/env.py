"""Alembic's environment: runs the revisions on the connection :mod:`..migrate` hands over.

Run through :func:`vigil.storage.metadata.migrate.upgrade` (``vigil db upgrade``), which passes
an open connection in ``config.attributes["connection"]``, or through the ``alembic`` command
with ``sqlalchemy.url`` set. Importing this module outside Alembic (pytest collecting doctests)
does nothing.
"""

from __future__ import annotations

from alembic import context

from vigil.storage.metadata.engine import create_engine
from vigil.storage.metadata.schema import VERSION_TABLE, metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url or pass a connection in config.attributes")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


try:
    _in_alembic = context.config is not None
except (AttributeError, NameError):  # imported outside an Alembic run
    _in_alembic = False

if _in_alembic:
    _main()
