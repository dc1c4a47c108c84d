"""Read a window of SageMaker-format data capture into Arrow tables (spec §1, §7.2, §7.6, §8).

:func:`plan_capture` lists the capture files of the hour folders that overlap the window, and
:func:`read_capture_file` (the partition function an engine runs per file) turns one file into a
:class:`CaptureBatch`: a table of strings, one row per data row, and counts of what was read.

Envelope
    Each line is parsed with orjson (key order is irrelevant). ``eventMetadata.inferenceTime``
    is ISO-8601 (``Z``, ``+00:00`` and fractional seconds accepted; a time without offset is
    taken as UTC) and only records with ``start <= inferenceTime < end`` are decoded. Every line
    ends up in exactly one of three counts, so ``records_total == out of window +
    records_in_window + malformed.count``:

    - *malformed* (:class:`~vigil.storage.tabular.MalformedReport`, with file:line and why):
      a line that is not JSON (a truncated last line included), lacks ``captureData`` or
      ``eventMetadata``, has no parsable ``inferenceTime``; or, for a record in the window, a
      payload that cannot be decoded (bad base64, unsupported encoding or content type, invalid
      JSON, wrong CSV field count, row counts of input and output that differ, a JSONPath that
      matches nothing, a preprocessor that raised). A malformed line is never fatal. Payloads
      of records outside the window are not decoded, so their errors are not reported.
    - *records_in_window*: well-formed records in the window, including those the preprocessor
      dropped (also counted in ``records_dropped``).
    - out of the window: the rest.

    Blank lines are skipped and not counted. An empty file gives an empty table and no error.

Payloads
    ``encoding`` is ``CSV``, ``JSON`` or ``BASE64``; a BASE64 payload is decoded and then read
    as CSV (``text/csv``, ``application/csv``) or JSON (``application/json``, ``*+json``; JSON
    Lines for ``application/jsonlines`` and ``application/x-ndjson``) according to
    ``observedContentType``. Input and output may use different encodings (SageMaker refuses
    that; Vigil does not).

    CSV: all CSV payloads of one side (input or output) of a file are joined and parsed in one
    :func:`pyarrow.csv.read_csv` call, every field a string and an empty field null. A payload
    may hold several lines (one row each; blank lines inside are ignored); quoted fields may
    not contain newlines. The field count of a side is the majority count of its lines (ties:
    the first line's); a record with a line of another count is malformed. For a CSV output
    ``inference_attribute`` is a 0-based column index that keeps only that column.

    JSON: ``features_attribute`` (input) and ``inference_attribute`` (output) are JSONPath
    (``$``, ``.key``, ``['key']``, ``[i]``, ``[*]``, ``.*`` evaluated natively; anything else
    jsonpath-ng supports, through jsonpath-ng). The value found (or the whole payload) becomes
    rows: a list is a list of rows, anything else one row; a path with a wildcard gives one row
    per match. A row that is an object has named columns (nested objects flattened with ``.``:
    ``{"a": {"b": 1}}`` → ``a.b``); a row that is a list has positional columns; a scalar is
    one positional column. Values become their JSON text as orjson writes it (``1`` → ``"1"``,
    ``1.0`` → ``"1.0"``, ``1e20`` → ``"1e+20"``, ``true`` → ``"true"``, a list → ``"[1,2]"``,
    null → null; strings as they are), so type inference sees ``1`` as Integral. Positional
    rows of one side must share a length, as CSV lines do.

    Input and output of a record must give the same number of rows (a 3-line CSV input needs a
    3-line output, or a JSON list of 3); otherwise the record is malformed.

Column mapping (no silent shift)
    A row is the output columns followed by the input columns (``output_columns_position=
    "start"``, SageMaker's default), input then output (``"end"``), or the input alone
    (``"none"``: the output is not read and ``column_names`` lists input columns only). Then:

    1. Named columns (JSON object keys, preprocessor keys) keep their names.
    2. With ``output_column_names``, positional output columns take those names in order.
    3. The other positional columns take, in row order, the ``column_names`` not already used
       by rules 1-2.
    4. A positional column left without a name (no ``column_names``, or more columns than
       names) is named ``_c{i}``, ``i`` its 0-based position in the row (Spark's names).

    Names are never shifted to make a row fit: when a row has fewer columns than there are
    names, the trailing names are absent from the table (the checks report
    ``missing_column_check``), and extra columns appear as ``_c{i}``. A record whose output is
    missing while ``output_columns_position`` is ``"start"`` or ``"end"`` is malformed rather
    than read with its inputs moved into the output's place. A name used twice falls back to
    ``_c{i}`` for the later column.

Preprocessor (spec §7.6)
    ``record_preprocessor`` is a ``.py`` file (local path or fsspec URL) defining
    ``preprocess_handler(inference_record)`` or ``preprocess_handler(inference_record,
    logger)``; it is loaded once per process and path. It receives an
    :class:`InferenceRecord` per record in the window and returns a flat dict (one row, columns
    in the order of its keys, not sorted as SageMaker does), a list of dicts (several rows),
    or ``[]`` (record dropped). Values are rendered like JSON values. Whatever else it returns,
    and any exception it raises, makes that record malformed. The returned row is the whole row
    (payload decoding and ``output_column_names`` do not apply). For SageMaker scripts that
    name features ``str(i).zfill(20)``: when ``column_names`` is given and none of a file's
    returned keys is one of them, the keys are taken as positions (in the order returned) and
    mapped by rule 3.

Tables of different files may have different columns (a file whose rows are narrower lacks the
trailing names); combine them with ``pa.concat_tables(tables, promote_options="default")``.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import csv
import functools
import hashlib
import importlib.util
import inspect
import io
import logging
import sys
import threading
import types
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.csv as pacsv

from vigil.errors import DatasetNotFoundError, InvalidParameterError, VigilError
from vigil.storage.capture_layout import list_capture_files
from vigil.storage.objectstore import InputFile, open_input, read_bytes
from vigil.storage.tabular import MalformedReport

__all__ = [
    "BadRecord",
    "CaptureBatch",
    "CaptureInput",
    "InferenceEventData",
    "InferenceEventMetadata",
    "InferenceRecord",
    "JsonPath",
    "OutputColumnsPosition",
    "column_index",
    "compile_path",
    "decode_capture_file",
    "decode_payload",
    "json_text",
    "plan_capture",
    "read_capture_file",
]

OutputColumnsPosition = Literal["start", "end", "none"]
"""Where the output columns sit among the baseline's columns; ``"none"``: output not read."""

