"""End to end on loopback, on the one service with an injected clock, as the issue describes:
create an endpoint → send traffic (captured) → data-quality baseline through the baselining job
API → hourly schedule → three hours → three executions with the right windows and statuses;
stop and resume; run-now on an explicit window; a restart keeps serving and keeps all state."""

from __future__ import annotations

import functools
import json
import logging
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.polling import eventually
from tests.scheduling.data import COLORS, ENDPOINT, write_training_csv
from tests.service.conftest import python_config

from vigil.api.resources import (
    BaseliningJobSpec,
    EndpointCreate,
    MonitoringExecution,
    MonitoringScheduleSpec,
    RunNowRequest,
)
from vigil.client import Client
from vigil.control.clock import ManualClock
from vigil.scheduling.scheduler import SchedulerConfig
from vigil.service.server import create_service, serve_in_thread

T0 = datetime(2024, 5, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
PER_HOUR = 40


_eventually = functools.partial(eventually, timeout=90)


def _done(executions: list[MonitoringExecution], n: int) -> bool:
    finished = {"Completed", "CompletedWithViolations", "Failed", "Stopped"}
    return len(executions) == n and all(e.status in finished for e in executions)


def _traffic(http: httpx.Client, hour: int) -> None:
    """``PER_HOUR`` invocations ``age,color`` drawn like the training data (seeded per hour)."""
    rng = random.Random(hour)
    for i in range(PER_HOUR):
        answer = http.post(
            f"/endpoints/{ENDPOINT}/invocations",
            content=f"{rng.randint(18, 80)},{rng.choice(COLORS)}",
            headers={"content-type": "text/csv", "X-Amzn-SageMaker-Inference-Id": f"{hour}-{i}"},
        )
        assert answer.status_code == 200, answer.text


@pytest.mark.slow
def test_the_one_service_end_to_end(
    tmp_path: Path,
    database_url: str,
    service_code_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(T0 + timedelta(minutes=5))
    data = tmp_path / "data"

    def service() -> Any:
        return create_service(
            data_dir=data,
            database_url=database_url,
            clock=clock,
            scheduler=SchedulerConfig(poll_seconds=0.05, lease_seconds=10),
            seed=0,
        )

    app = service()
    caplog.set_level(logging.INFO, logger="vigil.scheduling")
    with (
        serve_in_thread(app) as url,
        Client(url) as client,
        httpx.Client(base_url=url, timeout=30) as http,
    ):

        def advance_to(when: datetime) -> None:
            assert app.state.capture.flush()  # the hour's capture is on disk before it is read
            clock.set(when)

        # the endpoint: a Python model labelling age,color rows (label = age % 2)
        endpoint = client.create_endpoint(
            EndpointCreate.model_validate(
                {
                    "name": ENDPOINT,
                    "config": python_config(
                        service_code_dir, "parity", enable_capture=True, sampling_percentage=100
                    ),
                }
            )
        )
        capture = Path(endpoint.config["data_capture"]["destination"])
        assert capture == data / "capture"
        _traffic(http, 0)  # 00:05

        job = client.start_baselining_job(
            BaseliningJobSpec(
                name="train",
                dataset_url=str(write_training_csv(tmp_path / "train.csv")),
                output_url=str(tmp_path / "baseline"),
            )
        )
        job = _eventually(
            lambda: client.describe_baselining_job("train"), lambda j: j.status != "InProgress"
        )
        assert job.status == "Completed" and job.statistics_url and job.constraints_url
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

        for hour in (1, 2, 3):  # three hours of traffic, each hour's window runs after it
            advance_to(T0 + hour * HOUR + timedelta(minutes=5))
            _traffic(http, hour)
        first = _eventually(executions, lambda e: _done(e, 3))
        assert [(e.window_start, e.window_end) for e in first] == [
            (T0 + h * HOUR, T0 + (h + 1) * HOUR) for h in range(3)
        ]
        assert [e.status for e in first] == ["Completed"] * 3, [e.failure_reason for e in first]
        assert all(e.trigger == "Scheduled" and e.records == PER_HOUR for e in first)
        report = Path(first[0].output_url or "") / "constraint_violations.json"
        assert (
            report
            == tmp_path / "reports" / ENDPOINT / "churn-hourly" / "2024/05/01/01" / report.name
        )
        assert json.loads(report.read_text()) == {"violations": []}
        # the captured records carry the injected time, and the model's answer
        line = json.loads(next((capture / ENDPOINT / "AllTraffic" / "2024/05/01/02").glob("*.jsonl")).read_text().splitlines()[0])  # fmt: skip
        assert line["eventMetadata"]["inferenceTime"] == "2024-05-01T02:05:00Z"
        age = int(line["captureData"]["endpointInput"]["data"].split(",")[0])
        assert line["captureData"]["endpointOutput"]["data"] == str(age % 2)

        # stop: two hours pass without executions
        assert client.stop_monitoring_schedule("churn-hourly").status == "Stopped"
        for hour in (4, 5):
            advance_to(T0 + hour * HOUR + timedelta(minutes=5))
            _traffic(http, hour)
        time.sleep(0.5)
        assert len(executions()) == 3
        # resume: from now on (the stopped hours are not caught up)
        assert client.start_monitoring_schedule("churn-hourly").status == "Pending"
        _eventually(
            lambda: client.describe_monitoring_schedule("churn-hourly").status,
            lambda s: s == "Scheduled",
        )
        advance_to(T0 + 6 * HOUR + timedelta(minutes=5))
        resumed = _eventually(executions, lambda e: _done(e, 4))[-1]
        assert (resumed.window_start, resumed.window_end) == (T0 + 5 * HOUR, T0 + 6 * HOUR)
        assert (resumed.status, resumed.records) == ("Completed", PER_HOUR)

        # run-now on the hours missed while stopped (03:00-05:00: traffic of 03:05 and 04:05)
        manual = client.run_monitoring_schedule(
            "churn-hourly", RunNowRequest(window_start=T0 + 3 * HOUR, window_end=T0 + 5 * HOUR)
        )
        assert manual.trigger == "Manual"
        manual = _eventually(
            lambda: client.describe_monitoring_execution(manual.execution_id),
            lambda e: e.status not in ("Pending", "InProgress"),
        )
        assert manual.status == "Completed" and manual.records == 2 * PER_HOUR
        assert (manual.output_url or "").endswith(f"manual-{manual.execution_id}")
        before = [(e.execution_id, e.window_start, e.status) for e in executions()]

    # execution start and finish are logged with their execution id
    finished = {
        r.execution_id: r.status  # type: ignore[attr-defined]
        for r in caplog.records
        if r.getMessage() == "execution finished"
    }
    assert finished == {e[0]: e[2] for e in before}
    started = {getattr(r, "execution_id", None) for r in caplog.records if r.getMessage() == "execution started"}  # fmt: skip
    assert started == set(finished)

    # restart: a new service on the same database serves the endpoint and keeps everything
    with (
        serve_in_thread(service()) as url,
        Client(url) as client,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        _traffic(http, 6)
        after = client.list_monitoring_executions(
            schedule_name="churn-hourly", ascending=True
        ).items
        assert [(e.execution_id, e.window_start, e.status) for e in after] == before
        assert client.describe_baselining_job("train").status == "Completed"
        assert client.describe_monitoring_schedule("churn-hourly").status == "Scheduled"
