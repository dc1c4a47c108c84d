"""Ground-truth labels in SageMaker's format, filed by collection time (spec §1.5).

Each label becomes one JSON line::

    {"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"<id>"},"eventVersion":"0"}

where ``eventId`` is the capture record's ``inferenceId`` (or its ``eventId`` when the caller
passed no inference id): the key model-quality jobs join on. One call writes one file::

    {destination}/groundtruth/yyyy/mm/dd/hh/{MM}-{SS}-{mmm}-{uuid4}.jsonl

in the UTC hour the labels were *collected* (the ``now`` argument), which, as SageMaker says,
"does not have to match the date when the inference was generated".

Labels are read from CSV (with a header row) or JSON Lines files by :func:`read_labels`.

Examples
--------
>>> from datetime import datetime, UTC
>>> done = write_ground_truth([("id-1", "1"), ("id-2", "0")], "memory://vigil-doctest/gt",
...                           now=datetime(2024, 5, 1, 13, 5, 7, tzinfo=UTC))
>>> done.url.startswith("memory://vigil-doctest/gt/groundtruth/2024/05/01/13/05-07-000-")
True
>>> from vigil.storage.objectstore import read_bytes
>>> read_bytes(done.url).splitlines()[0]
b'{"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"id-1"},"eventVersion":"0"}'
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from vigil.errors import EmptyDatasetError, InvalidParameterError, MalformedRowError
from vigil.storage.capture_layout import capture_file_name, hour_path
from vigil.storage.objectstore import join, read_bytes, write_bytes

__all__ = ["GroundTruthWrite", "LabelFormat", "label_text", "read_labels", "write_ground_truth"]

LabelFormat = Literal["csv", "jsonl"]
"""Formats :func:`read_labels` reads: CSV with a header row, or JSON Lines."""


@dataclass(frozen=True, slots=True)
class GroundTruthWrite:
    """The result of :func:`write_ground_truth`.

    Attributes
    ----------
    url : str
        The file written.
    records : int
        Ground-truth records in it.
    """

    url: str
    records: int


def label_text(value: Any) -> str:
    """A label as the string SageMaker stores in ``groundTruthData.data``.

    Strings are kept as they are; numbers and booleans become their JSON text (``1`` → ``"1"``,
    ``0.5`` → ``"0.5"``, ``True`` → ``"true"``).

    Raises
    ------
    InvalidParameterError
        If ``value`` is None, a list or an object.

    Examples
    --------
    >>> label_text("yes"), label_text(1), label_text(0.25), label_text(False)
    ('yes', '1', '0.25', 'false')
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return orjson.dumps(value).decode("ascii")
    raise InvalidParameterError(
        f"a label must be a string, a number or a boolean. Got {value!r} instead.", field="label"
    )


