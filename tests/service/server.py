"""Run an ASGI app with uvicorn on a free loopback port, in a thread, for real-HTTP tests.

:func:`serving` is :func:`vigil.service.server.serve_in_thread`: the app's lifespan runs
(start-up and shut-down), as under ``vigil serve``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from vigil.service.server import serve_in_thread


@contextmanager
def serving(app: Any, *, timeout: float = 30.0) -> Iterator[str]:
    """Serve ``app`` on ``127.0.0.1:<free port>``; yield its base URL; stop it afterwards."""
    with serve_in_thread(app, timeout=timeout) as url:
        yield url
