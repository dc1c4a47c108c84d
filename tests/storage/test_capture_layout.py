"""Capture folder layout: hour prefixes, listing only the window's hours, file names (spec §1.3)."""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

import fsspec
import pytest
from fsspec.implementations.local import LocalFileSystem

from vigil.errors import InvalidParameterError
from vigil.storage.capture_layout import (
    capture_file_name,
    capture_file_url,
    hour_path,
    hour_prefixes,
    list_capture_files,
)
from vigil.storage.objectstore import InputFile


def _t(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _hours(prefixes: list[str]) -> list[str]:
    return ["/".join(p.split("/")[-4:]) for p in prefixes]


# --------------------------------------------------------------------------------------------
# hour_prefixes
# --------------------------------------------------------------------------------------------


def test_hour_prefixes_cross_day_month_and_year_boundaries() -> None:
    got = hour_prefixes(
        "s3://b/dc", "ep", "AllTraffic", _t(2024, 12, 31, 22, 45), _t(2025, 1, 1, 1)
    )
    assert got == [
        "s3://b/dc/ep/AllTraffic/2024/12/31/22",
        "s3://b/dc/ep/AllTraffic/2024/12/31/23",
        "s3://b/dc/ep/AllTraffic/2025/01/01/00",
    ]
    # leap day and a month boundary
    assert _hours(hour_prefixes("s3://b", "e", "v", _t(2024, 2, 29, 23), _t(2024, 3, 1, 1))) == [
        "2024/02/29/23",
        "2024/03/01/00",
    ]
    assert _hours(
        hour_prefixes("s3://b", "e", "v", _t(2023, 4, 30, 23, 59), _t(2023, 5, 1, 0, 1))
    ) == [
        "2023/04/30/23",
        "2023/05/01/00",
    ]


def test_hour_prefixes_window_not_aligned_to_hours() -> None:
    # [10:30, 12:15) touches hours 10, 11 and 12; [10:00, 12:00) only 10 and 11
    assert _hours(
        hour_prefixes("/r", "e", "v", _t(2024, 5, 1, 10, 30), _t(2024, 5, 1, 12, 15))
    ) == [
        "2024/05/01/10",
        "2024/05/01/11",
        "2024/05/01/12",
    ]
    assert _hours(hour_prefixes("/r", "e", "v", _t(2024, 5, 1, 10), _t(2024, 5, 1, 12))) == [
        "2024/05/01/10",
        "2024/05/01/11",
    ]
    one_second = hour_prefixes("/r", "e", "v", _t(2024, 5, 1, 10, 59, 59), _t(2024, 5, 1, 11))
    assert _hours(one_second) == ["2024/05/01/10"]
    assert hour_prefixes("/r", "e", "v", _t(2024, 5, 1, 10), _t(2024, 5, 1, 10)) == []


def test_hour_prefixes_convert_offsets_to_utc() -> None:
    paris = timezone(timedelta(hours=2))
    start = datetime(2024, 5, 1, 1, 30, tzinfo=paris)  # 2024-04-30T23:30Z
    assert _hours(hour_prefixes("/r", "e", "v", start, start + timedelta(hours=1))) == [
        "2024/04/30/23",
        "2024/05/01/00",
    ]
    india = timezone(timedelta(hours=5, minutes=30))
    assert hour_path(datetime(2024, 5, 1, 5, 29, tzinfo=india)) == "2024/04/30/23"


def test_hour_prefixes_never_double_slash_and_make_local_roots_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start, end = _t(2024, 5, 1, 10), _t(2024, 5, 1, 11)
    assert hour_prefixes("s3://b/dc/", "/ep/", "v", start, end) == ["s3://b/dc/ep/v/2024/05/01/10"]
    monkeypatch.chdir(tmp_path)
    assert hour_prefixes("capture", "ep", "v", start, end) == [
        os.path.join(str(tmp_path), "capture", "ep", "v", "2024", "05", "01", "10")
    ]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (datetime(2024, 5, 1, 10), _t(2024, 5, 1, 11), "start"),
        (_t(2024, 5, 1, 10), datetime(2024, 5, 1, 11), "end"),
        (_t(2024, 5, 1, 11), _t(2024, 5, 1, 10), "end"),
    ],
)
def test_hour_prefixes_refuse_naive_or_reversed_windows(
    start: datetime, end: datetime, field: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        hour_prefixes("/r", "e", "v", start, end)
    assert info.value.field == field


@pytest.mark.parametrize("bad", ["", "a/b", "/"])
def test_hour_prefixes_refuse_bad_names(bad: str) -> None:
    with pytest.raises(InvalidParameterError):
        hour_prefixes("/r", bad, "v", _t(2024, 5, 1), _t(2024, 5, 2))


# --------------------------------------------------------------------------------------------
# list_capture_files
# --------------------------------------------------------------------------------------------


class _RecordingFileSystem(LocalFileSystem):
    """The real local filesystem under the ``vigilrec://`` protocol, recording what is listed."""

    protocol = "vigilrec"
    listed: ClassVar[list[str]] = []

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        text = str(path)
        if text.startswith("vigilrec://"):
            text = text[len("vigilrec://") :]
        return super()._strip_protocol(text)

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> Any:
        self.listed.append(f"ls {path}")
        return super().ls(path, detail=detail, **kwargs)

    def find(self, path: str, *args: Any, **kwargs: Any) -> Any:
        self.listed.append(f"find {path}")
        return super().find(path, *args, **kwargs)

    def glob(self, path: str, *args: Any, **kwargs: Any) -> Any:
        self.listed.append(f"glob {path}")
        return super().glob(path, *args, **kwargs)

    def walk(self, path: str, *args: Any, **kwargs: Any) -> Any:
        self.listed.append(f"walk {path}")
        return super().walk(path, *args, **kwargs)


def _touch(path: Path, data: bytes = b"{}\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_list_only_the_window_hours_and_never_the_whole_prefix(tmp_path: Path) -> None:
    fsspec.register_implementation("vigilrec", _RecordingFileSystem, clobber=True)
    base = tmp_path / "dc" / "ep" / "AllTraffic" / "2024" / "05" / "01"
    for hour in ("09", "10", "11", "12"):
        _touch(base / hour / f"00-00-000-{hour}.jsonl")
    _touch(base / "10" / "59-59-999-b.jsonl")
    _touch(base / "10" / "00-00-001-a.jsonl.gz", gzip.compress(b"{}\n"))
    for skipped in ("notes.txt", "x.json", "_tmp.jsonl", ".hidden.jsonl", "sub/deeper.jsonl"):
        _touch(base / "10" / skipped)
    _RecordingFileSystem.listed.clear()
    files = list_capture_files(
        f"vigilrec://{tmp_path}/dc", "ep", "AllTraffic", _t(2024, 5, 1, 10), _t(2024, 5, 1, 12)
    )
    assert [f.url.rsplit("/", 2)[-2:] for f in files] == [
        ["10", "00-00-000-10.jsonl"],
        ["10", "00-00-001-a.jsonl.gz"],
        ["10", "59-59-999-b.jsonl"],
        ["11", "00-00-000-11.jsonl"],
    ]
    assert all(f.url.startswith("vigilrec://") for f in files)
    assert files[0].size == 3
    # exactly the two hour folders were listed, each once, nothing above or beside them
    assert sorted(_RecordingFileSystem.listed) == [f"ls {base}/10", f"ls {base}/11"]


def test_list_skips_missing_and_empty_hours(tmp_path: Path) -> None:
    base = tmp_path / "ep" / "v" / "2024" / "05" / "01"
    (base / "10").mkdir(parents=True)  # an hour folder with no files
    _touch(base / "12" / "05-00-000-x.jsonl")  # hour 11 does not exist at all
    files = list_capture_files(str(tmp_path), "ep", "v", _t(2024, 5, 1, 10), _t(2024, 5, 1, 13))
    assert files == [InputFile(url=str(base / "12" / "05-00-000-x.jsonl"), size=3)]
    empty = list_capture_files(str(tmp_path), "ep", "v", _t(2024, 5, 1, 10), _t(2024, 5, 1, 12))
    assert empty == []
    assert (
        list_capture_files(str(tmp_path / "nowhere"), "e", "v", _t(2024, 1, 1), _t(2024, 1, 2))
        == []
    )


def test_list_on_s3_reads_only_window_hours(s3_bucket: str, s3_client: Any) -> None:
    bucket = s3_bucket.removeprefix("s3://")
    for key in (
        "dc/ep/v/2024/05/01/09/59-59-999-before.jsonl",
        "dc/ep/v/2024/05/01/10/00-01-000-a.jsonl",
        "dc/ep/v/2024/05/01/10/30-00-000-b.jsonl",
        "dc/ep/v/2024/05/01/10/_SUCCESS",
        "dc/ep/v/2024/05/01/11/00-00-000-after.jsonl",
        "dc/ep/v/2024/05/01/100/00-00-000-lookalike.jsonl",
    ):
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"{}\n")
    files = list_capture_files(
        f"{s3_bucket}/dc/", "ep", "v", _t(2024, 5, 1, 10), _t(2024, 5, 1, 11)
    )
    assert [f.url for f in files] == [
        f"{s3_bucket}/dc/ep/v/2024/05/01/10/00-01-000-a.jsonl",
        f"{s3_bucket}/dc/ep/v/2024/05/01/10/30-00-000-b.jsonl",
    ]
    assert list_capture_files(s3_bucket, "ep", "v", _t(2024, 5, 2), _t(2024, 5, 2, 3)) == []


# --------------------------------------------------------------------------------------------
# file names
# --------------------------------------------------------------------------------------------


def test_capture_file_name_is_minute_second_millisecond_uuid() -> None:
    now = datetime(2022, 4, 18, 0, 21, 48, 903999, tzinfo=UTC)
    assert capture_file_name(now, "028573f5-3215-431a-b3b8-a200be4d2d9a") == (
        "21-48-903-028573f5-3215-431a-b3b8-a200be4d2d9a.jsonl"
    )
    assert capture_file_name(_t(2022, 4, 18, 0, 1, 2), "u") == "01-02-000-u.jsonl"
    india = timezone(timedelta(hours=5, minutes=30))
    assert capture_file_name(datetime(2022, 4, 18, 5, 51, 2, tzinfo=india), "u") == (
        "21-02-000-u.jsonl"
    )
    with pytest.raises(InvalidParameterError):
        capture_file_name(datetime(2022, 4, 18), "u")
    with pytest.raises(InvalidParameterError):
        capture_file_name(now, "a/b")


def test_capture_file_url_lands_in_the_listed_hour(tmp_path: Path) -> None:
    now = datetime(2024, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
    url = capture_file_url(f"{tmp_path}/dc/", "ep", "AllTraffic", now, "abc")
    assert url == f"{tmp_path}/dc/ep/AllTraffic/2024/12/31/23/59-59-999-abc.jsonl"
    _touch(Path(url))
    files = list_capture_files(
        f"{tmp_path}/dc", "ep", "AllTraffic", now, now + timedelta(seconds=1)
    )
    assert [f.url for f in files] == [url]
