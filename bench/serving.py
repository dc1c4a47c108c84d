"""Benchmark the inference server: what does Vigil (and its data capture) cost per request?

What is measured
----------------
A small scikit-learn model (``LogisticRegression`` on 10 features, 2 classes, seeded) is saved
with joblib. Each request is one CSV row of 10 features (SageMaker's usual real-time payload);
the answer is the two class probabilities as CSV. Three servers are timed, each in its own
process under the same uvicorn settings (one worker, ``log_level=warning``, no access log,
the same event loop and HTTP implementation):

* ``bare``: a Starlette app with one route that reads the body, parses the CSV row with numpy,
  calls ``predict_proba`` and writes CSV: what a user would write by hand. The reference.
* ``vigil``: ``vigil.serving.create_app`` with the same model as an endpoint, capture off.
* ``vigil+capture``: the same with ``sampling_percentage: 100`` to a local folder: every
  request and response is built into a capture record, queued and written by the background
  writer. After the run the server is stopped with SIGTERM and the captured records are
  counted: they must equal the requests sent.
* ``service+capture``: the whole ``vigil serve`` service (``vigil.service.server.
  create_service``: the control-plane API on SQLite and the live endpoints on one app, no
  scheduler thread) with the same capture: what users run.

The load generator is another process on loopback. It opens ``--concurrency`` keep-alive
connections (default 16), sends ``--warmup`` requests (not timed), then exactly ``--requests``
requests (default 5000), and reports throughput (requests / wall
seconds) and latency percentiles measured around each request, and the CPU time the server
process used per request (``/proc/<pid>/stat``; robust to other load on the machine). The
configurations run in turn, ``--repeat`` times (default 3); the median of each figure is
printed, and the best run (highest throughput, lowest p99), which is the least disturbed by
other processes.

Targets (from the issue): throughput of ``vigil+capture`` >= 0.8x that of ``bare``, and p99 of
``vigil+capture`` <= p99 of ``vigil`` + 1 ms.

Load generator: ``--client raw`` (default) is a minimal asyncio HTTP/1.1 client (one prepared
request per write, ``Content-Length`` framing); ``--client httpx`` uses one
``httpx.AsyncClient`` per connection. On this project's 2-core machines httpx costs about
2.5 ms of CPU per request, more than the servers do, so with it every configuration measures
the client (all three come out equal); the raw client needs a small fraction of that and lets
the server be the bottleneck, which is what the targets are about.

Notes: the load generator and the server share the machine's CPUs, and other processes add
noise; the load average is printed at the start and end, and the server's CPU per request is
the figure least sensitive to it.

Usage, from the repository root::

    .venv/bin/python bench/serving.py [--requests N] [--concurrency C] [--warmup W] [--repeat R]
                                      [--client raw|httpx]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

N_FEATURES = 10
SEED = 20240611
CONFIGS = ("bare", "vigil", "vigil+capture", "service+capture")
CAPTURING = ("vigil+capture", "service+capture")


# --------------------------------------------------------------------------------------------
# The model and the payload
# --------------------------------------------------------------------------------------------


def train_model(path: Path) -> None:
    """A seeded LogisticRegression on 10 features, saved with joblib."""
    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(2000, N_FEATURES))
    y = (x @ rng.normal(size=N_FEATURES) + rng.normal(scale=0.5, size=2000) > 0).astype(int)
    joblib.dump(LogisticRegression().fit(x, y), path)


def payloads(n: int) -> list[bytes]:
    """``n`` distinct one-row CSV payloads."""
    import numpy as np

    rng = np.random.default_rng(SEED + 1)
    rows = rng.normal(size=(n, N_FEATURES)).round(4)
    return [",".join(repr(float(v)) for v in row).encode() for row in rows]


# --------------------------------------------------------------------------------------------
# The servers (each run as ``bench/serving.py --serve KIND``)
# --------------------------------------------------------------------------------------------


def bare_app(model_path: str) -> Any:
    """The reference: a plain Starlette route around the same model."""
    import joblib
    import numpy as np
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    model = joblib.load(model_path)

    async def invocations(request: Request) -> Response:
        body = await request.body()
        rows = [line.split(",") for line in body.decode().splitlines() if line]
        proba = model.predict_proba(np.array(rows, dtype=np.float64))
        text = "\n".join(",".join(repr(v) for v in row) for row in proba.tolist())
        return Response(text, media_type="text/csv")

    async def ping(request: Request) -> Response:
        return Response(b"")

    return Starlette(
        routes=[
            Route("/endpoints/bench/invocations", invocations, methods=["POST"]),
            Route("/ping", ping, methods=["GET"]),
        ]
    )


def _endpoint_config(model_path: str, capture_dir: str | None) -> Any:
    from vigil.serving.config import parse_config

    endpoint: dict[str, Any] = {
        "name": "bench",
        "variants": [{"name": "AllTraffic", "model": {"flavor": "sklearn", "path": model_path}}],
    }
    if capture_dir is not None:
        endpoint["data_capture"] = {
            "enable_capture": True,
            "sampling_percentage": 100,
            "destination": capture_dir,
        }
    return parse_config({"endpoints": [endpoint]})


def vigil_app(model_path: str, capture_dir: str | None) -> Any:
    """Vigil's inference server alone serving the same model, with capture at 100% or off."""
    from vigil.serving import EndpointRegistry, create_app

    registry = EndpointRegistry.from_config(_endpoint_config(model_path, capture_dir), seed=1)
    return create_app(registry)


