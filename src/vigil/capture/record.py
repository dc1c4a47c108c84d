"""Build SageMaker capture records as JSON lines, fast enough for the request path (spec §1.2).

A record is built straight into bytes with orjson (no pydantic model on the hot path; the
models in :mod:`vigil.formats.capture` read the same bytes back), keys in SageMaker's order::

    {"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",
     "data":"1,2","encoding":"CSV"},"endpointOutput":{...}},
     "eventMetadata":{"eventId":"<uuid4>","inferenceId":"<header>",
     "inferenceTime":"2024-05-01T13:00:00Z","customAttributes":"<header>"},"eventVersion":"0"}

``encoding`` follows the endpoint's capture content types (spec §1.1): a payload whose media
type (the content type without parameters, case-insensitive) is one of the CSV types is written
as its text with ``"CSV"``, one of the JSON types with ``"JSON"``, anything else (or a payload
that is not valid UTF-8) as base64 with ``"BASE64"``. Decoding ``data`` by its encoding gives
back the exact payload bytes.

Examples
--------
>>> types = CaptureContentTypes(csv=("text/csv",), json=("application/json",))
>>> types.encoding_of("text/csv; charset=utf-8"), types.encoding_of("image/png")
('CSV', 'BASE64')
>>> line = build_capture_line(
...     event_id="e1", inference_id=None, inference_time="2024-05-01T13:00:00Z",
...     custom_attributes=None, input_data=b"1,2", input_content_type="text/csv",
...     output_data=b"0.5", output_content_type="text/csv", content_types=types)
>>> line[:60]
b'{"captureData":{"endpointInput":{"observedContentType":"text'
>>> line.endswith(b'"eventVersion":"0"}\\n')
True
"""

from __future__ import annotations

import base64
import os
import random
import time
from collections.abc import Iterable
from typing import Any

import orjson

from vigil.errors import InvalidParameterError
from vigil.formats.capture import CaptureEncoding

__all__ = [
    "CaptureContentTypes",
    "build_capture_line",
    "format_inference_time",
    "media_type",
    "new_event_id",
]

