"""Tests for vigil.storage.objectstore: real local files and a real S3 API (moto server)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import pytest

from vigil.errors import DatasetNotFoundError, InvalidParameterError, StorageError
from vigil.storage.objectstore import (
    InputFile,
    exists,
    filesystem_for,
    join,
    open_input,
    read_bytes,
    resolve_inputs,
    write_bytes,
)


def _make(root: Path, *names: str, content: bytes = b"x,y\n1,2\n") -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _urls(files: list[InputFile]) -> list[str]:
    return [f.url for f in files]


# ---------------------------------------------------------------------------------------------
# resolve_inputs, local
# ---------------------------------------------------------------------------------------------


def test_directory_walk_is_recursive_and_skips_hidden_and_underscore(tmp_data: Path) -> None:
    _make(
        tmp_data,
        "part-0.csv",
        "sub/part-1.csv",
        "_SUCCESS",
        ".part-0.csv.crc",
        "_temporary/0/part-9.csv",
        ".hidden/part-8.csv",
        "sub/_committed_123",
    )
    files = resolve_inputs(str(tmp_data))
    assert _urls(files) == [str(tmp_data / "part-0.csv"), str(tmp_data / "sub/part-1.csv")]
    assert all(f.size == len(b"x,y\n1,2\n") for f in files)


def test_directory_with_trailing_slash_and_pathlike(tmp_data: Path) -> None:
    _make(tmp_data, "a.csv")
    assert resolve_inputs(str(tmp_data) + "/") == resolve_inputs(tmp_data)


def test_relative_path_becomes_absolute(tmp_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _make(tmp_data, "a.csv")
    monkeypatch.chdir(tmp_data.parent)
    (found,) = resolve_inputs("data/a.csv")
    assert found == InputFile(url=str(tmp_data / "a.csv"), size=8)
    assert os.path.isabs(found.url)


def test_file_url_resolves_to_plain_path(tmp_data: Path) -> None:
    _make(tmp_data, "a.csv")
    assert _urls(resolve_inputs(f"file://{tmp_data}/a.csv")) == [str(tmp_data / "a.csv")]


def test_glob_single_star_does_not_cross_directories(tmp_data: Path) -> None:
    _make(tmp_data, "a.csv", "b.csv", "c.json", "sub/d.csv", ".e.csv", "_f.csv")
    assert _urls(resolve_inputs(f"{tmp_data}/*.csv")) == [
        str(tmp_data / "a.csv"),
        str(tmp_data / "b.csv"),
    ]


def test_glob_double_star_spans_zero_or_more_directories(tmp_data: Path) -> None:
    _make(tmp_data, "top.parquet", "x/a.parquet", "x/y/b.parquet", "x/y/c.csv", "_tmp/z.parquet")
    assert _urls(resolve_inputs(f"{tmp_data}/**/*.parquet")) == [
        str(tmp_data / "top.parquet"),
        str(tmp_data / "x/a.parquet"),
        str(tmp_data / "x/y/b.parquet"),
    ]


def test_glob_that_matches_directories_walks_them(tmp_data: Path) -> None:
    _make(tmp_data, "date=2024-01-01/a.csv", "date=2024-01-02/b.csv", "date=2023-12-31/c.csv")
    assert _urls(resolve_inputs(f"{tmp_data}/date=2024-*")) == [
        str(tmp_data / "date=2024-01-01/a.csv"),
        str(tmp_data / "date=2024-01-02/b.csv"),
    ]


def test_result_is_sorted_deduplicated_and_deterministic(tmp_data: Path) -> None:
    names = ["m.csv", "a.csv", "z/b.csv", "c.csv", "b.csv"]
    _make(tmp_data, *names)
    once = resolve_inputs([f"{tmp_data}/z", str(tmp_data), f"{tmp_data}/a.csv"])
    assert _urls(once) == sorted(str(tmp_data / n) for n in names)
    assert resolve_inputs([str(tmp_data), f"{tmp_data}/*.csv"]) == once
    assert resolve_inputs(str(tmp_data)) == once


def test_extension_filter_counts_compressed_files_as_inner_extension(tmp_data: Path) -> None:
    _make(tmp_data, "a.csv", "b.csv.gz", "c.CSV", "d.csv.bz2", "e.csv.zst", "f.json", "g.gz")
    expected = [str(tmp_data / n) for n in ("a.csv", "b.csv.gz", "c.CSV", "d.csv.bz2", "e.csv.zst")]
    assert _urls(resolve_inputs(str(tmp_data), extensions=[".csv"])) == expected
    assert _urls(resolve_inputs(str(tmp_data), extensions=["csv"])) == expected
    assert _urls(resolve_inputs(f"{tmp_data}/*", extensions=[".json", ".gz"])) == [
        str(tmp_data / n) for n in ("b.csv.gz", "f.json", "g.gz")
    ]


def test_extension_filter_keeps_an_explicitly_named_file(tmp_data: Path) -> None:
    _make(tmp_data, "data.txt", "other.csv")
    files = resolve_inputs([str(tmp_data / "data.txt"), str(tmp_data)], extensions=[".csv"])
    assert _urls(files) == [str(tmp_data / "data.txt"), str(tmp_data / "other.csv")]


@pytest.mark.parametrize(
    ("relative", "extensions"),
    [
        pytest.param("missing.csv", None, id="missing-file"),
        pytest.param("nowhere/", None, id="missing-dir"),
        pytest.param("*.parquet", None, id="empty-glob"),
        pytest.param("**/*.nope", None, id="empty-recursive-glob"),
        pytest.param("empty", None, id="empty-dir"),
        pytest.param("only_hidden", None, id="only-hidden-files"),
        pytest.param("", [".parquet"], id="all-filtered-out"),
    ],
)
def test_no_match_raises_dataset_not_found_naming_the_spec(
    tmp_data: Path, relative: str, extensions: list[str] | None
) -> None:
    _make(tmp_data, "a.csv", "only_hidden/_SUCCESS", "only_hidden/.x.crc")
    (tmp_data / "empty").mkdir()
    spec = f"{tmp_data}/{relative}"
    with pytest.raises(DatasetNotFoundError) as info:
        resolve_inputs(spec, extensions=extensions)
    assert spec in str(info.value)
    assert info.value.path == spec
    assert isinstance(info.value, FileNotFoundError)


def test_every_spec_must_match(tmp_data: Path) -> None:
    _make(tmp_data, "a.csv")
    missing = str(tmp_data / "b.csv")
    with pytest.raises(DatasetNotFoundError, match=r"b\.csv"):
        resolve_inputs([str(tmp_data / "a.csv"), missing])


@pytest.mark.parametrize("spec", [[], "", "  ", 42, [None]])
def test_bad_spec_raises_invalid_parameter(spec: Any) -> None:
    with pytest.raises(InvalidParameterError, match="spec of resolve_inputs"):
        resolve_inputs(spec)


def test_unknown_protocol_raises_invalid_parameter() -> None:
    with pytest.raises(InvalidParameterError, match="protocol"):
        filesystem_for("nosuchproto://x/y")


# ---------------------------------------------------------------------------------------------
# Reading and writing, local
# ---------------------------------------------------------------------------------------------


def test_local_write_read_round_trip_creates_parents(tmp_data: Path) -> None:
    target = f"{tmp_data}/a/b/c/report.json"
    write_bytes(target, b'{"ok": true}')
    assert read_bytes(target) == b'{"ok": true}'
    write_bytes(target, b"second")
    assert read_bytes(target) == b"second"
    assert exists(target)
    assert exists(f"{tmp_data}/a/b")
    assert not exists(f"{tmp_data}/a/missing.json")


def test_local_write_is_atomic_and_leaves_no_temp_files(tmp_data: Path) -> None:
    for i in range(3):
        write_bytes(tmp_data / "out.json", f"{i}".encode())
    assert os.listdir(tmp_data) == ["out.json"]
    assert (tmp_data / "out.json").read_bytes() == b"2"


def test_failed_local_write_cleans_up_and_raises_storage_error(tmp_data: Path) -> None:
    (tmp_data / "target").mkdir()  # os.replace of a file over a directory fails
    with pytest.raises(StorageError) as info:
        write_bytes(tmp_data / "target", b"data")
    assert info.value.path == str(tmp_data / "target")
    assert os.listdir(tmp_data) == ["target"]


def test_write_under_a_file_raises_storage_error(tmp_data: Path) -> None:
    _make(tmp_data, "plain")
    with pytest.raises(StorageError, match="writing failed"):
        write_bytes(f"{tmp_data}/plain/child.json", b"{}")


def test_read_missing_raises_dataset_not_found(tmp_data: Path) -> None:
    with pytest.raises(DatasetNotFoundError) as info:
        read_bytes(tmp_data / "missing.json")
    assert info.value.path == str(tmp_data / "missing.json")


def test_write_rejects_non_bytes(tmp_data: Path) -> None:
    with pytest.raises(InvalidParameterError, match="data of write_bytes"):
        write_bytes(tmp_data / "x", "text")  # type: ignore[arg-type]


def test_open_input_decompresses_gzip_csv(tmp_data: Path) -> None:
    payload = b"a,b\n1,2\n3,4\n"
    (tmp_data / "data.csv.gz").write_bytes(gzip.compress(payload))
    (tmp_data / "plain.csv").write_bytes(payload)
    with open_input(tmp_data / "data.csv.gz") as f:
        assert f.read() == payload
    with open_input(str(tmp_data / "plain.csv")) as f:
        assert f.read() == payload
    assert read_bytes(tmp_data / "data.csv.gz") != payload  # read_bytes does not decompress


def test_open_input_errors(tmp_data: Path) -> None:
    with pytest.raises(DatasetNotFoundError), open_input(tmp_data / "missing.csv"):
        pass
    with pytest.raises(DatasetNotFoundError, match="directory"), open_input(tmp_data):
        pass
    with pytest.raises(InvalidParameterError, match="mode of open_input"):  # noqa: SIM117
        with open_input(tmp_data / "x", "wb"):  # type: ignore[arg-type]
            pass


def test_leftover_temp_file_is_skipped_by_resolve(tmp_data: Path) -> None:
    _make(tmp_data, "out.json", ".out.json.abc123.tmp")
    assert _urls(resolve_inputs(tmp_data)) == [str(tmp_data / "out.json")]


# ---------------------------------------------------------------------------------------------
# join
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "parts", "expected"),
    [
        ("s3://bucket/prefix/", ("data.csv",), "s3://bucket/prefix/data.csv"),
        ("s3://bucket/prefix/", ("/capture/", "/ep/"), "s3://bucket/prefix/capture/ep"),
        ("s3://bucket", ("a", "b/c"), "s3://bucket/a/b/c"),
        ("s3://bucket//double//", ("", "x"), "s3://bucket/double/x"),
        ("/abs/dir/", ("f",), "/abs/dir/f"),
        ("/", ("f",), "/f"),
        ("rel/dir", ("f",), "rel/dir/f"),
        ("file:///tmp/x/", ("y",), "file:///tmp/x/y"),
        ("memory:///root", ("a//b",), "memory:///root/a/b"),
        ("gs://b/p/", (), "gs://b/p"),
    ],
)
def test_join_never_yields_double_slash(base: str, parts: tuple[str, ...], expected: str) -> None:
    joined = join(base, *parts)
    assert joined == expected
    assert "//" not in joined.partition("://")[2].lstrip("/")


def test_join_rejects_bad_arguments() -> None:
    with pytest.raises(InvalidParameterError):
        join("")
    with pytest.raises(InvalidParameterError):
        join("s3://b", 3)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# S3 (moto server on loopback)
# ---------------------------------------------------------------------------------------------


def test_s3_write_read_round_trip(s3_bucket: str) -> None:
    url = join(s3_bucket, "reports/", "/statistics.json")
    write_bytes(url, b'{"version": 0.0}')
    assert read_bytes(url) == b'{"version": 0.0}'
    assert exists(url)
    assert exists(join(s3_bucket, "reports"))
    assert not exists(join(s3_bucket, "nothing.json"))


def test_s3_resolve_walks_prefix_skips_hidden_and_keeps_protocol(
    s3_bucket: str, s3_client: Any
) -> None:
    bucket = s3_bucket.removeprefix("s3://")
    keys = {
        "train/part-1.csv": b"a\n1\n",
        "train/part-0.csv": b"a\n",
        "train/nested/part-2.csv.gz": gzip.compress(b"a\n2\n"),
        "train/_SUCCESS": b"",
        "train/.part-0.csv.crc": b"crc",
        "train/_temporary/0/part-9.csv": b"a\n",
        "other/x.csv": b"a\n",
    }
    for key, body in keys.items():
        s3_client.put_object(Bucket=bucket, Key=key, Body=body)
    files = resolve_inputs(f"{s3_bucket}/train/", extensions=[".csv"])
    assert files == [
        InputFile(
            url=f"{s3_bucket}/train/nested/part-2.csv.gz",
            size=len(keys["train/nested/part-2.csv.gz"]),
        ),
        InputFile(url=f"{s3_bucket}/train/part-0.csv", size=2),
        InputFile(url=f"{s3_bucket}/train/part-1.csv", size=4),
    ]
    assert _urls(resolve_inputs(f"{s3_bucket}/**/*.csv")) == [
        f"{s3_bucket}/other/x.csv",
        f"{s3_bucket}/train/part-0.csv",
        f"{s3_bucket}/train/part-1.csv",
    ]
    with open_input(f"{s3_bucket}/train/nested/part-2.csv.gz") as f:
        assert f.read() == b"a\n2\n"


def test_s3_listing_is_not_cached(s3_bucket: str, s3_client: Any) -> None:
    bucket = s3_bucket.removeprefix("s3://")
    write_bytes(f"{s3_bucket}/capture/a.jsonl", b"{}\n")
    assert len(resolve_inputs(f"{s3_bucket}/capture")) == 1
    s3_client.put_object(Bucket=bucket, Key="capture/b.jsonl", Body=b"{}\n")  # behind s3fs
    assert len(resolve_inputs(f"{s3_bucket}/capture")) == 2


def test_s3_missing_raises_dataset_not_found(s3_bucket: str) -> None:
    for spec in (f"{s3_bucket}/missing.csv", f"{s3_bucket}/prefix/**/*.parquet"):
        with pytest.raises(DatasetNotFoundError) as info:
            resolve_inputs(spec)
        assert spec in str(info.value)
    with pytest.raises(DatasetNotFoundError):
        read_bytes(f"{s3_bucket}/missing.csv")
    with pytest.raises(DatasetNotFoundError), open_input(f"{s3_bucket}/missing.csv.gz"):
        pass


def test_s3_unreachable_endpoint_raises_storage_error(s3_server: str) -> None:
    options = {
        "client_kwargs": {"endpoint_url": "http://127.0.0.1:9"},  # discard port: refused
        "config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 1},
    }
    with pytest.raises(StorageError) as info:
        read_bytes("s3://bucket/key.json", storage_options=options)
    assert info.value.path == "s3://bucket/key.json"
    assert not isinstance(info.value, DatasetNotFoundError)