def service_app(model_path: str, capture_dir: str) -> Any:
    """The whole ``vigil serve`` service (control-plane API on SQLite, live endpoints), capture
    at 100%; no scheduler thread, as with ``vigil serve --no-scheduler``."""
    from vigil.service.server import create_service

    data_dir = Path(capture_dir).with_suffix(".data")
    return create_service(
        data_dir=str(data_dir),
        database_url=f"sqlite:///{data_dir / 'vigil.db'}",
        serve_config=_endpoint_config(model_path, capture_dir),
        seed=1,
    )


def serve(kind: str, port: int, model_path: str, capture_dir: str | None) -> None:
    """Run one server until SIGTERM."""
    import uvicorn

    if kind == "bare":
        app = bare_app(model_path)
    elif kind == "service+capture":
        assert capture_dir is not None
        app = service_app(model_path, capture_dir)
    else:
        app = vigil_app(model_path, capture_dir)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --------------------------------------------------------------------------------------------
# The load generator (run as ``bench/serving.py --load URL``)
# --------------------------------------------------------------------------------------------


async def _raw_post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    """Send one prepared HTTP/1.1 request on a keep-alive connection; read the whole answer."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"content-length:")
    if at < 0:
        raise RuntimeError(f"no content-length in {head!r}")
    length = int(lower[at + 15 : lower.index(b"\r\n", at)])
    await reader.readexactly(length)
    return status


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` (Linux ``/proc``), or NaN."""
    if pid is None:
        return math.nan
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(
    url: str,
    requests: int,
    warmup: int,
    concurrency: int,
    client_kind: str,
    server_pid: int | None = None,
) -> dict[str, Any]:
    import httpx

    bodies = payloads(max(requests, warmup))
    path = "/endpoints/bench/invocations"
    host, port = url.removeprefix("http://").split(":")
    prepared = [
        b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n\r\n%s"
        % (path.encode(), host.encode(), len(body), body)
        for body in bodies
    ]
    latencies: list[float] = []
    errors = 0

    async def run(count: int, record: bool) -> None:
        todo = iter(range(count))

        async def raw_worker() -> None:
            nonlocal errors
            reader, writer = await asyncio.open_connection(host, int(port))
            try:
                for i in todo:
                    t0 = time.perf_counter()
                    status = await _raw_post(reader, writer, prepared[i])
                    elapsed = time.perf_counter() - t0
                    if status != 200:
                        errors += 1
                    elif record:
                        latencies.append(elapsed)
            finally:
                writer.close()

        async def httpx_worker() -> None:
            nonlocal errors
            limits = httpx.Limits(max_connections=1)
            async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
                for i in todo:
                    t0 = time.perf_counter()
                    r = await client.post(
                        path, content=bodies[i], headers={"content-type": "text/csv"}
                    )
                    elapsed = time.perf_counter() - t0
                    if r.status_code != 200:
                        errors += 1
                    elif record:
                        latencies.append(elapsed)

        worker = raw_worker if client_kind == "raw" else httpx_worker
        await asyncio.gather(*(worker() for _ in range(concurrency)))

    await run(warmup, record=False)
    cpu_before = _cpu_seconds(server_pid)
    started = time.perf_counter()
    await run(requests, record=True)
    wall = time.perf_counter() - started
    server_cpu = _cpu_seconds(server_pid) - cpu_before
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return {
        "requests": requests,
        "errors": errors,
        "seconds": wall,
        "throughput": requests / wall,
        "server_cpu_us": server_cpu / requests * 1e6,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": latencies[-1] * 1000,
    }


