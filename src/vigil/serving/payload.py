"""Request and response payloads of in-process models: CSV and JSON in, CSV and JSON out.

Input
    The request's media type picks the parser: ``text/csv`` and ``application/csv`` (plus the
    endpoint's ``csv_content_types``) are CSV; ``application/json``, ``*+json`` (plus its
    ``json_content_types``) are JSON. Anything else is refused with HTTP 415.

    * CSV: one row per non-blank line, fields split on ``,`` (RFC 4180 quoting when the payload
      holds a ``"``); every row must have as many fields as the first. No header.
    * JSON: a list of rows (``[[1, 2], [3, 4]]``), one row (``[1, 2]``), rows as objects
      (``[{"a": 1, "b": 2}]``), or any of these under ``"instances"`` (TensorFlow Serving's and
      SageMaker's request shape; ``{"instances": [{"features": [1, 2]}]}`` is accepted too).
      Any other object is one named row.

    For scikit-learn models rows become a float64 matrix: JSON booleans are 1 and 0, numeric
    strings are read as numbers; object rows are ordered by the estimator's
    ``feature_names_in_`` when it has them, by the first row's keys otherwise. A value that is
    not a number is a 400 whose message names the row and field (``row 2, field 3: 'abc' is
    not a number``; rows and fields 1-based). So is a value that is not finite (``inf``,
    ``-Infinity``, ``1e309``, which overflows a float64), for every model. A *missing* value (an
    empty CSV field, a JSON null, ``nan``) is NaN for a model that accepts missing values
    (scikit-learn's ``allow_nan`` tag: HistGradientBoosting, XGBoost, LightGBM, ...) and a 400
    naming the field for one that does not (``row 1, field 4 is missing: the model does not
    accept missing values``): a client's bad input is never answered as a model error.

Output
    The ``Accept`` header picks CSV or JSON; when it is absent or ``*/*`` the response has the
    request's format. Predictions (one per row: a number, a label, or a list such as class
    probabilities) are written as CSV, one line per row, values joined by ``,``
    (``text/csv; charset=utf-8``), or as JSON ``{"predictions": [...]}`` (``application/json``).

Examples
--------
>>> rows = parse_csv(b"1,2\\n3,\\n")
>>> rows
[['1', '2'], ['3', '']]
>>> csv_matrix(rows)
array([[ 1.,  2.],
       [ 3., nan]])
>>> encode_predictions([[0.25, 0.75], [1.0, 0.0]], "csv")
b'0.25,0.75\\n1.0,0.0'
>>> encode_predictions([1, 0], "json")
b'{"predictions":[1,0]}'
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import orjson

from vigil.capture.record import media_type
from vigil.errors import MalformedRowError

__all__ = [
    "CSV_CONTENT_TYPE",
    "JSON_CONTENT_TYPE",
    "HttpError",
    "PayloadKind",
    "csv_matrix",
    "encode_predictions",
    "json_matrix",
    "json_rows",
    "kind_of",
    "parse_csv",
    "parse_json",
]

PayloadKind = Literal["csv", "json"]
"""The two payload formats in-process models read and write."""

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
"""Content-Type of CSV responses."""
JSON_CONTENT_TYPE = "application/json"
"""Content-Type of JSON responses."""

_CSV_TYPES = frozenset({"text/csv", "application/csv"})
_JSON_TYPES = frozenset({"application/json"})
_ANY = frozenset({"", "*/*"})


class HttpError(Exception):
    """An invocation answered with an HTTP error status (not a :class:`~vigil.errors.VigilError`).

    Raised inside the serving layer for outcomes that have no error class of their own: an
    unsupported media type (415), an unacceptable ``Accept`` (406), a body over the limit (413),
    an unknown endpoint or variant (404), an upstream failure (502) or timeout (504).

    Parameters
    ----------
    status : int
        The HTTP status.
    code : str
        A short machine-readable code (``"UnsupportedMediaType"``).
    message : str
        What went wrong, for the caller.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def kind_of(
    content_type: str | None,
    csv_types: frozenset[str] = frozenset(),
    json_types: frozenset[str] = frozenset(),
) -> PayloadKind | None:
    """``"csv"``, ``"json"`` or None for a Content-Type or Accept header value.

    ``csv_types`` and ``json_types`` add media types (lower case, no parameters) to the
    built-in ones.

    Examples
    --------
    >>> kind_of("text/csv; charset=utf-8"), kind_of("application/vnd.x+json"), kind_of("image/png")
    ('csv', 'json', None)
    """
    kind = media_type(content_type)
    if kind in _CSV_TYPES or kind in csv_types:
        return "csv"
    if kind in _JSON_TYPES or kind.endswith("+json") or kind in json_types:
        return "json"
    return None


