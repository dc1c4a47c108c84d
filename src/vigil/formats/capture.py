"""Data-capture records and ground-truth records: one JSON object per line (spec §1.2, §1.5).

A capture record::

    {"captureData": {"endpointInput": {"observedContentType", "mode", "data", "encoding"},
                     "endpointOutput": {...}},
     "eventMetadata": {"eventId", "inferenceId"?, "inferenceTime", "customAttributes"?},
     "eventVersion": "0"}

A ground-truth record::

    {"groundTruthData": {"data": "<label>", "encoding": "CSV"},
     "eventMetadata": {"eventId": "<capture inferenceId or eventId>"}, "eventVersion": "0"}

Readers accept any key order, optional ``endpointInput``/``endpointOutput``/``inferenceId``/
``customAttributes``/``inferenceTime``, a null ``observedContentType``, and keep unknown keys.
Records are written back as compact JSON lines with the keys in the order read.

A malformed record raises :class:`vigil.errors.MalformedRowError` with ``path``, ``line`` and
``field`` (for example ``captureData.endpointInput.encoding``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, Self

import orjson
from pydantic import ConfigDict
from pydantic.alias_generators import to_camel

from vigil.errors import DocumentError, MalformedRowError
from vigil.formats._document import SageMakerModel, load_json, validate_model

__all__ = [
    "CaptureData",
    "CaptureEncoding",
    "CaptureMode",
    "CaptureRecord",
    "EndpointData",
    "EventMetadata",
    "GroundTruthData",
    "GroundTruthRecord",
    "join_key",
]

CaptureEncoding = Literal["CSV", "JSON", "BASE64"]
"""How ``data`` is encoded; content types not declared as CSV or JSON are captured as BASE64."""

CaptureMode = Literal["INPUT", "OUTPUT"]
"""Which side of the invocation a payload is."""


def join_key(event_id: object, inference_id: object) -> str | None:
    """The key a capture record and its ground truth are joined on (spec §1.5): the record's
    ``inferenceId`` when it is a non-empty string, else its ``eventId`` when that is one.

    The one definition of the key: the capture side (predictions) and every decoder use it, so
    an empty ``inferenceId`` means "none given" everywhere.

    Parameters
    ----------
    event_id, inference_id : object
        The values of ``eventMetadata.eventId`` and ``eventMetadata.inferenceId`` as decoded
        (any JSON value, or None when absent).

    Returns
    -------
    str or None
        None when neither is a non-empty string: the record cannot be joined.

    Examples
    --------
    >>> join_key("4d3f-uuid", "order-1"), join_key("4d3f-uuid", ""), join_key(None, None)
    ('order-1', '4d3f-uuid', None)
    """
    if type(inference_id) is str and inference_id:
        return inference_id
    if type(event_id) is str and event_id:
        return event_id
    return None


class _CamelModel(SageMakerModel):
    model_config = ConfigDict(alias_generator=to_camel)


class EndpointData(_CamelModel):
    """One captured payload (``endpointInput`` or ``endpointOutput``).

    Attributes
    ----------
    observed_content_type : str or None
        ``observedContentType``: the Content-Type/Accept header as seen, with parameters
        (``"text/csv; charset=utf-8"``).
    mode : {"INPUT", "OUTPUT"} or None
    data : str
        The payload: raw text for CSV/JSON, base64 text for BASE64.
    encoding : {"CSV", "JSON", "BASE64"}
    """

    observed_content_type: str | None = None
    mode: CaptureMode | None = None
    data: str
    encoding: CaptureEncoding

    def decoded(self) -> bytes:
        """The payload bytes: base64-decoded for BASE64, UTF-8 encoded otherwise.

        Raises
        ------
        ValueError
            If a BASE64 payload is not valid base64.
        """
        if self.encoding == "BASE64":
            return base64.b64decode(self.data, validate=True)
        return self.data.encode("utf-8")


class CaptureData(_CamelModel):
    """``captureData``: each side is present only if its capture mode was enabled."""

    endpoint_input: EndpointData | None = None
    endpoint_output: EndpointData | None = None
    batch_transform_output: EndpointData | None = None


class EventMetadata(_CamelModel):
    """``eventMetadata``.

    Attributes
    ----------
    event_id : str
        ``eventId``: the UUID SageMaker generated, or (ground truth) the join key.
    inference_id : str or None
        ``inferenceId``: present if the caller passed ``InferenceId``; preferred join key.
    inference_time : str or None
        ``inferenceTime``: ISO-8601 UTC, ``YYYY-MM-DDTHH:MM:SSZ``. Absent in ground truth.
    custom_attributes : str or list of str or None
        ``customAttributes``: the caller's ``CustomAttributes``.
    """

    event_id: str
    inference_id: str | None = None
    inference_time: str | None = None
    custom_attributes: str | list[str] | None = None

    @property
    def join_key(self) -> str:
        """The key ground truth is joined on (:func:`join_key`); ``eventId`` at worst."""
        return join_key(self.event_id, self.inference_id) or self.event_id

    @property
    def inference_datetime(self) -> datetime | None:
        """``inferenceTime`` as an aware UTC datetime, or None if absent.

        Raises
        ------
        ValueError
            If ``inferenceTime`` is not ISO-8601.
        """
        if self.inference_time is None:
            return None
        parsed = datetime.fromisoformat(self.inference_time)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class GroundTruthData(_CamelModel):
    """``groundTruthData``: the label as a string; SageMaker documents only ``"CSV"``."""

    data: str
    encoding: CaptureEncoding = "CSV"


class _Record(_CamelModel):
    """A JSON-lines record: parse one line, write one compact line."""

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, source: str | None = None, line: int | None = None
    ) -> Self:
        """Read a record from parsed JSON.

        Raises
        ------
        MalformedRowError
            With ``path=source``, ``line`` and ``field`` (the JSON path of the bad field).
        """
        return validate_model(cls, data, source=source, line=line, error_type=MalformedRowError)

    @classmethod
    def from_json(
        cls, text: bytes | str, *, source: str | None = None, line: int | None = None
    ) -> Self:
        """Read a record from one line of JSON.

        Raises
        ------
        MalformedRowError
            If the line is not JSON or the record is malformed.
        """
        try:
            parsed = load_json(text, source=source, line=line)
        except DocumentError as exc:
            raise MalformedRowError(exc.message, path=source, line=line) from exc
        return cls.from_dict(parsed, source=source, line=line)

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready Python objects, keys in the order read."""
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True)
        return data

    def to_json(self) -> str:
        """The record as one compact JSON line (no newline), as SageMaker writes capture files."""
        return orjson.dumps(self.to_dict()).decode("utf-8")


class CaptureRecord(_Record):
    """One data-capture record (spec §1.2).

    Examples
    --------
    >>> rec = CaptureRecord.from_json('{"captureData": {"endpointInput": {"observedContentType": '
    ...     '"text/csv", "mode": "INPUT", "data": "1,2", "encoding": "CSV"}}, "eventMetadata": '
    ...     '{"eventId": "e1", "inferenceTime": "2022-04-18T00:21:48Z"}, "eventVersion": "0"}')
    >>> rec.capture_data.endpoint_input.data, rec.event_metadata.join_key
    ('1,2', 'e1')
    """

    capture_data: CaptureData
    event_metadata: EventMetadata
    event_version: str = "0"
    ground_truth_data: GroundTruthData | None = None


class GroundTruthRecord(_Record):
    """One ground-truth record (spec §1.5); ``event_metadata.event_id`` is the join key."""

    ground_truth_data: GroundTruthData
    event_metadata: EventMetadata
    event_version: str = "0"
