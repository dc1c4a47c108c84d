"""Profile a tabular dataset: plan partitions, profile each in the engine, merge.

The partition function :func:`profile_partition` takes one partition and returns a picklable
:class:`~vigil.core.profile.DatasetProfile` plus its malformed-row report, so any engine (the
local process pool now, Spark's ``mapInArrow`` later) can run it and merge the results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vigil.core.profile import DatasetProfile, DatasetStatistics, ProfileOptions
from vigil.engine.local import map_reduce
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

__all__ = ["DatasetProfileResult", "profile_dataset", "profile_partition"]


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
class _Task:
    partition: Partition
    options: ProfileOptions
    on_malformed: OnMalformed


def profile_partition(task: _Task) -> tuple[DatasetProfile, MalformedReport]:
    """Profile one partition (the engine-independent partition function)."""
    profile = DatasetProfile(options=task.options)
    report = MalformedReport()
    for batch in read_partition(task.partition, on_malformed=task.on_malformed, report=report):
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
    tasks = [_Task(p, options, on_malformed) for p in partitions]
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
    return DatasetProfileResult(profile.to_statistics(), report, total)
