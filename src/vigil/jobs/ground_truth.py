"""The merge job of a model-quality execution: captured predictions ⋈ delayed ground truth.

SageMaker runs a model-quality execution as two jobs, a merge and an analysis (spec §1.5).
This module is the merge: it reads the predictions of a capture window and the labels of every
ground-truth hour folder that can hold them, and joins them by key.

Predictions (:func:`read_predictions_file`, run per capture file)
    Only ``endpointOutput`` and ``eventMetadata`` are read: a record whose input cannot be
    decoded (an image, an unknown content type) still has a usable prediction. The output is
    decoded as :mod:`vigil.jobs.capture_input` decodes it (CSV, JSON, JSON Lines, BASE64 by
    content type) and the values are located like SageMaker's ``InferenceAttribute`` and
    ``ProbabilityAttribute``: a 0-based column index for a CSV output (``"0"``), a JSONPath for
    a JSON one (``"$.predictions[0].score"``); without an attribute the output must be a
    single value. A record must hold one prediction (a ground-truth record labels one
    ``eventId``): an output of several rows or a path matching several values makes the
    record malformed, as do a missing output, a missing key or an unparsable ``inferenceTime``.
    Records are filtered by ``inferenceTime`` (``start <= t < end``) before their output is
    decoded. The key is ``eventMetadata.inferenceId`` when present, else ``eventId``.

Ground truth (:func:`read_ground_truth_file`, run per ground-truth file)
    ``{"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": K}}``:
    ``data`` is the label (CSV text, trimmed; a JSON scalar with encoding JSON; BASE64 text),
    ``eventId`` the key (the capture's inferenceId, or its eventId). A line that is not such a
    record, or whose ``data`` holds several lines, is malformed.

Speed: a file is first decoded whole by msgspec (when installed) into small typed structs
holding only the fields used, and a file of the usual shape (every record with a key, a time
and a one-value CSV output) is then handled column-wise with Arrow; anything else falls back
to record-by-record handling, and a file that does not decode (a broken line, a field of an
unexpected JSON type) to line-by-line orjson parsing, which reports every malformed line with
its number. All three paths give the same result (tested).

Which ground truth is read: the hour folders of
:func:`vigil.storage.ground_truth_layout.ground_truth_hours` (from the window's start to the
execution time). The join itself, the "latest label wins" rule and the coverage counts are
:func:`vigil.core.model_quality.merge_ground_truth`.
"""

from __future__ import annotations

import base64
import binascii
import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

try:  # optional: decodes a whole file in one call, ~2x faster than orjson line by line
    import msgspec

    _MSGSPEC = True
except ImportError:  # pragma: no cover - the orjson path reads the same records
    _MSGSPEC = False

from vigil.core.model_quality import GroundTruthCoverage, merge_ground_truth
from vigil.engine.base import FileScan
from vigil.engine.local import map_reduce
from vigil.errors import InvalidParameterError
from vigil.formats.capture import join_key
from vigil.jobs.capture_input import (  # the capture reader's payload rules, shared
    BadRecord,
    CaptureInput,
    JsonPath,
    column_index,
    compile_path,
    decode_payload,
    json_text,
    plan_capture,
)
from vigil.storage.capture_layout import (
    existing_folders,
    hour_path,
    hour_prefixes,
    is_capture_file,
)
from vigil.storage.ground_truth_layout import (
    ground_truth_hours,
    is_ground_truth_file,
    list_ground_truth_files,
)
from vigil.storage.objectstore import join, open_input
from vigil.storage.tabular import MalformedReport

__all__ = [
    "LabelBatch",
    "MergePlan",
    "MergeScan",
    "MergeTask",
    "MergedWindow",
    "PredictionBatch",
    "PredictionReader",
    "WindowReads",
    "decode_ground_truth",
    "decode_predictions",
    "join_reads",
    "merge_reads",
    "merge_scan",
    "merge_window",
    "plan_merge",
    "read_ground_truth_file",
    "read_merge_task",
    "read_predictions_file",
]


