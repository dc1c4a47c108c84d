"""Reading SageMaker-format capture into Arrow tables: envelope, payloads, mapping, preprocessor.

Every test writes real capture files (tmp_path, one S3 bucket on a loopback moto server) and
reads them through the public API.
"""

from __future__ import annotations

import base64
import gzip
import pickle
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.datasets import CONFORMANCE

from vigil.errors import DatasetNotFoundError, InvalidParameterError
from vigil.jobs.capture_input import (
    CaptureBatch,
    CaptureInput,
    plan_capture,
    read_capture_file,
)
from vigil.storage.capture_layout import capture_file_url
from vigil.storage.objectstore import write_bytes

START = datetime(2024, 5, 1, 10, tzinfo=UTC)
END = datetime(2024, 5, 1, 11, tzinfo=UTC)
T = "2024-05-01T10:15:00Z"


def _side(data: Any, encoding: str, content_type: str | None, mode: str) -> dict[str, Any]:
    side: dict[str, Any] = {"mode": mode, "data": data, "encoding": encoding}
    if content_type is not None:
        side["observedContentType"] = content_type
    return side


def record(
    inp: Any = "1,2",
    out: Any = "0.5",
    *,
    time: str = T,
    in_enc: str = "CSV",
    out_enc: str = "CSV",
    in_type: str | None = "text/csv",
    out_type: str | None = "text/csv; charset=utf-8",
    event_id: str = "e",
    **meta: Any,
) -> dict[str, Any]:
    """One capture record; ``inp``/``out`` None leave that side out."""
    capture: dict[str, Any] = {}
    if inp is not None:
        capture["endpointInput"] = _side(inp, in_enc, in_type, "INPUT")
    if out is not None:
        capture["endpointOutput"] = _side(out, out_enc, out_type, "OUTPUT")
    return {
        "captureData": capture,
        "eventMetadata": {"eventId": event_id, "inferenceTime": time, **meta},
        "eventVersion": "0",
    }


def write(path: Path, lines: Sequence[dict[str, Any] | bytes | str]) -> str:
    """Write capture lines (records, or raw text) as a .jsonl file; returns its path."""
    out = b""
    for line in lines:
        if isinstance(line, dict):
            out += orjson.dumps(line) + b"\n"
        else:
            out += line.encode() if isinstance(line, str) else line
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out)
    return str(path)


def cap(root: str | Path = "/unused", **kw: Any) -> CaptureInput:
    kw.setdefault("start", START)
    kw.setdefault("end", END)
    return CaptureInput(root=str(root), endpoint="ep", variant="AllTraffic", **kw)


def read(tmp_path: Path, lines: Sequence[dict[str, Any] | bytes | str], **kw: Any) -> CaptureBatch:
    return read_capture_file(write(tmp_path / "c.jsonl", lines), cap(**kw))


def where(batch: CaptureBatch) -> list[tuple[int | None, str]]:
    return [(line, why) for _, line, why in batch.malformed.examples]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# --------------------------------------------------------------------------------------------
# Envelope and window
# --------------------------------------------------------------------------------------------


def test_window_filters_on_inference_time(tmp_path: Path) -> None:
    times = [
        "2024-05-01T09:59:59Z",  # before
        "2024-05-01T10:00:00Z",  # first instant: in
        "2024-05-01T10:30:00.250Z",  # fractional seconds
        "2024-05-01T10:59:59.999999+00:00",  # offset form, last instant
        "2024-05-01T12:59:59+02:00",  # = 10:59:59Z
        "2024-05-01T11:00:00Z",  # end is excluded
        "2024-05-01T10:45:00",  # no offset: taken as UTC
    ]
    batch = read(tmp_path, [record(f"{i},{i}", f"0.{i}", time=t) for i, t in enumerate(times)])
    assert batch.records_total == 7
    assert batch.records_in_window == 5
    assert batch.malformed.count == 0
    assert batch.table.column("_c0").to_pylist() == ["0.1", "0.2", "0.3", "0.4", "0.6"]


def test_key_order_and_extra_fields_do_not_matter(tmp_path: Path) -> None:
    line = (
        '{"eventVersion":"0","eventMetadata":{"inferenceTime":"2024-05-01T10:00:01Z",'
        '"inferenceId":"7","eventId":"x","customAttributes":["a"]},"captureData":'
        '{"endpointOutput":{"encoding":"CSV","data":"1","mode":"OUTPUT"},'
        '"endpointInput":{"data":"3,4","encoding":"CSV","observedContentType":"text/csv"}},'
        '"somethingNew":{"k":1}}\n'
    )
    batch = read(tmp_path, [line], column_names=("y", "a", "b"))
    assert batch.table.to_pydict() == {"y": ["1"], "a": ["3"], "b": ["4"]}


