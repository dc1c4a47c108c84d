"""Benchmark ``suggest_baseline`` against a plain single-pass numpy/pyarrow profile of the same file.

What is measured
----------------
A seeded table (default 1,000,000 rows x 20 columns) is generated once into ``--out`` as Parquet
(snappy, row groups of 131,072 rows) and CSV (with a header) and reused while rows and seed match:

* 14 numeric columns: normal, lognormal, uniform floats and integers, each with 2% nulls (real
  nulls in Parquet, empty fields in CSV);
* 6 categorical string columns drawn from 5k, 8k, 10k, 12k, 15k and 20k categories with
  Zipf-like frequencies (``p(rank) ∝ 1 / rank**1.1``; the rarest categories may not occur).

For every format, two methods are timed, each in a fresh Python subprocess (so each peak memory
figure belongs to that one measurement; imports are done before the clock starts):

* ``plain``: the reference, what a user would write by hand, single process. It streams the file
  with pyarrow (Parquet: ``ParquetFile.iter_batches(batch_size=131072)``; CSV: ``pyarrow.csv.
  open_csv`` with Vigil's 16 MiB block size) and computes per numeric column count, nulls,
  sum and sum of squares (mean, std), min, max, and a 10-bin equal-width histogram; per
  categorical column exact value counts (``pyarrow.compute.value_counts`` per batch,
  accumulated in a dict). The histogram's edges need the global min/max, which are known only
  at the end of the pass: the plain pass keeps each numeric column's non-null values in memory
  (as numpy arrays, ~8 bytes per value) and histograms them after the pass. That is the
  simplest faithful single pass; it costs memory (about 107 MiB at 1M rows), which is part of
  the reference's peak RSS.
* ``vigil``: ``suggest_baseline([path], dataset_format=..., output=None, workers=W)``; the result's
  ``dataset_statistics.item_count`` must equal the row count, and its means are checked against
  the plain pass's.

Both measured processes run with ``OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1``:
the plain pass's ``np.dot`` would otherwise start BLAS threads that oversubscribe the cores (and
spin when the machine is busy), which slows the reference down for no work of its own. Vigil's
profiling makes no BLAS call. Parquet decoding uses Arrow's thread pool in both (the plain pass,
and Vigil with fewer workers than cores). The plain pass allocates Arrow memory with the system
allocator, as Vigil's worker processes do (``vigil.engine.local``): Arrow's default, mimalloc,
backs its arenas with transparent huge pages, which costs a fresh process a few tenths of a
second in the kernel on Linux with THP in ``madvise`` mode. ``--plain-allocator default`` keeps
mimalloc for the plain pass (Vigil's coordinating process, and Vigil with ``--workers 1``,
always use the default).

Figures: wall seconds (``time.perf_counter``; the median of ``--repeat`` runs, every run
printed), CPU seconds (user + system of the measuring process and of its reaped workers over
the measured work; less sensitive than wall time to other programs on the machine), rows/s,
and peak memory in MiB (largest over the repeats):

* ``self``: ``getrusage(RUSAGE_SELF).ru_maxrss`` of the measuring process at its end (for
  Vigil: the coordinating process, which merges the partitions' profiles);
* ``self+child``: that plus ``getrusage(RUSAGE_CHILDREN).ru_maxrss``, the peak of the *largest*
  single descendant (a worker or the forkserver; workers are reaped, then the forkserver is
  stopped and reaped, before it is read). With W workers running at once this is not their
  sum;
* ``tree PSS``: the peak, sampled every 20 ms from ``/proc/<pid>/smaps_rollup``, of the summed
  proportional set size of the measuring process and all its descendants: the memory the
  whole run held at once, shared pages counted once (Linux only; ``-`` elsewhere).

Targets (from the issue): on Parquet with 2 workers, Vigil's time <= 1.0x the plain pass and its
peak RSS <= 1.5x the plain pass's.

Usage, from the repository root::

    .venv/bin/python bench/baseline.py [--rows N] [--workers W] [--out DIR]
                                       [--formats parquet,csv] [--repeat N]
                                       [--plain-allocator system|default]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

SEED = 20240611
DATA_VERSION = 1
"""Bumped whenever the generated data changes, so stale files in ``--out`` are regenerated."""

ROW_GROUP_ROWS = 131_072
BATCH_ROWS = 131_072
CSV_BLOCK_BYTES = 1 << 24
NULL_FRACTION = 0.02
ZIPF_EXPONENT = 1.1
CATEGORIES = (5_000, 8_000, 10_000, 12_000, 15_000, 20_000)
NUMERIC_KINDS = ("normal",) * 4 + ("lognormal",) * 3 + ("uniform",) * 3 + ("integer",) * 4
SAMPLE_SECONDS = 0.02
SINGLE_THREADED_BLAS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
MIB = 1024 * 1024


# --------------------------------------------------------------------------------------------
# Data generation
# --------------------------------------------------------------------------------------------


def numeric_names() -> list[str]:
    """Names of the numeric columns, e.g. ``num_00_normal``."""
    return [f"num_{i:02d}_{kind}" for i, kind in enumerate(NUMERIC_KINDS)]


def categorical_names() -> list[str]:
    """Names of the categorical columns, e.g. ``cat_05k``."""
    return [f"cat_{k // 1000:02d}k" for k in CATEGORIES]


def _numeric_column(rng: np.random.Generator, i: int, kind: str, rows: int) -> pa.Array:
    if kind == "normal":
        values: np.ndarray = rng.normal(loc=10.0 * i, scale=1.0 + i, size=rows)
    elif kind == "lognormal":
        values = rng.lognormal(mean=1.0, sigma=0.75, size=rows)
    elif kind == "uniform":
        values = rng.uniform(-100.0, 100.0, size=rows)
    else:
        values = rng.integers(0, 10 ** (2 + i % 4), size=rows, dtype=np.int64)
    nulls = rng.random(rows) < NULL_FRACTION
    return pa.array(values, mask=nulls)


def _categorical_column(rng: np.random.Generator, k: int, rows: int) -> pa.Array:
    p = 1.0 / np.arange(1, k + 1, dtype=np.float64) ** ZIPF_EXPONENT
    p /= p.sum()
    codes = rng.choice(k, size=rows, p=p).astype(np.int32)
    # Shuffle which label gets which frequency, so frequency is not the label order.
    labels = pa.array([f"c{k // 1000}k_{j:05d}" for j in rng.permutation(k)], type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(codes), labels).dictionary_decode()


def generate_table(rows: int, seed: int) -> pa.Table:
    """The benchmark table: 14 numeric columns (2% nulls) then 6 categorical ones."""
    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {}
    for i, (name, kind) in enumerate(zip(numeric_names(), NUMERIC_KINDS, strict=True)):
        columns[name] = _numeric_column(rng, i, kind, rows)
    for name, k in zip(categorical_names(), CATEGORIES, strict=True):
        columns[name] = _categorical_column(rng, k, rows)
    return pa.table(columns)


def data_paths(out: Path, rows: int, seed: int, formats: list[str]) -> dict[str, Path]:
    """Where the dataset files of these rows and seed live, by format."""
    return {fmt: out / f"table_{rows}_{seed}.{fmt}" for fmt in formats}


def ensure_data(out: Path, rows: int, seed: int, formats: list[str]) -> dict[str, Path]:
    """Write the dataset files into ``out`` unless files of the same rows/seed are there."""
    out.mkdir(parents=True, exist_ok=True)
    paths = data_paths(out, rows, seed, formats)
    meta_path = out / f"table_{rows}_{seed}.json"
    wanted = {"rows": rows, "seed": seed, "version": DATA_VERSION}
    meta: dict[str, Any] = {}
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except ValueError:
            meta = {}
    done = set(meta.get("formats", [])) if {k: meta.get(k) for k in wanted} == wanted else set()
    missing = [f for f in formats if f not in done or not paths[f].exists()]
    if not missing:
        print(f"data: reusing {', '.join(str(paths[f]) for f in formats)}")
        return paths
    start = time.perf_counter()
    table = generate_table(rows, seed)
    for fmt in missing:
        tmp = paths[fmt].with_suffix(paths[fmt].suffix + ".tmp")
        if fmt == "parquet":
            pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, compression="snappy")
        else:
            pacsv.write_csv(table, tmp, pacsv.WriteOptions(quoting_style="none"))
        tmp.replace(paths[fmt])
        done.add(fmt)
    meta_path.write_text(json.dumps({**wanted, "formats": sorted(done)}))
    print(
        f"data: wrote {', '.join(str(paths[f]) for f in missing)} "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return paths


# --------------------------------------------------------------------------------------------
# Measured work (runs in a fresh child process)
# --------------------------------------------------------------------------------------------


def _numpy_values(array: pa.Array) -> np.ndarray:
    """The non-null values of a numeric array as a zero-copy numpy view.

    ``Array.to_numpy`` would do, but it imports pandas when pandas is installed (pyarrow's
    conversion layer initialises its pandas support on first use): ~0.5 s and ~100 MiB that
    are no part of the work, so the reference reads the values buffer directly.
    """
    values = array.drop_null()
    t = values.type
    kind = "f" if pa.types.is_floating(t) else "i" if pa.types.is_signed_integer(t) else "u"
    dtype = np.dtype(f"{kind}{t.bit_width // 8}")
    return np.frombuffer(
        values.buffers()[1], dtype=dtype, count=len(values), offset=values.offset * dtype.itemsize
    )


@dataclass
class _NumericAccumulator:
    count: int = 0
    nulls: int = 0
    total: float = 0.0
    squares: float = 0.0
    low: float = math.inf
    high: float = -math.inf
    kept: list[np.ndarray] = field(default_factory=list)

    def update(self, array: pa.Array) -> None:
        self.nulls += array.null_count
        x = _numpy_values(array).astype(np.float64, copy=False)
        if x.size == 0:
            return
        self.count += int(x.size)
        self.total += float(x.sum())
        self.squares += float(np.dot(x, x))
        self.low = min(self.low, float(x.min()))
        self.high = max(self.high, float(x.max()))
        self.kept.append(x)

    def finish(self) -> dict[str, Any]:
        mean = self.total / self.count if self.count else math.nan
        var = self.squares / self.count - mean * mean if self.count else math.nan
        values = np.concatenate(self.kept) if self.kept else np.empty(0)
        self.kept.clear()
        hist, _ = np.histogram(values, bins=10, range=(self.low, self.high))
        return {
            "count": self.count,
            "nulls": self.nulls,
            "mean": mean,
            "std": math.sqrt(max(var, 0.0)),
            "min": self.low,
            "max": self.high,
            "histogram": hist.tolist(),
        }


def _batches(path: str, fmt: str) -> Iterator[pa.RecordBatch]:
    if fmt == "parquet":
        yield from pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS)
    else:
        reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES))
        yield from reader


def plain_pass(path: str, fmt: str) -> dict[str, Any]:
    """The reference: one streaming pass, numeric summaries and categorical counts."""
    numeric: dict[str, _NumericAccumulator] = {}
    categorical: dict[str, dict[str, int]] = {}
    rows = 0
    for batch in _batches(path, fmt):
        rows += batch.num_rows
        for name, array in zip(batch.schema.names, batch.columns, strict=True):
            if pa.types.is_integer(array.type) or pa.types.is_floating(array.type):
                numeric.setdefault(name, _NumericAccumulator()).update(array)
            else:
                counts = categorical.setdefault(name, {})
                vc = pc.value_counts(array)
                for value, n in zip(
                    vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True
                ):
                    counts[value] = counts.get(value, 0) + n
    summaries = {name: acc.finish() for name, acc in numeric.items()}
    return {
        "rows": rows,
        "means": {name: s["mean"] for name, s in summaries.items()},
        "distinct": {name: len(c) for name, c in categorical.items()},
    }


def vigil_pass(path: str, fmt: str, workers: int) -> dict[str, Any]:
    """``suggest_baseline`` on the file, as the issue's target defines it."""
    from vigil.jobs.baseline import suggest_baseline

    result = suggest_baseline([path], dataset_format=fmt, output=None, workers=workers)  # type: ignore[arg-type]
    stats = result.dataset_statistics
    means = {c.name: c.numeric.mean for c in stats.columns if c.numeric is not None}
    distinct = {c.name: c.distinct_count for c in stats.columns if c.numeric is None}
    return {
        "rows": stats.item_count,
        "means": means,
        "distinct": distinct,
        "partitions": result.partitions,
    }


