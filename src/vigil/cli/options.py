"""Option types and parsers shared by the command groups."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

from vigil.errors import InvalidParameterError

__all__ = ["DatasetFormatOption", "parse_time"]


class DatasetFormatOption(str, Enum):
    """``--dataset-format`` values."""

    csv = "csv"
    json = "json"
    parquet = "parquet"


def parse_time(value: str | None, flag: str) -> datetime | None:
    """An ISO-8601 time from a flag (``Z`` allowed; no offset means UTC); None passes through.

    Raises
    ------
    InvalidParameterError
        Naming the flag, if the text is not an ISO-8601 time.
    """
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidParameterError(
            f"{flag} must be an ISO-8601 time like 2024-05-01T13:00:00Z. Got {value!r} instead.",
            field=flag,
        ) from exc
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)
