"""Spark engine vs local engine on one data-quality window of generated capture (issue 21).

Generates ``--records`` SageMaker capture records (default 10,000,000; JSON Lines, CSV payloads
of 8 features and a score) in hourly folders, once, into ``--data`` (outside git; reused by later
runs), suggests a baseline from a 100,000-row sample, then monitors the whole window:

- with the local engine and ``--workers`` processes (default 2);
- with the Spark engine on ``local[N]`` (N = ``--workers``): the session's start-up is timed
  apart from the job.

Prints the wall times, records/s, the Spark job's per-record cost relative to the local
engine's (issue target: at most 1.5x), the number of Spark splits, and the load average (the
machine is shared: the figures are noisy).

Usage::

    .venv/bin/python bench/spark.py                     # 10M records (~3.5 GB on disk)
    .venv/bin/python bench/spark.py --records 1000000   # a quicker run
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from vigil.engine.spark import SparkEngine, spark_session
from vigil.jobs.baseline import suggest_baseline
from vigil.jobs.capture_input import CaptureInput
from vigil.jobs.data_quality import run_data_quality
from vigil.storage.capture_layout import capture_file_url

START = datetime(2024, 5, 1, tzinfo=UTC)
HOURS = 24
FILES_PER_HOUR = 20
FEATURES = ("f0", "f1", "f2", "f3", "c0", "c1", "c2", "c3")
TEMPLATE = (
    '{{"captureData":{{"endpointInput":{{"observedContentType":"text/csv","mode":"INPUT",'
    '"data":"{data}","encoding":"CSV"}},"endpointOutput":{{"observedContentType":"text/csv",'
    '"mode":"OUTPUT","data":"{score}","encoding":"CSV"}}}},"eventMetadata":{{"eventId":"{eid}",'
    '"inferenceId":"{eid}","inferenceTime":"{time}"}},"eventVersion":"0"}}\n'
)


def _rows(rng: np.random.Generator, n: int) -> list[str]:
    numbers = rng.normal([0, 10, 100, 1], [1, 3, 20, 0.5], size=(n, 4))
    cats = rng.integers(0, [5, 20, 3, 50], size=(n, 4))
    return [
        ",".join([f"{x:.4f}" for x in numbers[i]] + [f"k{c}" for c in cats[i]]) for i in range(n)
    ]


def generate(data: Path, records: int) -> None:
    """Write the capture once (a marker file records the count)."""
    marker = data / f".generated-{records}"
    if marker.exists():
        return
    rng = np.random.default_rng(21)
    per_file = -(-records // (HOURS * FILES_PER_HOUR))
    written = 0
    for h in range(HOURS):
        for f in range(FILES_PER_HOUR):
            n = min(per_file, records - written)
            if n <= 0:
                break
            opened = START + timedelta(hours=h, minutes=f * 3)
            url = capture_file_url(str(data), "bench", "AllTraffic", opened, f"{h:02d}{f:02d}")
            Path(url).parent.mkdir(parents=True, exist_ok=True)
            stamp = opened.strftime("%Y-%m-%dT%H:%M:%SZ")
            scores = rng.random(n)
            lines = [
                TEMPLATE.format(data=row, score=f"{s:.3f}", eid=f"{h}-{f}-{i}", time=stamp)
                for i, (row, s) in enumerate(zip(_rows(rng, n), scores, strict=True))
            ]
            Path(url).write_text("".join(lines))
            written += n
    marker.write_text(str(written))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", default=os.environ.get("VIGIL_BENCH_DIR", "/tmp/vigil-bench"))
    parser.add_argument("--skip-local", action="store_true")
    args = parser.parse_args()
    data = Path(args.data) / f"spark-capture-{args.records}"
    t = time.perf_counter()
    generate(data, args.records)
    print(f"capture: {args.records:,} records under {data} ({time.perf_counter() - t:.1f} s)")
    size = sum(p.stat().st_size for p in data.rglob("*.jsonl"))
    print(f"capture size: {size / 2**30:.2f} GiB in {HOURS * FILES_PER_HOUR} files")

    sample = data.parent / "spark-baseline-sample.csv"
    if not sample.exists():
        rows = _rows(np.random.default_rng(1), 100_000)
        sample.write_text(
            "score," + ",".join(FEATURES) + "\n" + "\n".join(f"0.5,{r}" for r in rows) + "\n"
        )
    baseline = data.parent / "spark-baseline"
    suggest_baseline(str(sample), output=str(baseline))
    capture = CaptureInput(
        str(data), "bench", "AllTraffic", START, START + timedelta(hours=HOURS),
        column_names=("score", *FEATURES),
    )  # fmt: skip

    def run(engine: SparkEngine | None) -> tuple[float, int]:
        t0 = time.perf_counter()
        result = run_data_quality(
            baseline_statistics=str(baseline / "statistics.json"),
            baseline_constraints=str(baseline / "constraints.json"),
            input=capture,
            workers=args.workers,
            engine=engine,
        )
        return time.perf_counter() - t0, result.rows

    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    if not args.skip_local:
        seconds, rows = run(None)
        print(
            f"local engine, {args.workers} workers: {seconds:.1f} s, {rows:,} rows, "
            f"{rows / seconds:,.0f} records/s"
        )
        local_seconds = seconds
    t0 = time.perf_counter()
    session = spark_session(
        f"local[{args.workers}]",
        {"spark.ui.showConsoleProgress": "false", "spark.driver.memory": "4g"},
    )
    session.sparkContext.setLogLevel("ERROR")
    started = time.perf_counter() - t0
    print(f"spark session start-up (JVM, local[{args.workers}]): {started:.1f} s")
    engine = SparkEngine(session=session)
    seconds, rows = run(engine)
    print(
        f"spark engine, first job (Python workers start): {seconds:.1f} s, {rows / seconds:,.0f} records/s"
    )
    seconds, rows = run(engine)
    print(
        f"spark engine, warm job: {seconds:.1f} s, {rows:,} rows, {rows / seconds:,.0f} records/s"
    )
    if not args.skip_local:
        print(
            f"per-record cost, spark warm / local: {seconds / local_seconds:.2f}x (target <= 1.5x)"
        )
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
    session.stop()


if __name__ == "__main__":
    main()
