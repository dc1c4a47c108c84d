"""One suite, two control planes: the library on a metadata store and the HTTP client against
``vigil serve``'s API behave the same (``vigil.api.protocol.ControlPlaneAPI``).

Every test runs four times: library and HTTP, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.scheduling.data import ENDPOINT, Baseline, make_baseline
from tests.service.server import serving

from vigil.api.protocol import ControlPlaneAPI
from vigil.api.resources import (
    BaseliningJobSpec,
    EndpointConfig,
    EndpointCreate,
    MonitoringScheduleSpec,
    RunNowRequest,
)
from vigil.api.status import MonitoringScheduleStatus
from vigil.client import Client
from vigil.control import ControlPlane, UrlPolicy
from vigil.control.clock import ManualClock
from vigil.errors import InputError, ResourceConflictError, ResourceNotFoundError
from vigil.service.app import create_app
from vigil.storage.metadata import MetadataStore

T0 = datetime(2024, 5, 1, tzinfo=UTC)


@dataclass
class Plane:
    api: ControlPlaneAPI
    root: Path
    baseline: Baseline

    def schedule(self, name: str = "hourly", **overrides: Any) -> MonitoringScheduleSpec:
        data: dict[str, Any] = {
            "name": name,
            "endpoint_input": {"endpoint_name": ENDPOINT},
            "baseline": {
                "statistics_url": str(self.baseline.statistics),
                "constraints_url": str(self.baseline.constraints),
            },
            "output_url": str(self.root / "reports"),
            "schedule_expression": "cron(0 * ? * * *)",
        }
        data.update(overrides)
        return MonitoringScheduleSpec.model_validate(data)


@pytest.fixture(params=["library", "http"])
def plane(request: pytest.FixtureRequest, tmp_path: Path, database_url: str) -> Iterator[Plane]:
    baseline = make_baseline(tmp_path)
    clock = ManualClock(T0)
    policy = UrlPolicy((str(tmp_path),))
    if request.param == "library":
        with MetadataStore(database_url) as store:
            yield Plane(ControlPlane(store, clock=clock, url_policy=policy), tmp_path, baseline)
        return
    app = create_app(database_url=database_url, clock=clock, url_policy=policy)
    with serving(app) as url, Client(url) as client:
        yield Plane(client, tmp_path, baseline)


def _endpoint(plane: Plane) -> None:
    config = {"data_capture": {"destination": str(plane.root / "capture")}}
    plane.api.create_endpoint(EndpointCreate.model_validate({"name": ENDPOINT, "config": config}))


def test_endpoints_round_trip_and_errors_are_one_tree(plane: Plane) -> None:
    api = plane.api
    assert isinstance(api, ControlPlaneAPI)
    _endpoint(plane)
    described = api.describe_endpoint(ENDPOINT)
    assert described.config["data_capture"]["destination"] == str(plane.root / "capture")
    with pytest.raises(ResourceConflictError):
        _endpoint(plane)
    with pytest.raises(ResourceNotFoundError) as missing:
        api.describe_endpoint("nope")
    assert missing.value.field in ("name", None)
    updated = api.update_endpoint(ENDPOINT, EndpointConfig.model_validate({"variants": []}))
    assert "data_capture" not in updated.config
    assert [e.name for e in api.list_endpoints().items] == [ENDPOINT]
    api.delete_endpoint(ENDPOINT)
    assert api.list_endpoints().items == []
    with pytest.raises(ResourceNotFoundError):
        api.delete_endpoint(ENDPOINT)


def test_schedules_are_validated_paged_updated_stopped_and_deleted(plane: Plane) -> None:
    api = plane.api
    _endpoint(plane)
    for i in range(3):
        created = api.create_monitoring_schedule(plane.schedule(f"s{i}"))
        assert created.status == "Pending" and created.next_scheduled_time == T0 + timedelta(
            hours=1
        )
    first = api.list_monitoring_schedules(limit=2)
    assert [s.name for s in first.items] == ["s0", "s1"] and first.next_token
    rest = api.list_monitoring_schedules(limit=2, next_token=first.next_token)
    assert [s.name for s in rest.items] == ["s2"] and rest.next_token is None
    with pytest.raises(InputError) as outside:
        api.create_monitoring_schedule(plane.schedule("bad", output_url="/elsewhere"))
    assert outside.value.field == "output_url"
    with pytest.raises(InputError) as unknown:
        api.create_monitoring_schedule(
            plane.schedule("bad", endpoint_input={"endpoint_name": "nope"})
        )
    assert unknown.value.field == "endpoint_input.endpoint_name"
    updated = api.update_monitoring_schedule("s0", plane.schedule("s0", workers=2))
    assert updated.workers == 2
    stopped = api.stop_monitoring_schedule("s1")
    assert stopped.status == MonitoringScheduleStatus.STOPPED
    assert [s.name for s in api.list_monitoring_schedules(status=stopped.status).items] == ["s1"]
    assert api.start_monitoring_schedule("s1").status == "Pending"
    api.delete_monitoring_schedule("s2")
    with pytest.raises(ResourceNotFoundError):
        api.describe_monitoring_schedule("s2")


def test_run_now_creates_an_execution_that_can_be_listed_and_stopped(plane: Plane) -> None:
    api = plane.api
    _endpoint(plane)
    api.create_monitoring_schedule(plane.schedule())
    window = RunNowRequest(window_start=T0, window_end=T0 + timedelta(hours=1))
    execution = api.run_monitoring_schedule("hourly", window)
    assert (execution.status, execution.trigger) == ("Pending", "Manual")
    assert api.describe_monitoring_execution(execution.execution_id) == execution
    listed = api.list_monitoring_executions(schedule_name="hourly", ascending=True)
    assert [e.execution_id for e in listed.items] == [execution.execution_id]
    assert api.stop_monitoring_execution(execution.execution_id).status == "Stopped"
    with pytest.raises(ResourceNotFoundError):
        api.describe_monitoring_execution(10_000)


def test_a_baselining_job_completes_and_is_listed(plane: Plane) -> None:
    api = plane.api
    spec = BaseliningJobSpec(
        name="job1",
        dataset_url=str(plane.baseline.dataset),
        output_url=str(plane.root / "suggested"),
    )
    job = api.start_baselining_job(spec)
    deadline = time.monotonic() + 60
    while job.status == "InProgress" and time.monotonic() < deadline:
        time.sleep(0.1)
        job = api.describe_baselining_job("job1")
    assert job.status == "Completed", job.failure_reason
    assert job.statistics_url == str(plane.root / "suggested" / "statistics.json")
    assert job.summary is not None and job.summary["rows"] == 300
    assert [j.name for j in api.list_baselining_jobs().items] == ["job1"]
    with pytest.raises(ResourceConflictError):
        api.start_baselining_job(spec)
