"""ModelQuality schedules driven by a ManualClock, on SQLite and PostgreSQL: real capture files
(the capture writer, scikit-learn ``predict_proba`` outputs) and ground truth filed by collection
time, labels arriving an hour after their predictions. Executions run in real worker processes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.scheduling.mq_data import (
    ENDPOINT,
    VARIANT,
    Hour,
    train_model,
    write_labels,
    write_model_quality_baseline,
    write_traffic,
)

from vigil.api.resources import (
    EndpointCreate,
    MonitoringExecution,
    MonitoringScheduleSpec,
)
from vigil.control import ControlPlane
from vigil.control.clock import ManualClock
from vigil.formats.model_quality import ModelQualityStatistics
from vigil.scheduling.scheduler import Scheduler, SchedulerConfig
from vigil.settings import get_settings
from vigil.storage.metadata import MetadataStore

T0 = datetime(2024, 5, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
PER_HOUR = 120


@dataclass
class World:
    root: Path
    data_dir: Path
    traffic: list[Hour]
    constraints: Path
    statistics: Path
    clock: ManualClock
    control: ControlPlane
    scheduler: Scheduler

    def spec(self, name: str = "mq", **quality: Any) -> MonitoringScheduleSpec:
        return MonitoringScheduleSpec.model_validate(
            {
                "name": name,
                "monitoring_type": "ModelQuality",
                "endpoint_input": {"endpoint_name": ENDPOINT},
                "model_quality": {
                    "problem_type": "BinaryClassification",
                    "probability_attribute": "1",
                    "min_labels": 50,
                    "min_coverage": 0.8,
                    **quality,
                },
                "baseline": {
                    "statistics_url": str(self.statistics),
                    "constraints_url": str(self.constraints),
                },
                "output_url": str(self.root / "reports"),
                "schedule_expression": "cron(0 * ? * * *)",
                "data_analysis_start_time": "-PT2H",
                "data_analysis_end_time": "-PT1H",
            }
        )

    def executions(self, schedule: str) -> list[MonitoringExecution]:
        return self.control.list_monitoring_executions(schedule_name=schedule, ascending=True).items


@pytest.fixture
def world(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    data_dir = tmp_path / "vigil-data"
    monkeypatch.setenv("VIGIL_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    model = train_model()
    capture = tmp_path / "capture"
    traffic = write_traffic(capture, model, T0, 4, per_hour=PER_HOUR)
    _, statistics, constraints = write_model_quality_baseline(tmp_path, model)
    clock = ManualClock(T0 + HOUR + timedelta(minutes=30))
    try:
        with MetadataStore(database_url) as store:
            control = ControlPlane(store, clock=clock)
            control.create_endpoint(
                EndpointCreate.model_validate(
                    {"name": ENDPOINT, "config": {"data_capture": {"destination": str(capture)}}}
                )
            )
            config = SchedulerConfig(poll_seconds=0.02, lease_seconds=10, max_workers=2)
            scheduler = Scheduler(store, clock=clock, config=config, name="test")
            try:
                yield World(
                    tmp_path, data_dir, traffic, constraints, statistics, clock, control, scheduler
                )
            finally:
                scheduler.shutdown()
    finally:
        get_settings.cache_clear()


def _metrics(execution: MonitoringExecution) -> dict[str, float]:
    assert execution.output_url is not None
    document = ModelQualityStatistics.from_json(
        (Path(execution.output_url) / "statistics.json").read_bytes()
    )
    block = document.metrics
    assert block is not None
    return {name: m.value for name, m in block.scalar_metrics().items()}


def test_hourly_windows_each_get_their_accuracy_and_label_gaps_fail_distinctly(
    world: World,
) -> None:
    hours = world.traffic
    # labels arrive an hour after their predictions (filed by collection hour, the service's
    # layout under the data directory: the schedule's default ground truth)
    write_labels(world.data_dir, hours[0])
    write_labels(world.data_dir, hours[1])
    # hour 2: only 60% of the labels have come in (72 >= min_labels, coverage < 0.8)
    partial = range(0, int(PER_HOUR * 0.6))
    write_labels(world.data_dir, hours[2], rows=partial)
    # hour 3: none. And wrong labels for hour 0 collected after its execution's scheduled time
    # (T0+2h): never read by that execution
    late = write_labels(world.data_dir, hours[0], delay=2 * HOUR + timedelta(minutes=10), flip=True)
    assert "/2024/05/01/02/" in late

    created = world.control.create_monitoring_schedule(world.spec())
    assert created.model_quality is not None and created.model_quality.ground_truth_url is None
    world.clock.advance(4 * HOUR)  # 05:30: nominal times 02:00 … 05:00
    world.scheduler.run_until_idle(timeout=180)
    executions = world.executions("mq")
    assert [(e.scheduled_time, e.window_start, e.window_end) for e in executions] == [
        (T0 + (h + 2) * HOUR, T0 + h * HOUR, T0 + (h + 1) * HOUR) for h in range(4)
    ]
    assert all(e.monitoring_type == "ModelQuality" and e.attempts == 1 for e in executions)

    for h in (0, 1):
        e = executions[h]
        assert e.status in ("Completed", "CompletedWithViolations"), e.failure_reason
        assert (e.status == "Completed") == (e.violations == 0)
        expected_dir = world.root / "reports" / ENDPOINT / "mq" / f"{e.scheduled_time:%Y/%m/%d/%H}"
        assert e.output_url == str(expected_dir)
        assert {p.name for p in expected_dir.iterdir()} >= {
            "statistics.json",
            "constraint_violations.json",
            "constraints.json",
            "ground_truth_coverage.json",
        }
        metrics = _metrics(e)
        assert metrics["accuracy"] == pytest.approx(hours[h].accuracy(), abs=1e-12)
        assert metrics["f1"] == pytest.approx(hours[h].f1(), abs=1e-12)
        assert e.rows == PER_HOUR and e.malformed == 0
        coverage = e.ground_truth_coverage
        assert coverage is not None
        assert (coverage.predictions, coverage.merged, coverage.coverage) == (
            PER_HOUR,
            PER_HOUR,
            1.0,
        )
        assert coverage.rows_scored == PER_HOUR
        assert coverage.ground_truth_url == str(world.data_dir / "groundtruth")
        violations = json.loads((expected_dir / "constraint_violations.json").read_text())
        assert len(violations["violations"]) == e.violations
    # hour 1's execution reads the 01:00 and 02:00 folders: hour 0's labels there (on time and
    # late) are labels of no prediction of its window, counted once per key
    assert executions[1].ground_truth_coverage is not None
    assert executions[1].ground_truth_coverage.labels_without_prediction == PER_HOUR
    assert executions[1].ground_truth_coverage.duplicate_labels == 0

    low = executions[2]
    assert low.status == "Failed" and low.violations is None
    assert (low.failure_reason or "").startswith("insufficient ground truth: 72 of 120")
    assert "2024-05-01T02:00:00Z and 2024-05-01T03:00:00Z" in (low.failure_reason or "")
    assert low.ground_truth_coverage is not None
    assert low.ground_truth_coverage.merged == 72
    assert low.ground_truth_coverage.coverage == pytest.approx(0.6)
    # statistics are written to look at (not checked): the accuracy of the labelled 60%
    assert _metrics(low)["accuracy"] == pytest.approx(hours[2].accuracy(partial), abs=1e-12)

    none = executions[3]
    reason = none.failure_reason or ""
    assert none.status == "Failed" and reason.startswith("no ground truth merged")
    assert "between 2024-05-01T03:00:00Z and 2024-05-01T04:00:00Z" in reason
    assert str(world.data_dir / "groundtruth") in reason
    assert f"{world.root / 'capture'}/{ENDPOINT}/{VARIANT}" in reason
    assert none.ground_truth_coverage is not None and none.ground_truth_coverage.merged == 0

    world.scheduler.run_until_idle()  # nothing new is planned for the same nominal times
    assert len(world.executions("mq")) == 4


def test_max_label_delay_caps_the_labels_read(world: World) -> None:
    for hour in world.traffic[:2]:
        write_labels(world.data_dir, hour)
    ground_truth = world.root / "elsewhere"
    write_labels(ground_truth, world.traffic[0])
    # labels come an hour after their predictions: with no delay allowed, none is read
    world.control.create_monitoring_schedule(world.spec("strict", max_label_delay="PT0S"))
    world.control.create_monitoring_schedule(
        world.spec(
            "relaxed",
            max_label_delay="PT1H",
            ground_truth_url=str(ground_truth / "groundtruth"),
            min_coverage=0.0,
        )
    )
    world.clock.advance(HOUR)  # 02:30: the 02:00 execution analyses [00:00, 01:00)
    world.scheduler.run_until_idle(timeout=120)
    [strict] = world.executions("strict")
    assert strict.status == "Failed"
    assert (strict.failure_reason or "").startswith("no ground truth merged")
    assert "hour folders 2024/05/01/00 to 2024/05/01/00" in (strict.failure_reason or "")
    [relaxed] = world.executions("relaxed")
    assert relaxed.status in ("Completed", "CompletedWithViolations"), relaxed.failure_reason
    assert _metrics(relaxed)["accuracy"] == pytest.approx(world.traffic[0].accuracy(), abs=1e-12)
    assert relaxed.ground_truth_coverage is not None
    assert relaxed.ground_truth_coverage.ground_truth_url == str(ground_truth / "groundtruth")
