"""``vigil serve`` as a user runs it: one process serving the REST API, the config file's
endpoints and a scheduler on one port; JSON logs; SIGTERM → exit 0 with the capture on disk;
a database at an older revision refused with exit code 2; ``vigil api`` a hidden alias."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx

from vigil.storage.metadata import MetadataStore, current_revision, head_revision, upgrade
from vigil.storage.metadata.engine import create_engine

IRIS_ROW = "5.1,3.5,1.4,0.2"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["COLUMNS"] = "250"
    return env


def _vigil(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vigil.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(),
        timeout=120,
        check=False,
    )


def _json_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def _wait_for_url(process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 60
    while True:
        for line in _json_lines(log):
            if "url" in line and line["message"].startswith("vigil serve:"):
                return str(line["url"])
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)


def test_vigil_serve_is_the_one_service(tmp_path: Path, iris_model: Path) -> None:
    config = tmp_path / "endpoints.yaml"
    config.write_text(
        textwrap.dedent(
            f"""
            endpoints:
              - name: iris
                variants:
                  - name: AllTraffic
                    model: {{flavor: sklearn, path: {iris_model}}}
                data_capture:
                  enable_capture: true
                  sampling_percentage: 100
                  destination: ./capture
            """
        )
    )
    data = tmp_path / "data"
    log = tmp_path / "serve.log"
    args = ["--config", str(config), "--port", "0", "--data-dir", str(data), "--seed", "1"]
    process = subprocess.Popen(
        [sys.executable, "-m", "vigil.cli.main", "serve", *args, "--poll-seconds", "0.1"],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        url = _wait_for_url(process, log)
        with httpx.Client(base_url=url, timeout=30) as http:
            assert http.get("/ping").status_code == 200
            assert http.get("/healthz").json()["schema_revision"] == head_revision()
            for i in range(5):
                answer = http.post(
                    "/endpoints/iris/invocations",
                    content=IRIS_ROW,
                    headers={"content-type": "text/csv", "X-Amzn-SageMaker-Inference-Id": f"r{i}"},
                )
                assert answer.status_code == 200, answer.text
            listed = http.get("/api/v1/endpoints").json()["items"]
            assert [e["name"] for e in listed] == ["iris"]
            assert listed[0]["config"]["data_capture"]["destination"] == str(tmp_path / "capture")
            assert http.get("/api/v1/openapi.json").json()["info"]["title"] == "Vigil"
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    captured = [
        json.loads(line)
        for path in (tmp_path / "capture" / "iris" / "AllTraffic").rglob("*.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert sorted(r["eventMetadata"]["inferenceId"] for r in captured) == [
        f"r{i}" for i in range(5)
    ]
    messages = [line["message"] for line in _json_lines(log)]
    assert "scheduler started" in messages and "scheduler stopped" in messages
    with MetadataStore(f"sqlite:///{data / 'vigil.db'}") as store:  # created and migrated
        assert [e.name for e in store.endpoints.list().items] == ["iris"]


def test_vigil_serve_refuses_a_database_at_an_older_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0001")
    assert head_revision() != "0001"
    for command in ("serve", "api"):  # api: the deprecated alias
        done = _vigil(command, "--database-url", url, "--port", "0", cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert "vigil db upgrade" in done.stderr and "Traceback" not in done.stderr
    engine = create_engine(url)
    try:
        assert current_revision(engine) == "0001"  # refused, not migrated behind the user's back
    finally:
        engine.dispose()


def test_vigil_api_is_a_hidden_deprecated_alias_of_serve(tmp_path: Path) -> None:
    listed = _vigil("--help", cwd=tmp_path)
    assert listed.returncode == 0
    assert " serve " in listed.stdout and " api " not in listed.stdout
    alias = _vigil("api", "--help", cwd=tmp_path)
    assert alias.returncode == 0
    assert "--config" in alias.stdout and "--data-dir" in alias.stdout
    assert "deprecated" in alias.stdout.lower()
