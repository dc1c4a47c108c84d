"""The main job, reduced: `vigil demo` on one year of real ACS traffic, checked from outside.

The command runs in its own process exactly as `make demo` runs it (fewer rows, one year).
Afterwards the test reads what it left behind — the metadata database through the control
plane, the reports, the model — and recomputes what the summary claims: one execution per
window and monitor with the right window, each window's accuracy from the model and the labels
with pandas, and the violations of the injected window from the rows themselves.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import joblib
import orjson
import pandas as pd
import pytest

from vigil.control import ControlPlane
from vigil.demo.acs import AcsFiles
from vigil.demo.run import DATA_QUALITY_SCHEDULE, MODEL_QUALITY_SCHEDULE, DemoConfig
from vigil.demo.scenario import LABEL, feature_matrix, traffic_windows
from vigil.storage.metadata import MetadataStore

EVERY = 10
TRAIN_ROWS = 6000
START = DemoConfig(Path(".")).start


@pytest.fixture(scope="module")
def demo_run(acs_files: AcsFiles, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [sys.executable, "-m", "vigil.cli.main", "demo", "--output", str(out),
         "--cache-dir", str(acs_files.reference.parents[1]), "--years", "2016",
         "--every", str(EVERY), "--train-rows", str(TRAIN_ROWS)],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "COLUMNS": "100", "VIGIL_DATA_DIR": str(out / "unused")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    store = MetadataStore(f"sqlite:///{out / 'vigil.db'}")
    control = ControlPlane(store)
    executions = {
        name: control.list_monitoring_executions(schedule_name=name, limit=1000).items
        for name in (DATA_QUALITY_SCHEDULE, MODEL_QUALITY_SCHEDULE)
    }
    store.close()
    windows = traffic_windows(acs_files, years=(2016,), every=EVERY)
    return {"out": out, "stdout": done.stdout, "executions": executions, "windows": windows}


def _hour(h: int) -> datetime:
    return START + timedelta(hours=h)


def test_every_window_is_analysed_once_by_each_monitor(demo_run: dict[str, object]) -> None:
    windows = demo_run["windows"]
    executions = demo_run["executions"]
    assert len(windows) == 13  # 12 months of 2016 and the injected window
    for name, runs in executions.items():
        starts = sorted(e.window_start.astimezone(UTC) for e in runs)
        assert starts == [_hour(h) for h in range(13)], name
        for e in runs:
            assert e.window_end - e.window_start == timedelta(hours=1)
            assert e.status.value in ("Completed", "CompletedWithViolations"), (name, e)
    # model quality lags an hour behind: its execution for hour h runs at h + 2
    for e in executions[MODEL_QUALITY_SCHEDULE]:
        assert e.scheduled_time - e.window_start == timedelta(hours=2)
    for e in executions[DATA_QUALITY_SCHEDULE]:
        assert e.scheduled_time - e.window_start == timedelta(hours=1)
        assert e.records == len(windows[int((e.window_start - START) / timedelta(hours=1))])


def test_per_window_accuracy_equals_pandas(demo_run: dict[str, object]) -> None:
    out: Path = demo_run["out"]  # type: ignore[assignment]
    model = joblib.load(out / "model" / "model.joblib")
    constraints = orjson.loads(
        (out / "data" / "baselines" / "model-quality" / "constraints.json").read_bytes()
    )
    threshold = constraints["binary_classification_constraints"]["accuracy"]["threshold"]
    runs = {e.window_start: e for e in demo_run["executions"][MODEL_QUALITY_SCHEDULE]}
    for h, window in enumerate(demo_run["windows"]):
        frame = pd.DataFrame({LABEL: window.labels})
        frame["prediction"] = (
            model.predict_proba(feature_matrix(window.rows))[:, 1] >= 0.5
        ).astype(int)
        expected = (frame["prediction"] == frame[LABEL]).mean()
        run = runs[_hour(h)]
        violations = orjson.loads(
            (Path(run.output_url) / "constraint_violations.json").read_bytes()
        )["violations"]
        # the accuracy alarm fires exactly when the pandas accuracy is below its threshold
        flagged = any(v["metric_name"] == "accuracy" for v in violations)
        assert flagged == (expected < threshold), (window.name, expected, threshold)
        if window.injected:
            assert flagged, (expected, threshold)  # the shift costs accuracy past the alarm
        statistics = orjson.loads((Path(run.output_url) / "statistics.json").read_bytes())
        accuracy = statistics["binary_classification_metrics"]["accuracy"]["value"]
        assert accuracy == pytest.approx(expected, abs=1e-12), window.name
        coverage = orjson.loads((Path(run.output_url) / "ground_truth_coverage.json").read_bytes())
        assert coverage["predictions"] == coverage["merged"] == len(window)


def test_the_injected_window_and_only_it_violates_data_quality(
    demo_run: dict[str, object],
) -> None:
    runs = {e.window_start: e for e in demo_run["executions"][DATA_QUALITY_SCHEDULE]}
    windows = demo_run["windows"]
    found = {}
    for h, window in enumerate(windows):
        report = orjson.loads(
            (Path(runs[_hour(h)].output_url) / "constraint_violations.json").read_bytes()
        )
        found[window.name] = {
            (v["feature_name"], v["constraint_check_type"]) for v in report["violations"]
        }
    injected = windows[-1]
    assert injected.injected
    assert all(not found[w.name] for w in windows[:-1]), found
    mar_missing = injected.rows["MAR"].null_count / len(injected)
    assert mar_missing > 0.1  # baseline completeness 1.0: a completeness violation
    assert {("MAR", "completeness_check"), ("AGEP", "baseline_drift_check")} <= found[injected.name]


def test_the_summary_names_windows_baseline_reports_and_api_docs(
    demo_run: dict[str, object],
) -> None:
    stdout: str = demo_run["stdout"]  # type: ignore[assignment]
    for w in demo_run["windows"]:
        assert w.name in stdout
    assert "Baseline (2015 hold-out): accuracy" in stdout
    assert "/api/v1/docs" in stdout
    assert "Injected window" in stdout
    assert "Real traffic: 12 windows, data-quality violations in 0" in stdout


def test_keep_leaves_the_service_up_until_sigterm(acs_files: AcsFiles, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "vigil.cli.main", "demo", "--output", str(tmp_path),
         "--cache-dir", str(acs_files.reference.parents[1]), "--years", "2016",
         "--every", "60", "--train-rows", "2000", "--keep"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C stops it." in line:
                break
        url = next(ln.split()[-1] for ln in lines if "service on http" in ln)
        schedules = httpx.get(f"{url}/api/v1/monitoring-schedules", timeout=10).json()
        names = {s["name"] for s in schedules["items"]}
        assert names == {DATA_QUALITY_SCHEDULE, MODEL_QUALITY_SCHEDULE}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        process.wait()