def test_every_corrupt_line_is_counted_with_file_and_line(tmp_path: Path) -> None:
    good = record("1,2,3", "0.5")
    lines: list[dict[str, Any] | str] = [
        good,  # 1
        '{"captureData": {"endpointInput": \n',  # 2: invalid JSON
        {"captureData": good["captureData"], "eventVersion": "0"},  # 3: no eventMetadata
        "\n",  # 4: blank, skipped and not counted
        record("1,2,3", time="yesterday"),  # 5: bad time
        record(b64("1,2,3")[:-2] + "!!", in_enc="BASE64"),  # 6: bad base64
        record("1,2"),  # 7: wrong field count (2 of 3)
        record("1,2,3", time="2024-05-01T12:00:00Z"),  # 8: out of window
        '["not", "an", "object"]\n',  # 9
        record("1,2,3", None),  # 10: output missing
        record("4,5,6", "0.7"),  # 11
        orjson.dumps(good).decode()[:40],  # 12: truncated last line, no newline
    ]
    path = write(tmp_path / "c.jsonl", lines)
    batch = read_capture_file(path, cap())
    assert batch.records_total == 11
    assert batch.records_in_window == 2
    assert batch.malformed.count == 8
    assert batch.records_total == 1 + batch.records_in_window + batch.malformed.count
    assert {url for url, _, _ in batch.malformed.examples} == {path}
    got = dict(where(batch))
    assert sorted(got) == [2, 3, 5, 6, 7, 9, 10, 12]
    assert got[2].startswith("invalid JSON")
    assert got[3] == "missing eventMetadata"
    assert "'yesterday' is not ISO-8601" in got[5]
    assert "invalid base64" in got[6]
    assert got[7] == "endpointInput: CSV line 1 of the payload has 2 field(s), expected 3"
    assert "a record must be a JSON object" in got[9]
    assert got[10] == "missing captureData.endpointOutput"
    assert got[12].startswith("truncated last line (no newline at end of file)")
    assert batch.table.to_pydict() == {
        "_c0": ["0.5", "0.7"],
        "_c1": ["1", "4"],
        "_c2": ["2", "5"],
        "_c3": ["3", "6"],
    }


def test_missing_keys_and_time_are_reported(tmp_path: Path) -> None:
    no_time = record()
    del no_time["eventMetadata"]["inferenceTime"]
    batch = read(
        tmp_path, [{"eventVersion": "0"}, no_time, {"captureData": "x", "eventMetadata": {}}]
    )
    assert where(batch) == [
        (1, "missing captureData and eventMetadata"),
        (2, "missing eventMetadata.inferenceTime"),
        (3, "missing captureData"),
    ]


def test_empty_file_gives_an_empty_batch(tmp_path: Path) -> None:
    batch = read(tmp_path, [])
    assert batch.table.num_rows == 0
    assert (batch.records_total, batch.records_in_window, batch.malformed.count) == (0, 0, 0)
    only_blank = read(tmp_path, ["\n\n"])
    assert (only_blank.records_total, only_blank.table.num_rows) == (0, 0)


def test_last_line_without_newline_is_read_when_complete(tmp_path: Path) -> None:
    batch = read(tmp_path, [record("1", "2"), orjson.dumps(record("3", "4")).decode()])
    assert batch.malformed.count == 0
    assert batch.table.column("_c1").to_pylist() == ["1", "3"]


