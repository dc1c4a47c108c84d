"""``http://`` datasets and baselines through fsspec, served by a real HTTP server on loopback.

``vigil baseline suggest --dataset http://…`` (CSV and Parquet) must give the statistics of the
same file read locally, and ``vigil monitor run`` must read its dataset and its baseline
(statistics.json, constraints.json) over HTTP. A server that ignores byte ranges (Python's
``http.server``) still serves CSV (read whole, never a row twice) and gets a clear error for
Parquet.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from tests.cli.runner import Cli
from tests.http_server import http_files

from vigil.storage.objectstore import resolve_inputs
from vigil.storage.tabular import TabularSource, plan_partitions, read_partition

ROWS = 20_000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """train.csv and train.parquet (the same table), and a shifted current.csv."""
    folder = tmp_path_factory.mktemp("www")
    rng = np.random.default_rng(5)
    table = pa.table(
        {
            "age": rng.integers(18, 90, ROWS),
            "income": rng.normal(50_000, 8_000, ROWS).round(2),
            "city": rng.choice(["paris", "lyon", "lille"], ROWS),
        }
    )
    pacsv.write_csv(table, folder / "train.csv")
    pq.write_table(table, folder / "train.parquet", row_group_size=4_000)
    shifted = table.set_column(1, "income", pa.array(rng.normal(90_000, 8_000, ROWS).round(2)))
    pacsv.write_csv(shifted, folder / "current.csv")
    return folder


def _stats(folder: Path) -> dict[str, object]:
    doc = json.loads((folder / "statistics.json").read_text())
    return {f["name"]: f for f in doc["features"]} | {"items": doc["dataset"]["item_count"]}


def test_resolved_http_urls_keep_one_scheme(served: Path) -> None:
    with http_files(served) as (url, _):
        [found] = resolve_inputs(f"{url}/train.csv")
    assert found.url == f"{url}/train.csv"
    assert found.size == (served / "train.csv").stat().st_size


@pytest.mark.parametrize("name", ["train.csv", "train.parquet"])
def test_baseline_suggest_reads_an_http_dataset_as_the_local_file(
    cli: Cli, served: Path, tmp_path: Path, name: str
) -> None:
    local = cli(
        "baseline", "suggest", "--dataset", str(served / name), "--output", str(tmp_path / "l")
    )
    assert local.code == 0, local.stderr
    with http_files(served) as (url, requests):
        remote = cli(
            "baseline", "suggest", "--dataset", f"{url}/{name}", "--output", str(tmp_path / "r")
        )
    assert remote.code == 0, remote.stdout + remote.stderr
    assert any(name in r for r in requests)
    assert _stats(tmp_path / "r") == _stats(tmp_path / "l")
    assert _stats(tmp_path / "r")["items"] == ROWS
    if name.endswith(".parquet"):
        assert any("bytes=" in r for r in requests)  # footer and row groups by range


def test_monitor_run_with_an_http_dataset_and_http_baseline(
    cli: Cli, served: Path, tmp_path: Path
) -> None:
    baseline = served / "baseline"
    done = cli(
        "baseline", "suggest", "--dataset", str(served / "train.csv"), "--output", str(baseline)
    )
    assert done.code == 0, done.stderr
    with http_files(served) as (url, requests):
        run = cli(
            "monitor", "run",
            "--input", f"{url}/current.csv", "--dataset-format", "csv",
            "--baseline-statistics", f"{url}/baseline/statistics.json",
            "--baseline-constraints", f"{url}/baseline/constraints.json",
            "--output", str(tmp_path / "report"),
        )  # fmt: skip
    assert run.code == 3, run.stdout + run.stderr  # completed with violations: income drifted
    assert {r.split()[1] for r in requests} >= {
        "/current.csv",
        "/baseline/statistics.json",
        "/baseline/constraints.json",
    }
    [violations] = list((tmp_path / "report").rglob("constraint_violations.json"))
    found = {
        (v["feature_name"], v["constraint_check_type"])
        for v in json.loads(violations.read_text())["violations"]
    }
    assert ("income", "baseline_drift_check") in found
    assert ("age", "baseline_drift_check") not in found


@pytest.mark.parametrize("ranges", [True, False])
def test_every_row_is_read_once_whether_or_not_the_server_answers_ranges(
    served: Path, ranges: bool
) -> None:
    # 4 partitions of the CSV by byte range; a server that ignores Range sent the whole file
    # for each, which counted every row four times
    with http_files(served, ranges=ranges) as (url, _):
        source = TabularSource(inputs=(f"{url}/train.csv",), format="csv")
        size = (served / "train.csv").stat().st_size
        parts = plan_partitions(source, target_bytes=size // 4)
        rows = sum(batch.num_rows for part in parts for batch in read_partition(part))
    assert rows == ROWS


def test_parquet_from_a_server_without_ranges_is_a_clear_error(
    cli: Cli, served: Path, tmp_path: Path
) -> None:
    with http_files(served, ranges=False) as (url, _):
        done = cli(
            "baseline", "suggest", "--dataset", f"{url}/train.parquet", "--output", str(tmp_path)
        )
    assert done.code != 0
    assert "byte-range requests" in done.stderr and "internal error" not in done.stderr
