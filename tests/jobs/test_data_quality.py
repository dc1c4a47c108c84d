"""The data-quality monitoring job on real data (ACS employment) and on edge cases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from vigil.demo.acs import AcsFiles
from vigil.jobs.baseline import suggest_baseline
from vigil.jobs.capture_input import CaptureInput
from vigil.jobs.data_quality import (
    NO_DATA,
    ExecutionStatus,
    evaluate_data_quality,
    run_data_quality,
)
from vigil.storage.capture_layout import capture_file_url
from vigil.storage.tabular import TabularSource

FEATURES = ["AGEP", "SCHL", "MAR", "RELP", "DIS", "ESP", "CIT", "MIG", "MIL", "ANC",
            "NATIVITY", "DEAR", "DEYE", "DREM", "SEX", "RAC1P"]  # fmt: skip


@pytest.fixture(scope="module")
def acs_split(acs_files: AcsFiles, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """2015 features split in halves: a baseline (Parquet) and a hold-out (CSV), plus a shifted copy."""
    root = tmp_path_factory.mktemp("acs")
    table = pq.read_table(acs_files.reference, columns=FEATURES)
    # SCHL (educational attainment, ordinal codes) as an integer feature, the others categorical.
    table = table.set_column(1, "SCHL", pc.cast(pc.cast(table["SCHL"], pa.string()), pa.int64()))
    rng = np.random.default_rng(2015)
    mask = rng.random(table.num_rows) < 0.5
    train, holdout = table.filter(pa.array(mask)), table.filter(pa.array(~mask))
    pq.write_table(train, root / "train.parquet")
    plain = pa.table({n: pc.cast(holdout[n], pa.string()) for n in FEATURES})
    pacsv.write_csv(plain, root / "holdout.csv")
    cols = {n: plain[n].to_numpy(zero_copy_only=False).astype(object) for n in FEATURES}
    n = plain.num_rows
    cols["AGEP"] = np.array([f"{float(a) * 1.2:.1f}" for a in cols["AGEP"]], dtype=object)
    cols["SCHL"] = np.array([f"grade-{v}" for v in cols["SCHL"]], dtype=object)
    cols["CIT"][rng.random(n) < 0.05] = "9"  # a citizenship code the baseline never saw
    cols["MAR"][rng.random(n) < 0.15] = None
    pacsv.write_csv(
        pa.table({k: pa.array(list(v), type=pa.string()) for k, v in cols.items()}),
        root / "shifted.csv",
    )
    baseline = root / "baseline"
    suggest_baseline(str(root / "train.parquet"), output=str(baseline))
    return {"root": root, "baseline": baseline}


def _run(split: dict[str, Path], name: str, out: Path) -> object:
    return run_data_quality(
        baseline_statistics=str(split["baseline"] / "statistics.json"),
        baseline_constraints=str(split["baseline"] / "constraints.json"),
        input=TabularSource((str(split["root"] / name),), "csv"),
        output=str(out),
    )


def test_holdout_of_the_same_year_has_no_violation(
    acs_split: dict[str, Path], tmp_path: Path
) -> None:
    result = _run(acs_split, "holdout.csv", tmp_path)
    assert result.status is ExecutionStatus.COMPLETED, result.violations
    assert result.exit_message == "Completed: Job completed successfully with no violations."
    assert json.loads((tmp_path / "constraint_violations.json").read_text()) == {"violations": []}
    for f in result.report.features:
        assert f.drift is not None and f.drift.distance <= 0.1, f


def test_injected_shift_gives_exactly_the_expected_violations(
    acs_split: dict[str, Path], tmp_path: Path
) -> None:
    result = _run(acs_split, "shifted.csv", tmp_path)
    assert result.status is ExecutionStatus.COMPLETED_WITH_VIOLATIONS
    found = sorted((v.feature_name, v.constraint_check_type) for v in result.violations.violations)
    assert found == [
        ("AGEP", "baseline_drift_check"),
        ("CIT", "categorical_values_check"),
        ("MAR", "completeness_check"),
        ("SCHL", "data_type_check"),
    ]
    assert (
        result.exit_message
        == "CompletedWithViolations: Job completed successfully with 4 violations."
    )
    written = json.loads((tmp_path / "constraint_violations.json").read_text())
    assert len(written["violations"]) == 4
    by_check = {v["constraint_check_type"]: v["description"] for v in written["violations"]}
    assert by_check["baseline_drift_check"].startswith("Numerical distance: ")
    assert "Value: " in by_check["completeness_check"]
    assert "Only 0.0% of data is Integral" in by_check["data_type_check"]
    metrics = [
        json.loads(line)
        for line in (tmp_path / "metrics/cloudwatch_metrics.jsonl").read_text().splitlines()
    ]
    names = {m["MetricName"] for m in metrics}
    assert {"feature_baseline_drift_AGEP", "feature_non_null_MAR", "feature_data_AGEP"} <= names
    non_null_mar = next(m["Value"] for m in metrics if m["MetricName"] == "feature_non_null_MAR")
    assert 0.83 < non_null_mar < 0.87
    # re-evaluation from the statistics file alone finds the same drift and completeness
    again = evaluate_data_quality(
        statistics=str(tmp_path / "statistics.json"),
        baseline_statistics=str(acs_split["baseline"] / "statistics.json"),
        baseline_constraints=str(acs_split["baseline"] / "constraints.json"),
    )
    assert {(v.feature_name, v.constraint_check_type) for v in again.violations.violations} >= {
        ("AGEP", "baseline_drift_check"),
        ("MAR", "completeness_check"),
        ("CIT", "categorical_values_check"),
    }


def test_a_stricter_distance_is_selectable(acs_split: dict[str, Path], tmp_path: Path) -> None:
    result = run_data_quality(
        baseline_statistics=str(acs_split["baseline"] / "statistics.json"),
        baseline_constraints=str(acs_split["baseline"] / "constraints.json"),
        input=TabularSource((str(acs_split["root"] / "holdout.csv"),), "csv"),
        numeric_method="psi",
        categorical_method="jensen_shannon",
    )
    assert result.status is ExecutionStatus.COMPLETED
    methods = {f.drift.method for f in result.report.features if f.drift is not None}
    assert methods == {"psi", "jensen_shannon"}


def test_chisquare_writes_its_pvalue_where_sagemaker_does(
    acs_split: dict[str, Path], tmp_path: Path
) -> None:
    # The chi-square result names its p-value ``pvalue``; the violation text and the drift metric
    # still carry the number the threshold was compared with, the p-value, as before.
    result = run_data_quality(
        baseline_statistics=str(acs_split["baseline"] / "statistics.json"),
        baseline_constraints=str(acs_split["baseline"] / "constraints.json"),
        input=TabularSource((str(acs_split["root"] / "shifted.csv"),), "csv"),
        output=str(tmp_path),
        categorical_method="chisquare",
    )
    drifts = {f.name: f.drift for f in result.report.features if f.drift is not None}
    written = json.loads((tmp_path / "constraint_violations.json").read_text())
    described = {
        v["feature_name"]: v["description"]
        for v in written["violations"]
        if v["constraint_check_type"] == "baseline_drift_check" and v["feature_name"] != "AGEP"
    }
    assert described  # large windows: the p-value flags small shifts (see chisquare.py)
    for name, text in described.items():
        drift = drifts[name]
        assert drift.method == "chisquare" and drift.decided_by == "pvalue"
        assert drift.pvalue is not None and drift.value == drift.pvalue < drift.threshold
        assert drift.distance > 0  # Pearson's statistic
        assert text == (
            f"Categorical distance: {drift.pvalue!r} exceeds categorical threshold: "
            f"{drift.threshold!r} (method: chisquare)"
        )
    lines = (tmp_path / "metrics/cloudwatch_metrics.jsonl").read_text().splitlines()
    metrics = {m["MetricName"]: m.get("Value") for m in map(json.loads, lines)}
    for name, drift in drifts.items():
        assert metrics[f"feature_baseline_drift_{name}"] == drift.value


def test_empty_dataset_is_a_distinct_failure(acs_split: dict[str, Path], tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(FEATURES) + "\n")
    result = run_data_quality(
        baseline_statistics=str(acs_split["baseline"] / "statistics.json"),
        baseline_constraints=str(acs_split["baseline"] / "constraints.json"),
        input=TabularSource((str(empty),), "csv"),
    )
    assert result.status is ExecutionStatus.FAILED
    assert result.failure_code == NO_DATA
    assert str(empty) in (result.failure_reason or "")


def _write_capture(csv_path: Path, root: Path, start: datetime, corrupt: int = 0) -> int:
    """Replay a CSV as SageMaker capture records, one per row, one hour folder per 10,000 rows."""
    table = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    rows = table.to_pylist()
    lines: dict[str, list[str]] = {}
    for i, row in enumerate(rows):
        t = start + timedelta(seconds=i * 3600 // 10_000)
        data = ",".join("" if row[n] is None else str(row[n]) for n in FEATURES)
        record = {
            "captureData": {
                "endpointInput": {
                    "observedContentType": "text/csv",
                    "mode": "INPUT",
                    "data": data,
                    "encoding": "CSV",
                },
                "endpointOutput": {
                    "observedContentType": "text/csv",
                    "mode": "OUTPUT",
                    "data": "1",
                    "encoding": "CSV",
                },
            },
            "eventMetadata": {
                "eventId": f"e{i}",
                "inferenceTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "eventVersion": "0",
        }
        url = capture_file_url(str(root), "acs", "AllTraffic", t.replace(minute=0, second=0), "f")
        lines.setdefault(url, []).append(json.dumps(record))
    for k, (url, records) in enumerate(lines.items()):
        if k < corrupt:
            records.insert(3, '{"captureData": {"endpointInput"')  # a truncated line
        Path(url).parent.mkdir(parents=True, exist_ok=True)
        Path(url).write_text("\n".join(records) + "\n")
    return len(rows)


def test_capture_window_through_the_cli(acs_split: dict[str, Path], tmp_path: Path) -> None:
    start = datetime(2016, 1, 1, tzinfo=UTC)
    capture = tmp_path / "capture"
    n = _write_capture(acs_split["root"] / "shifted.csv", capture, start, corrupt=2)
    end = start + timedelta(hours=4)
    args = [
        "monitor", "run",
        "--baseline-statistics", str(acs_split["baseline"] / "statistics.json"),
        "--baseline-constraints", str(acs_split["baseline"] / "constraints.json"),
        "--input", str(capture), "--endpoint", "acs", "--variant", "AllTraffic",
        "--output-columns-position", "none",
        "--start", start.strftime("%Y-%m-%dT%H:%M:%SZ"), "--end", end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "--output", str(tmp_path / "report"), "--workers", "2", "--schedule", "hourly",
    ]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "vigil.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "250"},
    )
    assert done.returncode == 3, done.stdout + done.stderr  # completed with violations
    assert "CompletedWithViolations" in done.stdout
    assert "2 malformed records skipped" in done.stdout
    report = tmp_path / "report" / "acs" / "hourly" / "2016" / "01" / "01" / "04"
    assert sorted(p.name for p in report.iterdir()) == [
        "_manifest.json", "constraint_violations.json", "constraints.json", "metrics",
        "report.html", "statistics.json",
    ]  # fmt: skip
    metric = json.loads(
        (report / "metrics" / "cloudwatch_metrics.jsonl").read_text().splitlines()[0]
    )
    assert metric["Dimensions"] == [
        {"Name": "Endpoint", "Value": "acs"},
        {"Name": "MonitoringSchedule", "Value": "hourly"},
    ]
    violations = json.loads((report / "constraint_violations.json").read_text())
    found = sorted(
        (v["feature_name"], v["constraint_check_type"]) for v in violations["violations"]
    )
    assert found == [
        ("AGEP", "baseline_drift_check"),
        ("CIT", "categorical_values_check"),
        ("MAR", "completeness_check"),
        ("SCHL", "data_type_check"),
    ]
    stats = json.loads((report / "statistics.json").read_text())
    assert stats["dataset"]["item_count"] == min(n, 40_000)


def test_empty_capture_window_names_the_window(acs_split: dict[str, Path], tmp_path: Path) -> None:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    inp = CaptureInput(
        root=str(tmp_path / "nothing"), endpoint="acs", variant="AllTraffic",
        start=start, end=start + timedelta(hours=1), output_columns_position="none",
    )  # fmt: skip
    result = run_data_quality(
        baseline_statistics=str(acs_split["baseline"] / "statistics.json"),
        baseline_constraints=str(acs_split["baseline"] / "constraints.json"),
        input=inp,
    )
    assert result.status is ExecutionStatus.FAILED
    assert result.failure_code == NO_DATA
    assert result.failure_reason == (
        f"no captured records between 2020-01-01T00:00:00Z and 2020-01-01T01:00:00Z under "
        f"{tmp_path / 'nothing' / 'acs' / 'AllTraffic'}"
    )
