"""The ground-truth upload decoder: the same records however the body is cut into chunks."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.capture.ground_truth import GroundTruthFile, write_ground_truth
from vigil.capture.ground_truth_upload import GroundTruthUpload, upload_format
from vigil.errors import InvalidParameterError, MalformedRowError

NOW = datetime(2024, 5, 1, 13, tzinfo=UTC)

ids = st.one_of(
    st.text(min_size=1, max_size=12).filter(lambda s: s.strip()),
    st.integers(min_value=0, max_value=10**12),
)
labels = st.one_of(
    st.text(max_size=5),
    st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1),  # yajl: -2**63 overflows
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
)
records = st.lists(
    st.fixed_dictionaries({"eventId": ids, "label": labels}), min_size=1, max_size=30
)


def _decode(body: bytes, fmt: str, cuts: list[int]) -> list[tuple[str, str]]:
    root = tempfile.mkdtemp()
    file = GroundTruthFile(root)
    upload = GroundTruthUpload(file, fmt)  # type: ignore[arg-type]
    start = 0
    for cut in sorted({min(c, len(body)) for c in cuts}):
        upload.feed(body[start:cut])
        start = cut
    upload.feed(body[start:])
    upload.close()
    done = file.publish(NOW)
    lines = Path(done.url).read_bytes().splitlines()
    return [
        (r["eventMetadata"]["eventId"], r["groundTruthData"]["data"])
        for r in map(orjson.loads, lines)
    ]


def _expected(rows: list[dict[str, object]]) -> list[tuple[str, str]]:
    out = []
    for r in rows:
        label = r["label"]
        text = label if isinstance(label, str) else orjson.dumps(label).decode()
        out.append((str(r["eventId"]), text))
    return out


@settings(max_examples=60, deadline=None)
@given(rows=records, cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=8))
def test_any_chunking_of_a_json_document_gives_the_records(
    rows: list[dict[str, object]], cuts: list[int]
) -> None:
    body = orjson.dumps({"records": rows}, option=orjson.OPT_INDENT_2)
    assert _decode(body, "json", cuts) == _expected(rows)


@settings(max_examples=60, deadline=None)
@given(rows=records, cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=8))
def test_any_chunking_of_json_lines_gives_the_records(
    rows: list[dict[str, object]], cuts: list[int]
) -> None:
    body = b"\n".join(orjson.dumps(r) for r in rows)  # no final newline
    assert _decode(body, "jsonl", cuts) == _expected(rows)


def test_a_bare_list_and_sagemaker_records_are_accepted() -> None:
    body = orjson.dumps(
        [
            {"eventId": "a", "label": 1},
            {
                "groundTruthData": {"data": "0", "encoding": "CSV"},
                "eventMetadata": {"eventId": "b"},
            },
        ]
    )
    assert _decode(body, "json", [7, 30]) == [("a", "1"), ("b", "0")]


@pytest.mark.parametrize(
    ("fmt", "body"),
    [
        ("json", b'{"records": []}'),
        ("json", b'{"other": [1]}'),
        ("json", b"  "),
        ("jsonl", b"\n\n"),
    ],
)
def test_a_body_without_records_is_refused(fmt: str, body: bytes) -> None:
    with GroundTruthFile(tempfile.mkdtemp()) as file:
        upload = GroundTruthUpload(file, fmt)  # type: ignore[arg-type]
        upload.feed(body)
        with pytest.raises(MalformedRowError, match="at least one record") as info:
            upload.close()
    assert info.value.field == "records"


def test_a_document_that_is_not_an_object_or_list_is_refused_at_once() -> None:
    with GroundTruthFile(tempfile.mkdtemp()) as file:
        upload = GroundTruthUpload(file, "json")
        with pytest.raises(MalformedRowError, match="starts with b'\"records\"'"):
            upload.feed(b'  "records"')


def test_upload_formats() -> None:
    assert upload_format("application/x-ndjson; charset=utf-8") == "jsonl"
    assert upload_format("application/vnd.labels+json") == "json"
    assert upload_format("text/plain") is None


def test_a_discarded_or_failed_file_leaves_nothing(tmp_path: Path) -> None:
    with GroundTruthFile(str(tmp_path)) as file:
        file.add("a", "1")
        with pytest.raises(InvalidParameterError):
            file.add("", "1")
        file.discard()
    assert list(tmp_path.rglob("*.jsonl*")) == []
    with pytest.raises(InvalidParameterError):
        write_ground_truth(iter([("a", "1"), ("b", 1)]), str(tmp_path), now=NOW)  # type: ignore[list-item]
    assert list(tmp_path.rglob("*.jsonl*")) == []


def test_an_object_store_destination_is_uploaded_once_whole() -> None:
    from vigil.storage.objectstore import read_bytes

    done = write_ground_truth(
        ((f"id-{i}", str(i % 2)) for i in range(5000)), "memory://gt-upload-test/root", now=NOW
    )
    assert done.url.startswith("memory://gt-upload-test/root/groundtruth/2024/05/01/13/")
    assert len(read_bytes(done.url).splitlines()) == 5000
