"""Fixtures of the report tests: real executions run by Vigil's own jobs, and the real files.

``dq_execution`` profiles a seeded baseline with ``suggest_baseline`` and runs one data-quality
execution with ``run_data_quality`` on a shifted window (the real job, writing its real output
folder); ``wide_execution`` does the same with 150 features for the size bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vigil.jobs.baseline import suggest_baseline
from vigil.jobs.data_quality import DataQualityResult, run_data_quality
from vigil.storage.tabular import TabularSource


@dataclass(frozen=True)
class Execution:
    """A data-quality execution: its baseline folder, its output folder and the job's result."""

    baseline: Path
    output: Path
    result: DataQualityResult

    def files(self) -> dict[str, bytes]:
        """The published files, as the execution template holds them (name → bytes)."""
        return {
            p.relative_to(self.output).as_posix(): p.read_bytes()
            for p in sorted(self.output.rglob("*"))
            if p.is_file() and not p.name.startswith("_")
        }


def make_table(n_features: int, rows: int, rng: np.random.Generator, *, shifted: bool) -> pa.Table:
    """Two thirds numeric (normal, integer lognormal) and one third String (Zipf over 30
    categories) columns with 2% nulls; ``shifted`` moves every fifth column (half a standard
    deviation; 20% of a new category) and removes values of column 7 (completeness)."""
    columns: dict[str, Any] = {}
    categories = np.array([f"cat-{i:02d}" for i in range(30)], dtype=object)
    weights = 1.0 / np.arange(1, 31) ** 1.1
    weights /= weights.sum()
    for i in range(n_features):
        nulls = rng.random(rows) < (0.3 if shifted and i == 7 else 0.02)
        shift = shifted and i % 5 == 0
        if i % 3 == 2:
            values = rng.choice(categories, size=rows, p=weights)
            if shift:
                values[rng.random(rows) < 0.2] = "new-category"
            columns[f"s{i:03d}"] = pa.array(values.tolist(), type=pa.string(), mask=nulls)
        elif i % 3 == 0:
            x = rng.normal(10.0, 2.0, rows) + (1.0 if shift else 0.0)
            columns[f"x{i:03d}"] = pa.array(x, type=pa.float64(), mask=nulls)
        else:
            x = np.floor(rng.lognormal(2.0, 0.5, rows) * (1.3 if shift else 1.0))
            columns[f"x{i:03d}"] = pa.array(x, type=pa.float64(), mask=nulls)
    return pa.table(columns)


def run_execution(folder: Path, n_features: int, rows: int, seed: int) -> Execution:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(make_table(n_features, rows, rng, shifted=False), folder / "baseline.parquet")
    pq.write_table(make_table(n_features, rows, rng, shifted=True), folder / "window.parquet")
    baseline, output = folder / "baseline", folder / "execution"
    suggest_baseline(str(folder / "baseline.parquet"), output=str(baseline))
    result = run_data_quality(
        baseline_statistics=str(baseline / "statistics.json"),
        baseline_constraints=str(baseline / "constraints.json"),
        input=TabularSource((str(folder / "window.parquet"),), "parquet"),
        output=str(output),
    )
    return Execution(baseline, output, result)


@pytest.fixture(scope="module")
def dq_execution(tmp_path_factory: pytest.TempPathFactory) -> Execution:
    """12 features, 4,000 rows: drift in x000, s005, x010; a new category; completeness of x007."""
    return run_execution(tmp_path_factory.mktemp("dq"), 12, 4_000, seed=7)


@pytest.fixture(scope="module")
def wide_execution(tmp_path_factory: pytest.TempPathFactory) -> Execution:
    """150 features, 3,000 rows: the size bound of issue #20."""
    return run_execution(tmp_path_factory.mktemp("wide"), 150, 3_000, seed=150)