def _stop_forkserver() -> None:
    """Stop and reap multiprocessing's forkserver, so RUSAGE_CHILDREN covers its workers."""
    try:
        from multiprocessing import forkserver

        stop = getattr(forkserver._forkserver, "_stop", None)
        if stop is not None:
            stop()
    except Exception as exc:  # a private API: report, never fail the measurement
        print(f"warning: could not stop the forkserver: {exc}", file=sys.stderr)


def _maxrss_mib(who: int) -> float:
    kib = resource.getrusage(who).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / MIB


def _vm_hwm_mib() -> float | None:
    """Linux: this process's own peak RSS (VmHWM), which, unlike ru_maxrss, restarts at exec."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its reaped descendants."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def child_main(spec: dict[str, Any]) -> None:
    """Run one measurement and print its figures as one JSON line."""
    t0 = time.perf_counter()
    if spec["method"] == "vigil":
        import vigil.jobs.baseline  # noqa: F401  (imports are not timed)
    import_seconds = time.perf_counter() - t0
    if spec["method"] == "plain" and spec["allocator"] == "system":
        pa.set_memory_pool(pa.system_memory_pool())
    cpu = _cpu_seconds()
    start = time.perf_counter()
    if spec["method"] == "plain":
        out = plain_pass(spec["path"], spec["format"])
    else:
        out = vigil_pass(spec["path"], spec["format"], spec["workers"])
    seconds = time.perf_counter() - start
    _stop_forkserver()
    out.update(
        seconds=seconds,
        cpu_seconds=_cpu_seconds() - cpu,
        import_seconds=import_seconds,
        rss_self=_maxrss_mib(resource.RUSAGE_SELF),
        rss_children=_maxrss_mib(resource.RUSAGE_CHILDREN),
        vm_hwm=_vm_hwm_mib(),
    )
    print("RESULT " + json.dumps(out), flush=True)


# --------------------------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------------------------


def _descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [root], [root]
    while todo:
        for kid in parents.get(todo.pop(), []):
            found.append(kid)
            todo.append(kid)
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed PSS of a process and its descendants until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.enabled = os.path.exists(f"/proc/{pid}/smaps_rollup")
        self._stop_event = threading.Event()

    def run(self) -> None:
        while self.enabled and not self._stop_event.wait(SAMPLE_SECONDS):
            total = sum(_pss_kib(p) for p in _descendants(self.pid))
            self.peak_kib = max(self.peak_kib, total)

    def stop(self) -> float | None:
        self._stop_event.set()
        self.join()
        return self.peak_kib / 1024 if self.enabled else None


def measure(method: str, path: Path, fmt: str, workers: int, allocator: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its figures."""
    spec = {
        "method": method,
        "path": str(path),
        "format": fmt,
        "workers": workers,
        "allocator": allocator,
    }
    cmd = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)]
    env = {**os.environ, **SINGLE_THREADED_BLAS}
    load = os.getloadavg()[0]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    stdout, _ = proc.communicate()
    tree = sampler.stop()
    if proc.returncode != 0:
        raise SystemExit(f"{method} on {fmt} failed (exit code {proc.returncode})")
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["rss_tree"] = tree
    result["load"] = load
    hwm = result.get("vm_hwm")
    if hwm is not None and result["rss_self"] > 1.1 * hwm + 8:
        print(
            f"  warning: ru_maxrss {result['rss_self']:.0f} MiB > VmHWM {hwm:.0f} MiB "
            "(peak inherited from the parent?)"
        )
    return result


