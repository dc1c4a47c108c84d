"""Tabular datasets (CSV, JSON Lines, Parquet) split into partitions and read as Arrow batches.

Partitions are what the engines hand to workers: a whole file, a range of Parquet row groups, or
a byte range of an uncompressed CSV / JSON Lines file cut at line boundaries. Each partition is
read as a stream of Arrow record batches, so memory stays bounded by the batch size whatever the
size of the input.

CSV follows Spark's reader as SageMaker uses it (spec/sagemaker-model-monitor.md §8): with a
header the names come from the first line of each file; without one, columns are named
``_c0, _c1, …``; every field is read as text (the profile infers types with Deequ's regexes) and
an empty field is null. Byte-range splitting assumes no record contains a newline inside quotes;
pass ``split_files=False`` to :func:`plan_partitions` for such files.

JSON Lines rows are flat objects; keys become columns. A block whose values change type between
rows is read value by value, every value rendered as its JSON text, so the profile's type
inference sees ``1`` as Integral and ``"a"`` as String.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from vigil.core.profile import READER_DICTIONARY
from vigil.errors import (
    DatasetFormatError,
    EmptyDatasetError,
    InvalidParameterError,
    MalformedRowError,
    StorageError,
)
from vigil.storage.objectstore import InputFile, filesystem_for, open_input, resolve_inputs
from vigil.types import DatasetFormat, OnMalformed

__all__ = [
    "DEFAULT_PARTITION_BYTES",
    "MAX_REPORTED_MALFORMED",
    "MalformedReport",
    "Partition",
    "TabularSource",
    "categorical_columns",
    "dataset_files",
    "plan_partitions",
    "read_partition",
    "scan_columns",
]

DEFAULT_PARTITION_BYTES = 64 * 1024 * 1024
"""Target size of one partition, in bytes (before decompression)."""

MAX_REPORTED_MALFORMED = 20
"""Malformed rows reported by file and line; the rest are only counted."""

_BATCH_ROWS = 131_072
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".zstd", ".lz4", ".snappy")
_NULL_LINE = re.compile(rb"\n[ \t\r]*null[ \t\r]*(?:\n|\Z)")  # searched in b"\n" + block
_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "csv": (".csv", ".tsv", ".txt"),
    "json": (".json", ".jsonl", ".ndjson"),
    "parquet": (".parquet", ".pq"),
}


@dataclass(frozen=True)
class TabularSource:
    """Where a dataset is and how it is encoded.

    Attributes
    ----------
    inputs : tuple of str
        Paths, directories, globs or fsspec URLs.
    format : {"csv", "json", "parquet"}
    header : bool, default=True
        CSV only: the first line of each file holds the column names.
    delimiter : str, default=","
        CSV only.
    storage_options : mapping, optional
        Passed to fsspec.
    """

    inputs: tuple[str, ...]
    format: DatasetFormat
    header: bool = True
    delimiter: str = ","
    storage_options: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Partition:
    """One unit of work: a file, Parquet row groups of a file, or a byte range of a file.

    Attributes
    ----------
    url : str
    source : TabularSource
    row_groups : tuple of int or None
        Parquet row groups to read (None: all).
    start, end : int or None
        Byte range ``[start, end)`` of an uncompressed text file, aligned to line starts.
    column_names : tuple of str or None
        CSV: the names for every partition of the file (from its header or ``_c0…``).
    """

    url: str
    source: TabularSource
    row_groups: tuple[int, ...] | None = None
    start: int | None = None
    end: int | None = None
    column_names: tuple[str, ...] | None = None


@dataclass
class MalformedReport:
    """Malformed rows met while reading: a count and the first few with file and line.

    Attributes
    ----------
    count : int
        Rows skipped.
    examples : list of (url, line or None, message)
        At most ``MAX_REPORTED_MALFORMED`` of them, in reading order.
    """

    count: int = 0
    examples: list[tuple[str, int | None, str]] = field(default_factory=list)

    def add(self, url: str, line: int | None, message: str) -> None:
        """Count one malformed row, keeping it as an example while there is room."""
        self.count += 1
        if len(self.examples) < MAX_REPORTED_MALFORMED:
            self.examples.append((url, line, message))

    def merge(self, other: MalformedReport) -> None:
        """Add another partition's report into this one.

        The examples kept are the first ones by file and line, whichever report comes first:
        reports of partitions merged in any order (Spark's) keep what merging them in file
        order keeps.
        """
        self.count += other.count
        if not other.examples:
            return
        if self.examples and _example_key(other.examples[0]) < _example_key(self.examples[-1]):
            joined = sorted([*self.examples, *other.examples], key=_example_key)
            self.examples = joined[:MAX_REPORTED_MALFORMED]
            return
        room = MAX_REPORTED_MALFORMED - len(self.examples)
        self.examples.extend(other.examples[: max(room, 0)])


def _example_key(example: tuple[str, int | None, str]) -> tuple[str, float]:
    url, line, _ = example
    return url, float("inf") if line is None else float(line)


def _is_compressed(url: str) -> bool:
    return url.lower().endswith(_COMPRESSED)


def plan_partitions(
    source: TabularSource,
    *,
    target_bytes: int = DEFAULT_PARTITION_BYTES,
    split_files: bool = True,
    min_partitions: int = 1,
) -> list[Partition]:
    """Resolve a dataset's inputs and cut them into partitions of about ``target_bytes``.

    Parameters
    ----------
    source : TabularSource
    target_bytes : int, default=DEFAULT_PARTITION_BYTES
        Wanted partition size in bytes; Parquet partitions are whole row groups, text ones are
        cut at the first line start after each multiple of this size.
    split_files : bool, default=True
        Cut large uncompressed text files into byte ranges.
    min_partitions : int, default=1
        Lower the target size so that the dataset makes at least this many partitions where
        it can (so that every worker gets work): the target becomes at most the total size
        of the files divided by ``min_partitions``.

    Returns
    -------
    list of Partition
        In file order, then in order within each file.

    Raises
    ------
    DatasetNotFoundError
        If the inputs match no file.
    DatasetFormatError
        If a file cannot be opened as its format (e.g. not Parquet).
    InvalidParameterError
        If ``target_bytes`` < 1.
    """
    if target_bytes < 1:
        raise InvalidParameterError(
            f"target_bytes of plan_partitions must be >= 1. Got {target_bytes!r} instead.",
            field="target_bytes",
        )
    files = resolve_inputs(
        list(source.inputs),
        extensions=_EXTENSIONS[source.format],
        storage_options=source.storage_options,
    )
    if min_partitions > 1:
        total = sum(f.size for f in files)
        target_bytes = max(1, min(target_bytes, -(-total // min_partitions)))
    parts: list[Partition] = []
    for f in files:
        if source.format == "parquet":
            parts.extend(_parquet_partitions(f, source, target_bytes))
        else:
            parts.extend(_text_partitions(f, source, target_bytes, split_files))
    return parts


def dataset_files(source: TabularSource) -> list[InputFile]:
    """The files of a dataset, as :func:`plan_partitions` resolves them (same filter, order).

    Raises
    ------
    DatasetNotFoundError
        If the inputs match no file.
    """
    return resolve_inputs(
        list(source.inputs),
        extensions=_EXTENSIONS[source.format],
        storage_options=source.storage_options,
    )


def scan_columns(files: Sequence[InputFile], source: TabularSource) -> tuple[str, ...]:
    """The column names a reader of its own needs: CSV, the first file's header (or
    ``_c0…``); JSON Lines, the keys of the first file's first object, in order (the order
    :func:`read_partition` gives columns that are in every row); Parquet, none.

    Raises
    ------
    EmptyDatasetError, DatasetFormatError
        CSV: an empty first file, or a header with an empty or repeated name.
    """
    if not files or source.format == "parquet":
        return ()
    if source.format == "csv":
        return _csv_column_names(files[0], source)
    with open_input(files[0].url, storage_options=source.storage_options) as handle:
        for raw in handle:
            if raw.strip():
                try:
                    obj = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    return ()
                return tuple(obj) if isinstance(obj, dict) else ()
    return ()


def categorical_columns(files: Sequence[InputFile], source: TabularSource) -> frozenset[str]:
    """Parquet: the columns the writer dictionary-encoded (pandas ``category``) in the first
    file's Arrow schema, which a profile declares categorical (a reader of its own, Spark's,
    decodes them to plain values; see :func:`read_partition`). Empty for text formats.

    Raises
    ------
    DatasetFormatError
        If the first file is not Parquet.
    """
    if not files or source.format != "parquet":
        return frozenset()
    fs, path = filesystem_for(files[0].url, source.storage_options)
    try:
        with fs.open(path, "rb") as handle:
            schema = pq.ParquetFile(handle).schema_arrow
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetFormatError(f"cannot read as Parquet: {exc}", path=files[0].url) from exc
    return frozenset(f.name for f in schema if pa.types.is_dictionary(f.type))


def _parquet_partitions(f: InputFile, source: TabularSource, target: int) -> list[Partition]:
    fs, path = filesystem_for(f.url, source.storage_options)
    try:
        with fs.open(path, "rb") as handle:
            meta = pq.ParquetFile(handle).metadata
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetFormatError(f"cannot read as Parquet: {exc}", path=f.url) from exc
    except ValueError as exc:  # fsspec's HTTP file: the server ignores Range
        raise StorageError(
            "the server does not answer byte-range requests (HTTP Range, 206), which reading "
            f"Parquet needs: serve the file from one that does, or copy it first ({exc})",
            path=f.url,
        ) from exc
    parts: list[Partition] = []
    group: list[int] = []
    size = 0
    for i in range(meta.num_row_groups):
        group.append(i)
        size += meta.row_group(i).total_byte_size
        if size >= target:
            parts.append(Partition(f.url, source, row_groups=tuple(group)))
            group, size = [], 0
    if group or not parts:
        parts.append(Partition(f.url, source, row_groups=tuple(group)))
    return parts


def _text_partitions(
    f: InputFile, source: TabularSource, target: int, split: bool
) -> list[Partition]:
    names = _csv_column_names(f, source) if source.format == "csv" else None
    if not split or _is_compressed(f.url) or f.size <= target:
        return [Partition(f.url, source, column_names=names)]
    fs, path = filesystem_for(f.url, source.storage_options)
    cuts = [0]
    with fs.open(path, "rb") as handle:
        for b in range(target, f.size, target):
            if b <= cuts[-1]:
                continue
            try:
                cut = _next_line_start(handle, b, f.size)
            except ValueError:  # fsspec's HTTP file: the server ignores Range; read it whole
                return [Partition(f.url, source, column_names=names)]
            if cut < f.size and cut > cuts[-1]:
                cuts.append(cut)
    cuts.append(f.size)
    return [
        Partition(f.url, source, start=a, end=b, column_names=names)
        for a, b in itertools.pairwise(cuts)
        if b > a
    ]


def _next_line_start(handle: Any, pos: int, size: int) -> int:
    handle.seek(pos - 1)
    while True:
        chunk = handle.read(1 << 16)
        if not chunk:
            return size
        nl = chunk.find(b"\n")
        if nl >= 0:
            return int(handle.tell() - len(chunk) + nl + 1)


def _csv_column_names(f: InputFile, source: TabularSource) -> tuple[str, ...]:
    with open_input(f.url, storage_options=source.storage_options) as handle:
        first = handle.readline()
    if not first.strip():
        raise EmptyDatasetError("the file is empty (no header or rows)", path=f.url)
    text = first.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    fields = next(csv.reader([text], delimiter=source.delimiter))
    if not source.header:
        return tuple(f"_c{i}" for i in range(len(fields)))
    if any(not name for name in fields):
        blank = fields.index("")
        raise DatasetFormatError(
            f"header field {blank} (0-based) is empty; every column needs a name",
            path=f.url,
            line=1,
        )
    if len(set(fields)) != len(fields):
        dupes = sorted({x for x in fields if fields.count(x) > 1})
        raise DatasetFormatError(f"header repeats column names {dupes}", path=f.url, line=1)
    return tuple(fields)


class _RangeStream(io.RawIOBase):
    """A read-only view of bytes ``[start, end)`` of a seekable file."""

    def __init__(self, handle: Any, start: int, end: int) -> None:
        self._handle = handle
        self._left = end - start
        handle.seek(start)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)
        data = self._handle.read(min(len(view), self._left))
        n = len(data)
        view[:n] = data
        self._left -= n
        return n


def _open_partition(part: Partition) -> Any:
    """A context manager yielding a binary stream of the partition's bytes."""
    if part.start is None or part.end is None:
        return open_input(part.url, storage_options=part.source.storage_options)
    fs, path = filesystem_for(part.url, part.source.storage_options)
    start, end = part.start, part.end

    class _Ctx:
        def __enter__(self) -> io.BufferedReader:
            self._raw = fs.open(path, "rb")
            return io.BufferedReader(_RangeStream(self._raw, start, end), 1 << 20)

        def __exit__(self, *exc: object) -> None:
            self._raw.close()

    return _Ctx()


