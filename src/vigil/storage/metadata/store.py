"""The metadata store: one engine and the four repositories over it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.engine import Engine

from vigil.storage.metadata.baselining import BaseliningJobRepository
from vigil.storage.metadata.endpoints import EndpointRepository
from vigil.storage.metadata.engine import create_engine, display_url
from vigil.storage.metadata.executions import ExecutionRepository
from vigil.storage.metadata.migrate import check_migrated
from vigil.storage.metadata.schedules import ScheduleRepository
from vigil.storage.metadata.settings import database_url

__all__ = ["MetadataStore"]


class MetadataStore:
    """Vigil's metadata database (SQLite or PostgreSQL) behind typed repositories.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; default ``VIGIL_DATABASE_URL``, else ``{VIGIL_DATA_DIR}/vigil.db``.
    check : bool, default=True
        Refuse to open a database that is not migrated to this version's schema.

    Attributes
    ----------
    endpoints, baselining_jobs, schedules, executions
        The repositories.

    Raises
    ------
    UnmigratedDatabaseError
        If ``check`` and the schema is not at the head revision (run ``vigil db upgrade``).
    StorageError
        If the database cannot be reached.

    Examples
    --------
    >>> import tempfile, os
    >>> from vigil.storage.metadata.migrate import upgrade
    >>> url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "vigil.db")
    >>> _ = upgrade(url)
    >>> with MetadataStore(url) as store:
    ...     store.endpoints.list().items
    []
    """

    def __init__(self, url: str | None = None, *, check: bool = True) -> None:
        self.url = database_url(url)
        self.engine: Engine = create_engine(self.url)
        try:
            if check:
                check_migrated(self.engine)
        except BaseException:
            self.engine.dispose()
            raise
        self.endpoints = EndpointRepository(self.engine)
        self.baselining_jobs = BaseliningJobRepository(self.engine)
        self.schedules = ScheduleRepository(self.engine)
        self.executions = ExecutionRepository(self.engine)

    @property
    def display_url(self) -> str:
        """The URL with its password hidden."""
        return display_url(self.url)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> MetadataStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MetadataStore({self.display_url!r})"
