"""Shared route parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from vigil.service.deps import get_principal
from vigil.service.errors import PROBLEM_RESPONSES

__all__ = ["GUARD", "RESPONSES", "Limit", "NameFilter", "NamePath", "NextToken"]

NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"

GUARD = [Depends(get_principal)]
"""Router dependencies: every route goes through the one principal dependency."""

RESPONSES = PROBLEM_RESPONSES

NamePath = Annotated[
    str, Path(min_length=1, max_length=63, pattern=NAME_PATTERN, description="Resource name.")
]
NameFilter = Annotated[
    str | None, Query(min_length=1, max_length=63, pattern=NAME_PATTERN, description="A name.")
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Largest page returned.")]
NextToken = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=512,
        description="Token from the previous page.",
        pattern=r"^[A-Za-z0-9_=-]+$",
    ),
]
