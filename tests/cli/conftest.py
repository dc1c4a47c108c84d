"""Fixtures of the CLI tests; they live in focused modules and are re-exported here."""

from __future__ import annotations

from tests.cli.runner import cli

__all__ = ["cli"]
