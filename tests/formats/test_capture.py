"""Capture and ground-truth records (spec §1.2, §1.5): tolerant reading, errors with line numbers."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from vigil.errors import DatasetFormatError, MalformedRowError
from vigil.formats import (
    CaptureData,
    CaptureRecord,
    EndpointData,
    EventMetadata,
    GroundTruthData,
    GroundTruthRecord,
)


def _record() -> dict[str, Any]:
    # The record of spec §1.2 with inferenceId and a BASE64 output (aws/sagemaker-python-sdk#2629).
    return {
        "captureData": {
            "endpointInput": {
                "observedContentType": "application/json",
                "mode": "INPUT",
                "data": '{"longitude": [-122.44, -116.99]}',
                "encoding": "JSON",
            },
            "endpointOutput": {
                "observedContentType": "text/html; charset=utf-8",
                "mode": "OUTPUT",
                "data": "eyJtZWRpYW5faG91c2VfdmFsdWUiOiBbNDc4MDQ2LjY2LCAyMDY1NTEuMDFdfQ==",
                "encoding": "BASE64",
            },
        },
        "eventMetadata": {
            "eventId": "fffc6319-59a6-446f-b30f-46c6ed1aac64",
            "inferenceId": "c7f0edc0-9397-4cd3-a948-bd7b639da2f5",
            "inferenceTime": "2021-09-12T08:03:35Z",
        },
        "eventVersion": "0",
    }


def test_capture_record_fields_and_round_trip() -> None:
    record = CaptureRecord.from_dict(_record())
    assert record.to_dict() == _record()
    output = record.capture_data.endpoint_output
    assert output is not None
    assert output.encoding == "BASE64"
    assert json.loads(output.decoded()) == {"median_house_value": [478046.66, 206551.01]}
    assert record.capture_data.endpoint_input is not None
    assert record.capture_data.endpoint_input.decoded().startswith(b'{"longitude"')
    metadata = record.event_metadata
    assert metadata.join_key == "c7f0edc0-9397-4cd3-a948-bd7b639da2f5"
    assert metadata.inference_datetime == datetime(2021, 9, 12, 8, 3, 35, tzinfo=UTC)


def test_key_order_is_free_and_kept() -> None:
    doc = _record()
    reordered = {
        "eventVersion": "0",
        "eventMetadata": doc["eventMetadata"],
        "captureData": doc["captureData"],
    }
    line = json.dumps(reordered, separators=(",", ":"))
    record = CaptureRecord.from_json(line)
    assert record.to_json() == line


def test_optional_parts_may_be_missing_or_null() -> None:
    doc = {
        "captureData": {
            "endpointOutput": {
                "observedContentType": None,
                "mode": "OUTPUT",
                "data": "1",
                "encoding": "CSV",
            }
        },
        "eventMetadata": {
            "eventId": "e",
            "inferenceTime": "2022-04-18T00:21:48Z",
            "customAttributes": ["a=1"],
        },
        "eventVersion": "0",
    }
    record = CaptureRecord.from_dict(doc)
    assert record.capture_data.endpoint_input is None
    assert record.event_metadata.inference_id is None
    assert record.event_metadata.join_key == "e"
    assert record.event_metadata.custom_attributes == ["a=1"]
    assert record.to_dict() == doc


def test_unknown_keys_are_kept() -> None:
    doc = _record()
    doc["captureData"]["endpointInput"]["sizeBytes"] = 31
    doc["eventMetadata"]["region"] = "eu-west-1"
    doc["groundTruthData"] = {"data": "1", "encoding": "CSV"}
    doc["extra"] = {"nested": [1, 2.5]}
    record = CaptureRecord.from_dict(doc)
    assert record.ground_truth_data == GroundTruthData(data="1")
    assert record.to_dict() == doc


def test_built_record_has_sagemaker_shape() -> None:
    record = CaptureRecord(
        capture_data=CaptureData(
            endpoint_input=EndpointData(
                observed_content_type="text/csv", mode="INPUT", data="1,2", encoding="CSV"
            )
        ),
        event_metadata=EventMetadata(event_id="e1", inference_time="2022-04-18T00:21:48Z"),
    )
    assert record.to_json() == (
        '{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",'
        '"data":"1,2","encoding":"CSV"}},"eventMetadata":{"eventId":"e1",'
        '"inferenceTime":"2022-04-18T00:21:48Z"},"eventVersion":"0"}'
    )


def test_ground_truth_record() -> None:
    record = GroundTruthRecord(
        ground_truth_data=GroundTruthData(data="1"), event_metadata=EventMetadata(event_id="x")
    )
    assert record.to_json() == (
        '{"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"x"},'
        '"eventVersion":"0"}'
    )
    assert record.event_metadata.inference_datetime is None


def test_base64_payloads_must_be_valid() -> None:
    data = EndpointData(mode="OUTPUT", data="not base64!", encoding="BASE64")
    with pytest.raises(ValueError, match="base64"):
        data.decoded()
    assert EndpointData(
        data=base64.b64encode(b"\x00\x01").decode(), encoding="BASE64"
    ).decoded() == (b"\x00\x01")


@pytest.mark.parametrize(
    ("mutate", "field", "fragment"),
    [
        (
            lambda d: d["captureData"]["endpointInput"].__setitem__("encoding", "XML"),
            "captureData.endpointInput.encoding",
            "must be 'CSV', 'JSON' or 'BASE64'; got \"XML\" instead",
        ),
        (
            lambda d: d["eventMetadata"].pop("eventId"),
            "eventMetadata.eventId",
            "is required but missing",
        ),
        (
            lambda d: d["captureData"]["endpointOutput"].__setitem__("data", 0.5),
            "captureData.endpointOutput.data",
            "must be a string; got 0.5 instead",
        ),
        (lambda d: d.pop("captureData"), "captureData", "is required but missing"),
    ],
)
def test_errors_name_file_line_and_field(mutate: Any, field: str, fragment: str) -> None:
    doc = _record()
    mutate(doc)
    with pytest.raises(MalformedRowError) as info:
        CaptureRecord.from_json(json.dumps(doc), source="capture/a.jsonl", line=7)
    err = info.value
    assert (err.path, err.line, err.field) == ("capture/a.jsonl", 7, field)
    assert fragment in err.message
    assert str(err).startswith(f"capture/a.jsonl:7, field {field!r}: ")


def test_a_line_that_is_not_json_is_a_malformed_row() -> None:
    with pytest.raises(MalformedRowError, match="is not valid JSON") as info:
        GroundTruthRecord.from_json('{"groundTruthData": ', source="gt.jsonl", line=3)
    assert (info.value.path, info.value.line) == ("gt.jsonl", 3)
    assert isinstance(info.value, DatasetFormatError)
    with pytest.raises(MalformedRowError, match="must be a JSON object"):
        GroundTruthRecord.from_json("[]", source="gt.jsonl", line=4)


def test_an_empty_inference_id_joins_on_the_event_id_everywhere() -> None:
    """The record model and the window reader share one key: "" means no inferenceId."""
    from vigil.formats.capture import join_key

    doc = {
        "captureData": {},
        "eventMetadata": {
            "eventId": "evt-1",
            "inferenceId": "",
            "inferenceTime": "2022-04-18T00:21:48Z",
        },
        "eventVersion": "0",
    }
    assert CaptureRecord.from_dict(doc).event_metadata.join_key == "evt-1"
    assert join_key("evt-1", "") == "evt-1"
    assert join_key("", "") is None
    assert join_key(5, "order-1") == "order-1"