@contextlib.contextmanager
def _arrow_input(part: Partition) -> Iterator[Any]:
    """The partition's bytes as a stream for Arrow's readers, not a Python file object.

    Arrow's read-ahead threads would call back into Python to read a Python file object; a
    read still in flight when a malformed row ends the job then waits for the GIL at
    interpreter exit, and the process aborts (``std::terminate``) after reporting the error.
    So an uncompressed local file is memory-mapped (a byte range: a zero-copy slice of the
    mapping), and an uncompressed remote byte range, or a remote file of at most
    :data:`DEFAULT_PARTITION_BYTES`, is fetched into memory first. Compressed files, and larger
    unsplit remote files, are streamed through fsspec.
    """
    fs, path = filesystem_for(part.url, part.source.storage_options)
    span = None if part.start is None or part.end is None else (part.start, part.end)
    data: bytes | None
    if _is_compressed(part.url):
        data = None
    elif isinstance(fs, LocalFileSystem):
        with pa.memory_map(path) as mapped:
            if span is not None:
                mapped.seek(span[0])
                yield pa.BufferReader(mapped.read_buffer(span[1] - span[0]))
            else:
                yield mapped
        return
    elif span is not None:
        data = fs.cat_file(path, start=span[0], end=span[1])
        if len(data) != span[1] - span[0]:  # a server that ignored the Range header
            raise StorageError(
                f"asked for bytes {span[0]}-{span[1]} and got {len(data)} bytes: the server "
                "does not answer byte-range requests",
                path=part.url,
            )
    else:
        data = fs.cat_file(path) if fs.size(path) <= DEFAULT_PARTITION_BYTES else None
    if data is not None:
        yield pa.BufferReader(data)
        return
    with _open_partition(part) as stream:
        yield stream


