"""The one place errors become HTTP responses: RFC 7807 ``application/problem+json``.

====================================  ======  ========================================
error                                 status  ``type``
====================================  ======  ========================================
malformed JSON body                   400     ``urn:vigil:problem:bad-request``
ResourceNotFoundError                 404     ``urn:vigil:problem:not-found``
ResourceConflictError                 409     ``urn:vigil:problem:conflict``
request validation, any InputError    422     ``urn:vigil:problem:invalid-parameter``
UnmigratedDatabaseError, StorageError 503     ``urn:vigil:problem:unavailable``
any other error                       500     ``urn:vigil:problem:internal``
====================================  ======  ========================================

Every problem names the field concerned when there is one (``field``, dotted:
``endpoint_input.endpoint_name``), and validation problems list each error in ``errors``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from vigil.errors import InputError, StorageError, VigilError
from vigil.storage.metadata import (
    ResourceConflictError,
    ResourceNotFoundError,
    UnmigratedDatabaseError,
)

__all__ = [
    "PROBLEM_JSON",
    "PROBLEM_RESPONSES",
    "Problem",
    "ProblemError",
    "install_error_handlers",
    "problem_response",
    "status_for",
]

PROBLEM_JSON = "application/problem+json"

_log = logging.getLogger(__name__)

_TYPES = {
    400: "urn:vigil:problem:bad-request",
    401: "urn:vigil:problem:unauthorized",
    403: "urn:vigil:problem:forbidden",
    404: "urn:vigil:problem:not-found",
    405: "urn:vigil:problem:method-not-allowed",
    409: "urn:vigil:problem:conflict",
    422: "urn:vigil:problem:invalid-parameter",
    500: "urn:vigil:problem:internal",
    503: "urn:vigil:problem:unavailable",
}
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid parameter",
    500: "Internal error",
    503: "Service unavailable",
}


class ProblemError(BaseModel):
    """One validation error: where and what."""

    field: str | None = None
    location: str | None = None
    message: str


class Problem(BaseModel):
    """An RFC 7807 problem document."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    field: str | None = None
    errors: list[ProblemError] | None = None


def _described(status: int) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": _TITLES[status],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: _described(status) for status in (400, 404, 409, 422, 503)
}
"""The error responses every route documents in the OpenAPI spec."""


def status_for(exc: VigilError) -> int:
    """The HTTP status of a Vigil error."""
    if isinstance(exc, ResourceNotFoundError):
        return 404
    if isinstance(exc, ResourceConflictError):
        return 409
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, (UnmigratedDatabaseError, StorageError)):
        return 503
    return 500


def problem_response(
    status: int,
    detail: str | None,
    *,
    request: Request | None = None,
    field: str | None = None,
    errors: list[ProblemError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A ``application/problem+json`` response."""
    body = Problem(
        type=_TYPES.get(status, "about:blank"),
        title=_TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=None if request is None else request.url.path,
        field=field,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _location(loc: tuple[Any, ...]) -> tuple[str | None, str | None]:
    parts = [str(p) for p in loc]
    where = parts[0] if parts and parts[0] in {"body", "query", "path", "header"} else None
    rest = parts[1:] if where else parts
    # pydantic adds the branch of a union ("function-after[...]", "str") to the location
    rest = [p for p in rest if not p.startswith(("function-", "constrained-"))]
    return (".".join(rest) or None), where


async def _vigil_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VigilError)
    status = status_for(exc)
    if status >= 500:
        _log.error("request failed: %s", exc, exc_info=exc)
    return problem_response(status, str(exc), request=request, field=exc.field)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        field, where = _location(tuple(error.get("loc", ())))
        message = str(error.get("msg", "invalid"))
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        errors.append(ProblemError(field=field, location=where, message=message))
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return problem_response(400, "the request body is not valid JSON", request=request)
    first = errors[0] if errors else ProblemError(message="invalid request")
    detail = f"{first.field}: {first.message}" if first.field else first.message
    return problem_response(422, detail, request=request, field=first.field, errors=errors)


def _allowed_methods(request: Request, answered: str | None) -> str | None:
    """The ``Allow`` of a 405: every method the published document gives the request's path.

    Starlette names only the methods of the first route whose path matches; with one route
    per method (``GET`` and ``POST /endpoints``) that header would be incomplete. The methods
    Starlette named (routes outside the document) are kept.
    """
    methods = {m.strip().upper() for m in (answered or "").split(",") if m.strip()}
    openapi = getattr(request.app, "openapi", None)
    paths: dict[str, Any] = openapi().get("paths", {}) if callable(openapi) else {}
    for template, operations in paths.items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, request.url.path):
            methods |= {m.upper() for m in operations if m.isalpha()}
    return ", ".join(sorted(methods)) or None


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        allow = _allowed_methods(request, (headers or {}).get("Allow"))
        if allow:
            headers = {**(headers or {}), "Allow": allow}
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return problem_response(exc.status_code, detail, request=request, headers=headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    _log.error("unexpected error on %s", request.url.path, exc_info=exc)
    return problem_response(500, f"internal error: {type(exc).__name__}", request=request)


def install_error_handlers(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app``."""
    app.add_exception_handler(VigilError, _vigil_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
