"""The scheduler in this process with an injected clock, on SQLite and PostgreSQL: windows,
statuses, catch-up, offsets, one-time schedules, max runtime, stop, run-now. Executions run in
real worker processes on real capture files."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.scheduling.data import ENDPOINT, sleeping_script, write_capture
from tests.scheduling.world import HOUR, T0, World, open_world

from vigil.api.resources import (
    RunNowRequest,
)
from vigil.errors import InvalidParameterError
from vigil.scheduling.scheduler import Scheduler, SchedulerConfig


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[World]:
    config = SchedulerConfig(poll_seconds=0.02, lease_seconds=5, stop_grace_seconds=2)
    with open_world(tmp_path, database_url, config) as opened:
        yield opened


def test_an_hourly_schedule_runs_each_hour_once_with_the_previous_hour_as_window(
    world: World,
) -> None:
    write_capture(world.root / "capture", T0, 3)
    created = world.control.create_monitoring_schedule(world.spec())
    assert created.status == "Pending" and created.next_scheduled_time == T0 + HOUR
    world.scheduler.run_until_idle()
    assert world.control.describe_monitoring_schedule("hourly").status == "Scheduled"
    assert world.executions() == []  # nothing is due before 01:00
    world.clock.advance(3 * HOUR)
    world.scheduler.run_until_idle()
    executions = world.executions()
    assert [(e.window_start, e.window_end, e.scheduled_time) for e in executions] == [
        (T0 + h * HOUR, T0 + (h + 1) * HOUR, T0 + (h + 1) * HOUR) for h in range(3)
    ]
    for e in executions:
        assert e.status == "Completed", e.failure_reason
        assert e.trigger == "Scheduled" and e.attempts == 1 and e.records == 12
        assert e.exit_message == "Completed: Job completed successfully with no violations."
        hour = e.scheduled_time
        expected = world.root / "reports" / ENDPOINT / "hourly" / f"{hour:%Y/%m/%d/%H}"
        assert e.output_url == str(expected)
        violations = json.loads((expected / "constraint_violations.json").read_text())
        assert violations == {"violations": []}
    # ticking again plans nothing new
    world.scheduler.run_until_idle()
    assert len(world.executions()) == 3


def test_a_window_without_traffic_fails_with_a_reason_naming_it(world: World) -> None:
    world.control.create_monitoring_schedule(world.spec())
    world.clock.advance(HOUR)
    world.scheduler.run_until_idle()
    [e] = world.executions()
    assert e.status == "Failed"
    assert "no captured records between 2024-05-01T00:00:00Z and 2024-05-01T01:00:00Z" in (
        e.failure_reason or ""
    )


def test_downtime_is_caught_up_oldest_first_up_to_the_limit(world: World) -> None:
    world.scheduler = Scheduler(
        world.store,
        clock=world.clock,
        config=SchedulerConfig(catch_up_limit=4, poll_seconds=0.02),
    )
    world.control.create_monitoring_schedule(world.spec())
    world.clock.advance(30 * HOUR)  # the scheduler was down
    assert world.scheduler.plan() == 4
    planned = [e.scheduled_time for e in world.executions()]
    assert planned == [T0 + h * HOUR for h in range(27, 31)]
    assert (
        world.control.describe_monitoring_schedule("hourly").next_scheduled_time == T0 + 31 * HOUR
    )


def test_sub_hour_schedules_offsets_and_one_time_schedules(world: World) -> None:
    world.control.create_monitoring_schedule(world.spec("q", schedule_expression="*/15 * * * *"))
    world.control.create_monitoring_schedule(
        world.spec(
            "shifted",
            data_analysis_start_time="-PT3H",
            data_analysis_end_time="-PT1H",
        )
    )
    world.control.create_monitoring_schedule(
        world.spec(
            "once",
            schedule_expression="NOW",
            data_analysis_start_time="-PT6H",
            data_analysis_end_time="-PT0H",
        )
    )
    start = world.clock.now()
    world.clock.advance(HOUR)
    world.scheduler.plan()
    quarter = [(e.window_start, e.window_end) for e in world.executions("q")]
    assert quarter == [
        (T0 + timedelta(minutes=m), T0 + timedelta(minutes=m + 15)) for m in (30, 45, 60, 75)
    ]
    [shifted] = world.executions("shifted")
    assert (shifted.window_start, shifted.window_end) == (T0 - 2 * HOUR, T0)
    [once] = world.executions("once")
    assert (once.window_start, once.window_end, once.scheduled_time) == (
        start - 6 * HOUR,
        start,
        start,
    )
    world.clock.advance(5 * HOUR)
    world.scheduler.plan()
    assert len(world.executions("once")) == 1
    assert world.control.describe_monitoring_schedule("once").next_scheduled_time is None


def test_a_schedule_whose_baseline_vanished_fails_when_a_scheduler_takes_it(world: World) -> None:
    world.control.create_monitoring_schedule(world.spec())
    world.baseline.statistics.unlink()
    world.scheduler.plan()
    schedule = world.control.describe_monitoring_schedule("hourly")
    assert schedule.status == "Failed"
    assert "baseline.statistics_url" in (schedule.failure_reason or "")


def test_max_runtime_stops_an_execution(world: World) -> None:
    write_capture(world.root / "capture", T0, 1)
    script = sleeping_script(world.root / "slow.py", world.root / "marker", world.root / "log")
    world.control.create_monitoring_schedule(
        world.spec(max_runtime_seconds=1, post_analytics_processor_script=str(script))
    )
    world.clock.advance(HOUR)
    started = time.monotonic()
    world.scheduler.run_until_idle(timeout=30)
    [e] = world.executions()
    assert e.status == "Stopped"
    assert "maximum runtime of 1 s" in (e.exit_message or "")
    assert "MaxRuntimeExceeded" in (e.failure_reason or "")
    assert time.monotonic() - started < 15


def test_stopping_a_running_execution(world: World) -> None:
    write_capture(world.root / "capture", T0, 1)
    marker = world.root / "marker"
    script = sleeping_script(world.root / "slow.py", marker, world.root / "log")
    world.control.create_monitoring_schedule(
        world.spec(post_analytics_processor_script=str(script))
    )
    world.clock.advance(HOUR)
    deadline = time.monotonic() + 30
    while not marker.exists():
        world.scheduler.tick()
        assert time.monotonic() < deadline, "the execution never started"
        time.sleep(0.02)
    [e] = world.executions()
    assert e.status == "InProgress"
    assert world.control.stop_monitoring_execution(e.execution_id).status == "Stopping"
    world.scheduler.run_until_idle(timeout=30)
    final = world.control.describe_monitoring_execution(e.execution_id)
    assert final.status == "Stopped" and final.exit_message == "Stopped: stopped by a user."
    assert not (world.root / "log").exists()  # the analysis never finished


def test_run_now_on_an_explicit_window_writes_beside_the_scheduled_outputs(world: World) -> None:
    write_capture(world.root / "capture", T0, 2)
    world.control.create_monitoring_schedule(world.spec())
    world.control.stop_monitoring_schedule("hourly")  # run-now works on a stopped schedule too
    request = RunNowRequest(window_start=T0, window_end=T0 + 2 * HOUR)
    pending = world.control.run_monitoring_schedule("hourly", request)
    assert pending.status == "Pending" and pending.trigger == "Manual"
    world.clock.advance(3 * HOUR)
    world.scheduler.run_until_idle()
    [e] = world.executions()
    assert e.execution_id == pending.execution_id
    assert e.status == "Completed" and e.records == 24
    assert (e.window_start, e.window_end) == (T0, T0 + 2 * HOUR)
    assert (e.output_url or "").endswith(f"/2024/05/01/00/manual-{e.execution_id}")
    assert (Path(e.output_url or "") / "statistics.json").exists()


def test_schedule_validation_names_the_field(world: World) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"endpoint_input": {"endpoint_name": "nope"}}, "endpoint_input.endpoint_name"),
        (
            {
                "baseline": {
                    "statistics_url": str(world.root / "x.json"),
                    "constraints_url": str(world.baseline.constraints),
                }
            },
            "baseline.statistics_url",
        ),
        (
            {
                "baseline": {
                    "statistics_url": str(world.baseline.dataset),
                    "constraints_url": str(world.baseline.constraints),
                }
            },
            "baseline.statistics_url",
        ),
        (
            {"post_analytics_processor_script": str(world.root / "none.py")},
            "post_analytics_processor_script",
        ),
    ]
    for overrides, field in cases:
        with pytest.raises(InvalidParameterError) as caught:
            world.control.create_monitoring_schedule(world.spec(**overrides))
        assert caught.value.field == field


def test_a_slow_schedule_never_holds_up_another(world: World) -> None:
    write_capture(world.root / "capture", T0, 3)
    marker = world.root / "marker"
    slow = sleeping_script(world.root / "slow.py", marker, world.root / "log", seconds=30)
    world.control.create_monitoring_schedule(
        world.spec("slow", post_analytics_processor_script=str(slow))
    )
    world.control.create_monitoring_schedule(world.spec("fast"))
    world.clock.advance(3 * HOUR)  # three windows each, the slow one's oldest first in line
    deadline = time.monotonic() + 60
    while len([e for e in world.executions("fast") if e.status == "Completed"]) < 3:
        world.scheduler.tick()
        assert time.monotonic() < deadline, [
            (e.schedule_name, e.status) for e in world.executions()
        ]
        time.sleep(0.02)
    slow_runs = world.executions("slow")
    assert [e.status for e in slow_runs] == ["InProgress", "Pending", "Pending"]
    world.control.stop_monitoring_execution(slow_runs[0].execution_id)


def test_a_dataset_schedule_monitors_the_same_url_at_every_run(world: World) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        world.control.create_monitoring_schedule(
            world.spec("batch", endpoint_input=None, dataset_input={"dataset_url": str(world.root)})
        )
    assert caught.value.field == "dataset_input.dataset_format"
    created = world.control.create_monitoring_schedule(
        world.spec(
            "batch",
            endpoint_input=None,
            dataset_input={"dataset_url": str(world.baseline.dataset)},
            schedule_expression="@daily",
        )
    )
    assert created.dataset_input is not None and created.dataset_input.dataset_format == "csv"
    world.clock.advance(timedelta(days=1))
    world.scheduler.run_until_idle()
    [e] = world.executions("batch")
    assert e.status == "Completed" and e.rows == 300 and e.endpoint_name is None
    assert (e.window_start, e.window_end) == (T0, T0 + timedelta(days=1))
    assert e.output_url == str(world.root / "reports" / "batch" / "2024" / "05" / "02" / "00")
