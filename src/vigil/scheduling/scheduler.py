"""The scheduler: plans windows, claims executions under leases, runs them in worker processes.

One :meth:`Scheduler.tick`:

1. **Supervise** the worker processes this scheduler started: record the outcome of those that
   finished, stop those past their ``max_runtime_seconds`` (Stopped) or asked to stop by a user
   (Stopping → Stopped), renew the leases of the others every third of the lease, and give back
   (Pending again) executions whose worker died without an outcome.
2. **Plan**: for each schedule whose next nominal time has come, insert one Pending execution
   per due window (oldest first; at most ``catch_up_limit`` missed windows after a downtime,
   the most recent ones) and move its cursor. Pending schedules become Scheduled (or Failed if
   their baseline can no longer be read).
3. **Reap** executions whose lease expired while Stopping (→ Stopped) or after
   ``max_attempts`` attempts (→ Failed).
4. **Claim** due executions for the free worker slots (Pending, or InProgress with an expired
   lease: their scheduler died) and start a worker process for each.

Any number of schedulers can share one database: the unique ``(schedule, window)`` constraint
makes planning idempotent and the claim protocol of
:class:`~vigil.storage.metadata.executions.ExecutionRepository` gives each execution to one
worker at a time, fencing every write with the lease token. See ``tests/scheduling``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from vigil.api.expressions import ScheduleExpression
from vigil.control import (
    check_spec_version,
    execution_output_url,
    offsets,
    resolve_spec,
    validate_schedule_baseline,
)
from vigil.control.clock import Clock, SystemClock
from vigil.errors import InvalidParameterError, VigilError
from vigil.scheduling.executor import ExecutionPayload, noop, worker_main
from vigil.storage.metadata import (
    ExecutionRecord,
    ExecutionResult,
    MetadataStore,
    MonitoringExecutionStatus,
    MonitoringScheduleStatus,
    PlannedWindow,
    ScheduleRecord,
)

__all__ = ["Scheduler", "SchedulerConfig"]

_log = logging.getLogger(__name__)
_S = MonitoringExecutionStatus

PRELOAD = (
    "vigil.scheduling.executor",
    "vigil.jobs.data_quality",
    "vigil.jobs.model_quality",
    "vigil.jobs.capture_input",
    "vigil.jobs.baseline",
)
"""Modules the fork server imports once, so that each worker starts with them loaded."""


@dataclass(frozen=True)
class SchedulerConfig:
    """How a scheduler behaves.

    Attributes
    ----------
    max_workers : int, default=2
        Executions this scheduler runs at once (one process each).
    lease_seconds : float, default=30
        How long a claim lasts without renewal (real seconds). A scheduler that dies holds its
        executions this long before another one retries them. Lease times are the wall clocks
        of the schedulers' machines: keep them synchronised (NTP) well within this.
    poll_seconds : float, default=1
        Pause between ticks of :meth:`Scheduler.run`.
    catch_up_limit : int, default=24
        Missed windows of one schedule planned after a downtime (the most recent ones).
    max_attempts : int, default=3
        Attempts (workers lost) before an execution is Failed.
    max_per_schedule : int or None, default=1
        Executions of one schedule running at once across all schedulers (None: no limit):
        a schedule's windows run oldest first and never hold up another schedule's.
    stop_grace_seconds : float, default=5
        After SIGTERM, how long a worker gets before SIGKILL.
    """

    max_workers: int = 2
    lease_seconds: float = 30.0
    poll_seconds: float = 1.0
    catch_up_limit: int = 24
    max_attempts: int = 3
    max_per_schedule: int | None = 1
    stop_grace_seconds: float = 5.0

    def __post_init__(self) -> None:
        checks = {
            "max_workers": self.max_workers >= 1,
            "lease_seconds": self.lease_seconds > 0,
            "poll_seconds": self.poll_seconds > 0,
            "catch_up_limit": self.catch_up_limit >= 1,
            "max_attempts": self.max_attempts >= 1,
            "max_per_schedule": self.max_per_schedule is None or self.max_per_schedule >= 1,
        }
        for name, ok in checks.items():
            if not ok:
                raise InvalidParameterError(
                    f"{name} of SchedulerConfig must be positive. Got "
                    f"{getattr(self, name)!r} instead.",
                    field=name,
                )


@dataclass
class _Worker:
    execution: ExecutionRecord
    token: str
    process: BaseProcess
    conn: Connection
    started: float
    deadline: float
    renewed: float
    outcome: dict[str, Any] | None = None
    stop_reason: str | None = None
    terminated_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _wall() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    """Plans and runs monitoring executions from a metadata store.

    Parameters
    ----------
    store : MetadataStore
    clock : Clock, optional
        Schedule time (which windows are due). Leases and runtimes use the real clock.
    config : SchedulerConfig, optional
    name : str, optional
        Identifies this scheduler in leases and logs (default ``host:pid:random``).

    Notes
    -----
    Workers start from a fork server (``multiprocessing`` "forkserver", the job modules
    imported once), so a scheduler is safe to run beside threads (an API server). As with any
    non-fork start method, a script that runs a scheduler must guard its entry point with
    ``if __name__ == "__main__":``.
    """

    def __init__(
        self,
        store: MetadataStore,
        *,
        clock: Clock | None = None,
        config: SchedulerConfig | None = None,
        name: str | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.config = config or SchedulerConfig()
        self.owner = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease = timedelta(seconds=self.config.lease_seconds)
        self._workers: dict[int, _Worker] = {}
        self._warm = False
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(list(PRELOAD))

    # ---- public --------------------------------------------------------------------------

    @property
    def running(self) -> list[int]:
        """Ids of the executions this scheduler is running."""
        return sorted(self._workers)

    def tick(self) -> int:
        """One round of supervise, plan, reap, claim; returns executions started."""
        self.warm_up()
        self._supervise()
        self.plan()
        self.store.executions.reap(
            lease_now=_wall(), max_attempts=self.config.max_attempts, now=self.clock.now()
        )
        free = self.config.max_workers - len(self._workers)
        if free <= 0:
            return 0
        claimed = self.store.executions.claim(
            owner=self.owner,
            lease_now=_wall(),
            lease=self._lease,
            limit=free,
            now=self.clock.now(),
            max_per_schedule=self.config.max_per_schedule,
        )
        for execution in claimed:
            stale = self._workers.get(execution.id)
            if stale is not None:  # our own lease ran out under it: that worker may not write
                self._terminate(stale, kill=True)
                self._close(stale)
            self._start(execution)
        return len(claimed)

    def run(self, stop: threading.Event) -> None:
        """Tick every ``poll_seconds`` until ``stop`` is set; then :meth:`shutdown`."""
        _log.info("scheduler started", extra={"scheduler": self.owner})
        self.warm_up()
        try:
            while not stop.is_set():
                try:
                    self.tick()
                except Exception:  # a database hiccup must not end the loop
                    _log.exception("scheduler tick failed", extra={"scheduler": self.owner})
                stop.wait(self.config.poll_seconds)
        finally:
            self.shutdown()
            _log.info("scheduler stopped", extra={"scheduler": self.owner})

    def warm_up(self) -> None:
        """Have the fork server running with the job modules imported, before any claim.

        The first worker of a process otherwise waits seconds for those imports, and a lease
        taken before that wait could expire before the worker even starts.
        """
        if not self._warm:
            process = self._context.Process(target=noop, name="vigil-warm-up")
            process.start()
            process.join()
            self._warm = True

    def run_until_idle(self, timeout: float = 60.0) -> None:
        """Tick until nothing is running and nothing is left to claim (tests, backfills).

        Raises
        ------
        TimeoutError
            If work remains after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            started = self.tick()
            if not self._workers and not started:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"scheduler still busy after {timeout} s: {self.running}")
            time.sleep(min(self.config.poll_seconds, 0.05))

    def shutdown(self) -> None:
        """Stop every worker and give its execution back (Pending, attempt not counted)."""
        for worker in list(self._workers.values()):
            self._terminate(worker, kill=False)
        deadline = time.monotonic() + self.config.stop_grace_seconds
        for worker in list(self._workers.values()):
            worker.process.join(max(deadline - time.monotonic(), 0.1))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(1)
            try:
                self.store.executions.release(
                    worker.execution.id,
                    worker.token,
                    reason="the scheduler shut down",
                    max_attempts=self.config.max_attempts,
                    now=self.clock.now(),
                    count_attempt=False,
                )
            except VigilError:
                _log.exception("could not release an execution", extra=self._ids(worker))
            self._close(worker)

    # ---- planning ------------------------------------------------------------------------

    def plan(self) -> int:
        """Plan the due windows of every due schedule; returns executions created."""
        now = self.clock.now()
        created = 0
        for schedule in self.store.schedules.due(now=now):
            try:
                created += self._plan_one(schedule, now)
            except VigilError as exc:
                _log.warning(
                    "planning failed: %s", exc, extra={"schedule": schedule.name}, exc_info=True
                )
        return created

    def _plan_one(self, schedule: ScheduleRecord, now: datetime) -> int:
        try:
            expression = ScheduleExpression.parse(schedule.schedule_expression)
            spec = resolve_spec(self.store, schedule.spec)
            if schedule.status is MonitoringScheduleStatus.PENDING:
                validate_schedule_baseline(spec)
        except InvalidParameterError as exc:
            self.store.schedules.fail(schedule, str(exc), now=now)
            _log.warning("schedule failed: %s", exc, extra={"schedule": schedule.name})
            return 0
        if schedule.status is MonitoringScheduleStatus.PENDING:
            activated = self.store.schedules.activate(schedule, now=now)
            if activated is None:
                return 0
            schedule = activated
            _log.info("schedule activated", extra={"schedule": schedule.name})
        start_offset, end_offset = offsets(spec)
        windows: list[PlannedWindow] = []
        cursor = schedule.cursor_time
        if expression.one_time:
            next_time = None
            if schedule.next_time is not None and schedule.next_time <= now:
                nominal = schedule.next_time
                window = expression.window(nominal, start_offset, end_offset)
                windows.append(PlannedWindow(nominal, window.start, window.end))
                cursor = nominal
            else:
                next_time = schedule.next_time
        else:
            after = schedule.cursor_time or schedule.created_at
            times, more = expression.times_between(after, now, limit=self.config.catch_up_limit)
            if more:
                _log.warning(
                    "missed windows beyond the catch-up limit were skipped",
                    extra={"schedule": schedule.name, "catch_up_limit": self.config.catch_up_limit},
                )
            for nominal in times:
                window = expression.window(nominal, start_offset, end_offset)
                windows.append(PlannedWindow(nominal, window.start, window.end))
            if times:
                cursor = times[-1]
            next_time = expression.next_after(now)
        created = self.store.schedules.plan(
            schedule, windows, cursor_time=cursor, next_time=next_time, now=now, spec=spec
        )
        if created:
            _log.info(
                "executions planned",
                extra={"schedule": schedule.name, "count": created},
            )
        return created or 0

    # ---- workers -------------------------------------------------------------------------

    @staticmethod
    def _ids(worker: _Worker) -> dict[str, Any]:
        e = worker.execution
        return {
            "execution_id": e.id,
            "schedule": e.schedule_name,
            "window_start": e.window_start.isoformat(),
            "window_end": e.window_end.isoformat(),
            "attempt": e.attempts,
        }

    def _start(self, execution: ExecutionRecord) -> None:
        token = execution.lease_token or ""
        try:
            check_spec_version(execution)
            output = execution_output_url(execution)
            self.store.executions.set_output(execution.id, token, output)
            payload = ExecutionPayload(
                execution_id=execution.id,
                schedule_name=execution.schedule_name,
                spec=execution.spec,
                window_start=execution.window_start,
                window_end=execution.window_end,
                scheduled_time=execution.scheduled_time,
                output_url=output,
                attempt=execution.attempts,
                environ=dict(os.environ),
            )
            receiver, sender = self._context.Pipe(duplex=True)
            process = self._context.Process(
                target=worker_main,
                args=(payload, sender),
                name=f"vigil-execution-{execution.id}",
            )
            process.start()
            sender.close()
            # starting can take a while: extend the lease from now, and make sure it is still ours
            if (
                self.store.executions.renew(
                    execution.id, token, lease_expires_at=_wall() + self._lease
                )
                is None
            ):
                _log.warning("lease lost while starting", extra={"execution_id": execution.id})
                process.kill()
                process.join(1.0)
                receiver.close()
                return
        except Exception as exc:
            _log.exception("could not start a worker", extra={"execution_id": execution.id})
            self.store.executions.release(
                execution.id,
                token,
                reason=f"could not start a worker: {type(exc).__name__}: {exc}",
                max_attempts=self.config.max_attempts,
                now=self.clock.now(),
            )
            return
        started = time.monotonic()
        max_runtime = float(execution.spec.get("max_runtime_seconds", 3600))
        worker = _Worker(
            execution=execution,
            token=token,
            process=process,
            conn=receiver,
            started=started,
            deadline=started + max_runtime,
            renewed=started,
        )
        self._workers[execution.id] = worker
        _log.info("execution started", extra={**self._ids(worker), "pid": process.pid})

    def _terminate(self, worker: _Worker, *, kill: bool) -> None:
        if worker.process.is_alive():
            if kill:
                worker.process.kill()
            else:
                worker.process.terminate()
        if worker.terminated_at is None:
            worker.terminated_at = time.monotonic()

    def _close(self, worker: _Worker) -> None:
        self._workers.pop(worker.execution.id, None)
        worker.conn.close()
        worker.process.join(0.1)
        if hasattr(worker.process, "close") and not worker.process.is_alive():
            worker.process.close()

    def _supervise(self) -> None:
        now_mono = time.monotonic()
        renew_due = self.config.lease_seconds / 3
        for worker in list(self._workers.values()):
            if worker.outcome is None:
                try:
                    if worker.conn.poll():
                        worker.outcome = worker.conn.recv()
                except (EOFError, OSError):
                    pass
            alive = worker.process.is_alive()
            if worker.outcome is not None and alive:
                worker.process.join(1.0)  # it exits right after sending
                alive = worker.process.is_alive()
            if not alive:
                self._settle(worker)
                continue
            if worker.stop_reason is None and now_mono > worker.deadline:
                worker.stop_reason = "runtime"
                self._terminate(worker, kill=False)
                _log.warning("execution exceeded its max runtime", extra=self._ids(worker))
            elif (
                worker.terminated_at is not None
                and now_mono - worker.terminated_at > self.config.stop_grace_seconds
            ):
                self._terminate(worker, kill=True)
            if now_mono - worker.renewed >= renew_due:
                status = self.store.executions.renew(
                    worker.execution.id, worker.token, lease_expires_at=_wall() + self._lease
                )
                worker.renewed = now_mono
                if status is None:
                    _log.warning("lease lost: stopping the worker", extra=self._ids(worker))
                    self._terminate(worker, kill=True)
                    worker.process.join(1.0)
                    self._close(worker)
                    continue
                if status is _S.STOPPING and worker.stop_reason is None:
                    worker.stop_reason = "user"
                    self._terminate(worker, kill=False)
                    _log.info("execution stopping on request", extra=self._ids(worker))
        stopping = self.store.executions.stopping(
            [w.execution.id for w in self._workers.values() if w.stop_reason is None]
        )
        for execution_id in stopping:
            worker = self._workers[execution_id]
            worker.stop_reason = "user"
            self._terminate(worker, kill=False)
            _log.info("execution stopping on request", extra=self._ids(worker))

    def _settle(self, worker: _Worker) -> None:
        """Record the end of a worker whose process has exited."""
        execution = worker.execution
        now = self.clock.now()
        outcome = worker.outcome
        result: ExecutionResult | None = None
        if worker.stop_reason == "runtime" and outcome is None:
            limit = int(execution.spec.get("max_runtime_seconds", 3600))
            result = ExecutionResult(
                status=_S.STOPPED,
                exit_message=f"Stopped: the execution exceeded its maximum runtime of {limit} s.",
                failure_reason=f"MaxRuntimeExceeded: ran longer than {limit} seconds",
            )
        elif worker.stop_reason == "user" and outcome is None:
            result = ExecutionResult(status=_S.STOPPED, exit_message="Stopped: stopped by a user.")
        elif outcome is not None:
            result = ExecutionResult(
                status=_S(outcome["status"]),
                exit_message=outcome.get("exit_message"),
                failure_reason=outcome.get("failure_reason"),
                output_url=outcome.get("output_url"),
                records=outcome.get("records"),
                rows=outcome.get("rows"),
                violations=outcome.get("violations"),
                malformed=outcome.get("malformed"),
                ground_truth_coverage=outcome.get("ground_truth_coverage"),
            )
        if result is not None:
            written = self.store.executions.finish(execution.id, worker.token, result, now=now)
            _log.info(
                "execution finished" if written else "execution outcome dropped: lease lost",
                extra={**self._ids(worker), "status": result.status.value},
            )
        else:
            code = worker.process.exitcode
            status = self.store.executions.release(
                execution.id,
                worker.token,
                reason=f"the worker process exited with code {code} without an outcome",
                max_attempts=self.config.max_attempts,
                now=now,
            )
            _log.warning(
                "worker died",
                extra={
                    **self._ids(worker),
                    "exitcode": code,
                    "status": status.value if status else None,
                },
            )
        self._close(worker)