def response_kind(accept: str | None, request_kind: PayloadKind) -> PayloadKind:
    """The response format for an ``Accept`` header: its first CSV/JSON type, else the request's.

    Raises
    ------
    HttpError
        406 when ``Accept`` names only types that are neither CSV, JSON nor a wildcard.
    """
    if accept is None:
        return request_kind
    wildcard = False
    for part in accept.split(","):
        kind = media_type(part)
        if kind in _ANY or kind in ("text/*", "application/*"):
            wildcard = True
            continue
        found = kind_of(kind)
        if found is not None:
            return found
    if wildcard:
        return request_kind
    raise HttpError(
        406,
        "NotAcceptable",
        f"Accept {accept!r} names no format this model writes; use text/csv or application/json",
    )


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRowError(
            f"the payload is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc


def parse_csv(body: bytes) -> list[list[str]]:
    """Rows of a CSV payload, every field a string (no header).

    Raises
    ------
    MalformedRowError
        If the payload is not UTF-8, holds no row, or a row's field count differs from the
        first row's (``line`` is the 1-based row).
    """
    text = _utf8(body)
    if '"' in text:
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row and any(row)]
    else:
        rows = [line.split(",") for line in text.splitlines() if line.strip()]
    if not rows:
        raise MalformedRowError("the CSV payload holds no rows")
    width = len(rows[0])
    for number, row in enumerate(rows, 1):
        if len(row) != width:
            raise MalformedRowError(
                f"row {number} has {len(row)} fields, row 1 has {width}", line=number
            )
    return rows


def csv_matrix(
    rows: list[list[str]], n_features: int | None = None, *, allow_missing: bool = True
) -> np.ndarray:
    """A float64 matrix of CSV rows; an empty field (or ``nan``) is a missing value, NaN.

    Parameters
    ----------
    rows : list of list of str
        From :func:`parse_csv`.
    n_features : int, optional
        The width the model expects; a different width is refused.
    allow_missing : bool, default=True
        Whether missing values are kept as NaN (else refused).

    Raises
    ------
    MalformedRowError
        Naming the row (``line``, 1-based) and field (``field``, 1-based) of a value that is
        not a number, not finite (``inf``, ``1e309``), or missing when ``allow_missing`` is
        False; or the expected width.

    Examples
    --------
    >>> csv_matrix([["1", "1e309"]])
    Traceback (most recent call last):
    ...
    vigil.errors.MalformedRowError: line 1, field '2': row 1, field 2: '1e309' is not a finite number
    >>> csv_matrix([["1", ""]], allow_missing=False)
    Traceback (most recent call last):
    ...
    vigil.errors.MalformedRowError: line 1, field '2': row 1, field 2 is missing: the model does not accept missing values
    """
    _check_width(len(rows[0]), n_features)
    try:
        matrix = np.array(rows, dtype=np.float64)
    except ValueError:
        matrix = _csv_slow(rows)

    def where(i: int, j: int) -> tuple[str, str, str]:
        return f"row {i + 1}, field {j + 1}", str(j + 1), repr(rows[i][j])

    return _finite(matrix, allow_missing, where)