@dataclass
class Row:
    """Figures of one (format, method) over the repeats: median times, largest memory."""

    fmt: str
    method: str
    runs: list[float] = field(default_factory=list)
    cpu_runs: list[float] = field(default_factory=list)
    import_seconds: float = math.inf
    rss_self: float = 0.0
    rss_with_children: float = 0.0
    rss_tree: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """Median wall seconds."""
        return statistics.median(self.runs)

    @property
    def cpu_seconds(self) -> float:
        """Median CPU seconds."""
        return statistics.median(self.cpu_runs)

    def add(self, r: dict[str, Any]) -> None:
        self.runs.append(r["seconds"])
        self.cpu_runs.append(r["cpu_seconds"])
        self.import_seconds = min(self.import_seconds, r["import_seconds"])
        self.rss_self = max(self.rss_self, r["rss_self"])
        self.rss_with_children = max(self.rss_with_children, r["rss_self"] + r["rss_children"])
        if r["rss_tree"] is not None:
            self.rss_tree = max(self.rss_tree or 0.0, r["rss_tree"])
        self.extra = r


def _check(rows: int, plain: dict[str, Any], vigil: dict[str, Any]) -> str:
    if vigil["rows"] != rows:
        raise SystemExit(f"vigil item_count {vigil['rows']} != {rows} rows")
    if plain["rows"] != rows:
        raise SystemExit(f"plain pass counted {plain['rows']} != {rows} rows")
    worst = 0.0
    for name, m in plain["means"].items():
        v = vigil["means"].get(name)
        if v is None:
            raise SystemExit(f"vigil has no numeric statistics for {name}")
        worst = max(worst, abs(v - m) / max(abs(m), 1e-12))
    off = {
        name: (n, vigil["distinct"].get(name))
        for name, n in plain["distinct"].items()
        if vigil["distinct"].get(name) != n
    }
    distinct = "distinct counts agree" if not off else f"distinct counts differ {off}"
    return f"item_count == {rows:,}; means agree to {worst:.1e} (largest relative); {distinct}"


