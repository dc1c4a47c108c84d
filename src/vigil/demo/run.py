"""The main job, end to end: serve a model with capture, baseline, schedule, replay, report.

:class:`Demo` starts an embedded Vigil — SQLite metadata and a local data folder under the
output directory, the control-plane API, the scheduler and the inference endpoint in one
service on a free loopback port — and drives it only through its public interfaces: the REST
API (:class:`vigil.client.Client`), the SageMaker-runtime invocation route and
``POST /ground-truth``. Nothing is computed behind the service's back.

The story (the ACS data: :mod:`vigil.demo.scenario`)

1. Train a gradient-boosted classifier on 2015; deploy it to the endpoint ``acs-employment``
   with 100% data capture.
2. Two baselining jobs from 2015: data quality (the training rows with the model's answers)
   and model quality (a 2015 hold-out scored by the model).
3. An hourly data-quality schedule over the endpoint's capture, and an hourly model-quality
   schedule whose window lags two hours behind (``-PT2H``/``-PT1H``): labels arrive an hour
   after their predictions.
4. The service's clock is injected (:class:`~vigil.control.clock.ManualClock`): simulated
   hour ``h`` after :attr:`DemoConfig.start` carries month ``h`` of the traffic. Each row is one
   invocation (``X-Amzn-SageMaker-Inference-Id`` = the ACS ``id``) at a time spread over its
   hour; the labels of hour ``h`` are uploaded near the end of hour ``h + 1``; then the clock
   moves to the next hour and the scheduler runs the windows that closed — each exactly once.
5. When every execution has ended, :meth:`Demo.run` returns a :class:`DemoReport` read back
   from the API and the reports the executions wrote.
"""

from __future__ import annotations

import http.client
import signal
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import joblib
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.csv as pacsv

from vigil.api.resources import (
    BaseliningJob,
    BaseliningJobSpec,
    EndpointCreate,
    MonitoringExecution,
    MonitoringScheduleSpec,
)
from vigil.client import Client
from vigil.control.clock import ManualClock
from vigil.demo.acs import default_cache_dir, fetch_acs_employment
from vigil.demo.scenario import (
    FEATURES,
    LABEL,
    PROBABILITY_COLUMNS,
    TrafficWindow,
    csv_rows,
    feature_matrix,
    traffic_windows,
    train_model,
    year_rows,
)
from vigil.errors import InvalidParameterError, VigilError
from vigil.formats.model_quality import ModelQualityStatistics
from vigil.formats.violations import ConstraintViolations
from vigil.scheduling.scheduler import SchedulerConfig
from vigil.storage.objectstore import join, read_bytes

__all__ = ["Demo", "DemoConfig", "DemoReport", "Reporter", "WindowReport"]

ENDPOINT = "acs-employment"
VARIANT = "AllTraffic"
DATA_QUALITY_SCHEDULE = "acs-data-quality-hourly"
MODEL_QUALITY_SCHEDULE = "acs-model-quality-hourly"
_TERMINAL = {"Completed", "CompletedWithViolations", "Failed", "Stopped"}


class Reporter(Protocol):
    """Where the demo reports progress (the CLI draws rich progress bars)."""

    def stage(self, message: str) -> None:
        """A new step has started."""

    def progress(self, task: str, completed: int, total: int) -> None:
        """``completed`` of ``total`` units of ``task`` ("replay", "executions") are done."""


class _Silent:
    def stage(self, message: str) -> None:
        pass

    def progress(self, task: str, completed: int, total: int) -> None:
        pass