_POSITIONS = ("start", "end", "none")
_PREPROCESSOR_LOGGER = logging.getLogger("vigil.preprocessor")

Row = dict[str, str | None] | list[str | None]
"""One decoded data row: named (an object) or positional (a list, a scalar)."""
Key = int | str
"""A column key inside one side: a position (int) or a name (str)."""


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaptureInput:
    """A window of endpoint capture and how to turn it into rows.

    Attributes
    ----------
    root : str
        Capture destination (SageMaker's ``DestinationS3Uri``): local path or fsspec URL.
    endpoint, variant : str
        Endpoint and variant names.
    start, end : datetime
        Timezone-aware window ``[start, end)``; stored converted to UTC.
    column_names : tuple of str, optional
        Baseline feature names in order (output columns included unless position is
        ``"none"``). None: ``_c{i}`` for positional columns, keys for JSON objects.
    output_columns_position : {"start", "end", "none"}, default="start"
        Where the output columns sit in a row; ``"none"`` reads the input only.
    features_attribute : str, optional
        JSONPath to the input rows in a JSON input (``"$.instances"``, ``"instances"``).
    inference_attribute : str, optional
        JSONPath into a JSON output (``"$.predictions"``), or a 0-based column index
        (``"0"``) for a CSV output. None: the whole output.
    output_column_names : tuple of str, optional
        Names for the positional output columns; input columns then take the remaining
        ``column_names`` in order (name-based mapping, immune to a shifted output).
    record_preprocessor : str, optional
        A ``.py`` file defining ``preprocess_handler``; see the module docstring.
    storage_options : mapping, optional
        Passed to fsspec for the capture files and the preprocessor.

    Raises
    ------
    InvalidParameterError
        If a datetime is naive, ``end < start``, a position is unknown, names repeat, a
        JSONPath does not parse, or ``output_column_names`` is given with position ``"none"``.
    """

    root: str
    endpoint: str
    variant: str
    start: datetime
    end: datetime
    column_names: tuple[str, ...] | None = None
    output_columns_position: OutputColumnsPosition = "start"
    features_attribute: str | None = None
    inference_attribute: str | None = None
    output_column_names: tuple[str, ...] | None = None
    record_preprocessor: str | None = None
    storage_options: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        start = _aware_utc(self.start, "start")
        end = _aware_utc(self.end, "end")
        if end < start:
            raise InvalidParameterError(
                f"end of CaptureInput must not be before start ({start.isoformat()}). "
                f"Got {end.isoformat()} instead.",
                field="end",
            )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        if self.output_columns_position not in _POSITIONS:
            raise InvalidParameterError(
                f"output_columns_position of CaptureInput must be one of {_POSITIONS}. "
                f"Got {self.output_columns_position!r} instead.",
                field="output_columns_position",
            )
        for name in ("column_names", "output_column_names"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _names(value, name))
        if self.output_column_names is not None and self.output_columns_position == "none":
            raise InvalidParameterError(
                "output_column_names of CaptureInput needs output_columns_position 'start' or "
                "'end'. Got 'none' instead.",
                field="output_column_names",
            )
        if isinstance(self.inference_attribute, int) and not isinstance(
            self.inference_attribute, bool
        ):
            object.__setattr__(self, "inference_attribute", str(self.inference_attribute))
        if self.features_attribute is not None:
            compile_path(self.features_attribute, "features_attribute")
        if self.inference_attribute is not None and column_index(self.inference_attribute) is None:
            compile_path(self.inference_attribute, "inference_attribute")
        if self.record_preprocessor is not None and not str(self.record_preprocessor).strip():
            raise InvalidParameterError(
                "record_preprocessor of CaptureInput must be a path to a .py file. Got an empty "
                "string instead.",
                field="record_preprocessor",
            )


def _aware_utc(value: datetime, param: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidParameterError(
            f"{param} of CaptureInput must be a timezone-aware datetime. Got {value!r} instead.",
            field=param,
        )
    return value.astimezone(UTC)


def _names(value: Sequence[str], param: str) -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(n, str) and n for n in value):
        raise InvalidParameterError(
            f"{param} of CaptureInput must be a sequence of non-empty strings. Got {value!r} "
            "instead.",
            field=param,
        )
    names = tuple(value)
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise InvalidParameterError(
            f"{param} of CaptureInput must not repeat names. Got {dupes} more than once.",
            field=param,
        )
    return names


