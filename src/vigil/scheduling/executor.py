"""What runs inside a worker process: one monitoring execution, reported back through a pipe.

The scheduler (:mod:`vigil.scheduling.scheduler`) starts one process per execution with
:func:`worker_main`. The process never touches the metadata database: it runs the job
(:func:`execute`), sends a plain dict back, and exits. The scheduler records the outcome under
the execution's lease. A worker whose parent disappears (the scheduler was killed) exits too,
so a lost scheduler leaves no orphan writing outputs behind the retry.

The job sees SageMaker's analyzer environment (spec §7.5): ``start_time``, ``end_time``,
``sagemaker_endpoint_name``, ``sagemaker_monitoring_schedule_name``, ``baseline_statistics``,
``baseline_constraints``, ``output_path``, ``dataset_source``, plus ``vigil_execution_id`` and
``vigil_scheduled_time``, so that pre- and post-processing scripts can read them. ModelQuality
executions add ``analysis_type=MODEL_QUALITY``, ``problem_type``, ``inference_attribute``,
``probability_attribute``, ``probability_threshold_attribute`` and ``ground_truth_source``; a
post-analytics script also gets ``vigil_attempt_id`` (it runs at least once per execution).

Every monitoring type runs through the one execution template
(:func:`vigil.jobs.monitors.run_monitoring_job`) on the window ``[window_start, window_end)``
exactly as planned (the schedule's offsets are already in it); "now" is the execution's
*scheduled* time, so a re-run of the same execution reads the same files (a ModelQuality run
merges the labels collected up to it). Outputs are published once per execution under
``{output}/{endpoint}/{schedule}/yyyy/mm/dd/hh/`` (:mod:`vigil.jobs.outputs`): a retry after a
worker died once its files were published reports the published outcome instead of analysing
again.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vigil.errors import InputError, VigilError
from vigil.storage.objectstore import join

__all__ = [
    "ExecutionPayload",
    "execute",
    "noop",
    "worker_main",
]

_SAGEMAKER_TIME = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class ExecutionPayload:
    """Everything a worker needs, picklable.

    Attributes
    ----------
    execution_id : int
    schedule_name : str
    spec : dict
        The schedule's definition (``MonitoringScheduleSpec`` as JSON), with the capture
        root resolved.
    window_start, window_end : datetime
        The analysis window.
    scheduled_time : datetime
        The nominal time (metric timestamps use it).
    output_url : str
        Where to write.
    attempt : int
        Which attempt of the execution this is (1 for the first).
    environ : dict
        The environment to run in (the scheduler's, as a fork would inherit it).
    """

    execution_id: int
    schedule_name: str
    spec: dict[str, Any]
    window_start: datetime
    window_end: datetime
    scheduled_time: datetime
    output_url: str
    attempt: int
    environ: dict[str, str]


def _environment(payload: ExecutionPayload) -> dict[str, str]:
    """SageMaker's analyzer environment of the execution (spec §7.5), plus Vigil's ids."""
    from vigil.api.resources import MonitoringScheduleSpec

    spec = MonitoringScheduleSpec.model_validate(payload.spec)
    env = {
        "start_time": payload.window_start.strftime(_SAGEMAKER_TIME),
        "end_time": payload.window_end.strftime(_SAGEMAKER_TIME),
        "sagemaker_monitoring_schedule_name": payload.schedule_name,
        "output_path": payload.output_url,
        "publish_cloudwatch_metrics": "Disabled",
        "vigil_execution_id": str(payload.execution_id),
        "vigil_scheduled_time": payload.scheduled_time.strftime(_SAGEMAKER_TIME),
    }
    for key, url in (
        ("baseline_statistics", spec.baseline.statistics_url),
        ("baseline_constraints", spec.baseline.constraints_url),
    ):
        if url is not None:
            env[key] = url
    endpoint, dataset = spec.endpoint_input, spec.dataset_input
    if endpoint is not None:
        env["sagemaker_endpoint_name"] = endpoint.endpoint_name
        env["dataset_source"] = join(
            endpoint.capture_root or "", endpoint.endpoint_name, endpoint.variant_name
        )
    elif dataset is not None:
        env["dataset_source"] = dataset.dataset_url
    quality = spec.model_quality
    if spec.monitoring_type == "ModelQuality" and quality is not None:
        env["analysis_type"] = "MODEL_QUALITY"
        env["problem_type"] = quality.problem_type
        env["probability_threshold_attribute"] = str(quality.probability_threshold)
        env["ground_truth_source"] = quality.ground_truth_url or ""
        for key, value in (
            ("inference_attribute", quality.inference_attribute),
            ("probability_attribute", quality.probability_attribute),
        ):
            if value is not None:
                env[key] = value
    return env


def _failed(exc: Exception) -> dict[str, Any]:
    """The outcome of a job that raised: SageMaker's ClientError for bad input."""
    if isinstance(exc, VigilError):
        kind = "ClientError" if isinstance(exc, InputError) else "InternalServerError"
        reason = f"{kind}: {exc}"
    else:
        reason = f"InternalServerError: {type(exc).__name__}: {exc}"
    return {"status": "Failed", "exit_message": f"Failed: {reason}", "failure_reason": reason}


def execute(payload: ExecutionPayload) -> dict[str, Any]:
    """Run one execution of the schedule's monitoring type; return its outcome as a plain dict.

    The stored spec is read back typed (:class:`~vigil.api.resources.MonitoringScheduleSpec`)
    and run through the execution template (:func:`vigil.jobs.monitors.run_monitoring_job`),
    exactly as ``vigil monitor run`` runs the same spec. Keys: ``status``, ``exit_message``,
    ``failure_reason``, ``output_url``, ``records``, ``rows``, ``violations``, ``malformed``
    and, for ModelQuality, ``ground_truth_coverage``.

    Never raises: bad input (a baseline that vanished, a script that fails to load) becomes a
    Failed outcome with the reason, as SageMaker reports a ClientError.
    """
    try:
        from vigil.api.resources import MonitoringScheduleSpec
        from vigil.jobs.execution import JobRun
        from vigil.jobs.monitors import run_monitoring_job

        spec = MonitoringScheduleSpec.model_validate(payload.spec).typed()
        run = JobRun(
            spec=spec,
            window=(payload.window_start, payload.window_end),
            scheduled_time=payload.scheduled_time,
            now=payload.scheduled_time,
            output_url=payload.output_url,
            schedule=payload.schedule_name,
            execution=f"{payload.schedule_name}/{payload.execution_id}",
            attempt=f"{payload.execution_id}-{payload.attempt}",
            workers=spec.workers or 1,
        )
        analysis = run_monitoring_job(run)
        return analysis.outcome(payload.output_url if analysis.published else None)
    except Exception as exc:
        return _failed(exc)


def noop() -> None:
    """A worker that does nothing: started once to have the fork server ready."""


def _watch_parent(conn: Any) -> None:
    """Exit (without cleanup) as soon as the scheduler's end of ``conn`` closes.

    The scheduler never sends anything, so the connection becomes readable only at EOF: the
    scheduler exited or was killed. (The parent process id does not tell: a fork server's
    children keep their parent alive.)
    """
    try:
        while True:
            if conn.poll(0.25):
                conn.recv()
    except EOFError:
        os._exit(70)
    except (OSError, ValueError):  # this process closed the connection itself: done
        return


def worker_main(payload: ExecutionPayload, conn: Any) -> None:
    """Entry point of a worker process: run the execution, send the outcome, exit.

    ``conn`` is this end of a duplex pipe whose other end only the scheduler holds.
    """
    threading.Thread(target=_watch_parent, args=(conn,), daemon=True).start()
    try:
        os.environ.clear()
        os.environ.update(payload.environ)
        os.environ.update(_environment(payload))
        outcome = execute(payload)
    except BaseException as exc:  # report, never die silently (the scheduler would retry)
        reason = f"InternalServerError: {type(exc).__name__}: {exc}"
        outcome = {
            "status": "Failed",
            "exit_message": f"Failed: {reason}",
            "failure_reason": reason,
        }
    conn.send(outcome)
    conn.close()
