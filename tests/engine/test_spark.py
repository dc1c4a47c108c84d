"""The Spark engine on a real local[2] session: the seam, file scans, errors, and setup errors."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from vigil.engine.base import FileScan, Work, create_engine
from vigil.engine.local import LocalEngine
from vigil.engine.spark import SparkEngine, _require_java
from vigil.errors import EngineError, InvalidParameterError, MalformedRowError

pytestmark = pytest.mark.xdist_group("spark")


# Partition functions: module-level, so that Spark's workers unpickle them by reference.


def _square(x: int) -> list[int]:
    return [x * x]


def _concat(a: list[int], b: list[int]) -> list[int]:
    return a + b


def _fails_on_three(x: int) -> list[int]:
    if x == 3:
        raise MalformedRowError("three is malformed", path="s3://b/three.csv", line=3)
    return [x]


def _files(batches: Iterator[pa.RecordBatch]) -> list[tuple[str, bytes]] | None:
    found = [
        (u, d)
        for b in batches
        for u, d in zip(b.column("url").to_pylist(), b.column("data").to_pylist(), strict=True)
    ]
    return found or None


def _pairs(a: list[tuple[str, bytes]], b: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    return a + b


def test_partitions_run_on_spark_and_merge_in_partition_order(spark_engine: SparkEngine) -> None:
    work = Work(_square, _concat, lambda: list(range(7)))
    assert spark_engine.reduce(work) == [x * x for x in range(7)]
    assert spark_engine.reduce(work) == LocalEngine(2).reduce(work)
    assert spark_engine.reduce(Work(_square, _concat, list)) is None


def test_a_partition_functions_vigil_error_comes_back_typed(spark_engine: SparkEngine) -> None:
    with pytest.raises(MalformedRowError) as caught:
        spark_engine.reduce(Work(_fails_on_three, _concat, lambda: [1, 2, 3, 4]))
    assert caught.value.path == "s3://b/three.csv"
    assert caught.value.line == 3
    assert "three is malformed" in str(caught.value)


def test_binary_scan_reads_the_files_directly_in_the_folders(
    spark_engine: SparkEngine, tmp_path: Path
) -> None:
    hour = tmp_path / "with space" / "10"
    (hour / "sub").mkdir(parents=True)
    (hour / "a.jsonl").write_bytes(b"plain\n")
    (hour / "b.jsonl.gz").write_bytes(gzip.compress(b"zipped\n"))
    (hour / ".hidden.jsonl").write_bytes(b"hidden\n")
    (hour / "_SUCCESS").write_bytes(b"")
    (hour / "sub" / "deeper.jsonl").write_bytes(b"deeper\n")
    single = tmp_path / "single.bin"
    single.write_bytes(b"one file")
    scan = FileScan("binary", (str(hour),), _files, folders=True)
    found = spark_engine.reduce(Work(_square, _pairs, list, scan=lambda: scan))
    assert sorted(found or []) == [
        (str(hour / "a.jsonl"), b"plain\n"),
        (str(hour / "b.jsonl.gz"), b"zipped\n"),
    ]
    files = FileScan("binary", (str(single),), _files)
    assert spark_engine.reduce(Work(_square, _pairs, list, scan=lambda: files)) == [
        (str(single), b"one file")
    ]
    empty = FileScan("binary", (), _files, folders=True)
    assert spark_engine.reduce(Work(_square, _pairs, list, scan=lambda: empty)) is None


def test_urls_spark_cannot_read_are_refused(spark_engine: SparkEngine) -> None:
    scan = FileScan("binary", ("memory://x/y",), _files, folders=True)
    with pytest.raises(InvalidParameterError, match=r"memory://"):
        spark_engine.reduce(Work(_square, _pairs, list, scan=lambda: scan))


def test_a_failing_spark_job_is_an_engine_error(spark_engine: SparkEngine, tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    (tmp_path / "y.csv").write_text("b,a\n1,2\n")  # a header Spark refuses against the first
    scan = FileScan(
        "csv", (str(tmp_path / "x.csv"), str(tmp_path / "y.csv")), _files, columns=("a", "b")
    )
    with pytest.raises(EngineError, match="Spark job failed"):
        spark_engine.reduce(Work(_square, _pairs, list, scan=lambda: scan))


def test_a_second_master_in_one_process_is_refused(spark_engine: SparkEngine) -> None:
    with pytest.raises(EngineError, match="one process holds one session"):
        SparkEngine(master="local[1]").session()
    # no master: the running session
    assert SparkEngine().session() is spark_engine.session()


def test_create_engine_checks_its_block() -> None:
    assert isinstance(create_engine("local", workers=2), LocalEngine)
    assert isinstance(create_engine("spark", master="local[2]"), SparkEngine)
    with pytest.raises(InvalidParameterError, match="for the spark engine"):
        create_engine("local", master="local[2]")
    with pytest.raises(InvalidParameterError, match=r"engine\.type"):
        create_engine("dask")  # type: ignore[arg-type]


def test_missing_java_is_a_typed_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineError, match="needs Java 17") as caught:
        _require_java()
    assert "openjdk-17-jre-headless" in str(caught.value)


def test_missing_pyspark_is_a_typed_error() -> None:
    code = (
        "import sys; sys.modules['pyspark'] = None\n"
        "from vigil.engine.spark import spark_session\n"
        "from vigil.errors import EngineError\n"
        "try:\n    spark_session('local[1]')\n"
        "except EngineError as e:\n    print(type(e).__name__, e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert done.stdout.startswith("EngineError")
    assert "pip install 'vigil[spark]'" in done.stdout
