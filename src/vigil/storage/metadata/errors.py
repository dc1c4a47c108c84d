"""Errors of the metadata store, rooted in :class:`vigil.errors.VigilError`::

    VigilError
    ├── InputError (ValueError)
    │   ├── ResourceNotFoundError (LookupError)   no endpoint/schedule/job/execution of that name or id
    │   └── ResourceConflictError                  a duplicate name, or a state that forbids the call
    └── StorageError (OSError)
        └── UnmigratedDatabaseError                the database schema is not at the head revision

Each carries ``field`` (the parameter that named the resource) so that a shell can point at it.
The HTTP shell maps them to 404, 409 and 503 (:mod:`vigil.service.errors`).
"""

from __future__ import annotations

from vigil.errors import InputError, StorageError

__all__ = ["ResourceConflictError", "ResourceNotFoundError", "UnmigratedDatabaseError"]


class ResourceNotFoundError(InputError, LookupError):
    """No resource of the given kind has that name or id.

    Attributes
    ----------
    kind : str
        ``"endpoint"``, ``"monitoring schedule"``, ``"baselining job"`` or ``"execution"``.
    key : str
        The name or id looked up.
    """

    def __init__(self, kind: str, key: object, *, field: str = "name") -> None:
        super().__init__(f"{kind} {key!s} does not exist", field=field)
        self.kind = kind
        self.key = str(key)


class ResourceConflictError(InputError):
    """The call conflicts with the current state: a duplicate name, or a status that forbids it."""


class UnmigratedDatabaseError(StorageError):
    """The database is not migrated to the schema this version of Vigil needs.

    Attributes
    ----------
    current : str or None
        The revision the database is at (None: never migrated).
    head : str
        The revision Vigil needs.
    """

    def __init__(self, url: str, current: str | None, head: str) -> None:
        at = "has no Vigil schema" if current is None else f"is at revision {current}"
        super().__init__(
            f"the metadata database {at}, this Vigil needs revision {head}: "
            "run `vigil db upgrade` (with the same VIGIL_DATABASE_URL) first",
            path=url,
        )
        self.current = current
        self.head = head
