"""The Vigil error tree.

Every error Vigil raises on purpose derives from :class:`VigilError` and, where one fits, from
the builtin it refines, so ``except ValueError`` keeps working for callers who do not know Vigil::

    VigilError
    ├── InputError (ValueError)            bad input from a user: the shells map it to exit code 2 / HTTP 4xx
    │   ├── DatasetNotFoundError (FileNotFoundError)   a path, glob or URL that matches nothing
    │   ├── DatasetFormatError                          a file that cannot be parsed as its declared format
    │   │   └── MalformedRowError                       one row/record that is wrong (path, line, field)
    │   ├── EmptyDatasetError                           a dataset with no rows
    │   ├── DocumentError                               a statistics/constraints/violations JSON that is invalid
    │   ├── InvalidEventPatternError                    an EventBridge event pattern that is not valid
    │   └── InvalidParameterError (TypeError)           an argument outside its documented domain
    ├── SketchError (ValueError)           an operation on sketches that cannot be done (e.g. merge of unlike k)
    ├── EngineError (RuntimeError)         an execution engine that is missing (PySpark, Java) or failed (a Spark job)
    └── StorageError (OSError)             an object store or database that failed underneath us

Each error carries its context as attributes (``path``, ``line``, ``field``) so that a shell can
render it without parsing the message. The shells map errors to exit codes / HTTP statuses once:
``vigil.cli.main`` for the CLI, ``vigil.service.errors`` for the REST API and the runtime. The
HTTP client (:mod:`vigil.client`) raises the same classes for the service's answers
(``ApiNotFoundError`` is a :class:`ResourceNotFoundError`), so callers catch one tree whichever
control plane they talk to.
"""

from __future__ import annotations

__all__ = [
    "DatasetFormatError",
    "DatasetNotFoundError",
    "DocumentError",
    "EmptyDatasetError",
    "EngineError",
    "InputError",
    "InvalidEventPatternError",
    "InvalidParameterError",
    "MalformedRowError",
    "ResourceConflictError",
    "ResourceNotFoundError",
    "SketchError",
    "StorageError",
    "UnmigratedDatabaseError",
    "VigilError",
]


class VigilError(Exception):
    """Root of every error Vigil raises on purpose.

    Parameters
    ----------
    message : str
        What went wrong, in words a user can act on.
    path : str, optional
        The file or URL concerned.
    line : int, optional
        1-based line (or record) number inside ``path``.
    field : str, optional
        The column, key or parameter concerned.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = []
        if self.path is not None:
            where.append(self.path if self.line is None else f"{self.path}:{self.line}")
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class InputError(VigilError, ValueError):
    """Input given by a user is wrong; retrying with the same input fails the same way."""


class DatasetNotFoundError(InputError, FileNotFoundError):
    """A dataset path, directory, glob or URL matches no file."""


class DatasetFormatError(InputError):
    """A file cannot be read as the format it was declared to have."""


class MalformedRowError(DatasetFormatError):
    """One row or record is malformed (wrong field count, unparsable JSON, bad encoding)."""


class EmptyDatasetError(InputError):
    """A dataset (or an analysis window) holds no rows."""


class DocumentError(InputError):
    """A statistics.json, constraints.json or violations document is not valid."""


class InvalidEventPatternError(InputError):
    """An EventBridge event pattern is not valid (EventBridge's ``InvalidEventPatternException``).

    The message is EventBridge's: ``Event pattern is not valid. Reason: <reason>``; ``reason``
    holds the reason alone.
    """

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(f"Event pattern is not valid. Reason: {reason}", field=field)
        self.reason = reason


class InvalidParameterError(InputError, TypeError):
    """A parameter is outside its documented domain.

    Messages follow ``"<param> of <fn> must be <expected>. Got <value> instead."``.
    """


class SketchError(VigilError, ValueError):
    """A sketch operation cannot be performed (for example merging sketches of different k)."""


class StorageError(VigilError, OSError):
    """An object store or metadata store failed underneath an otherwise valid request."""


class ResourceNotFoundError(InputError, LookupError):
    """No resource of the given kind has that name or id.

    Parameters
    ----------
    message : str
    kind : str, optional
        ``"endpoint"``, ``"monitoring schedule"``, ``"baselining job"``, ``"execution"`` …
    key : object, optional
        The name or id looked up.
    field : str, default="name"
        The parameter that named the resource.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str | None = None,
        key: object = None,
        field: str | None = "name",
        path: str | None = None,
    ) -> None:
        super().__init__(message, field=field, path=path)
        self.kind = kind
        self.key = None if key is None else str(key)

    @classmethod
    def of(cls, kind: str, key: object, *, field: str = "name") -> ResourceNotFoundError:
        """``{kind} {key} does not exist``."""
        return cls(f"{kind} {key!s} does not exist", kind=kind, key=key, field=field)


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


class EngineError(VigilError, RuntimeError):
    """An execution engine that is unavailable (PySpark or Java missing, a master that cannot
    be reached) or whose job failed underneath (an executor lost, a reader's error)."""
