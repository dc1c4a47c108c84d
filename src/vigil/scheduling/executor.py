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
``probability_attribute``, ``probability_threshold_attribute`` and ``ground_truth_source``.

Monitoring types
    ``DataQuality``: :func:`vigil.jobs.data_quality.run_data_quality` on the window's capture
    (or the dataset). ``ModelQuality``: :func:`vigil.jobs.model_quality.run_model_quality` on
    the window ``[window_start, window_end)`` exactly as planned (the schedule's offsets are
    already in it), merged with every label collected from the window's start up to the
    execution's *scheduled* time (capped at ``max_label_delay`` after the window's end): a
    re-run of the same execution reads the same hour folders. Both write under
    ``{output}/{endpoint}/{schedule}/yyyy/mm/dd/hh/`` and report the same outcome fields;
    ModelQuality adds ``ground_truth_coverage`` (the counts of its ``ground_truth_coverage.json``).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vigil.errors import InputError, VigilError
from vigil.storage.objectstore import join

__all__ = [
    "ExecutionPayload",
    "execute",
    "noop",
    "output_url_for",
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
    environ: dict[str, str]


def output_url_for(
    spec: dict[str, Any],
    schedule_name: str,
    scheduled_time: datetime,
    *,
    sub_hourly: bool,
    manual_id: int | None = None,
) -> str:
    """Where an execution writes (spec §7.4).

    ``{output}/{endpoint}/{schedule}/yyyy/mm/dd/hh`` for endpoint input, ``{output}/{schedule}/
    yyyy/mm/dd/hh`` for a dataset; sub-hourly schedules add a minute folder (``…/hh/mm``), and a
    run-now adds ``manual-{id}`` so that it never overwrites the scheduled execution's files.
    """
    t = scheduled_time.astimezone(UTC)
    parts = [f"{t:%Y}", f"{t:%m}", f"{t:%d}", f"{t:%H}"]
    if sub_hourly:
        parts.append(f"{t:%M}")
    if manual_id is not None:
        parts.append(f"manual-{manual_id}")
    endpoint = (spec.get("endpoint_input") or {}).get("endpoint_name")
    head = [endpoint, schedule_name] if endpoint else [schedule_name]
    return join(str(spec["output_url"]), *head, *parts)


def _environment(payload: ExecutionPayload) -> dict[str, str]:
    spec = payload.spec
    endpoint = spec.get("endpoint_input") or {}
    dataset = spec.get("dataset_input") or {}
    env = {
        "start_time": payload.window_start.strftime(_SAGEMAKER_TIME),
        "end_time": payload.window_end.strftime(_SAGEMAKER_TIME),
        "sagemaker_monitoring_schedule_name": payload.schedule_name,
        "baseline_statistics": spec["baseline"]["statistics_url"],
        "baseline_constraints": spec["baseline"]["constraints_url"],
        "output_path": payload.output_url,
        "publish_cloudwatch_metrics": "Disabled",
        "vigil_execution_id": str(payload.execution_id),
        "vigil_scheduled_time": payload.scheduled_time.strftime(_SAGEMAKER_TIME),
    }
    if endpoint:
        env["sagemaker_endpoint_name"] = endpoint["endpoint_name"]
        env["dataset_source"] = join(
            endpoint["capture_root"], endpoint["endpoint_name"], endpoint["variant_name"]
        )
    elif dataset:
        env["dataset_source"] = dataset["dataset_url"]
    quality = spec.get("model_quality")
    if spec.get("monitoring_type") == "ModelQuality" and quality:
        env["analysis_type"] = "MODEL_QUALITY"
        env["problem_type"] = quality["problem_type"]
        env["probability_threshold_attribute"] = str(quality.get("probability_threshold", 0.5))
        env["ground_truth_source"] = str(quality.get("ground_truth_url") or "")
        for key in ("inference_attribute", "probability_attribute"):
            if quality.get(key) is not None:
                env[key] = quality[key]
    if spec["baseline"].get("statistics_url") is None:
        env.pop("baseline_statistics")
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

    Keys: ``status``, ``exit_message``, ``failure_reason``, ``output_url``, ``records``,
    ``rows``, ``violations``, ``malformed`` and, for ModelQuality, ``ground_truth_coverage``.

    Never raises: bad input (a baseline that vanished, a script that fails to load) becomes a
    Failed outcome with the reason, as SageMaker reports a ClientError.
    """
    try:
        if payload.spec.get("monitoring_type") == "ModelQuality":
            return _model_quality(payload)
        return _data_quality(payload)
    except Exception as exc:
        return _failed(exc)


def _data_quality(payload: ExecutionPayload) -> dict[str, Any]:
    from vigil.formats.statistics import Statistics
    from vigil.jobs.capture_input import CaptureInput
    from vigil.jobs.data_quality import run_data_quality
    from vigil.storage.objectstore import read_bytes
    from vigil.storage.tabular import TabularSource

    spec = payload.spec
    baseline = spec["baseline"]
    source: CaptureInput | TabularSource
    endpoint = spec.get("endpoint_input")
    if endpoint:
        names = tuple(
            f.name
            for f in Statistics.from_json(
                read_bytes(baseline["statistics_url"]), source=baseline["statistics_url"]
            ).features
        )
        source = CaptureInput(
            root=endpoint["capture_root"],
            endpoint=endpoint["endpoint_name"],
            variant=endpoint["variant_name"],
            start=payload.window_start,
            end=payload.window_end,
            column_names=names,
            output_columns_position=endpoint["output_columns_position"],
            features_attribute=endpoint.get("features_attribute"),
            inference_attribute=endpoint.get("inference_attribute"),
            record_preprocessor=spec.get("record_preprocessor_script"),
        )
    else:
        from vigil.jobs.baseline import infer_dataset_format

        dataset = spec["dataset_input"]
        fmt = dataset.get("dataset_format") or infer_dataset_format(dataset["dataset_url"])
        source = TabularSource((dataset["dataset_url"],), fmt, header=dataset["header"])
    result = run_data_quality(
        baseline_statistics=baseline["statistics_url"],
        baseline_constraints=baseline["constraints_url"],
        input=source,
        output=payload.output_url,
        endpoint=endpoint["endpoint_name"] if endpoint else None,
        schedule=payload.schedule_name,
        max_malformed_fraction=float(spec.get("max_malformed_fraction", 0.1)),
        post_analytics_processor=spec.get("post_analytics_processor_script"),
        now=lambda: payload.scheduled_time,
    )
    return {
        "status": result.status.value,
        "exit_message": result.exit_message,
        "failure_reason": result.failure_reason,
        "output_url": result.output if result.output is not None else None,
        "records": result.records,
        "rows": result.rows,
        "violations": len(result.violations.violations) if result.violations else None,
        "malformed": result.malformed.count,
    }


def _model_quality(payload: ExecutionPayload) -> dict[str, Any]:
    from vigil.jobs.capture_input import CaptureInput
    from vigil.jobs.model_quality import run_model_quality
    from vigil.scheduling.expressions import parse_delay

    spec = payload.spec
    quality = spec["model_quality"]
    endpoint = spec["endpoint_input"]
    delay = quality.get("max_label_delay")
    ground_truth = quality["ground_truth_url"]
    result = run_model_quality(
        problem_type=quality["problem_type"],
        capture=CaptureInput(
            root=endpoint["capture_root"],
            endpoint=endpoint["endpoint_name"],
            variant=endpoint["variant_name"],
            start=payload.window_start,
            end=payload.window_end,
            inference_attribute=quality.get("inference_attribute"),
        ),
        ground_truth=ground_truth,
        constraints=spec["baseline"]["constraints_url"],
        probability_attribute=quality.get("probability_attribute"),
        probability_threshold=float(quality.get("probability_threshold", 0.5)),
        output=payload.output_url,
        schedule=payload.schedule_name,
        min_labels=int(quality["min_labels"]),
        min_coverage=float(quality.get("min_coverage", 0.0)),
        max_label_delay=None if delay is None else parse_delay(delay),
        max_malformed_fraction=float(spec.get("max_malformed_fraction", 0.1)),
        now=lambda: payload.scheduled_time,
    )
    coverage = None
    if result.coverage is not None:
        c = result.coverage
        coverage = {
            "predictions": c.predictions,
            "labels": c.labels,
            "merged": c.merged,
            "coverage": c.coverage if c.predictions else None,
            "rows_scored": result.rows,
            "invalid_values": result.invalid,
            "duplicate_labels": c.duplicate_labels,
            "labels_without_prediction": c.labels_without_prediction,
            "duplicate_prediction_keys": c.duplicate_prediction_keys,
            "malformed_ground_truth_records": result.ground_truth_malformed.count,
            "ground_truth_url": ground_truth,
        }
    return {
        "status": result.status.value,
        "exit_message": result.exit_message,
        "failure_reason": result.failure_reason,
        "output_url": result.output,
        "records": result.records,
        "rows": result.rows if result.statistics is not None else None,
        "violations": len(result.violations.violations) if result.violations else None,
        "malformed": result.malformed.count,
        "ground_truth_coverage": coverage,
    }


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
