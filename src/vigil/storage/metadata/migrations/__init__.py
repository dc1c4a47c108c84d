"""Alembic migrations of the metadata store (run them with ``vigil db upgrade``)."""