def test_gzip_capture_file(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(gzip.compress(orjson.dumps(record("1,2", "0")) + b"\n"))
    assert read_capture_file(str(path), cap()).table.num_rows == 1


# --------------------------------------------------------------------------------------------
# CSV payloads
# --------------------------------------------------------------------------------------------


def test_csv_multi_row_payloads_give_several_rows(tmp_path: Path) -> None:
    batch = read(
        tmp_path,
        [
            record("1,2\n3,4\n", "0.1\n0.9\n"),  # trailing newlines as SageMaker captures them
            record("5,6\r\n7,\r\n", "0.2\r\n0.3"),  # CRLF; an empty field is null
            record('"a,b",8', "0.4"),  # quoted delimiter
            record("9,10\n11,12\n13,14", "0.5\n0.6"),  # 3 input rows, 2 outputs: malformed
        ],
        column_names=("p", "x", "y"),
    )
    assert batch.table.to_pydict() == {
        "p": ["0.1", "0.9", "0.2", "0.3", "0.4"],
        "x": ["1", "3", "5", "7", "a,b"],
        "y": ["2", "4", "6", None, "8"],
    }
    assert where(batch) == [(4, "endpointOutput has 2 row(s) but endpointInput has 3")]
    assert batch.records_in_window == 3


def test_field_count_follows_the_majority_not_the_first_line(tmp_path: Path) -> None:
    batch = read(
        tmp_path,
        [record("1,2,3,4"), record("1,2,3"), record("4,5,6\n7,8"), record("9,9,9")],
    )
    assert where(batch) == [
        (1, "endpointInput: CSV line 1 of the payload has 4 field(s), expected 3"),
        (3, "endpointInput: CSV line 2 of the payload has 2 field(s), expected 3"),
    ]
    assert batch.table.column("_c1").to_pylist() == ["1", "9"]


def test_unbalanced_quote_is_pinned_to_its_record(tmp_path: Path) -> None:
    batch = read(tmp_path, [record("1,2"), record('3,"4'), record('"5",6'), record('7,"8\n9",10')])
    assert where(batch) == [
        (2, "endpointInput: unbalanced quote (quoted fields cannot span lines)"),
        (4, "endpointInput: unbalanced quote (quoted fields cannot span lines)"),
    ]
    assert batch.table.column("_c1").to_pylist() == ["1", "5"]


def test_empty_csv_payload_is_malformed(tmp_path: Path) -> None:
    batch = read(tmp_path, [record("1,2"), record("", "0.1"), record("3,4", "\n")])
    assert where(batch) == [
        (2, "endpointInput: empty CSV payload"),
        (3, "endpointOutput: empty CSV payload"),
    ]


def test_csv_output_column_selected_by_inference_attribute(tmp_path: Path) -> None:
    lines = [record("1,2", "0.2,0.8"), record("3,4", "0.6,0.4")]
    batch = read(tmp_path, lines, inference_attribute="1", column_names=("p1", "a", "b"))
    assert batch.table.to_pydict() == {"p1": ["0.8", "0.4"], "a": ["1", "3"], "b": ["2", "4"]}
    out_of_range = read(tmp_path, lines, inference_attribute="2")
    assert out_of_range.table.num_rows == 0
    assert where(out_of_range)[0] == (
        1,
        "endpointOutput: inference_attribute 2 is out of range: the output has 2 column(s)",
    )


# --------------------------------------------------------------------------------------------
# Column mapping
# --------------------------------------------------------------------------------------------


def test_output_first_end_and_none(tmp_path: Path) -> None:
    lines = [record("1,2", "0.9")]
    names = ("label", "a", "b")
    assert read(tmp_path, lines, column_names=names).table.to_pydict() == {
        "label": ["0.9"],
        "a": ["1"],
        "b": ["2"],
    }
    end = read(tmp_path, lines, column_names=("a", "b", "label"), output_columns_position="end")
    assert end.table.to_pydict() == {"a": ["1"], "b": ["2"], "label": ["0.9"]}
    none = read(tmp_path, lines, column_names=("a", "b"), output_columns_position="none")
    assert none.table.to_pydict() == {"a": ["1"], "b": ["2"]}
    no_names = read(tmp_path, lines, output_columns_position="end")
    assert no_names.table.column_names == ["_c0", "_c1", "_c2"]
    assert no_names.table.column("_c2").to_pylist() == ["0.9"]


def test_none_reads_input_only_captures(tmp_path: Path) -> None:
    lines = [record("1,2", None), record("3,4", "not even read", out_enc="XML")]
    batch = read(tmp_path, lines, output_columns_position="none", column_names=("a", "b"))
    assert batch.malformed.count == 0
    assert batch.table.to_pydict() == {"a": ["1", "3"], "b": ["2", "4"]}


def test_no_silent_shift(tmp_path: Path) -> None:
    names = ("label", "a", "b", "c")
    # fewer columns than names: the trailing names are absent, nothing moves
    short = read(tmp_path, [record("1,2", "0.9")], column_names=names)
    assert short.table.to_pydict() == {"label": ["0.9"], "a": ["1"], "b": ["2"]}
    # more columns than names: extras are _c{i}, i the position in the row
    long = read(tmp_path, [record("1,2,3,4,5", "0.9")], column_names=names)
    assert long.table.column_names == ["label", "a", "b", "c", "_c4", "_c5"]
    assert long.table.column("_c5").to_pylist() == ["5"]
    # an input-only record is malformed, not read with its first input named "label"
    input_only = read(tmp_path, [record("1,2,3", None)], column_names=names)
    assert input_only.table.num_rows == 0
    assert where(input_only) == [(1, "missing captureData.endpointOutput")]


def test_output_column_names_beat_positions(tmp_path: Path) -> None:
    # the baseline had one output column; the model now returns two probabilities
    lines = [record("1,2", "0.3,0.7")]
    positional = read(tmp_path, lines, column_names=("label", "a", "b"))
    assert positional.table.to_pydict() == {
        "label": ["0.3"],
        "a": ["0.7"],
        "b": ["1"],
        "_c3": ["2"],
    }
    named = read(tmp_path, lines, column_names=("label", "a", "b"), output_column_names=("label",))
    assert named.table.to_pydict() == {"label": ["0.3"], "_c1": ["0.7"], "a": ["1"], "b": ["2"]}
    end = read(
        tmp_path,
        lines,
        column_names=("a", "b", "p0", "p1"),
        output_column_names=("p0", "p1"),
        output_columns_position="end",
    )
    assert end.table.to_pydict() == {"a": ["1"], "b": ["2"], "p0": ["0.3"], "p1": ["0.7"]}
    # names not in the baseline work too; inputs then take the baseline names in order
    other = read(tmp_path, lines, column_names=("a", "b"), output_column_names=("p0", "p1"))
    assert other.table.column_names == ["p0", "p1", "a", "b"]


# --------------------------------------------------------------------------------------------
# JSON payloads
# --------------------------------------------------------------------------------------------


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def jrecord(inp: Any, out: Any, **kw: Any) -> dict[str, Any]:
    kw.setdefault("in_enc", "JSON")
    kw.setdefault("out_enc", "JSON")
    kw.setdefault("in_type", "application/json")
    kw.setdefault("out_type", "application/json")
    return record(None if inp is None else _json(inp), None if out is None else _json(out), **kw)


def test_json_flat_objects_keep_names_and_json_text(tmp_path: Path) -> None:
    batch = read(
        tmp_path,
        [
            jrecord(
                {"a": 1, "b": "x", "c": None, "d": True, "e": 1.5, "n": {"m": 2}, "l": [1, 2]},
                {"score": 0.9},
            ),
            jrecord({"b": "y", "a": 2}, {"score": 0.1}),  # other key order, missing keys
        ],
    )
    assert batch.table.to_pydict() == {
        "score": ["0.9", "0.1"],
        "a": ["1", "2"],
        "b": ["x", "y"],
        "c": [None, None],
        "d": ["true", None],
        "e": ["1.5", None],
        "n.m": ["2", None],
        "l": ["[1,2]", None],
    }


def test_json_features_attribute_and_inference_attribute(tmp_path: Path) -> None:
    lines = [
        jrecord(
            {"instances": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]},
            {"predictions": [0.1, 0.9]},
        )
    ]
    for attribute in ("$.instances", "instances", "$['instances']", "$.instances[*]"):
        batch = read(
            tmp_path, lines, features_attribute=attribute, inference_attribute="$.predictions"
        )
        assert batch.table.to_pydict() == {
            "_c0": ["0.1", "0.9"],
            "a": ["1", "3"],
            "b": ["2", "4"],
        }, attribute
    named = read(
        tmp_path,
        lines,
        features_attribute="$.instances",
        inference_attribute="$.predictions",
        column_names=("label", "a", "b"),
    )
    assert named.table.column_names == ["label", "a", "b"]


