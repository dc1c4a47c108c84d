"""The body of ``POST /ground-truth``, decoded as it arrives into a :class:`GroundTruthFile`.

Two body formats, picked by the request's Content-Type:

``application/json`` (also ``*+json``, or no Content-Type)
    ``{"records": [record, ...]}`` or a bare list ``[record, ...]``. The document is parsed
    incrementally (`ijson <https://pypi.org/project/ijson/>`_, its C backend): each record is
    built, checked and written as soon as its closing brace arrives. An error names the record
    by its 1-based position (``line``) and JSON path (``records[4].eventId``).
``application/x-ndjson`` (also ``application/jsonlines``, ``application/jsonl``,
``application/x-jsonlines``)
    JSON Lines: one record per line; blank lines are skipped. An error names the 1-based line
    (``line``) and the key (``eventId``). A SageMaker ground-truth file can be sent as it is.

A record is ``{"eventId": "<inferenceId or eventId>", "label": <string, number or boolean>}``
or a SageMaker ground-truth record (``{"groundTruthData": {"data": ...}, "eventMetadata":
{"eventId": ...}, ...}``). Ids may be integers (written as their digits).

Semantics: an upload is all or nothing. The first bad record (or malformed JSON) stops the
decoding and the caller discards the staged file, so none of the upload's records is filed and
the whole corrected upload can be sent again without duplicating labels; uploads answered
before are never touched.

Examples
--------
>>> import tempfile
>>> from datetime import UTC, datetime
>>> file = GroundTruthFile(tempfile.mkdtemp())
>>> upload = GroundTruthUpload(file, "json")
>>> upload.feed(b'{"records": [{"eventId": "a", "label": 1}, {"eventId"')
>>> upload.feed(b': "b", "label": "no"}]}')
>>> upload.close()
2
>>> file.publish(datetime(2024, 5, 1, tzinfo=UTC)).records
2
"""

from __future__ import annotations

from typing import Any, Literal

import ijson
import orjson

from vigil.capture.ground_truth import GroundTruthFile, label_text
from vigil.capture.record import media_type
from vigil.errors import InputError, MalformedRowError

__all__ = ["UPLOAD_MEDIA_TYPES", "GroundTruthUpload", "UploadFormat", "upload_format"]

UploadFormat = Literal["json", "jsonl"]
"""A JSON document of records, or JSON Lines."""

UPLOAD_MEDIA_TYPES: dict[str, UploadFormat] = {
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/jsonlines": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
}
"""Content-Types of ``POST /ground-truth`` bodies (``*+json`` is JSON too)."""

_SHAPE = (
    'the body must be {"records": [{"eventId": ..., "label": ...}, ...]} (or a list of '
    "records) with at least one record"
)


def upload_format(content_type: str | None) -> UploadFormat | None:
    """The body format of a Content-Type; JSON when there is none; None if unsupported.

    Examples
    --------
    >>> upload_format("application/json; charset=utf-8"), upload_format("application/x-ndjson")
    ('json', 'jsonl')
    >>> upload_format(None), upload_format("text/csv")
    ('json', None)
    """
    kind = media_type(content_type)
    if not kind:
        return "json"
    if kind.endswith("+json"):
        return "json"
    return UPLOAD_MEDIA_TYPES.get(kind)


def record_pair(record: Any, where: str, line: int, separator: str = ".") -> tuple[str, str]:
    """The ``(event id, label)`` of one uploaded record.

    Parameters
    ----------
    record : Any
        The decoded record.
    where : str
        Its JSON path (``records[3]``), or ``""`` for a line of JSON Lines.
    line : int
        1-based record (or line) number, reported as the error's ``line``.
    separator : str, default="."
        Between ``where`` and a key in an error's ``field``.

    Raises
    ------
    MalformedRowError
        If the record is not an object, its id is not a non-empty string or an integer, or its
        label is missing or not a string, number or boolean (``field`` names the key).

    Examples
    --------
    >>> record_pair({"eventId": 7, "label": True}, "records[0]", 1)
    ('7', 'true')
    >>> record_pair({"eventId": "", "label": 1}, "records[0]", 1)
    Traceback (most recent call last):
    ...
    vigil.errors.MalformedRowError: line 1, field 'records[0].eventId': records[0].eventId must be a non-empty string
    """
    prefix = f"{where}{separator}" if where else ""
    if not isinstance(record, dict):
        raise MalformedRowError(
            f"{where or 'the line'} must be a JSON object", line=line, field=where or None
        )
    if "groundTruthData" in record:  # a SageMaker ground-truth record
        meta = record.get("eventMetadata")
        data = record.get("groundTruthData")
        event_id = meta.get("eventId") if isinstance(meta, dict) else None
        label = data.get("data") if isinstance(data, dict) else None
        id_field, label_field = "eventMetadata.eventId", "groundTruthData.data"
    else:
        event_id, label = record.get("eventId"), record.get("label")
        id_field, label_field = "eventId", "label"
    if isinstance(event_id, int) and not isinstance(event_id, bool):
        event_id = str(event_id)
    if not isinstance(event_id, str) or not event_id.strip():
        raise MalformedRowError(
            f"{prefix}{id_field} must be a non-empty string", line=line, field=prefix + id_field
        )
    if label is None:
        raise MalformedRowError(
            f"{prefix}{label_field} is required", line=line, field=prefix + label_field
        )
    try:
        return event_id, label_text(label)
    except InputError as exc:
        raise MalformedRowError(
            f"{prefix}{label_field}: {exc.message}", line=line, field=prefix + label_field
        ) from exc


