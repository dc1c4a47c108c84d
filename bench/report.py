"""Benchmark ``report.html``: build time and size for a data-quality execution of 150 features.

What is measured
----------------
A seeded table of ``--features`` columns (two thirds numeric: normal, lognormal and integer;
one third String with 30 Zipf-distributed categories; 2% nulls) is written as a baseline
(``--rows`` rows) and a current window of the same size in which every fifth numeric column is
shifted by half a standard deviation and every fifth String column has a new category. The
baseline is profiled with ``suggest_baseline`` and the window checked with
``run_data_quality`` (the real job; not timed). Then the report is built from the execution's
published files, exactly as the execution template does (``execution_report``: parse the
files, recompute the distances from the sketches, bin the distributions, render the page):

* ``build``: wall and CPU seconds of ``execution_report`` (median of ``--repeat`` runs, each
  printed; the first run, which loads the template and the inlined chart runtime, is printed
  apart). One process, one thread: on a busy machine the CPU time is the steadier figure;
* ``size``: bytes of the page, and of it the inlined chart runtime (Vega + Vega-Lite) and
  the rest (tables, specs and data).

Targets (issue #20): build <= 1 s and size <= 2 MB for 150 features. The machine is shared:
``/proc/loadavg`` is printed with the figures.

Usage: ``.venv/bin/python bench/report.py [--features 150] [--rows 20000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from vigil.formats.statistics import Statistics
from vigil.jobs.baseline import suggest_baseline
from vigil.jobs.data_quality import run_data_quality
from vigil.reports import execution_report
from vigil.reports.render import CHART_LIBRARIES, _asset
from vigil.storage.tabular import TabularSource


def _table(n_features: int, rows: int, rng: np.random.Generator, shifted: bool) -> pa.Table:
    columns: dict[str, pa.Array] = {}
    categories = np.array([f"cat-{i:02d}" for i in range(30)], dtype=object)
    weights = 1.0 / np.arange(1, 31) ** 1.1
    weights /= weights.sum()
    for i in range(n_features):
        nulls = rng.random(rows) < 0.02
        shift = shifted and i % 5 == 0
        if i % 3 == 2:
            values = rng.choice(categories, size=rows, p=weights)
            if shift:
                values[rng.random(rows) < 0.2] = "new-category"
            columns[f"s{i:03d}"] = pa.array(values.tolist(), type=pa.string(), mask=nulls)
            continue
        kind = i % 3
        if kind == 0:
            x = rng.normal(10.0, 2.0, rows) + (1.0 if shift else 0.0)
        else:
            x = np.floor(rng.lognormal(2.0, 0.5, rows) * (1.3 if shift else 1.0))
        columns[f"x{i:03d}"] = pa.array(x, type=pa.float64(), mask=nulls)
    return pa.table(columns)


def make_execution(folder: Path, n_features: int, rows: int, seed: int) -> tuple[Path, Path]:
    """Profile a baseline and run one data-quality execution; (baseline folder, output folder)."""
    rng = np.random.default_rng(seed)
    pq.write_table(_table(n_features, rows, rng, shifted=False), folder / "baseline.parquet")
    pq.write_table(_table(n_features, rows, rng, shifted=True), folder / "current.parquet")
    baseline, output = folder / "baseline", folder / "execution"
    suggest_baseline(str(folder / "baseline.parquet"), output=str(baseline))
    run_data_quality(
        baseline_statistics=str(baseline / "statistics.json"),
        baseline_constraints=str(baseline / "constraints.json"),
        input=TabularSource((str(folder / "current.parquet"),), "parquet"),
        output=str(output),
    )
    return baseline, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=150)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="write the report here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        baseline, output = make_execution(Path(tmp), args.features, args.rows, args.seed)
        files = {
            name: (output / name).read_bytes()
            for name in ("statistics.json", "constraints.json", "constraint_violations.json")
        }
        base_doc = Statistics.from_json((baseline / "statistics.json").read_bytes())
        print(
            f"{args.features} features, {args.rows} rows; statistics.json "
            f"{len(files['statistics.json']) / 1e6:.2f} MB, baseline statistics.json "
            f"{(baseline / 'statistics.json').stat().st_size / 1e6:.2f} MB"
        )

        def build() -> bytes:
            return execution_report(
                files,
                monitoring_type="DataQuality",
                status="CompletedWithViolations",
                baseline_statistics=base_doc,
            )

        t0 = time.perf_counter()
        page = build()
        print(f"first build (loads template and assets): {time.perf_counter() - t0:.3f} s")
        times, cpu = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            page = build()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        print("builds (wall):", ", ".join(f"{t:.3f}" for t in times), "s")
        print("builds (CPU): ", ", ".join(f"{t:.3f}" for t in cpu), "s")
        runtime = sum(len(_asset("vendor", f).encode()) for _, _, f in CHART_LIBRARIES)
        print(
            f"build: median {statistics.median(times):.3f} s wall, "
            f"{statistics.median(cpu):.3f} s CPU (target <= 1 s)"
        )
        print(
            f"size: {len(page):,} bytes = {len(page) / 1e6:.2f} MB (target <= 2 MB); chart "
            f"runtime {runtime:,} bytes, tables + charts {len(page) - runtime:,} bytes "
            f"({(len(page) - runtime) / args.features / 1e3:.1f} kB per feature)"
        )
        if args.keep is not None:
            args.keep.write_bytes(page)
            print(f"written to {args.keep}")
    print("loadavg:", Path("/proc/loadavg").read_text().strip())


if __name__ == "__main__":
    main()
