"""``vigil serve`` as a user runs it: a real subprocess, SIGTERM under load, the config file.

(The one service as a whole, API included, is tested in ``tests/cli/test_serve_service.py``.)"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import typer
from tests.serving.conftest import free_port, read_capture_batches, read_captured
from typer.testing import CliRunner

from vigil.cli.serve import serve
from vigil.errors import DatasetNotFoundError, DocumentError
from vigil.serving.config import load_config
from vigil.storage.metadata import MetadataStore


def _write_config(tmp_path: Path, code_dir: Path) -> Path:
    config = tmp_path / "endpoints.yaml"
    config.write_text(
        textwrap.dedent(
            f"""
            endpoints:
              - name: load
                variants:
                  - name: AllTraffic
                    model:
                      flavor: python
                      entry_point: vigil_test_models:predict
                      code_dir: {code_dir}
                    initial_weight: 1.0
                shadow_variant: null
                data_capture:
                  enable_capture: true
                  sampling_percentage: 100
                  destination: ./capture
                  capture_options: [Input, Output]
                  csv_content_types: [text/csv]
                  json_content_types: [application/json]
            capture_writer:
              flush_interval_seconds: 0.5
            """
        )
    )
    return config


async def _load(url: str, proc: subprocess.Popen[bytes], total: int, kill_after: int) -> list[str]:
    """Send up to ``total`` requests from 16 workers; SIGTERM once ``kill_after`` are answered.

    Returns the inference ids of the requests answered 200.
    """
    answered: list[str] = []
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=16)

    async def worker(client: httpx.AsyncClient) -> None:
        for i in counter:
            try:
                r = await client.post(
                    "/endpoints/load/invocations",
                    content=f"{i},{i}".encode(),
                    headers={"content-type": "text/csv", "X-Amzn-SageMaker-Inference-Id": f"r{i}"},
                )
            except httpx.HTTPError:
                return  # the server is shutting down: this request was not answered
            if r.status_code == 200:
                answered.append(f"r{i}")
                if len(answered) == kill_after:
                    proc.send_signal(signal.SIGTERM)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(16)))
    return answered


def test_sigterm_under_load_every_answered_request_is_captured(
    tmp_path: Path, code_dir: Path
) -> None:
    config = _write_config(tmp_path, code_dir)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "VIGIL_DEBUG"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vigil.cli.serve",
            "--config",
            str(config),
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--seed",
            "3",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/ping", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.communicate()[1].decode()
            assert time.monotonic() < deadline, "vigil serve did not start"
            time.sleep(0.05)
        answered = asyncio.run(_load(url, proc, total=5000, kill_after=600))
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr.decode()
    assert 600 <= len(answered) < 5000  # the server stopped under load
    root = str(tmp_path / "capture")
    records = read_captured(root, "load", "AllTraffic")
    assert len(records) == len(answered)
    assert sorted(r["eventMetadata"]["inferenceId"] for r in records) == sorted(answered)
    batches = read_capture_batches(root, "load", "AllTraffic")
    assert sum(b.malformed.count for b in batches) == 0
    assert sum(b.table.num_rows for b in batches) == len(answered)


def test_config_file_errors_name_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "endpoints:\n  - name: e\n    variants:\n      - name: V\n"
        "        model: {flavor: sklearn, path: m.joblib, colour: red}\n"
    )
    with pytest.raises(DocumentError) as info:
        load_config(bad)
    assert info.value.field == "endpoints[0].variants[0].model.colour"
    assert str(bad) in str(info.value)
    wrong_type = tmp_path / "wrong.json"
    wrong_type.write_text(
        '{"endpoints": [{"name": "e", "variants": [{"name": "V", "model": '
        '{"flavor": "python", "entry_point": "m:f"}}], '
        '"data_capture": {"enable_capture": "yes", "destination": "x"}}]}'
    )
    with pytest.raises(DocumentError) as info:
        load_config(wrong_type)
    assert info.value.field == "endpoints[0].data_capture.enable_capture"
    with pytest.raises(DatasetNotFoundError):
        load_config(tmp_path / "missing.yaml")
    not_yaml = tmp_path / "broken.yaml"
    not_yaml.write_text("endpoints: [\n")
    with pytest.raises(DocumentError):
        load_config(not_yaml)


def test_config_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "c.yaml").write_text(
        "endpoints:\n  - name: e\n    variants:\n      - name: V\n"
        "        model: {flavor: sklearn, path: models/m.joblib}\n"
        "    data_capture: {enable_capture: true, destination: ./cap}\n"
        "ground_truth: {destination: s3://bucket/gt}\n"
    )
    cfg = load_config(folder / "c.yaml")
    model = cfg.endpoints[0].variants[0].model
    assert getattr(model, "path") == str(folder / "models" / "m.joblib")  # noqa: B009
    assert cfg.endpoints[0].data_capture.destination == str(folder / "cap")
    assert cfg.endpoints[0].data_capture.sampling_percentage == 20.0
    assert cfg.ground_truth is not None and cfg.ground_truth.destination == "s3://bucket/gt"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """``vigil serve`` configures the root logger (as a process would); undo it afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_serve_command_refuses_a_bad_config_before_listening(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(serve)
    data = ["--data-dir", str(tmp_path / "data")]
    bad = tmp_path / "bad.yaml"
    bad.write_text("endpoints:\n  - name: e\n    variants: []\n")
    result = CliRunner().invoke(app, ["--config", str(bad), "--port", str(free_port()), *data])
    assert isinstance(result.exception, DocumentError)
    assert result.exception.field == "endpoints[0].variants"
    assert not (tmp_path / "data").exists()  # refused before the database is created
    missing_model = tmp_path / "missing-model.yaml"
    missing_model.write_text(
        "endpoints:\n  - name: e\n    variants:\n      - name: V\n"
        "        model: {flavor: sklearn, path: nowhere.joblib}\n"
    )
    result = CliRunner().invoke(app, ["--config", str(missing_model), *data])
    assert isinstance(result.exception, DatasetNotFoundError)
    with MetadataStore(f"sqlite:///{tmp_path / 'data' / 'vigil.db'}") as store:
        assert store.endpoints.list().items == []  # nothing stored
