"""Field types shared by the API documents: names, URLs, texts, offsets, times.

Names follow SageMaker: a resource name is 1-63 characters ``[a-zA-Z0-9](-*[a-zA-Z0-9])*``;
URLs are local paths or fsspec URLs without control characters; times are ISO-8601 UTC (a time
without offset is UTC). Every constraint the server enforces is stated in the field's JSON
Schema, so that a client (or a fuzzer) reading the OpenAPI document knows it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    StringConstraints,
    ValidationError,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from vigil.api.expressions import parse_delay, parse_offset
from vigil.errors import InvalidParameterError

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_DOCUMENT_DEPTH",
    "FieldErrors",
    "Model",
    "Name",
    "Offset",
    "Text",
    "Url",
    "UtcTime",
    "check_document",
    "delay_text",
    "field_errors",
    "offset_text",
]

MAX_DOCUMENT_BYTES = 256 * 1024
"""Largest free-form JSON document (an endpoint config) accepted, in bytes of JSON."""

MAX_DOCUMENT_DEPTH = 32
"""Deepest nesting of a free-form JSON document accepted."""

Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=63, pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"),
]
"""A resource name: SageMaker's pattern."""

Url = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2048, pattern=r"^[^\x00-\x1f\x7f]+$"),
]
"""A local path or fsspec URL (``s3://bucket/key``)."""

Text = Annotated[str, StringConstraints(max_length=1024, pattern=r"^[^\x00-\x1f\x7f]*$")]
"""A short free text (a JSONPath, a column name)."""

StrictNumber = Annotated[float, Strict()]
"""A JSON number (an integer is taken as a float; a boolean or a string is refused)."""

Offset = Annotated[str, StringConstraints(max_length=64)]
"""An ISO-8601 duration such as ``-PT1H`` (validated by :func:`.expressions.parse_offset`)."""

FieldErrors = list[tuple[tuple[str, ...], str]]
"""``(location, message)`` pairs of a cross-field validation."""


def _utc(value: datetime) -> datetime:
    if not 1900 <= value.year <= 9000:
        raise ValueError("time must be between the years 1900 and 9000")
    try:
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError(f"time {value!r} cannot be expressed in UTC") from exc


def _time_text(value: Any) -> Any:
    """An ISO-8601 date-time as text (or a datetime); numbers are not taken as timestamps."""
    if isinstance(value, datetime) or (isinstance(value, str) and value[:4].isdigit()):
        return value
    raise ValueError("time must be an ISO-8601 date-time such as 2024-05-01T13:00:00Z")


UtcTime = Annotated[datetime, BeforeValidator(_time_text), AfterValidator(_utc)]
"""A time written ISO-8601 with a year from 1900 to 9000, converted to aware UTC (a time without
offset is taken as UTC)."""


class Model(BaseModel):
    """Base of the API documents: unknown keys are refused (a typo is an error, not ignored)."""

    model_config = ConfigDict(extra="forbid")


def field_errors(title: str, errors: Sequence[tuple[tuple[str, ...], str]]) -> ValidationError:
    """A validation error whose entries name their fields (``loc``).

    Raised from a model validator so that the API and the CLI report
    ``baseline.constraints_url`` rather than the whole document. Pydantic prefixes the location
    of the enclosing model, as for any error.

    Parameters
    ----------
    title : str
        The model's name.
    errors : sequence of (location, message)
        One entry per field in error.
    """
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(
                type=PydanticCustomError("invalid_for_monitoring_type", message),
                loc=loc,
                input=None,
            )
            for loc, message in errors
        ],
    )


def offset_text(value: str | None, field: str) -> str | None:
    """``value`` stripped, if it is an offset :func:`.expressions.parse_offset` accepts.

    Raises
    ------
    ValueError
        With the parser's message (pydantic reports it at the field).
    """
    if value is None:
        return None
    try:
        parse_offset(value, field)
    except InvalidParameterError as exc:
        raise ValueError(exc.message) from None
    return value.strip()


def delay_text(value: str | None, field: str) -> str | None:
    """``value`` stripped, if it is a delay :func:`.expressions.parse_delay` accepts.

    Raises
    ------
    ValueError
        With the parser's message.
    """
    if value is None:
        return None
    try:
        parse_delay(value, field)
    except InvalidParameterError as exc:
        raise ValueError(exc.message) from None
    return value.strip()


def check_document(value: Any, depth: int = 0) -> None:
    """Check that ``value`` is a JSON document PostgreSQL's JSONB accepts.

    No NUL character, finite numbers, 64-bit integers, at most :data:`MAX_DOCUMENT_DEPTH`
    levels and :data:`MAX_DOCUMENT_BYTES` bytes of JSON.

    Raises
    ------
    ValueError
        Naming the rule broken.
    """
    _check_value(value, depth)
    if depth == 0 and isinstance(value, dict):
        size = len(json.dumps(value, default=str))
        if size > MAX_DOCUMENT_BYTES:
            raise ValueError(f"document must not exceed {MAX_DOCUMENT_BYTES} bytes of JSON")


def _check_value(value: Any, depth: int) -> None:
    if depth > MAX_DOCUMENT_DEPTH:
        raise ValueError(f"document must not nest deeper than {MAX_DOCUMENT_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("document strings must not contain NUL characters")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("document numbers must be finite (no NaN or Infinity)")
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > 2**63:
            raise ValueError("document integers must fit in 64 bits")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(str(key), depth + 1)
            _check_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_value(item, depth + 1)
