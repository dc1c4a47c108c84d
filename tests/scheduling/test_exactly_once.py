"""Exactly once, with real processes: two scheduler processes on one database over many windows
run every window once; a scheduler killed mid-execution leaves no orphan, and its execution is
retried by another scheduler only after the lease expires.

The schedulers are ``vigil scheduler`` processes (the CLI command function), sharing a clock file
that the test advances. Each execution runs a post-analytics script that appends its schedule,
window and scheduler tag to a log: the log, not the database, is the evidence of how many times
each window really ran.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.scheduling.data import (
    ENDPOINT,
    evidence_script,
    make_baseline,
    sleeping_script,
    write_capture,
)

from vigil.api.resources import EndpointCreate, MonitoringScheduleSpec
from vigil.control import ControlPlane
from vigil.control.clock import FileClock, ManualClock
from vigil.storage.metadata import MetadataStore

T0 = datetime(2024, 5, 1, tzinfo=UTC)
SCHEDULER = "import typer; from vigil.cli.control import scheduler; typer.run(scheduler)"
TERMINAL = {"Completed", "CompletedWithViolations", "Failed", "Stopped"}


def _start(
    url: str, clock: Path, tag: str, log: Path, *, lease: float, workers: int = 2
) -> subprocess.Popen[bytes]:
    args = [
        "--database-url", url, "--clock-file", str(clock), "--name", tag,
        "--lease-seconds", str(lease), "--poll-seconds", "0.05",
        "--max-workers", str(workers), "--log-format", "json",
    ]  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-c", SCHEDULER, *args],
        env={**os.environ, "VIGIL_TEST_TAG": tag},
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        start_new_session=True,
    )


def _wait(predicate: Callable[[], bool], timeout: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in logs if p.exists())
            pytest.fail(f"timed out waiting for {what}\n{tails}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def _dead(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return True
    return state in {"Z", "X"}


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        _stop(process)


def _setup(root: Path, url: str, schedules: dict[str, str], script: Path) -> None:
    baseline = make_baseline(root)
    with MetadataStore(url) as store:
        control = ControlPlane(store, clock=ManualClock(T0))
        capture = {"destination": str(root / "capture")}
        control.create_endpoint(
            EndpointCreate.model_validate({"name": ENDPOINT, "config": {"data_capture": capture}})
        )
        for name, expression in schedules.items():
            control.create_monitoring_schedule(
                MonitoringScheduleSpec.model_validate(
                    {
                        "name": name,
                        "endpoint_input": {"endpoint_name": ENDPOINT},
                        "baseline": {
                            "statistics_url": str(baseline.statistics),
                            "constraints_url": str(baseline.constraints),
                        },
                        "output_url": str(root / "reports"),
                        "schedule_expression": expression,
                        "post_analytics_processor_script": str(script),
                        "max_runtime_seconds": 120,
                    }
                )
            )


def test_two_schedulers_run_every_window_exactly_once(
    tmp_path: Path, database_url: str, processes: list[subprocess.Popen[bytes]]
) -> None:
    evidence = tmp_path / "evidence.log"
    script = evidence_script(tmp_path / "evidence.py", evidence)
    schedules = {"every-10": "*/10 * * * *", "every-20": "*/20 * * * *", "hourly": "@hourly"}
    _setup(tmp_path, database_url, schedules, script)
    write_capture(tmp_path / "capture", T0, 2)
    clock = FileClock(tmp_path / "clock")
    clock.set(T0)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    processes.append(_start(database_url, clock.path, "a", logs[0], lease=5))
    processes.append(_start(database_url, clock.path, "b", logs[1], lease=5))
    _wait(
        lambda: all(p.exists() and "scheduler started" in p.read_text() for p in logs),
        60,
        "both schedulers to start",
        logs,
    )
    # two hours in ten-minute steps, while both schedulers plan and claim concurrently
    for _ in range(12):
        clock.advance(timedelta(minutes=10))
        time.sleep(0.15)
    expected = {
        (name, T0 + k * step - step)
        for name, step in (
            ("every-10", timedelta(minutes=10)),
            ("every-20", timedelta(minutes=20)),
            ("hourly", timedelta(hours=1)),
        )
        for k in range(1, int(timedelta(hours=2) / step) + 1)
    }
    assert len(expected) == 12 + 6 + 2

    with MetadataStore(database_url) as store:

        def finished() -> bool:
            items = store.executions.list(limit=1000).items
            return len(items) == len(expected) and all(e.status.value in TERMINAL for e in items)

        _wait(finished, 120, "every execution to finish", logs)
        executions = store.executions.list(limit=1000, ascending=True).items
    assert {(e.schedule_name, e.window_start) for e in executions} == expected
    assert all(e.status.value == "Completed" and e.attempts == 1 for e in executions), [
        (e.id, e.status, e.failure_reason) for e in executions if e.status.value != "Completed"
    ]
    runs = [line.split() for line in evidence.read_text().splitlines()]
    per_window = Counter((name, start) for name, start, _end, _tag in runs)
    assert len(runs) == len(expected) and set(per_window.values()) == {1}
    assert {
        (name, datetime.fromisoformat(start.replace("Z", "+00:00"))) for name, start, *_ in runs
    } == expected
    assert {tag for *_, tag in runs} == {"a", "b"}, "both schedulers should have taken work"


def test_a_killed_scheduler_leaves_no_orphan_and_its_window_is_retried_after_the_lease(
    tmp_path: Path, database_url: str, processes: list[subprocess.Popen[bytes]]
) -> None:
    marker, log = tmp_path / "marker", tmp_path / "runs.log"
    script = sleeping_script(tmp_path / "slow.py", marker, log)
    _setup(tmp_path, database_url, {"hourly": "@hourly"}, script)
    write_capture(tmp_path / "capture", T0, 1)
    clock = FileClock(tmp_path / "clock")
    clock.set(T0 + timedelta(hours=1, minutes=5))
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    lease = 3.0
    first = _start(database_url, clock.path, "a", logs[0], lease=lease)
    processes.append(first)
    _wait(marker.exists, 60, "the first attempt to start its analysis", logs)
    worker = int(marker.read_text())
    os.kill(first.pid, signal.SIGKILL)  # the scheduler process alone: its worker must follow
    first.wait(10)
    killed_at = datetime.now(UTC)
    _wait(lambda: _dead(worker), 10, "the orphaned worker to exit", logs)

    with MetadataStore(database_url) as store:
        [held] = store.executions.list().items
        assert held.status.value == "InProgress" and held.attempts == 1
        assert held.lease_expires_at is not None and held.lease_expires_at > killed_at
        processes.append(_start(database_url, clock.path, "b", logs[1], lease=lease))
        # nobody takes it while the dead scheduler's lease still runs
        while datetime.now(UTC) < held.lease_expires_at - timedelta(seconds=0.5):
            current = store.executions.get(held.id)
            assert current.attempts == 1, "re-claimed before the lease expired"
            time.sleep(0.1)
        _wait(
            lambda: store.executions.get(held.id).status.value in TERMINAL,
            60,
            "the retry to finish",
            logs,
        )
        final = store.executions.get(held.id)
    assert final.status.value == "Completed", final.failure_reason
    assert final.attempts == 2
    assert log.read_text().splitlines() == ["2024-05-01T00:00:00Z"]  # the analysis finished once
