"""The background capture writer: a bounded queue in, SageMaker-layout JSON Lines files out.

The request path calls :meth:`CaptureWriter.submit`, which only appends a ready-made record
line to a bounded in-memory queue and returns at once: it never blocks and never does I/O. When
the queue is full the record is dropped and counted (``records_dropped``). One writer thread
drains the queue and appends the lines to one file per endpoint, variant and UTC hour of the
record's ``inferenceTime`` (spec §1.3)::

    {destination}/{endpoint}/{variant}/yyyy/mm/dd/hh/{MM}-{SS}-{mmm}-{uuid4}.jsonl

named by :func:`vigil.storage.capture_layout.capture_file_url` after the time of the file's
first record.

Durability
    Lines are written with unbuffered ``write`` calls of whole lines, so every line reaches the
    operating system within ``flush_interval_seconds`` of its submission (the writer wakes at
    least that often). After a hard kill of the process at most that interval is lost; a line
    cut by the kill is detected and skipped by the readers
    (:func:`vigil.jobs.capture_input.read_capture_file` counts it as malformed).

Rotation
    A file is closed when it reaches ``max_file_bytes``, when it has been open for
    ``rotate_seconds`` (60 s by default, as SageMaker's files are about a minute apart), and
    when its hour is over. A record that arrives late for a closed hour opens a new file in
    that hour's folder.

Object storage
    A local destination (a path or ``file://`` URL) is written in place. Any other destination
    (``s3://``, ``gs://``, …) is written to a staging file in a local directory and uploaded
    with :func:`vigil.storage.objectstore.write_bytes` when the file is closed, by a separate
    upload thread (retried with exponential back-off; a file that still fails is left in the
    staging directory and logged, never deleted).

Shutdown
    :meth:`CaptureWriter.close` stops accepting records, drains the queue, closes every file,
    waits for the uploads and returns: every record submitted before ``close`` is on disk (or
    in the object store) afterwards.

Examples
--------
>>> import tempfile, time
>>> root = tempfile.mkdtemp()
>>> writer = CaptureWriter()
>>> writer.start()
>>> writer.submit(CaptureItem(root, "churn", "AllTraffic", 1714568400.0, b'{"a":1}\\n'))
True
>>> writer.close()
>>> writer.counters()[("churn", "AllTraffic")].records_written
1
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import queue
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from fsspec.implementations.local import LocalFileSystem

from vigil.errors import InvalidParameterError, VigilError
from vigil.storage.capture_layout import capture_file_url
from vigil.storage.objectstore import filesystem_for, write_bytes

__all__ = [
    "DEFAULT_FLUSH_INTERVAL_SECONDS",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_QUEUE_RECORDS",
    "DEFAULT_ROTATE_SECONDS",
    "CaptureCounters",
    "CaptureItem",
    "CaptureWriter",
]

_LOG = logging.getLogger("vigil.capture")

DEFAULT_MAX_QUEUE_RECORDS = 100_000
"""Records the queue holds before new ones are dropped."""
DEFAULT_FLUSH_INTERVAL_SECONDS = 1.0
"""Longest time, in seconds, between a record's submission and its line reaching the OS."""
DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024
"""Size, in bytes, at which a capture file is closed and a new one opened (16 MiB)."""
DEFAULT_ROTATE_SECONDS = 60.0
"""Age, in seconds, at which a capture file is closed (and, remotely, uploaded)."""

_CHUNK = 256  # records handled between two releases of the GIL
_HOUR_SECONDS = 3600


class CaptureItem(NamedTuple):
    """One record for the writer.

    Attributes
    ----------
    destination : str
        Capture root (SageMaker's ``DestinationS3Uri``): a local path or fsspec URL.
    endpoint, variant : str
        Endpoint and variant names: the first two folders under ``destination``.
    time : float
        The record's ``inferenceTime`` in seconds since the epoch; picks the hour folder.
    line : bytes
        The record as one JSON line, ``\\n`` included
        (:func:`vigil.capture.record.build_capture_line`).
    """

    destination: str
    endpoint: str
    variant: str
    time: float
    line: bytes