@dataclass(frozen=True)
class PredictionReader:
    """How to find the prediction and the probability in a capture record's output.

    Attributes
    ----------
    capture : CaptureInput
        The window and, in ``inference_attribute``, where the predicted label is.
    probability_attribute : str, optional
        Column index (CSV) or JSONPath (JSON) of the probability of the positive class.
    read_inference : bool, default=True
        Whether the predicted label is needed (False when it comes from the probability).

    Raises
    ------
    InvalidParameterError
        If ``probability_attribute`` is neither a column index nor a JSONPath.
    """

    capture: CaptureInput
    probability_attribute: str | None = None
    read_inference: bool = True

    def __post_init__(self) -> None:
        if self.probability_attribute is not None:
            _locator(self.probability_attribute, "probability_attribute")


@dataclass
class PredictionBatch:
    """The predictions of one capture file.

    Attributes
    ----------
    keys : pyarrow string array
        Join key per prediction (inferenceId, else eventId).
    inference, probability : pyarrow string array or None
        Predicted label and probability as text (None when not read).
    records_total : int
        Non-blank lines.
    records_in_window : int
        Well-formed records in the window (= predictions).
    malformed : MalformedReport
    """

    keys: pa.Array
    inference: pa.Array | None
    probability: pa.Array | None
    records_total: int = 0
    records_in_window: int = 0
    malformed: MalformedReport = field(default_factory=MalformedReport)


@dataclass
class LabelBatch:
    """The labels of one ground-truth file, in line order.

    Attributes
    ----------
    keys, labels : pyarrow string arrays
    records_total : int
        Non-blank lines.
    malformed : MalformedReport
    """

    keys: pa.Array
    labels: pa.Array
    records_total: int = 0
    malformed: MalformedReport = field(default_factory=MalformedReport)


if _MSGSPEC:
    # Typed as strings: a record holding anything else fails the whole file's fast decoding,
    # and the file is read line by line, where every record is checked and reported.
    # gc=False: they hold only strings and each other (no cycles), and tracking the
    # millions of them made the cyclic collector run over and over (2x slower decoding).
    class _Payload(msgspec.Struct, rename="camel", gc=False):
        data: str | None = None
        encoding: str | None = None
        observed_content_type: str | None = None

    class _CaptureData(msgspec.Struct, rename="camel", gc=False):
        endpoint_output: _Payload | None = None

    class _Metadata(msgspec.Struct, rename="camel", gc=False):
        event_id: str | None = None
        inference_id: str | None = None
        inference_time: str | None = None

    class _CaptureRecord(msgspec.Struct, rename="camel", gc=False):
        capture_data: _CaptureData | None = None
        event_metadata: _Metadata | None = None

    class _Truth(msgspec.Struct, gc=False):
        data: str | None = None
        encoding: str | None = "CSV"

    class _LabelRecord(msgspec.Struct, rename="camel", gc=False):
        ground_truth_data: _Truth | None = None
        event_metadata: _Metadata | None = None

    _CAPTURE_DECODER: Any = msgspec.json.Decoder(_CaptureRecord)
    _LABEL_DECODER: Any = msgspec.json.Decoder(_LabelRecord)
else:  # pragma: no cover
    _CAPTURE_DECODER = _LABEL_DECODER = None


def _locator(attribute: str, param: str) -> int | JsonPath:
    index = column_index(attribute)
    return index if index is not None else compile_path(attribute, param)


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class _Output:
    """One decoded output payload, from which values are picked by index or JSONPath."""

    __slots__ = ("doc", "fields")

    def __init__(self, encoding: Any, data: Any, content_type: Any) -> None:
        if encoding == "CSV" and type(data) is str:
            kind: str = "csv"
        else:
            payload = {"encoding": encoding, "data": data, "observedContentType": content_type}
            kind, data = decode_payload(payload, "endpointOutput")
        self.fields: list[str] | None = None
        self.doc: Any = None
        if kind == "csv":
            text = data.strip("\r\n")
            if "\n" in text:
                raise BadRecord(
                    f"endpointOutput holds {text.count(chr(10)) + 1} rows; a model-quality record "
                    "must hold one prediction"
                )
            if '"' in text:
                self.fields = next(csv.reader([text]), [""])
            else:
                self.fields = text.split(",")
        elif kind == "jsonl":
            docs = [line for line in data.splitlines() if line.strip()]
            if len(docs) != 1:
                raise BadRecord(
                    f"endpointOutput holds {len(docs)} JSON lines; expected one prediction"
                )
            self.doc = _loads(docs[0])
        else:
            self.doc = _loads(data) if isinstance(data, str) else data

    def value(self, locator: int | JsonPath | None, param: str) -> str | None:
        if self.fields is not None:
            if isinstance(locator, JsonPath):
                raise BadRecord(
                    f"endpointOutput is CSV but {param} {locator.text!r} is a JSONPath; give a "
                    "0-based column index"
                )
            if locator is None:
                if len(self.fields) != 1:
                    raise BadRecord(
                        f"endpointOutput has {len(self.fields)} columns; give {param} as a "
                        "0-based column index"
                    )
                locator = 0
            if locator >= len(self.fields):
                raise BadRecord(
                    f"{param} {locator} is out of range: endpointOutput has "
                    f"{len(self.fields)} column(s)"
                )
            return self.fields[locator].strip()
        if isinstance(locator, int):
            raise BadRecord(
                f"endpointOutput is JSON but {param} {locator} is a column index; give a "
                "JSONPath such as '$.predictions[0]'"
            )
        value = self.doc
        if locator is not None:
            found, value = locator.value(self.doc)
            if not found:
                raise BadRecord(f"{param} {locator.text!r} matches nothing in endpointOutput")
        while isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, (list, dict)):
            where = f"{param} {locator.text!r}" if locator is not None else "endpointOutput"
            raise BadRecord(f"{where} gives {json_text(value)!r}; expected one value")
        return json_text(value)


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadRecord(f"endpointOutput: invalid JSON payload ({exc})") from None