@dataclass(frozen=True)
class DemoConfig:
    """What the demo runs on.

    Attributes
    ----------
    output : Path
        Everything goes here: ``vigil.db``, ``data/`` (capture, ground truth, baselines,
        reports), ``model/``.
    cache_dir : Path, optional
        Download cache of the ACS data (default ``$VIGIL_CACHE_DIR`` or ``~/.cache/vigil``).
    years : tuple of int, default=(2016, 2017, 2018)
        Traffic years; 12 windows each.
    every : int, default=4
        Replay every ``every``-th row of each month (1: all 208,892 rows of 2016–2018; the
        default keeps the demo within a few minutes on 2 cores).
    train_rows : int, optional
        Train and baseline on at most this many 2015 rows (tests).
    injected : bool, default=True
        Append the clearly labelled injected-shift window.
    workers : int, default=2
        Executions run at once.
    seed : int, default=0
        Model training, traffic split and capture sampling.
    start : datetime, default=2025-01-01T00:00Z
        Simulated time of the first window's start.
    slack : float, default=0.05
        Margin of the suggested model-quality thresholds (see
        :mod:`vigil.core.model_quality.constraints`): about five standard errors of the
        accuracy of one window of the default replay.
    host : str, default="127.0.0.1"
    port : int, default=0
        0: a free port chosen at run time.
    """

    output: Path
    cache_dir: Path | None = None
    years: tuple[int, ...] = (2016, 2017, 2018)
    every: int = 4
    train_rows: int | None = None
    injected: bool = True
    workers: int = 2
    seed: int = 0
    start: datetime = datetime(2025, 1, 1, tzinfo=UTC)
    slack: float = 0.05
    host: str = "127.0.0.1"
    port: int = 0


@dataclass(frozen=True)
class WindowReport:
    """One window's outcome, as the service reports it.

    Attributes
    ----------
    name : str
        ``2016-01`` … or ``2018-12 shifted``.
    injected : bool
    start, end : datetime
        The simulated hour ``[start, end)``.
    rows : int
        Invocations sent (one row each).
    data_quality, model_quality : MonitoringExecution or None
        The execution that analysed the window (None if there is none).
    violations : list of (feature, check type, description)
        The data-quality violations.
    top_drift : tuple of (feature, distance) or None
        The largest ``feature_baseline_drift_*`` metric of the window.
    accuracy, f1 : float or None
        Model quality of the window (binary, threshold 0.5).
    model_violations : list of str
        Model-quality metrics that violated their constraints.
    labels, predictions : int or None
        Labels merged and predictions captured in the window.
    """

    name: str
    injected: bool
    start: datetime
    end: datetime
    rows: int
    data_quality: MonitoringExecution | None
    model_quality: MonitoringExecution | None
    violations: list[tuple[str, str, str]] = field(default_factory=list)
    top_drift: tuple[str, float] | None = None
    accuracy: float | None = None
    f1: float | None = None
    model_violations: list[str] = field(default_factory=list)
    labels: int | None = None
    predictions: int | None = None


@dataclass(frozen=True)
class DemoReport:
    """What the demo did and found.

    Attributes
    ----------
    windows : list of WindowReport
    baseline_accuracy, baseline_f1 : float
        Of the 2015 hold-out (the model-quality baseline).
    thresholds : dict
        The model-quality constraints' thresholds by metric.
    url : str
        The service (API docs at ``{url}/api/v1/docs``).
    output : Path
    requests : int
        Invocations sent.
    replayed_rows, total_rows : int
        Rows replayed and rows in the chosen years.
    seconds : float
        Wall time of :meth:`Demo.run`.
    """

    windows: list[WindowReport]
    baseline_accuracy: float
    baseline_f1: float
    thresholds: dict[str, float]
    url: str
    output: Path
    requests: int
    replayed_rows: int
    total_rows: int
    seconds: float

    @property
    def docs_url(self) -> str:
        """The OpenAPI (Swagger UI) page of the service."""
        return f"{self.url}/api/v1/docs"