def _id_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def write_ground_truth(
    labels: Iterable[tuple[str, str]],
    destination: str,
    *,
    now: datetime | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> GroundTruthWrite:
    """Write ground-truth records to one file in the hour folder of ``now``.

    Parameters
    ----------
    labels : iterable of (str, str)
        ``(event id, label)`` pairs; the id is the capture's ``inferenceId`` (or ``eventId``).
    destination : str
        Root folder or URL; records go under ``{destination}/groundtruth/yyyy/mm/dd/hh/``.
    now : datetime, optional
        Timezone-aware collection time (the clock, injectable for tests). Default: now, UTC.
    storage_options : mapping, optional
        Passed to fsspec.

    Returns
    -------
    GroundTruthWrite

    Raises
    ------
    EmptyDatasetError
        If ``labels`` is empty.
    InvalidParameterError
        If an id is empty, a label is not a string, or ``now`` is naive.
    StorageError
        If writing fails.
    """
    when = datetime.now(UTC) if now is None else now
    parts: list[bytes] = []
    for index, pair in enumerate(labels):
        event_id, label = pair
        if not isinstance(event_id, str) or not event_id.strip():
            raise InvalidParameterError(
                f"labels of write_ground_truth must have non-empty string ids. Got {event_id!r} "
                f"at position {index} instead.",
                field="event_id",
            )
        if not isinstance(label, str):
            raise InvalidParameterError(
                f"labels of write_ground_truth must be strings (see label_text). Got {label!r} "
                f"at position {index} instead.",
                field="label",
            )
        parts.append(
            orjson.dumps(
                {
                    "groundTruthData": {"data": label, "encoding": "CSV"},
                    "eventMetadata": {"eventId": event_id},
                    "eventVersion": "0",
                },
                option=orjson.OPT_APPEND_NEWLINE,
            )
        )
    if not parts:
        raise EmptyDatasetError("no labels to write", path=destination)
    url = join(
        destination,
        "groundtruth",
        hour_path(when),
        capture_file_name(when, str(uuid.uuid4())),
    )
    write_bytes(url, b"".join(parts), storage_options=storage_options)
    return GroundTruthWrite(url=url, records=len(parts))


def _format_of(url: str, format: LabelFormat | None) -> LabelFormat:
    if format is not None:
        if format not in ("csv", "jsonl"):
            raise InvalidParameterError(
                f"format of read_labels must be 'csv' or 'jsonl'. Got {format!r} instead.",
                field="format",
            )
        return format
    name = url.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    raise InvalidParameterError(
        f"format of read_labels cannot be inferred from {url!r}: name a .csv or .jsonl file, "
        "or pass format='csv' or 'jsonl'.",
        field="format",
        path=url,
    )


def read_labels(
    url: str,
    *,
    id_column: str,
    label_column: str,
    format: LabelFormat | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> list[tuple[str, str]]:
    """Read ``(event id, label)`` pairs from a CSV (with header) or JSON Lines file.

    Parameters
    ----------
    url : str
        Local path or fsspec URL.
    id_column, label_column : str
        Header names (CSV) or keys (JSON Lines) of the id and the label.
    format : {"csv", "jsonl"}, optional
        Default: from the suffix (``.csv``; ``.jsonl``, ``.ndjson``, ``.json``).
    storage_options : mapping, optional
        Passed to fsspec.

    Returns
    -------
    list of (str, str)
        In file order; labels rendered by :func:`label_text`. Blank lines are skipped.

    Raises
    ------
    DatasetNotFoundError
        If the file does not exist.
    InvalidParameterError
        If a column is not in the CSV header, or the format is unknown.
    MalformedRowError
        For a row without an id or a label, or a line that is not a JSON object (with path,
        line and field).
    EmptyDatasetError
        If the file holds no labels.
    """
    fmt = _format_of(url, format)
    raw = read_bytes(url, storage_options=storage_options)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRowError(f"the file is not UTF-8 text ({exc})", path=url) from exc
    pairs = _read_csv(text, url, id_column, label_column) if fmt == "csv" else None
    if pairs is None:
        pairs = _read_jsonl(text, url, id_column, label_column)
    if not pairs:
        raise EmptyDatasetError("the file holds no labels", path=url)
    return pairs


def _read_csv(text: str, url: str, id_column: str, label_column: str) -> list[tuple[str, str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise EmptyDatasetError("the file is empty (a header row is needed)", path=url)
    header = [h.strip() for h in header]
    for flag, column in (("id_column", id_column), ("label_column", label_column)):
        if column not in header:
            raise InvalidParameterError(
                f"{flag} {column!r} is not a column of the header; it has {header}.",
                path=url,
                line=1,
                field=column,
            )
    id_at, label_at = header.index(id_column), header.index(label_column)
    pairs = []
    for row in reader:
        if not row or all(not f.strip() for f in row):
            continue
        line = reader.line_num
        if len(row) != len(header):
            raise MalformedRowError(
                f"the row has {len(row)} fields, the header {len(header)}", path=url, line=line
            )
        event_id, label = row[id_at].strip(), row[label_at]
        if not event_id:
            raise MalformedRowError("the id is empty", path=url, line=line, field=id_column)
        if label == "":
            raise MalformedRowError("the label is empty", path=url, line=line, field=label_column)
        pairs.append((event_id, label))
    return pairs


def _read_jsonl(text: str, url: str, id_column: str, label_column: str) -> list[tuple[str, str]]:
    pairs = []
    for line, content in enumerate(text.split("\n"), 1):
        if not content.strip():
            continue
        try:
            obj = orjson.loads(content)
        except orjson.JSONDecodeError as exc:
            raise MalformedRowError(f"invalid JSON ({exc})", path=url, line=line) from exc
        if not isinstance(obj, dict):
            raise MalformedRowError(
                f"a line must be a JSON object. Got {type(obj).__name__}", path=url, line=line
            )
        event_id = _id_text(obj.get(id_column))
        if event_id is None:
            raise MalformedRowError(
                f"the id must be a non-empty string or an integer. Got {obj.get(id_column)!r}",
                path=url,
                line=line,
                field=id_column,
            )
        if label_column not in obj:
            raise MalformedRowError("the label is missing", path=url, line=line, field=label_column)
        try:
            label = label_text(obj[label_column])
        except InvalidParameterError as exc:
            raise MalformedRowError(exc.message, path=url, line=line, field=label_column) from exc
        pairs.append((event_id, label))
    return pairs