def test_json_nested_path_and_list_of_lists(tmp_path: Path) -> None:
    lines = [
        jrecord({"data": {"features": [[1, 2, 3], [4, 5, 6]]}}, {"out": {"p": [[0.1], [0.2]]}}),
        jrecord({"data": {"features": [[7, 8, 9]]}}, {"out": {"p": [[0.3]]}}),
    ]
    batch = read(
        tmp_path,
        lines,
        features_attribute="$.data.features",
        inference_attribute="$.out.p",
        column_names=("y", "x1", "x2", "x3"),
    )
    assert batch.table.to_pydict() == {
        "y": ["0.1", "0.2", "0.3"],
        "x1": ["1", "4", "7"],
        "x2": ["2", "5", "8"],
        "x3": ["3", "6", "9"],
    }


def test_json_values_of_every_kind_become_their_json_text(tmp_path: Path) -> None:
    row = [1, -2.5, 1e20, None, "a,b", [2, 3], {"k": "v"}, True, False, ""]
    batch = read(
        tmp_path,
        [jrecord({"instances": [row, [0] * len(row)]}, {"p": [0, 1]})],
        features_attribute="$.instances",
        inference_attribute="$.p",
        output_columns_position="end",
    )
    assert batch.table.to_pylist()[0] == {
        "_c0": "1",
        "_c1": "-2.5",
        "_c2": "1e+20",  # orjson's rendering: still Fractional for Deequ
        "_c3": None,
        "_c4": "a,b",
        "_c5": "[2,3]",
        "_c6": '{"k":"v"}',
        "_c7": "true",
        "_c8": "false",
        "_c9": "",
        "_c10": "0",
    }
    assert batch.table.column("_c2").to_pylist() == ["1e+20", "0"]


