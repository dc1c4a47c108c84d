"""Profile a tabular dataset: plan partitions, profile each in the engine, merge.

The partition function :func:`profile_partition` takes one partition and returns a picklable
:class:`~vigil.core.profile.DatasetProfile` plus its malformed-row report, so any engine (the
local process pool now, Spark's ``mapInArrow`` later) can run it and merge the results.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from vigil.core.profile import DatasetProfile, DatasetStatistics, ProfileOptions
from vigil.engine.local import map_reduce, read_ahead
from vigil.errors import EmptyDatasetError
from vigil.storage.tabular import (
    DEFAULT_PARTITION_BYTES,
    MalformedReport,
    Partition,
    TabularSource,
    plan_partitions,
    read_partition,
)
from vigil.types import OnMalformed

__all__ = [
    "DatasetProfileResult",
    "PartitionTask",
    "collector_paused",
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
        ``on_progress(done, total)`` after each partition.

    Raises
    ------
    DatasetNotFoundError, DatasetFormatError, MalformedRowError
        From reading (see :mod:`vigil.storage.tabular`).
    EmptyDatasetError
        If the dataset has no rows.
    """
    options = options or ProfileOptions()
    partitions = plan_partitions(
        source, target_bytes=partition_bytes, min_partitions=2 * workers if workers > 1 else 1
    )
    # A single partition runs in this process, whatever `workers` says.
    processes = min(workers, len(partitions))
    spare_cores = processes < (os.cpu_count() or 1)
    tasks = [PartitionTask(p, options, on_malformed, spare_cores) for p in partitions]
    total = len(tasks)
    progress = None if on_progress is None else (lambda done: on_progress(done, total))
    profile, report = map_reduce(
        profile_partition, _merge, tasks, workers=workers, on_result=progress
    )
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