@dataclass
class CaptureBatch:
    """What one capture file gave.

    Attributes
    ----------
    table : pyarrow.Table
        One row per data row, every column ``string``; named per the module's mapping rules.
        No columns when no row was read.
    records_total : int
        Non-blank lines in the file.
    records_in_window : int
        Well-formed records with ``start <= inferenceTime < end`` (dropped ones included).
    records_dropped : int
        Records the preprocessor dropped by returning ``[]``.
    malformed : MalformedReport
        Malformed lines, each with file:line and why.
    """

    table: pa.Table
    records_total: int = 0
    records_in_window: int = 0
    records_dropped: int = 0
    malformed: MalformedReport = field(default_factory=MalformedReport)


def plan_capture(inp: CaptureInput) -> list[InputFile]:
    """The capture files of ``inp``'s window: see :func:`~vigil.storage.capture_layout.list_capture_files`."""
    return list_capture_files(
        inp.root, inp.endpoint, inp.variant, inp.start, inp.end, storage_options=inp.storage_options
    )


# --------------------------------------------------------------------------------------------
# JSONPath
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JsonPath:
    """A compiled JSONPath: simple steps evaluated natively, or a jsonpath-ng expression."""

    text: str
    steps: tuple[tuple[str, Any], ...] | None
    multi: bool
    expr: Any

    def value(self, doc: Any) -> tuple[bool, Any]:
        """``(found, value)``; for a multi-match path the value is the list of matches."""
        if self.steps is None:
            matches = [m.value for m in self.expr.find(doc)]
        else:
            matches = [doc]
            for op, arg in self.steps:
                matches = _step(matches, op, arg)
        if self.multi:
            return bool(matches), matches
        return (True, matches[0]) if matches else (False, None)


def _step(values: list[Any], op: str, arg: Any) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if op == "key":
            if isinstance(v, dict) and arg in v:
                out.append(v[arg])
        elif op == "index":
            if isinstance(v, list) and -len(v) <= arg < len(v):
                out.append(v[arg])
        elif isinstance(v, list):
            out.extend(v)
        elif isinstance(v, dict):
            out.extend(v.values())
    return out


def _steps_of(node: Any) -> list[tuple[str, Any]] | None:
    """The native steps of a jsonpath-ng AST, or None if it needs jsonpath-ng."""
    from jsonpath_ng import jsonpath as _jp

    if isinstance(node, (_jp.Root, _jp.This)):
        return []
    if isinstance(node, _jp.Child):
        left, right = _steps_of(node.left), _steps_of(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, _jp.Fields) and len(node.fields) == 1:
        name = node.fields[0]
        return [("all", None)] if name == "*" else [("key", name)]
    if isinstance(node, _jp.Index) and len(node.indices) == 1:
        return [("index", node.indices[0])]
    if isinstance(node, _jp.Wildcard) or (
        isinstance(node, _jp.Slice) and node.start is None and node.end is None and not node.step
    ):
        return [("all", None)]
    return None


@functools.lru_cache(maxsize=64)
def compile_path(text: str, param: str) -> JsonPath:
    from jsonpath_ng.parser import parse as _parse_jsonpath  # 50 ms to import: only when used

    try:
        expr = _parse_jsonpath(text)
    except Exception as exc:  # jsonpath-ng raises plain Exception subclasses
        raise InvalidParameterError(
            f"{param} of CaptureInput must be a JSONPath such as '$.instances'. Got {text!r} "
            f"instead ({exc}).",
            field=param,
        ) from exc
    steps = _steps_of(expr)
    multi = steps is None or any(op == "all" for op, _ in steps)
    return JsonPath(text, None if steps is None else tuple(steps), multi, expr)


def column_index(text: str) -> int | None:
    stripped = text.strip()
    return int(stripped) if stripped.isdigit() else None


# --------------------------------------------------------------------------------------------
# Values and payloads
# --------------------------------------------------------------------------------------------


class BadRecord(Exception):
    """One record is malformed; the message says why."""


def json_text(value: Any) -> str | None:
    """A JSON value as the string the profile sees: its JSON text, strings unquoted."""
    if value is None:
        return None
    if type(value) is str:
        return value
    return orjson.dumps(value).decode()


def _texts(values: list[Any]) -> list[str | None]:
    """``[json_text(v) for v in values]``, in one orjson call for a flat list of numbers/booleans."""
    if values:
        raw = orjson.dumps(values)
        if raw.count(b"[") == 1 and b"{" not in raw and b'"' not in raw and b"null" not in raw:
            return list(raw[1:-1].decode().split(","))
    return [json_text(v) for v in values]


def _flatten(
    obj: Mapping[Any, Any], prefix: str, out: dict[str, str | None]
) -> dict[str, str | None]:
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            _flatten(value, name + ".", out)
        else:
            out[name] = json_text(value)
    return out


def _rows_of(value: Any, multi: bool) -> list[Row]:
    items = value if multi or isinstance(value, list) else [value]
    rows: list[Row] = []
    for item in items:
        if isinstance(item, dict):
            rows.append(_flatten(item, "", {}))
        elif isinstance(item, list):
            rows.append(_texts(item))
        else:
            rows.append([json_text(item)])
    return rows


_CSV_TYPES = frozenset({"text/csv", "application/csv", "text/x-csv"})
_JSON_TYPES = frozenset({"application/json", "text/json"})
_JSONL_TYPES = frozenset(
    {
        "application/jsonlines",
        "application/x-jsonlines",
        "application/jsonl",
        "application/x-ndjson",
        "application/ndjson",
    }
)


@functools.lru_cache(maxsize=256)
def _kind_of_content_type(content_type: str | None) -> str | None:
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime in _CSV_TYPES:
        return "csv"
    if mime in _JSONL_TYPES:
        return "jsonl"
    if mime in _JSON_TYPES or mime.endswith("+json"):
        return "json"
    return None