def test_json_outputs_scalars_indexes_and_wildcards(tmp_path: Path) -> None:
    scalar = read(
        tmp_path,
        [jrecord({"a": 1}, {"predictions": [{"score": 0.7, "label": 1}]})],
        inference_attribute="$.predictions[0].score",
        column_names=("score", "a"),
    )
    assert scalar.table.to_pydict() == {"score": ["0.7"], "a": ["1"]}
    wildcard = read(
        tmp_path,
        [jrecord([{"a": 1}, {"a": 2}], {"predictions": [{"score": 0.7}, {"score": 0.2}]})],
        inference_attribute="$.predictions[*].score",
    )
    assert wildcard.table.to_pydict() == {"_c0": ["0.7", "0.2"], "a": ["1", "2"]}
    objects = read(tmp_path, [jrecord({"a": 1}, {"label": 1, "p": 0.5})])
    assert objects.table.to_pydict() == {"label": ["1"], "p": ["0.5"], "a": ["1"]}


def test_json_errors_are_malformed_records(tmp_path: Path) -> None:
    batch = read(
        tmp_path,
        [
            jrecord({"instances": [[1, 2]]}, {"predictions": [1]}),
            jrecord({"other": 1}, {"predictions": [1]}),  # path matches nothing
            record("{not json", _json({"predictions": [1]}), in_enc="JSON", out_enc="JSON"),
            jrecord({"instances": [[1, 2], [3, 4]]}, {"predictions": [1]}),  # 2 rows vs 1
            jrecord({"instances": [[1, 2, 3]]}, {"predictions": [1]}),  # width differs
            jrecord({"instances": [[5, 6]]}, {"predictions": [0]}),
        ],
        features_attribute="$.instances",
        inference_attribute="$.predictions",
    )
    got = dict(where(batch))
    assert sorted(got) == [2, 3, 4, 5]
    assert (
        got[2] == "endpointInput: features_attribute '$.instances' matches nothing in the payload"
    )
    assert got[3].startswith("endpointInput: invalid JSON payload")
    assert got[4] == "endpointOutput has 1 row(s) but endpointInput has 2"
    assert got[5] == "endpointInput: a JSON row has 3 value(s), expected 2"
    assert batch.table.to_pydict() == {"_c0": ["1", "0"], "_c1": ["1", "5"], "_c2": ["2", "6"]}


def test_jsonlines_payload(tmp_path: Path) -> None:
    batch = read(
        tmp_path,
        [
            record(
                '{"a": 1}\n{"a": 2}\n',
                "0.1\n0.2",
                in_enc="JSON",
                in_type="application/jsonlines",
            )
        ],
    )
    assert batch.table.to_pydict() == {"_c0": ["0.1", "0.2"], "a": ["1", "2"]}


# --------------------------------------------------------------------------------------------
# BASE64 and mixed encodings
# --------------------------------------------------------------------------------------------