_CACHE_LIMIT = 256


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header: parameters dropped, lower case, stripped.

    Examples
    --------
    >>> media_type(" Text/CSV ; charset=utf-8")
    'text/csv'
    >>> media_type(None)
    ''
    """
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


class CaptureContentTypes:
    """Which content types are captured as CSV and as JSON (SageMaker's ``CaptureContentTypeHeader``).

    Parameters
    ----------
    csv, json : iterable of str
        Content types (``"text/csv"``); matched on the media type, parameters ignored.

    Raises
    ------
    InvalidParameterError
        If a content type is empty or listed as both CSV and JSON.
    """

    __slots__ = ("_cache", "csv", "json")

    def __init__(self, *, csv: Iterable[str], json: Iterable[str]) -> None:
        self.csv = frozenset(media_type(t) for t in csv)
        self.json = frozenset(media_type(t) for t in json)
        if "" in self.csv or "" in self.json:
            raise InvalidParameterError(
                "content types of CaptureContentTypes must be non-empty strings such as "
                f"'text/csv'. Got csv={sorted(csv)!r}, json={sorted(json)!r} instead.",
                field="content_types",
            )
        both = self.csv & self.json
        if both:
            raise InvalidParameterError(
                "a content type of CaptureContentTypes must be CSV or JSON, not both. Got "
                f"{sorted(both)} in both lists.",
                field="content_types",
            )
        self._cache: dict[str | None, CaptureEncoding] = {}

    def encoding_of(self, content_type: str | None) -> CaptureEncoding:
        """``"CSV"``, ``"JSON"`` or ``"BASE64"`` for a payload of ``content_type``."""
        found = self._cache.get(content_type)
        if found is not None:
            return found
        kind = media_type(content_type)
        encoding: CaptureEncoding = (
            "CSV" if kind in self.csv else "JSON" if kind in self.json else "BASE64"
        )
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[content_type] = encoding
        return encoding


_ids = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _ids.seed(os.urandom(32)))
_UUID4_KEEP = ~(0xF000 << 64) & ~(0xC000 << 48)  # clear the version and variant bits
_UUID4_SET = (4 << 76) | (0x8000 << 48)  # version 4, RFC 4122 variant (as uuid.UUID does)


def new_event_id() -> str:
    """A random (version 4) UUID string for ``eventMetadata.eventId``.

    Drawn from a per-process Mersenne Twister seeded from ``os.urandom`` (and reseeded in a
    forked child) instead of :func:`uuid.uuid4`, whose ``os.urandom`` call per request costs a
    system call on the request path. Event ids must be unique, not unpredictable.

    Examples
    --------
    >>> import uuid
    >>> parsed = uuid.UUID(new_event_id())
    >>> parsed.version, parsed.variant == uuid.RFC_4122
    (4, True)
    """
    h = format((_ids.getrandbits(128) & _UUID4_KEEP) | _UUID4_SET, "032x")
    return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]


_last_formatted: tuple[int, str] = (-1, "")  # one tuple, so threads never see a torn pair


def format_inference_time(epoch_seconds: float) -> str:
    """``inferenceTime`` for a time in seconds since the epoch: ``YYYY-MM-DDTHH:MM:SSZ`` (UTC).

    SageMaker writes whole seconds (spec §1.2); the fraction is truncated.

    Examples
    --------
    >>> format_inference_time(1714568400.75)
    '2024-05-01T13:00:00Z'
    """
    global _last_formatted
    second = int(epoch_seconds // 1)
    cached = _last_formatted
    if second == cached[0]:
        return cached[1]
    text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
    _last_formatted = (second, text)
    return text


def _side(
    data: bytes, content_type: str | None, mode: str, content_types: CaptureContentTypes
) -> dict[str, Any]:
    encoding = content_types.encoding_of(content_type)
    text: str
    if encoding != "BASE64":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "BASE64"
    if encoding == "BASE64":
        text = base64.b64encode(data).decode("ascii")
    return {
        "observedContentType": content_type,
        "mode": mode,
        "data": text,
        "encoding": encoding,
    }


def build_capture_line(
    *,
    event_id: str,
    inference_id: str | None,
    inference_time: str,
    custom_attributes: str | None,
    input_data: bytes | None,
    input_content_type: str | None,
    output_data: bytes | None,
    output_content_type: str | None,
    content_types: CaptureContentTypes,
) -> bytes:
    """One capture record as a compact JSON line, newline included.

    Parameters
    ----------
    event_id : str
        ``eventMetadata.eventId``, a UUID generated per invocation.
    inference_id : str or None
        ``eventMetadata.inferenceId`` (the ``X-Amzn-SageMaker-Inference-Id`` header); omitted
        when None.
    inference_time : str
        ``eventMetadata.inferenceTime``, from :func:`format_inference_time`.
    custom_attributes : str or None
        ``eventMetadata.customAttributes`` (the ``X-Amzn-SageMaker-Custom-Attributes`` header);
        omitted when None.
    input_data, output_data : bytes or None
        The request and response bodies; a side that is None (its capture mode is off) is
        omitted.
    input_content_type, output_content_type : str or None
        ``observedContentType`` of each side: the Content-Type header as seen, parameters kept.
    content_types : CaptureContentTypes
        Decides each side's ``encoding``.

    Returns
    -------
    bytes
        UTF-8 JSON ending in ``\\n``.
    """
    capture: dict[str, Any] = {}
    if input_data is not None:
        capture["endpointInput"] = _side(input_data, input_content_type, "INPUT", content_types)
    if output_data is not None:
        capture["endpointOutput"] = _side(output_data, output_content_type, "OUTPUT", content_types)
    meta: dict[str, str] = {"eventId": event_id}
    if inference_id is not None:
        meta["inferenceId"] = inference_id
    meta["inferenceTime"] = inference_time
    if custom_attributes is not None:
        meta["customAttributes"] = custom_attributes
    return orjson.dumps(
        {"captureData": capture, "eventMetadata": meta, "eventVersion": "0"},
        option=orjson.OPT_APPEND_NEWLINE,
    )