class Demo:
    """The embedded service and the scenario; use as a context manager.

    >>> # with Demo(DemoConfig(Path("demo-output"))) as demo:
    >>> #     report = demo.run()

    Raises
    ------
    InvalidParameterError
        On a bad configuration (``every`` < 1, an unknown year).
    VigilError
        If the service does not answer as expected (an execution never ends, a baselining job
        fails).
    """

    def __init__(self, config: DemoConfig, reporter: Reporter | None = None) -> None:
        if config.every < 1 or config.workers < 1:
            raise InvalidParameterError(
                "every and workers of DemoConfig must be positive integers. Got "
                f"{config.every!r} and {config.workers!r} instead.",
                field="every",
            )
        self.config = config
        self.reporter = reporter or _Silent()
        self.output = config.output.absolute()
        self.data_dir = self.output / "data"
        self.clock = ManualClock(config.start - timedelta(minutes=30))
        self._stack = ExitStack()
        self.url = ""
        self.app: Any = None

    # ---- service -------------------------------------------------------------------------

    def __enter__(self) -> Demo:
        from vigil.service.server import create_service, serve_in_thread
        from vigil.storage.metadata import upgrade

        self.output.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        database = f"sqlite:///{self.output / 'vigil.db'}"
        upgrade(database)
        self.app = create_service(
            database_url=database,
            data_dir=self.data_dir,
            clock=self.clock,
            scheduler=SchedulerConfig(
                max_workers=self.config.workers,
                poll_seconds=0.1,
                catch_up_limit=10_000,
            ),
            seed=self.config.seed,
        )
        try:
            self.url = self._stack.enter_context(
                serve_in_thread(self.app, host=self.config.host, port=self.config.port)
            )
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def wait(self) -> None:
        """Block until Ctrl-C or SIGTERM (``vigil demo --keep``); the caller then shuts down."""
        stop = threading.Event()
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            return
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    # ---- the scenario --------------------------------------------------------------------

    def run(self) -> DemoReport:
        """Run the whole scenario; returns when every execution has ended."""
        if not self.url:
            raise InvalidParameterError(
                "Demo.run needs the service: use `with Demo(config) as demo: demo.run()`.",
                field="demo",
            )
        started = time.perf_counter()
        cfg, say = self.config, self.reporter.stage
        say("fetching the ACS data (nannyml wheel from PyPI, cached after the first run)")
        files = fetch_acs_employment(cfg.cache_dir or default_cache_dir())
        windows = traffic_windows(
            files, years=cfg.years, every=cfg.every, injected=cfg.injected, seed=cfg.seed
        )
        total_rows = year_rows(files, cfg.years)

        say("training a gradient-boosted classifier on 2015")
        trained = train_model(files.reference, max_rows=cfg.train_rows, seed=cfg.seed)
        model_path = self.output / "model" / "model.joblib"
        model_path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(trained.estimator, model_path)
        datasets = self._baseline_datasets(trained)

        with Client(self.url, timeout=60.0) as client:
            say(f"deploying it to the endpoint {ENDPOINT} with 100% data capture")
            client.create_endpoint(EndpointCreate.model_validate(self._endpoint(model_path)))
            say("suggesting the data-quality and model-quality baselines from 2015")
            dq_job, mq_job = self._baselines(client, datasets)
            say("creating the hourly data-quality schedule")
            self.clock.set(cfg.start + timedelta(seconds=30))
            client.create_monitoring_schedule(self._data_quality_schedule(dq_job))
            say(f"replaying {len(windows)} windows through {self.url}/endpoints/{ENDPOINT}")
            requests = self._replay(client, windows, mq_job)
            say("waiting for the last executions")
            executions = self._wait_for_executions(client, len(windows))
            report = self._report(windows, executions, mq_job)
        return DemoReport(
            windows=report,
            baseline_accuracy=self._baseline_metric(mq_job, "accuracy"),
            baseline_f1=self._baseline_metric(mq_job, "f1"),
            thresholds=self._thresholds(mq_job),
            url=self.url,
            output=self.output,
            requests=requests,
            replayed_rows=sum(len(w) for w in windows if not w.injected),
            total_rows=total_rows,
            seconds=time.perf_counter() - started,
        )

    # ---- steps ---------------------------------------------------------------------------

    def _baseline_datasets(self, trained: Any) -> dict[str, Path]:
        folder = self.output / "baseline-data"
        folder.mkdir(parents=True, exist_ok=True)
        train_proba = trained.estimator.predict_proba(feature_matrix(trained.train))
        columns: dict[str, Any] = {
            PROBABILITY_COLUMNS[0]: train_proba[:, 0],
            PROBABILITY_COLUMNS[1]: train_proba[:, 1],
        }
        for name in FEATURES:
            columns[name] = trained.train[name]
        data_quality = folder / "data-quality.csv"
        pacsv.write_csv(pa.table(columns), data_quality)
        holdout = trained.holdout_probability[:, 1]
        model_quality = folder / "model-quality.csv"
        pacsv.write_csv(
            pa.table(
                {
                    "probability": holdout,
                    "prediction": (holdout >= 0.5).astype(np.int64),
                    LABEL: trained.holdout[LABEL],
                }
            ),
            model_quality,
        )
        return {"data_quality": data_quality, "model_quality": model_quality}

    def _endpoint(self, model_path: Path) -> dict[str, Any]:
        return {
            "name": ENDPOINT,
            "config": {
                "variants": [
                    {
                        "name": VARIANT,
                        "model": {"flavor": "sklearn", "path": str(model_path)},
                        "initial_weight": 1.0,
                    }
                ],
                "data_capture": {
                    "enable_capture": True,
                    "sampling_percentage": 100,
                    "destination": str(self.data_dir / "capture"),
                    "capture_options": ["Input", "Output"],
                    "csv_content_types": ["text/csv"],
                    "json_content_types": ["application/json"],
                },
            },
        }

    def _baselines(
        self, client: Client, datasets: dict[str, Path]
    ) -> tuple[BaseliningJob, BaseliningJob]:
        baselines = self.data_dir / "baselines"
        dq = client.start_baselining_job(
            BaseliningJobSpec.model_validate(
                {
                    "name": "acs-data-quality-2015",
                    "dataset_url": str(datasets["data_quality"]),
                    "output_url": str(baselines / "data-quality"),
                }
            )
        )
        mq = client.start_baselining_job(
            BaseliningJobSpec.model_validate(
                {
                    "name": "acs-model-quality-2015",
                    "monitoring_type": "ModelQuality",
                    "dataset_url": str(datasets["model_quality"]),
                    "output_url": str(baselines / "model-quality"),
                    "problem_type": "BinaryClassification",
                    "probability_attribute": "probability",
                    "probability_threshold": 0.5,
                    "ground_truth_attribute": LABEL,
                    "slack": self.config.slack,
                }
            )
        )
        return self._finished(client, dq.name), self._finished(client, mq.name)

    @staticmethod
    def _finished(client: Client, name: str, timeout: float = 300.0) -> BaseliningJob:
        deadline = time.monotonic() + timeout
        while True:
            job = client.describe_baselining_job(name)
            if job.status.value == "Completed":
                return job
            if job.status.value in ("Failed", "Stopped"):
                raise VigilError(f"baselining job {name} {job.status.value}: {job.failure_reason}")
            if time.monotonic() > deadline:
                raise VigilError(
                    f"baselining job {name} still {job.status.value} after {timeout:.0f} s"
                )
            time.sleep(0.1)

    def _data_quality_schedule(self, job: BaseliningJob) -> MonitoringScheduleSpec:
        return MonitoringScheduleSpec.model_validate(
            {
                "name": DATA_QUALITY_SCHEDULE,
                "monitoring_type": "DataQuality",
                "endpoint_input": {"endpoint_name": ENDPOINT, "variant_name": VARIANT},
                "baseline": {
                    "statistics_url": job.statistics_url,
                    "constraints_url": job.constraints_url,
                },
                "output_url": str(self.data_dir / "reports"),
                "schedule_expression": "cron(0 * ? * * *)",
            }
        )

    def _model_quality_schedule(self, job: BaseliningJob) -> MonitoringScheduleSpec:
        return MonitoringScheduleSpec.model_validate(
            {
                "name": MODEL_QUALITY_SCHEDULE,
                "monitoring_type": "ModelQuality",
                "endpoint_input": {"endpoint_name": ENDPOINT, "variant_name": VARIANT},
                "baseline": {"constraints_url": job.constraints_url},
                "model_quality": {
                    "problem_type": "BinaryClassification",
                    "probability_attribute": "1",
                    "probability_threshold": 0.5,
                    "ground_truth_url": str(self.data_dir / "groundtruth"),
                },
                "output_url": str(self.data_dir / "reports"),
                "schedule_expression": "cron(0 * ? * * *)",
                "data_analysis_start_time": "-PT2H",
                "data_analysis_end_time": "-PT1H",
            }
        )

    def _hour(self, h: int) -> datetime:
        return self.config.start + timedelta(hours=h)

    def _replay(self, client: Client, windows: list[TrafficWindow], mq_job: BaseliningJob) -> int:
        total = sum(len(w) for w in windows)
        sent = 0
        split = urlsplit(self.url)
        connection = http.client.HTTPConnection(split.hostname or "127.0.0.1", split.port)
        path = f"/endpoints/{ENDPOINT}/invocations"
        try:
            for h, window in enumerate(windows):
                lines = csv_rows(window.rows)
                step = timedelta(minutes=58) / max(len(lines), 1)
                begin = self._hour(h) + timedelta(minutes=1)
                for i, (line, inference_id) in enumerate(
                    zip(lines, window.inference_ids, strict=True)
                ):
                    self.clock.set(begin + step * i)
                    connection.request(
                        "POST",
                        path,
                        body=line.encode(),
                        headers={
                            "Content-Type": "text/csv",
                            "Accept": "text/csv",
                            "X-Amzn-SageMaker-Inference-Id": inference_id,
                        },
                    )
                    response = connection.getresponse()
                    body = response.read()
                    if response.status != 200:
                        raise VigilError(
                            f"invocation of {ENDPOINT} answered {response.status}: {body[:200]!r}"
                        )
                    sent += 1
                    if sent % 200 == 0:
                        self.reporter.progress("replay", sent, total)
                self.clock.set(self._hour(h) + timedelta(minutes=59))
                if h >= 1:
                    self._upload_labels(windows[h - 1])
                self._flush_capture()
                self._next_hour(client, h, windows, mq_job)
            self.reporter.progress("replay", sent, total)
        finally:
            connection.close()
        return sent

    def _next_hour(
        self, client: Client, h: int, windows: list[TrafficWindow], mq_job: BaseliningJob
    ) -> None:
        """Move the clock past the end of hour ``h`` (windows close, executions start)."""
        last = len(windows) - 1
        if h == last:
            # the data-quality schedule's last window is hour `last`: once it is planned, stop
            # the schedule so that the empty hours after the replay are not analysed
            self.clock.set(self._hour(h + 1) + timedelta(seconds=30))
            self._wait_planned(client, DATA_QUALITY_SCHEDULE, self._hour(last))
            client.stop_monitoring_schedule(DATA_QUALITY_SCHEDULE)
            self.clock.set(self._hour(h + 1) + timedelta(minutes=59))
            self._upload_labels(windows[last])
            self.clock.set(self._hour(h + 2) + timedelta(seconds=30))
            self._wait_planned(client, MODEL_QUALITY_SCHEDULE, self._hour(last))
            client.stop_monitoring_schedule(MODEL_QUALITY_SCHEDULE)
            return
        self.clock.set(self._hour(h + 1) + timedelta(seconds=30))
        if h == 0:  # hour 0 is in: its window is the model-quality schedule's first
            client.create_monitoring_schedule(self._model_quality_schedule(mq_job))

    def _wait_planned(
        self, client: Client, schedule: str, window_start: datetime, timeout: float = 60.0
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e.window_start == window_start for e in self._executions(client, schedule)):
                return
            time.sleep(0.05)
        raise VigilError(
            f"the scheduler did not plan the {window_start:%Y-%m-%dT%H:%M}Z window of "
            f"{schedule} within {timeout:.0f} s"
        )

    def _upload_labels(self, window: TrafficWindow) -> None:
        records = [
            {"eventId": key, "label": int(label)}
            for key, label in zip(window.inference_ids, window.labels.tolist(), strict=True)
        ]
        response = httpx.post(
            f"{self.url}/ground-truth",
            content=orjson.dumps({"records": records}),
            headers={"Content-Type": "application/json"},
            timeout=60.0,
        )
        if response.status_code != 201:
            raise VigilError(f"POST /ground-truth answered {response.status_code}: {response.text}")

    def _flush_capture(self) -> None:
        """Every answered request of the hour is on disk before its window closes."""
        capture = getattr(self.app.state, "capture", None)
        if capture is not None:
            capture.flush()

    @staticmethod
    def _executions(client: Client, schedule: str) -> list[MonitoringExecution]:
        out: list[MonitoringExecution] = []
        token = None
        while True:
            page = client.list_monitoring_executions(
                schedule_name=schedule, limit=1000, next_token=token
            )
            out.extend(page.items)
            token = page.next_token
            if not token:
                return out

    def _wait_for_executions(
        self, client: Client, windows: int, timeout: float = 600.0
    ) -> dict[str, list[MonitoringExecution]]:
        expected = 2 * windows
        deadline = time.monotonic() + timeout
        while True:
            found = {
                s: self._executions(client, s)
                for s in (DATA_QUALITY_SCHEDULE, MODEL_QUALITY_SCHEDULE)
            }
            done = sum(e.status.value in _TERMINAL for runs in found.values() for e in runs)
            self.reporter.progress("executions", done, expected)
            if done >= expected:
                return found
            if time.monotonic() > deadline:
                raise VigilError(
                    f"{expected - done} executions still running after {timeout:.0f} s"
                )
            time.sleep(0.2)

    # ---- the report ----------------------------------------------------------------------

    def _report(
        self,
        windows: list[TrafficWindow],
        executions: dict[str, list[MonitoringExecution]],
        mq_job: BaseliningJob,
    ) -> list[WindowReport]:
        by_window = {name: {e.window_start: e for e in runs} for name, runs in executions.items()}
        out = []
        for h, window in enumerate(windows):
            start, end = self._hour(h), self._hour(h + 1)
            dq = by_window[DATA_QUALITY_SCHEDULE].get(start)
            mq = by_window[MODEL_QUALITY_SCHEDULE].get(start)
            out.append(
                WindowReport(
                    name=window.name,
                    injected=window.injected,
                    start=start,
                    end=end,
                    rows=len(window),
                    data_quality=dq,
                    model_quality=mq,
                    **_data_quality_details(dq),
                    **_model_quality_details(mq),
                )
            )
        return out

    def _baseline_metric(self, job: BaseliningJob, name: str) -> float:
        statistics = ModelQualityStatistics.from_json(
            read_bytes(str(job.statistics_url)), source=str(job.statistics_url)
        )
        block = statistics.metrics
        value = block.scalar_metrics().get(name) if block is not None else None
        return float("nan") if value is None else float(value.value)

    def _thresholds(self, job: BaseliningJob) -> dict[str, float]:
        document = orjson.loads(read_bytes(str(job.constraints_url)))
        block: dict[str, Any] = next(
            iter(v for k, v in document.items() if k.endswith("_constraints")), {}
        )
        return {name: float(c["threshold"]) for name, c in block.items()}


