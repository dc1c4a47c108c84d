"""ModelQuality through the REST API (real loopback HTTP, SQLite and PostgreSQL), the typed
client and the CLI: schedule validation as problem+json naming the field, UpdateMonitoringSchedule
(``PUT``), and ModelQuality baselining jobs equal to calling the library directly."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.scheduling.data import Baseline, make_baseline
from tests.scheduling.mq_data import ENDPOINT, train_model, write_model_quality_baseline
from tests.service.server import serving

from vigil.api.resources import MonitoringScheduleSpec
from vigil.client import ApiInputError, ApiNotFoundError, Client
from vigil.control import UrlPolicy
from vigil.control.clock import ManualClock
from vigil.jobs.model_quality import suggest_model_quality_baseline
from vigil.service.app import create_app

PROBLEM = "application/problem+json"


@dataclass
class Api:
    url: str
    http: httpx.Client
    root: Path
    dq: Baseline
    mq_dataset: Path
    mq_statistics: Path
    mq_constraints: Path
    regression_constraints: Path

    def schedule(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": "mq",
            "monitoring_type": "ModelQuality",
            "endpoint_input": {"endpoint_name": ENDPOINT},
            "model_quality": {
                "problem_type": "BinaryClassification",
                "probability_attribute": "1",
            },
            "baseline": {"constraints_url": str(self.mq_constraints)},
            "output_url": str(self.root / "reports"),
            "schedule_expression": "cron(0 * ? * * *)",
            "data_analysis_start_time": "-PT2H",
            "data_analysis_end_time": "-PT1H",
        }
        body.update(overrides)
        return body


@pytest.fixture
def api(tmp_path: Path, database_url: str) -> Iterator[Api]:
    dq = make_baseline(tmp_path)
    model = train_model()
    dataset, statistics, constraints = write_model_quality_baseline(tmp_path, model)
    _, _, regression = write_model_quality_baseline(tmp_path, model, problem_type="Regression")
    app = create_app(
        database_url=database_url,
        clock=ManualClock(datetime(2024, 5, 1, tzinfo=UTC)),
        url_policy=UrlPolicy((str(tmp_path),)),
    )
    with serving(app) as url, httpx.Client(base_url=f"{url}/api/v1", timeout=60) as http:
        assert http.post("/endpoints", json={"name": ENDPOINT}).status_code == 201
        yield Api(url, http, tmp_path, dq, dataset, statistics, constraints, regression)


def _problem(response: httpx.Response, status: int, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body.get("field") == field, body
    return body


def test_model_quality_schedules_are_validated_naming_the_field(api: Api) -> None:
    dq_baseline = {
        "statistics_url": str(api.dq.statistics),
        "constraints_url": str(api.dq.constraints),
    }
    binary = {"problem_type": "BinaryClassification", "probability_attribute": "1"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"model_quality": None}, "model_quality"),
        ({"monitoring_type": "DataQuality", "baseline": dq_baseline}, "model_quality"),
        ({"monitoring_type": "DataQuality", "model_quality": None}, "baseline.statistics_url"),
        ({"monitoring_type": "ModelBias"}, "monitoring_type"),
        ({"model_quality": {"problem_type": "Ranking"}}, "model_quality.problem_type"),
        (
            {"model_quality": {**binary, "probability_threshold": 1.5}},
            "model_quality.probability_threshold",
        ),
        ({"model_quality": {**binary, "min_coverage": -0.1}}, "model_quality.min_coverage"),
        ({"model_quality": {**binary, "max_label_delay": "-P1D"}}, "model_quality.max_label_delay"),
        (
            {"model_quality": {"problem_type": "Regression", "probability_attribute": "1"}},
            "model_quality.probability_attribute",
        ),
        (
            {"model_quality": {**binary, "inference_attribute": "$["}},
            "model_quality.inference_attribute",
        ),
        (
            {"model_quality": {**binary, "ground_truth_url": "/etc/labels"}},
            "model_quality.ground_truth_url",
        ),
        ({"baseline": {}}, "baseline.constraints_url"),
        (
            {"baseline": {"constraints_url": str(api.root / "none.json")}},
            "baseline.constraints_url",
        ),
        ({"baseline": {"constraints_url": str(api.dq.constraints)}}, "baseline.constraints_url"),
        (
            {"baseline": {"constraints_url": str(api.regression_constraints)}},
            "baseline.constraints_url",
        ),
        (
            {
                "baseline": {
                    "constraints_url": str(api.mq_constraints),
                    "statistics_url": str(api.dq.statistics),
                }
            },
            "baseline.statistics_url",
        ),
        (
            {"endpoint_input": None, "dataset_input": {"dataset_url": str(api.mq_dataset)}},
            "dataset_input",
        ),
        (
            {"endpoint_input": {"endpoint_name": ENDPOINT, "inference_attribute": "0"}},
            "endpoint_input.inference_attribute",
        ),
        (
            {"endpoint_input": {"endpoint_name": ENDPOINT, "start_time_offset": "-PT3H"}},
            "endpoint_input.start_time_offset",
        ),
        (
            {"post_analytics_processor_script": str(api.root / "p.py")},
            "post_analytics_processor_script",
        ),
    ]
    for overrides, field in cases:
        body = api.schedule(**overrides)
        if body.get("model_quality") is None:
            body.pop("model_quality")
        _problem(api.http.post("/monitoring-schedules", json=body), 422, field)
    # the wrong problem type is explained
    detail = _problem(
        api.http.post(
            "/monitoring-schedules",
            json=api.schedule(baseline={"constraints_url": str(api.regression_constraints)}),
        ),
        422,
        "baseline.constraints_url",
    )["detail"]
    assert "holds Regression constraints" in detail and "BinaryClassification" in detail
    assert api.http.get("/monitoring-schedules").json()["items"] == []

    # SageMaker's spelling of the window is the same window
    body = api.schedule(
        endpoint_input={
            "endpoint_name": ENDPOINT,
            "start_time_offset": "-PT2H",
            "end_time_offset": "-PT1H",
        },
        baseline={
            "constraints_url": str(api.mq_constraints),
            "statistics_url": str(api.mq_statistics),
        },
    )
    del body["data_analysis_start_time"], body["data_analysis_end_time"]
    created = api.http.post("/monitoring-schedules", json=body)
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["monitoring_type"] == "ModelQuality" and document["status"] == "Pending"
    assert (document["data_analysis_start_time"], document["data_analysis_end_time"]) == (
        "-PT2H",
        "-PT1H",
    )
    assert document["endpoint_input"].get("start_time_offset") is None
    assert document["model_quality"] == {
        "problem_type": "BinaryClassification",
        "inference_attribute": None,
        "probability_attribute": "1",
        "probability_threshold": 0.5,
        "ground_truth_url": None,
        "min_labels": 100,
        "min_coverage": 0.0,
        "max_label_delay": None,
        "sagemaker_r2": False,
    }


def test_put_replaces_a_schedule_and_refuses_what_create_refuses(api: Api) -> None:
    assert api.http.post("/monitoring-schedules", json=api.schedule()).status_code == 201
    body = api.schedule(
        schedule_expression="@daily",
        model_quality={
            "problem_type": "BinaryClassification",
            "probability_attribute": "1",
            "probability_threshold": 0.7,
            "min_labels": 10,
            "ground_truth_url": str(api.root / "labels"),
        },
    )
    replaced = api.http.put("/monitoring-schedules/mq", json=body)
    assert replaced.status_code == 200, replaced.text
    document = replaced.json()
    assert document["schedule_expression"] == "@daily"
    assert document["model_quality"]["probability_threshold"] == 0.7
    assert document["model_quality"]["ground_truth_url"] == str(api.root / "labels")
    assert api.http.get("/monitoring-schedules/mq").json() == document

    _problem(api.http.put("/monitoring-schedules/mq", json=api.schedule(name="other")), 422, "name")
    dq = api.schedule(
        monitoring_type="DataQuality",
        baseline={
            "statistics_url": str(api.dq.statistics),
            "constraints_url": str(api.dq.constraints),
        },
    )
    del dq["model_quality"]
    _problem(api.http.put("/monitoring-schedules/mq", json=dq), 422, "monitoring_type")
    bad = api.schedule(baseline={"constraints_url": str(api.regression_constraints)})
    _problem(api.http.put("/monitoring-schedules/mq", json=bad), 422, "baseline.constraints_url")
    _problem(
        api.http.put("/monitoring-schedules/ghost", json=api.schedule(name="ghost")), 404, "name"
    )
    assert api.http.get("/monitoring-schedules/mq").json() == document

    with Client(api.url) as client:
        spec = MonitoringScheduleSpec.model_validate(api.schedule(schedule_expression="@hourly"))
        assert client.update_monitoring_schedule("mq", spec).schedule_expression == "@hourly"
        with pytest.raises(ApiInputError) as caught:
            client.update_monitoring_schedule("mq", spec.model_copy(update={"name": "x"}))
        assert caught.value.status == 422 and caught.value.field == "name"
        with pytest.raises(ApiNotFoundError):
            client.update_monitoring_schedule("ghost", spec.model_copy(update={"name": "ghost"}))


def _finished(http: httpx.Client, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        job: dict[str, Any] = http.get(f"/baselining-jobs/{name}").json()
        if job["status"] != "InProgress":
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def test_a_model_quality_baselining_job_writes_what_the_library_writes(api: Api) -> None:
    bad: list[tuple[dict[str, Any], str]] = [
        ({"monitoring_type": "DataQuality"}, "problem_type"),
        ({"ground_truth_attribute": None}, "ground_truth_attribute"),
        ({"probability_attribute": None}, "inference_attribute"),
        ({"problem_type": "Regression"}, "probability_attribute"),
        ({"on_malformed": "skip"}, "on_malformed"),
        ({"string_columns": ["label"]}, "string_columns"),
        ({"slack": -1}, "slack"),
    ]
    body: dict[str, Any] = {
        "name": "mq-baseline",
        "monitoring_type": "ModelQuality",
        "dataset_url": str(api.mq_dataset),
        "output_url": str(api.root / "job-output"),
        "problem_type": "BinaryClassification",
        "probability_attribute": "probability",
        "ground_truth_attribute": "label",
    }
    for overrides, field in bad:
        request = {**body, **overrides}
        _problem(api.http.post("/baselining-jobs", json=request), 422, field)
    started = api.http.post("/baselining-jobs", json=body)
    assert started.status_code == 201, started.text
    assert started.json()["probability_threshold"] == 0.5 and started.json()["slack"] == 0.1
    job = _finished(api.http, "mq-baseline")
    assert job["status"] == "Completed", job
    assert (
        job["summary"]["rows"] == 400 and job["summary"]["problem_type"] == "BinaryClassification"
    )
    direct = suggest_model_quality_baseline(
        str(api.mq_dataset),
        problem_type="BinaryClassification",
        ground_truth_attribute="label",
        probability_attribute="probability",
        output=str(api.root / "direct"),
    )
    assert job["summary"]["metrics"]["accuracy"] == direct.report.metrics["accuracy"].value
    out = api.root / "job-output"
    assert job["statistics_url"] == str(out / "statistics.json")
    assert job["constraints_url"] == str(out / "constraints.json")
    assert (out / "constraints.json").read_bytes() == (
        api.root / "direct" / "constraints.json"
    ).read_bytes()
    ours = json.loads((out / "statistics.json").read_text())
    theirs = json.loads((api.root / "direct" / "statistics.json").read_text())
    for document in (ours, theirs):  # the evaluation time is when each ran
        document["dataset"].pop("evaluation_time")
    assert ours == theirs
    # the baseline it produced is a valid ModelQuality schedule baseline
    created = api.http.post(
        "/monitoring-schedules",
        json=api.schedule(
            baseline={
                "constraints_url": job["constraints_url"],
                "statistics_url": job["statistics_url"],
            }
        ),
    )
    assert created.status_code == 201, created.text


def test_cli_model_quality_schedules_and_baselining_jobs(api: Api, vigil: Any) -> None:
    target = ["--url", api.url]

    def ok(*args: str) -> Any:
        code, out, err = vigil(*args, *target)
        assert code == 0, err
        return json.loads(out)

    common = [
        "--endpoint", ENDPOINT,
        "--baseline-constraints", str(api.mq_constraints),
        "--output", str(api.root / "reports"),
        "--data-analysis-start-time", "-PT2H", "--data-analysis-end-time", "-PT1H",
    ]  # fmt: skip
    created = ok(
        "schedules", "create", "mq", *common,
        "--monitoring-type", "ModelQuality", "--problem-type", "BinaryClassification",
        "--probability-attribute", "1", "--probability-threshold", "0.6",
        "--ground-truth", str(api.root / "labels"), "--min-labels", "20", "--min-coverage", "0.5",
        "--max-label-delay", "P2D",
    )  # fmt: skip
    assert created["model_quality"] == {
        "problem_type": "BinaryClassification",
        "probability_attribute": "1",
        "probability_threshold": 0.6,
        "ground_truth_url": str(api.root / "labels"),
        "min_labels": 20,
        "min_coverage": 0.5,
        "max_label_delay": "P2D",
        "sagemaker_r2": False,
    }
    assert "inference_attribute" not in created["endpoint_input"]
    updated = ok(
        "schedules", "update", "mq", *common,
        "--monitoring-type", "ModelQuality", "--problem-type", "BinaryClassification",
        "--inference-attribute", "0", "--schedule-expression", "@daily",
    )  # fmt: skip
    assert updated["schedule_expression"] == "@daily"
    assert updated["model_quality"]["inference_attribute"] == "0"
    assert updated["model_quality"]["min_labels"] == 100  # a whole new definition

    code, _, err = vigil(
        "schedules", "create", "mq2", *common, "--monitoring-type", "ModelQuality", *target
    )
    assert code == 2 and "model_quality.problem_type" in err and "Traceback" not in err
    code, _, err = vigil(
        "schedules", "create", "dq", *common, "--problem-type", "Regression", *target
    )
    words = " ".join(err.split())
    assert code == 2 and "only to --type model-quality, not to --type data-quality" in words
    code, _, err = vigil(
        "schedules", "update", "mq", *common, "--baseline-statistics", str(api.dq.statistics),
        "--baseline-constraints", str(api.dq.constraints), *target,
    )  # fmt: skip
    assert code == 2 and "monitoring_type" in err

    job = ok(
        "baselining-jobs", "start", "--name", "cli-mq",
        "--dataset", str(api.mq_dataset), "--output", str(api.root / "cli-mq"),
        "--monitoring-type", "ModelQuality", "--problem-type", "BinaryClassification",
        "--probability-attribute", "probability", "--ground-truth-attribute", "label",
        "--slack", "0",
    )  # fmt: skip
    assert job["monitoring_type"] == "ModelQuality" and job["slack"] == 0.0
    assert _finished(api.http, "cli-mq")["status"] == "Completed"
    code, _, err = vigil(
        "baselining-jobs", "start", "--dataset", str(api.mq_dataset),
        "--output", str(api.root / "x"), "--monitoring-type", "ModelQuality", *target,
    )  # fmt: skip
    assert code == 2 and "problem_type" in err
