"""The typed client over real HTTP, and the CLI commands both ways: through a service
(``--url``) and through the library (``--database-url``), with the CLI's exit codes."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.scheduling.data import ENDPOINT, Baseline, make_baseline
from tests.service.server import serving

from vigil.api.resources import EndpointConfig, EndpointCreate, MonitoringScheduleSpec
from vigil.client import ApiInputError, ApiNotFoundError, ApiUnavailableError, Client
from vigil.errors import InputError
from vigil.service.app import create_app
from vigil.storage.metadata import MetadataStore, head_revision, upgrade


@pytest.fixture
def service(database_url: str) -> Iterator[str]:
    with serving(create_app(database_url=database_url)) as url:
        yield url


def test_client_round_trips_documents_and_raises_typed_errors(service: str, tmp_path: Path) -> None:
    baseline = make_baseline(tmp_path)
    with Client(service) as client:
        created = client.create_endpoint(EndpointCreate(name=ENDPOINT))
        assert created.name == ENDPOINT and created.config == {}
        updated = client.update_endpoint(
            ENDPOINT,
            EndpointConfig.model_validate({"data_capture": {"destination": str(tmp_path)}}),
        )
        assert updated.config["data_capture"]["destination"] == str(tmp_path)
        assert [e.name for e in client.list_endpoints().items] == [ENDPOINT]
        with pytest.raises(ApiNotFoundError) as missing:
            client.describe_monitoring_schedule("ghost")
        assert isinstance(missing.value, (LookupError, InputError)) and missing.value.status == 404
        spec = MonitoringScheduleSpec.model_validate(
            {
                "name": "nightly",
                "endpoint_input": {"endpoint_name": ENDPOINT},
                "baseline": {
                    "statistics_url": str(baseline.constraints),
                    "constraints_url": str(baseline.constraints),
                },
                "output_url": str(tmp_path / "out"),
                "schedule_expression": "@daily",
            }
        )
        with pytest.raises(ApiInputError) as bad:
            client.create_monitoring_schedule(spec)
        assert bad.value.status == 422 and bad.value.field == "baseline.statistics_url"
        good = spec.model_copy(
            update={
                "baseline": spec.baseline.model_copy(
                    update={"statistics_url": str(baseline.statistics)}
                )
            }
        )
        assert client.create_monitoring_schedule(good).status == "Pending"
        assert client.describe_monitoring_schedule("nightly").schedule_expression == "@daily"
        assert client.list_monitoring_executions(schedule_name="nightly").items == []
        client.delete_monitoring_schedule("nightly")
        client.delete_endpoint(ENDPOINT)
        assert client.list_endpoints().items == []
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with (
        Client(f"http://127.0.0.1:{port}", timeout=2) as offline,
        pytest.raises(ApiUnavailableError),
    ):
        offline.list_endpoints()


@pytest.mark.parametrize("mode", ["library", "service"])
def test_cli_commands(mode: str, vigil: Any, database_url: str, tmp_path: Path) -> None:
    baseline: Baseline = make_baseline(tmp_path)
    with serving(create_app(database_url=database_url)) as url:
        target = ["--url", url] if mode == "service" else ["--database-url", database_url]

        def ok(*args: str) -> Any:
            code, out, err = vigil(*args, *target)
            assert code == 0, err
            return json.loads(out) if out.startswith("{") else out

        config = json.dumps({"data_capture": {"destination": str(tmp_path / "capture")}})
        assert ok("endpoints", "create", ENDPOINT, "--config", config)["name"] == ENDPOINT
        assert [e["name"] for e in ok("endpoints", "list")["items"]] == [ENDPOINT]
        created = ok(
            "schedules", "create", "hourly",
            "--endpoint", ENDPOINT,
            "--baseline-statistics", str(baseline.statistics),
            "--baseline-constraints", str(baseline.constraints),
            "--output", str(tmp_path / "reports"),
        )  # fmt: skip
        assert (
            created["status"] == "Pending" and created["schedule_expression"] == "cron(0 * ? * * *)"
        )
        assert ok("schedules", "stop", "hourly")["status"] == "Stopped"
        assert ok("schedules", "start", "hourly")["status"] == "Pending"
        run = ok(
            "schedules",
            "run",
            "hourly",
            "--start",
            "2024-05-01T00:00:00Z",
            "--end",
            "2024-05-01T01:00:00Z",
        )
        assert run["status"] == "Pending" and run["trigger"] == "Manual"
        listed = ok("executions", "list", "--schedule", "hourly", "--status", "Pending")
        assert [e["execution_id"] for e in listed["items"]] == [run["execution_id"]]
        assert (
            ok("executions", "describe", str(run["execution_id"]))["window_end"]
            == "2024-05-01T01:00:00Z"
        )
        assert ok("executions", "stop", str(run["execution_id"]))["status"] == "Stopped"
        job = ok(
            "baselining-jobs", "start", "--name", "train",
            "--dataset", str(baseline.dataset), "--output", str(tmp_path / "b2"),
        )  # fmt: skip
        # the library runs the job before returning; a service runs it in the background
        assert job["status"] == ("Completed" if mode == "library" else "InProgress")

        # bad input: exit code 2 and a message naming the field, no traceback
        code, _, err = vigil(
            "schedules", "create", "bad",
            "--endpoint", ENDPOINT,
            "--baseline-statistics", str(baseline.statistics),
            "--baseline-constraints", str(baseline.constraints),
            "--output", str(tmp_path / "reports"),
            "--schedule-expression", "cron(0 * * * *)", *target,
        )  # fmt: skip
        assert code == 2 and "schedule_expression" in err and "Traceback" not in err
        code, _, err = vigil("schedules", "describe", "ghost", *target)
        assert code == 2 and "ghost" in err
        code, _, err = vigil("schedules", "create", "dup", "--endpoint", "nowhere",
                             "--baseline-statistics", str(baseline.statistics),
                             "--baseline-constraints", str(baseline.constraints),
                             "--output", "o", *target)  # fmt: skip
        assert code == 2 and "endpoint_input.endpoint_name" in err
        code, _, err = vigil("executions", "list", "--status", "Bogus", *target)
        assert code == 2 and "--status must be one of Pending" in err
        assert "deleted" in ok("schedules", "delete", "hourly")


API = "import typer; from vigil.cli.control import api; typer.run(api)"


def test_vigil_api_still_runs_the_service_and_stops_cleanly(tmp_path: Path) -> None:
    """``vigil api`` is now a deprecated alias of ``vigil serve``: the same one service."""
    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    upgrade(url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "serve.log"
    args = ["--port", str(port), "--database-url", url, "--poll-seconds", "0.1"]
    args += ["--data-dir", str(tmp_path / "data")]
    process = subprocess.Popen(
        [sys.executable, "-c", API, *args], stdout=subprocess.DEVNULL, stderr=log.open("wb")
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        assert health.json() == {"status": "ok", "schema_revision": head_revision()}
        with Client(f"http://127.0.0.1:{port}") as client:
            assert client.create_endpoint(EndpointCreate(name=ENDPOINT)).name == ENDPOINT
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log.read_text()  # a graceful stop
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    messages = [r["message"] for r in records]
    assert "scheduler started" in messages and "scheduler stopped" in messages
    with MetadataStore(url) as store:
        assert [e.name for e in store.endpoints.list().items] == [ENDPOINT]