def _fmt_mib(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def print_table(rows: int, table: list[tuple[Row, Row]]) -> None:
    """Print the results table and the targets."""
    header = (
        f"{'format':<8} {'method':<17} {'seconds':>8} {'CPU s':>6} {'rows/s':>11} "
        f"{'self MiB':>9} {'self+child':>10} {'tree PSS':>9} {'time':>6} {'CPU':>6} "
        f"{'RSS':>6} {'PSS':>6}"
    )
    print()
    print(f"{'':<63}{'peak memory (MiB)':<30}{'ratio vs plain'}")
    print(header)
    print("-" * len(header))
    for plain, vig in table:
        for r in (plain, vig):
            is_ref = r is plain
            print(
                f"{r.fmt:<8} {r.method:<17} {r.seconds:>8.2f} {r.cpu_seconds:>6.2f} "
                f"{rows / r.seconds:>11,.0f} "
                f"{_fmt_mib(r.rss_self):>9} {_fmt_mib(r.rss_with_children):>10} "
                f"{_fmt_mib(r.rss_tree):>9} "
                f"{'1.00x' if is_ref else _ratio(r.seconds, plain.seconds):>6} "
                f"{'1.00x' if is_ref else _ratio(r.cpu_seconds, plain.cpu_seconds):>6} "
                f"{'1.00x' if is_ref else _ratio(r.rss_with_children, plain.rss_with_children):>6} "
                f"{'1.00x' if is_ref else _ratio(r.rss_tree, plain.rss_tree):>6}"
            )
    print()
    print("seconds    = median wall-clock seconds of the runs; CPU s = median CPU seconds (user +")
    print("             system, the process and its reaped workers).")
    print("self MiB   = ru_maxrss of the measuring process (Vigil: the coordinator).")
    print("self+child = self + ru_maxrss of RUSAGE_CHILDREN, the largest single worker or the")
    print("             forkserver (not the sum of concurrent workers).")
    print("tree PSS   = peak of the summed PSS of the process and all its descendants, sampled")
    print(f"             every {SAMPLE_SECONDS * 1000:.0f} ms (shared pages counted once).")
    print("RSS ratio uses self+child; PSS ratio uses tree PSS.")


def _verdict(plain: Row, vig: Row, workers: int) -> str:
    """The issue's targets on Parquet: time <= 1.0x, peak memory <= 1.5x the plain pass."""

    def mark(ratio: float, limit: float) -> str:
        return f"{ratio:.2f}x (<= {limit}x: {'MET' if ratio <= limit else 'NOT MET'})"

    text = (
        f"Target (parquet, workers={workers}): time {mark(vig.seconds / plain.seconds, 1.0)} "
        f"(CPU {vig.cpu_seconds / plain.cpu_seconds:.2f}x)"
    )
    if vig.rss_tree and plain.rss_tree:
        text += f"; peak memory, tree PSS {mark(vig.rss_tree / plain.rss_tree, 1.5)}"
    rss = vig.rss_with_children / plain.rss_with_children
    return text + f"; self+child RSS {mark(rss, 1.5)} (counts one worker only)"


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, make the data, run the measurements, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows (default 1,000,000)")
    parser.add_argument("--workers", type=int, default=2, help="Vigil worker processes")
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="data directory")
    parser.add_argument("--formats", default="parquet,csv", help="comma-separated formats")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument(
        "--plain-allocator",
        choices=("system", "default"),
        default="system",
        help="Arrow allocator of the plain pass (default: system, as Vigil's workers)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(json.loads(args.child))
        return
    if args.generate:
        gen = json.loads(args.generate)
        ensure_data(Path(gen["out"]), gen["rows"], gen["seed"], gen["formats"])
        return
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if not formats or any(f not in ("parquet", "csv") for f in formats):
        parser.error("--formats takes a comma-separated subset of parquet,csv")
    if args.rows < 1 or args.workers < 1 or args.repeat < 1:
        parser.error("--rows, --workers and --repeat must be >= 1")

    print("command: " + shlex.join([sys.executable, *sys.argv]))
    print(
        f"machine: nproc={os.cpu_count()} ({platform.machine()}, {platform.system()}), "
        f"python {platform.python_version()}, numpy {np.__version__}, pyarrow {pa.__version__}"
    )
    print(
        f"table:   {args.rows:,} rows x 20 columns (14 numeric, 2% nulls; 6 categorical, "
        f"{'/'.join(f'{k // 1000}k' for k in CATEGORIES)} categories), seed {args.seed}"
    )
    print(f"load:    {_loadavg()} (1/5/15-min load average at start)")
    print(
        f"plain:   Arrow allocator {args.plain_allocator}; BLAS single-threaded in both measured "
        "processes"
    )
    # Generate in a subprocess: a child's ru_maxrss starts at its parent's peak RSS (Linux
    # carries the high-water mark across fork and exec), so this process must stay small.
    gen = {"out": str(args.out), "rows": args.rows, "seed": args.seed, "formats": formats}
    subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--generate", json.dumps(gen)], check=True
    )
    paths = data_paths(args.out, args.rows, args.seed, formats)
    for fmt in formats:
        print(f"         {fmt}: {paths[fmt].stat().st_size / MIB:,.1f} MiB")

    table: list[tuple[Row, Row]] = []
    for fmt in formats:
        plain = Row(fmt, "plain")
        vig = Row(fmt, f"vigil workers={args.workers}")
        for _ in range(args.repeat):
            p = measure("plain", paths[fmt], fmt, args.workers, args.plain_allocator)
            plain.add(p)
            v = measure("vigil", paths[fmt], fmt, args.workers, args.plain_allocator)
            vig.add(v)
            print(
                f"  {fmt}: plain {p['seconds']:.2f} s ({p['cpu_seconds']:.2f} CPU s, load "
                f"{p['load']:.2f}), vigil {v['seconds']:.2f} s ({v['cpu_seconds']:.2f} CPU s, load "
                f"{v['load']:.2f}; {v.get('partitions', '?')} partitions)",
                flush=True,
            )
        print(f"  {fmt}: {_check(args.rows, plain.extra, vig.extra)}")
        table.append((plain, vig))

    print_table(args.rows, table)
    print(f"Load average at end: {_loadavg()} (other processes on the machine skew the figures).")
    print(
        f"Imports (not timed): vigil {min(v.import_seconds for _, v in table):.2f} s. "
        f"Seconds are the median of {args.repeat} runs; memory is the largest over the runs."
    )
    for plain, vig in table:
        if plain.fmt == "parquet":
            print(_verdict(plain, vig, args.workers))


if __name__ == "__main__":
    main()
