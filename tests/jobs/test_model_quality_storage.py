"""Ground-truth layout on a real S3 API (moto server on loopback) and on local disk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from vigil.storage.ground_truth_layout import (
    ground_truth_file_url,
    ground_truth_hours,
    list_ground_truth_files,
)
from vigil.storage.objectstore import write_bytes

T = datetime(2024, 5, 1, 22, 30, tzinfo=UTC)


def _files(root: str) -> list[str]:
    hours = ground_truth_hours(T, T + timedelta(hours=1), T + timedelta(hours=4))
    assert [h.hour for h in hours] == [22, 23, 0, 1, 2]  # across midnight, up to "now"
    return [f.url.removeprefix(root) for f in list_ground_truth_files(root, hours)]


def _arrange(root: str) -> None:
    for when, name in [
        (T, "b.jsonl"),
        (T, "a.jsonl"),
        (T - timedelta(hours=1), "early.jsonl"),  # collected before the window: not read
        (T + timedelta(hours=2), "c.jsonl.gz"),
        (T + timedelta(hours=2), "_hidden.jsonl"),
        (T + timedelta(hours=2), "notes.txt"),
        (T + timedelta(hours=5), "late.jsonl"),  # collected after "now": not read
    ]:
        write_bytes(ground_truth_file_url(root, when, name), b"{}\n")
    write_bytes(root.rstrip("/") + "/2024/05/02/00/deeper/x.jsonl", b"{}\n")  # not an hour file


EXPECTED = ["/2024/05/01/22/a.jsonl", "/2024/05/01/22/b.jsonl", "/2024/05/02/00/c.jsonl.gz"]


def test_listing_on_s3_keeps_the_hour_files_in_filing_order(s3_bucket: str) -> None:
    root = f"{s3_bucket}/gt"
    _arrange(root)
    assert _files(root) == EXPECTED


def test_listing_on_local_disk_matches_s3(tmp_path: Path) -> None:
    root = str(tmp_path / "gt")
    _arrange(root)
    assert _files(root) == EXPECTED
    assert _files(str(tmp_path / "missing")) == []