def _finite(
    matrix: np.ndarray, allow_missing: bool, where: Callable[[int, int], tuple[str, str, str]]
) -> np.ndarray:
    """``matrix`` unless it holds an infinity, or a NaN (a missing value) that is not allowed.

    ``where(i, j)`` gives the cell's place for the message, its ``field`` and its value as sent.
    """
    finite = np.isfinite(matrix)
    if finite.all():
        return matrix
    bad = ~finite if not allow_missing else np.isinf(matrix)
    if not bad.any():
        return matrix
    i, j = (int(k) for k in np.argwhere(bad)[0])
    place, field, value = where(i, j)
    if np.isinf(matrix[i, j]):
        message = f"{place}: {value} is not a finite number"
    else:
        message = f"{place} is missing: the model does not accept missing values"
    raise MalformedRowError(message, line=i + 1, field=field)


def _csv_slow(rows: list[list[str]]) -> np.ndarray:
    """Cell by cell: an empty field is NaN; the first value that is not a number is refused."""
    out = np.empty((len(rows), len(rows[0])), dtype=np.float64)
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            stripped = text.strip()
            if not stripped:
                out[i, j] = math.nan
                continue
            try:
                out[i, j] = float(stripped)
            except ValueError:
                raise MalformedRowError(
                    f"row {i + 1}, field {j + 1}: {text!r} is not a number",
                    line=i + 1,
                    field=str(j + 1),
                ) from None
    return out


def _check_width(width: int, n_features: int | None) -> None:
    if n_features is not None and width != n_features:
        raise MalformedRowError(
            f"row 1 has {width} fields; the model expects {n_features} features",
            line=1,
            field=str(width),
        )