@dataclass(frozen=True, slots=True)
class CaptureCounters:
    """What the writer did for one endpoint variant since it started.

    Attributes
    ----------
    records_written : int
        Lines written to capture files.
    bytes_written : int
        Bytes written to capture files (local files, or staging files of a remote destination).
    records_dropped : int
        Records lost: the queue was full, the writer was closed, or a file could not be written.
    files_closed : int
        Capture files completed (and, for a remote destination, handed to the uploader).
    upload_failures : int
        Files whose upload failed after every retry (left in the staging directory).
    """

    records_written: int = 0
    bytes_written: int = 0
    records_dropped: int = 0
    files_closed: int = 0
    upload_failures: int = 0


class _Key(NamedTuple):
    destination: str
    endpoint: str
    variant: str
    hour: int  # hours since the epoch


class _OpenFile:
    __slots__ = ("final_url", "handle", "key", "opened_at", "path", "pending", "remote", "size")

    def __init__(
        self, key: _Key, path: str, final_url: str, remote: bool, handle: Any, now: float
    ) -> None:
        self.key = key
        self.path = path  # local path written to (the file itself, or its staging copy)
        self.final_url = final_url
        self.remote = remote
        self.handle = handle
        self.opened_at = now
        self.size = 0
        self.pending: list[bytes] = []


class _Counts:
    __slots__ = ("bytes", "dropped", "files", "records", "upload_failures")

    def __init__(self) -> None:
        self.records = 0
        self.bytes = 0
        self.dropped = 0
        self.files = 0
        self.upload_failures = 0


class _Upload(NamedTuple):
    staged: str
    url: str
    endpoint: str
    variant: str


