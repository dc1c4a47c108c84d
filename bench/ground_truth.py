"""Benchmark ``POST /ground-truth`` on a real ``vigil serve`` process: memory and records/s.

What is measured
----------------
For each phase a fresh ``vigil serve --no-scheduler`` runs as its own process on a free
loopback port, with a fresh data directory (SQLite metadata, ground truth under
``{data_dir}/groundtruth``). Its memory is
read from ``/proc/<pid>/status``: ``VmRSS`` (resident now) and ``VmHWM`` (the high-water
mark), which is reset before each phase by writing ``5`` to ``/proc/<pid>/clear_refs``; a
sampler thread also reads ``VmRSS`` every 10 ms, so the peak is known where ``clear_refs``
cannot be written. Three phases run in turn:

* ``one``: a single upload of ``--records`` labels (default 150,000: a 6.2 MB JSON body
  ``{"records": [{"eventId": "<15 characters>", "label": 0|1}, ...]}``). Printed: RSS before,
  the peak during the upload, RSS one second after the answer, and the growths (after - before,
  peak - before).
* ``four``: four such uploads at once (four connections). Printed: the peak RSS growth, and
  the statuses (a server that bounds concurrent uploads may answer some 503: they are counted
  and retried after ``Retry-After`` until all four are filed).
* ``million``: ``--total`` labels (default 1,000,000) in uploads of ``--batch`` labels (default
  all of them in one upload, raised with ``--max-body-mb`` where the server has a body limit),
  sent one after the other. Printed: records/s (labels filed / wall seconds, the client's
  encoding excluded: bodies are built before the clock starts) and the peak RSS.

Every upload must be answered 201 with its record count, and the files written are counted
after each phase: the labels filed must equal the labels sent.

``--content-type`` picks the body format: ``application/json`` (the default, the document
above) or ``application/x-ndjson`` (one record per line, where the server supports it).

The figures are wall-clock on a shared machine: the load average is printed at the start and
the end (``/proc/loadavg``).

Usage, from the repository root::

    .venv/bin/python bench/ground_truth.py [--records 150000] [--total 1000000] [--batch N]
                                           [--max-body-mb 64] [--content-type application/json]

Measured figures are in ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

MB = 1024 * 1024


def _loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


class Memory:
    """RSS of one process: now, and the peak of a phase (VmHWM and a 10 ms sampler)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def rss(self) -> int:
        return _status_kb(self.pid, "VmRSS") * 1024

    def start_phase(self) -> None:
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM to the current RSS
        except OSError:
            pass
        self._peak = self.rss()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            try:
                self._peak = max(self._peak, self.rss())
            except (OSError, KeyError):  # the process has exited
                return

    def end_phase(self) -> int:
        """The peak RSS of the phase, in bytes."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        hwm = _status_kb(self.pid, "VmHWM") * 1024
        return max(self._peak, hwm, self.rss())


def body_of(start: int, count: int, content_type: str) -> bytes:
    """``count`` labels with ids ``gt-<start + i, 12 digits>`` (15 characters: 41 bytes a
    record in a JSON document, as in the issue's 6.2 MB for 150,000)."""
    records = [{"eventId": f"gt-{i:012d}", "label": i % 2} for i in range(start, start + count)]
    if content_type == "application/json":
        return json.dumps({"records": records}, separators=(",", ":")).encode()
    return b"".join(json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in records)


def upload(
    client: httpx.Client, url: str, body: bytes, content_type: str, statuses: list[int]
) -> int:
    """POST until filed (retrying 503/429 after Retry-After); return the records filed."""
    while True:
        response = client.post(
            f"{url}/ground-truth", content=body, headers={"content-type": content_type}
        )
        statuses.append(response.status_code)
        if response.status_code in (429, 503):
            time.sleep(float(response.headers.get("retry-after", "1")))
            continue
        if response.status_code != 201:
            raise SystemExit(f"upload answered {response.status_code}: {response.text[:300]}")
        return int(response.json()["records"])


def _mb(n: float) -> str:
    return f"{n / MB:7.1f} MB"


def count_filed(data_dir: Path) -> int:
    total = 0
    for path in (data_dir / "groundtruth").rglob("*.jsonl"):
        if not any(part.startswith(".") for part in path.relative_to(data_dir).parts):
            with open(path, "rb") as f:
                total += sum(1 for line in f if line.strip())
    return total


def _phase(memory: Memory, name: str, work: Callable[[], int]) -> dict[str, Any]:
    before = memory.rss()
    memory.start_phase()
    started = time.perf_counter()
    records = work()
    seconds = time.perf_counter() - started
    peak = memory.end_phase()
    time.sleep(1.0)
    after = memory.rss()
    print(
        f"{name:8s} records {records:>9,}  {seconds:6.2f} s  {records / seconds:>9,.0f} rec/s  "
        f"RSS before {_mb(before)}  peak {_mb(peak)}  after {_mb(after)}  "
        f"growth {_mb(after - before)}  peak growth {_mb(peak - before)}",
        flush=True,
    )
    return {"records": records, "seconds": seconds, "before": before, "peak": peak}


@contextlib.contextmanager
def vigil_serve(work: Path, max_body_mb: float) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``vigil serve --no-scheduler`` on a free loopback port, data in ``work``; stopped after."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "vigil.cli.main",
        "serve",
        "--no-scheduler",
        "--port",
        str(port),
        "--data-dir",
        str(work),
        "--log-level",
        "warning",
    ]
    if max_body_mb:
        command += ["--max-body-mb", str(max_body_mb)]
    server = subprocess.Popen(command, env={**os.environ, "VIGIL_DATA_DIR": str(work)})
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise SystemExit(f"vigil serve exited with {server.returncode}")
            try:
                if httpx.get(f"{url}/ping", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("vigil serve did not start within 60 s")
            time.sleep(0.1)
        yield url, server
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--records", type=int, default=150_000, help="labels per upload (one, four)"
    )
    parser.add_argument("--total", type=int, default=1_000_000, help="labels of the last phase")
    parser.add_argument("--batch", type=int, default=0, help="labels per upload there (0: all)")
    parser.add_argument("--max-body-mb", type=float, default=0.0, help="vigil serve --max-body-mb")
    parser.add_argument(
        "--content-type",
        default="application/json",
        choices=("application/json", "application/x-ndjson"),
    )
    args = parser.parse_args()
    batch = args.batch or args.total
    ct = args.content_type
    timeout = httpx.Timeout(600.0)

    print(f"load average at start: {_loadavg()}", flush=True)
    one = body_of(0, args.records, ct)
    fours = [body_of((k + 1) * args.records, args.records, ct) for k in range(4)]
    base = 5 * args.records
    batches = [
        body_of(base + s, min(batch, args.total - s), ct) for s in range(0, args.total, batch)
    ]
    print(
        f"body of one upload {len(one) / 1e6:.1f} MB ({ct}); {len(batches)} upload(s) of up to "
        f"{batch:,} labels for the last phase; each phase on a fresh vigil serve process",
        flush=True,
    )
    statuses: list[int] = []

    def single(url: str) -> int:
        with httpx.Client(timeout=timeout) as client:
            return upload(client, url, one, ct, statuses)

    def four(url: str) -> int:
        done = [0] * 4

        def run(k: int) -> None:
            with httpx.Client(timeout=timeout) as c:
                done[k] = upload(c, url, fours[k], ct, statuses)

        threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(done)

    def million(url: str) -> int:
        with httpx.Client(timeout=timeout) as client:
            return sum(upload(client, url, b, ct, statuses) for b in batches)

    filed = 0
    for name, work_fn, sent in (
        ("one", single, args.records),
        ("four", four, 4 * args.records),
        ("million", million, args.total),
    ):
        folder = Path(tempfile.mkdtemp(prefix="vigil-bench-gt-"))
        try:
            with vigil_serve(folder, args.max_body_mb) as (url, server):
                _phase(Memory(server.pid), name, lambda u=url, f=work_fn: f(u))
            got = count_filed(folder)
            if got != sent:
                raise SystemExit(f"{name}: {got:,} labels filed of {sent:,} sent")
            filed += got
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    refused = sum(1 for s in statuses if s in (429, 503))
    print(
        f"uploads answered: {len(statuses)} ({refused} refused busy and retried); labels filed "
        f"{filed:,} = labels sent",
        flush=True,
    )
    print(f"load average at end: {_loadavg()}", flush=True)


if __name__ == "__main__":
    main()
