"""End to end on loopback: the service (API + scheduler + baselining) driven through the typed
client with an injected clock: baseline → hourly schedule on captured data → three hours →
three executions with the right windows; stop and resume; run-now; a restart keeps all state."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from tests.scheduling.data import ENDPOINT, write_capture, write_training_csv
from tests.service.server import serving

from vigil.client import Client
from vigil.scheduling.clock import ManualClock
from vigil.scheduling.models import (
    BaseliningJobSpec,
    EndpointCreate,
    MonitoringExecution,
    MonitoringScheduleSpec,
    RunNowRequest,
)
from vigil.scheduling.scheduler import SchedulerConfig
from vigil.service.app import create_app

T0 = datetime(2024, 5, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
X = TypeVar("X")


def _eventually(get: Callable[[], X], ok: Callable[[X], bool], timeout: float = 60) -> X:
    deadline = time.monotonic() + timeout
    while True:
        value = get()
        if ok(value):
            return value
        assert time.monotonic() < deadline, f"gave up waiting; last value: {value!r}"
        time.sleep(0.05)


def _done(executions: list[MonitoringExecution], n: int) -> bool:
    finished = {"Completed", "CompletedWithViolations", "Failed", "Stopped"}
    return len(executions) == n and all(e.status in finished for e in executions)


def test_the_service_end_to_end(tmp_path: Path, database_url: str) -> None:
    clock = ManualClock(T0 + timedelta(minutes=30))
    config = SchedulerConfig(poll_seconds=0.05, lease_seconds=10)
    capture = tmp_path / "capture"

    def app() -> object:
        return create_app(database_url=database_url, clock=clock, scheduler=config)

    with serving(app()) as url, Client(url) as client:
        client.create_endpoint(
            EndpointCreate.model_validate(
                {
                    "name": ENDPOINT,
                    "config": {"data_capture": {"destination": str(capture)}},
                }
            )
        )
        job = client.start_baselining_job(
            BaseliningJobSpec(
                name="train",
                dataset_url=str(write_training_csv(tmp_path / "train.csv")),
                output_url=str(tmp_path / "baseline"),
            )
        )
        assert job.status == "InProgress"
        job = _eventually(
            lambda: client.describe_baselining_job("train"), lambda j: j.status != "InProgress"
        )
        assert job.status == "Completed" and job.statistics_url and job.constraints_url
        write_capture(capture, T0, 6)  # traffic for 00:00-06:00
        schedule = client.create_monitoring_schedule(
            MonitoringScheduleSpec.model_validate(
                {
                    "name": "churn-hourly",
                    "endpoint_input": {"endpoint_name": ENDPOINT},
                    "baseline": {
                        "statistics_url": job.statistics_url,
                        "constraints_url": job.constraints_url,
                    },
                    "output_url": str(tmp_path / "reports"),
                    "schedule_expression": "cron(0 * ? * * *)",
                }
            )
        )
        assert schedule.status == "Pending"
        _eventually(
            lambda: client.describe_monitoring_schedule("churn-hourly").status,
            lambda s: s == "Scheduled",
        )

        def executions() -> list[MonitoringExecution]:
            return client.list_monitoring_executions(
                schedule_name="churn-hourly", ascending=True
            ).items

        clock.advance(3 * HOUR)  # 03:30
        first = _eventually(executions, lambda e: _done(e, 3))
        assert [(e.window_start, e.window_end) for e in first] == [
            (T0 + h * HOUR, T0 + (h + 1) * HOUR) for h in range(3)
        ]
        assert [e.status for e in first] == ["Completed"] * 3
        assert all(e.trigger == "Scheduled" and e.records == 12 for e in first)
        report = Path(first[0].output_url or "") / "constraint_violations.json"
        assert (
            report
            == tmp_path / "reports" / ENDPOINT / "churn-hourly" / "2024/05/01/01" / report.name
        )
        assert json.loads(report.read_text()) == {"violations": []}

        # stop: two hours pass without executions
        assert client.stop_monitoring_schedule("churn-hourly").status == "Stopped"
        clock.advance(2 * HOUR)  # 05:30
        time.sleep(0.5)
        assert len(executions()) == 3
        # resume: from now on (the stopped hours are not caught up)
        assert client.start_monitoring_schedule("churn-hourly").status == "Pending"
        _eventually(
            lambda: client.describe_monitoring_schedule("churn-hourly").status,
            lambda s: s == "Scheduled",
        )
        clock.advance(HOUR)  # 06:30
        resumed = _eventually(executions, lambda e: _done(e, 4))[-1]
        assert (resumed.window_start, resumed.window_end) == (T0 + 5 * HOUR, T0 + 6 * HOUR)
        assert resumed.status == "Completed"

        # run-now on the hours missed while stopped
        manual = client.run_monitoring_schedule(
            "churn-hourly", RunNowRequest(window_start=T0 + 3 * HOUR, window_end=T0 + 5 * HOUR)
        )
        assert manual.trigger == "Manual"
        manual = _eventually(
            lambda: client.describe_monitoring_execution(manual.execution_id),
            lambda e: e.status not in ("Pending", "InProgress"),
        )
        assert manual.status == "Completed" and manual.records == 24
        assert (manual.output_url or "").endswith(f"manual-{manual.execution_id}")
        before = [(e.execution_id, e.window_start, e.status) for e in executions()]

    # restart: a new service process on the same database keeps everything
    with serving(app()) as url, Client(url) as client:
        after = client.list_monitoring_executions(
            schedule_name="churn-hourly", ascending=True
        ).items
        assert [(e.execution_id, e.window_start, e.status) for e in after] == before
        assert client.describe_baselining_job("train").status == "Completed"
        assert client.describe_monitoring_schedule("churn-hourly").status == "Scheduled"
        clock.advance(HOUR)  # 07:30: the 06:00-07:00 window, which had no traffic
        final = _eventually(
            lambda: (
                client.list_monitoring_executions(
                    schedule_name="churn-hourly", ascending=True
                ).items
            ),
            lambda e: _done(e, 6),
        )
        last = final[-1]
        assert (last.window_start, last.status) == (T0 + 6 * HOUR, "Failed")
        assert "no captured records" in (last.failure_reason or "")
        scheduled = [e.window_start for e in final if e.trigger == "Scheduled"]
        assert len(scheduled) == len(set(scheduled)) == 5
