"""Benchmark Clarify's bias metrics: 1M rows × 2 facets from Parquet, against a pandas groupby.

What is measured
----------------
A seeded table is generated once into ``--out`` (default ``bench/out/bias``) and reused while
rows and seed match: ``--rows`` (1,000,000) rows of ``sex`` (text: F/M/X), ``age`` (int 18–89),
``region`` (text, 8 values: the group variable), ``label`` and ``predicted`` (0/1 ints, the
prediction correlated with the features), and three float features ``x1``..``x3``; Parquet,
snappy, row groups of 131,072 rows.

Then, in one process, alternating, ``--repeat`` times (imports done before the clock starts):

* **pandas**: ``pandas.read_parquet`` of the needed columns, then for each of the two facets a
  ``groupby([facet, label, predicted, region]).size()``: the group counts every metric but FT
  derives from. This is the reference.
* **vigil**: ``pyarrow.parquet.read_table`` of the same columns, then
  ``vigil.core.bias.bias_report`` with both facets (``sex`` = F by value, ``age`` above 40 by
  threshold), label value 1, predicted labels, group variable ``region``, and every pre- and
  post-training metric but FT: resolving the facets, label and predictions, one count table per
  facet and all 20 metrics, ready for analysis.json.
* **vigil FT**: FT alone for both facets on the three features (k-nearest neighbours between
  the two groups of a million rows, ``--workers`` threads): the one metric that needs the rows.

It prints every run, then the median wall seconds of each, the ratio vigil / pandas, and the
load average (other programs on a shared machine make the figures noisy; compare CPU seconds).

Targets (issue #16): all metrics ≤ 2 × the pandas groupby, and ≤ 2 s on 2 cores.

Usage, from the repository root::

    .venv/bin/python bench/bias.py [--rows N] [--repeat N] [--workers W] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from vigil.core.bias import Facet, Label, Threshold, Values, bias_report

SEED = 20240616
DATA_VERSION = 1
COLUMNS = ["sex", "age", "region", "label", "predicted", "x1", "x2", "x3"]
POST_WITHOUT_FT = ["AD", "CDDPL", "DAR", "DCA", "DCR", "DI", "DPPL", "DRR", "GE", "RD", "SD", "TE"]


def generate(path: Path, rows: int) -> None:
    rng = np.random.default_rng(SEED)
    sex = rng.choice(np.array(["F", "M", "X"]), size=rows, p=[0.45, 0.5, 0.05])
    age = rng.integers(18, 90, size=rows)
    region = rng.choice(np.array([f"region-{i}" for i in range(8)]), size=rows)
    x = rng.normal(size=(rows, 3))
    x[:, 0] += 0.4 * (sex == "M")
    label = (rng.random(rows) < 0.25 + 0.2 * (sex == "M") + 0.1 * (age > 40)).astype(np.int64)
    score = x[:, 0] + 0.5 * x[:, 1] - 0.3 * x[:, 2] + 0.8 * label + rng.normal(size=rows)
    predicted = (score > 0.6).astype(np.int64)
    table = pa.table(
        {
            "sex": sex,
            "age": age,
            "region": region,
            "label": label,
            "predicted": predicted,
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=131_072, compression="snappy")


def run_pandas(path: Path) -> int:
    frame = pd.read_parquet(path, columns=["sex", "age", "region", "label", "predicted"])
    total = 0
    for facet in (frame["sex"] == "F", frame["age"] > 40):
        counts = frame.groupby([facet, frame["label"], frame["predicted"], frame["region"]]).size()
        total += int(counts.sum())
    return total


def _facets(table: pa.Table) -> list[Facet]:
    return [
        Facet("sex", table["sex"], Values(("F",))),
        Facet("age", table["age"], Threshold(40)),
    ]


def run_vigil(path: Path) -> dict[str, Any]:
    table = pq.read_table(path, columns=["sex", "age", "region", "label", "predicted"])
    report = bias_report(
        _facets(table),
        Label("label", table["label"], Values((1,))),
        predicted_label=table["predicted"],
        group_variable=table["region"],
        pre_training="all",
        post_training=POST_WITHOUT_FT,
    )
    return {
        stage.stage: {f"{r.facet}={r.value_or_threshold}": len(r.metrics) for r in stage.facets}
        for stage in report.stages
    }


def run_flip_test(path: Path, workers: int) -> list[float | None]:
    table = pq.read_table(path, columns=["sex", "age", "label", "predicted", "x1", "x2", "x3"])
    report = bias_report(
        _facets(table),
        Label("label", table["label"], Values((1,))),
        predicted_label=table["predicted"],
        features={name: table[name] for name in ("x1", "x2", "x3")},
        pre_training=None,
        post_training=["FT"],
        flip_test_workers=workers,
    )
    assert report.post_training is not None
    return [r.metrics[0].value for r in report.post_training.facets]


def _timed(function: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="threads for FT's kNN queries")
    parser.add_argument("--out", type=Path, default=Path("bench/out/bias"))
    parser.add_argument("--skip-ft", action="store_true", help="do not time FT")
    args = parser.parse_args()

    path = args.out / "bias.parquet"
    stamp = args.out / "bias.json"
    wanted = {"rows": args.rows, "seed": SEED, "version": DATA_VERSION}
    if not path.exists() or not stamp.exists() or json.loads(stamp.read_text()) != wanted:
        print(f"generating {args.rows:,} rows into {path} ...", flush=True)
        generate(path, args.rows)
        stamp.write_text(json.dumps(wanted))
    print(f"data: {path} ({path.stat().st_size / 2**20:.1f} MiB), load average {os.getloadavg()}")

    runs: dict[str, list[tuple[float, float]]] = {"pandas": [], "vigil": [], "vigil FT": []}
    run_pandas(path), run_vigil(path)  # warm the page cache and the imports
    for attempt in range(1, args.repeat + 1):
        wall, cpu, total = _timed(lambda: run_pandas(path))
        assert total == 2 * args.rows
        runs["pandas"].append((wall, cpu))
        print(f"[{attempt}] pandas    {wall:6.3f} s wall {cpu:6.3f} s CPU", flush=True)
        wall, cpu, shape = _timed(lambda: run_vigil(path))
        runs["vigil"].append((wall, cpu))
        print(f"[{attempt}] vigil     {wall:6.3f} s wall {cpu:6.3f} s CPU  {shape}", flush=True)
        if not args.skip_ft:
            wall, cpu, values = _timed(lambda: run_flip_test(path, args.workers))
            runs["vigil FT"].append((wall, cpu))
            print(f"[{attempt}] vigil FT  {wall:6.3f} s wall {cpu:6.3f} s CPU  FT={values}")
        print(f"    load average {os.getloadavg()}", flush=True)

    def median(name: str, index: int) -> float:
        return statistics.median(run[index] for run in runs[name])

    print("\nmedians (wall s / CPU s):")
    for name in ("pandas", "vigil", "vigil FT"):
        if runs[name]:
            print(f"  {name:9s} {median(name, 0):6.3f} / {median(name, 1):6.3f}")
    ratio = median("vigil", 0) / median("pandas", 0)
    print(f"  vigil / pandas (20 metrics, 2 facets): {ratio:.2f}x  (target <= 2x)")
    if runs["vigil FT"]:
        total = median("vigil", 0) + median("vigil FT", 0)
        print(f"  all 21 metrics incl. FT: {total:.3f} s  (target <= 2 s)")
    print(f"load average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
