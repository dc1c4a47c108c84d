"""Benchmark ``run_data_quality`` on a capture window against a plain orjson + pyarrow pass.

What is measured
----------------
Generated once into ``--out`` (default ``bench/out/monitor/``, seeded, reused while the sizes,
seed and :data:`DATA_VERSION` match; generation runs in a subprocess and is never timed):

* a baseline table, ``--baseline-rows`` (1,000,000) rows x 20 columns, as Parquet (snappy,
  row groups of 131,072 rows): 15 numeric columns (5 normal, 3 lognormal, 3 uniform floats
  rounded to 4 decimals, 4 integer columns; three of them with 1% nulls) and 5 categorical
  string columns with 10, 30, 100, 300 and 1,000 categories (Zipf-like frequencies,
  ``p(rank) ∝ 1 / rank**1.1``), and its ``statistics.json`` / ``constraints.json`` from
  ``vigil.jobs.baseline.suggest_baseline(path, output=DIR, workers=2)``;
* ``--files`` (1,000) capture files x ``--records`` (1,000) records in SageMaker's layout
  (``{root}/bench/AllTraffic/yyyy/mm/dd/hh/{MM}-{SS}-{mmm}-{uuid}.jsonl``, file URLs from
  :func:`vigil.storage.capture_layout.capture_file_url`) spread evenly over 10 hour folders.
  Each record is one CSV row of the 20 features (``encoding: CSV``, ``text/csv``) and the
  output ``"0.5"``; ``inferenceTime`` is on the second, ``eventId`` a UUID4. The values come
  from the baseline's distributions, slightly shifted (0.02 standard deviations) except for
  three features shifted enough to be reported as drift (``num_00_normal`` by 0.5 standard
  deviations, ``num_08_uniform`` by 15% of its range, ``cat_0010`` with its frequencies
  reversed); nulls are 0.5% instead of 1%, so completeness is never violated. The lines are
  built column-wise with pyarrow (``cast`` to string, ``binary_join_element_wise``) around an
  envelope template written by orjson.

Each measurement runs in a fresh Python subprocess, so each peak memory figure belongs to that
measurement alone; imports happen before the clock starts:

* ``plain`` (the reference, what one would write by hand): list the ``*.jsonl`` files; per file,
  ``orjson.loads`` every line, gather ``captureData.endpointInput.data``, join the payloads
  with ``"\\n"`` and parse them in one ``pyarrow.csv.read_csv`` call (every column a string,
  an empty field null), cast the numeric columns to float64 and accumulate the statistics of
  ``bench/baseline.py``'s plain pass: per numeric column count, nulls, sum and sum of squares
  (mean, std), min, max and a 10-bin equal-width histogram over the global [min, max] (the
  non-null values are kept, ~8 bytes each, and histogrammed at the end); per categorical
  column exact value counts (``pyarrow.compute.value_counts`` per file, summed with a
  ``group_by`` at the end). Timed in one process (``workers=1``, *the* plain pass of the
  issue, which all ratios use) and with a ``multiprocessing`` pool of ``--workers`` forked
  processes over contiguous chunks of files whose partial results (values included) are
  merged in the parent (shown for comparison).
* ``vigil``: ``run_data_quality(baseline_statistics=..., baseline_constraints=...,
  input=CaptureInput(root, "bench", "AllTraffic", T0, T0 + 10h, column_names=<baseline
  features>, output_columns_position="none"), output=DIR, workers=W)``, timed with ``W=1``
  and ``W=--workers``. ``result.rows`` and ``result.records`` must equal files x records with
  no malformed record; means, null counts and distinct counts are checked against the plain
  pass; the status and the violations are printed.

Figures: wall seconds (``time.perf_counter``, best of ``--repeat``), records/s, and peak memory
in MiB (largest over the repeats):

* ``self``: ``getrusage(RUSAGE_SELF).ru_maxrss`` of the measuring process at its end;
* ``self+child``: that plus ``getrusage(RUSAGE_CHILDREN).ru_maxrss``, the peak of the *largest*
  single descendant (workers are reaped, and Vigil's forkserver stopped and reaped, before it
  is read). With W workers running at once this is not their sum;
* ``tree PSS``: the peak, sampled every 20 ms from ``/proc/<pid>/smaps_rollup``, of the summed
  proportional set size of the measuring process and all its descendants (shared pages counted
  once; Linux only, ``-`` elsewhere): what the whole run held at once.

Targets (from the issue): with ``--workers 2``, Vigil's time <= 1.5x the 1-process plain pass;
Vigil's peak RSS under 2 GB (checked on self+child and on tree PSS).

Usage, from the repository root::

    .venv/bin/python bench/monitor.py [--files N] [--records N] [--workers W] [--out DIR]
                                      [--baseline-rows N] [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import math
import multiprocessing
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

SEED = 20240611
DATA_VERSION = 1
"""Bumped whenever the generated data changes, so stale files in ``--out`` are regenerated."""

T0 = datetime(2024, 6, 11, tzinfo=UTC)
HOURS = 10
ENDPOINT = "bench"
VARIANT = "AllTraffic"
ROW_GROUP_ROWS = 131_072
CHUNK_ROWS = 200_000
"""Capture records generated at once (bounds the generator's memory)."""
DECIMALS = 4
ZIPF_EXPONENT = 1.1
NUMERIC_KINDS = ("normal",) * 5 + ("lognormal",) * 3 + ("uniform",) * 3 + ("integer",) * 4
CATEGORIES = (10, 30, 100, 300, 1_000)
NULL_COLUMNS = (1, 6, 12)
"""Numeric columns with nulls: 1% in the baseline, 0.5% in the capture."""
BASELINE_NULLS = 0.01
CAPTURE_NULLS = 0.005
SMALL_SHIFT = 0.02
"""Capture shift of the numeric columns, in standard deviations: well under the drift threshold."""
DRIFT_SHIFTS = {0: 0.5, 8: 0.52}
"""Numeric columns shifted far enough to be reported as drift (in standard deviations)."""
DRIFT_CATEGORICAL = "cat_0010"
"""Categorical column whose frequencies are reversed in the capture."""
SAMPLE_SECONDS = 0.02
MIB = 1024 * 1024


def numeric_names() -> list[str]:
    """Names of the numeric columns, e.g. ``num_00_normal``."""
    return [f"num_{i:02d}_{kind}" for i, kind in enumerate(NUMERIC_KINDS)]


def categorical_names() -> list[str]:
    """Names of the categorical columns, e.g. ``cat_0010``."""
    return [f"cat_{k:04d}" for k in CATEGORIES]


def feature_names() -> list[str]:
    """All 20 features in table (and CSV payload) order."""
    return numeric_names() + categorical_names()


# --------------------------------------------------------------------------------------------
# Data generation
# --------------------------------------------------------------------------------------------


def _numeric_column(
    rng: np.random.Generator, i: int, kind: str, rows: int, *, capture: bool
) -> pa.Array:
    shift = DRIFT_SHIFTS.get(i, SMALL_SHIFT) if capture else 0.0
    if kind == "normal":
        scale = 1.0 + i
        values: np.ndarray = np.round(rng.normal(10.0 * i + shift * scale, scale, rows), DECIMALS)
    elif kind == "lognormal":
        values = np.round(rng.lognormal(1.0 + shift * 0.75, 0.75, rows), DECIMALS)
    elif kind == "uniform":
        offset = shift * 57.735  # the standard deviation of U(-100, 100)
        values = np.round(rng.uniform(-100.0 + offset, 100.0 + offset, rows), DECIMALS)
    else:
        high = 10 ** (2 + i % 3)
        values = rng.integers(0, high, size=rows, dtype=np.int64) + round(shift * 0.2887 * high)
    mask = None
    if i in NULL_COLUMNS:
        mask = rng.random(rows) < (CAPTURE_NULLS if capture else BASELINE_NULLS)
    return pa.array(values, mask=mask)


def _categorical_column(rng: np.random.Generator, k: int, rows: int, *, reverse: bool) -> pa.Array:
    p = 1.0 / np.arange(1, k + 1, dtype=np.float64) ** ZIPF_EXPONENT
    p /= p.sum()
    codes = rng.choice(k, size=rows, p=p[::-1] if reverse else p).astype(np.int32)
    labels = pa.array([f"c{k:04d}_{j:04d}" for j in range(k)], type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(codes), labels).dictionary_decode()


def generate_table(rng: np.random.Generator, rows: int, *, capture: bool) -> pa.Table:
    """The 20 features: baseline distributions, or (``capture``) their shifted versions."""
    columns: dict[str, pa.Array] = {}
    for i, (name, kind) in enumerate(zip(numeric_names(), NUMERIC_KINDS, strict=True)):
        columns[name] = _numeric_column(rng, i, kind, rows, capture=capture)
    for name, k in zip(categorical_names(), CATEGORIES, strict=True):
        reverse = capture and name == DRIFT_CATEGORICAL
        columns[name] = _categorical_column(rng, k, rows, reverse=reverse)
    return pa.table(columns)


def _envelope() -> tuple[str, str, str, str]:
    """The text of a capture line around its input data, eventId and inferenceTime (orjson)."""
    record = {
        "captureData": {
            "endpointInput": {
                "observedContentType": "text/csv",
                "mode": "INPUT",
                "data": "@DATA@",
                "encoding": "CSV",
            },
            "endpointOutput": {
                "observedContentType": "text/csv",
                "mode": "OUTPUT",
                "data": "0.5",
                "encoding": "CSV",
            },
        },
        "eventMetadata": {"eventId": "@ID@", "inferenceTime": "@TIME@"},
        "eventVersion": "0",
    }
    text = orjson.dumps(record).decode()
    head, rest = text.split('"@DATA@"')
    middle, rest = rest.split('"@ID@"')
    before_time, tail = rest.split('"@TIME@"')
    return head + '"', '"' + middle + '"', '"' + before_time + '"', '"' + tail + "\n"


def _uuid4_array(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` random UUID4 strings, built as one buffer (no per-value Python)."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = np.frombuffer(raw.tobytes().hex().encode(), dtype=np.uint8).reshape(n, 32)
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, [i for i in range(36) if i not in (8, 13, 18, 23)]] = hexed
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(out.tobytes()))


def _hour_slots(files: int) -> list[tuple[int, int, int]]:
    """Per file ``(hour, slot in the hour, files in that hour)``, spread evenly over the hours."""
    hours = [f * HOURS // files for f in range(files)]
    per_hour = [hours.count(h) for h in range(HOURS)]
    slots: list[tuple[int, int, int]] = []
    for h in range(HOURS):
        slots.extend((h, s, per_hour[h]) for s in range(per_hour[h]))
    return slots


def write_capture(root: Path, files: int, records: int, seed: int) -> None:
    """Write ``files`` capture files of ``records`` records under ``root`` (SageMaker layout)."""
    from vigil.storage.capture_layout import capture_file_url

    rng = np.random.default_rng(seed + 1)
    head, before_id, before_time, tail = _envelope()
    slots = _hour_slots(files)
    per_chunk = max(1, CHUNK_ROWS // records)
    for first in range(0, files, per_chunk):
        chunk = slots[first : first + per_chunk]
        n = len(chunk) * records
        table = generate_table(rng, n, capture=True)
        data = pc.binary_join_element_wise(
            *(pc.cast(c.combine_chunks(), pa.string()) for c in table.columns),
            ",",
            null_handling="replace",
            null_replacement="",
        )
        seconds = np.empty(n, dtype=np.int64)
        opened: list[datetime] = []
        k = np.arange(records, dtype=np.float64)
        for j, (hour, slot, in_hour) in enumerate(chunk):
            span = 3600.0 / in_hour
            seconds[j * records : (j + 1) * records] = hour * 3600 + np.floor(
                (slot + k / records) * span
            )
            ms = int(rng.integers(0, 1000))
            opened.append(T0 + timedelta(hours=hour, seconds=int(slot * span), milliseconds=ms))
        stamps = pa.array(np.datetime64(T0.replace(tzinfo=None), "s") + seconds)
        times = pc.strftime(stamps, format="%Y-%m-%dT%H:%M:%SZ")
        lines = pc.binary_join_element_wise(
            head, data, before_id, _uuid4_array(rng, n), before_time, times, tail, ""
        )
        offsets = np.frombuffer(
            lines.buffers()[1], dtype=np.int32, count=n + 1, offset=4 * lines.offset
        )
        body = memoryview(lines.buffers()[2])
        for j, now in enumerate(opened):
            uid = str(uuid.UUID(bytes=rng.bytes(16), version=4))
            path = Path(capture_file_url(str(root), ENDPOINT, VARIANT, now, uid))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body[offsets[j * records] : offsets[(j + 1) * records]])
    # One look at what was written: the first line of one file parses as the template says.
    sample = next(iter(sorted(root.rglob("*.jsonl"))))
    first = orjson.loads(sample.read_bytes().split(b"\n", 1)[0])
    assert first["captureData"]["endpointInput"]["data"].count(",") == len(feature_names()) - 1
    assert first["eventMetadata"]["inferenceTime"].endswith("Z")


@dataclass(frozen=True)
class DataPaths:
    """Where the generated data of one configuration lives."""

    base: Path
    baseline_rows: int
    files: int
    records: int
    seed: int

    @property
    def parquet(self) -> Path:
        return self.base / f"baseline_{self.baseline_rows}_{self.seed}.parquet"

    @property
    def baseline_dir(self) -> Path:
        return self.base / f"baseline_{self.baseline_rows}_{self.seed}"

    @property
    def statistics(self) -> Path:
        return self.baseline_dir / "statistics.json"

    @property
    def constraints(self) -> Path:
        return self.baseline_dir / "constraints.json"

    @property
    def capture_root(self) -> Path:
        return self.base / f"capture_{self.files}x{self.records}_{self.seed}"

    def run_dir(self, workers: int) -> Path:
        return self.base / f"run_w{workers}"


def _meta_ok(path: Path, wanted: dict[str, Any]) -> bool:
    try:
        return bool(json.loads(path.read_text()) == wanted)
    except (OSError, ValueError):
        return False


def ensure_data(paths: DataPaths) -> None:
    """Generate whatever of the baseline, its statistics and the capture is missing."""
    paths.base.mkdir(parents=True, exist_ok=True)
    base_meta = paths.baseline_dir.with_suffix(".json")
    wanted = {"rows": paths.baseline_rows, "seed": paths.seed, "version": DATA_VERSION}
    if _meta_ok(base_meta, wanted) and paths.statistics.exists() and paths.constraints.exists():
        print(f"data: reusing {paths.parquet} and {paths.baseline_dir}/")
    else:
        start = time.perf_counter()
        table = generate_table(
            np.random.default_rng(paths.seed), paths.baseline_rows, capture=False
        )
        tmp = paths.parquet.with_suffix(".parquet.tmp")
        pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, compression="snappy")
        tmp.replace(paths.parquet)
        del table
        written = time.perf_counter()
        from vigil.jobs.baseline import suggest_baseline

        shutil.rmtree(paths.baseline_dir, ignore_errors=True)
        suggest_baseline(str(paths.parquet), output=str(paths.baseline_dir), workers=2)
        base_meta.write_text(json.dumps(wanted))
        print(
            f"data: wrote {paths.parquet} in {written - start:.1f} s; suggest_baseline "
            f"(workers=2) in {time.perf_counter() - written:.1f} s"
        )

    cap_meta = paths.capture_root.with_suffix(".json")
    wanted = {
        "files": paths.files,
        "records": paths.records,
        "seed": paths.seed,
        "version": DATA_VERSION,
    }
    if _meta_ok(cap_meta, wanted):
        print(f"data: reusing {paths.capture_root}/")
        return
    start = time.perf_counter()
    cap_meta.unlink(missing_ok=True)
    shutil.rmtree(paths.capture_root, ignore_errors=True)
    write_capture(paths.capture_root, paths.files, paths.records, paths.seed)
    cap_meta.write_text(json.dumps(wanted))
    print(f"data: wrote {paths.capture_root}/ in {time.perf_counter() - start:.1f} s")


# --------------------------------------------------------------------------------------------
# The plain pass (runs in a fresh child process)
# --------------------------------------------------------------------------------------------


@dataclass
class NumericAccumulator:
    """Count, nulls, moments, range and the kept values of one numeric column."""

    count: int = 0
    nulls: int = 0
    total: float = 0.0
    squares: float = 0.0
    low: float = math.inf
    high: float = -math.inf
    kept: list[np.ndarray] = field(default_factory=list)

    def update(self, array: pa.Array) -> None:
        self.nulls += array.null_count
        values = array.drop_null()
        x = np.frombuffer(
            values.buffers()[1], dtype=np.float64, count=len(values), offset=8 * values.offset
        )
        if x.size == 0:
            return
        self.count += int(x.size)
        self.total += float(x.sum())
        self.squares += float(np.dot(x, x))
        self.low = min(self.low, float(x.min()))
        self.high = max(self.high, float(x.max()))
        self.kept.append(x)

    def merge(self, other: NumericAccumulator) -> None:
        self.count += other.count
        self.nulls += other.nulls
        self.total += other.total
        self.squares += other.squares
        self.low = min(self.low, other.low)
        self.high = max(self.high, other.high)
        self.kept.extend(other.kept)

    def compact(self) -> None:
        """Keep one array (before a partial result is sent to the parent)."""
        if len(self.kept) > 1:
            self.kept = [np.concatenate(self.kept)]

    def finish(self) -> dict[str, Any]:
        mean = self.total / self.count if self.count else math.nan
        var = self.squares / self.count - mean * mean if self.count else math.nan
        values = self.kept[0] if len(self.kept) == 1 else np.concatenate([np.empty(0), *self.kept])
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


@dataclass
class PlainPartial:
    """The plain pass's statistics of some files, mergeable."""

    rows: int = 0
    numeric: dict[str, NumericAccumulator] = field(default_factory=dict)
    counts: dict[str, list[pa.StructArray]] = field(default_factory=dict)

    def merge(self, other: PlainPartial) -> None:
        self.rows += other.rows
        for name, acc in other.numeric.items():
            self.numeric.setdefault(name, NumericAccumulator()).merge(acc)
        for name, parts in other.counts.items():
            self.counts.setdefault(name, []).extend(parts)

    def compact(self) -> None:
        for acc in self.numeric.values():
            acc.compact()
        self.counts = {name: [_sum_counts(parts)] for name, parts in self.counts.items()}


def _sum_counts(parts: list[pa.StructArray]) -> pa.StructArray:
    """Value counts of several ``value_counts`` results, summed per value."""
    if len(parts) == 1:
        return parts[0]
    table = pa.Table.from_struct_array(pa.concat_arrays(parts))
    summed = table.group_by("values").aggregate([("counts", "sum")])
    return pa.StructArray.from_arrays(
        [summed["values"].combine_chunks(), summed["counts_sum"].combine_chunks()],
        names=["values", "counts"],
    )


def _plain_file(path: Path, partial: PlainPartial, names: list[str]) -> None:
    loads = orjson.loads
    texts = [
        loads(line)["captureData"]["endpointInput"]["data"]
        for line in path.read_bytes().split(b"\n")
        if line
    ]
    data = ("\n".join(texts) + "\n").encode()
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(
            column_names=names, use_threads=False, block_size=len(data) + 1
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=True,
            null_values=[""],
        ),
    )
    partial.rows += table.num_rows
    for name in numeric_names():
        column = table.column(name).combine_chunks().cast(pa.float64())
        partial.numeric.setdefault(name, NumericAccumulator()).update(column)
    for name in categorical_names():
        counts = pc.value_counts(table.column(name).combine_chunks())
        partial.counts.setdefault(name, []).append(counts)


def plain_files(files: list[str]) -> PlainPartial:
    """The plain statistics of some capture files (one task of the plain pool)."""
    partial = PlainPartial()
    names = feature_names()
    for path in files:
        _plain_file(Path(path), partial, names)
    partial.compact()
    return partial


def plain_pass(root: str, workers: int) -> dict[str, Any]:
    """The reference: per file orjson + one CSV parse, plain statistics, merged at the end."""
    files = sorted(str(p) for p in Path(root).rglob("*.jsonl"))
    if workers == 1:
        partial = plain_files(files)
    else:
        n_chunks = min(len(files), 4 * workers)
        bounds = np.linspace(0, len(files), n_chunks + 1).astype(int)
        chunks = [files[a:b] for a, b in itertools.pairwise(bounds)]
        partial = PlainPartial()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for part in pool.imap(plain_files, chunks):
                partial.merge(part)
            pool.close()
            pool.join()
    summaries = {name: acc.finish() for name, acc in partial.numeric.items()}
    counts = {name: _sum_counts(parts) for name, parts in partial.counts.items()}
    return {
        "rows": partial.rows,
        "records": partial.rows,
        "means": {name: s["mean"] for name, s in summaries.items()},
        "nulls": {name: s["nulls"] for name, s in summaries.items()},
        "distinct": {name: len(c) for name, c in counts.items()},
    }


# --------------------------------------------------------------------------------------------
# The Vigil pass (runs in a fresh child process)
# --------------------------------------------------------------------------------------------


def vigil_pass(spec: dict[str, Any]) -> dict[str, Any]:
    """``run_data_quality`` on the capture window, as the issue defines it."""
    from vigil.jobs.capture_input import CaptureInput
    from vigil.jobs.data_quality import run_data_quality

    inp = CaptureInput(
        root=spec["root"],
        endpoint=ENDPOINT,
        variant=VARIANT,
        start=T0,
        end=T0 + timedelta(hours=HOURS),
        column_names=tuple(feature_names()),
        output_columns_position="none",
    )
    result = run_data_quality(
        baseline_statistics=spec["statistics"],
        baseline_constraints=spec["constraints"],
        input=inp,
        output=spec["output"],
        workers=spec["workers"],
    )
    means: dict[str, float | None] = {}
    nulls: dict[str, int] = {}
    distinct: dict[str, float | None] = {}
    for f in result.statistics.features if result.statistics is not None else []:
        if f.numerical_statistics is not None:
            means[f.name] = f.numerical_statistics.mean
            nulls[f.name] = f.numerical_statistics.common.num_missing
        if f.string_statistics is not None:
            distinct[f.name] = f.string_statistics.distinct_count
    violations = result.violations.violations if result.violations is not None else []
    return {
        "status": result.status.value,
        "exit_message": result.exit_message,
        "rows": result.rows,
        "records": result.records,
        "malformed": result.malformed.count,
        "violations": [(v.feature_name, v.constraint_check_type) for v in violations],
        "means": means,
        "nulls": nulls,
        "distinct": distinct,
        "job_seconds": result.seconds,
    }


# --------------------------------------------------------------------------------------------
# Measuring one method in a child process
# --------------------------------------------------------------------------------------------


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


def child_main(spec: dict[str, Any]) -> None:
    """Run one measurement and print its figures as one JSON line."""
    t0 = time.perf_counter()
    if spec["method"] == "vigil":
        import vigil.jobs.capture_input
        import vigil.jobs.data_quality  # noqa: F401  (imports are not timed)
    import_seconds = time.perf_counter() - t0
    start = time.perf_counter()
    if spec["method"] == "plain":
        out = plain_pass(spec["root"], spec["workers"])
    else:
        out = vigil_pass(spec)
    seconds = time.perf_counter() - start
    _stop_forkserver()
    out.update(
        seconds=seconds,
        import_seconds=import_seconds,
        rss_self=_maxrss_mib(resource.RUSAGE_SELF),
        rss_children=_maxrss_mib(resource.RUSAGE_CHILDREN),
        vm_hwm=_vm_hwm_mib(),
    )
    print("RESULT " + json.dumps(out), flush=True)


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


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its figures."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    stdout, _ = proc.communicate()
    tree = sampler.stop()
    label = f"{spec['method']} workers={spec['workers']}"
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed (exit code {proc.returncode})")
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["rss_tree"] = tree
    hwm = result.get("vm_hwm")
    if hwm is not None and result["rss_self"] > 1.1 * hwm + 8:
        print(
            f"  warning: {label}: ru_maxrss {result['rss_self']:.0f} MiB > VmHWM {hwm:.0f} MiB "
            "(peak inherited from the parent?)"
        )
    return result


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


@dataclass
class Row:
    """Best-of figures of one (method, workers)."""

    method: str
    workers: int
    seconds: float = math.inf
    rss_self: float = 0.0
    rss_with_children: float = 0.0
    rss_tree: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, r: dict[str, Any]) -> None:
        self.seconds = min(self.seconds, r["seconds"])
        self.rss_self = max(self.rss_self, r["rss_self"])
        self.rss_with_children = max(self.rss_with_children, r["rss_self"] + r["rss_children"])
        if r["rss_tree"] is not None:
            self.rss_tree = max(self.rss_tree or 0.0, r["rss_tree"])
        self.extra = r


def _check(expected: int, plain: dict[str, Any], vig: dict[str, Any], label: str) -> str:
    """Vigil's counts and statistics against the plain pass's; exits on a mismatch of counts."""
    if plain["rows"] != expected:
        raise SystemExit(f"plain pass counted {plain['rows']} rows, expected {expected}")
    for key in ("rows", "records"):
        if vig[key] != expected:
            raise SystemExit(f"{label}: result.{key} == {vig[key]}, expected {expected}")
    if vig["malformed"]:
        raise SystemExit(f"{label}: {vig['malformed']} malformed records")
    worst = 0.0
    for name, m in plain["means"].items():
        v = vig["means"].get(name)
        if v is None:
            raise SystemExit(f"{label}: no numeric statistics for {name}")
        worst = max(worst, abs(v - m) / max(abs(m), 1e-12))
    nulls = "nulls agree" if vig["nulls"] == plain["nulls"] else "nulls DIFFER"
    off = {
        name: (n, vig["distinct"].get(name))
        for name, n in plain["distinct"].items()
        if vig["distinct"].get(name) != n
    }
    distinct = "distinct counts agree" if not off else f"distinct counts differ {off}"
    return (
        f"rows == records == {expected:,}, 0 malformed; means agree to {worst:.1e} "
        f"(largest relative); {nulls}; {distinct}"
    )


def _mib(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def print_table(records: int, rows: list[Row], plain1: Row, plain_w: Row) -> None:
    """Print the results table."""
    header = (
        f"{'method':<7} {'workers':>7} {'seconds':>8} {'records/s':>10} {'self MiB':>9} "
        f"{'self+child':>10} {'tree PSS':>9} {'time/plain':>10} {'RSS/plain':>9} "
        f"{f'time/plain({plain_w.workers})':>13}"
    )
    print()
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.method:<7} {r.workers:>7} {r.seconds:>8.2f} {records / r.seconds:>10,.0f} "
            f"{_mib(r.rss_self):>9} {_mib(r.rss_with_children):>10} {_mib(r.rss_tree):>9} "
            f"{_ratio(r.seconds, plain1.seconds):>10} "
            f"{_ratio(r.rss_with_children, plain1.rss_with_children):>9} "
            f"{_ratio(r.seconds, plain_w.seconds):>13}"
        )
    print()
    w = plain_w.workers
    print("time/plain = ratio to the plain pass in 1 process: THE plain pass of the issue; all")
    print("             the targets use it. RSS/plain likewise, on self+child.")
    print(
        f"time/plain({w}) = ratio to the plain pass in a pool of {w} processes (comparison only)."
    )
    print("self MiB   = ru_maxrss of the measuring process (Vigil: the coordinator).")
    print("self+child = self + ru_maxrss of RUSAGE_CHILDREN, the largest single descendant (a")
    print("             worker or the forkserver), not the sum of concurrent workers.")
    print("tree PSS   = peak of the summed PSS of the process and all its descendants, sampled")
    print(f"             every {SAMPLE_SECONDS * 1000:.0f} ms (shared pages counted once).")


def _verdict(plain: Row, vig: Row) -> list[str]:
    """The issue's targets: time <= 1.5x the plain pass, peak RSS under 2 GB."""

    def mark(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    ratio = vig.seconds / plain.seconds
    lines = [
        f"Target time (workers={vig.workers}): {vig.seconds:.2f} s / plain {plain.seconds:.2f} s "
        f"= {ratio:.2f}x (<= 1.5x: {mark(ratio <= 1.5)})",
        f"Target memory (workers={vig.workers}): self+child {vig.rss_with_children:,.0f} MiB "
        f"(< 2048: {mark(vig.rss_with_children < 2048)})",
    ]
    if vig.rss_tree is not None:
        lines[-1] += f"; tree PSS {vig.rss_tree:,.0f} MiB (< 2048: {mark(vig.rss_tree < 2048)})"
    return lines


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    mem = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu
            )
        with open("/proc/meminfo") as fh:
            kib = int(next(ln for ln in fh if ln.startswith("MemTotal")).split()[1])
            mem = f"{kib / MIB:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    import vigil

    try:
        rev = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rev = "unknown"
    return (
        f"nproc={os.cpu_count()} ({cpu}), RAM {mem}, {platform.system()} {platform.release()}, "
        f"python {platform.python_version()}, numpy {np.__version__}, pyarrow {pa.__version__}, "
        f"orjson {orjson.__version__}, vigil {vigil.__version__} (git {rev})"
    )


def _dir_mib(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*.jsonl")) / MIB


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, make the data, run the measurements, print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1_000, help="capture files (default 1,000)")
    parser.add_argument("--records", type=int, default=1_000, help="records per file (1,000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument(
        "--out", type=Path, default=Path("bench/out/monitor"), help="data and output directory"
    )
    parser.add_argument("--baseline-rows", type=int, default=1_000_000, help="baseline rows")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement, best-of")
    parser.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(json.loads(args.child))
        return
    if min(args.files, args.records, args.workers, args.baseline_rows, args.repeat) < 1:
        parser.error("--files, --records, --workers, --baseline-rows and --repeat must be >= 1")
    paths = DataPaths(args.out.resolve(), args.baseline_rows, args.files, args.records, args.seed)
    if args.generate:
        ensure_data(paths)
        return

    expected = args.files * args.records
    print("command: " + shlex.join([sys.executable, *sys.argv]))
    print(f"machine: {_machine()}")
    print(
        f"data:    baseline {args.baseline_rows:,} rows x 20 features (15 numeric, 5 categorical "
        f"with {'/'.join(str(k) for k in CATEGORIES)} categories), Parquet; capture "
        f"{args.files:,} files x {args.records:,} records = {expected:,} records over {HOURS} "
        f"hour folders; seed {args.seed}"
    )
    print(f"load:    {_loadavg()} (1/5/15-min load average at start)")
    # Generate in a subprocess: a child's ru_maxrss starts at its parent's peak RSS (Linux
    # carries the high-water mark across fork and exec), so this process must stay small.
    gen = [sys.executable, os.path.abspath(__file__), "--generate", "1", *(argv or sys.argv[1:])]
    subprocess.run(gen, check=True)
    print(
        f"         capture: {_dir_mib(paths.capture_root):,.1f} MiB of JSON Lines; baseline "
        f"Parquet {paths.parquet.stat().st_size / MIB:,.1f} MiB"
    )

    common = {"root": str(paths.capture_root)}
    plans = [("plain", 1), ("plain", args.workers), ("vigil", 1), ("vigil", args.workers)]
    plans = list(dict.fromkeys(plans))
    rows = {plan: Row(*plan) for plan in plans}
    for _ in range(args.repeat):
        for method, workers in plans:
            spec = {**common, "method": method, "workers": workers}
            if method == "vigil":
                out = paths.run_dir(workers)
                shutil.rmtree(out, ignore_errors=True)
                spec |= {
                    "statistics": str(paths.statistics),
                    "constraints": str(paths.constraints),
                    "output": str(out),
                }
            r = measure(spec)
            rows[(method, workers)].add(r)
            print(f"  {method} workers={workers}: {r['seconds']:.2f} s", flush=True)

    plain1 = rows[("plain", 1)]
    plain_w = rows[("plain", args.workers)]
    print()
    for (method, workers), row in rows.items():
        if method != "vigil":
            continue
        v = row.extra
        label = f"vigil workers={workers}"
        print(f"{label}: {_check(expected, plain1.extra, v, label)}")
        print(
            f"{label}: status {v['status']}, {len(v['violations'])} violation(s); "
            f"job's own seconds {v['job_seconds']:.2f}; output {paths.run_dir(workers)}"
        )
        for feature, check in v["violations"]:
            print(f"    {check:<28} {feature}")
    print_table(expected, list(rows.values()), plain1, plain_w)
    print()
    print(f"Load average at end: {_loadavg()} (other processes on the machine skew the figures).")
    imports = min(r.extra["import_seconds"] for (m, _), r in rows.items() if m == "vigil")
    print(
        f"Imports (not timed): vigil {imports:.2f} s. Seconds are best of {args.repeat}; "
        "memory is the largest over the runs."
    )
    for line in _verdict(plain1, rows[("vigil", args.workers)]):
        print(line)


if __name__ == "__main__":
    main()