class _Window:
    """Per-file state of the time filter and of the output extraction."""

    __slots__ = ("end", "inference", "probability", "read_inference", "start", "times")

    def __init__(self, reader: PredictionReader) -> None:
        capture = reader.capture
        self.start, self.end = capture.start, capture.end
        self.times: dict[str, datetime] = {}
        self.read_inference = reader.read_inference
        self.inference = (
            _locator(capture.inference_attribute, "inference_attribute")
            if capture.inference_attribute is not None
            else None
        )
        self.probability = (
            _locator(reader.probability_attribute, "probability_attribute")
            if reader.probability_attribute is not None
            else None
        )

    def in_window(self, stamp: Any) -> bool:
        """Whether ``inferenceTime`` is in the window; raises BadRecord if it is not a time."""
        t = self.times.get(stamp) if type(stamp) is str else None
        if t is None:
            if type(stamp) is not str:
                raise BadRecord("missing eventMetadata.inferenceTime")
            try:
                t = self.times[stamp] = _parse_time(stamp)
            except ValueError:
                raise BadRecord(f"eventMetadata.inferenceTime {stamp!r} is not ISO-8601") from None
        return bool(self.start <= t < self.end)

    def values(self, encoding: Any, data: Any, content_type: Any) -> tuple[str | None, str | None]:
        """``(predicted label, probability)`` of one output payload; raises BadRecord."""
        inference, probability = self.inference, self.probability
        if (
            encoding == "CSV"
            and type(data) is str
            and inference in (0, None)
            and probability in (0, None)
            and "," not in data
            and '"' not in data
            and "\n" not in data.rstrip("\r\n")
        ):  # the usual single-value CSV output: no parsing needed
            value = data.strip()
            return (value if self.read_inference else None), (
                value if probability is not None else None
            )
        output = _Output(encoding, data, content_type)
        label = output.value(inference, "inference_attribute") if self.read_inference else None
        score = (
            output.value(probability, "probability_attribute") if probability is not None else None
        )
        return label, score


def _key(event_id: Any, inference_id: Any) -> str:
    key = join_key(event_id, inference_id)
    if key is None:
        raise BadRecord("missing eventMetadata.eventId (and no inferenceId)")
    return key


def _read_raw(url: str, storage_options: Mapping[str, Any] | None) -> bytes:
    with open_input(url, storage_options=storage_options) as handle:
        raw: bytes = handle.read()
    return raw


def _unmarked(raw: bytes) -> bytes:
    """``raw`` without a UTF-8 byte-order mark."""
    return raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw


def _line_numbers(raw: bytes) -> list[int]:
    """1-based numbers of the non-blank lines (what ``decode_lines`` returns records for)."""
    return [n for n, line in enumerate(raw.split(b"\n"), 1) if line and not line.isspace()]