def _data_quality_details(execution: MonitoringExecution | None) -> dict[str, Any]:
    if execution is None or not execution.output_url:
        return {}
    out: dict[str, Any] = {}
    try:
        found = ConstraintViolations.from_json(
            read_bytes(join(execution.output_url, "constraint_violations.json"))
        )
        out["violations"] = [
            (v.feature_name, v.constraint_check_type, v.description) for v in found.violations
        ]
    except Exception:  # a Failed execution writes no report
        pass
    try:
        text = read_bytes(join(execution.output_url, "metrics", "cloudwatch_metrics.jsonl"))
        drift = [
            (m["MetricName"].removeprefix("feature_baseline_drift_"), float(m["Value"]))
            for m in map(orjson.loads, text.splitlines())
            if m["MetricName"].startswith("feature_baseline_drift_") and m.get("Value") is not None
        ]
        if drift:
            out["top_drift"] = max(drift, key=lambda d: d[1])
    except Exception:
        pass
    return out


def _model_quality_details(execution: MonitoringExecution | None) -> dict[str, Any]:
    if execution is None or not execution.output_url:
        return {}
    out: dict[str, Any] = {}
    try:
        statistics = ModelQualityStatistics.from_json(
            read_bytes(join(execution.output_url, "statistics.json"))
        )
        metrics = statistics.metrics.scalar_metrics() if statistics.metrics else {}
        out["accuracy"] = metrics["accuracy"].value if "accuracy" in metrics else None
        out["f1"] = metrics["f1"].value if "f1" in metrics else None
    except Exception:
        pass
    try:
        coverage = orjson.loads(
            read_bytes(join(execution.output_url, "ground_truth_coverage.json"))
        )
        out["labels"], out["predictions"] = coverage["merged"], coverage["predictions"]
    except Exception:
        pass
    try:
        found = ConstraintViolations.from_json(
            read_bytes(join(execution.output_url, "constraint_violations.json"))
        )
        out["model_violations"] = [v.metric_name or "" for v in found.violations]
    except Exception:
        pass
    return out
