"""One spec, one template: a schedule does what ``vigil monitor run`` does, byte for byte, and an
execution publishes its files once (issues 13 and 12.4)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cli.runner import Cli, cli
from tests.scheduling.data import ENDPOINT, write_capture
from tests.scheduling.world import HOUR, T0, World, open_world

from vigil.jobs.execution import JobRun
from vigil.jobs.monitors import run_monitoring_job
from vigil.jobs.outputs import MANIFEST_FILE, read_manifest
from vigil.scheduling.scheduler import SchedulerConfig

__all__ = ["cli"]  # the fixture


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[World]:
    config = SchedulerConfig(poll_seconds=0.02, lease_seconds=5, stop_grace_seconds=2)
    with open_world(tmp_path, database_url, config) as opened:
        yield opened


def _files(folder: Path) -> dict[str, bytes]:
    """A run's files, without its manifest (which names the run's own attempt)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST_FILE
    }


def test_a_schedule_writes_what_monitor_run_writes_for_the_same_spec(
    world: World, cli: Cli
) -> None:
    write_capture(world.root / "capture", T0, 1)
    options = {  # the options the schedule and the command share, beyond the defaults
        "--drift-method": "psi",
        "--categorical-drift-method": "jensen_shannon",
        "--feature-drift-method": "age=ks",
        "--workers": "2",
        "--max-malformed-fraction": "0.2",
    }
    spec = world.spec(
        "tuned",
        data_quality={
            "drift_method": "psi",
            "categorical_drift_method": "jensen_shannon",
            "feature_drift_methods": {"age": "ks"},
        },
        workers=2,
        max_malformed_fraction=0.2,
    )
    world.control.create_monitoring_schedule(spec)
    world.clock.advance(HOUR)
    world.scheduler.run_until_idle()
    [execution] = world.executions("tuned")
    assert execution.status == "CompletedWithViolations", execution.failure_reason  # psi
    scheduled = Path(execution.output_url or "")

    args = [
        "monitor", "run", "--endpoint", ENDPOINT, "--capture-root", str(world.root / "capture"),
        "--baseline-statistics", str(world.baseline.statistics),
        "--baseline-constraints", str(world.baseline.constraints),
        "--output", str(world.root / "cli"), "--schedule", "tuned",
        "--start", f"{T0:%Y-%m-%dT%H:%M:%SZ}", "--end", f"{T0 + HOUR:%Y-%m-%dT%H:%M:%SZ}",
        "--now", f"{T0 + HOUR:%Y-%m-%dT%H:%M:%SZ}",
        *[part for flag, value in options.items() for part in (flag, value)],
    ]  # fmt: skip
    done = cli(*args)
    assert done.code == 3, done.stdout + done.stderr  # the same violations
    by_hand = world.root / "cli" / ENDPOINT / "tuned" / f"{T0 + HOUR:%Y/%m/%d/%H}"
    files = _files(scheduled)
    assert set(files) == {
        "statistics.json", "constraint_violations.json", "constraints.json",
        "metrics/cloudwatch_metrics.jsonl", "report.html",
    }  # fmt: skip
    assert files == _files(by_hand)
    metrics = files["metrics/cloudwatch_metrics.jsonl"].decode()
    assert "feature_baseline_drift_age" in metrics


def test_a_retry_adopts_the_published_outcome_and_reruns_only_post_analytics(
    world: World, tmp_path: Path
) -> None:
    """A worker that died after publishing: the retry neither analyses again nor rewrites."""
    write_capture(world.root / "capture", T0, 1)
    log = tmp_path / "post.log"
    script = tmp_path / "post.py"
    script.write_text(
        "import os\n"
        "def postprocess_handler():\n"
        f"    with open({str(log)!r}, 'a') as f:\n"
        "        f.write(os.environ['vigil_attempt_id'] + '\\n')\n"
    )
    spec = world.spec("retried", post_analytics_processor_script=str(script)).job()
    resolved = spec.model_copy(
        update={
            "endpoint_input": spec.endpoint_input.model_copy(  # type: ignore[union-attr]
                update={"capture_root": str(world.root / "capture")}
            )
        }
    )
    out = world.root / "reports" / "retried"

    def attempt(n: int) -> dict[str, object]:
        run = JobRun(
            spec=resolved,
            window=(T0, T0 + HOUR),
            scheduled_time=T0 + HOUR,
            now=T0 + HOUR,
            output_url=str(out),
            schedule="retried",
            execution="retried/7",
            attempt=f"7-{n}",
        )
        return run_monitoring_job(run).outcome(str(out))

    first = attempt(1)
    assert first["status"] == "Completed" and first["records"] == 12
    manifest = read_manifest(str(out))
    assert manifest is not None and manifest.attempt == "7-1"
    assert manifest.post_analytics == {"attempt": "7-1"}
    written = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.name != MANIFEST_FILE}
    # the worker died after publishing, before post-analytics was recorded: forget it ran
    document = json.loads((out / MANIFEST_FILE).read_text())
    document["post_analytics"] = None
    (out / MANIFEST_FILE).write_text(json.dumps(document))
    (world.root / "capture").rename(world.root / "capture-gone")  # analysing again would fail
    second = attempt(2)
    assert second == first
    assert {p: p.stat().st_mtime_ns for p in written} == written  # nothing rewritten
    assert log.read_text().split() == ["7-1", "7-2"]  # post-analytics: at least once
    third = attempt(3)
    assert third == first and log.read_text().split() == ["7-1", "7-2"]
    assert not any(p.name.startswith(".attempt") for p in out.iterdir())
