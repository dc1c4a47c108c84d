"""The same jobs on the Spark engine and on the local engine give the same documents (issue 21).

Real data (ACS employment, 2015 features and the demo's 2016–2018 windows), a real ``local[2]``
Spark session. The bounds of "the same" are stated in :mod:`tests.spark`
(:func:`~tests.spark.assert_same_statistics`): exact counts, completeness, min/max, inferred
types and category frequencies; moments within a relative 1e-9; quantiles within each sketch's
rank error. Violations, malformed counts and the malformed examples (file:line) are identical.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from tests.spark import assert_same_statistics, assert_same_violations

from vigil.demo.acs import AcsFiles
from vigil.demo.scenario import FEATURES, csv_rows, traffic_windows
from vigil.engine.spark import SparkEngine
from vigil.jobs.baseline import suggest_baseline
from vigil.jobs.capture_input import CaptureInput
from vigil.jobs.data_quality import ExecutionStatus, run_data_quality
from vigil.jobs.model_quality import run_model_quality
from vigil.storage.capture_layout import capture_file_url
from vigil.storage.ground_truth_layout import ground_truth_file_url
from vigil.storage.tabular import TabularSource

pytestmark = pytest.mark.xdist_group("spark")

T0 = datetime(2016, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
NOW = datetime(2016, 1, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def acs(acs_files: AcsFiles, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """2015 features: a Parquet training set, a CSV hold-out and a CSV with planted drift."""
    root = tmp_path_factory.mktemp("acs-spark")
    names = list(FEATURES)
    table = pq.read_table(acs_files.reference, columns=names)
    table = table.set_column(1, "SCHL", pc.cast(pc.cast(table["SCHL"], pa.string()), pa.int64()))
    mask = np.random.default_rng(2015).random(table.num_rows) < 0.5
    train, holdout = table.filter(pa.array(mask)), table.filter(pa.array(~mask))
    pq.write_table(train, root / "train.parquet", row_group_size=8_000)
    plain = pa.table({n: pc.cast(holdout[n], pa.string()) for n in names})
    pacsv.write_csv(plain, root / "holdout.csv")
    rng = np.random.default_rng(7)
    cols = {n: plain[n].to_numpy(zero_copy_only=False).astype(object) for n in names}
    cols["AGEP"] = np.array([f"{float(a) * 1.2:.1f}" for a in cols["AGEP"]], dtype=object)
    cols["SCHL"] = np.array([f"grade-{v}" for v in cols["SCHL"]], dtype=object)
    cols["CIT"][rng.random(plain.num_rows) < 0.05] = "9"
    cols["MAR"][rng.random(plain.num_rows) < 0.15] = None
    shifted = pa.table({k: pa.array(list(v), type=pa.string()) for k, v in cols.items()})
    pacsv.write_csv(shifted, root / "shifted.csv")
    suggest_baseline(str(root / "train.parquet"), output=str(root / "baseline"))
    return {"root": root, "baseline": root / "baseline"}


def _numbers(table: pa.Table) -> dict[str, np.ndarray]:
    """Present values of every column that parses as numbers (for the quantile check)."""
    out = {}
    for name in table.column_names:
        column = table[name]
        try:
            values = pc.cast(column, pa.float64()) if column.type != pa.float64() else column
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        out[name] = values.drop_null().to_numpy()
    return out


def _docs(*results: Any) -> list[dict[str, Any]]:
    return [json.loads(r.statistics.to_json()) for r in results]


def _violations(result: Any) -> list[tuple[str, str, str]]:
    return [
        (v.feature_name, v.constraint_check_type, v.description)
        for v in result.violations.violations
    ]


def test_baseline_from_parquet_and_csv(acs: dict[str, Path], spark_engine: SparkEngine) -> None:
    for name in ("train.parquet", "holdout.csv"):
        path = str(acs["root"] / name)
        local = suggest_baseline(path, workers=2)
        spark = suggest_baseline(path, engine=spark_engine)
        data = pq.read_table(path) if name.endswith(".parquet") else pacsv.read_csv(path)
        assert_same_statistics(*_docs(local, spark), _numbers(data))
        assert local.constraints.to_json() == spark.constraints.to_json()
        assert spark.malformed.count == local.malformed.count == 0


def test_planted_drift_dataset_gives_the_same_violations(
    acs: dict[str, Path], spark_engine: SparkEngine, tmp_path: Path
) -> None:
    results = []
    for engine, out in ((None, tmp_path / "local"), (spark_engine, tmp_path / "spark")):
        results.append(
            run_data_quality(
                baseline_statistics=str(acs["baseline"] / "statistics.json"),
                baseline_constraints=str(acs["baseline"] / "constraints.json"),
                input=TabularSource((str(acs["root"] / "shifted.csv"),), "csv"),
                output=str(out),
                engine=engine,
                now=lambda: NOW,
            )
        )
    local, spark = results
    assert spark.status is local.status is ExecutionStatus.COMPLETED_WITH_VIOLATIONS
    assert sorted((f, c) for f, c, _ in _violations(spark)) == [
        ("AGEP", "baseline_drift_check"),
        ("CIT", "categorical_values_check"),
        ("MAR", "completeness_check"),
        ("SCHL", "data_type_check"),
    ]
    assert _violations(spark) == _violations(local)
    assert_same_statistics(
        *_docs(local, spark), _numbers(pacsv.read_csv(acs["root"] / "shifted.csv"))
    )
    for file in ("constraint_violations.json", "constraints.json"):
        assert (tmp_path / "spark" / file).read_bytes() == (tmp_path / "local" / file).read_bytes()


def _write_capture(rows: list[str], root: Path, start: datetime, corrupt: int = 0) -> None:
    """CSV rows as SageMaker capture records, 3 files per hour, ``corrupt`` broken lines."""
    files: dict[str, list[str]] = {}
    for i, data in enumerate(rows):
        t = start + timedelta(seconds=i * 7200 // len(rows))
        record = {
            "captureData": {
                "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": data, "encoding": "CSV"},
                "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": "1", "encoding": "CSV"},
            },
            "eventMetadata": {"eventId": f"e{i}", "inferenceTime": t.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "eventVersion": "0",
        }  # fmt: skip
        opened = t.replace(minute=(t.minute // 20) * 20, second=0)
        url = capture_file_url(str(root), "acs", "AllTraffic", opened, "f")
        files.setdefault(url, []).append(json.dumps(record))
    for k, (url, records) in enumerate(sorted(files.items())):
        if k < corrupt:
            records.insert(2, '{"captureData": {"endpointInput"')
        Path(url).parent.mkdir(parents=True, exist_ok=True)
        Path(url).write_text("\n".join(records) + "\n")


def _capture_run(
    acs: dict[str, Path], root: Path, out: Path, engine: SparkEngine | None, start: datetime
) -> Any:
    return run_data_quality(
        baseline_statistics=str(acs["baseline"] / "statistics.json"),
        baseline_constraints=str(acs["baseline"] / "constraints.json"),
        input=CaptureInput(
            str(root), "acs", "AllTraffic", start, start + 2 * HOUR,
            column_names=("label", *FEATURES),
        ),
        output=str(out),
        engine=engine,
        now=lambda: NOW,
    )  # fmt: skip


def test_capture_window_with_malformed_lines(
    acs: dict[str, Path], spark_engine: SparkEngine, tmp_path: Path
) -> None:
    shifted = pacsv.read_csv(
        acs["root"] / "shifted.csv", convert_options=pacsv.ConvertOptions(strings_can_be_null=True)
    )
    _write_capture(csv_rows(shifted), tmp_path / "capture", T0, corrupt=3)
    start = T0 + timedelta(minutes=30)  # hour folders straddle the window: records filtered
    local = _capture_run(acs, tmp_path / "capture", tmp_path / "local", None, start)
    spark = _capture_run(acs, tmp_path / "capture", tmp_path / "spark", spark_engine, start)
    assert (spark.records, spark.rows) == (local.records, local.rows)
    assert spark.malformed.count == local.malformed.count == 3  # broken lines: in any hour read
    assert spark.malformed.examples == local.malformed.examples
    assert_same_violations(_violations(local), _violations(spark), *_docs(local, spark))
    assert_same_statistics(*_docs(local, spark))


def test_acs_windows_give_the_same_violations(
    acs_files: AcsFiles, acs: dict[str, Path], spark_engine: SparkEngine, tmp_path: Path
) -> None:
    windows = traffic_windows(acs_files, years=(2016,), every=3)
    picked = [windows[0], windows[6], windows[-1]]  # January, July, the injected shift
    for k, window in enumerate(picked):
        start = T0 + k * 2 * HOUR
        _write_capture(csv_rows(window.rows), tmp_path / "capture", start)
        local = _capture_run(acs, tmp_path / "capture", tmp_path / f"l{k}", None, start)
        spark = _capture_run(acs, tmp_path / "capture", tmp_path / f"s{k}", spark_engine, start)
        assert spark.rows == local.rows == len(window)
        assert_same_violations(_violations(local), _violations(spark), *_docs(local, spark))
        assert_same_statistics(*_docs(local, spark))
    assert window.injected and {v[0] for v in _violations(spark)} >= {"AGEP", "MAR"}


def test_model_quality_window_is_identical(
    acs_files: AcsFiles, spark_engine: SparkEngine, tmp_path: Path
) -> None:
    window = traffic_windows(acs_files, years=(2017,), every=4, injected=False)[3]
    age = pc.cast(window.rows["AGEP"], pa.float64()).to_numpy(zero_copy_only=False)
    probability = np.clip(age / 80.0, 0.0, 1.0)  # a real (if poor) predictor of employment
    capture, gt = tmp_path / "capture", tmp_path / "gt"
    records: dict[str, list[str]] = {}
    labels: dict[str, list[str]] = {}
    for i, (key, p, y) in enumerate(
        zip(window.inference_ids, probability, window.labels, strict=True)
    ):
        t = T0 + timedelta(seconds=i * 3600 // len(window))
        record = {
            "captureData": {
                "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": "0", "encoding": "CSV"},
                "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": f"{p:.4f}", "encoding": "CSV"},
            },
            "eventMetadata": {"eventId": f"e{i}", "inferenceId": key, "inferenceTime": t.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "eventVersion": "0",
        }  # fmt: skip
        url = capture_file_url(str(capture), "acs", "AllTraffic", t.replace(minute=t.minute // 15 * 15, second=0), "f")  # fmt: skip
        records.setdefault(url, []).append(json.dumps(record))
        if i % 5:  # four labels in five arrive, in two collection hours; some twice
            collected = T0 + HOUR + (i % 2) * HOUR
            label = {"groundTruthData": {"data": str(y), "encoding": "CSV"}, "eventMetadata": {"eventId": key}, "eventVersion": "0"}  # fmt: skip
            lurl = ground_truth_file_url(str(gt), collected, f"{i % 3}.jsonl")
            labels.setdefault(lurl, []).append(json.dumps(label))
    for url, lines in (*records.items(), *labels.items()):
        Path(url).parent.mkdir(parents=True, exist_ok=True)
        Path(url).write_text("\n".join(lines) + "\n")
    runs = []
    for engine, out in ((None, tmp_path / "local"), (spark_engine, tmp_path / "spark")):
        runs.append(
            run_model_quality(
                problem_type="BinaryClassification",
                capture=CaptureInput(str(capture), "acs", "AllTraffic", T0, T0 + HOUR),
                ground_truth=str(gt),
                probability_attribute="0",
                output=str(out),
                min_labels=10,
                engine=engine,
                now=lambda: T0 + 4 * HOUR,
            )
        )
    local, spark = runs
    assert spark.status is local.status is ExecutionStatus.COMPLETED
    assert spark.coverage == local.coverage
    assert spark.coverage.merged == len(window) - len(range(0, len(window), 5))
    for file in ("statistics.json", "ground_truth_coverage.json", "constraint_violations.json"):
        assert (tmp_path / "spark" / file).read_bytes() == (tmp_path / "local" / file).read_bytes()
