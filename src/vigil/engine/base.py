"""The engine seam: what a job asks of an engine, and how an engine is chosen.

A job (a monitor plug-in's execution, a baseline) hands an engine one :class:`Work`: its
partition function ``analyze`` (one partition → a mergeable state), ``merge`` (two states → one,
associative), the partitions to analyse, and optionally a :class:`FileScan`: the same input
described as files that an engine with readers of its own reads itself, with the partition
function over the Arrow batches of one split. :meth:`Engine.reduce` returns the merged state
(None when there was nothing to analyse).

``local`` (:class:`vigil.engine.local.LocalEngine`)
    Runs ``analyze`` over the partitions in a process pool and merges in partition order. It
    never uses the scan.
``spark`` (:class:`vigil.engine.spark.SparkEngine`)
    Reads a scan's files with Spark's readers (``binaryFile``, CSV, JSON Lines, Parquet) and runs
    the scan's partition function in ``mapInArrow``; a work without a scan has its partitions
    distributed one per Spark task. States come back serialised and are merged on the driver with
    the same ``merge``.

So a job never knows which engine runs it, and a plug-in that gives no scan still runs on
Spark (its partitions read their own files on the executors).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, TypeVar

import pyarrow as pa

from vigil.errors import InvalidParameterError

__all__ = [
    "ENGINE_TYPES",
    "Engine",
    "EngineType",
    "FileScan",
    "ScanFormat",
    "Work",
    "create_engine",
]

P = TypeVar("P")
S = TypeVar("S")

EngineType = Literal["local", "spark"]
"""Engines Vigil runs jobs on."""

ENGINE_TYPES: tuple[EngineType, ...] = ("local", "spark")

ScanFormat = Literal["binary", "csv", "json", "parquet"]
"""How a scan's files are read: whole files as bytes, or rows of a tabular format."""


@dataclass(frozen=True)
class FileScan(Generic[S]):
    """A job's input as files an engine reads itself, and the function of one split's rows.

    Attributes
    ----------
    format : {"binary", "csv", "json", "parquet"}
        ``binary``: each file whole. ``analyze`` receives batches with the columns ``url``
        (string: the file's URL as Vigil writes it, e.g. ``s3://b/k`` or ``/abs/path``) and
        ``data`` (binary: its bytes, decompressed by suffix as :func:`~vigil.storage.objectstore.
        open_input` does). ``csv``: ``columns`` read as text (an empty field is null).
        ``json``: JSON Lines, one object per line. ``parquet``: the files' own types. For
        ``csv`` and ``json`` a malformed line arrives as a row whose :data:`CORRUPT_COLUMN` holds
        its text and :data:`FILE_COLUMN` its file's URL (both null on good rows).
    paths : tuple of str
        Files (local paths or fsspec URLs), or folders with ``folders=True``.
    analyze : callable
        ``analyze(batches) -> state or None``: picklable (a module-level function, or an instance
        of a module-level class); called once per split with an iterator of
        :class:`pyarrow.RecordBatch`; None when the split held nothing.
    columns : tuple of str
        CSV: the column names, in file order (from the header, or ``_c0, _c1, …``). JSON: the
        preferred order of the columns (the others follow in the reader's order).
    header : bool, default=True
        CSV: each file's first line holds the names (and is skipped).
    delimiter : str, default=","
        CSV.
    folders : bool, default=False
        ``binary`` only: ``paths`` are folders, each standing for the files directly inside it
        (not in its sub-folders), hidden ones (``.x``, ``_x``) excepted.
    storage_options : mapping, optional
        fsspec options of the paths (an engine reading through fsspec uses them).
    """

    format: ScanFormat
    paths: tuple[str, ...]
    analyze: Callable[[Iterator[pa.RecordBatch]], S | None]
    folders: bool = False
    columns: tuple[str, ...] = ()
    header: bool = True
    delimiter: str = ","
    storage_options: Mapping[str, Any] | None = field(default=None, compare=False)

    CORRUPT_COLUMN: ClassVar[str] = "_vigil_corrupt_record"
    """CSV/JSON: the text of a malformed line (null on good rows)."""

    FILE_COLUMN: ClassVar[str] = "_vigil_file"
    """CSV/JSON: the URL of a malformed line's file (null on good rows)."""


def _no_scan() -> None:
    return None


@dataclass(frozen=True)
class Work(Generic[P, S]):
    """What one job asks an engine to do.

    Attributes
    ----------
    analyze : callable
        ``analyze(partition) -> state``: picklable (module-level or a static method).
    merge : callable
        ``merge(a, b) -> state``: associative; may update ``a`` in place and return it.
    partitions : callable
        ``partitions() -> sequence``: the picklable partitions (planned only when an engine
        needs them: listing files costs requests).
    scan : callable
        ``scan() -> FileScan or None``: the input as files for an engine with its own readers
        (default: none; such an engine then distributes the partitions).
    on_result : callable, optional
        ``on_result(done)`` after each partition merged (progress; the local engine only).
    """

    analyze: Callable[[P], S]
    merge: Callable[[S, S], S]
    partitions: Callable[[], Sequence[P]]
    scan: Callable[[], FileScan[S] | None] = _no_scan
    on_result: Callable[[int], None] | None = None


class Engine(ABC):
    """Runs a :class:`Work`'s partition function over its input and merges the states."""

    type: ClassVar[EngineType]

    @abstractmethod
    def reduce(self, work: Work[Any, S]) -> S | None:
        """The merged state of every partition (None: no partition, or nothing read).

        Raises
        ------
        VigilError
            What the partition function raised (re-raised unchanged, whichever the engine).
        EngineError
            If the engine is unavailable or failed underneath.
        """


def create_engine(
    type: EngineType = "local",
    *,
    workers: int = 1,
    master: str | None = None,
    conf: Mapping[str, str] | None = None,
) -> Engine:
    """The engine of a job spec's ``engine`` block.

    Parameters
    ----------
    type : {"local", "spark"}, default="local"
    workers : int, default=1
        Local engine: worker processes.
    master : str, optional
        Spark: the master URL (``local[*]``, ``spark://host:7077``, ``yarn``, ``k8s://…``, or
        ``sc://host:15002`` for Spark Connect). Default: the running session's, else
        ``local[*]``.
    conf : mapping of str to str, optional
        Spark: configuration of the session.

    Raises
    ------
    InvalidParameterError
        If the type is unknown, or ``master``/``conf`` is given for the local engine.
    """
    if type == "local":
        if master is not None or conf:
            raise InvalidParameterError(
                "engine.master and engine.conf are for the spark engine (engine.type is local)",
                field="engine.master" if master is not None else "engine.conf",
            )
        from vigil.engine.local import LocalEngine

        return LocalEngine(workers)
    if type == "spark":
        from vigil.engine.spark import SparkEngine

        return SparkEngine(master=master, conf=dict(conf or {}))
    raise InvalidParameterError(
        f"engine.type must be one of {ENGINE_TYPES}. Got {type!r} instead.", field="engine.type"
    )
