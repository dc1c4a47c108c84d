"""The REST API over real loopback HTTP (uvicorn + httpx), on SQLite and PostgreSQL:
resources, RFC 7807 problems naming the field, the principal dependency, start-up refusal."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import HTTPException
from tests.scheduling.data import ENDPOINT, Baseline, make_baseline
from tests.service.server import serving

from vigil.control import UrlPolicy
from vigil.control.clock import ManualClock
from vigil.service.app import create_app
from vigil.service.deps import get_principal
from vigil.storage.metadata import UnmigratedDatabaseError

T0 = datetime(2024, 5, 1, tzinfo=UTC)
PROBLEM = "application/problem+json"


@dataclass
class Api:
    http: httpx.Client
    root: Path
    baseline: Baseline

    def schedule(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": "hourly",
            "endpoint_input": {"endpoint_name": ENDPOINT},
            "baseline": {
                "statistics_url": str(self.baseline.statistics),
                "constraints_url": str(self.baseline.constraints),
            },
            "output_url": str(self.root / "reports"),
            "schedule_expression": "cron(0 * ? * * *)",
        }
        body.update(overrides)
        return body


@pytest.fixture
def api(tmp_path: Path, database_url: str) -> Iterator[Api]:
    baseline = make_baseline(tmp_path)
    app = create_app(
        database_url=database_url,
        clock=ManualClock(T0),
        url_policy=UrlPolicy((str(tmp_path),)),
    )
    with serving(app) as url, httpx.Client(base_url=f"{url}/api/v1", timeout=30) as http:
        yield Api(http, tmp_path, baseline)


def _problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("urn:vigil:")
    if field is not None:
        assert body.get("field") == field, body
    return body


def test_endpoints_crud(api: Api) -> None:
    config = {"variants": [{"variant_name": "AllTraffic", "model": "m1"}], "anything": {"n": 1}}
    created = api.http.post("/endpoints", json={"name": ENDPOINT, "config": config})
    assert created.status_code == 201, created.text
    assert created.json()["config"] == config
    assert created.json()["creation_time"] == "2024-05-01T00:00:00Z"
    _problem(api.http.post("/endpoints", json={"name": ENDPOINT}), 409, "name")
    assert api.http.get(f"/endpoints/{ENDPOINT}").json()["config"] == config
    listed = api.http.get("/endpoints", params={"limit": 1}).json()
    assert [e["name"] for e in listed["items"]] == [ENDPOINT] and listed.get("next_token") is None
    replaced = api.http.put(f"/endpoints/{ENDPOINT}", json={"config": {"variants": []}})
    assert replaced.status_code == 200 and replaced.json()["config"] == {"variants": []}
    assert api.http.delete(f"/endpoints/{ENDPOINT}").status_code == 204
    _problem(api.http.get(f"/endpoints/{ENDPOINT}"), 404, "name")
    _problem(api.http.delete(f"/endpoints/{ENDPOINT}"), 404)
    _problem(api.http.post("/endpoints", json={"name": "bad name!"}), 422, "name")
    nul = {"name": "x", "config": {"a": "nul\u0000here"}}
    _problem(api.http.post("/endpoints", json=nul), 422, "config")
    outside = {"data_capture": {"destination": "/etc/capture"}}
    _problem(
        api.http.post("/endpoints", json={"name": "x", "config": outside}),
        422,
        "config.data_capture.destination",
    )


def test_bad_schedules_are_4xx_problems_naming_the_field(api: Api) -> None:
    assert api.http.post("/endpoints", json={"name": ENDPOINT}).status_code == 201
    stats = str(api.baseline.statistics)
    cases: list[tuple[dict[str, Any], int, str | None]] = [
        ({"schedule_expression": "cron(0 * * * *)"}, 422, "schedule_expression"),
        ({"schedule_expression": "every hour"}, 422, "schedule_expression"),
        (
            {"data_analysis_start_time": "-PT1X", "data_analysis_end_time": "PT0H"},
            422,
            "data_analysis_start_time",
        ),
        ({"data_analysis_start_time": "-PT1H"}, 422, None),  # the end is missing
        ({"endpoint_input": {"endpoint_name": "ghost"}}, 422, "endpoint_input.endpoint_name"),
        (
            {"baseline": {"statistics_url": str(api.root / "none.json"), "constraints_url": stats}},
            422,
            "baseline.statistics_url",
        ),
        (
            {"baseline": {"statistics_url": stats, "constraints_url": stats}},
            422,
            "baseline.constraints_url",
        ),
        (
            {"baseline": {"statistics_url": "/etc/passwd", "constraints_url": stats}},
            422,
            "baseline.statistics_url",
        ),
        ({"dataset_input": {"dataset_url": str(api.baseline.dataset)}}, 422, None),  # both inputs
        ({"max_runtime_seconds": 0}, 422, "max_runtime_seconds"),
        ({"monitoring_type": "ModelBias"}, 422, "monitoring_type"),
        ({"monitoring_type": "ModelQuality"}, 422, "model_quality"),  # its block is missing
    ]
    for overrides, status, field in cases:
        body = _problem(
            api.http.post("/monitoring-schedules", json=api.schedule(**overrides)), status, field
        )
        assert body["detail"], body
    no_json = api.http.post(
        "/monitoring-schedules", content=b"{not json", headers={"content-type": "application/json"}
    )
    _problem(no_json, 400)
    assert api.http.post("/monitoring-schedules", json=api.schedule()).status_code == 201
    _problem(api.http.post("/monitoring-schedules", json=api.schedule()), 409, "name")
    _problem(api.http.delete(f"/endpoints/{ENDPOINT}"), 409, "name")  # a schedule reads it


def test_schedule_life_cycle_and_executions(api: Api) -> None:
    assert api.http.post("/endpoints", json={"name": ENDPOINT}).status_code == 201
    created = api.http.post("/monitoring-schedules", json=api.schedule()).json()
    assert (
        created["status"] == "Pending" and created["next_scheduled_time"] == "2024-05-01T01:00:00Z"
    )
    assert created["baseline"]["statistics_url"] == str(api.baseline.statistics)
    assert api.http.post("/monitoring-schedules/hourly/stop").json()["status"] == "Stopped"
    assert api.http.post("/monitoring-schedules/hourly/start").json()["status"] == "Pending"
    listed = api.http.get("/monitoring-schedules", params={"status": "Pending"}).json()
    assert [s["name"] for s in listed["items"]] == ["hourly"]
    window = {"window_start": "2024-04-30T22:00:00Z", "window_end": "2024-04-30T23:00:00"}
    run = api.http.post("/monitoring-schedules/hourly/executions", json=window)
    assert run.status_code == 201, run.text
    execution = run.json()
    assert execution["status"] == "Pending" and execution["trigger"] == "Manual"
    assert execution["window_end"] == "2024-04-30T23:00:00Z"  # no offset: UTC
    reversed_window = {"window_start": "2024-05-01T01:00:00Z", "window_end": "2024-05-01T00:00:00Z"}
    _problem(api.http.post("/monitoring-schedules/hourly/executions", json=reversed_window), 422)
    _problem(api.http.post("/monitoring-schedules/ghost/executions", json=window), 404, "name")
    path = f"/monitoring-executions/{execution['execution_id']}"
    assert api.http.get(path).json()["window_start"] == "2024-04-30T22:00:00Z"
    found = api.http.get(
        "/monitoring-executions",
        params={
            "schedule_name": "hourly",
            "status": "Pending",
            "scheduled_after": "2024-05-01T00:00:00Z",
        },
    ).json()
    assert [e["execution_id"] for e in found["items"]] == [execution["execution_id"]]
    assert api.http.get("/monitoring-executions", params={"status": "Failed"}).json()["items"] == []
    _problem(api.http.get("/monitoring-executions", params={"status": "Bogus"}), 422, "status")
    _problem(api.http.get("/monitoring-executions", params={"next_token": "zz"}), 422, "next_token")
    assert api.http.post(f"{path}/stop").json()["status"] == "Stopped"
    _problem(api.http.post(f"{path}/stop"), 409, "execution_id")
    _problem(api.http.get("/monitoring-executions/999999"), 404, "execution_id")
    _problem(api.http.get("/monitoring-executions/99999999999999"), 422, "execution_id")
    assert api.http.delete("/monitoring-schedules/hourly").status_code == 204
    _problem(api.http.get(path), 404)


def test_baselining_jobs_run_in_the_background(api: Api) -> None:
    job = {
        "name": "train",
        "dataset_url": str(api.baseline.dataset),
        "output_url": str(api.root / "b2"),
    }
    started = api.http.post("/baselining-jobs", json=job)
    assert started.status_code == 201, started.text
    assert started.json()["status"] == "InProgress" and started.json()["dataset_format"] == "csv"
    _problem(api.http.post("/baselining-jobs", json=job), 409, "name")
    broken = {
        "name": "broken",
        "dataset_url": str(api.root / "missing.csv"),
        "output_url": str(api.root / "b3"),
    }
    assert api.http.post("/baselining-jobs", json=broken).status_code == 201
    _problem(
        api.http.post(
            "/baselining-jobs", json={**job, "name": "x", "dataset_url": "/etc/hosts.csv"}
        ),
        422,
        "dataset_url",
    )
    _problem(
        api.http.post(
            "/baselining-jobs", json={**job, "name": "y", "dataset_url": str(api.root / "data")}
        ),
        422,
        "dataset_format",
    )

    def finished(name: str) -> dict[str, Any]:
        deadline = time.monotonic() + 60
        while True:
            body: dict[str, Any] = api.http.get(f"/baselining-jobs/{name}").json()
            if body["status"] != "InProgress" or time.monotonic() > deadline:
                return body
            time.sleep(0.1)

    done = finished("train")
    assert done["status"] == "Completed", done
    assert done["statistics_url"] == str(api.root / "b2" / "statistics.json")
    assert Path(done["constraints_url"]).exists() and done["summary"]["rows"] == 300
    failed = finished("broken")
    assert failed["status"] == "Failed" and "missing.csv" in failed["failure_reason"]
    listed = api.http.get("/baselining-jobs", params={"status": "Completed"}).json()
    assert [j["name"] for j in listed["items"]] == ["train"]


def test_openapi_is_published_with_every_operation(api: Api) -> None:
    spec = api.http.get("/openapi.json").json()
    operations = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert operations == {
        "CreateEndpoint", "ListEndpoints", "DescribeEndpoint", "UpdateEndpoint", "DeleteEndpoint",
        "CreateBaseliningJob", "ListBaseliningJobs", "DescribeBaseliningJob",
        "CreateMonitoringSchedule", "ListMonitoringSchedules", "DescribeMonitoringSchedule",
        "UpdateMonitoringSchedule", "StopMonitoringSchedule", "StartMonitoringSchedule",
        "DeleteMonitoringSchedule", "StartMonitoringScheduleExecution", "ListMonitoringExecutions",
        "DescribeMonitoringExecution", "StopMonitoringExecution",
    }  # fmt: skip
    for path in spec["paths"].values():
        for op in path.values():
            assert set(op["responses"]["422"]["content"]) == {PROBLEM}


def test_every_route_goes_through_the_one_principal_dependency(
    tmp_path: Path, database_url: str
) -> None:
    app = create_app(database_url=database_url)
    calls: list[str] = []

    def deny() -> None:
        calls.append("deny")
        raise HTTPException(401, "authentication required", headers={"WWW-Authenticate": "Bearer"})

    app.dependency_overrides[get_principal] = deny
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        spec = http.get("/api/v1/openapi.json").json()
        for path, operations in spec["paths"].items():
            concrete = path.replace("{name}", "x").replace("{execution_id}", "1")
            for method in operations:
                response = http.request(method.upper(), concrete, json={})
                _problem(response, 401)
                assert response.headers["www-authenticate"] == "Bearer"
        assert len(calls) == sum(len(ops) for ops in spec["paths"].values())


def test_the_service_refuses_an_unmigrated_database(
    tmp_path: Path, fresh_postgres_url: Callable[[], str]
) -> None:
    for url in (f"sqlite:///{tmp_path / 'new.db'}", fresh_postgres_url()):
        with pytest.raises(UnmigratedDatabaseError, match="vigil db upgrade"):
            create_app(database_url=url)
