"""Fixtures for the serving tests: real uvicorn servers on loopback, real models, real files.

``serve_app(app)`` runs an ASGI app under uvicorn in a thread on ``127.0.0.1`` and a port the
OS picks, yields its base URL and shuts it down (lifespan shutdown included) on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vigil.jobs.capture_input import CaptureInput, read_capture_file
from vigil.storage.capture_layout import list_capture_files


@contextlib.contextmanager
def serve_app(app: Any, *, timeout: float = 10.0) -> Iterator[str]:
    """Run ``app`` under uvicorn on loopback; yield ``http://127.0.0.1:<port>``."""
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only when the listening
    # socket says TCP explicitly; with proto 0, Nagle + delayed ACKs add ~40 ms per POST.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.005)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


def free_port() -> int:
    """A TCP port on loopback that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_captured(root: str, endpoint: str, variant: str) -> list[dict[str, Any]]:
    """Every capture record of one variant (any hour), parsed, in file order."""
    import orjson

    from vigil.storage.objectstore import read_bytes

    start = time.time() - 3 * 3600
    inp = _window(root, endpoint, variant, start)
    records = []
    for f in list_capture_files(root, endpoint, variant, inp.start, inp.end):
        for line in read_bytes(f.url).splitlines():
            if line.strip():
                records.append(orjson.loads(line))
    return records


def _window(root: str, endpoint: str, variant: str, start: float) -> CaptureInput:
    from datetime import UTC, datetime

    return CaptureInput(
        root,
        endpoint,
        variant,
        datetime.fromtimestamp(start, UTC),
        datetime.fromtimestamp(time.time() + 3600, UTC),
        output_columns_position="start",
    )


def read_capture_batches(root: str, endpoint: str, variant: str) -> list[Any]:
    """``read_capture_file`` over every file of the variant: what a monitoring job sees."""
    inp = _window(root, endpoint, variant, time.time() - 3 * 3600)
    return [
        read_capture_file(f.url, inp)
        for f in list_capture_files(root, endpoint, variant, inp.start, inp.end)
    ]


@pytest.fixture(scope="session")
def regressor_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LinearRegression (no predict_proba) on 2 features: y = x0 + 2 x1."""
    import joblib
    import numpy as np
    from sklearn.linear_model import LinearRegression

    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    path = tmp_path_factory.mktemp("models") / "linear.joblib"
    joblib.dump(LinearRegression().fit(x, x[:, 0] + 2 * x[:, 1]), path)
    return path


@pytest.fixture(scope="session")
def code_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with Python entry-point models (``vigil_test_models``)."""
    folder = tmp_path_factory.mktemp("code")
    (folder / "vigil_test_models.py").write_text(
        textwrap.dedent(
            """
            from vigil.errors import InputError

            LOADS = []

            def load():
                LOADS.append(1)
                return {"offset": 10.0}

            def predict(rows, model):
                return [sum(float(v) for v in row) + model["offset"] for row in rows]

            def boom(rows, model):
                raise RuntimeError("the model exploded")

            def picky(rows, model):
                raise InputError("rows must be sorted", field="rows")

            def constant(rows, model):
                return ["shadow-answer" for _ in rows]
            """
        )
    )
    return folder


def _upstream_app() -> Starlette:
    async def predict(request: Request) -> Response:
        body = await request.body()
        return Response(
            body[::-1],
            headers={
                "content-type": request.headers.get("content-type", "application/octet-stream"),
                "x-seen-attributes": request.headers.get("x-amzn-sagemaker-custom-attributes", ""),
            },
        )

    async def slow(request: Request) -> Response:
        await request.body()
        await asyncio.sleep(2.0)
        return Response(b"late", media_type="text/csv")

    async def fail(request: Request) -> Response:
        return Response(b"internal", status_code=500)

    async def reject(request: Request) -> Response:
        return Response(b'{"error":"bad input"}', status_code=422, media_type="application/json")

    return Starlette(
        routes=[
            Route("/predict", predict, methods=["POST"]),
            Route("/slow", slow, methods=["POST"]),
            Route("/fail", fail, methods=["POST"]),
            Route("/reject", reject, methods=["POST"]),
        ]
    )


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    """An upstream model server on loopback: /predict reverses the body, /slow sleeps 2 s,
    /fail answers 500, /reject answers 422."""
    with serve_app(_upstream_app()) as url:
        yield url
