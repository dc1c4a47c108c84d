"""Where the metadata database is: ``VIGIL_DATABASE_URL``, or a SQLite file in the data directory.

Read once per process, like :mod:`vigil.settings` (whose ``data_dir`` gives the default).
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from vigil.errors import InvalidParameterError
from vigil.settings import get_settings

__all__ = ["DATABASE_FILE", "MetadataSettings", "database_url", "get_metadata_settings"]

DATABASE_FILE = "vigil.db"
"""Name of the SQLite file inside ``VIGIL_DATA_DIR`` when no ``VIGIL_DATABASE_URL`` is set."""


class MetadataSettings(BaseSettings):
    """Settings of the metadata store (env prefix ``VIGIL_``).

    Attributes
    ----------
    database_url : str or None
        A SQLAlchemy URL: ``sqlite:///path/vigil.db`` or
        ``postgresql+psycopg://user@host:5432/vigil``. None: SQLite in the data directory.
    """

    model_config = SettingsConfigDict(env_prefix="VIGIL_", extra="ignore")

    database_url: str | None = None


@lru_cache(maxsize=1)
def get_metadata_settings() -> MetadataSettings:
    """The metadata settings of this process (read once)."""
    return MetadataSettings()


def database_url(url: str | None = None) -> str:
    """The database URL to use: ``url``, else ``VIGIL_DATABASE_URL``, else the default SQLite file.

    ``postgresql://`` URLs are given the psycopg 3 driver (``postgresql+psycopg://``).

    Raises
    ------
    InvalidParameterError
        If no URL is set and the data directory is not a local path (SQLite needs a file).
    """
    chosen = url or get_metadata_settings().database_url
    if not chosen:
        data_dir = get_settings().data_dir
        if "://" in data_dir:
            raise InvalidParameterError(
                f"VIGIL_DATA_DIR is {data_dir!r}, where SQLite cannot live: "
                "set VIGIL_DATABASE_URL (PostgreSQL) or a local VIGIL_DATA_DIR.",
                field="database_url",
            )
        chosen = f"sqlite:///{os.path.join(os.path.abspath(data_dir), DATABASE_FILE)}"
    for plain in ("postgresql://", "postgres://"):
        if chosen.startswith(plain):
            chosen = "postgresql+psycopg://" + chosen[len(plain) :]
    return chosen