def decode_payload(payload: Any, side: str) -> tuple[str, Any]:
    """``(kind, data)`` of one payload: kind ``csv`` (text), ``json`` or ``jsonl``."""
    if type(payload) is not dict:
        raise BadRecord(f"missing captureData.{side}")
    encoding = payload.get("encoding")
    data = payload.get("data")
    if encoding == "CSV" and type(data) is str:
        return "csv", data
    enc = encoding.upper() if isinstance(encoding, str) else encoding
    content_type = payload.get("observedContentType")
    if enc == "JSON":
        kind = "jsonl" if _kind_of_content_type(content_type) == "jsonl" else "json"
        if isinstance(data, str) or (kind == "json" and isinstance(data, (dict, list))):
            return kind, data
    elif enc == "CSV":
        if isinstance(data, str):
            return "csv", data
    elif enc == "BASE64":
        if not isinstance(data, str):
            raise BadRecord(f"{side}.data must be a string. Got {type(data).__name__} instead")
        try:
            if "\n" in data or "\r" in data:  # line-wrapped base64 (MIME style)
                data = "".join(data.split())
            text = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, ValueError) as exc:
            raise BadRecord(f"{side}: invalid base64 payload ({exc})") from None
        kind_or_none = _kind_of_content_type(
            content_type if isinstance(content_type, str) else None
        )
        if kind_or_none is None:
            raise BadRecord(
                f"{side}: unsupported content type {content_type!r} for a BASE64 payload "
                "(readable: text/csv, application/json, application/jsonlines)"
            )
        return kind_or_none, text
    else:
        raise BadRecord(f"{side}: unsupported encoding {encoding!r} (expected CSV, JSON or BASE64)")
    raise BadRecord(f"{side}.data must be a string. Got {type(data).__name__} instead")


def _json_rows(kind: str, data: Any, path: JsonPath | None, side: str, param: str) -> list[Row]:
    try:
        if kind == "jsonl":
            docs = [orjson.loads(line) for line in data.splitlines() if line.strip()]
        else:
            docs = [orjson.loads(data) if isinstance(data, str) else data]
    except orjson.JSONDecodeError as exc:
        raise BadRecord(f"{side}: invalid JSON payload ({exc})") from None
    rows: list[Row] = []
    for doc in docs:
        if path is None:
            rows.extend(_rows_of(doc, False))
            continue
        found, value = path.value(doc)
        if not found:
            raise BadRecord(f"{side}: {param} {path.text!r} matches nothing in the payload")
        rows.extend(_rows_of(value, path.multi))
    return rows


# --------------------------------------------------------------------------------------------
# One side (input or output) of the records of a group: CSV or JSON
# --------------------------------------------------------------------------------------------


class _Side:
    """The rows of one side of some records: per record a row count or an error."""

    counts: list[int]
    errors: dict[int, str]

    def columns(self, keep: np.ndarray) -> list[tuple[Key, pa.Array]]:
        """The columns of the kept records' rows (``keep``: bool per record), in row order."""
        raise NotImplementedError


class _CsvSide(_Side):
    """CSV payloads joined and parsed in one pyarrow call."""

    def __init__(self, texts: Sequence[str], side: str, column: int | None = None) -> None:
        self.side = side
        self.errors = {}
        pieces = list(texts)
        owners = list(range(len(texts)))
        joined = "\n".join(pieces)
        if (
            joined
            and "\r" not in joined
            and "\n\n" not in joined
            and joined[0] != "\n" != joined[-1]
        ):
            # the usual case: no blank payload, no blank line, no CR
            single = joined.count("\n") + 1 == len(texts)
            self.counts = [1] * len(texts) if single else [t.count("\n") + 1 for t in texts]
        else:
            pieces, owners = self._normalise(texts)
            joined = "\n".join(pieces)
        if '"' in joined:
            n = len(owners)
            pieces, owners = self._drop_unbalanced(pieces, owners)
            if len(owners) != n:
                joined = "\n".join(pieces)
        self.table, self.row_owner = self._parse(joined, owners)
        if column is not None and self.table.num_rows:
            if column >= self.table.num_columns:
                why = (
                    f"{side}: inference_attribute {column} is out of range: the output has "
                    f"{self.table.num_columns} column(s)"
                )
                for j in owners:
                    self.errors.setdefault(j, why)
            else:
                self.table = self.table.select([column])

    def _normalise(self, texts: Sequence[str]) -> tuple[list[str], list[int]]:
        """CRLF/CR to LF, no leading/trailing/blank lines; an empty payload is an error."""
        self.counts = [0] * len(texts)
        pieces: list[str] = []
        owners: list[int] = []
        for j, text in enumerate(texts):
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            text = text.strip("\n")
            if "\n\n" in text:
                text = "\n".join(line for line in text.split("\n") if line)
            if not text:
                self.errors[j] = f"{self.side}: empty CSV payload"
                continue
            self.counts[j] = text.count("\n") + 1
            pieces.append(text)
            owners.append(j)
        return pieces, owners

    def _drop_unbalanced(self, pieces: list[str], owners: list[int]) -> tuple[list[str], list[int]]:
        """Set aside payloads with a line holding an odd number of quotes: pyarrow would let
        the quoted field run into the following lines (and records)."""
        kept: list[str] = []
        kept_owners: list[int] = []
        for text, j in zip(pieces, owners, strict=True):
            if '"' in text and any(line.count('"') % 2 for line in text.split("\n")):
                self.errors[j] = f"{self.side}: unbalanced quote (quoted fields cannot span lines)"
            else:
                kept.append(text)
                kept_owners.append(j)
        return kept, kept_owners

    def _parse(self, text: str, owners: list[int]) -> tuple[pa.Table, np.ndarray]:
        """Parse the joined payloads ``text`` of records ``owners``: the table and, per row,
        the record it came from."""
        if not owners:
            return pa.table({}), np.zeros(0, dtype=np.int64)
        counts = np.array([self.counts[j] for j in owners], dtype=np.int64)
        line_owner = np.repeat(np.array(owners, dtype=np.int64), counts)
        if "," not in text and '"' not in text:  # one field per line: nothing to parse
            return pa.table({"0": pa.array(text.split("\n"), type=pa.string())}), line_owner
        data = (text + "\n").encode("utf-8")
        first = next(csv.reader([text.split("\n", 1)[0]]), [])
        width = max(len(first), 1)
        table, bad = _read_csv(data, width)
        if bad:
            votes = Counter(actual for _, actual, _ in bad)
            votes[width] += table.num_rows
            majority = max(votes, key=lambda w: (votes[w], w == width))
            if majority != width:
                width = majority
                table, bad = _read_csv(data, width)
        if table.num_rows + len(bad) != len(line_owner) or any(n is None for n, _, _ in bad):
            for j in owners:  # rows cannot be traced back to records: trust none of them
                self.errors.setdefault(j, f"{self.side}: CSV payloads could not be parsed")
            return pa.table({}), np.zeros(0, dtype=np.int64)
        valid = np.ones(len(line_owner), dtype=bool)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).tolist()
        for number, actual, _ in bad:
            index = int(number) - 1  # type: ignore[arg-type]
            valid[index] = False
            j = int(line_owner[index])
            k = bisect.bisect_right(starts, index) - 1
            self.errors.setdefault(
                j,
                f"{self.side}: CSV line {index - starts[k] + 1} of the payload has "
                f"{actual} field(s), expected {width}",
            )
        return table, line_owner[valid]

    def columns(self, keep: np.ndarray) -> list[tuple[Key, pa.Array]]:
        if not self.table.num_rows:
            return []
        mask = keep[self.row_owner]
        table = self.table if mask.all() else self.table.filter(pa.array(mask))
        return [(i, table.column(i).combine_chunks()) for i in range(table.num_columns)]


