"""Profile a tabular dataset: plan partitions, profile each in the engine, merge.

The partition function :func:`profile_partition` takes one partition and returns a picklable
:class:`~vigil.core.profile.DatasetProfile` plus its malformed-row report, so any engine can run
it and merge the results. :func:`dataset_scan` describes the same dataset as files for an engine
with readers of its own (Spark's CSV, JSON Lines and Parquet readers), with
:class:`ScanProfile`, the partition function over the Arrow batches such a reader gives.

What differs on Spark's readers: a malformed CSV or JSON line is reported with its file but
without its line number (Spark does not give it); CSV files must share the first file's header
(Spark checks each file's header against it); a JSON Lines dataset is typed by Spark's schema
inference over the whole dataset (the local reader types it block by block).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from vigil.core.profile import DatasetProfile, DatasetStatistics, ProfileOptions
from vigil.engine.base import Engine, FileScan, Work
from vigil.engine.local import LocalEngine, read_ahead
from vigil.errors import EmptyDatasetError, MalformedRowError
from vigil.storage.tabular import (
    DEFAULT_PARTITION_BYTES,
    MalformedReport,
    Partition,
    TabularSource,
    categorical_columns,
    dataset_files,
    plan_partitions,
    read_partition,
    scan_columns,
)
from vigil.types import OnMalformed

__all__ = [
    "DatasetProfileResult",
    "PartitionTask",
    "ScanProfile",
    "collector_paused",
    "dataset_scan",
    "profile_dataset",
    "profile_partition",
]


@dataclass(frozen=True)
class DatasetProfileResult:
    """What profiling a dataset produced.

    Attributes
    ----------
    statistics : DatasetStatistics
    malformed : MalformedReport
        Rows skipped (with ``on_malformed="skip"``).
    partitions : int
        Partitions the dataset was cut into.
    """

    statistics: DatasetStatistics
    malformed: MalformedReport
    partitions: int


@dataclass(frozen=True)
class PartitionTask:
    """One partition to profile, and how (the argument of :func:`profile_partition`)."""

    partition: Partition
    options: ProfileOptions
    on_malformed: OnMalformed
    spare_cores: bool = False


def profile_partition(task: PartitionTask) -> tuple[DatasetProfile, MalformedReport]:
    """Profile one partition (the engine-independent partition function).

    With ``task.spare_cores`` (fewer workers than cores), Parquet is decoded on Arrow's thread
    pool and the next batch is read in a background thread while this one is profiled;
    otherwise every worker reads and profiles on one thread, so that the workers do not
    oversubscribe the cores.
    """
    profile = DatasetProfile(options=task.options)
    report = MalformedReport()
    batches = read_partition(
        task.partition,
        on_malformed=task.on_malformed,
        report=report,
        use_threads=task.spare_cores,
        text_as_dictionary=True,
    )
    for batch in read_ahead(batches) if task.spare_cores else batches:
        profile.update(batch)
    return profile, report


@dataclass(frozen=True)
class ScanProfile:
    """Profile the Arrow batches of one split that a reader of its own gave (Spark's).

    The partition function of :func:`dataset_scan`: rows whose
    :data:`~vigil.engine.base.FileScan.CORRUPT_COLUMN` is set are malformed lines, reported
    as :func:`~vigil.storage.tabular.read_partition` reports them (without a line number), or
    raised as :class:`~vigil.errors.MalformedRowError` with ``on_malformed="fail"``.

    Attributes
    ----------
    options : ProfileOptions
    on_malformed : {"fail", "skip"}
    format : {"csv", "json", "parquet"}
    fields : int
        CSV: the number of fields of a row (for the message).
    delimiter : str
        CSV.
    categorical : frozenset of str
        Parquet: columns the writer dictionary-encoded, profiled as declared categorical
        (dictionary-encoded again before the profile sees them).
    """

    options: ProfileOptions
    on_malformed: OnMalformed
    format: str
    fields: int = 0
    delimiter: str = ","
    categorical: frozenset[str] = frozenset()

    def __call__(
        self, batches: Iterator[pa.RecordBatch]
    ) -> tuple[DatasetProfile, MalformedReport] | None:
        """The split's profile and report (None for a split without a batch)."""
        profile = DatasetProfile(options=self.options)
        report = MalformedReport()
        seen = False
        corrupt, file_column = FileScan.CORRUPT_COLUMN, FileScan.FILE_COLUMN
        for batch in batches:
            seen = True
            names = batch.schema.names
            if corrupt in names:
                bad = batch.column(corrupt).is_valid()
                if pc.any(bad).as_py():
                    rows = batch.filter(bad)
                    texts = rows.column(corrupt).to_pylist()
                    files = (
                        rows.column(file_column).to_pylist()
                        if file_column in names
                        else [""] * len(texts)
                    )
                    for url, text in zip(files, texts, strict=True):
                        self._malformed(report, url or "", text)
                    batch = batch.filter(pc.invert(bad))
                keep = [i for i, n in enumerate(names) if n not in (corrupt, file_column)]
                batch = batch.select(keep)
            if batch.num_rows:
                profile.update(self._declared(batch))
        return (profile, report) if seen else None

    def _declared(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if not self.categorical:
            return batch
        columns = [
            pc.dictionary_encode(c) if f.name in self.categorical else c
            for f, c in zip(batch.schema, batch.columns, strict=True)
        ]
        return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)

    def _malformed(self, report: MalformedReport, url: str, text: str) -> None:
        if self.format == "csv":
            got = len(next(csv.reader([text], delimiter=self.delimiter), []))
            why = f"expected {self.fields} fields, got {got}"
            message = f"malformed CSV row ({why}): {text[:200]!r}"
        else:
            try:
                obj = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                message = f"invalid JSON: {exc}"
            else:
                message = f"expected a JSON object, got {type(obj).__name__}"
        if self.on_malformed == "fail":
            raise MalformedRowError(message, path=url)
        report.add(url, None, message)


def dataset_scan(
    source: TabularSource, options: ProfileOptions, on_malformed: OnMalformed
) -> FileScan[tuple[DatasetProfile, MalformedReport]]:
    """A dataset as files for an engine with readers of its own, profiled by
    :class:`ScanProfile` (the files :func:`plan_partitions` would cut, in its order).

    Raises
    ------
    DatasetNotFoundError
        If the inputs match no file.
    EmptyDatasetError, DatasetFormatError
        CSV: the first file is empty, or its header has an empty or repeated name.
    """
    files = dataset_files(source)
    columns = scan_columns(files, source)
    profiler = ScanProfile(
        options,
        on_malformed,
        source.format,
        len(columns),
        source.delimiter,
        categorical_columns(files, source),
    )
    return FileScan(
        source.format,
        tuple(f.url for f in files),
        profiler,
        columns=columns,
        header=source.header,
        delimiter=source.delimiter,
        storage_options=source.storage_options,
    )


def _merge(
    a: tuple[DatasetProfile, MalformedReport], b: tuple[DatasetProfile, MalformedReport]
) -> tuple[DatasetProfile, MalformedReport]:
    a[0].merge(b[0])
    a[1].merge(b[1])
    return a


def profile_dataset(
    source: TabularSource,
    *,
    options: ProfileOptions | None = None,
    workers: int = 1,
    on_malformed: OnMalformed = "fail",
    partition_bytes: int = DEFAULT_PARTITION_BYTES,
    on_progress: Callable[[int, int], None] | None = None,
    engine: Engine | None = None,
) -> DatasetProfileResult:
    """Profile every row of a dataset.

    Parameters
    ----------
    source : TabularSource
    options : ProfileOptions, optional
    workers : int, default=1
        Worker processes of the local engine.
    on_malformed : {"fail", "skip"}, default="fail"
    partition_bytes : int
        Target partition size in bytes.
    on_progress : callable, optional
        ``on_progress(done, total)`` after each partition (local engine).
    engine : Engine, optional
        Default: the local engine with ``workers`` processes. Spark reads the dataset with its
        own readers (:func:`dataset_scan`).

    Raises
    ------
    DatasetNotFoundError, DatasetFormatError, MalformedRowError
        From reading (see :mod:`vigil.storage.tabular`).
    EmptyDatasetError
        If the dataset has no rows.
    EngineError
        If the engine is unavailable or fails underneath.
    """
    options = options or ProfileOptions()
    engine = engine if engine is not None else LocalEngine(workers)
    planned: list[PartitionTask] = []

    def partitions() -> list[PartitionTask]:
        parts = plan_partitions(
            source, target_bytes=partition_bytes, min_partitions=2 * workers if workers > 1 else 1
        )
        # A single partition runs in this process, whatever `workers` says.
        processes = min(workers, len(parts))
        spare_cores = processes < (os.cpu_count() or 1)
        planned.extend(PartitionTask(p, options, on_malformed, spare_cores) for p in parts)
        return planned

    def progress(done: int) -> None:
        if on_progress is not None:
            on_progress(done, len(planned))

    scanned: list[int] = []

    def scan() -> FileScan[tuple[DatasetProfile, MalformedReport]]:
        found = dataset_scan(source, options, on_malformed)
        scanned.append(len(found.paths))
        return found

    state = engine.reduce(
        Work(profile_partition, _merge, partitions, scan=scan, on_result=progress)
    )
    profile, report = (
        state if state is not None else (DatasetProfile(options=options), MalformedReport())
    )
    total = len(planned) if planned else sum(scanned)
    if profile.item_count == 0:
        where = ", ".join(source.inputs)
        raise EmptyDatasetError(
            f"the dataset has no rows ({report.count} malformed rows skipped)", path=where
        )
    with collector_paused():
        statistics = profile.to_statistics()
    return DatasetProfileResult(statistics, report, total)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bounded build of (nearly) acyclic objects.

    Freezing a profile, and writing its documents, create a few objects per category (a
    (value, count) pair, a bucket): tens of thousands of small objects, none in a reference
    cycle. The allocations trigger collections that walk every object of the process (all its
    imported modules), which cost more than the build itself. The collector is restored after
    (and collects then whatever cycle was made meanwhile).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