def read_partition(
    part: Partition,
    *,
    on_malformed: OnMalformed = "fail",
    report: MalformedReport | None = None,
    batch_rows: int = _BATCH_ROWS,
    use_threads: bool = True,
    text_as_dictionary: bool = False,
) -> Iterator[pa.RecordBatch]:
    """Stream the rows of one partition as Arrow record batches.

    Parameters
    ----------
    part : Partition
    on_malformed : {"fail", "skip"}, default="fail"
        A malformed row (wrong number of CSV fields, invalid JSON, not an object) stops the
        read with :class:`MalformedRowError`, or is skipped and counted in ``report``.
    report : MalformedReport, optional
        Receives skipped rows; required for ``on_malformed="skip"`` to be observable.
    batch_rows : int
        Rows per batch for Parquet and the target for text formats.
    use_threads : bool, default=True
        Parquet: decode the columns of a batch on Arrow's thread pool. Pass False when as many
        processes as cores are reading already.
    text_as_dictionary : bool, default=False
        Parquet: return the string columns dictionary-encoded (decoding them that way skips
        materialising every string). Such a column's field carries the metadata key
        :data:`vigil.core.profile.READER_DICTIONARY`, so that a profile treats it as the plain
        text column it was written as; a column the writer dictionary-encoded (pandas
        ``category``) carries no such key.

    Yields
    ------
    pyarrow.RecordBatch

    Raises
    ------
    MalformedRowError
        With ``on_malformed="fail"``: names the file, the 1-based line and what was wrong.
    DatasetFormatError
        If the file cannot be parsed at all as its format.
    """
    if on_malformed not in ("fail", "skip"):
        raise InvalidParameterError(
            f"on_malformed of read_partition must be 'fail' or 'skip'. Got {on_malformed!r} "
            "instead.",
            field="on_malformed",
        )
    report = report if report is not None else MalformedReport()
    fmt = part.source.format
    if fmt == "parquet":
        yield from _read_parquet(part, batch_rows, use_threads, text_as_dictionary)
    elif fmt == "csv":
        yield from _read_csv(part, on_malformed, report)
    else:
        yield from _read_json_lines(part, on_malformed, report)