def _read_csv(data: bytes, width: int) -> tuple[pa.Table, list[tuple[int | None, int, str]]]:
    """Parse ``data`` as ``width`` string columns; rows of another width are skipped and
    returned as ``(1-based line, field count, text)``."""
    bad: list[tuple[int | None, int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> Literal["skip"]:
        number = row.number if row.number is not None and row.number > 0 else None
        bad.append((number, row.actual_columns, row.text))
        return "skip"

    names = [str(i) for i in range(width)]
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(
            column_names=names, use_threads=False, block_size=max(len(data) + 1, 1 << 20)
        ),
        parse_options=pacsv.ParseOptions(
            invalid_row_handler=on_invalid, newlines_in_values=False, ignore_empty_lines=False
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            null_values=[""],
        ),
    )
    return table, bad


class _JsonSide(_Side):
    """Rows decoded from JSON payloads (or returned by a preprocessor)."""

    def __init__(self, rows: Sequence[list[Row]], side: str) -> None:
        self.rows = rows
        self.counts = [len(r) for r in rows]
        self.errors = {}
        widths = Counter(len(row) for rs in rows for row in rs if isinstance(row, list))
        if len(widths) > 1:
            width = max(widths, key=lambda w: widths[w])
            for j, rs in enumerate(rows):
                for row in rs:
                    if isinstance(row, list) and len(row) != width:
                        self.errors[j] = (
                            f"{side}: a JSON row has {len(row)} value(s), expected {width}"
                        )
                        break

    def columns(self, keep: np.ndarray) -> list[tuple[Key, pa.Array]]:
        rows = [row for j, rs in enumerate(self.rows) if keep[j] for row in rs]
        if not rows:
            return []
        first = rows[0]
        if type(first) is list and all(type(r) is list and len(r) == len(first) for r in rows):
            return [
                (i, pa.array(c, type=pa.string())) for i, c in enumerate(zip(*rows, strict=True))
            ]
        if type(first) is dict:
            keys = list(first)
            if all(type(r) is dict and list(r) == keys for r in rows):  # same keys, same order
                values = zip(*(r.values() for r in rows), strict=True)  # type: ignore[union-attr]
                return [
                    (k, pa.array(c, type=pa.string())) for k, c in zip(keys, values, strict=True)
                ]
        return self._columns_of_ragged(rows)

    @staticmethod
    def _columns_of_ragged(rows: list[Row]) -> list[tuple[Key, pa.Array]]:
        """Rows with different keys: union of the keys in first-seen order, nulls elsewhere."""
        cells: dict[Key, list[tuple[int, str | None]]] = {}
        for n, row in enumerate(rows):
            items: Iterable[tuple[Key, str | None]] = (
                row.items() if isinstance(row, dict) else enumerate(row)
            )
            for key, value in items:
                column = cells.get(key)
                if column is None:
                    column = cells[key] = []
                column.append((n, value))
        n = len(rows)
        out: list[tuple[Key, pa.Array]] = []
        for key, pairs in cells.items():
            values: list[str | None] = [None] * n
            for i, value in pairs:
                values[i] = value
            out.append((key, pa.array(values, type=pa.string())))
        return out


# --------------------------------------------------------------------------------------------
# Column naming
# --------------------------------------------------------------------------------------------


def _column_names(
    keys: Sequence[tuple[bool, Key]],
    column_names: Sequence[str] | None,
    output_column_names: Sequence[str] | None,
) -> list[str]:
    """Names for the columns of a row, ``keys`` = ``(is_output, key)`` in row order (the rules
    of the module docstring)."""
    names: list[str | None] = [k if isinstance(k, str) else None for _, k in keys]
    reserved = {k for _, k in keys if isinstance(k, str)}
    if output_column_names:
        reserved |= set(output_column_names)
        j = 0
        for i, (is_output, key) in enumerate(keys):
            if is_output and isinstance(key, int):
                if j < len(output_column_names):
                    names[i] = output_column_names[j]
                j += 1
    pool = iter([n for n in (column_names or ()) if n not in reserved])
    for i, (is_output, key) in enumerate(keys):
        if isinstance(key, int) and not (output_column_names and is_output):
            names[i] = next(pool, None)
    final: list[str | None] = [None] * len(names)
    taken: set[str] = set()
    for i, name in enumerate(names):  # explicit names first: a fallback never steals one
        if name is not None and name not in taken:
            final[i] = name
            taken.add(name)
    for i, name in enumerate(final):
        if name is None:
            candidate, k = f"_c{i}", 1
            while candidate in taken:
                candidate, k = f"_c{i}_{k}", k + 1
            final[i] = candidate
            taken.add(candidate)
    return [n for n in final if n is not None]


# --------------------------------------------------------------------------------------------
# The record object preprocessors receive (spec §1.6)
# --------------------------------------------------------------------------------------------


class InferenceEventMetadata:
    """``inference_record.event_metadata`` (SageMaker's ``EventMetadata``)."""

    __slots__ = ("custom_attribute", "event_id", "event_time", "inference_id")

    def __init__(self, meta: Mapping[str, Any]) -> None:
        self.event_id: str | None = meta.get("eventId")
        self.event_time: str | None = meta.get("inferenceTime")
        self.custom_attribute: Any = meta.get("customAttributes")
        self.inference_id: str | None = meta.get("inferenceId")


class InferenceEventData:
    """``endpoint_input`` / ``endpoint_output`` (SageMaker's ``EventData``); ``data`` is the
    payload as captured (still base64 for ``BASE64``)."""

    __slots__ = ("data", "encoding", "mode", "observedContentType")

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self.encoding: str | None = payload.get("encoding")
        self.data: Any = payload.get("data")
        self.observedContentType: str | None = payload.get("observedContentType")
        self.mode: str | None = payload.get("mode")

    def as_dict(self) -> dict[str, Any]:
        """The payload without ``mode``, as SageMaker's ``EventData.as_dict``."""
        return {
            "observedContentType": self.observedContentType,
            "encoding": self.encoding,
            "data": self.data,
        }


def _event_data(value: Any) -> InferenceEventData | None:
    return InferenceEventData(value) if isinstance(value, dict) else None


class InferenceRecord:
    """What ``preprocess_handler`` receives (SageMaker's ``CapturedData``, spec §1.6).

    Attributes
    ----------
    event_metadata : InferenceEventMetadata
        ``event_id``, ``event_time`` (the ``inferenceTime`` string), ``custom_attribute``,
        ``inference_id``.
    endpoint_input, endpoint_output, batch_transform_output, ground_truth : InferenceEventData or None
        ``encoding``, ``data``, ``observedContentType``, ``mode``.
    event_version : str or None
    event_dict : dict
        The whole record as parsed.
    """

    __slots__ = (
        "batch_transform_output",
        "endpoint_input",
        "endpoint_output",
        "event_dict",
        "event_metadata",
        "event_version",
        "ground_truth",
    )

    def __init__(self, record: dict[str, Any]) -> None:
        capture = record.get("captureData") or {}
        self.event_dict = record
        self.event_metadata = InferenceEventMetadata(record.get("eventMetadata") or {})
        self.endpoint_input = _event_data(capture.get("endpointInput"))
        self.endpoint_output = _event_data(capture.get("endpointOutput"))
        self.batch_transform_output = _event_data(capture.get("batchTransformOutput"))
        self.ground_truth = _event_data(record.get("groundTruthData"))
        self.event_version: str | None = record.get("eventVersion")


_Handler = tuple[Callable[..., Any], bool]
_HANDLERS: dict[str, _Handler] = {}
_HANDLERS_LOCK = threading.Lock()


def _load_preprocessor(path: str, storage_options: Mapping[str, Any] | None) -> _Handler:
    """``(preprocess_handler, takes_logger)``, loading the script once per process and path."""
    with _HANDLERS_LOCK:
        cached = _HANDLERS.get(path)
        if cached is not None:
            return cached
        name = "vigil_record_preprocessor_" + hashlib.sha256(path.encode()).hexdigest()[:16]
        try:
            if "://" in path or "::" in path:
                source = read_bytes(path, storage_options=storage_options)
                module = types.ModuleType(name)
                module.__file__ = path
                sys.modules[name] = module
                exec(compile(source, path, "exec"), module.__dict__)
            else:
                spec = importlib.util.spec_from_file_location(name, path)
                if spec is None or spec.loader is None:
                    raise ImportError("not a Python source file")
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
        except FileNotFoundError as exc:
            sys.modules.pop(name, None)
            raise DatasetNotFoundError(
                "record_preprocessor script does not exist", path=path, field="record_preprocessor"
            ) from exc
        except Exception as exc:
            sys.modules.pop(name, None)
            if isinstance(exc, VigilError):
                raise
            raise InvalidParameterError(
                f"record_preprocessor {path!r} could not be loaded: {type(exc).__name__}: {exc}",
                path=path,
                field="record_preprocessor",
            ) from exc
        handler = getattr(module, "preprocess_handler", None)
        if not callable(handler):
            sys.modules.pop(name, None)
            raise InvalidParameterError(
                f"record_preprocessor {path!r} must define preprocess_handler(inference_record"
                "[, logger]). Got no such function.",
                path=path,
                field="record_preprocessor",
            )
        _HANDLERS[path] = (handler, _takes_logger(handler))
        return _HANDLERS[path]


def _takes_logger(handler: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(handler).parameters.values()
    except (TypeError, ValueError):
        return False
    kinds = [p.kind for p in params]
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return inspect.Parameter.VAR_POSITIONAL in kinds or sum(k in positional for k in kinds) >= 2


def _preprocessed_rows(result: Any) -> list[Row]:
    if isinstance(result, dict):
        results: list[Any] = [result]
    elif isinstance(result, list) and all(isinstance(r, dict) for r in result):
        results = result
    else:
        raise BadRecord(
            f"preprocess_handler returned {type(result).__name__}; expected a dict, a list of "
            "dicts, or [] to drop the record"
        )
    return [
        {str(k): (v if type(v) is str else json_text(v)) for k, v in r.items()} for r in results
    ]


# --------------------------------------------------------------------------------------------
# Reading one file
# --------------------------------------------------------------------------------------------


_Record = tuple[int, dict[str, Any]]
"""A record in the window: its 1-based line and the parsed object."""


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def read_capture_file(url: str, inp: CaptureInput) -> CaptureBatch:
    """Read one capture file into a :class:`CaptureBatch` (the partition function).

    Parameters
    ----------
    url : str
        A capture file (``.jsonl``, possibly compressed), as listed by :func:`plan_capture`.
    inp : CaptureInput
        The window and the decoding options.

    Returns
    -------
    CaptureBatch
        Malformed records are counted in ``malformed`` with file:line, never raised.

    Raises
    ------
    DatasetNotFoundError
        If the file does not exist.
    StorageError
        If reading fails underneath.
    InvalidParameterError
        If the record preprocessor cannot be loaded or defines no ``preprocess_handler``.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from vigil.storage.objectstore import write_bytes
    >>> line = (b'{"captureData":{"endpointInput":{"data":"1,2\\\\n3,4","encoding":"CSV"},'
    ...         b'"endpointOutput":{"data":"0.1\\\\n0.9","encoding":"CSV"}},'
    ...         b'"eventMetadata":{"eventId":"e","inferenceTime":"2024-05-01T10:00:00Z"}}\\n')
    >>> write_bytes("memory://vigil-doctest/capture/a.jsonl", line)
    >>> inp = CaptureInput("memory://vigil-doctest/capture", "ep", "v",
    ...                    datetime(2024, 5, 1, 10, tzinfo=UTC), datetime(2024, 5, 1, 11, tzinfo=UTC),
    ...                    column_names=("label", "x", "y"))
    >>> batch = read_capture_file("memory://vigil-doctest/capture/a.jsonl", inp)
    >>> batch.table.to_pydict()
    {'label': ['0.1', '0.9'], 'x': ['1', '3'], 'y': ['2', '4']}
    """
    with open_input(url, storage_options=inp.storage_options) as handle:
        raw = handle.read()
    return decode_capture_file(url, raw, inp)


def decode_capture_file(url: str, raw: bytes, inp: CaptureInput) -> CaptureBatch:
    """Decode the bytes of one capture file (read whole, decompressed) into a batch.

    What :func:`read_capture_file` does once it has read the file; for an engine that reads
    files itself (Spark) and hands over their bytes. ``url`` names the file in reports.

    Raises
    ------
    InvalidParameterError
        If the record preprocessor cannot be loaded or defines no ``preprocess_handler``.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    lines = raw.split(b"\n")
    unterminated = bool(lines) and lines[-1] != b""
    batch = CaptureBatch(table=pa.table({}))
    report = batch.malformed
    records: list[_Record] = []
    start, end = inp.start, inp.end
    times: dict[str, datetime] = {}
    loads = orjson.loads
    last = len(lines)
    for number, line in enumerate(lines, 1):
        if not line or line.isspace():
            continue
        batch.records_total += 1
        try:
            obj = loads(line)
        except orjson.JSONDecodeError as exc:
            why = f"invalid JSON ({exc})"
            if number == last and unterminated:
                why = f"truncated last line (no newline at end of file): {why}"
            report.add(url, number, why)
            continue
        if type(obj) is not dict:
            report.add(url, number, f"a record must be a JSON object. Got {type(obj).__name__}")
            continue
        meta = obj.get("eventMetadata")
        if type(meta) is not dict or type(obj.get("captureData")) is not dict:
            missing = [k for k in ("captureData", "eventMetadata") if type(obj.get(k)) is not dict]
            report.add(url, number, f"missing {' and '.join(missing)}")
            continue
        stamp = meta.get("inferenceTime")
        t = times.get(stamp) if isinstance(stamp, str) else None
        if t is None:
            if not isinstance(stamp, str):
                report.add(url, number, "missing eventMetadata.inferenceTime")
                continue
            try:
                t = times[stamp] = _parse_time(stamp)
            except ValueError:
                report.add(url, number, f"eventMetadata.inferenceTime {stamp!r} is not ISO-8601")
                continue
        if start <= t < end:
            records.append((number, obj))
    if records:
        if inp.record_preprocessor is not None:
            _read_preprocessed(url, inp, records, batch)
        else:
            _read_payloads(url, inp, records, batch)
    return batch


def _read_preprocessed(
    url: str, inp: CaptureInput, records: list[_Record], batch: CaptureBatch
) -> None:
    assert inp.record_preprocessor is not None
    handler, takes_logger = _load_preprocessor(inp.record_preprocessor, inp.storage_options)
    rows: list[list[Row]] = []
    for line, obj in records:
        record = InferenceRecord(obj)
        try:
            result = handler(record, _PREPROCESSOR_LOGGER) if takes_logger else handler(record)
            if isinstance(result, list) and not result:
                batch.records_in_window += 1
                batch.records_dropped += 1
                continue
            rows.append(_preprocessed_rows(result))
        except BadRecord as exc:
            batch.malformed.add(url, line, str(exc))
            continue
        except Exception as exc:
            batch.malformed.add(url, line, f"preprocess_handler raised {type(exc).__name__}: {exc}")
            continue
        batch.records_in_window += 1
    if not rows:
        return
    side = _JsonSide(rows, "preprocess_handler")
    keep = np.ones(len(rows), dtype=bool)
    columns = side.columns(keep)
    keys: list[tuple[bool, Key]] = [(False, k) for k, _ in columns]
    names = set(inp.column_names or ())
    if names and not any(isinstance(k, str) and k in names for _, k in keys):
        keys = [(False, i) for i in range(len(keys))]  # SageMaker's zfill-keys idiom
    table = pa.Table.from_arrays(
        [a for _, a in columns], names=_column_names(keys, inp.column_names, None)
    )
    batch.table = table


def _read_payloads(
    url: str, inp: CaptureInput, records: list[_Record], batch: CaptureBatch
) -> None:
    with_output = inp.output_columns_position != "none"
    features = (
        compile_path(inp.features_attribute, "features_attribute")
        if inp.features_attribute is not None
        else None
    )
    out_index = column_index(inp.inference_attribute) if inp.inference_attribute else None
    inference = (
        compile_path(inp.inference_attribute, "inference_attribute")
        if inp.inference_attribute is not None and out_index is None
        else None
    )
    # record -> decoded sides; grouped by (input kind, output kind)
    groups: dict[tuple[str, str | None], list[tuple[int, Any, Any]]] = {}
    for r, (line, obj) in enumerate(records):
        capture = obj["captureData"]
        try:
            in_kind, in_data = decode_payload(capture.get("endpointInput"), "endpointInput")
            if in_kind != "csv":
                in_data = _json_rows(
                    in_kind, in_data, features, "endpointInput", "features_attribute"
                )
                in_kind = "json"
            out_kind: str | None = None
            out_data: Any = None
            if with_output:
                out_kind, out_data = decode_payload(capture.get("endpointOutput"), "endpointOutput")
                if out_kind == "csv":
                    if inference is not None:
                        raise BadRecord(
                            f"endpointOutput is CSV but inference_attribute "
                            f"{inp.inference_attribute!r} is a JSONPath; give a 0-based column index"
                        )
                else:
                    if out_index is not None:
                        raise BadRecord(
                            f"endpointOutput is JSON but inference_attribute {out_index!r} is a "
                            "column index; give a JSONPath such as '$.predictions'"
                        )
                    out_data = _json_rows(
                        out_kind, out_data, inference, "endpointOutput", "inference_attribute"
                    )
                    out_kind = "json"
        except BadRecord as exc:
            batch.malformed.add(url, line, str(exc))
            continue
        groups.setdefault((in_kind, out_kind), []).append((r, in_data, out_data))

    tables: list[pa.Table] = []
    owners: list[np.ndarray] = []
    for (in_kind, out_kind), members in groups.items():
        in_side = _side(in_kind, [m[1] for m in members], "endpointInput", None)
        out_side = (
            _side(out_kind, [m[2] for m in members], "endpointOutput", out_index)
            if out_kind is not None
            else None
        )
        keep = np.ones(len(members), dtype=bool)
        clean = not in_side.errors and (
            out_side is None or (not out_side.errors and out_side.counts == in_side.counts)
        )
        for j, (r, _, _) in enumerate(() if clean else members):
            why = in_side.errors.get(j) or (out_side.errors.get(j) if out_side else None)
            if why is None and out_side is not None and out_side.counts[j] != in_side.counts[j]:
                why = (
                    f"endpointOutput has {out_side.counts[j]} row(s) but endpointInput has "
                    f"{in_side.counts[j]}"
                )
            if why is not None:
                keep[j] = False
                batch.malformed.add(url, records[r][0], why)
        batch.records_in_window += int(keep.sum())
        if not keep.any():
            continue
        in_cols = in_side.columns(keep)
        out_cols = out_side.columns(keep) if out_side is not None else []
        ordered = (
            [(True, c) for c in out_cols] + [(False, c) for c in in_cols]
            if inp.output_columns_position == "start"
            else [(False, c) for c in in_cols] + [(True, c) for c in out_cols]
        )
        names = _column_names(
            [(is_out, key) for is_out, (key, _) in ordered],
            inp.column_names,
            inp.output_column_names,
        )
        tables.append(pa.Table.from_arrays([a for _, (_, a) in ordered], names=names))
        record_ids = np.array([m[0] for m in members], dtype=np.int64)[keep]
        owners.append(np.repeat(record_ids, np.asarray(in_side.counts, dtype=np.int64)[keep]))
    if len(tables) == 1:
        batch.table = tables[0]
    elif tables:
        combined = pa.concat_tables(tables, promote_options="default")
        order = np.argsort(np.concatenate(owners), kind="stable")
        batch.table = combined.take(pa.array(order))


def _side(kind: str, data: list[Any], side: str, column: int | None) -> _Side:
    if kind == "csv":
        return _CsvSide(data, side, column)
    return _JsonSide(data, side)