class GroundTruthUpload:
    """Decode an upload body chunk by chunk and append its records to ``file``.

    Memory holds one chunk, the records decoded from it and the file's write buffer: it does
    not grow with the body.

    Parameters
    ----------
    file : GroundTruthFile
        Where the records go; the caller publishes it after :meth:`close`, or discards it when
        :meth:`feed` or :meth:`close` raise.
    format : {"json", "jsonl"}
        See the module docstring.
    """

    def __init__(self, file: GroundTruthFile, format: UploadFormat) -> None:
        self.file = file
        self.format = format
        self.records = 0
        """Records decoded and written so far."""
        self._line = 0  # JSON Lines: lines consumed
        self._rest = b""  # JSON Lines: an unfinished line; JSON: leading bytes until sniffed
        self._items: Any = None  # JSON: ijson's sendable list
        self._parser: Any = None  # JSON: ijson's push parser
        self._prefix = ""

    def feed(self, chunk: bytes) -> None:
        """Decode the next bytes of the body and write the records they complete.

        Raises
        ------
        MalformedRowError
            For malformed JSON or a bad record (see the module docstring for ``line`` and
            ``field``).
        StorageError
            If writing the staged file fails.
        """
        if not chunk:
            return
        if self.format == "jsonl":
            self._feed_lines(chunk)
        else:
            self._feed_json(chunk)

    def close(self) -> int:
        """The body has ended: decode what is left.

        Returns
        -------
        int
            The records written.

        Raises
        ------
        MalformedRowError
            If the body is incomplete JSON or holds no record.
        StorageError
            If writing the staged file fails.
        """
        if self.format == "jsonl":
            if self._rest.strip():
                self._line += 1
                self._add_line(self._rest)
            self._rest = b""
        else:
            if self._parser is None:
                raise MalformedRowError(_SHAPE, field="records")
            try:
                self._parser.close()
            except ijson.JSONError as exc:
                raise self._json_error(exc) from exc
            self._drain()
        if self.records == 0:
            raise MalformedRowError(_SHAPE, field="records")
        return self.records

    # ---- JSON Lines ------------------------------------------------------------------------

    def _feed_lines(self, chunk: bytes) -> None:
        data = self._rest + chunk if self._rest else chunk
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            self._line += 1
            raw = data[start:end]
            if raw.strip():
                self._add_line(raw)
            start = end + 1
        self._rest = data[start:]

    def _add_line(self, raw: bytes) -> None:
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise MalformedRowError(
                f"line {self._line} is not valid JSON: {exc}", line=self._line
            ) from exc
        event_id, label = record_pair(record, "", self._line)
        self.file.add(event_id, label)
        self.records += 1

    # ---- a JSON document -------------------------------------------------------------------

    def _feed_json(self, chunk: bytes) -> None:
        if self._parser is None:
            self._rest += chunk
            head = self._rest.lstrip()
            if head.startswith(b"\xef\xbb\xbf"):
                head = head[3:].lstrip()
            if not head:
                return
            if head[:1] == b"{":
                self._prefix = "records.item"
            elif head[:1] == b"[":
                self._prefix = "item"
            else:
                raise MalformedRowError(f"{_SHAPE}; it starts with {head[:20]!r}", line=1)
            self._items = ijson.sendable_list()
            self._parser = ijson.items_coro(self._items, self._prefix, use_float=True)
            chunk, self._rest = head, b""
        try:
            self._parser.send(chunk)
        except ijson.JSONError as exc:
            self._drain()
            raise self._json_error(exc) from exc
        self._drain()

    def _drain(self) -> None:
        items = self._items
        if not items:
            return
        base = "records" if self._prefix == "records.item" else ""
        for record in items:
            line = self.records + 1
            event_id, label = record_pair(record, f"{base}[{line - 1}]", line)
            self.file.add(event_id, label)
            self.records += 1
        del items[:]

    def _json_error(self, exc: Exception) -> MalformedRowError:
        detail = " ".join(str(exc).split())
        return MalformedRowError(
            f"the body is not valid JSON after record {self.records} ({detail})",
            line=self.records + 1,
        )
