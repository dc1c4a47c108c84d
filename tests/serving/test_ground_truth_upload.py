"""``POST /ground-truth`` over loopback HTTP: streamed to disk, all or nothing, bounded.

The server is the real inference app under uvicorn; bodies are sent by httpx, some as
generators (chunked transfer encoding) that pause to look at the disk while the upload is in
flight. Memory figures are measured by ``bench/ground_truth.py``, not here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from tests.polling import eventually
from tests.serving.conftest import serve_app

from vigil.serving import EndpointRegistry, create_app

CLOCK = 1714568400.0 + 125.5  # 2024-05-01T13:02:05.5Z
HOUR = ("groundtruth", "2024", "05", "01", "13")


def _records(start: int, count: int) -> list[dict[str, object]]:
    return [{"eventId": f"id-{i}", "label": i % 2} for i in range(start, start + count)]


def _json_body(records: list[dict[str, object]]) -> bytes:
    return orjson.dumps({"records": records})


def _lines(records: list[dict[str, object]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def _filed(root: Path) -> list[dict[str, object]]:
    """Every ground-truth record published under ``root`` (hour folders only)."""
    out = []
    for path in sorted(root.joinpath("groundtruth").glob("*/*/*/*/*.jsonl")):
        out += [orjson.loads(line) for line in path.read_bytes().splitlines()]
    return out


def _staged(root: Path) -> list[Path]:
    folder = root / "groundtruth" / ".staging"
    return sorted(folder.iterdir()) if folder.exists() else []


def _app(root: Path, **limits: int) -> object:
    return create_app(
        EndpointRegistry(), ground_truth_destination=str(root), clock=lambda: CLOCK, **limits
    )


def test_records_reach_the_disk_while_the_body_is_still_arriving(tmp_path: Path) -> None:
    # today's server read the whole body into memory before writing anything
    first, second = _lines(_records(0, 20_000)), _lines(_records(20_000, 20_000))
    seen: list[int] = []

    def body() -> Iterator[bytes]:
        yield first
        # the first half is decoded and written (past the 1 MiB write buffer) before the
        # second half is sent
        staged = eventually(lambda: _staged(tmp_path), lambda s: bool(s) and s[0].stat().st_size)
        seen.append(staged[0].stat().st_size)
        yield second

    with serve_app(_app(tmp_path)) as url:
        response = httpx.post(
            f"{url}/ground-truth",
            content=body(),
            headers={"content-type": "application/x-ndjson"},
            timeout=60,
        )
    assert response.status_code == 201, response.text
    assert response.json()["records"] == 40_000
    assert seen and seen[0] > 0
    filed = _filed(tmp_path)
    assert [r["eventMetadata"]["eventId"] for r in filed] == [f"id-{i}" for i in range(40_000)]  # type: ignore[index]
    assert Path(response.json()["url"]).parent == tmp_path.joinpath(*HOUR)
    assert _staged(tmp_path) == []


def test_an_upload_larger_than_the_invocation_limit_is_filed(tmp_path: Path) -> None:
    records = _records(0, 200_000)  # 8 MB: over the 6 MiB invocation limit
    body = _json_body(records)
    assert len(body) > 6 * 1024 * 1024
    with serve_app(_app(tmp_path)) as url:
        response = httpx.post(f"{url}/ground-truth", content=body, timeout=60)
    assert response.status_code == 201, response.text
    assert response.json()["records"] == 200_000
    filed = _filed(tmp_path)
    assert len(filed) == 200_000
    assert filed[-1] == {
        "groundTruthData": {"data": "1", "encoding": "CSV"},
        "eventMetadata": {"eventId": "id-199999"},
        "eventVersion": "0",
    }


@pytest.mark.parametrize(
    ("content_type", "body", "row", "field"),
    [
        (
            "application/x-ndjson",
            _lines(_records(0, 5)) + b'\n{"eventId": "x"}\n' + _lines(_records(5, 5)),
            7,  # line 6 is blank
            "label",
        ),
        (
            "application/jsonlines",
            _lines(_records(0, 3)) + b'{"eventId": "y", "label": 1\n',
            4,
            None,
        ),
        (
            "application/json",
            _json_body([*_records(0, 4), {"eventId": "", "label": 1}, *_records(4, 2)]),
            5,
            "records[4].eventId",
        ),
        (
            "application/json",
            b'{"records": [' + b",".join(orjson.dumps(r) for r in _records(0, 3)) + b", {]}",
            4,
            None,
        ),
        ("application/json", b'[{"eventId": "a", "label": [1]}]', 1, "[0].label"),
    ],
    ids=["jsonl-missing-label", "jsonl-bad-json", "json-empty-id", "json-bad-json", "json-list"],
)
def test_a_bad_record_names_its_line_and_files_nothing_of_the_upload(
    tmp_path: Path, content_type: str, body: bytes, row: int, field: str | None
) -> None:
    with serve_app(_app(tmp_path)) as url, httpx.Client(base_url=url, timeout=60) as client:
        earlier = client.post("/ground-truth", json={"records": _records(100, 3)})
        bad = client.post("/ground-truth", content=body, headers={"content-type": content_type})
    assert earlier.status_code == 201, earlier.text
    assert bad.status_code == 400, bad.text
    error = bad.json()
    assert error["code"] == "ValidationError"
    assert error["row"] == row
    assert error.get("field") == field
    # nothing of the bad upload was filed; the upload answered before is intact
    assert [r["eventMetadata"]["eventId"] for r in _filed(tmp_path)] == [  # type: ignore[index]
        "id-100",
        "id-101",
        "id-102",
    ]
    assert _staged(tmp_path) == []


def test_uploads_beyond_the_bound_are_refused_with_retry_after(tmp_path: Path) -> None:
    release = threading.Event()
    answers: dict[str, httpx.Response] = {}

    def slow_body() -> Iterator[bytes]:
        yield _lines(_records(0, 10))
        assert release.wait(30)
        yield _lines(_records(10, 10))

    def slow_upload(url: str) -> None:
        answers["slow"] = httpx.post(
            f"{url}/ground-truth",
            content=slow_body(),
            headers={"content-type": "application/x-ndjson"},
            timeout=60,
        )

    with serve_app(_app(tmp_path, max_ground_truth_uploads=1)) as url:
        thread = threading.Thread(target=slow_upload, args=(url,))
        thread.start()
        try:
            eventually(lambda: _staged(tmp_path), bool)  # the slow upload holds the one slot
            refused = httpx.post(
                f"{url}/ground-truth", json={"records": _records(50, 2)}, timeout=60
            )
        finally:
            release.set()
            thread.join(60)
        again = httpx.post(f"{url}/ground-truth", json={"records": _records(50, 2)}, timeout=60)
    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == "ServiceUnavailable"
    assert refused.headers["retry-after"] == "1"
    assert answers["slow"].status_code == 201 and answers["slow"].json()["records"] == 20
    assert again.status_code == 201
    assert len(_filed(tmp_path)) == 22


def test_a_body_over_the_ground_truth_limit_is_413_and_files_nothing(tmp_path: Path) -> None:
    body = _json_body(_records(0, 2000))
    with serve_app(_app(tmp_path, max_ground_truth_bytes=len(body) - 1)) as url:
        too_big = httpx.post(f"{url}/ground-truth", content=body, timeout=60)
        fits = httpx.post(f"{url}/ground-truth", content=body[: len(body) // 2], timeout=60)
    assert too_big.status_code == 413, too_big.text
    assert fits.status_code == 400  # half a document: incomplete JSON, nothing filed
    assert _filed(tmp_path) == [] and _staged(tmp_path) == []


def test_an_unsupported_content_type_is_415(tmp_path: Path) -> None:
    with serve_app(_app(tmp_path)) as url:
        response = httpx.post(
            f"{url}/ground-truth", content=b"id,label\n1,0\n", headers={"content-type": "text/csv"}
        )
    assert response.status_code == 415
    assert response.json()["code"] == "UnsupportedMediaType"
    assert _filed(tmp_path) == []
