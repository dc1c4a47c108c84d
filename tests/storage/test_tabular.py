"""Tests for vigil.storage.tabular: real CSV, JSON Lines and Parquet files, local and on S3."""

from __future__ import annotations

import gzip
import itertools
import json
import random
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.errors import (
    DatasetFormatError,
    DatasetNotFoundError,
    EmptyDatasetError,
    InvalidParameterError,
    MalformedRowError,
)
from vigil.storage.tabular import (
    MAX_REPORTED_MALFORMED,
    MalformedReport,
    Partition,
    TabularSource,
    plan_partitions,
    read_partition,
)
from vigil.types import DatasetFormat, OnMalformed

SMALL = 64 * 1024
"""A partition target small enough to cut the few-MB files below into many byte ranges."""


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _write(path: Path, data: bytes | str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def _source(*inputs: str, fmt: DatasetFormat = "csv", **kwargs: Any) -> TabularSource:
    return TabularSource(tuple(inputs), fmt, **kwargs)


def _batches(
    parts: Sequence[Partition],
    *,
    on_malformed: OnMalformed = "fail",
    report: MalformedReport | None = None,
) -> list[pa.RecordBatch]:
    """Every batch of every partition, in order; one fresh report per partition, merged."""
    out: list[pa.RecordBatch] = []
    for part in parts:
        partial = MalformedReport()
        out.extend(read_partition(part, on_malformed=on_malformed, report=partial))
        if report is not None:
            report.merge(partial)
    return out


def _rows(parts: Sequence[Partition], **kwargs: Any) -> list[dict[str, Any]]:
    return [row for batch in _batches(parts, **kwargs) for row in batch.to_pylist()]


def _read_rows(source: TabularSource, **kwargs: Any) -> list[dict[str, Any]]:
    return _rows(plan_partitions(source), **kwargs)


def _table(parts: Sequence[Partition], **kwargs: Any) -> pa.Table:
    return pa.Table.from_batches(_batches(parts, **kwargs))


def _first_malformed(parts: Sequence[Partition]) -> tuple[MalformedRowError, Partition]:
    for part in parts:
        try:
            for _ in read_partition(part, on_malformed="fail"):
                pass
        except MalformedRowError as exc:
            return exc, part
    raise AssertionError("no MalformedRowError raised")


def _csv_lines(n: int, seed: int = 0) -> list[str]:
    """``n`` data lines of varying length, with quoted commas and empty fields."""
    rng = random.Random(seed)
    return [
        f'{i},{rng.random():.{rng.randint(1, 12)}f},"q,{"x" * rng.randint(0, 30)}",,c{i % 7}'
        for i in range(n)
    ]


def _line_starts(data: bytes) -> set[int]:
    return {0} | {i + 1 for i, byte in enumerate(data) if byte == ord("\n")}


# ---------------------------------------------------------------------------------------------
# Few-MB files shared by the splitting tests (written once per module)
# ---------------------------------------------------------------------------------------------

N_BIG = 36_000
CSV_HEADER = "id,value,quoted,empty,cat"


@pytest.fixture(scope="module")
def big_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("big")
    lines = _csv_lines(N_BIG)
    _write(root / "header.csv", CSV_HEADER + "\n" + "\n".join(lines) + "\n")
    # No header and no final newline.
    _write(root / "noheader.csv", "\n".join(lines))
    objs = [{"id": i, "s": f"v{i}" * (i % 5), "f": i / 3, "b": i % 2 == 0} for i in range(N_BIG)]
    _write(root / "rows.jsonl", "".join(json.dumps(o) + "\n" for o in objs))
    # Bad rows late in the file: line numbers are 1-based and the header is line 1.
    bad = list(lines)
    bad[33_000] = "1,2"  # too few fields, file line 33_002
    for k in range(30):
        bad[5_000 + 800 * k] = "1,2,3,4,5,6"  # too many fields, file lines 5_002, 5_802, …
    _write(root / "bad.csv", CSV_HEADER + "\n" + "\n".join(bad) + "\n")
    text = [json.dumps(o) for o in objs]
    text[30_000] = '{"id": 30000, "s": '  # file line 30_001
    text[31_000] = "[1, 2, 3]"  # file line 31_001
    _write(root / "bad.jsonl", "\n".join(text) + "\n")
    return root


# ---------------------------------------------------------------------------------------------
# CSV: names, strings, nulls, quoting
# ---------------------------------------------------------------------------------------------


def test_csv_with_header_reads_every_field_as_a_string(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", "id,price,flag,when\n1,2.5,true,2024-01-01\n2,-3,false,x\n")
    parts = plan_partitions(_source(path))
    assert [(p.url, p.column_names) for p in parts] == [(path, ("id", "price", "flag", "when"))]
    table = _table(parts)
    assert table.schema == pa.schema([(n, pa.string()) for n in ("id", "price", "flag", "when")])
    assert table.to_pylist() == [
        {"id": "1", "price": "2.5", "flag": "true", "when": "2024-01-01"},
        {"id": "2", "price": "-3", "flag": "false", "when": "x"},
    ]


def test_csv_without_header_names_columns_c0_and_keeps_the_first_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", "1,2.5,x\n3,,y\n")
    table = _table(plan_partitions(_source(path, header=False)))
    assert table.schema == pa.schema(
        [("_c0", pa.string()), ("_c1", pa.string()), ("_c2", pa.string())]
    )
    assert table.to_pylist() == [
        {"_c0": "1", "_c1": "2.5", "_c2": "x"},
        {"_c0": "3", "_c1": None, "_c2": "y"},
    ]


def test_csv_empty_fields_are_null_and_null_like_words_are_kept(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", 'a,b,c,d\n,"",NA,null\n x ,,None,\n')
    assert _read_rows(_source(path)) == [
        {"a": None, "b": None, "c": "NA", "d": "null"},
        {"a": " x ", "b": None, "c": "None", "d": None},
    ]


def test_csv_quoted_fields_keep_delimiters_and_escaped_quotes(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", 'name,note\n"Doe, Jane","say ""hi"""\n"a,b,c",plain\n')
    assert _read_rows(_source(path)) == [
        {"name": "Doe, Jane", "note": 'say "hi"'},
        {"name": "a,b,c", "note": "plain"},
    ]


def test_csv_quoted_header_and_bom_and_crlf(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", b'\xef\xbb\xbf"first, name",b\r\n1,2\r\n3,\r\n')
    assert _read_rows(_source(path)) == [
        {"first, name": "1", "b": "2"},
        {"first, name": "3", "b": None},
    ]


def test_tab_delimited(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.tsv", "a\tb\n1,5\t2\n")
    assert _read_rows(_source(path, delimiter="\t")) == [{"a": "1,5", "b": "2"}]


def test_csv_gz_is_decompressed_and_never_split(tmp_path: Path) -> None:
    lines = _csv_lines(3_000)
    text = CSV_HEADER + "\n" + "\n".join(lines) + "\n"
    gz = _write(tmp_path / "a.csv.gz", gzip.compress(text.encode()))
    plain = _write(tmp_path / "plain" / "a.csv", text)
    parts = plan_partitions(_source(gz), target_bytes=1024)
    assert len(parts) == 1
    assert (parts[0].start, parts[0].end) == (None, None)
    assert parts[0].column_names == tuple(CSV_HEADER.split(","))
    rows = _rows(parts)
    assert len(rows) == 3_000
    assert rows == _rows(plan_partitions(_source(plain), split_files=False))


def test_directory_and_glob_read_every_file_in_name_order(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _write(data / "part-1.csv", "a,b\n3,4\n")
    _write(data / "part-0.csv", "a,b\n1,2\n")
    _write(data / "nested" / "part-2.txt", "a,b\n5,6\n")
    _write(data / "_SUCCESS", "")
    _write(data / ".part-0.csv.crc", "junk")
    _write(data / "notes.md", "not a csv")
    expected = [{"a": "5", "b": "6"}, {"a": "1", "b": "2"}, {"a": "3", "b": "4"}]
    assert _read_rows(_source(str(data))) == expected
    assert _read_rows(_source(str(data / "part-*.csv"))) == expected[1:]
    assert _read_rows(_source(str(data / "**" / "*.txt"))) == expected[:1]
    # Several inputs are resolved together, sorted and without duplicates.
    both = _source(str(data / "part-1.csv"), str(data / "part-*.csv"))
    assert _read_rows(both) == expected[1:]


def test_files_with_different_headers_give_batches_with_their_own_columns(
    tmp_path: Path,
) -> None:
    _write(tmp_path / "a.csv", "x,y\n1,2\n")
    _write(tmp_path / "b.csv", "y,z,w\n3,4,5\n6,,7\n")
    parts = plan_partitions(_source(str(tmp_path)))
    assert [p.column_names for p in parts] == [("x", "y"), ("y", "z", "w")]
    batches = _batches(parts)
    assert [b.schema.names for b in batches] == [["x", "y"], ["y", "z", "w"]]
    assert batches[1].to_pylist() == [
        {"y": "3", "z": "4", "w": "5"},
        {"y": "6", "z": None, "w": "7"},
    ]


@pytest.mark.parametrize(
    ("header", "message"),
    [("a,a,b", "repeats column names ['a']"), ("a,,c", "header field 1"), ("a,b,", "field 2")],
)
def test_bad_header_is_a_format_error_on_line_1(tmp_path: Path, header: str, message: str) -> None:
    path = _write(tmp_path / "a.csv", header + "\n1,2,3\n")
    with pytest.raises(DatasetFormatError, match=re.escape(message)) as info:
        plan_partitions(_source(path))
    assert (info.value.path, info.value.line) == (path, 1)
    # Without a header the same line is data.
    assert len(_read_rows(_source(path, header=False))) == 2


# ---------------------------------------------------------------------------------------------
# Empty inputs and missing paths
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [True, False])
def test_empty_csv_is_an_empty_dataset_error_naming_the_file(tmp_path: Path, header: bool) -> None:
    path = _write(tmp_path / "empty.csv", "")
    with pytest.raises(EmptyDatasetError, match="empty") as info:
        plan_partitions(_source(path, header=header))
    assert info.value.path == path
    assert path in str(info.value)
    assert isinstance(info.value, ValueError)


def test_header_only_csv_gives_zero_rows(tmp_path: Path) -> None:
    for name, text in [("a.csv", "a,b\n"), ("b.csv", "a,b"), ("c.csv", "a,b\r\n")]:
        path = _write(tmp_path / name, text)
        parts = plan_partitions(_source(path))
        assert parts[0].column_names == ("a", "b")
        assert _batches(parts) == []


def test_empty_json_lines_file_gives_no_batches(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.jsonl", "")
    assert _batches(plan_partitions(_source(path, fmt="json"))) == []
    path = _write(tmp_path / "blank.jsonl", "\n\n")
    assert _batches(plan_partitions(_source(path, fmt="json"))) == []


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_missing_path_is_dataset_not_found(tmp_path: Path, fmt: DatasetFormat) -> None:
    for spec in (tmp_path / "missing.csv", tmp_path / "nothing" / "*.csv"):
        with pytest.raises(DatasetNotFoundError) as info:
            plan_partitions(_source(str(spec), fmt=fmt))
        assert info.value.path == str(spec)
        assert isinstance(info.value, FileNotFoundError)


def test_directory_with_no_file_of_the_format_is_dataset_not_found(tmp_path: Path) -> None:
    _write(tmp_path / "a.parquet", b"PAR1")
    with pytest.raises(DatasetNotFoundError, match="extension"):
        plan_partitions(_source(str(tmp_path), fmt="csv"))


@pytest.mark.parametrize("target", [0, -1])
def test_target_bytes_below_one_is_invalid(tmp_path: Path, target: int) -> None:
    path = _write(tmp_path / "a.csv", "a\n1\n")
    with pytest.raises(InvalidParameterError, match="target_bytes of plan_partitions"):
        plan_partitions(_source(path), target_bytes=target)


def test_unknown_on_malformed_is_invalid(tmp_path: Path) -> None:
    # A typo must not silently mean "skip" for one format and "fail" for another.
    for name, fmt in [("a.csv", "csv"), ("a.jsonl", "json")]:
        path = _write(tmp_path / name, "a,b\n1,2,3\n" if fmt == "csv" else '{"a": 1}\n[1]\n')
        (part,) = plan_partitions(_source(path, fmt=fmt))
        with pytest.raises(InvalidParameterError, match="on_malformed of read_partition"):
            list(read_partition(part, on_malformed="ignore"))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Byte-range partitions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "header"),
    [("header.csv", "csv", True), ("noheader.csv", "csv", False), ("rows.jsonl", "json", True)],
)
def test_byte_ranges_cover_the_file_at_line_starts_and_read_like_the_whole_file(
    big_dir: Path, name: str, fmt: DatasetFormat, header: bool
) -> None:
    path = str(big_dir / name)
    data = Path(path).read_bytes()
    assert len(data) > 1_200_000
    source = _source(path, fmt=fmt, header=header)
    parts = plan_partitions(source, target_bytes=SMALL)
    assert len(parts) >= len(data) // SMALL - 1
    # Contiguous, non-empty ranges over the whole file, each cut at a line start.
    assert parts[0].start == 0
    assert parts[-1].end == len(data)
    for a, b in itertools.pairwise(parts):
        assert a.end == b.start
    starts = _line_starts(data)
    assert all(p.start in starts and p.start < p.end for p in parts)  # type: ignore[operator]
    # Every CSV partition carries the file's names, not its own first line.
    expected_names = tuple(CSV_HEADER.split(",")) if header else tuple(f"_c{i}" for i in range(5))
    if fmt == "csv":
        assert {p.column_names for p in parts} == {expected_names}

    (whole,) = plan_partitions(source, split_files=False)
    assert (whole.start, whole.end) == (None, None)
    whole_table = _table([whole])
    assert whole_table.num_rows == N_BIG
    split_table = _table(parts)
    assert split_table.equals(whole_table)
    if fmt == "csv":
        assert split_table.schema.names == list(expected_names)
        assert split_table.column(0).to_pylist() == [str(i) for i in range(N_BIG)]


def test_a_file_no_bigger_than_the_target_is_one_partition(tmp_path: Path) -> None:
    text = "a,b\n1,2\n3,4\n"
    path = _write(tmp_path / "a.csv", text)
    for target in (len(text), len(text) + 1):
        (part,) = plan_partitions(_source(path), target_bytes=target)
        assert (part.start, part.end) == (None, None)
    # Cuts fall at the first line start after each multiple of the target.
    parts = plan_partitions(_source(path), target_bytes=5)
    assert [(p.start, p.end) for p in parts] == [(0, 8), (8, 12)]
    (part,) = plan_partitions(_source(path), target_bytes=len(text) - 1)
    assert (part.start, part.end) == (0, len(text))
    assert _rows(parts) == _rows([part]) == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_lines_longer_than_the_target_stay_whole(tmp_path: Path) -> None:
    lines = ["k,v"] + [f"{i},{'x' * (i * 37 % 500)}" for i in range(200)]
    path = _write(tmp_path / "a.csv", "\n".join(lines) + "\n")
    parts = plan_partitions(_source(path), target_bytes=50)
    assert len(parts) > 100
    assert [r["v"] for r in _rows(parts)] == [line.split(",")[1] or None for line in lines[1:]]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    lines=st.lists(
        st.lists(st.text("ab ,'", max_size=6), min_size=3, max_size=3),
        min_size=1,
        max_size=40,
    ),
    target=st.integers(min_value=1, max_value=120),
    header=st.booleans(),
    final_newline=st.booleans(),
    crlf=st.booleans(),
)
def test_splitting_never_changes_the_rows(
    tmp_path: Path,
    lines: list[list[str]],
    target: int,
    header: bool,
    final_newline: bool,
    crlf: bool,
) -> None:
    # Three fields per row, each quoted so commas and blanks are data; at least one non-empty
    # field keeps a row from being an empty line.
    rows = [[f'"{f}"' for f in fields[:2]] + [f'"{fields[2]}z"'] for fields in lines]
    eol = "\r\n" if crlf else "\n"
    text = eol.join(([] if not header else ["a,b,c"]) + [",".join(r) for r in rows])
    path = _write(tmp_path / "prop.csv", text + (eol if final_newline else ""))
    source = _source(path, header=header)
    whole = _rows(plan_partitions(source, split_files=False))
    parts = plan_partitions(source, target_bytes=target)
    assert _rows(parts) == whole
    assert len(whole) == len(rows)
    data = Path(path).read_bytes()
    assert all(p.start is None or p.start in _line_starts(data) for p in parts)


# ---------------------------------------------------------------------------------------------
# Malformed CSV rows
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_line", "why"),
    [("1,2,3,4", "expected 3 fields, got 4"), ("1,2", "expected 3 fields, got 2"), ("9", "got 1")],
)
@pytest.mark.parametrize("header", [True, False])
def test_malformed_csv_row_fails_with_file_and_line(
    tmp_path: Path, bad_line: str, why: str, header: bool
) -> None:
    lines = ["a,b,c"] if header else ["0,0,0"]
    lines += ["1,2,3", "4,5,6", "", "7,8,9", bad_line, "10,11,12"]
    path = _write(tmp_path / "bad.csv", "\n".join(lines) + "\n")
    with pytest.raises(MalformedRowError, match=why) as info:
        _read_rows(_source(path, header=header))
    assert (info.value.path, info.value.line) == (path, 6)
    assert isinstance(info.value, DatasetFormatError)
    assert f"{path}:6" in str(info.value)


@pytest.mark.parametrize("header", [True, False])
def test_malformed_csv_rows_are_skipped_counted_and_located(tmp_path: Path, header: bool) -> None:
    lines = ["a,b"] if header else ["0,0"]
    lines += ["1,2", "1,2,3", '"x,y",2,"3"', "3,4", "5", "5,6"]
    path = _write(tmp_path / "bad.csv", "\r\n".join(lines) + "\r\n")
    report = MalformedReport()
    rows = _read_rows(_source(path, header=header), on_malformed="skip", report=report)
    names = ("a", "b") if header else ("_c0", "_c1")
    good = [("1", "2"), ("3", "4"), ("5", "6")]
    if not header:
        good.insert(0, ("0", "0"))
    assert rows == [dict(zip(names, g, strict=True)) for g in good]
    assert report.count == 3
    assert [(url, line) for url, line, _ in report.examples] == [(path, 3), (path, 4), (path, 6)]
    assert "expected 2 fields, got 3" in report.examples[0][2]
    assert '"x,y",2,"3"' in report.examples[1][2]
    assert "got 1" in report.examples[2][2]


def test_malformed_row_in_a_gzip_file_is_located(tmp_path: Path) -> None:
    text = "a,b\n" + "".join(f"{i},{i}\n" for i in range(100)) + "1,2,3\n"
    path = _write(tmp_path / "bad.csv.gz", gzip.compress(text.encode()))
    with pytest.raises(MalformedRowError) as info:
        _read_rows(_source(path))
    assert (info.value.path, info.value.line) == (path, 102)


def test_malformed_row_in_a_later_partition_fails_with_the_file_line(big_dir: Path) -> None:
    path = str(big_dir / "bad.csv")
    parts = plan_partitions(_source(path), target_bytes=SMALL)
    assert len(parts) > 10
    exc, part = _first_malformed(parts)
    assert (exc.path, exc.line) == (path, 5_002)
    assert part.start is not None
    assert part.start > 0
    # Counting lines independently: the bad row really is on that line.
    assert Path(path).read_text().split("\n")[exc.line - 1] == "1,2,3,4,5,6"
    # The same line whether or not the file is split.
    (whole,) = plan_partitions(_source(path), split_files=False)
    exc_whole, _ = _first_malformed([whole])
    assert exc_whole.line == 5_002


@pytest.mark.parametrize("split", [True, False])
def test_skipped_rows_across_partitions_keep_20_examples_and_count_all(
    big_dir: Path, split: bool
) -> None:
    path = str(big_dir / "bad.csv")
    parts = plan_partitions(_source(path), target_bytes=SMALL, split_files=split)
    assert (len(parts) > 10) is split
    report = MalformedReport()
    rows = _rows(parts, on_malformed="skip", report=report)
    assert len(rows) == N_BIG - 31
    assert report.count == 31
    assert len(report.examples) == MAX_REPORTED_MALFORMED == 20
    assert [line for _, line, _ in report.examples] == [5_002 + 800 * k for k in range(20)]
    assert {url for url, _, _ in report.examples} == {path}
    # The skipped rows are exactly the bad ones: ids 5000, 5800, …, 28200 and 33000 are missing.
    missing = set(range(N_BIG)) - {int(r["id"]) for r in rows}
    assert missing == {5_000 + 800 * k for k in range(30)} | {33_000}


def test_report_add_and_merge_cap_examples_but_count_everything() -> None:
    report = MalformedReport()
    for i in range(25):
        report.add("f.csv", i + 1, "bad")
    assert report.count == 25
    assert [line for _, line, _ in report.examples] == list(range(1, 21))
    total = MalformedReport()
    first = MalformedReport()
    for i in range(15):
        first.add("a.csv", i, "bad")
    total.merge(first)
    total.merge(report)
    total.merge(MalformedReport())
    assert total.count == 40
    assert [(u, line) for u, line, _ in total.examples] == [("a.csv", i) for i in range(15)] + [
        ("f.csv", i) for i in range(1, 6)
    ]


# ---------------------------------------------------------------------------------------------
# JSON Lines
# ---------------------------------------------------------------------------------------------


def test_json_lines_flat_objects(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "a.jsonl",
        '{"a": 1, "b": "x", "c": 0.5}\n\n{"a": 2, "b": null, "d": true}\r\n{"b": "z"}',
    )
    table = _table(plan_partitions(_source(path, fmt="json")))
    assert table.num_rows == 3
    assert table.column("a").to_pylist() == [1, 2, None]
    assert table.column("b").to_pylist() == ["x", None, "z"]
    assert table.column("d").to_pylist() == [None, True, None]


def test_json_directory_reads_json_jsonl_and_ndjson(tmp_path: Path) -> None:
    _write(tmp_path / "a.json", '{"a": 1}\n')
    _write(tmp_path / "b.jsonl", '{"a": 2}\n')
    _write(tmp_path / "c.ndjson", '{"a": 3}\n')
    _write(tmp_path / "d.csv", "a\n4\n")
    assert _read_rows(_source(str(tmp_path), fmt="json")) == [{"a": 1}, {"a": 2}, {"a": 3}]


def test_json_key_changing_type_is_read_as_json_text(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "a.jsonl",
        '{"k": 1, "n": {"x": 1}}\n{"k": "a", "n": [1, 2]}\n{"k": true}\n{"k": null, "m": 2.5}\n',
    )
    report = MalformedReport()
    table = _table(plan_partitions(_source(path, fmt="json")), on_malformed="fail", report=report)
    assert report.count == 0
    assert table.schema == pa.schema([("k", pa.string()), ("n", pa.string()), ("m", pa.string())])
    assert table.to_pylist() == [
        {"k": "1", "n": '{"x":1}', "m": None},
        {"k": "a", "n": "[1,2]", "m": None},
        {"k": "true", "n": None, "m": None},
        {"k": None, "n": None, "m": "2.5"},
    ]


JSON_BAD = '{"a": 1}\n{"a": 2\n{"a": 3}\n\n[1, 2]\n"text"\n{"a": 4}\n'
"""Invalid JSON on line 2, an array on line 5, a string on line 6."""


def test_json_invalid_line_fails_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.jsonl", JSON_BAD)
    with pytest.raises(MalformedRowError, match="invalid JSON") as info:
        _read_rows(_source(path, fmt="json"))
    assert (info.value.path, info.value.line) == (path, 2)


@pytest.mark.parametrize("line", ["[1, 2]", "7", '"text"', "true", "null", " null\r"])
def test_json_line_that_is_not_an_object_fails_with_its_line(tmp_path: Path, line: str) -> None:
    path = _write(tmp_path / "a.jsonl", '{"a": 1}\n{"a": 2}\n' + line + '\n{"a": 3}\n')
    with pytest.raises(MalformedRowError, match="expected a JSON object") as info:
        _read_rows(_source(path, fmt="json"))
    assert (info.value.path, info.value.line) == (path, 3)
    report = MalformedReport()
    rows = _read_rows(_source(path, fmt="json"), on_malformed="skip", report=report)
    assert rows == [{"a": "1"}, {"a": "2"}, {"a": "3"}]
    assert [(u, n) for u, n, _ in report.examples] == [(path, 3)]


def test_json_null_first_line_is_malformed_not_a_crash(tmp_path: Path) -> None:
    # pyarrow 26 dies with SIGSEGV on a block whose first row is `null`; run in a child process
    # so that a regression fails this test instead of killing the whole session.
    path = _write(tmp_path / "a.jsonl", '\nnull\n{"a": 1}\n')
    code = (
        "import sys\n"
        "from vigil.storage.tabular import MalformedReport, TabularSource, plan_partitions, "
        "read_partition\n"
        "report = MalformedReport()\n"
        "(part,) = plan_partitions(TabularSource((sys.argv[1],), 'json'))\n"
        "rows = [r for b in read_partition(part, on_malformed='skip', report=report) "
        "for r in b.to_pylist()]\n"
        "print(rows, report.count, [line for _, line, _ in report.examples])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, path], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[{'a': '1'}] 1 [2]"


def test_json_malformed_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.jsonl", JSON_BAD)
    report = MalformedReport()
    rows = _read_rows(_source(path, fmt="json"), on_malformed="skip", report=report)
    # The fallback parser reads values as JSON text.
    assert rows == [{"a": "1"}, {"a": "3"}, {"a": "4"}]
    assert report.count == 3
    assert [(u, line) for u, line, _ in report.examples] == [(path, 2), (path, 5), (path, 6)]
    assert "invalid JSON" in report.examples[0][2]
    assert "got list" in report.examples[1][2]
    assert "got str" in report.examples[2][2]


def test_json_invalid_utf8_line_is_malformed_not_a_broken_string(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.jsonl", b'{"a": "caf\xc3\xa9"}\n{"a": "caf\xe9"}\n{"a": "x"}\n')
    with pytest.raises(MalformedRowError, match="UTF-8") as info:
        _read_rows(_source(path, fmt="json"))
    assert (info.value.path, info.value.line) == (path, 2)
    report = MalformedReport()
    # Every string that comes back is valid: to_pylist would raise UnicodeDecodeError otherwise.
    rows = _read_rows(_source(path, fmt="json"), on_malformed="skip", report=report)
    assert rows == [{"a": "café"}, {"a": "x"}]
    assert [(u, n) for u, n, _ in report.examples] == [(path, 2)]


def test_csv_invalid_utf8_is_a_format_error_naming_the_file(tmp_path: Path) -> None:
    # Today the whole file is rejected without a line number (see errors.MalformedRowError,
    # which names bad encoding as a per-row error); at least it is typed and names the file.
    path = _write(tmp_path / "a.csv", b"a,b\n1,caf\xe9\n")
    with pytest.raises(DatasetFormatError, match="UTF8") as info:
        _read_rows(_source(path))
    assert info.value.path == path


def test_json_malformed_line_in_a_later_partition(big_dir: Path) -> None:
    path = str(big_dir / "bad.jsonl")
    parts = plan_partitions(_source(path, fmt="json"), target_bytes=SMALL)
    assert len(parts) > 10
    exc, part = _first_malformed(parts)
    assert (exc.path, exc.line) == (path, 30_001)
    assert part.start is not None
    assert part.start > 0
    report = MalformedReport()
    rows = _rows(parts, on_malformed="skip", report=report)
    assert len(rows) == N_BIG - 2
    assert report.count == 2
    assert [(u, line) for u, line, _ in report.examples] == [(path, 30_001), (path, 31_001)]


def _bytes_read_by_this_process() -> int:
    with open("/proc/self/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("rchar:"))


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc/self/io")
def test_reading_the_last_json_partition_does_not_read_the_whole_file(big_dir: Path) -> None:
    # Line numbers are needed only for malformed lines: a clean partition must not count the
    # lines of everything before it (that made reading a split file quadratic in its size).
    path = str(big_dir / "rows.jsonl")
    size = Path(path).stat().st_size
    last = plan_partitions(_source(path, fmt="json"), target_bytes=SMALL)[-1]
    assert last.start is not None
    assert last.start > size // 2
    before = _bytes_read_by_this_process()
    rows = _rows([last])
    read = _bytes_read_by_this_process() - before
    assert rows[-1]["id"] == N_BIG - 1
    assert read < size // 4, f"read {read} bytes for a {last.end - last.start}-byte partition"  # type: ignore[operator]


# ---------------------------------------------------------------------------------------------
# Parquet
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def parquet_file(tmp_path: Path) -> tuple[str, pa.Table]:
    n = 10_000
    table = pa.table(
        {
            "i": pa.array(range(n), pa.int64()),
            "f": pa.array([i / 7 for i in range(n)], pa.float64()),
            "s": pa.array([None if i % 11 == 0 else f"s{i}" for i in range(n)], pa.string()),
        }
    )
    path = str(tmp_path / "t.parquet")
    pq.write_table(table, path, row_group_size=1_000)
    return path, table


def test_parquet_one_row_group_per_partition_with_a_tiny_target(
    parquet_file: tuple[str, pa.Table],
) -> None:
    path, table = parquet_file
    parts = plan_partitions(_source(path, fmt="parquet"), target_bytes=1)
    assert [p.row_groups for p in parts] == [(i,) for i in range(10)]
    assert all((p.start, p.end, p.column_names) == (None, None, None) for p in parts)
    assert _table(parts).equals(table)


def test_parquet_row_groups_are_grouped_up_to_the_target(
    parquet_file: tuple[str, pa.Table],
) -> None:
    path, table = parquet_file
    meta = pq.ParquetFile(path).metadata
    sizes = [meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)]
    target = sizes[0] * 2 + 1  # three row groups per partition, the last one short
    parts = plan_partitions(_source(path, fmt="parquet"), target_bytes=target)
    groups = [p.row_groups for p in parts]
    assert [g for p in groups for g in (p or ())] == list(range(10))
    assert 1 < len(parts) < 10
    # Read in small batches: the data, types and order are unchanged.
    batches = [b for p in parts for b in read_partition(p, batch_rows=300)]
    assert max(b.num_rows for b in batches) <= 300
    assert pa.Table.from_batches(batches).equals(table)
    (whole,) = plan_partitions(_source(path, fmt="parquet"), target_bytes=10**12)
    assert whole.row_groups == tuple(range(10))
    assert _table([whole]).equals(table)


def test_empty_parquet_file_gives_no_rows(tmp_path: Path) -> None:
    path = str(tmp_path / "e.parquet")
    pq.write_table(pa.table({"a": pa.array([], pa.int64())}), path)
    assert sum(b.num_rows for b in _batches(plan_partitions(_source(path, fmt="parquet")))) == 0


@pytest.mark.parametrize("content", [b"a,b\n1,2\n", b"", b"PAR1 not really"])
def test_non_parquet_file_is_a_format_error_naming_the_file(tmp_path: Path, content: bytes) -> None:
    path = _write(tmp_path / "fake.parquet", content)
    with pytest.raises(DatasetFormatError, match="Parquet") as info:
        plan_partitions(_source(path, fmt="parquet"))
    assert info.value.path == path
    assert path in str(info.value)


# ---------------------------------------------------------------------------------------------
# S3 (moto server on loopback)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_s3_reads_like_a_local_file(
    s3_bucket: str, s3_client: Any, tmp_path: Path, fmt: DatasetFormat
) -> None:
    n = 4_000
    local = tmp_path / f"data.{fmt}"
    if fmt == "csv":
        _write(local, CSV_HEADER + "\n" + "\n".join(_csv_lines(n)) + "\n1,2\n")
    elif fmt == "json":
        _write(local, "".join(json.dumps({"i": i, "s": "x" * (i % 9)}) + "\n" for i in range(n)))
    else:
        table = pa.table({"i": list(range(n)), "s": [str(i) for i in range(n)]})
        pq.write_table(table, local, row_group_size=500)
    key = f"datasets/{fmt}/part-0.{fmt}"
    s3_client.put_object(Bucket=s3_bucket.removeprefix("s3://"), Key=key, Body=local.read_bytes())

    target = 20_000 if fmt != "parquet" else 1
    remote = plan_partitions(_source(f"{s3_bucket}/datasets/{fmt}/", fmt=fmt), target_bytes=target)
    assert len(remote) > 2
    assert all(p.url == f"{s3_bucket}/{key}" for p in remote)
    local_parts = plan_partitions(_source(str(local), fmt=fmt), target_bytes=target)
    assert [(p.start, p.end, p.row_groups) for p in remote] == [
        (p.start, p.end, p.row_groups) for p in local_parts
    ]
    report = MalformedReport()
    remote_table = _table(remote, on_malformed="skip", report=report)
    assert remote_table.equals(_table(local_parts, on_malformed="skip"))
    assert remote_table.num_rows == n
    if fmt == "csv":
        # The bad last row is found by range reads on S3 too.
        assert [(u, line) for u, line, _ in report.examples] == [(f"{s3_bucket}/{key}", n + 2)]