class _Batch:
    """What a reader accumulates: keys, values, counts and malformed lines."""

    def __init__(self, url: str, raw: bytes) -> None:
        self.url = url
        self.raw = raw
        self.keys: list[str] = []
        self.first: list[str | None] = []
        self.second: list[str | None] = []
        self.total = 0
        self.report = MalformedReport()
        self._numbers: list[int] | None = None

    def bad(self, index: int, why: str, *, number: int | None = None) -> None:
        """Count record ``index`` (0-based among non-blank lines) as malformed."""
        if number is None:
            if self._numbers is None:
                self._numbers = _line_numbers(self.raw)
            number = self._numbers[index]
        self.report.add(self.url, number, why)


def _decode_fast(decoder: Any, raw: bytes) -> list[Any] | None:
    """Every line decoded in one call, or None if a line does not fit (then: line by line)."""
    if decoder is None:
        return None
    try:
        records: list[Any] = decoder.decode_lines(raw)
    except msgspec.DecodeError:
        return None
    return records


def read_predictions_file(url: str, reader: PredictionReader) -> PredictionBatch:
    """Read the predictions of one capture file (the partition function).

    Parameters
    ----------
    url : str
        A capture file as listed by :func:`vigil.jobs.capture_input.plan_capture`.
    reader : PredictionReader

    Returns
    -------
    PredictionBatch
        Malformed records are counted with file:line, never raised.

    Raises
    ------
    DatasetNotFoundError, StorageError
        If the file cannot be read.
    """
    return decode_predictions(url, _read_raw(url, reader.capture.storage_options), reader)


def decode_predictions(url: str, raw: bytes, reader: PredictionReader) -> PredictionBatch:
    """The predictions of one capture file's bytes (read whole, decompressed).

    What :func:`read_predictions_file` does once it has read the file; for an engine that
    reads files itself (Spark). ``url`` names the file in reports.
    """
    window = _Window(reader)
    batch = _Batch(url, _unmarked(raw))
    records = _decode_fast(_CAPTURE_DECODER, batch.raw)
    columns = _predictions_columnar(records, window) if records is not None else None
    if columns is not None and records is not None:
        keys, values = columns
        return PredictionBatch(
            keys=keys,
            inference=values if window.read_inference else None,
            probability=values if window.probability is not None else None,
            records_total=len(records),
            records_in_window=len(keys),
            malformed=batch.report,
        )
    if records is None:
        _predictions_slow(window, batch)
    else:
        _predictions_fast(records, window, batch)
    return PredictionBatch(
        keys=pa.array(batch.keys, type=pa.string()),
        inference=pa.array(batch.first, type=pa.string()) if window.read_inference else None,
        probability=(
            pa.array(batch.second, type=pa.string()) if window.probability is not None else None
        ),
        records_total=batch.total,
        records_in_window=len(batch.keys),
        malformed=batch.report,
    )


_SPECIAL_CSV = r'[,"\n]'
"""A CSV output with one of these (after trailing newlines) needs parsing."""


def _utf8(values: list[str | None]) -> pa.Array:
    return pa.array(values, type=pa.string())


def _predictions_columnar(records: list[Any], window: _Window) -> tuple[pa.Array, pa.Array] | None:
    """``(keys, values)`` of the usual file, column-wise: no Python work per record beyond
    attribute reads.

    Handles files whose records all have metadata, an inference time, a key and a one-value
    CSV output read whole or as column 0; returns None otherwise (the caller then goes record
    by record).
    """
    if window.inference not in (0, None) or window.probability not in (0, None):
        return None
    try:
        metas = [r.event_metadata for r in records]
        outputs = [r.capture_data.endpoint_output for r in records]
        stamps = [m.inference_time for m in metas]
        inference_ids = [m.inference_id for m in metas]
        data_list = [o.data for o in outputs]
    except AttributeError:  # a record without metadata, captureData or endpointOutput
        return None
    if None in data_list or {o.encoding for o in outputs} - {"CSV"}:
        return None
    try:
        inside = {t: window.in_window(t) for t in set(stamps)}  # a None stamp raises too
    except BadRecord:
        return None
    if None in inference_ids or "" in inference_ids:
        event_ids = [m.event_id for m in metas]
        inference_ids = [i if i else e for i, e in zip(inference_ids, event_ids, strict=True)]
        if None in inference_ids or "" in inference_ids:
            return None
    keys, data = _utf8(inference_ids), _utf8(data_list)
    if not all(inside.values()):
        keep = pa.array(np.fromiter((inside[t] for t in stamps), np.bool_, len(stamps)))
        keys, data = keys.filter(keep), data.filter(keep)
    if (
        len(data)
        and pc.any(
            pc.match_substring_regex(pc.utf8_rtrim(data, characters="\r\n"), _SPECIAL_CSV)
        ).as_py()
    ):
        return None
    return keys, pc.utf8_trim_whitespace(data)