def test_base64_payloads_follow_their_content_type(tmp_path: Path) -> None:
    batch = read(
        tmp_path,
        [
            record(
                b64("1,2\n3,4"),
                b64('{"p": [0.1, 0.2]}'),
                in_enc="BASE64",
                out_enc="BASE64",
                out_type="text/html; charset=utf-8",
            ),
            record(
                b64("5,6"),
                b64('{"p": [0.3]}'),
                in_enc="BASE64",
                out_enc="BASE64",
                out_type="application/json",
            ),
            record(
                b64('{"a": 1}\n'),
                b64("0.4"),
                in_enc="BASE64",
                out_enc="BASE64",
                in_type="application/jsonlines",
                out_type="text/csv",
            ),
            record(b64("\x89PNG"), "0.5", in_enc="BASE64", in_type="image/png"),
            record(b64("7,8"), "0.6", in_enc="BASE64", in_type=None),
            record("1,2", "0.7", in_enc="XML"),
        ],
        inference_attribute="$.p",
    )
    got = dict(where(batch))
    assert sorted(got) == [1, 3, 4, 5, 6]
    assert got[1] == (
        "endpointOutput: unsupported content type 'text/html; charset=utf-8' for a BASE64 payload "
        "(readable: text/csv, application/json, application/jsonlines)"
    )
    assert got[3].startswith("endpointOutput is CSV but inference_attribute '$.p' is a JSONPath")
    assert "unsupported content type 'image/png'" in got[4]
    assert "unsupported content type None" in got[5]
    assert got[6] == "endpointInput: unsupported encoding 'XML' (expected CSV, JSON or BASE64)"
    assert batch.table.to_pydict() == {"_c0": ["0.3"], "_c1": ["5"], "_c2": ["6"]}


def test_mixed_encodings_input_csv_output_json(tmp_path: Path) -> None:
    batch = read(
        tmp_path,
        [
            record(
                "1,2\n3,4",
                _json({"predictions": [0.1, 0.9]}),
                out_enc="JSON",
                out_type="application/json",
            ),
            record(
                "5,6", _json({"predictions": [0.5]}), out_enc="JSON", out_type="application/json"
            ),
        ],
        inference_attribute="$.predictions",
        column_names=("p", "a", "b"),
    )
    assert batch.malformed.count == 0
    assert batch.table.to_pydict() == {
        "p": ["0.1", "0.9", "0.5"],
        "a": ["1", "3", "5"],
        "b": ["2", "4", "6"],
    }


def test_mixed_encodings_within_a_file_keep_record_order(tmp_path: Path) -> None:
    mixed = read(
        tmp_path,
        [
            record("1,2", "0.1"),
            record(_json({"b": 4, "a": 3}), "0.2", in_enc="JSON", in_type="application/json"),
            record("5,6", "0.3"),
        ],
        column_names=("p", "a", "b"),
    )
    assert mixed.malformed.count == 0
    assert mixed.table.to_pydict() == {
        "p": ["0.1", "0.2", "0.3"],
        "a": ["1", "3", "5"],
        "b": ["2", "4", "6"],
    }


# --------------------------------------------------------------------------------------------
# Preprocessor
# --------------------------------------------------------------------------------------------


def script(tmp_path: Path, body: str, name: str = "pre.py") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return str(path)


def test_preprocessor_keeps_key_order_drops_and_counts_errors(tmp_path: Path) -> None:
    pre = script(
        tmp_path,
        """
        def preprocess_handler(inference_record):
            values = inference_record.endpoint_input.data.split(",")
            if values[0] == "drop":
                return []
            if values[0] == "boom":
                raise ValueError("cannot read " + values[1])
            if values[0] == "none":
                return None
            if values[0] == "two":
                return [{"feature10": "1"}, {"feature10": "2", "feature2": None}]
            return {"feature10": values[1], "feature2": int(values[2]),
                    "a": float(inference_record.endpoint_output.data)}
        """,
    )
    lines = [
        record("x,1,2", "0.5"),
        record("drop,1,2"),
        record("boom,7,2"),
        record("none,1,2"),
        record("two,1,2"),
        record("x,3,4", "0.25", time="2024-05-01T12:00:00Z"),  # outside: not called
    ]
    batch = read(tmp_path, lines, record_preprocessor=pre)
    assert batch.table.column_names == ["feature10", "feature2", "a"]  # as returned, not sorted
    assert batch.table.to_pydict() == {
        "feature10": ["1", "1", "2"],
        "feature2": ["2", None, None],
        "a": ["0.5", None, None],
    }
    assert batch.records_dropped == 1
    assert batch.records_in_window == 3  # the kept, the dropped and the two-row one
    assert where(batch) == [
        (3, "preprocess_handler raised ValueError: cannot read 7"),
        (
            4,
            "preprocess_handler returned NoneType; expected a dict, a list of dicts, or [] to "
            "drop the record",
        ),
    ]


