"""Command deliveries: real processes, the event on stdin, no shell, timeouts, exit statuses."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vigil.alerting.actions.command import CommandTarget, run_command
from vigil.alerting.actions.delivery import DeliveryStatus, RetryPolicy
from vigil.alerting.events import Event
from vigil.errors import InvalidParameterError

EVENT = Event(
    "Vigil Violation Report", "vigil.monitoring",
    {"ViolationCount": 2, "Violations": [{"feature_name": "age"}]},
    datetime(2026, 12, 7, 10, 5, 12, tzinfo=UTC), "0d0e6bd7-5a43-4b1f-8e3f-3f2a4f3a9e11",
)  # fmt: skip


def _python(code: str, *args: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code, *args)


def test_event_json_on_stdin_and_stdout_recorded() -> None:
    code = (
        "import json, os, sys; e = json.load(sys.stdin); "
        "print(e['detail-type'], e['detail']['ViolationCount'], os.environ['VIGIL_EVENT_ID'])"
    )
    result = run_command(CommandTarget(_python(code)), EVENT)
    assert result.status is DeliveryStatus.DELIVERED
    assert result.detail["exitStatus"] == 0 and result.detail["timedOut"] is False
    assert result.detail["stdout"] == f"Vigil Violation Report 2 {EVENT.id}\n"
    assert result.detail["stderr"] == ""
    assert [a.outcome for a in result.attempts] == ["exit 0"]


def test_non_zero_exit_is_recorded_with_stderr() -> None:
    code = "import sys; sys.stderr.write('disk full\\n'); sys.exit(3)"
    result = run_command(CommandTarget(_python(code)), EVENT)
    assert result.status is DeliveryStatus.DEAD_LETTER
    assert result.detail["exitStatus"] == 3
    assert result.detail["stderr"] == "disk full\n"
    assert result.error == "exit status 3 (gave up after 1 attempts)"
    waits: list[float] = []
    retried = run_command(
        CommandTarget(_python(code), retry=RetryPolicy(max_attempts=3)), EVENT, sleep=waits.append
    )
    assert len(retried.attempts) == 3 and len(waits) == 2


def test_timeout_kills_the_process_and_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    code = (
        "import subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(pid_file)!r}, 'w').write(str(child.pid)); "
        "time.sleep(60)"
    )
    started = time.monotonic()
    result = run_command(CommandTarget(_python(code), timeout=1.0), EVENT)
    elapsed = time.monotonic() - started
    assert result.status is DeliveryStatus.DEAD_LETTER
    assert result.detail["timedOut"] is True
    assert result.detail["exitStatus"] < 0  # killed by a signal
    assert result.error == "timed out after 1 s (gave up after 1 attempts)"
    assert elapsed < 5.0
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[1][0] != "Z"


def test_no_shell_interprets_the_arguments() -> None:
    hostile = "$(echo injected); echo injected > /dev/null `id`"
    result = run_command(CommandTarget(_python("import sys; print(sys.argv[1])", hostile)), EVENT)
    assert result.detail["stdout"] == hostile + "\n"


def test_output_is_truncated_and_a_big_event_does_not_block() -> None:
    big = Event("Big", "vigil.test", {"blob": "x" * 2_000_000}, EVENT.time, EVENT.id)
    code = "import sys; sys.stdout.write('y' * 100000)"  # never reads stdin
    result = run_command(CommandTarget(_python(code), max_output_bytes=1000, timeout=20), big)
    assert result.status is DeliveryStatus.DELIVERED
    assert result.detail["stdout"] == "y" * 1000
    assert result.detail["stdoutTruncated"] is True and result.detail["stderrTruncated"] is False


def test_environment_is_not_inherited_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_PASSWORD", "hunter2")
    code = "import json, os; print(json.dumps(sorted(os.environ)))"
    names = json.loads(run_command(CommandTarget(_python(code)), EVENT).detail["stdout"])
    assert "VIGIL_DATABASE_PASSWORD" not in names
    assert {"VIGIL_EVENT_ID", "VIGIL_DETAIL_TYPE"} <= set(names)
    given = run_command(CommandTarget(_python(code), env={"ONLY": "1"}), EVENT).detail["stdout"]
    assert set(json.loads(given)) <= {"ONLY", "VIGIL_EVENT_ID", "VIGIL_DETAIL_TYPE", "LC_CTYPE"}


def test_a_missing_program_is_final() -> None:
    result = run_command(
        CommandTarget(("/nonexistent/vigil-hook",), retry=RetryPolicy(max_attempts=3)), EVENT
    )
    assert result.status is DeliveryStatus.DEAD_LETTER and len(result.attempts) == 1
    assert "FileNotFoundError" in (result.error or "")


def test_target_validation() -> None:
    with pytest.raises(InvalidParameterError, match="not one string"):
        CommandTarget("notify-send alarm")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="non-empty list"):
        CommandTarget(())
    with pytest.raises(InvalidParameterError, match="timeout"):
        CommandTarget(("true",), timeout=0)
