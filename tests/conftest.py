"""Shared pytest fixtures.

Fixtures live in focused modules next to this file and are re-exported here so that pytest
finds them; add new groups the same way.
"""

from __future__ import annotations

# Real data: the SageMaker conformance files and the ACS employment data.
from tests.datasets import acs_files, conformance_dir, uci_adult

# Real scikit-learn models saved with joblib.
from tests.models import iris_model

# Metadata store on a SQLite file and PostgreSQL (fresh database per session).
from tests.postgres import database_url, fresh_postgres_url, postgres_database, postgres_url

# S3 on loopback (moto server): s3_server, s3_client, s3_bucket; plus tmp_data.
from tests.s3_server import s3_bucket, s3_client, s3_server, tmp_data

# The Spark engine on one local[2] session per test process (PySpark, Java).
from tests.spark import spark_engine

__all__ = [
    "acs_files",
    "conformance_dir",
    "database_url",
    "fresh_postgres_url",
    "iris_model",
    "postgres_database",
    "postgres_url",
    "s3_bucket",
    "s3_client",
    "s3_server",
    "spark_engine",
    "tmp_data",
    "uci_adult",
]
