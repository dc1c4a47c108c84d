"""Capture records built on the hot path read back with the formats models and byte-exact."""

from __future__ import annotations

import math

import orjson
import pytest

from vigil.capture.record import CaptureContentTypes, build_capture_line, format_inference_time
from vigil.capture.sampler import Sampler
from vigil.errors import InvalidParameterError
from vigil.formats.capture import CaptureRecord

TYPES = CaptureContentTypes(csv=["text/csv"], json=["application/json", "application/jsonlines"])


def build(data: bytes, content_type: str | None, **kw: object) -> CaptureRecord:
    line = build_capture_line(
        event_id="e",
        inference_id=kw.get("inference_id"),  # type: ignore[arg-type]
        inference_time="2024-05-01T13:00:00Z",
        custom_attributes=kw.get("custom_attributes"),  # type: ignore[arg-type]
        input_data=data,
        input_content_type=content_type,
        output_data=kw.get("output", b"1"),  # type: ignore[arg-type]
        output_content_type="text/csv; charset=utf-8",
        content_types=TYPES,
    )
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    return CaptureRecord.from_json(line)


@pytest.mark.parametrize(
    ("data", "content_type", "encoding"),
    [
        (b"1,2\r\n3,4\n", "text/csv", "CSV"),
        (b"1,2", "TEXT/CSV; charset=utf-8", "CSV"),
        (b'{"a": "\\u00e9\xc3\xa9"}', "application/json", "JSON"),
        (b'{"a":1}\n{"a":2}\n', "application/jsonlines", "JSON"),
        (bytes(range(256)), "application/x-npy", "BASE64"),
        (b"1,2", None, "BASE64"),
        (b"\xff\xfe not utf-8", "text/csv", "BASE64"),  # declared CSV but not text
    ],
)
def test_payload_decodes_back_to_the_request_bytes(
    data: bytes, content_type: str | None, encoding: str
) -> None:
    record = build(data, content_type)
    side = record.capture_data.endpoint_input
    assert side is not None
    assert side.encoding == encoding
    assert side.observed_content_type == content_type
    assert side.mode == "INPUT"
    assert side.decoded() == data


def test_metadata_keys_and_order() -> None:
    record = build(b"1", "text/csv", inference_id="inf", custom_attributes="k=v")
    assert record.event_metadata.inference_id == "inf"
    assert record.event_metadata.custom_attributes == "k=v"
    raw = orjson.loads(record.to_json())
    assert list(raw) == ["captureData", "eventMetadata", "eventVersion"]
    assert list(raw["eventMetadata"]) == [
        "eventId",
        "inferenceId",
        "inferenceTime",
        "customAttributes",
    ]
    assert list(raw["captureData"]["endpointInput"]) == [
        "observedContentType",
        "mode",
        "data",
        "encoding",
    ]
    bare = orjson.loads(build(b"1", "text/csv").to_json())
    assert list(bare["eventMetadata"]) == ["eventId", "inferenceTime"]


def test_a_side_that_is_not_captured_is_omitted() -> None:
    record = build(b"1", "text/csv", output=None)
    assert record.capture_data.endpoint_output is None


def test_inference_time_is_utc_to_the_second() -> None:
    assert format_inference_time(0.999) == "1970-01-01T00:00:00Z"
    assert format_inference_time(1714568399.9) == "2024-05-01T12:59:59Z"
    assert format_inference_time(1714568400.0) == "2024-05-01T13:00:00Z"


def test_content_types_cannot_be_both_or_empty() -> None:
    with pytest.raises(InvalidParameterError):
        CaptureContentTypes(csv=["text/csv"], json=["text/csv"])
    with pytest.raises(InvalidParameterError):
        CaptureContentTypes(csv=[""], json=["application/json"])


@pytest.mark.parametrize("percentage", [1.0, 20.0, 50.0, 99.5])
def test_sampling_is_within_four_standard_deviations(percentage: float) -> None:
    n = 20_000
    sampler = Sampler(percentage, seed=percentage)
    kept = sum(sampler.sample() for _ in range(n))
    p = percentage / 100
    assert abs(kept - n * p) < 4 * math.sqrt(n * p * (1 - p))


def test_sampling_is_reproducible_and_bounded() -> None:
    a, b = Sampler(30, seed=5), Sampler(30, seed=5)
    assert [a.sample() for _ in range(100)] == [b.sample() for _ in range(100)]
    assert not any(Sampler(0).sample() for _ in range(1000))
    assert all(Sampler(100).sample() for _ in range(1000))
    for bad in (-1, 100.5, float("nan"), True, "50"):
        with pytest.raises(InvalidParameterError):
            Sampler(bad)  # type: ignore[arg-type]