def _read_parquet(
    part: Partition, batch_rows: int, use_threads: bool, text_as_dictionary: bool
) -> Iterator[pa.RecordBatch]:
    groups = list(part.row_groups) if part.row_groups is not None else None
    if groups == []:
        return
    fs, path = filesystem_for(part.url, part.source.storage_options)
    # Arrow maps a local file itself (no Python file object between it and the bytes, no copy
    # into read buffers); the mapping lasts as long as the partition's read.
    local = isinstance(fs, LocalFileSystem)
    with contextlib.nullcontext(path) if local else fs.open(path, "rb") as handle:
        try:
            with pq.ParquetFile(handle, memory_map=local) as pf:
                metadata, schema = pf.metadata, pf.schema_arrow
            text = [
                f.name
                for f in schema
                if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
            ]
            dictionaries = text if text_as_dictionary and text else None
            with pq.ParquetFile(
                handle, metadata=metadata, read_dictionary=dictionaries, memory_map=local
            ) as pf:
                marked: pa.Schema | None = None
                for batch in pf.iter_batches(
                    batch_size=batch_rows, row_groups=groups, use_threads=use_threads
                ):
                    if dictionaries is None:
                        yield batch
                        continue
                    if marked is None:
                        marked = _mark_reader_dictionaries(batch.schema, set(dictionaries))
                    yield pa.RecordBatch.from_arrays(batch.columns, schema=marked)
        except pa.ArrowInvalid as exc:
            raise DatasetFormatError(f"cannot read as Parquet: {exc}", path=part.url) from exc


