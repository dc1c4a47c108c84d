"""The data-quality baseline job: a dataset in, statistics.json and constraints.json out."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vigil.core.profile import DatasetStatistics, ProfileOptions
from vigil.core.suggest import suggest_features
from vigil.engine.base import Engine
from vigil.errors import InvalidParameterError
from vigil.formats.constraints import Constraints
from vigil.formats.statistics import Statistics
from vigil.jobs.documents import constraints_document, statistics_document
from vigil.jobs.profiling import collector_paused, profile_dataset
from vigil.storage.objectstore import join, write_bytes
from vigil.storage.tabular import DEFAULT_PARTITION_BYTES, MalformedReport, TabularSource
from vigil.types import DatasetFormat, OnMalformed

__all__ = ["BaselineResult", "infer_dataset_format", "suggest_baseline"]

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"

_FORMAT_BY_EXTENSION: dict[str, DatasetFormat] = {
    "csv": "csv",
    "tsv": "csv",
    "json": "json",
    "jsonl": "json",
    "ndjson": "json",
    "parquet": "parquet",
    "pq": "parquet",
}


@dataclass(frozen=True)
class BaselineResult:
    """What a baseline job produced.

    Attributes
    ----------
    statistics : Statistics
        The statistics.json document.
    constraints : Constraints
        The suggested constraints.json document.
    dataset_statistics : DatasetStatistics
        The same statistics as typed core objects (sketches included).
    malformed : MalformedReport
        Rows skipped with ``on_malformed="skip"``.
    partitions : int
        Partitions profiled.
    seconds : float
        Wall-clock duration of the job, in seconds.
    statistics_url, constraints_url : str or None
        Where the documents were written (None without ``output``).
    """

    statistics: Statistics
    constraints: Constraints
    dataset_statistics: DatasetStatistics
    malformed: MalformedReport
    partitions: int
    seconds: float
    statistics_url: str | None = None
    constraints_url: str | None = None


def infer_dataset_format(spec: str) -> DatasetFormat:
    """Guess a dataset's format from its extension (compression suffixes ignored).

    Raises
    ------
    InvalidParameterError
        If the extension is not one of csv/tsv, json/jsonl/ndjson, parquet/pq.
    """
    name = spec.rstrip("/").rsplit("/", 1)[-1].lower()
    parts = name.split(".")
    while len(parts) > 1 and parts[-1] in {"gz", "bz2", "xz", "zst", "zstd"}:
        parts.pop()
    ext = parts[-1] if len(parts) > 1 else ""
    if ext not in _FORMAT_BY_EXTENSION:
        raise InvalidParameterError(
            f"dataset_format cannot be inferred from {spec!r}: pass csv, json or parquet.",
            field="dataset_format",
        )
    return _FORMAT_BY_EXTENSION[ext]


def suggest_baseline(
    dataset: str | Sequence[str],
    *,
    dataset_format: DatasetFormat | None = None,
    header: bool = True,
    output: str | None = None,
    workers: int = 1,
    on_malformed: OnMalformed = "fail",
    string_columns: Sequence[str] = (),
    storage_options: Mapping[str, Any] | None = None,
    partition_bytes: int = DEFAULT_PARTITION_BYTES,
    on_progress: Callable[[int, int], None] | None = None,
    engine: Engine | None = None,
) -> BaselineResult:
    """Profile a training dataset and suggest data-quality constraints, as SageMaker does.

    Parameters
    ----------
    dataset : str or sequence of str
        Files, directories, globs or fsspec URLs (``s3://…``).
    dataset_format : {"csv", "json", "parquet"}, optional
        Default: from the first input's extension.
    header : bool, default=True
        CSV: the first line of each file holds the column names (else ``_c0, _c1, …``).
    output : str, optional
        Directory or URL to write ``statistics.json`` and ``constraints.json`` into.
    workers : int, default=1
        Worker processes.
    on_malformed : {"fail", "skip"}, default="fail"
        Stop at a malformed row (the error names file and line), or skip and count it.
    string_columns : sequence of str
        Columns to treat as String whatever their values look like.
    storage_options : mapping, optional
        fsspec options (credentials, endpoint).
    partition_bytes : int
        Target partition size in bytes.
    on_progress : callable, optional
        ``on_progress(done, total)`` after each partition (local engine).
    engine : Engine, optional
        Where the partitions run (:func:`vigil.engine.base.create_engine`); default: the local
        engine with ``workers`` processes.

    Returns
    -------
    BaselineResult

    Raises
    ------
    DatasetNotFoundError, DatasetFormatError, MalformedRowError, EmptyDatasetError
        Bad input, naming the file (and line) concerned.
    InvalidParameterError
        If the format cannot be inferred or a parameter is out of range.
    EngineError
        If the engine is unavailable or fails underneath.
    """
    start = time.perf_counter()
    inputs = (dataset,) if isinstance(dataset, str) else tuple(dataset)
    if not inputs:
        raise InvalidParameterError("dataset of suggest_baseline must name at least one input.")
    fmt = dataset_format or infer_dataset_format(inputs[0])
    source = TabularSource(inputs, fmt, header=header, storage_options=storage_options)
    options = ProfileOptions(string_columns=frozenset(string_columns))
    profiled = profile_dataset(
        source,
        options=options,
        workers=workers,
        on_malformed=on_malformed,
        partition_bytes=partition_bytes,
        on_progress=on_progress,
        engine=engine,
    )
    with collector_paused():
        statistics = statistics_document(profiled.statistics)
        constraints = constraints_document(suggest_features(profiled.statistics))
    stats_url = constraints_url = None
    if output is not None:
        stats_url = join(output, STATISTICS_FILE)
        constraints_url = join(output, CONSTRAINTS_FILE)
        write_bytes(stats_url, statistics.to_json().encode(), storage_options=storage_options)
        write_bytes(
            constraints_url, constraints.to_json().encode(), storage_options=storage_options
        )
    return BaselineResult(
        statistics=statistics,
        constraints=constraints,
        dataset_statistics=profiled.statistics,
        malformed=profiled.malformed,
        partitions=profiled.partitions,
        seconds=time.perf_counter() - start,
        statistics_url=stats_url,
        constraints_url=constraints_url,
    )