# --------------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.communicate()[1].decode()}")
        try:
            if httpx.get(f"{url}/ping", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def _count_captured(root: Path) -> int:
    return sum(
        1 for path in root.rglob("*.jsonl") for line in path.read_bytes().splitlines() if line
    )


def run_one(kind: str, args: argparse.Namespace, model: Path, work: Path) -> dict[str, Any]:
    """Start the ``kind`` server, run the load generator against it, stop it."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    capture_dir = work / f"capture-{time.monotonic_ns()}"
    cmd = [sys.executable, __file__, "--serve", kind, "--port", str(port), "--model", str(model)]
    if kind in CAPTURING:
        cmd += ["--capture-dir", str(capture_dir)]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_ready(url, server)
        load = subprocess.run(
            [
                sys.executable,
                __file__,
                "--load",
                url,
                "--requests",
                str(args.requests),
                "--warmup",
                str(args.warmup),
                "--concurrency",
                str(args.concurrency),
                "--client",
                args.client,
                "--server-pid",
                str(server.pid),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, Any] = json.loads(load.stdout)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if kind in CAPTURING:
        result["captured"] = _count_captured(capture_dir)
        result["sent"] = args.requests + args.warmup
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="load generator: raw asyncio HTTP/1.1 (default) or httpx.AsyncClient",
    )
    parser.add_argument("--serve", choices=CONFIGS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--capture-dir", help=argparse.SUPPRESS)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve:
        serve(args.serve, args.port, args.model, args.capture_dir)
        return
    if args.load:
        result = asyncio.run(
            _load(
                args.load,
                args.requests,
                args.warmup,
                args.concurrency,
                args.client,
                args.server_pid,
            )
        )
        print(json.dumps(result))
        return

    print(f"load average at start: {os.getloadavg()}; cpus: {os.cpu_count()}")
    print(
        f"{args.requests} requests (+{args.warmup} warm-up), concurrency {args.concurrency}, "
        f"client {args.client}, {args.repeat} repeats, median shown"
    )
    with tempfile.TemporaryDirectory(prefix="vigil-bench-serving-") as tmp:
        work = Path(tmp)
        model = work / "model.joblib"
        train_model(model)
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in CONFIGS}
        for _ in range(args.repeat):
            for kind in CONFIGS:
                runs[kind].append(run_one(kind, args, model, work))

    def med(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[kind])

    def best(kind: str, key: str) -> float:
        values = [r[key] for r in runs[kind]]
        return max(values) if key == "throughput" else min(values)

    header = (
        f"{'config':<15}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'server CPU µs/req':>19}{'errors':>8}{'best req/s':>12}{'best p99':>10}"
    )
    print(header)
    print("-" * len(header))
    for kind in CONFIGS:
        errors = sum(r["errors"] for r in runs[kind])
        print(
            f"{kind:<15}{med(kind, 'throughput'):>9.0f}{med(kind, 'p50_ms'):>9.2f}"
            f"{med(kind, 'p90_ms'):>9.2f}{med(kind, 'p99_ms'):>9.2f}"
            f"{med(kind, 'server_cpu_us'):>19.0f}{errors:>8}"
            f"{best(kind, 'throughput'):>12.0f}{best(kind, 'p99_ms'):>10.2f}"
        )
    for kind in CAPTURING:
        captured = [(r["captured"], r["sent"]) for r in runs[kind]]
        print(f"captured / sent per {kind} run: {captured}")
    ratio = med("vigil+capture", "throughput") / med("bare", "throughput")
    p99_delta = med("vigil+capture", "p99_ms") - med("vigil", "p99_ms")
    print(
        f"throughput vigil+capture / bare = {ratio:.2f} (target >= 0.80: "
        f"{'met' if ratio >= 0.8 else 'NOT met'})"
    )
    print(
        f"p99 vigil+capture - p99 vigil = {p99_delta:+.2f} ms (target <= +1 ms: "
        f"{'met' if p99_delta <= 1.0 else 'NOT met'})"
    )
    cpu_ratio = med("vigil+capture", "server_cpu_us") / med("bare", "server_cpu_us")
    print(
        f"server CPU per request vigil+capture / bare = {cpu_ratio:.2f} (throughput bound "
        f"{1 / cpu_ratio:.2f}x when the server is the bottleneck; robust to other load)"
    )
    best_ratio = best("vigil+capture", "throughput") / best("bare", "throughput")
    best_delta = best("vigil+capture", "p99_ms") - best("vigil", "p99_ms")
    print(
        f"best-of-{args.repeat} (least disturbed run): throughput ratio {best_ratio:.2f}, "
        f"p99 delta {best_delta:+.2f} ms"
    )
    service_ratio = med("service+capture", "throughput") / med("bare", "throughput")
    service_delta = med("service+capture", "p99_ms") - med("vigil", "p99_ms")
    print(
        f"the whole service (vigil serve, API + endpoints): throughput / bare = "
        f"{service_ratio:.2f}, p99 - p99 vigil = {service_delta:+.2f} ms"
    )
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