def _mark_reader_dictionaries(schema: pa.Schema, names: set[str]) -> pa.Schema:
    """``schema`` with the fields in ``names`` tagged as dictionary-encoded by the reader."""
    fields = []
    for f in schema:
        if f.name in names and pa.types.is_dictionary(f.type):
            f = f.with_metadata({**(f.metadata or {}), READER_DICTIONARY: b"1"})
        fields.append(f)
    return pa.schema(fields, metadata=schema.metadata)


def _first_line_of(part: Partition) -> int:
    """1-based line number, in the file, of the partition's first byte."""
    if not part.start:
        return 1
    fs, path = filesystem_for(part.url, part.source.storage_options)
    count = 0
    with fs.open(path, "rb") as handle:
        left = part.start
        while left > 0:
            chunk = handle.read(min(left, 1 << 22))
            if not chunk:
                break
            count += chunk.count(b"\n")
            left -= len(chunk)
    return count + 1


def _locate_lines(part: Partition, texts: Sequence[str], skip_header: bool) -> list[int | None]:
    """Line numbers of rows whose text is known, found by one pass over the partition."""
    found: list[int | None] = [None] * len(texts)
    if not texts:
        return found
    line_no = _first_line_of(part)
    i = 0
    with _open_partition(part) as stream:
        for raw in stream:
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if not (skip_header and line_no == 1) and text == texts[i]:
                found[i] = line_no
                i += 1
                if i == len(texts):
                    break
            line_no += 1
    return found


