"""Pytest fixtures for real data: the SageMaker conformance files and the ACS employment data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vigil.demo.acs import AcsFiles, fetch_acs_employment

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "sagemaker-real"
"""Real SageMaker files (../shared/conformance/sagemaker-real beside the work tree)."""

SDK = CONFORMANCE / "aws__sagemaker-python-sdk"


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    """The folder of real SageMaker files; the tests that need it fail loudly if it is absent."""
    assert CONFORMANCE.is_dir(), f"conformance files not found at {CONFORMANCE}"
    return CONFORMANCE


@pytest.fixture(scope="session")
def acs_files() -> AcsFiles:
    """ACS employment Parquet files (downloaded once from PyPI, cached)."""
    cache = os.environ.get("VIGIL_CACHE_DIR") or str(Path(__file__).resolve().parents[1] / ".cache")
    return fetch_acs_employment(Path(cache))