def _predictions_fast(records: list[Any], window: _Window, batch: _Batch) -> None:
    batch.total = len(records)
    keys, first, second = batch.keys, batch.first, batch.second
    for index, record in enumerate(records):
        meta = record.event_metadata
        try:
            if meta is None:
                raise BadRecord("missing eventMetadata")
            if not window.in_window(meta.inference_time):
                continue
            key = _key(meta.event_id, meta.inference_id)
            capture = record.capture_data
            if capture is None:
                raise BadRecord("missing captureData")
            out = capture.endpoint_output
            if out is None:
                raise BadRecord("missing captureData.endpointOutput")
            label, score = window.values(out.encoding, out.data, out.observed_content_type)
        except BadRecord as exc:
            batch.bad(index, str(exc))
            continue
        keys.append(key)
        first.append(label)
        second.append(score)


def _predictions_slow(window: _Window, batch: _Batch) -> None:
    """Line by line with orjson: any JSON, every malformed line reported with its number."""
    lines = batch.raw.split(b"\n")
    loads = orjson.loads
    for number, line in enumerate(lines, 1):
        if not line or line.isspace():
            continue
        batch.total += 1
        try:
            obj = loads(line)
        except orjson.JSONDecodeError as exc:
            why = f"invalid JSON ({exc})"
            last = number == len(lines)
            batch.bad(0, f"truncated last line: {why}" if last else why, number=number)
            continue
        try:
            meta = obj.get("eventMetadata") if type(obj) is dict else None
            if type(meta) is not dict:
                raise BadRecord("missing eventMetadata")
            if not window.in_window(meta.get("inferenceTime")):
                continue
            key = _key(meta.get("eventId"), meta.get("inferenceId"))
            capture = obj.get("captureData")
            if type(capture) is not dict:
                raise BadRecord("missing captureData")
            out = capture.get("endpointOutput")
            if type(out) is not dict:
                raise BadRecord("missing captureData.endpointOutput")
            label, score = window.values(
                out.get("encoding"), out.get("data"), out.get("observedContentType")
            )
        except BadRecord as exc:
            batch.bad(0, str(exc), number=number)
            continue
        batch.keys.append(key)
        batch.first.append(label)
        batch.second.append(score)


def _label_text(payload: Any) -> str:
    if type(payload) is not dict:
        raise BadRecord("missing groundTruthData")
    data = payload.get("data")
    encoding = payload.get("encoding", "CSV")
    encoding = encoding.upper() if isinstance(encoding, str) else encoding
    if encoding == "BASE64":
        if not isinstance(data, str):
            raise BadRecord("groundTruthData.data must be a string")
        try:
            data = base64.b64decode("".join(data.split()), validate=True).decode("utf-8")
        except (binascii.Error, ValueError) as exc:
            raise BadRecord(f"groundTruthData: invalid base64 ({exc})") from None
    elif encoding == "JSON" and isinstance(data, str):
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise BadRecord(f"groundTruthData: invalid JSON ({exc})") from None
    elif encoding not in ("CSV", "JSON"):
        raise BadRecord(f"groundTruthData: unsupported encoding {encoding!r} (expected CSV)")
    if isinstance(data, (list, dict)) or data is None:
        raise BadRecord(f"groundTruthData.data must be one label. Got {json_text(data)!r}")
    text = (data if isinstance(data, str) else str(json_text(data))).strip()
    if "\n" in text:
        raise BadRecord("groundTruthData.data holds several lines; expected one label")
    return text


def read_ground_truth_file(
    url: str, storage_options: Mapping[str, Any] | None = None
) -> LabelBatch:
    """Read the labels of one ground-truth file, in line order (the partition function).

    Returns
    -------
    LabelBatch
        Malformed lines are counted with file:line, never raised.

    Raises
    ------
    DatasetNotFoundError, StorageError
        If the file cannot be read.
    """
    return decode_ground_truth(url, _read_raw(url, storage_options))


