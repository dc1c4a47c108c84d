"""The background capture writer: layout, rotation, flushing, drops, drain, partial lines."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vigil.capture.record import CaptureContentTypes, build_capture_line, format_inference_time
from vigil.capture.writer import CaptureItem, CaptureWriter
from vigil.errors import InvalidParameterError
from vigil.jobs.capture_input import CaptureInput, read_capture_file
from vigil.storage.capture_layout import list_capture_files

T0 = datetime(2024, 5, 1, 13, 59, 58, 250000, tzinfo=UTC).timestamp()
TYPES = CaptureContentTypes(csv=["text/csv"], json=["application/json"])


def line(i: int, t: float) -> bytes:
    return build_capture_line(
        event_id=f"e{i}",
        inference_id=None,
        inference_time=format_inference_time(t),
        custom_attributes=None,
        input_data=f"{i},{i}".encode(),
        input_content_type="text/csv",
        output_data=b"0.5",
        output_content_type="text/csv",
        content_types=TYPES,
    )


def item(root: Path, i: int, t: float, variant: str = "AllTraffic") -> CaptureItem:
    return CaptureItem(str(root), "ep", variant, t, line(i, t))


def files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.jsonl"))


def test_records_go_to_their_hour_folder_named_after_the_first_record(tmp_path: Path) -> None:
    writer = CaptureWriter()
    writer.start()
    for i in range(4):
        assert writer.submit(item(tmp_path, i, T0 + i))  # 13:59:58, 13:59:59, 14:00:00, 14:00:01
    writer.close()
    found = [p.relative_to(tmp_path).as_posix() for p in files(tmp_path)]
    assert len(found) == 2
    assert found[0].startswith("ep/AllTraffic/2024/05/01/13/59-58-250-")
    assert found[1].startswith("ep/AllTraffic/2024/05/01/14/00-00-250-")
    window = CaptureInput(
        str(tmp_path),
        "ep",
        "AllTraffic",
        datetime(2024, 5, 1, 13, tzinfo=UTC),
        datetime(2024, 5, 1, 15, tzinfo=UTC),
    )
    listed = list_capture_files(str(tmp_path), "ep", "AllTraffic", window.start, window.end)
    batches = [read_capture_file(f.url, window) for f in listed]
    assert [b.records_in_window for b in batches] == [2, 2]
    counters = writer.counters()[("ep", "AllTraffic")]
    assert counters.records_written == 4 and counters.files_closed == 2
    assert counters.bytes_written == sum(p.stat().st_size for p in files(tmp_path))


def test_rotates_by_size(tmp_path: Path) -> None:
    writer = CaptureWriter(max_file_bytes=1000)
    writer.start()
    for i in range(40):
        writer.submit(item(tmp_path, i, T0 - 100))
        if i % 5 == 4:
            assert writer.flush()
    writer.close()
    sizes = [p.stat().st_size for p in files(tmp_path)]
    assert len(sizes) > 3 and sum(sizes) == sum(len(line(i, T0 - 100)) for i in range(40))
    assert all(size < 1000 + 5 * len(line(0, T0)) for size in sizes)


def test_rotates_by_age_with_an_injected_clock(tmp_path: Path) -> None:
    now = [T0 - 100]
    writer = CaptureWriter(rotate_seconds=30, flush_interval_seconds=0.05, clock=lambda: now[0])
    writer.start()
    writer.submit(item(tmp_path, 0, T0 - 100))
    assert writer.flush()
    now[0] += 31
    time.sleep(0.2)  # a few writer wake-ups: the file is now too old and is closed
    writer.submit(item(tmp_path, 1, T0 - 69))
    writer.close()
    assert len(files(tmp_path)) == 2


def test_lines_reach_the_disk_within_the_flush_interval_without_close(tmp_path: Path) -> None:
    writer = CaptureWriter(flush_interval_seconds=0.2)
    writer.start()
    try:
        writer.submit(item(tmp_path, 0, time.time()))
        deadline = time.monotonic() + 2
        while not files(tmp_path) or files(tmp_path)[0].stat().st_size == 0:
            assert time.monotonic() < deadline, "nothing written within 2 s"
            time.sleep(0.02)
        assert files(tmp_path)[0].read_bytes().endswith(b"\n")
    finally:
        writer.close()


def test_a_full_queue_drops_and_counts_without_blocking(tmp_path: Path) -> None:
    writer = CaptureWriter(max_queue_records=10)  # not started: nothing drains the queue
    started = time.perf_counter()
    accepted = [writer.submit(item(tmp_path, i, T0)) for i in range(25)]
    assert time.perf_counter() - started < 0.5
    assert accepted.count(True) == 10
    assert writer.counters()[("ep", "AllTraffic")].records_dropped == 15
    writer.close()  # a writer never started writes its queue in the caller
    assert writer.counters()[("ep", "AllTraffic")].records_written == 10
    assert not writer.submit(item(tmp_path, 99, T0))  # closed: dropped and counted
    assert writer.counters()[("ep", "AllTraffic")].records_dropped == 16


def test_close_drains_everything_submitted_from_many_threads(tmp_path: Path) -> None:
    writer = CaptureWriter()
    writer.start()

    def produce(offset: int) -> None:
        for i in range(500):
            writer.submit(item(tmp_path, offset + i, T0 - 1000, variant=f"V{offset % 2}"))

    threads = [threading.Thread(target=produce, args=(k * 1000,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    lines = [ln for p in files(tmp_path) for ln in p.read_bytes().splitlines()]
    assert len(lines) == 2000
    assert sum(c.records_written for c in writer.counters().values()) == 2000


def test_an_unwritable_destination_drops_and_counts(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    writer = CaptureWriter()
    writer.start()
    writer.submit(CaptureItem(str(blocker), "ep", "V", T0, line(0, T0)))
    writer.submit(item(tmp_path / "ok", 1, T0))
    writer.close()
    assert writer.counters()[("ep", "V")].records_dropped == 1
    assert writer.counters()[("ep", "AllTraffic")].records_written == 1


def test_a_partial_last_line_is_skipped_by_the_reader(tmp_path: Path) -> None:
    writer = CaptureWriter()
    writer.start()
    for i in range(3):
        writer.submit(item(tmp_path, i, T0 - 100))
    writer.close()
    [path] = files(tmp_path)
    whole = line(9, T0 - 100)
    with path.open("ab") as f:
        f.write(whole[: len(whole) // 2])  # what a hard kill mid-write leaves
    window = CaptureInput(
        str(tmp_path),
        "ep",
        "AllTraffic",
        datetime(2024, 5, 1, tzinfo=UTC),
        datetime(2024, 5, 2, tzinfo=UTC),
    )
    batch = read_capture_file(str(path), window)
    assert batch.records_in_window == 3 and batch.malformed.count == 1
    assert batch.table.num_rows == 3


def test_writes_to_s3_on_close(tmp_path: Path, s3_bucket: str, s3_client: object) -> None:
    writer = CaptureWriter(staging_dir=str(tmp_path / "staging"))
    writer.start()
    for i in range(5):
        writer.submit(CaptureItem(f"{s3_bucket}/dc/", "ep", "AllTraffic", T0 - 100, line(i, T0)))
    writer.close()
    listing = s3_client.list_objects_v2(Bucket=s3_bucket[5:])  # type: ignore[attr-defined]
    [key] = [obj["Key"] for obj in listing["Contents"]]
    assert key.startswith("dc/ep/AllTraffic/2024/05/01/13/58-18-250-")
    assert writer.counters()[("ep", "AllTraffic")].upload_failures == 0
    assert list((tmp_path / "staging").iterdir()) == []


def test_an_upload_that_keeps_failing_is_kept_in_staging(tmp_path: Path, s3_server: str) -> None:
    writer = CaptureWriter(staging_dir=str(tmp_path / "staging"), upload_retries=1)
    writer.start()
    writer.submit(CaptureItem("s3://no-such-bucket-vigil/dc", "ep", "V", T0, line(0, T0)))
    writer.close()
    assert writer.counters()[("ep", "V")].upload_failures == 1
    [kept] = (tmp_path / "staging").iterdir()
    assert kept.read_bytes() == line(0, T0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_queue_records": 0},
        {"max_queue_records": 1.5},
        {"flush_interval_seconds": 0},
        {"max_file_bytes": -1},
        {"rotate_seconds": float("nan")},
        {"upload_retries": -1},
    ],
)
def test_invalid_limits_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(InvalidParameterError):
        CaptureWriter(**kwargs)  # type: ignore[arg-type]
