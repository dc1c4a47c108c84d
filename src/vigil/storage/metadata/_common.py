"""Shared plumbing of the repositories: transactions that map database errors, and paging."""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from vigil.errors import InvalidParameterError, ResourceConflictError, StorageError

__all__ = [
    "MAX_PAGE",
    "Repository",
    "bad_token",
    "check_limit",
    "decode_time",
    "decode_token",
    "encode_token",
]

MAX_PAGE = 1000
"""Largest page a listing returns."""


def check_limit(limit: int) -> int:
    """``limit`` if it is in ``[1, MAX_PAGE]``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidParameterError(
            f"limit must be an integer in [1, {MAX_PAGE}]. Got {limit!r} instead.", field="limit"
        )
    return limit


def encode_token(*parts: str) -> str:
    """An opaque paging token holding ``parts``."""
    return base64.urlsafe_b64encode("\x1f".join(parts).encode()).decode().rstrip("=")


def bad_token(token: str) -> NoReturn:
    """Raise the error of a paging token this store did not make."""
    raise InvalidParameterError(
        f"next_token must be a token returned by a previous listing. Got {token[:80]!r} instead.",
        field="next_token",
    )


def decode_token(token: str, n: int) -> list[str]:
    """The ``n`` parts of a token made by :func:`encode_token`.

    Raises
    ------
    InvalidParameterError
        If the token was not made by this store (field ``next_token``).
    """
    try:
        padded = token + "=" * (-len(token) % 4)
        parts = base64.urlsafe_b64decode(padded.encode("ascii")).decode().split("\x1f")
    except (binascii.Error, UnicodeError, ValueError):
        bad_token(token)
    if len(parts) != n:
        bad_token(token)
    return parts


def decode_time(text: str) -> datetime:
    """An aware datetime from a paging token part (field ``next_token`` on error)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        bad_token(text)
    return value


def _is_unique_violation(exc: sa.exc.IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate" in text or "primary key" in text


class Repository:
    """Base of the repositories: an engine and transactions that speak Vigil's errors."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    @contextlib.contextmanager
    def _tx(self, *, conflict: str | None = None, field: str = "name") -> Iterator[sa.Connection]:
        """A transaction; database failures become :class:`StorageError`.

        Parameters
        ----------
        conflict : str, optional
            Message for a unique-constraint violation (a :class:`ResourceConflictError` naming
            ``field``); without it such a violation is a StorageError.
        """
        try:
            with self._engine.begin() as conn:
                yield conn
        except sa.exc.IntegrityError as exc:
            if conflict is not None and _is_unique_violation(exc):
                raise ResourceConflictError(conflict, field=field) from exc
            raise StorageError(f"integrity error: {exc.orig}") from exc
        except sa.exc.DataError as exc:
            raise InvalidParameterError(f"value refused by the database: {exc.orig}") from exc
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"metadata database error: {exc.__class__.__name__}: {exc}") from exc

    @staticmethod
    def _values(row: sa.Row[Any]) -> dict[str, Any]:
        return dict(row._mapping)
