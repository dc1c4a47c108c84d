"""Process-wide settings, read once from the environment (prefix ``VIGIL_``) at start-up."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Vigil's settings. Each field reads the env var ``VIGIL_<FIELD>`` (case-insensitive).

    Attributes
    ----------
    data_dir : str
        Where the embedded deployment keeps its data (a local path or fsspec URL).
    workers : int
        Default worker processes for jobs.
    s3_endpoint_url : str or None
        An S3-compatible endpoint (MinIO, moto) instead of AWS.
    """

    model_config = SettingsConfigDict(env_prefix="VIGIL_", extra="ignore")

    data_dir: str = "./vigil-data"
    workers: int = 1
    s3_endpoint_url: str | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (read once)."""
    return Settings()