def parse_json(body: bytes) -> Any:
    """The decoded JSON payload.

    Raises
    ------
    MalformedRowError
        If the payload is not JSON (the message gives orjson's line and column).
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedRowError(f"the payload is not valid JSON: {exc}") from exc


def json_rows(doc: Any) -> tuple[list[Any], str]:
    """The rows of a JSON payload and the JSON path prefix errors should name.

    Returns
    -------
    rows : list
        Each row a list of values, an object, or (for a single row given as a list of
        scalars) that list.
    prefix : str
        ``"instances"`` when the rows were under that key, ``""`` otherwise.

    Raises
    ------
    MalformedRowError
        If ``"instances"`` is not a list or the payload holds no row.
    """
    prefix = ""
    if isinstance(doc, dict) and "instances" in doc:
        doc = doc["instances"]
        prefix = "instances"
        if not isinstance(doc, list):
            raise MalformedRowError("instances must be a list of rows", field="instances")
    if isinstance(doc, list):
        if not doc:
            raise MalformedRowError("the JSON payload holds no rows", field=prefix or None)
        if all(not isinstance(v, list | dict) for v in doc):
            return [doc], prefix  # a single row of scalars
        rows = [
            row["features"] if isinstance(row, dict) and set(row) == {"features"} else row
            for row in doc
        ]
        return rows, prefix
    if isinstance(doc, dict):
        return [doc], prefix
    raise MalformedRowError(
        f"the JSON payload must be a list of rows or an object; got {type(doc).__name__}"
    )


def _where(prefix: str, i: int, key: int | str, single: bool) -> str:
    """JSON path of a value: ``instances[1][2]``, ``[0]["age"]``, or ``[2]`` for a bare row."""
    col = f"[{key}]" if isinstance(key, int) else f"[{orjson.dumps(key).decode()}]"
    return col if single else f"{prefix}[{i}]{col}"


def json_matrix(
    rows: list[Any],
    prefix: str = "",
    *,
    n_features: int | None = None,
    feature_names: Sequence[str] | None = None,
    allow_missing: bool = True,
) -> np.ndarray:
    """A float64 matrix of JSON rows (lists or objects); null (or ``"nan"``) is missing, NaN.

    Parameters
    ----------
    rows, prefix
        From :func:`json_rows`.
    n_features : int, optional
        The width the model expects.
    feature_names : sequence of str, optional
        Column order for object rows (the estimator's ``feature_names_in_``).
    allow_missing : bool, default=True
        Whether missing values are kept as NaN (else refused).

    Raises
    ------
    MalformedRowError
        Naming the JSON path of the first value that is not a number (``instances[1][2]``),
        not finite (``"Infinity"``, ``"1e309"``) or missing when ``allow_missing`` is False;
        a missing key, or a row of the wrong width.

    Examples
    --------
    >>> json_matrix([[1, None]], allow_missing=False)
    Traceback (most recent call last):
    ...
    vigil.errors.MalformedRowError: line 1, field '1': [1] is missing: the model does not accept missing values
    """
    first = rows[0]
    if isinstance(first, dict):
        names = list(feature_names) if feature_names is not None else list(first)
        table: list[list[Any]] = []
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise MalformedRowError(
                    f"{prefix}[{i}] must be an object like the first row", line=i + 1
                )
            missing = [n for n in names if n not in row]
            if missing:
                raise MalformedRowError(
                    f"{prefix}[{i}] lacks the feature {missing[0]!r}",
                    line=i + 1,
                    field=missing[0],
                )
            table.append([row[n] for n in names])
        keys: list[int | str] = list(names)
    else:
        table = rows
        keys = list(range(len(first))) if isinstance(first, list) else []
    single = len(rows) == 1 and not prefix and not isinstance(first, dict)
    width = len(table[0]) if isinstance(table[0], list) else -1
    for i, row in enumerate(table):
        if not isinstance(row, list):
            raise MalformedRowError(f"{prefix}[{i}] must be a list of values", line=i + 1)
        if len(row) != width:
            raise MalformedRowError(
                f"{prefix}[{i}] has {len(row)} values, the first row {width}", line=i + 1
            )
    _check_width(width, n_features)
    try:
        matrix = np.array(table, dtype=np.float64)
    except (ValueError, TypeError):
        matrix = _json_slow(table, width, prefix, keys, single)

    def where(i: int, j: int) -> tuple[str, str, str]:
        key = keys[j] if keys else j
        return _where(prefix, i, key, single), str(key), orjson.dumps(table[i][j]).decode()

    return _finite(matrix, allow_missing, where)


def _json_slow(
    table: list[Any], width: int, prefix: str, keys: list[int | str], single: bool
) -> np.ndarray:
    """Cell by cell: null is NaN; the first value that is not a number is refused."""
    out = np.empty((len(table), width), dtype=np.float64)
    for i, row in enumerate(table):
        for j, value in enumerate(row):
            if value is None:
                out[i, j] = math.nan
            elif isinstance(value, int | float) and not isinstance(value, bool):
                out[i, j] = value
            else:
                where = _where(prefix, i, keys[j] if keys else j, single)
                raise MalformedRowError(
                    f"{where}: {orjson.dumps(value).decode()} is not a number",
                    line=i + 1,
                    field=str(keys[j] if keys else j),
                )
    return out


def _csv_cell(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def encode_predictions(predictions: Any, kind: PayloadKind) -> bytes:
    """Predictions (one per row) as a CSV or JSON response body.

    Parameters
    ----------
    predictions : ndarray or sequence
        One entry per row: a scalar, or a sequence (class probabilities, several outputs).
    kind : {"csv", "json"}

    Returns
    -------
    bytes
        CSV: one line per row, no trailing newline; JSON: ``{"predictions": [...]}``.
    """
    values = predictions.tolist() if isinstance(predictions, np.ndarray) else list(predictions)
    if kind == "json":
        return orjson.dumps({"predictions": values}, option=orjson.OPT_SERIALIZE_NUMPY)
    lines = []
    quote = False
    for value in values:
        if isinstance(value, list | tuple):
            cells = [_csv_cell(v) for v in value]
        elif isinstance(value, np.ndarray):
            cells = [_csv_cell(v) for v in value.tolist()]
        else:
            cells = [_csv_cell(value)]
        quote = quote or any(("," in c or '"' in c or "\n" in c) for c in cells)
        lines.append(cells)
    if quote:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(lines)
        return buffer.getvalue().rstrip("\n").encode("utf-8")
    return "\n".join(",".join(cells) for cells in lines).encode("utf-8")
