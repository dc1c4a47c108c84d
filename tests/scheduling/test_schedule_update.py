"""UpdateMonitoringSchedule through the library on SQLite and PostgreSQL: a new expression or new
offsets take effect from the last scheduled time, no nominal time and no window is planned
twice, executions already planned keep their definition, and bad updates name the field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from tests.scheduling.data import ENDPOINT, write_capture
from tests.scheduling.world import HOUR, T0, World, open_world

from vigil.api.resources import MonitoringScheduleSpec
from vigil.errors import InvalidParameterError
from vigil.scheduling.scheduler import SchedulerConfig
from vigil.storage.metadata import ResourceNotFoundError


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[World]:
    write_capture(tmp_path / "capture", T0, 8)
    config = SchedulerConfig(poll_seconds=0.02, lease_seconds=10, max_workers=2)
    with open_world(tmp_path, database_url, config) as opened:
        yield opened


def test_a_new_expression_and_offsets_apply_from_the_last_scheduled_time(world: World) -> None:
    world.control.create_monitoring_schedule(world.spec())
    world.clock.advance(3 * HOUR)  # 03:30
    world.scheduler.run_until_idle()
    assert world.windows() == [
        (T0 + h * HOUR, T0 + (h - 1) * HOUR, T0 + h * HOUR) for h in (1, 2, 3)
    ]

    updated = world.control.update_monitoring_schedule(
        "hourly",
        world.spec(
            schedule_expression="cron(0 0/2 ? * * *)",
            data_analysis_start_time="-PT2H",
            data_analysis_end_time="-PT0H",
        ),
    )
    assert updated.schedule_expression == "cron(0 0/2 ? * * *)"
    assert updated.status == "Scheduled" and updated.last_scheduled_time == T0 + 3 * HOUR
    assert updated.next_scheduled_time == T0 + 4 * HOUR
    assert updated.last_modified_time == T0 + 3 * HOUR + timedelta(minutes=30)
    world.clock.advance(3 * HOUR)  # 06:30
    world.scheduler.run_until_idle()
    assert world.windows()[3:] == [
        (T0 + 4 * HOUR, T0 + 2 * HOUR, T0 + 4 * HOUR),
        (T0 + 6 * HOUR, T0 + 4 * HOUR, T0 + 6 * HOUR),
    ]
    executions = world.executions()
    assert all(e.status == "Completed" and e.attempts == 1 for e in executions)
    assert [e.records for e in executions] == [12, 12, 12, 24, 24]
    world.scheduler.run_until_idle()
    assert len(world.executions()) == 5


def test_a_window_already_planned_is_not_planned_again(world: World) -> None:
    world.control.create_monitoring_schedule(world.spec())
    world.clock.advance(2 * HOUR)  # 02:30: windows [00, 01) and [01, 02)
    world.scheduler.run_until_idle()
    # from now on each run looks one hour further back: 03:00 would analyse [01, 02) again
    world.control.update_monitoring_schedule(
        "hourly", world.spec(data_analysis_start_time="-PT2H", data_analysis_end_time="-PT1H")
    )
    world.clock.advance(2 * HOUR)  # 04:30
    world.scheduler.run_until_idle()
    windows = [(start, end) for _, start, end in world.windows()]
    assert windows == [(T0 + h * HOUR, T0 + (h + 1) * HOUR) for h in range(3)]
    assert world.windows()[-1][0] == T0 + 4 * HOUR
    assert all(e.status == "Completed" for e in world.executions())


def test_executions_already_planned_keep_their_definition(world: World) -> None:
    world.control.create_monitoring_schedule(world.spec())
    world.clock.advance(HOUR)  # 01:30
    assert world.scheduler.plan() == 1  # planned, not yet run
    new_output = world.root / "reports-v2"
    world.control.update_monitoring_schedule("hourly", world.spec(output_url=str(new_output)))
    world.clock.advance(HOUR)  # 02:30
    world.scheduler.run_until_idle()
    first, second = world.executions()
    assert first.output_url == str(world.root / "reports" / ENDPOINT / "hourly" / "2024/05/01/01")
    assert second.output_url == str(new_output / ENDPOINT / "hourly" / "2024/05/01/02")
    assert (Path(second.output_url) / "statistics.json").exists()


def test_update_keeps_a_stopped_schedule_stopped(world: World) -> None:
    world.control.create_monitoring_schedule(world.spec())
    world.control.stop_monitoring_schedule("hourly")
    updated = world.control.update_monitoring_schedule(
        "hourly", world.spec(schedule_expression="@daily")
    )
    assert updated.status == "Stopped" and updated.schedule_expression == "@daily"
    world.clock.advance(timedelta(days=2))
    world.scheduler.run_until_idle()
    assert world.executions() == []


def test_bad_updates_name_the_field(world: World) -> None:
    world.control.create_monitoring_schedule(world.spec())
    cases: list[tuple[str, MonitoringScheduleSpec, str]] = [
        ("hourly", world.spec(name="other"), "name"),
        (
            "hourly",
            world.spec(
                monitoring_type="ModelQuality",
                baseline={"constraints_url": str(world.baseline.constraints)},
                model_quality={"problem_type": "Regression"},
            ),
            "monitoring_type",
        ),
        (
            "hourly",
            world.spec(
                baseline={
                    "statistics_url": str(world.baseline.constraints),
                    "constraints_url": str(world.baseline.constraints),
                }
            ),
            "baseline.statistics_url",
        ),
        (
            "hourly",
            world.spec(endpoint_input={"endpoint_name": "ghost"}),
            "endpoint_input.endpoint_name",
        ),
    ]
    for name, spec, field in cases:
        with pytest.raises(InvalidParameterError) as caught:
            world.control.update_monitoring_schedule(name, spec)
        assert caught.value.field == field, caught.value
    with pytest.raises(ResourceNotFoundError):
        world.control.update_monitoring_schedule("ghost", world.spec(name="ghost"))
    # nothing changed
    assert world.control.describe_monitoring_schedule("hourly").schedule_expression == (
        "cron(0 * ? * * *)"
    )
