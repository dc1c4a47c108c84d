"""Benchmark a model-quality execution: 1M captured predictions joined to 1M delayed labels.

What is measured
----------------
Seeded data is generated once into ``--out`` (default ``bench/out/model_quality``) and reused
while rows and seed match:

* capture: ``--rows`` (1,000,000) SageMaker capture records of a binary classifier, spread evenly
  over the 24 hour folders of 2024-05-01 (4 files per hour), each with a 10-feature CSV input,
  a CSV output holding the probability, an ``eventId`` and an ``inferenceId`` (UUID-like);
* ground truth: one label per prediction, keyed by its inferenceId, filed the next day over
  24 hour folders (2 files per hour), in an order unrelated to the capture's.

Then, in a fresh Python subprocess (imports before the clock starts), it times
``run_model_quality`` for the window [2024-05-01, 2024-05-02) with ``--workers`` processes:
listing, reading and decoding the capture and ground-truth files, the join on inferenceId
(latest label wins, coverage counts), every binary metric with the 5 × 80% subsample standard
deviations, the constraint check and writing the outputs. It also times the metrics alone
(``binary_classification_metrics`` on the 1M in-memory arrays), for the split.

Figures: wall seconds (best of ``--repeat``), and peak memory in MiB: ``self``
(``ru_maxrss`` of the measuring process), ``self+child`` (plus the largest worker's) and
``tree PSS`` (sampled peak of the summed proportional set size of the process tree; Linux).

Target (issue #6): ≤ 5 s on 2 cores.

Usage, from the repository root::

    .venv/bin/python bench/model_quality.py [--rows N] [--workers W] [--out DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

SEED = 20240501
DATA_VERSION = 1
DAY = "2024-05-01"
CAPTURE_FILES_PER_HOUR = 4
LABEL_FILES_PER_HOUR = 2
MIB = 1024 * 1024

_RECORD = (
    '{{"captureData":{{"endpointInput":{{"observedContentType":"text/csv","mode":"INPUT",'
    '"data":"{x}","encoding":"CSV"}},"endpointOutput":{{"observedContentType":'
    '"text/csv; charset=utf-8","mode":"OUTPUT","data":"{p}","encoding":"CSV"}}}},'
    '"eventMetadata":{{"eventId":"{e}","inferenceId":"{i}","inferenceTime":"{t}"}},'
    '"eventVersion":"0"}}'
)
_LABEL = (
    '{{"groundTruthData":{{"data":"{y}","encoding":"CSV"}},"eventMetadata":{{"eventId":"{i}"}},'
    '"eventVersion":"0"}}'
)


def _ids(rng: np.random.Generator, n: int) -> list[str]:
    a = rng.integers(0, 2**63, n, dtype=np.int64)
    b = rng.integers(0, 2**63, n, dtype=np.int64)
    return [
        f"{x >> 31:08x}-{x >> 15 & 0xFFFF:04x}-{x & 0x7FFF:04x}-{y >> 47:04x}-{y & 0xFFFFFFFFFFFF:012x}"
        for x, y in zip(a.tolist(), b.tolist(), strict=True)
    ]


def generate(out: Path, rows: int, seed: int) -> None:
    """Write the capture and ground-truth files (run in a subprocess: keeps the parent small)."""
    rng = np.random.default_rng(seed)
    truth = rng.random(rows) < 0.4
    prob = np.clip(np.where(truth, 0.65, 0.35) + rng.normal(0, 0.2, rows), 0.0, 1.0)
    features = rng.integers(0, 100, (rows, 10))
    inference_ids, event_ids = _ids(rng, rows), _ids(rng, rows)
    seconds = np.sort(rng.integers(0, 86_400, rows))
    capture = out / "capture" / "bench" / "AllTraffic"
    lines: dict[Path, list[str]] = {}
    x_text = [",".join(map(str, r)) for r in features.tolist()]
    for k in range(rows):
        s = int(seconds[k])
        hh, mm, ss = s // 3600, s % 3600 // 60, s % 60
        stamp = f"{DAY}T{hh:02d}:{mm:02d}:{ss:02d}Z"
        part = mm * CAPTURE_FILES_PER_HOUR // 60
        path = capture / DAY.replace("-", "/") / f"{hh:02d}" / f"{part * 15:02d}-00-000-f.jsonl"
        record = _RECORD.format(
            x=x_text[k], p=f"{prob[k]:.6f}", e=event_ids[k], i=inference_ids[k], t=stamp
        )
        lines.setdefault(path, []).append(record)
    order = rng.permutation(rows)
    per_file = -(-rows // (24 * LABEL_FILES_PER_HOUR))
    for j in range(24 * LABEL_FILES_PER_HOUR):
        hh, part = divmod(j, LABEL_FILES_PER_HOUR)
        path = out / "ground_truth" / "2024" / "05" / "02" / f"{hh:02d}" / f"{part:02d}.jsonl"
        chunk = order[j * per_file : (j + 1) * per_file].tolist()
        lines[path] = [_LABEL.format(y=int(truth[k]), i=inference_ids[k]) for k in chunk]
    for path, content in lines.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(content) + "\n")
    accuracy = float(np.mean((prob >= 0.5) == truth))
    (out / "meta.json").write_text(
        json.dumps({"rows": rows, "seed": seed, "version": DATA_VERSION, "accuracy": accuracy})
    )


def ensure_data(out: Path, rows: int, seed: int) -> dict[str, Any]:
    meta_path = out / "meta.json"
    if meta_path.exists():
        meta: dict[str, Any] = json.loads(meta_path.read_text())
        if (meta.get("rows"), meta.get("seed"), meta.get("version")) == (rows, seed, DATA_VERSION):
            print(f"data: reusing {out}")
            return meta
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    start = time.perf_counter()
    spec = json.dumps({"generate": str(out), "rows": rows, "seed": seed})
    subprocess.run([sys.executable, os.path.abspath(__file__), "--child", spec], check=True)
    print(f"data: wrote {rows:,} capture records and labels in {time.perf_counter() - start:.1f} s")
    result: dict[str, Any] = json.loads(meta_path.read_text())
    return result


def _maxrss_mib(who: int) -> float:
    kib = resource.getrusage(who).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / MIB


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and its reaped children (the workers)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _stop_forkserver() -> None:
    try:
        from multiprocessing import forkserver

        stop = getattr(forkserver._forkserver, "_stop", None)
        if stop is not None:
            stop()
    except Exception as exc:  # a private API: report, never fail the measurement
        print(f"warning: could not stop the forkserver: {exc}", file=sys.stderr)


def child_main(spec: dict[str, Any]) -> None:
    """Generate data, or run one measurement and print its figures as one JSON line."""
    if "generate" in spec:
        generate(Path(spec["generate"]), spec["rows"], spec["seed"])
        return
    from datetime import UTC, datetime

    from vigil.core.model_quality import binary_classification_metrics
    from vigil.jobs.capture_input import CaptureInput
    from vigil.jobs.model_quality import run_model_quality

    out = Path(spec["out"])
    start = datetime(2024, 5, 1, tzinfo=UTC)
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    result = run_model_quality(
        problem_type="BinaryClassification",
        capture=CaptureInput(
            str(out / "capture"), "bench", "AllTraffic", start, datetime(2024, 5, 2, tzinfo=UTC)
        ),
        ground_truth=str(out / "ground_truth"),
        probability_attribute="0",
        output=str(out / "report"),
        workers=spec["workers"],
        now=lambda: datetime(2024, 5, 3, tzinfo=UTC),
    )
    seconds = time.perf_counter() - t0
    _stop_forkserver()
    cpu = _cpu_seconds() - cpu0
    if result.statistics is None or result.coverage is None:
        raise SystemExit(f"the execution failed: {result.failure_reason}")
    block = result.statistics.binary_classification_metrics
    assert block is not None and block.accuracy is not None
    rng = np.random.default_rng(0)
    n = spec["rows"]
    y = rng.random(n) < 0.4
    s = rng.random(n)
    t1 = time.perf_counter()
    binary_classification_metrics(y, s >= 0.5, s, rng=rng, max_curve_points=1000)
    metrics_seconds = time.perf_counter() - t1
    print(
        "RESULT "
        + json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "metrics_seconds": metrics_seconds,
                "merged": result.coverage.merged,
                "predictions": result.coverage.predictions,
                "accuracy": block.accuracy.value,
                "accuracy_std": block.accuracy.standard_deviation,
                "status": result.status.value,
                "rss_self": _maxrss_mib(resource.RUSAGE_SELF),
                "rss_children": _maxrss_mib(resource.RUSAGE_CHILDREN),
            }
        ),
        flush=True,
    )


def _tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_bytes()
            except OSError:
                continue
            parents.setdefault(int(stat[stat.rfind(b")") + 2 :].split()[1]), []).append(int(entry))
    found, todo = [root], [root]
    while todo:
        for kid in parents.get(todo.pop(), []):
            found.append(kid)
            todo.append(kid)
    return found


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_bytes().splitlines():
            if line.startswith(b"Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(out: Path, rows: int, workers: int) -> dict[str, Any]:
    spec = json.dumps({"out": str(out), "rows": rows, "workers": workers})
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--child", spec],
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = [0]
    done = threading.Event()
    enabled = os.path.exists(f"/proc/{proc.pid}/smaps_rollup")

    def sample() -> None:
        while enabled and not done.wait(0.02):
            peak[0] = max(peak[0], sum(_pss_kib(p) for p in _tree(proc.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"measurement failed (exit code {proc.returncode})")
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["rss_tree"] = peak[0] / 1024 if enabled else None
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "out" / "model_quality"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(json.loads(args.child))
        return 0
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    meta = ensure_data(args.out, args.rows, args.seed)
    runs = [measure(args.out, args.rows, args.workers) for _ in range(args.repeat)]
    best = min(runs, key=lambda r: r["seconds"])
    if best["merged"] != args.rows or abs(best["accuracy"] - meta["accuracy"]) > 1e-12:
        raise SystemExit(f"wrong result: {best}")
    tree = f"{max(r['rss_tree'] for r in runs):.0f}" if best["rss_tree"] is not None else "-"
    print(
        f"run_model_quality, {args.rows:,} predictions ⋈ {args.rows:,} labels, "
        f"{args.workers} workers: {best['seconds']:.2f} s (best of {args.repeat}; target <= 5 s)"
    )
    print(
        f"  CPU seconds (all processes): {best['cpu_seconds']:.2f}; the binary metrics with "
        f"bootstrap std alone: {best['metrics_seconds']:.2f} s"
    )
    print(
        f"  peak memory MiB: self {max(r['rss_self'] for r in runs):.0f}, self+child "
        f"{max(r['rss_self'] + r['rss_children'] for r in runs):.0f}, tree PSS {tree}"
    )
    print(
        f"  accuracy {best['accuracy']:.6f} ± {best['accuracy_std']:.2g}, status {best['status']}"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