def test_preprocessor_with_logger_sees_the_record(tmp_path: Path) -> None:
    pre = script(
        tmp_path,
        """
        import logging

        def preprocess_handler(inference_record, logger):
            assert isinstance(logger, logging.Logger)
            logger.info("seen %s", inference_record.event_metadata.event_id)
            meta = inference_record.event_metadata
            inp = inference_record.endpoint_input
            out = inference_record.endpoint_output
            return {
                "event_id": meta.event_id,
                "event_time": meta.event_time,
                "custom": meta.custom_attribute,
                "inference_id": meta.inference_id,
                "encoding": inp.encoding,
                "content_type": inp.observedContentType,
                "mode": inp.mode,
                "data": inp.data,
                "as_dict": sorted(inp.as_dict()),
                "output": None if out is None else out.data,
                "version": inference_record.event_version,
                "keys": sorted(inference_record.event_dict),
            }
        """,
        name="with_logger.py",
    )
    line = record(
        b64("1,2"),
        None,
        in_enc="BASE64",
        event_id="ev-1",
        customAttributes="c=1",
        inferenceId="inf-9",
    )
    batch = read(tmp_path, [line], record_preprocessor=pre)
    assert batch.table.to_pylist() == [
        {
            "event_id": "ev-1",
            "event_time": T,
            "custom": "c=1",
            "inference_id": "inf-9",
            "encoding": "BASE64",
            "content_type": "text/csv",
            "mode": "INPUT",
            "data": b64("1,2"),
            "as_dict": '["data","encoding","observedContentType"]',
            "output": None,
            "version": "0",
            "keys": '["captureData","eventMetadata","eventVersion"]',
        }
    ]


def test_preprocessor_zfill_keys_map_onto_the_baseline(tmp_path: Path) -> None:
    # the idiom of the SageMaker docs: output then input, keys str(i).zfill(20)
    pre = script(
        tmp_path,
        """
        def preprocess_handler(inference_record):
            data = inference_record.endpoint_output.data.rstrip("\\n") + "," + (
                inference_record.endpoint_input.data)
            return {str(i).zfill(20): d for i, d in enumerate(data.split(","))}
        """,
        name="zfill.py",
    )
    batch = read(
        tmp_path, [record("1,2", "0.9")], record_preprocessor=pre, column_names=("label", "a", "b")
    )
    assert batch.table.to_pydict() == {"label": ["0.9"], "a": ["1"], "b": ["2"]}
    without_names = read(tmp_path, [record("1,2", "0.9")], record_preprocessor=pre)
    assert without_names.table.column_names == [str(i).zfill(20) for i in range(3)]


def test_preprocessor_that_cannot_be_loaded_fails_the_read(tmp_path: Path) -> None:
    path = write(tmp_path / "c.jsonl", [record()])
    with pytest.raises(DatasetNotFoundError):
        read_capture_file(path, cap(record_preprocessor=str(tmp_path / "missing.py")))
    no_handler = script(tmp_path, "def handler(r):\n    return {}\n", name="no_handler.py")
    with pytest.raises(InvalidParameterError, match="must define preprocess_handler"):
        read_capture_file(path, cap(record_preprocessor=no_handler))
    broken = script(tmp_path, "def preprocess_handler(r:\n", name="broken.py")
    with pytest.raises(InvalidParameterError, match="SyntaxError"):
        read_capture_file(path, cap(record_preprocessor=broken))


def test_preprocessor_from_an_object_store_url(tmp_path: Path) -> None:
    url = "memory://vigil-test-capture/preprocessor/pre.py"
    write_bytes(url, b"def preprocess_handler(r):\n    return {'x': r.endpoint_input.data}\n")
    batch = read(tmp_path, [record("1,2")], record_preprocessor=url)
    assert batch.table.to_pydict() == {"x": ["1,2"]}


