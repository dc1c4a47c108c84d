"""The Spark engine: Vigil's partition functions in ``mapInArrow``, merged on the driver.

:meth:`SparkEngine.reduce` runs a :class:`~vigil.engine.base.Work` on a Spark session:

- With a :class:`~vigil.engine.base.FileScan`, Spark reads the files with its own readers
  (``binaryFile`` for whole capture and ground-truth files, CSV, JSON Lines, Parquet) — Spark
  lists folders, packs small files into splits of ``spark.sql.files.maxPartitionBytes``
  (each file counting at least ``spark.sql.files.openCostInBytes``) and reads each split on an
  executor, where the scan's partition function turns the split's Arrow batches into a state.
- Without one, the work's partitions (picklable tasks) are distributed one per Spark task and
  ``analyze`` runs on the executors (which then read their inputs through fsspec).

Each split's state is pickled into one ``binary`` row; the driver collects the rows (in split
order) and folds them with the work's ``merge`` — the code the local engine merges with. An
error a partition function raises on purpose (a :class:`~vigil.errors.VigilError`: a malformed
row with ``on_malformed="fail"``) travels back pickled and is re-raised on the driver as it
was, with its type, path and line; any other failure of the Spark job becomes an
:class:`~vigil.errors.EngineError` with Spark's message.

Sessions
    ``master`` is a Spark master URL: ``local[*]``, ``spark://host:7077`` (standalone),
    ``yarn``, ``k8s://https://host:443`` (cluster settings come through ``conf``, e.g.
    ``spark.kubernetes.container.image``), or ``sc://host:15002`` for Spark Connect. Without
    a master, the session already running in the process is used, else ``local[*]``. A
    classic session needs Java (``JAVA_HOME`` or ``java`` on the ``PATH``); a Spark Connect
    client does not. One process holds one classic session: asking for another master while
    one runs is an error. The executors must have Vigil installed (the same version).

URLs
    Vigil's URLs are given to Spark's Hadoop filesystems: a local path becomes ``file://``,
    ``s3://`` becomes ``s3a://`` (``gs://``, ``abfss://``, ``hdfs://`` are kept), and the file
    URLs Spark reports are mapped back, so a malformed record is reported at the same
    ``url:line`` on both engines. ``memory://`` URLs (and fsspec chains) cannot be read by
    Spark.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar
from urllib.parse import unquote

import pyarrow as pa

from vigil.engine.base import Engine, EngineType, FileScan, Work
from vigil.errors import EngineError, InvalidParameterError, VigilError
from vigil.storage.objectstore import decompress

__all__ = ["SPARK_SCHEMES", "SparkEngine", "spark_session", "spark_url", "vigil_url"]

S = TypeVar("S")

SPARK_SCHEMES: Mapping[str, str] = {"s3": "s3a"}
"""fsspec URL schemes that Hadoop names otherwise (the others are the same in both)."""

_UNREADABLE = ("memory", "az", "adl", "http", "https", "ftp", "sftp", "github")
_STATE_SCHEMA = "state binary"
_LOCK = threading.Lock()


# ---- URLs ------------------------------------------------------------------------------------


def spark_url(url: str) -> str:
    """The URL Spark's Hadoop filesystems read ``url`` (a Vigil path or fsspec URL) at.

    Raises
    ------
    InvalidParameterError
        For a URL Spark cannot read (``memory://``, ``az://``, an fsspec chain).

    Examples
    --------
    >>> spark_url("/data/capture/ep")
    'file:///data/capture/ep'
    >>> spark_url("s3://bucket/capture/ep")
    's3a://bucket/capture/ep'
    >>> spark_url("gs://bucket/x.parquet")
    'gs://bucket/x.parquet'
    """
    if "::" in url:
        raise InvalidParameterError(
            f"the spark engine cannot read fsspec chained URLs. Got {url!r}.", path=url
        )
    if "://" not in url:
        return "file://" + os.path.abspath(os.path.expanduser(url))
    scheme, rest = url.split("://", 1)
    scheme = scheme.lower()
    if scheme in _UNREADABLE:
        hint = (
            " (give Azure paths as abfss://container@account.dfs.core.windows.net/path)"
            if scheme in ("az", "adl")
            else ""
        )
        raise InvalidParameterError(
            f"the spark engine cannot read {scheme}:// URLs{hint}. Got {url!r}.", path=url
        )
    return f"{SPARK_SCHEMES.get(scheme, scheme)}://{rest}"


def vigil_url(path: str, schemes: Mapping[str, str]) -> str:
    """The Vigil URL of a file URL Spark reports (the inverse of :func:`spark_url`).

    Parameters
    ----------
    path : str
        As Spark reports it (``file:/a/b``, ``file:///a/b``, ``s3a://b/k``; percent-encoded or
        not).
    schemes : mapping of str to str
        Spark scheme → the Vigil scheme it was given as (``{"s3a": "s3"}``).

    Examples
    --------
    >>> vigil_url("file:/data/a%20b/x.jsonl", {})
    '/data/a b/x.jsonl'
    >>> vigil_url("s3a://bucket/k/x.jsonl", {"s3a": "s3"})
    's3://bucket/k/x.jsonl'
    """
    if path.startswith("file:"):
        return "/" + unquote(path[len("file:") :]).lstrip("/")
    if "://" not in path:
        return unquote(path)
    scheme, rest = path.split("://", 1)
    return f"{schemes.get(scheme, scheme)}://{unquote(rest)}"


# ---- sessions --------------------------------------------------------------------------------


def _require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise EngineError(
            "the spark engine needs PySpark, which is not installed: pip install 'vigil[spark]' "
            "(with Java 17 or later for a local or classic session)",
            field="engine.type",
        ) from exc


def _require_java() -> None:
    home = os.environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "java"), os.X_OK):
        return
    if shutil.which("java") is None:
        raise EngineError(
            "the spark engine needs Java 17 or later for a classic Spark session, and none was "
            "found (no JAVA_HOME, no java on the PATH): install a JRE (Debian: apt-get install "
            "openjdk-17-jre-headless) or use Spark Connect (engine.master sc://host:15002)",
            field="engine.master",
        )


def spark_session(master: str | None = None, conf: Mapping[str, str] | None = None) -> Any:
    """The Spark session of a master URL: the running one, or a new one.

    Parameters
    ----------
    master : str, optional
        See the module docstring. None: the session running in this process, else
        ``local[*]``.
    conf : mapping of str to str, optional
        Session configuration. For a new local session Vigil adds, unless given,
        ``spark.sql.session.timeZone=UTC``; and a local session's workers run this interpreter
        (``PYSPARK_PYTHON`` is set to it when unset), so that they import the same Vigil.

    Returns
    -------
    pyspark.sql.SparkSession

    Raises
    ------
    EngineError
        If PySpark (or, for a classic session, Java) is missing, another master's session is
        running in this process, or the session cannot start.
    """
    _require_pyspark()
    from pyspark.sql import SparkSession

    conf = dict(conf or {})
    with _LOCK:
        if master is not None and master.startswith("sc://"):
            builder = SparkSession.builder.remote(master)
            for key, value in conf.items():
                builder = builder.config(key, value)
            try:
                return builder.getOrCreate()
            except Exception as exc:
                raise EngineError(
                    f"cannot connect to Spark Connect at {master}: {_first_line(exc)}",
                    field="engine.master",
                ) from exc
        running = _running_session()
        if running is not None:
            current = running.sparkContext.master
            if master is not None and master != current:
                raise EngineError(
                    f"a Spark session with master {current!r} is running in this process; "
                    f"one process holds one session, so master {master!r} cannot start "
                    "(stop the other session, or run the job in another process)",
                    field="engine.master",
                )
            for key, value in conf.items():
                running.conf.set(key, value)
            return running
        _require_java()
        builder = SparkSession.builder.master(master or "local[*]").appName("vigil")
        local = (master or "local[*]").startswith("local")
        defaults = {"spark.sql.session.timeZone": "UTC"}
        if local and "PYSPARK_PYTHON" not in os.environ:
            # PySpark's workers run PYSPARK_PYTHON (default: the first python3 on the PATH);
            # a local session's must be this interpreter, which has Vigil.
            os.environ["PYSPARK_PYTHON"] = sys.executable
        for key, value in {**defaults, **conf}.items():
            builder = builder.config(key, value)
        try:
            return builder.getOrCreate()
        except Exception as exc:
            raise EngineError(
                f"cannot start a Spark session with master {master or 'local[*]'!r}: "
                f"{_first_line(exc)}",
                field="engine.master",
            ) from exc


def _running_session() -> Any:
    """The classic session alive in this process, or None."""
    from pyspark.sql import SparkSession

    session = SparkSession._instantiatedSession
    if session is None:
        return None
    try:
        if session.sparkContext._jsc is None:
            return None
    except Exception:
        return None
    return session


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]


# ---- the partition functions Spark runs ------------------------------------------------------


def _payload(ok: bool, value: Any) -> pa.RecordBatch:
    data = pickle.dumps((ok, value), protocol=pickle.HIGHEST_PROTOCOL)
    return pa.RecordBatch.from_arrays([pa.array([data], type=pa.binary())], names=["state"])


def _guarded(run: Callable[[], Any]) -> Iterator[pa.RecordBatch]:
    """One state row (None: no row), or the VigilError the partition function raised."""
    try:
        state = run()
    except VigilError as exc:
        yield _payload(False, exc)
        return
    if state is not None:
        yield _payload(True, state)


@dataclass(frozen=True)
class _Tasks:
    """Run ``analyze`` on the pickled tasks of one Spark partition, merging in index order."""

    analyze: Callable[[Any], Any]
    merge: Callable[[Any, Any], Any]

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        def run() -> Any:
            state = None
            for batch in batches:
                for task in batch.column("task").to_pylist():
                    result = self.analyze(pickle.loads(task))
                    state = result if state is None else self.merge(state, result)
            return state

        return _guarded(run)


@dataclass(frozen=True)
class _Files:
    """A binary scan: rows of (Spark path, bytes) → ``url``/``data`` batches for ``analyze``.

    Only files directly inside ``folders`` (or named in ``files``) are kept, as the local
    listing does; their bytes are decompressed by suffix.
    """

    analyze: Callable[[Iterator[pa.RecordBatch]], Any]
    folders: frozenset[str]
    files: frozenset[str]
    schemes: Mapping[str, str]

    def _batches(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            urls, datas = [], []
            for path, data in zip(
                batch.column("path").to_pylist(), batch.column("content").to_pylist(), strict=True
            ):
                url = vigil_url(path, self.schemes)
                if url in self.files or url.rsplit("/", 1)[0] in self.folders:
                    urls.append(url)
                    datas.append(decompress(url, data))
            if urls:
                yield pa.RecordBatch.from_arrays(
                    [pa.array(urls, type=pa.string()), pa.array(datas, type=pa.binary())],
                    names=["url", "data"],
                )

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _guarded(lambda: self.analyze(self._batches(batches)))


@dataclass(frozen=True)
class _Rows:
    """A tabular scan: Spark's batches (large types narrowed, file URLs mapped back)."""

    analyze: Callable[[Iterator[pa.RecordBatch]], Any]
    schemes: Mapping[str, str]

    def _batches(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield _narrowed(batch, self.schemes)

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _guarded(lambda: self.analyze(self._batches(batches)))


def _narrowed(batch: pa.RecordBatch, schemes: Mapping[str, str]) -> pa.RecordBatch:
    columns, fields = [], []
    for f, column in zip(batch.schema, batch.columns, strict=True):
        if pa.types.is_large_string(f.type):
            column, f = column.cast(pa.string()), f.with_type(pa.string())
        elif pa.types.is_large_binary(f.type):
            column, f = column.cast(pa.binary()), f.with_type(pa.binary())
        if f.name == FileScan.FILE_COLUMN:
            column = pa.array(
                [None if p is None else vigil_url(p, schemes) for p in column.to_pylist()],
                type=pa.string(),
            )
        columns.append(column)
        fields.append(f)
    return pa.RecordBatch.from_arrays(columns, schema=pa.schema(fields))


# ---- the engine ------------------------------------------------------------------------------


class SparkEngine(Engine):
    """Runs works on a Spark session (see the module docstring).

    Parameters
    ----------
    master : str, optional
        Spark master URL; None: the running session, else ``local[*]``.
    conf : mapping of str to str, optional
        Session configuration (``spark.executor.memory``, ``spark.sql.files.maxPartitionBytes``
        for the split size, …).
    session : pyspark.sql.SparkSession, optional
        Use this session (master and conf are then ignored).
    """

    type: ClassVar[EngineType] = "spark"

    def __init__(
        self,
        master: str | None = None,
        conf: Mapping[str, str] | None = None,
        *,
        session: Any = None,
    ) -> None:
        self.master = master
        self.conf = dict(conf or {})
        self._session = session

    def session(self) -> Any:
        """The engine's Spark session (started on first use).

        Raises
        ------
        EngineError
            See :func:`spark_session`.
        """
        if self._session is None:
            self._session = spark_session(self.master, self.conf)
        return self._session

    def reduce(self, work: Work[Any, S]) -> S | None:
        """Read and analyse on Spark, merge on the driver (see the module docstring).

        Raises
        ------
        VigilError
            What a partition function raised, re-raised unchanged.
        InvalidParameterError
            For an input URL Spark cannot read.
        EngineError
            If the session cannot start or the Spark job fails underneath.
        """
        scan = work.scan()
        if scan is not None and not scan.paths:
            return None
        tasks: list[Any] = [] if scan is not None else list(work.partitions())
        if scan is None and not tasks:
            return None
        spark = self.session()
        with warnings.catch_warnings():
            # PySpark warns about pandas versions on every Arrow call; these use no pandas.
            warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
            if scan is not None:
                frame, fn = _scan_frame(spark, scan)
            else:
                frame, fn = _task_frame(spark, tasks), _Tasks(work.analyze, work.merge)
            try:
                rows = frame.mapInArrow(fn, _STATE_SCHEMA).collect()
            except VigilError:
                raise
            except Exception as exc:
                raise EngineError(f"the Spark job failed: {_first_line(exc)}") from exc
        state: S | None = _fold(work.merge, (bytes(row[0]) for row in rows))
        return state

    def __repr__(self) -> str:
        return f"SparkEngine(master={self.master!r})"


def _fold(merge: Callable[[Any, Any], Any], payloads: Iterator[bytes]) -> Any:
    state = None
    for payload in payloads:
        ok, value = pickle.loads(payload)
        if not ok:
            raise value
        state = value if state is None else merge(state, value)
    return state


def _task_frame(spark: Any, tasks: Sequence[Any]) -> Any:
    """One row per pickled task, one Spark partition per task, in task order."""
    table = pa.table(
        {
            "index": pa.array(range(len(tasks)), type=pa.int64()),
            "task": pa.array([pickle.dumps(t, protocol=5) for t in tasks], type=pa.binary()),
        }
    )
    frame = spark.createDataFrame(table)
    return frame.repartitionByRange(len(tasks), "index").sortWithinPartitions("index")


def _scan_frame(spark: Any, scan: FileScan[Any]) -> tuple[Any, Any]:
    """The DataFrame Spark reads a scan with, and the function ``mapInArrow`` runs on it."""
    from pyspark.sql import functions as sf

    urls = [spark_url(p) for p in scan.paths]
    schemes = {
        SPARK_SCHEMES[s]: s
        for s in SPARK_SCHEMES
        if any(p.startswith(s + "://") for p in scan.paths)
    }
    reader = spark.read
    if scan.format == "binary":
        named = frozenset(map(_normal, scan.paths))
        folders, files = (named, frozenset()) if scan.folders else (frozenset(), named)
        frame = reader.format("binaryFile").load(urls).select("path", "content")
        return frame, _Files(scan.analyze, folders, files, schemes)
    corrupt, file_column = FileScan.CORRUPT_COLUMN, FileScan.FILE_COLUMN
    if scan.format == "parquet":
        frame = reader.parquet(*urls)
        return frame, _Rows(scan.analyze, schemes)
    if scan.format == "csv":
        from pyspark.sql.types import StringType, StructField, StructType

        schema = StructType(
            [StructField(c, StringType()) for c in scan.columns]
            + [StructField(corrupt, StringType())]
        )
        frame = (
            reader.schema(schema)
            .option("header", str(scan.header).lower())
            .option("sep", scan.delimiter)
            .option("quote", '"')
            .option("escape", '"')
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", corrupt)
            .option("enforceSchema", "false")
            .option("multiLine", "false")
            .csv(urls)
        )
    else:
        frame = (
            reader.option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", corrupt)
            .json(urls)
        )
        present = frame.columns
        order = [c for c in scan.columns if c in present]
        order += [c for c in present if c not in order]
        frame = frame.select(*[sf.col(f"`{c}`") for c in order])
    if corrupt in frame.columns:
        frame = frame.withColumn(
            file_column, sf.when(sf.col(corrupt).isNotNull(), sf.col("_metadata.file_path"))
        )
    return frame, _Rows(scan.analyze, schemes)


def _normal(url: str) -> str:
    if "://" not in url:
        return os.path.abspath(os.path.expanduser(url)).rstrip("/")
    return url.rstrip("/")