def _read_csv(
    part: Partition, on_malformed: OnMalformed, report: MalformedReport
) -> Iterator[pa.RecordBatch]:
    names = list(part.column_names or ())
    bad: list[tuple[str, str]] = []
    skip_header = part.source.header and not part.start

    def on_invalid(row: pacsv.InvalidRow) -> Literal["skip", "error"]:
        bad.append(
            (
                row.text,
                f"expected {row.expected_columns} fields, got {row.actual_columns}",
            )
        )
        return "skip" if on_malformed == "skip" else "error"

    read_options = pacsv.ReadOptions(
        column_names=names,
        skip_rows=1 if skip_header else 0,
        block_size=1 << 24,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=part.source.delimiter, invalid_row_handler=on_invalid, newlines_in_values=False
    )
    convert_options = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=True,
        null_values=[""],
        quoted_strings_can_be_null=True,
    )
    try:
        with _arrow_input(part) as stream:
            try:
                reader = pacsv.open_csv(
                    stream,
                    read_options=read_options,
                    parse_options=parse_options,
                    convert_options=convert_options,
                )
            except StopIteration:
                return
            try:
                for batch in reader:
                    if batch.num_rows:
                        yield batch
            finally:
                reader.close()  # its read-ahead stops while the stream is still open
    except pa.ArrowInvalid as exc:
        if bad and on_malformed == "fail":
            text, why = bad[0]
            line = _locate_lines(part, [text], skip_header)[0]
            raise MalformedRowError(
                f"malformed CSV row ({why}): {text[:200]!r}", path=part.url, line=line
            ) from exc
        if "Empty CSV file" in str(exc):
            return
        if skip_header and "Could not skip initial" in str(exc):
            return  # the header alone, with no final newline
        raise DatasetFormatError(f"cannot parse as CSV: {exc}", path=part.url) from exc
    finally:
        if on_malformed == "skip" and bad:
            room = max(MAX_REPORTED_MALFORMED - len(report.examples), 0)
            lines = _locate_lines(part, [t for t, _ in bad[:room]], skip_header) if room else []
            for k, (text, why) in enumerate(bad):
                line = lines[k] if k < len(lines) else None
                report.add(part.url, line, f"malformed CSV row ({why}): {text[:200]!r}")


def _read_json_lines(
    part: Partition, on_malformed: OnMalformed, report: MalformedReport
) -> Iterator[pa.RecordBatch]:
    # The partition's first line in the file is counted only when a malformed line needs it:
    # counting reads the whole file before the partition.
    first: list[int] = []
    lines_before = 0  # lines of the partition before the current block

    def block_first_line() -> int:
        if not first:
            first.append(_first_line_of(part))
        return first[0] + lines_before

    with _open_partition(part) as stream:
        while True:
            block = stream.read(1 << 24)
            if not block:
                return
            if not block.endswith(b"\n"):
                block += stream.readline()
            n_lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
            table = _parse_json_block(block, part.url, block_first_line, on_malformed, report)
            lines_before += n_lines
            if table is not None and table.num_rows:
                yield from table.to_batches()


def _parse_json_block(
    block: bytes,
    url: str,
    first_line: Callable[[], int],
    on_malformed: OnMalformed,
    report: MalformedReport,
) -> pa.Table | None:
    # A `null` line is not an object, yet Arrow reads it as a row of nulls (and crashes with
    # SIGSEGV when it is the block's first row, pyarrow 26): let the fallback report it.
    if _NULL_LINE.search(b"\n" + block) is None:
        try:
            table = pajson.read_json(
                io.BytesIO(block),
                parse_options=pajson.ParseOptions(unexpected_field_behavior="infer"),
            )
            table.validate(full=True)  # Arrow's JSON reader lets invalid UTF-8 into strings
            return table
        except pa.ArrowInvalid:
            pass
    rows: list[dict[str, Any]] = []
    for offset, raw in enumerate(block.split(b"\n")):
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            line = first_line() + offset
            _malformed(url, line, f"invalid JSON: {exc}", on_malformed, report)
            continue
        if not isinstance(obj, dict):
            line = first_line() + offset
            _malformed(
                url, line, f"expected a JSON object, got {type(obj).__name__}", on_malformed, report
            )
            continue
        rows.append(obj)
    if not rows:
        return None
    columns: dict[str, list[str | None]] = {}
    for i, obj in enumerate(rows):
        for key in obj:
            if key not in columns:
                columns[key] = [None] * i
        for key, values in columns.items():
            values.append(_json_text(obj.get(key)))
    return pa.Table.from_pydict({k: pa.array(v, type=pa.string()) for k, v in columns.items()})


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _malformed(
    url: str, line: int, message: str, on_malformed: OnMalformed, report: MalformedReport
) -> None:
    if on_malformed == "fail":
        raise MalformedRowError(message, path=url, line=line)
    report.add(url, line, message)