# --------------------------------------------------------------------------------------------
# Configuration, planning, S3, real files
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": datetime(2024, 5, 1)}, "start"),
        ({"end": START - timedelta(seconds=1)}, "end"),
        ({"output_columns_position": "middle"}, "output_columns_position"),
        ({"column_names": ("a", "b", "a")}, "column_names"),
        ({"column_names": "abc"}, "column_names"),
        ({"features_attribute": "$.a["}, "features_attribute"),
        ({"inference_attribute": "$$"}, "inference_attribute"),
        ({"output_column_names": ("p",), "output_columns_position": "none"}, "output_column_names"),
    ],
)
def test_capture_input_validates(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        cap(**kwargs)
    assert info.value.field == field


def test_capture_input_normalises_and_pickles() -> None:
    inp = cap(column_names=["a", "b"], inference_attribute=0)  # type: ignore[arg-type]
    assert inp.column_names == ("a", "b")
    assert inp.inference_attribute == "0"
    assert pickle.loads(pickle.dumps(inp)) == inp


def test_plan_reads_the_window_across_hours(tmp_path: Path) -> None:
    root = tmp_path / "dc"
    inp = cap(
        root,
        start=datetime(2024, 5, 1, 10, 30, tzinfo=UTC),
        end=datetime(2024, 5, 1, 11, 30, tzinfo=UTC),
    )
    for t, value in (
        ("10:05", "0"),
        ("10:40", "1"),
        ("11:10", "2"),
        ("11:50", "3"),
        ("12:10", "4"),
    ):
        now = datetime.fromisoformat(f"2024-05-01T{t}:00+00:00")
        url = capture_file_url(str(root), "ep", "AllTraffic", now, f"u{value}")
        write(Path(url), [record(value, "0", time=now.strftime("%Y-%m-%dT%H:%M:%SZ"))])
    (root / "ep" / "AllTraffic" / "2024" / "05" / "01" / "13").mkdir()  # an empty hour
    files = plan_capture(inp)
    assert [f.url.rsplit("/", 2)[-2] for f in files] == ["10", "10", "11", "11"]
    tables = [read_capture_file(f.url, inp).table for f in files]
    assert [t.num_rows for t in tables] == [0, 1, 1, 0]  # 10:05 and 11:50 are outside
    assert [t.column("_c1")[0].as_py() for t in tables if t.num_rows] == ["1", "2"]


def test_read_from_s3(s3_bucket: str) -> None:
    inp = cap(s3_bucket + "/capture/", column_names=("p", "a", "b"))
    now = datetime(2024, 5, 1, 10, 15, 0, 123000, tzinfo=UTC)
    url = capture_file_url(inp.root, inp.endpoint, inp.variant, now, "0b7bfd33")
    lines = [record("1,2", "0.1"), record("3,4", "0.2", time="2024-05-01T11:00:00Z")]
    write_bytes(url, b"".join(orjson.dumps(r) + b"\n" for r in lines))
    files = plan_capture(inp)
    assert [f.url for f in files] == [
        f"{s3_bucket}/capture/ep/AllTraffic/2024/05/01/10/15-00-123-0b7bfd33.jsonl"
    ]
    batch = read_capture_file(files[0].url, inp)
    assert (batch.records_total, batch.records_in_window) == (2, 1)
    assert batch.table.to_pydict() == {"p": ["0.1"], "a": ["1"], "b": ["2"]}


def test_real_sagemaker_csv_capture() -> None:
    path = next(CONFORMANCE.glob("data-science-on-aws__*/*captured_data_example.jsonl"))
    inp = cap(start=datetime(2020, 2, 4, tzinfo=UTC), end=datetime(2020, 2, 5, tzinfo=UTC))
    batch = read_capture_file(str(path), inp)
    assert (batch.records_total, batch.records_in_window, batch.malformed.count) == (9, 9, 0)
    first_input = orjson.loads(path.read_bytes().split(b"\n")[0])["captureData"]["endpointInput"]
    n_inputs = len(first_input["data"].split(","))
    assert batch.table.shape == (9, 1 + n_inputs)
    outputs = batch.table.column("_c0").to_pylist()  # one prediction per record, first column
    assert len(outputs) == 9 and all(float(v) >= 0 for v in outputs)
    assert batch.table.column("_c1").to_pylist()[0] == first_input["data"].split(",")[0]
    names = ("label", *(f"f{i}" for i in range(n_inputs)))
    named = read_capture_file(str(path), cap(start=inp.start, end=inp.end, column_names=names))
    assert named.table.column_names == list(names)


def test_real_sagemaker_json_capture() -> None:
    path = next(CONFORMANCE.glob("aws__sagemaker-python-sdk/*captured-data.jsonl"))
    window = {
        "start": datetime(2019, 11, 24, tzinfo=UTC),
        "end": datetime(2019, 11, 25, tzinfo=UTC),
    }
    plain = read_capture_file(str(path), cap(**window))
    assert plain.table.to_pydict() == {
        "predictions": ["[3.5,4.0,5.5]"] * 2,
        "instances": ["[1.0,2.0,5.0]"] * 2,
    }
    rows = read_capture_file(
        str(path),
        cap(
            **window,
            features_attribute="$.instances",
            inference_attribute="$.predictions",
            column_names=("y", "x"),
        ),
    )
    assert rows.table.to_pydict() == {
        "y": ["3.5", "4.0", "5.5"] * 2,
        "x": ["1.0", "2.0", "5.0"] * 2,
    }
    assert rows.records_in_window == 2