def decode_ground_truth(url: str, raw: bytes) -> LabelBatch:
    """The labels of one ground-truth file's bytes (read whole, decompressed), in line order.

    What :func:`read_ground_truth_file` does once it has read the file; for an engine that
    reads files itself (Spark). ``url`` names the file in reports.
    """
    batch = _Batch(url, _unmarked(raw))
    records = _decode_fast(_LABEL_DECODER, batch.raw)
    columns = _labels_columnar(records) if records is not None else None
    if columns is not None and records is not None:
        return LabelBatch(
            keys=columns[0], labels=columns[1], records_total=len(records), malformed=batch.report
        )
    if records is not None:
        batch.total = len(records)
        for index, record in enumerate(records):
            meta, truth = record.event_metadata, record.ground_truth_data
            key = meta.event_id if meta is not None else None
            if type(key) is not str or not key:
                batch.bad(index, "missing eventMetadata.eventId")
                continue
            data = truth.data if truth is not None else None
            if type(data) is str and truth.encoding == "CSV" and "\n" not in data.strip():
                label = data.strip()
            else:
                try:
                    payload = {"data": data, "encoding": truth.encoding} if truth else None
                    label = _label_text(payload)
                except BadRecord as exc:
                    batch.bad(index, str(exc))
                    continue
            batch.keys.append(key)
            batch.first.append(label)
    else:
        _labels_slow(batch)
    return LabelBatch(
        keys=pa.array(batch.keys, type=pa.string()),
        labels=pa.array(batch.first, type=pa.string()),
        records_total=batch.total,
        malformed=batch.report,
    )


def _labels_columnar(records: list[Any]) -> tuple[pa.Array, pa.Array] | None:
    """``(keys, labels)`` of the usual file (keys present, one-line CSV labels), or None."""
    try:
        key_list = [r.event_metadata.event_id for r in records]
        truths = [r.ground_truth_data for r in records]
        data_list = [t.data for t in truths]
    except AttributeError:
        return None
    if (
        None in key_list
        or "" in key_list
        or None in data_list
        or {t.encoding for t in truths} - {"CSV"}
    ):
        return None
    labels = pc.utf8_trim_whitespace(_utf8(data_list))
    if len(labels) and pc.any(pc.match_substring(labels, "\n")).as_py():
        return None
    return _utf8(key_list), labels


def _labels_slow(batch: _Batch) -> None:
    loads = orjson.loads
    for number, line in enumerate(batch.raw.split(b"\n"), 1):
        if not line or line.isspace():
            continue
        batch.total += 1
        try:
            obj = loads(line)
        except orjson.JSONDecodeError as exc:
            batch.bad(0, f"invalid JSON ({exc})", number=number)
            continue
        meta = obj.get("eventMetadata") if type(obj) is dict else None
        key = meta.get("eventId") if type(meta) is dict else None
        if type(key) is not str or not key:
            batch.bad(0, "missing eventMetadata.eventId", number=number)
            continue
        try:
            label = _label_text(obj.get("groundTruthData"))
        except BadRecord as exc:
            batch.bad(0, str(exc), number=number)
            continue
        batch.keys.append(key)
        batch.first.append(label)


@dataclass(frozen=True)
class MergeTask:
    """One file to read for a merge: a capture file (with its reader) or a ground-truth file.

    Attributes
    ----------
    index : int
        Its place in the plan (labels are kept in filing order: the latest wins).
    url : str
    reader : PredictionReader or None
        None for a ground-truth file.
    storage_options : mapping, optional
    """

    index: int
    url: str
    reader: PredictionReader | None
    storage_options: Mapping[str, Any] | None = None


@dataclass
class WindowReads:
    """The mergeable state of a merge: every file read so far, by its place in filing order.

    A key is ``(0, url)`` for a capture file and ``(1, url)`` for a ground-truth file, so the
    sorted keys are the plan's order (captures, then labels, each by URL: the latest label
    last) whichever order the files were read in.
    """

    batches: dict[tuple[int, str], PredictionBatch | LabelBatch] = field(default_factory=dict)


def read_merge_task(task: MergeTask) -> WindowReads:
    """Read one file of a merge (the partition function an engine runs)."""
    if task.reader is not None:
        batch: PredictionBatch | LabelBatch = read_predictions_file(task.url, task.reader)
        return WindowReads({(0, task.url): batch})
    batch = read_ground_truth_file(task.url, task.storage_options)
    return WindowReads({(1, task.url): batch})


