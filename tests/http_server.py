"""A static HTTP file server on loopback for tests of ``http://`` datasets and baselines.

:func:`http_files` serves a folder (GET and HEAD, with ``Content-Length``) on a free port of
127.0.0.1 in a thread and yields its base URL. With ``ranges=True`` (the default) it answers
``Range: bytes=a-b`` with 206 and the bytes asked for, as object stores, CDNs, nginx and
Apache do; with ``ranges=False`` it ignores the header and sends the whole file with 200, as
Python's ``http.server`` does. Every request is recorded (``server.requests``).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class _Handler(SimpleHTTPRequestHandler):
    ranges = True

    def log_message(self, format: str, *args: Any) -> None:
        self.server.requests.append(f"{self.command} {self.path} {self.headers.get('Range')}")  # type: ignore[attr-defined]

    def send_head(self) -> Any:
        match = _RANGE.match(self.headers.get("Range", "")) if self.ranges else None
        path = self.translate_path(self.path)
        if match is None or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        first, last = match.groups()
        if first == "":
            start, end = max(0, size - int(last)), size - 1
        else:
            start, end = int(first), min(size - 1, int(last) if last else size - 1)
        if start >= size or start > end:
            self.send_error(416)
            return None
        handle = open(path, "rb")  # noqa: SIM115 - closed by copyfile's caller
        handle.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        return _Limited(handle, end - start + 1)


class _Limited:
    """A file object that ends after ``n`` bytes (the range asked for)."""

    def __init__(self, handle: Any, n: int) -> None:
        self.handle, self.left = handle, n

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size < 0 else min(size, self.left)
        data = self.handle.read(size)
        self.left -= len(data)
        return bytes(data)

    def close(self) -> None:
        self.handle.close()


@contextlib.contextmanager
def http_files(folder: Path, *, ranges: bool = True) -> Iterator[tuple[str, list[str]]]:
    """Serve ``folder`` on ``http://127.0.0.1:<free port>``; yield the URL and request log."""
    handler = type("Handler", (_Handler,), {"ranges": ranges})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.requests  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
