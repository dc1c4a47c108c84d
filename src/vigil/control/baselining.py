"""Baselining jobs: suggest a baseline in the background and record the outcome.

The job itself is :func:`vigil.jobs.baselining.run_baselining_job` on the stored spec
(DataQuality: a profile of every column; ModelQuality: a model's metrics on a labelled dataset
and suggested thresholds); both write ``statistics.json`` and ``constraints.json`` under the
job's ``output_url``.

A job is recorded InProgress with a lease held by this process; while it runs (in a worker
process of a pool, or in the calling thread for ``wait=True`` library use) the lease is renewed.
A job whose process died keeps InProgress only until its lease expires: :meth:`BaselineRunner.
recover` (run at start-up) marks such jobs Failed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
import uuid
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta
from typing import Any

from vigil.control.clock import Clock, SystemClock
from vigil.errors import VigilError
from vigil.storage.metadata import BaseliningJobRecord, BaseliningJobStatus, MetadataStore

__all__ = ["BaselineRunner", "suggest_job"]

_log = logging.getLogger(__name__)


def suggest_job(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one baselining job described by a stored ``BaseliningJobSpec``; never raises.

    The document is read back typed and run by :func:`vigil.jobs.baselining.run_baselining_job`,
    as ``vigil baseline suggest`` runs the same spec.

    Returns
    -------
    dict
        ``{"ok": True, "statistics_url", "constraints_url", "summary"}`` or
        ``{"ok": False, "reason"}`` (see :class:`~vigil.jobs.baselining.BaseliningOutcome`).
    """
    try:
        from vigil.api.specs import BaseliningJobSpec
        from vigil.jobs.baselining import run_baselining_job

        outcome = run_baselining_job(BaseliningJobSpec.model_validate(spec))
    except VigilError as exc:
        return {"ok": False, "reason": str(exc)}
    except Exception as exc:
        return {"ok": False, "reason": f"internal error: {type(exc).__name__}: {exc}"}
    return {
        "ok": True,
        "statistics_url": outcome.statistics_url,
        "constraints_url": outcome.constraints_url,
        "summary": outcome.summary,
    }


class BaselineRunner:
    """Runs baselining jobs and keeps their records up to date.

    Parameters
    ----------
    store : MetadataStore
    clock : Clock
        For creation and end times of the records.
    lease_seconds : float, default=30
        A job whose runner is silent this long (real seconds) is given up as Failed.
    max_workers : int, default=1
        Jobs run at once (each in its own worker process).
    """

    def __init__(
        self,
        store: MetadataStore,
        *,
        clock: Clock | None = None,
        lease_seconds: float = 30.0,
        max_workers: int = 1,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.lease = timedelta(seconds=lease_seconds)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._max_workers = max_workers
        self._threads = ThreadPoolExecutor(max_workers, thread_name_prefix="vigil-baseline")
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def lease_expiry(self) -> datetime:
        """When a lease taken now expires (wall clock)."""
        return datetime.now(UTC) + self.lease

    def recover(self) -> int:
        """Mark Failed the jobs left InProgress by a process that died; returns how many."""
        return self.store.baselining_jobs.fail_abandoned(
            lease_now=datetime.now(UTC), now=self.clock.now()
        )

    def _process_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                self._pool = ProcessPoolExecutor(self._max_workers, mp_context=context)
            return self._pool

    def _reset_pool(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def submit(self, job: BaseliningJobRecord) -> Future[BaseliningJobRecord]:
        """Run ``job`` in a worker process; the future gives the final record."""
        return self._threads.submit(self._supervise, job)

    def _supervise(self, job: BaseliningJobRecord) -> BaseliningJobRecord:
        try:
            future = self._process_pool().submit(suggest_job, job.spec)
            while True:
                try:
                    outcome = future.result(timeout=self.lease.total_seconds() / 3)
                    break
                except TimeoutError:
                    self.store.baselining_jobs.renew(
                        job.name, owner=self.owner, lease_expires_at=self.lease_expiry()
                    )
        except BrokenProcessPool:
            self._reset_pool()
            outcome = {"ok": False, "reason": "the worker process running the job died"}
        except Exception as exc:  # the pool could not start, the store failed …
            _log.exception("baselining job failed", extra={"baselining_job": job.name})
            outcome = {"ok": False, "reason": f"internal error: {type(exc).__name__}: {exc}"}
        return self._record(job, outcome)

    def run(self, job: BaseliningJobRecord) -> BaseliningJobRecord:
        """Run ``job`` in this process (renewing its lease from a thread); the final record."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self.lease.total_seconds() / 3):
                self.store.baselining_jobs.renew(
                    job.name, owner=self.owner, lease_expires_at=self.lease_expiry()
                )

        thread = threading.Thread(target=renew, daemon=True)
        thread.start()
        try:
            outcome = suggest_job(job.spec)
        finally:
            done.set()
            thread.join()
        return self._record(job, outcome)

    def _record(self, job: BaseliningJobRecord, outcome: dict[str, Any]) -> BaseliningJobRecord:
        now = self.clock.now()
        if outcome.get("ok"):
            self.store.baselining_jobs.finish(
                job.name,
                owner=self.owner,
                status=BaseliningJobStatus.COMPLETED,
                now=now,
                statistics_url=outcome["statistics_url"],
                constraints_url=outcome["constraints_url"],
                summary=outcome["summary"],
            )
        else:
            self.store.baselining_jobs.finish(
                job.name,
                owner=self.owner,
                status=BaseliningJobStatus.FAILED,
                now=now,
                failure_reason=str(outcome.get("reason"))[:4096],
            )
        _log.info(
            "baselining job finished",
            extra={"baselining_job": job.name, "ok": bool(outcome.get("ok"))},
        )
        return self.store.baselining_jobs.get(job.name)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop accepting jobs; with ``wait``, let the running ones finish."""
        self._threads.shutdown(wait=wait, cancel_futures=not wait)
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=wait, cancel_futures=not wait)
                self._pool = None