@dataclass(frozen=True)
class MergeScan:
    """Spark's partition function of a merge: whole files (``url``, ``data``) → their batches.

    A file directly inside one of ``capture_folders`` is read as capture (if its name is a
    capture file's), any other as ground truth (if its name is a ground-truth file's), as the
    local listings select them.
    """

    reader: PredictionReader
    capture_folders: frozenset[str]

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> WindowReads | None:
        """The batches of the split's files (None: no file)."""
        reads = WindowReads()
        for b in batches:
            for url, data in zip(
                b.column("url").to_pylist(), b.column("data").to_pylist(), strict=True
            ):
                folder, name = url.rsplit("/", 1)
                if folder in self.capture_folders:
                    if is_capture_file(name):
                        reads.batches[(0, url)] = decode_predictions(url, data, self.reader)
                elif is_ground_truth_file(name):
                    reads.batches[(1, url)] = decode_ground_truth(url, data)
        return reads if reads.batches else None


def merge_scan(plan: MergePlan, reader: PredictionReader) -> FileScan[WindowReads]:
    """A merge as files for an engine with readers of its own (Spark): the existing hour
    folders of the capture window and of the plan's ground-truth hours, read whole by
    :class:`MergeScan`.

    Raises
    ------
    StorageError
        If listing the folders fails underneath.
    """
    capture = reader.capture
    options = capture.storage_options
    captures = existing_folders(
        hour_prefixes(capture.root, capture.endpoint, capture.variant, capture.start, capture.end),
        storage_options=options,
    )
    labels = existing_folders(
        [join(plan.ground_truth, hour_path(h)) for h in plan.hours], storage_options=options
    )
    return FileScan(
        "binary",
        (*captures, *labels),
        MergeScan(reader, frozenset(captures)),
        folders=True,
        storage_options=options,
    )


def merge_reads(a: WindowReads, b: WindowReads) -> WindowReads:
    """Two states of a merge combined (order-free: batches keep their place)."""
    a.batches.update(b.batches)
    return a


@dataclass(frozen=True)
class MergePlan:
    """What a window's merge reads: the capture files, then the ground-truth files.

    Attributes
    ----------
    tasks : list of MergeTask
    captures : int
        How many of the tasks (the first ones) are capture files.
    hours : list of datetime
        The ground-truth hour folders listed.
    ground_truth : str
        The ground-truth root.
    capture_url : str
        ``{root}/{endpoint}/{variant}``.
    """

    tasks: list[MergeTask]
    captures: int
    hours: list[datetime]
    ground_truth: str
    capture_url: str


@dataclass(frozen=True)
class MergedWindow:
    """Predictions of a window with their labels.

    Attributes
    ----------
    inference, probability : pyarrow string array or None
        Per merged prediction: the predicted label and probability, as text.
    labels : pyarrow string array
        The label merged with each.
    coverage : GroundTruthCoverage
    capture_records : int
        Capture lines read, in and out of the window (the window's records are
        ``coverage.predictions`` plus the malformed ones).
    capture_malformed, ground_truth_malformed : MalformedReport
    ground_truth_records : int
        Ground-truth lines read.
    ground_truth_url : str
        The ground-truth root.
    ground_truth_hours : tuple of datetime
        First and last hour folder read (empty if none).
    ground_truth_files : int
        Ground-truth files read.
    capture_url : str
        ``{root}/{endpoint}/{variant}``.
    """

    inference: pa.Array | None
    probability: pa.Array | None
    labels: pa.Array
    coverage: GroundTruthCoverage
    capture_records: int
    capture_malformed: MalformedReport
    ground_truth_records: int
    ground_truth_malformed: MalformedReport
    ground_truth_url: str
    ground_truth_hours: tuple[datetime, ...]
    ground_truth_files: int
    capture_url: str


def _concat(arrays: Sequence[pa.Array | None]) -> pa.Array | None:
    present = [a for a in arrays if a is not None]
    if not present:
        return None
    return pa.concat_arrays(present) if len(present) > 1 else present[0]


def _strings(arrays: Sequence[pa.Array]) -> pa.Array:
    joined = _concat(arrays)
    return joined if joined is not None else pa.array([], type=pa.string())


