"""Ground-truth labels in SageMaker's format, filed by collection time (spec §1.5).

Each label becomes one JSON line::

    {"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"<id>"},"eventVersion":"0"}

where ``eventId`` is the capture record's ``inferenceId`` (or its ``eventId`` when the caller
passed no inference id): the key model-quality jobs join on. One call writes one file::

    {destination}/groundtruth/yyyy/mm/dd/hh/{MM}-{SS}-{mmm}-{uuid4}.jsonl

in the UTC hour the labels were *collected* (the ``now`` argument), which, as SageMaker says,
"does not have to match the date when the inference was generated".

A file is written as it goes and appears whole or not at all (:class:`GroundTruthFile`): records
are appended to a staged file (locally a hidden file beside the hour folders,
``{destination}/groundtruth/.staging/``, which no reader lists; for object stores a local
temporary file), and :meth:`GroundTruthFile.publish` moves it into its hour folder in one step
(a rename; one upload). Memory stays bounded whatever the number of labels: nothing holds the
records once they are written.

Labels are read from CSV (with a header row) or JSON Lines files by :func:`iter_labels` (one
pass, streamed) and :func:`read_labels` (a list).

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

import codecs
import contextlib
import csv
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, Any, Literal

import orjson
from fsspec.implementations.local import LocalFileSystem

from vigil.errors import (
    EmptyDatasetError,
    InvalidParameterError,
    MalformedRowError,
    StorageError,
)
from vigil.storage.capture_layout import capture_file_name, hour_path
from vigil.storage.objectstore import filesystem_for, join, open_input

__all__ = [
    "STAGING_FOLDER",
    "GroundTruthFile",
    "GroundTruthWrite",
    "LabelFormat",
    "iter_labels",
    "label_text",
    "read_labels",
    "write_ground_truth",
]

STAGING_FOLDER = ".staging"
"""Folder of ``{destination}/groundtruth`` where local files are written before they are
published (hidden: readers list only the ``yyyy/mm/dd/hh`` folders)."""

_BUFFER_BYTES = 1024 * 1024

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


def _record_line(event_id: str, label: str) -> bytes:
    return orjson.dumps(
        {
            "groundTruthData": {"data": label, "encoding": "CSV"},
            "eventMetadata": {"eventId": event_id},
            "eventVersion": "0",
        },
        option=orjson.OPT_APPEND_NEWLINE,
    )


class GroundTruthFile:
    """One ground-truth file, written record by record and published whole.

    Records go to a staged file through a 1 MiB buffer; :meth:`publish` moves the file into the
    hour folder of its collection time in one step, :meth:`discard` deletes it. Until then no
    reader can see any of it, so a failed upload leaves nothing behind (see the module
    docstring). Used as a context manager, the file is discarded unless it was published.

    Parameters
    ----------
    destination : str
        Root folder or URL; the file is published under ``{destination}/groundtruth/``.
    storage_options : mapping, optional
        Passed to fsspec.
    staging_dir : str, optional
        Local folder of the staged file when ``destination`` is not local (default: the
        system's temporary folder).

    Raises
    ------
    InvalidParameterError
        If ``destination`` is empty or names an unknown protocol.
    StorageError
        If the staged file cannot be created.

    Examples
    --------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> with GroundTruthFile(root) as file:
    ...     file.add("id-1", "1")
    ...     file.add("id-2", "0")
    ...     done = file.publish(datetime(2024, 5, 1, 13, 5, 7, tzinfo=UTC))
    >>> done.records, done.url.startswith(root + "/groundtruth/2024/05/01/13/05-07-000-")
    (2, True)
    """

    def __init__(
        self,
        destination: str,
        *,
        storage_options: Mapping[str, Any] | None = None,
        staging_dir: str | None = None,
    ) -> None:
        self.destination = destination
        self.storage_options = storage_options
        self._fs, root = filesystem_for(join(destination, "groundtruth"), storage_options)
        self._local = isinstance(self._fs, LocalFileSystem)
        folder = os.path.join(root, STAGING_FOLDER) if self._local else staging_dir
        try:
            if folder is not None:
                os.makedirs(folder, exist_ok=True)
            fd, self._staged = tempfile.mkstemp(dir=folder, prefix="gt-", suffix=".jsonl.tmp")
        except OSError as exc:
            raise StorageError(
                f"cannot create a staged ground-truth file: {exc.strerror or exc}",
                path=folder or tempfile.gettempdir(),
            ) from exc
        self._handle: IO[bytes] | None = os.fdopen(fd, "wb", buffering=_BUFFER_BYTES)
        self._done = False
        self.records = 0
        """Records added so far."""

    def add(self, event_id: str, label: str) -> None:
        """Append one record.

        Parameters
        ----------
        event_id : str
            The capture's ``inferenceId`` (or ``eventId``); not blank.
        label : str
            The label as SageMaker stores it (see :func:`label_text`).

        Raises
        ------
        InvalidParameterError
            If the id is blank or not a string, or the label is not a string.
        StorageError
            If the file was published or discarded already, or writing fails.
        """
        if not isinstance(event_id, str) or not event_id.strip():
            raise InvalidParameterError(
                f"labels of write_ground_truth must have non-empty string ids. Got {event_id!r} "
                f"at position {self.records} instead.",
                field="event_id",
            )
        if not isinstance(label, str):
            raise InvalidParameterError(
                f"labels of write_ground_truth must be strings (see label_text). Got {label!r} "
                f"at position {self.records} instead.",
                field="label",
            )
        if self._handle is None:
            raise StorageError("the ground-truth file is closed", path=self._staged)
        try:
            self._handle.write(_record_line(event_id, label))
        except OSError as exc:
            raise StorageError(
                f"writing the staged ground-truth file failed: {exc.strerror or exc}",
                path=self._staged,
            ) from exc
        self.records += 1

    def publish(self, now: datetime) -> GroundTruthWrite:
        """Move the file into the hour folder of ``now``, in one step.

        Parameters
        ----------
        now : datetime
            Timezone-aware collection time: names the hour folder and the file.

        Returns
        -------
        GroundTruthWrite

        Raises
        ------
        EmptyDatasetError
            If no record was added (the staged file is discarded).
        InvalidParameterError
            If ``now`` is naive.
        StorageError
            If closing, moving or uploading the file fails (it is discarded).
        """
        if self._done:
            raise StorageError("the ground-truth file is closed", path=self._staged)
        url = join(
            self.destination,
            "groundtruth",
            hour_path(now),
            capture_file_name(now, str(uuid.uuid4())),
        )
        if self.records == 0:
            self.discard()
            raise EmptyDatasetError("no labels to write", path=self.destination)
        try:
            self._close_handle()
            _fs, path = filesystem_for(url, self.storage_options)
            if self._local:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                os.replace(self._staged, path)
            else:
                self._fs.put_file(self._staged, path)
        except Exception as exc:
            self.discard()
            if isinstance(exc, OSError | StorageError):
                raise StorageError(f"publishing ground truth failed: {exc}", path=url) from exc
            raise
        self._done = True
        self._remove_staged()
        return GroundTruthWrite(url=url, records=self.records)

    def discard(self) -> None:
        """Delete the staged file (nothing is published); safe to call more than once."""
        with contextlib.suppress(OSError):
            self._close_handle()
        self._done = True
        self._remove_staged()

    def _close_handle(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()

    def _remove_staged(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._staged)

    def __enter__(self) -> GroundTruthFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self._done:
            self.discard()


def write_ground_truth(
    labels: Iterable[tuple[str, str]],
    destination: str,
    *,
    now: datetime | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> GroundTruthWrite:
    """Write ground-truth records to one file in the hour folder of ``now``.

    The labels are streamed to a staged file (see :class:`GroundTruthFile`): ``labels`` may be
    a generator of any length, and the file appears only once every label is written; an
    invalid label leaves nothing behind.

    Parameters
    ----------
    labels : iterable of (str, str)
        ``(event id, label)`` pairs; the id is the capture's ``inferenceId`` (or ``eventId``).
    destination : str
        Root folder or URL; records go under ``{destination}/groundtruth/yyyy/mm/dd/hh/``.
    now : datetime, optional
        Timezone-aware collection time (the clock, injectable for tests). Default: now, UTC,
        when the last label has been written.
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
    if now is not None:
        hour_path(now)  # a naive ``now`` is refused before anything is written
    with GroundTruthFile(destination, storage_options=storage_options) as file:
        for event_id, label in labels:
            file.add(event_id, label)
        return file.publish(datetime.now(UTC) if now is None else now)


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

    The list of :func:`iter_labels` (see there for the parameters and errors).
    """
    return list(
        iter_labels(
            url,
            id_column=id_column,
            label_column=label_column,
            format=format,
            storage_options=storage_options,
        )
    )


def iter_labels(
    url: str,
    *,
    id_column: str,
    label_column: str,
    format: LabelFormat | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> Iterator[tuple[str, str]]:
    """Stream ``(event id, label)`` pairs from a CSV (with header) or JSON Lines file.

    The file is read in one pass, line by line (compressed files are decompressed on the fly):
    memory does not grow with its size.

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

    Yields
    ------
    (str, str)
        In file order; labels rendered by :func:`label_text`. Blank lines are skipped.

    Raises
    ------
    DatasetNotFoundError
        If the file does not exist.
    InvalidParameterError
        If a column is not in the CSV header, or the format is unknown.
    MalformedRowError
        For a row without an id or a label, a line that is not a JSON object, or text that is
        not UTF-8 (with path, line and field).
    EmptyDatasetError
        If the file holds no labels (raised once the file is read to its end).
    """
    fmt = _format_of(url, format)
    count = 0
    with open_input(url, storage_options=storage_options) as handle:
        lines = _utf8_lines(handle, url)
        pairs = (
            _read_csv(lines, url, id_column, label_column)
            if fmt == "csv"
            else _read_jsonl(lines, url, id_column, label_column)
        )
        for pair in pairs:
            count += 1
            yield pair
    if count == 0:
        raise EmptyDatasetError("the file holds no labels", path=url)


def _utf8_lines(handle: IO[bytes], url: str) -> Iterator[str]:
    """The lines of a binary file as text (a leading BOM dropped; ``\n`` kept)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    for line, raw in enumerate(handle, 1):
        if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield decoder.decode(raw)
        except UnicodeDecodeError as exc:
            raise MalformedRowError(
                f"the file is not UTF-8 text ({exc})", path=url, line=line
            ) from exc
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise MalformedRowError(f"the file is not UTF-8 text ({exc})", path=url) from exc


def _read_csv(
    lines: Iterator[str], url: str, id_column: str, label_column: str
) -> Iterator[tuple[str, str]]:
    reader = csv.reader(lines)
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
        yield (event_id, label)


def _read_jsonl(
    lines: Iterator[str], url: str, id_column: str, label_column: str
) -> Iterator[tuple[str, str]]:
    for line, content in enumerate(lines, 1):
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
        yield (event_id, label)