def _positive(value: float, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidParameterError(
            f"{name} of CaptureWriter must be a positive number. Got {value!r} instead.",
            field=name,
        )
    return float(value)


class CaptureWriter:
    """Append capture records to SageMaker-layout JSON Lines files from a background thread.

    Parameters
    ----------
    max_queue_records : int, default=100_000
        Capacity of the queue, in records; a record submitted while it is full is dropped.
    flush_interval_seconds : float, default=1.0
        Longest time between a record's submission and its line reaching the operating system.
    max_file_bytes : int, default=16 MiB
        A file is closed once it holds at least this many bytes.
    rotate_seconds : float, default=60.0
        A file is closed once it has been open this long (files never span an hour anyway).
    staging_dir : str, optional
        Local directory for the files of remote destinations until they are uploaded. Default:
        a new temporary directory, removed by :meth:`close` when empty.
    storage_options : mapping, optional
        Passed to fsspec for remote destinations (see
        :func:`vigil.storage.objectstore.filesystem_for`).
    upload_retries : int, default=5
        Attempts after a failed upload, with back-off doubling from 0.2 s.
    clock : callable, default=time.time
        Seconds since the epoch; decides file age and the end of an hour. Record times come
        from the records.

    Raises
    ------
    InvalidParameterError
        If a size, interval or count is not positive.
    """

    def __init__(
        self,
        *,
        max_queue_records: int = DEFAULT_MAX_QUEUE_RECORDS,
        flush_interval_seconds: float = DEFAULT_FLUSH_INTERVAL_SECONDS,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        rotate_seconds: float = DEFAULT_ROTATE_SECONDS,
        staging_dir: str | None = None,
        storage_options: Mapping[str, Any] | None = None,
        upload_retries: int = 5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if isinstance(max_queue_records, bool) or not isinstance(max_queue_records, int):
            raise InvalidParameterError(
                "max_queue_records of CaptureWriter must be a positive integer. Got "
                f"{max_queue_records!r} instead.",
                field="max_queue_records",
            )
        _positive(max_queue_records, "max_queue_records")
        _positive(max_file_bytes, "max_file_bytes")
        if (
            isinstance(upload_retries, bool)
            or not isinstance(upload_retries, int)
            or upload_retries < 0
        ):
            raise InvalidParameterError(
                "upload_retries of CaptureWriter must be a non-negative integer. Got "
                f"{upload_retries!r} instead.",
                field="upload_retries",
            )
        self.max_queue_records = max_queue_records
        self.flush_interval_seconds = _positive(flush_interval_seconds, "flush_interval_seconds")
        self.max_file_bytes = int(max_file_bytes)
        self.rotate_seconds = _positive(rotate_seconds, "rotate_seconds")
        self.storage_options = dict(storage_options or {})
        self.upload_retries = upload_retries
        self._clock = clock
        self._poll = min(0.1, self.flush_interval_seconds)
        self._staging_dir = staging_dir
        self._own_staging = staging_dir is None
        self._queue: deque[CaptureItem | threading.Event] = deque()
        self._stop = threading.Event()
        self._closed = False
        self._started = False
        self._lifecycle = threading.Lock()
        self._drop_lock = threading.Lock()
        self._submit_drops: dict[tuple[str, str], int] = {}
        self._counts: dict[tuple[str, str], _Counts] = {}  # written by the writer thread only
        self._upload_failures: dict[tuple[str, str], int] = {}  # uploader thread only
        self._files: dict[_Key, _OpenFile] = {}
        self._local: dict[str, bool] = {}
        self._failed_destinations: set[str] = set()
        self._uploads: queue.Queue[_Upload | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._uploader: threading.Thread | None = None

    # ---------------------------------------------------------------------------------------
    # Public API
    # ---------------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (records submitted afterwards are dropped)."""
        return self._closed

    @property
    def queued(self) -> int:
        """Records waiting in the queue now."""
        return len(self._queue)

    def start(self) -> None:
        """Start the writer and upload threads; calling it again does nothing.

        Raises
        ------
        InvalidParameterError
            If the writer was closed already.
        """
        with self._lifecycle:
            if self._closed:
                raise InvalidParameterError(
                    "start of CaptureWriter must not be called after close. Create a new writer.",
                    field="start",
                )
            if self._started:
                return
            self._started = True
            self._thread = threading.Thread(
                target=self._run, name="vigil-capture-writer", daemon=True
            )
            self._uploader = threading.Thread(
                target=self._run_uploads, name="vigil-capture-upload", daemon=True
            )
            self._thread.start()
            self._uploader.start()

    def submit(self, item: CaptureItem) -> bool:
        """Queue one record without blocking.

        Safe to call from any thread. Costs one ``deque.append``: no lock, no I/O.

        Returns
        -------
        bool
            True if queued; False if dropped (queue full or writer closed), and counted in
            ``records_dropped`` of its endpoint variant.
        """
        queued = self._queue
        if self._closed or len(queued) >= self.max_queue_records:
            self._count_drop(item.endpoint, item.variant, 1)
            return False
        queued.append(item)
        return True

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Block until every record submitted before the call has been written to its file.

        Files stay open (and remote files unuploaded); see :meth:`close` for that.

        Parameters
        ----------
        timeout : float or None, default=10.0
            Seconds to wait at most; None waits for ever.

        Returns
        -------
        bool
            True if the records were written; False on timeout or if the writer is not running.
        """
        thread = self._thread
        if thread is None or not thread.is_alive():
            return False
        done = threading.Event()
        self._queue.append(done)
        return done.wait(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Stop accepting records, write every queued one, close all files, finish uploads.

        Idempotent. A writer that was never started writes its queue in the calling thread.

        Parameters
        ----------
        timeout : float or None, default=None
            Seconds to wait for each thread; None waits until they are done.
        """
        with self._lifecycle:
            if self._closed:
                return
            self._closed = True
            started = self._started
        if not started:
            self._drain(final=True)
            self._close_all()
            self._uploads.put(None)
            self._run_uploads()
        else:
            self._stop.set()
            if self._thread is not None:
                self._thread.join(timeout)
            if self._uploader is not None:
                self._uploader.join(timeout)
        if self._own_staging and self._staging_dir is not None:
            with contextlib.suppress(OSError):
                os.rmdir(self._staging_dir)  # only if every upload succeeded

    def counters(self) -> dict[tuple[str, str], CaptureCounters]:
        """Counters per ``(endpoint, variant)`` since the writer was created.

        Safe to call from any thread; values may lag the writer by a few records.
        """
        keys = set(self._counts) | set(self._submit_drops) | set(self._upload_failures)
        result = {}
        for key in keys:
            c = self._counts.get(key) or _Counts()
            result[key] = CaptureCounters(
                records_written=c.records,
                bytes_written=c.bytes,
                records_dropped=c.dropped + self._submit_drops.get(key, 0),
                files_closed=c.files,
                upload_failures=self._upload_failures.get(key, 0),
            )
        return result

    # ---------------------------------------------------------------------------------------
    # The writer thread
    # ---------------------------------------------------------------------------------------

    def _count_drop(self, endpoint: str, variant: str, n: int) -> None:
        with self._drop_lock:
            key = (endpoint, variant)
            self._submit_drops[key] = self._submit_drops.get(key, 0) + n

    def _counts_for(self, endpoint: str, variant: str) -> _Counts:
        key = (endpoint, variant)
        counts = self._counts.get(key)
        if counts is None:
            counts = self._counts[key] = _Counts()
        return counts

    def _run(self) -> None:
        try:
            while True:
                stopping = self._stop.wait(self._poll)
                self._drain(final=stopping)
                self._rotate(self._clock())
                if stopping:
                    break
        except BaseException:  # pragma: no cover - a bug; keep the records we can
            _LOG.exception("capture writer failed; closing its files")
            raise
        finally:
            self._close_all()
            self._uploads.put(None)

    def _drain(self, *, final: bool) -> None:
        """Write what is queued now, in chunks, releasing the GIL between chunks.

        Only the records queued when the call starts are taken (all of them when ``final``), so
        a queue that producers keep full cannot starve rotation.
        """
        queued = self._queue
        budget = len(queued)
        while queued and (final or budget > 0):
            markers: list[threading.Event] = []
            touched: dict[_Key, _OpenFile] = {}
            for _ in range(_CHUNK):
                budget -= 1
                try:
                    item = queued.popleft()
                except IndexError:
                    break
                if isinstance(item, threading.Event):
                    markers.append(item)
                    break  # write what precedes the marker before signalling it
                handle = self._file_for(item)
                if handle is None:
                    continue
                handle.pending.append(item.line)
                touched[handle.key] = handle
            for handle in touched.values():
                self._write(handle)
            for marker in markers:
                marker.set()
            if not final:
                time.sleep(0)  # let the event loop run between chunks

    def _is_local(self, destination: str) -> bool:
        local = self._local.get(destination)
        if local is None:
            fs, _ = filesystem_for(destination, self.storage_options)
            local = self._local[destination] = isinstance(fs, LocalFileSystem)
        return local

    def _staging(self) -> str:
        if self._staging_dir is None:
            self._staging_dir = tempfile.mkdtemp(prefix="vigil-capture-staging-")
        os.makedirs(self._staging_dir, exist_ok=True)
        return self._staging_dir

    def _file_for(self, item: CaptureItem) -> _OpenFile | None:
        key = _Key(item.destination, item.endpoint, item.variant, int(item.time // _HOUR_SECONDS))
        handle = self._files.get(key)
        if handle is not None:
            return handle
        try:
            opened = datetime.fromtimestamp(item.time, UTC)
            uid = str(uuid.uuid4())
            url = capture_file_url(item.destination, item.endpoint, item.variant, opened, uid)
            remote = not self._is_local(item.destination)
            if remote:
                path = os.path.join(self._staging(), f"{uid}.jsonl")
            else:
                path = filesystem_for(url)[1]
                os.makedirs(os.path.dirname(path), exist_ok=True)
            raw = open(path, "ab", buffering=0)  # noqa: SIM115 - closed in _close
        except (OSError, VigilError) as exc:
            self._counts_for(item.endpoint, item.variant).dropped += 1
            if item.destination not in self._failed_destinations:
                self._failed_destinations.add(item.destination)
                _LOG.error(
                    "capture: cannot open a file under %s (%s); records are dropped",
                    item.destination,
                    exc,
                )
            return None
        self._failed_destinations.discard(item.destination)
        handle = self._files[key] = _OpenFile(key, path, url, remote, raw, self._clock())
        return handle

    def _write(self, handle: _OpenFile) -> None:
        data = b"".join(handle.pending)
        n = len(handle.pending)
        handle.pending.clear()
        counts = self._counts_for(handle.key.endpoint, handle.key.variant)
        try:
            view = memoryview(data)
            while view:
                written = handle.handle.write(view)
                view = view[written:]
        except OSError as exc:
            counts.dropped += n
            _LOG.error("capture: writing %s failed (%s); %d records dropped", handle.path, exc, n)
            self._close(handle)
            return
        counts.records += n
        counts.bytes += len(data)
        handle.size += len(data)
        if handle.size >= self.max_file_bytes:
            self._close(handle)

    def _rotate(self, now: float) -> None:
        for handle in list(self._files.values()):
            hour_end = (handle.key.hour + 1) * _HOUR_SECONDS
            if (
                now - handle.opened_at >= self.rotate_seconds
                or now >= hour_end + self.flush_interval_seconds
            ):
                self._close(handle)

    def _close(self, handle: _OpenFile) -> None:
        self._files.pop(handle.key, None)
        if handle.pending:
            self._write(handle)  # may re-enter _close on error/size; the pop above is idempotent
            if handle.handle.closed:
                return
        try:
            handle.handle.close()
        except OSError as exc:  # pragma: no cover - close of an unbuffered file rarely fails
            _LOG.error("capture: closing %s failed (%s)", handle.path, exc)
        key = handle.key
        self._counts_for(key.endpoint, key.variant).files += 1
        if handle.remote:
            if handle.size:
                self._uploads.put(_Upload(handle.path, handle.final_url, key.endpoint, key.variant))
            else:
                with contextlib.suppress(OSError):
                    os.unlink(handle.path)

    def _close_all(self) -> None:
        for handle in list(self._files.values()):
            self._close(handle)

    # ---------------------------------------------------------------------------------------
    # The upload thread
    # ---------------------------------------------------------------------------------------

    def _run_uploads(self) -> None:
        while True:
            job = self._uploads.get()
            if job is None:
                return
            self._upload(job)

    def _upload(self, job: _Upload) -> None:
        delay = 0.2
        for attempt in range(self.upload_retries + 1):
            try:
                with open(job.staged, "rb") as f:
                    data = f.read()
                write_bytes(job.url, data, storage_options=self.storage_options)
            except (OSError, VigilError) as exc:
                if attempt < self.upload_retries:
                    _LOG.warning(
                        "capture: upload of %s failed (%s); retrying in %.1f s", job.url, exc, delay
                    )
                    time.sleep(delay)
                    delay *= 2
                    continue
                key = (job.endpoint, job.variant)
                self._upload_failures[key] = self._upload_failures.get(key, 0) + 1
                _LOG.error(
                    "capture: upload of %s failed after %d attempts (%s); kept at %s",
                    job.url,
                    attempt + 1,
                    exc,
                    job.staged,
                )
                return
            with contextlib.suppress(OSError):
                os.unlink(job.staged)
            return