def plan_merge(
    reader: PredictionReader,
    ground_truth: str,
    *,
    now: datetime,
    max_label_delay: timedelta | None = None,
    list_files: bool = True,
) -> MergePlan:
    """List the files a window's merge reads: its capture files and the labels that can
    belong to them.

    Parameters
    ----------
    reader : PredictionReader
        The capture window and where the prediction/probability are in the output.
    ground_truth : str
        Ground-truth root (``{root}/yyyy/mm/dd/hh/*.jsonl``).
    now : datetime
        Execution time (aware): the last moment a label can have been collected.
    max_label_delay : timedelta, optional
        Read only labels collected before the window's end plus this.
    list_files : bool, default=True
        False: plan the hours only (no task; for an engine that lists folders itself,
        :func:`merge_scan`).

    Raises
    ------
    InvalidParameterError
        If ``now`` or ``max_label_delay`` is invalid (see
        :func:`vigil.storage.ground_truth_layout.ground_truth_hours`).
    DatasetNotFoundError, StorageError
        If listing fails underneath.
    """
    capture = reader.capture
    if now.tzinfo is None:
        raise InvalidParameterError(
            f"now of plan_merge must be timezone-aware. Got {now!r} instead.", field="now"
        )
    hours = ground_truth_hours(capture.start, capture.end, now, max_delay=max_label_delay)
    options = capture.storage_options
    tasks: list[MergeTask] = []
    if list_files:
        gt_files = list_ground_truth_files(ground_truth, hours, storage_options=options)
        tasks = [MergeTask(i, f.url, reader) for i, f in enumerate(plan_capture(capture))]
    n_capture = len(tasks)
    if list_files:
        tasks += [MergeTask(n_capture + i, f.url, None, options) for i, f in enumerate(gt_files)]
    return MergePlan(
        tasks=tasks,
        captures=n_capture,
        hours=list(hours),
        ground_truth=ground_truth,
        capture_url=join(capture.root, capture.endpoint, capture.variant),
    )


def join_reads(plan: MergePlan, reads: WindowReads | None) -> MergedWindow:
    """Join the predictions and labels a plan's tasks read (the latest label winning).

    Returns
    -------
    MergedWindow
    """
    batches = reads.batches if reads is not None else {}
    ordered = [batches[key] for key in sorted(batches)]
    predictions = [b for b in ordered if isinstance(b, PredictionBatch)]
    labels = [b for b in ordered if isinstance(b, LabelBatch)]
    capture_malformed, gt_malformed = MalformedReport(), MalformedReport()
    for p in predictions:
        capture_malformed.merge(p.malformed)
    for lb in labels:
        gt_malformed.merge(lb.malformed)
    keys = _strings([p.keys for p in predictions])
    label_keys = _strings([lb.keys for lb in labels])
    label_values = _strings([lb.labels for lb in labels])
    merge = merge_ground_truth(keys, label_keys)
    rows = pa.array(merge.prediction_rows)
    inference = _concat([p.inference for p in predictions])
    probability = _concat([p.probability for p in predictions])
    hours = plan.hours
    return MergedWindow(
        inference=inference.take(rows) if inference is not None else None,
        probability=probability.take(rows) if probability is not None else None,
        labels=label_values.take(pa.array(merge.label_rows)),
        coverage=merge.coverage,
        capture_records=sum(p.records_total for p in predictions),
        capture_malformed=capture_malformed,
        ground_truth_records=sum(lb.records_total for lb in labels),
        ground_truth_malformed=gt_malformed,
        ground_truth_url=plan.ground_truth,
        ground_truth_hours=(hours[0], hours[-1]) if hours else (),
        ground_truth_files=len(labels),
        capture_url=plan.capture_url,
    )


def merge_window(
    reader: PredictionReader,
    ground_truth: str,
    *,
    now: datetime,
    max_label_delay: timedelta | None = None,
    workers: int = 1,
) -> MergedWindow:
    """Read a window's predictions and the labels that can belong to them, and join them.

    :func:`plan_merge`, then :func:`read_merge_task` for every file on the local engine
    (``workers`` processes), then :func:`join_reads`.

    Raises
    ------
    InvalidParameterError
        If ``now`` or ``max_label_delay`` is invalid.
    DatasetNotFoundError, StorageError
        If listing or reading fails underneath.
    """
    plan = plan_merge(reader, ground_truth, now=now, max_label_delay=max_label_delay)
    reads = (
        map_reduce(read_merge_task, merge_reads, plan.tasks, workers=workers)
        if plan.tasks
        else None
    )
    return join_reads(plan, reads)
