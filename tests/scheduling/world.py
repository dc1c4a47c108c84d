"""A scheduler world for the tests: a metadata store, an endpoint, a baseline and a scheduler
on an injected clock, plus helpers to write schedule specs and read executions back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.scheduling.data import ENDPOINT, Baseline, make_baseline

from vigil.api.resources import EndpointCreate, MonitoringExecution, MonitoringScheduleSpec
from vigil.control import ControlPlane
from vigil.control.clock import ManualClock
from vigil.scheduling.scheduler import Scheduler, SchedulerConfig
from vigil.storage.metadata import MetadataStore

T0 = datetime(2024, 5, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


@dataclass
class World:
    root: Path
    baseline: Baseline
    clock: ManualClock
    store: MetadataStore
    control: ControlPlane
    scheduler: Scheduler

    def spec(self, name: str = "hourly", **overrides: Any) -> MonitoringScheduleSpec:
        """An hourly DataQuality schedule of the endpoint's capture, with ``overrides``."""
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

    def executions(self, schedule: str | None = None) -> list[MonitoringExecution]:
        """Executions, oldest first (of one schedule, or all)."""
        return self.control.list_monitoring_executions(schedule_name=schedule, ascending=True).items

    def windows(self, schedule: str | None = None) -> list[tuple[datetime, datetime, datetime]]:
        """(scheduled time, window start, window end) of each execution, oldest first."""
        return [(e.scheduled_time, e.window_start, e.window_end) for e in self.executions(schedule)]


@contextlib.contextmanager
def open_world(root: Path, database_url: str, config: SchedulerConfig) -> Iterator[World]:
    """A world under ``root`` whose clock starts at ``T0`` + 30 min; the endpoint captures to
    ``root/capture`` (empty). The scheduler is shut down on exit."""
    baseline = make_baseline(root)
    clock = ManualClock(T0 + timedelta(minutes=30))
    with MetadataStore(database_url) as store:
        control = ControlPlane(store, clock=clock)
        config_doc = {"data_capture": {"destination": str(root / "capture")}}
        control.create_endpoint(
            EndpointCreate.model_validate({"name": ENDPOINT, "config": config_doc})
        )
        scheduler = Scheduler(store, clock=clock, config=config, name="test")
        try:
            yield World(root, baseline, clock, store, control, scheduler)
        finally:
            scheduler.shutdown()
