"""Alembic revisions, oldest first; each file is one revision and is never edited once released."""
