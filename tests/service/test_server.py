"""The one service over real loopback HTTP: endpoints created, changed and deleted through the
REST API are served at once (with capture on the injected clock), invalid configs are refused
naming the field, and the metadata store stays the one source of truth across restarts and
replicas. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.polling import eventually
from tests.service.conftest import (
    IRIS_SETOSA,
    IRIS_VIRGINICA,
    python_config,
    sklearn_config,
)

from vigil.api.resources import EndpointConfig, EndpointCreate
from vigil.client import ApiInputError, ApiNotFoundError, Client
from vigil.control import UrlPolicy
from vigil.control.clock import ManualClock
from vigil.errors import DatasetNotFoundError
from vigil.service.logs import JsonFormatter
from vigil.service.server import ServiceThread, create_service, serve_in_thread
from vigil.serving.config import ServeConfig
from vigil.storage.metadata import MetadataStore

T0 = datetime(2024, 5, 1, 13, 30, tzinfo=UTC)
CSV = {"content-type": "text/csv"}


def _create(client: Client, name: str, config: dict[str, Any]) -> Any:
    return client.create_endpoint(EndpointCreate.model_validate({"name": name, "config": config}))


def _update(client: Client, name: str, config: dict[str, Any]) -> Any:
    return client.update_endpoint(name, EndpointConfig.model_validate(config))


def _captured(root: Path, endpoint: str) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted(root.glob(f"{endpoint}/*/*/*/*/*/*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]


def test_endpoints_are_served_live_through_the_api(
    tmp_path: Path, database_url: str, iris_model: Path, iris_regressor: Path
) -> None:
    clock = ManualClock(T0)
    data = tmp_path / "data"
    app = create_service(data_dir=data, database_url=database_url, clock=clock, seed=0)
    with (
        serve_in_thread(app) as url,
        Client(url) as client,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        assert http.get("/healthz").json()["status"] == "ok"
        assert http.post("/endpoints/iris/invocations", content=IRIS_SETOSA, headers=CSV).json()[
            "code"
        ] == ("EndpointNotFound")
        created = _create(
            client,
            "iris",
            sklearn_config(
                iris_model, capture={"enable_capture": True, "sampling_percentage": 100}
            ),
        )
        # stored as served: absolute model path, capture under the data directory by default
        assert created.config["variants"][0]["model"]["path"] == str(iris_model)
        assert created.config["data_capture"]["destination"] == str(data / "capture")

        answer = http.post(
            "/endpoints/iris/invocations",
            content=f"{IRIS_SETOSA}\n{IRIS_VIRGINICA}",
            headers={**CSV, "X-Amzn-SageMaker-Inference-Id": "csv-1"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-amzn-invoked-production-variant"] == "AllTraffic"
        probabilities = [[float(v) for v in row.split(",")] for row in answer.text.splitlines()]
        assert [row.index(max(row)) for row in probabilities] == [0, 2]
        assert all(abs(sum(row) - 1) < 1e-9 for row in probabilities)

        clock.advance(timedelta(hours=1))  # 14:30: the next capture hour
        answer = http.post(
            "/endpoints/iris/invocations",
            json=[[float(v) for v in IRIS_VIRGINICA.split(",")]],
            headers={"X-Amzn-SageMaker-Inference-Id": "json-1"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/json")
        (row,) = answer.json()["predictions"]
        assert row.index(max(row)) == 2
        assert app.state.capture.flush()
        records = _captured(data / "capture", "iris")
        assert [(r["eventMetadata"]["inferenceId"], r["eventMetadata"]["inferenceTime"]) for r in records] == [
            ("csv-1", "2024-05-01T13:30:00Z"),
            ("json-1", "2024-05-01T14:30:00Z"),
        ]  # fmt: skip
        hours = sorted(
            p.parent.relative_to(data / "capture").as_posix()
            for p in (data / "capture").rglob("*.jsonl")
        )
        assert hours == ["iris/AllTraffic/2024/05/01/13", "iris/AllTraffic/2024/05/01/14"]  # fmt: skip
        assert records[1]["captureData"]["endpointInput"]["encoding"] == "JSON"

        # swap the model live: the regressor answers one number per row
        _update(client, "iris", sklearn_config(iris_regressor))
        answer = http.post("/endpoints/iris/invocations", content=IRIS_VIRGINICA, headers=CSV)
        assert answer.status_code == 200
        assert 1.5 < float(answer.text) < 2.5  # class 2, as a regression
        assert app.state.capture.flush()
        assert len(_captured(data / "capture", "iris")) == 2  # capture is off now

        # capture-only endpoints (an external proxy writes their capture) are stored, not served
        external = tmp_path / "external"
        _create(client, "proxied", {"data_capture": {"destination": str(external)}})
        refused = http.post("/endpoints/proxied/invocations", content=IRIS_SETOSA, headers=CSV)
        assert refused.status_code == 404
        assert refused.json()["code"] == "EndpointNotServed"
        assert "no variants" in refused.json()["message"]
        _update(client, "proxied", sklearn_config(iris_model))
        served = http.post("/endpoints/proxied/invocations", content=IRIS_SETOSA, headers=CSV)
        assert served.status_code == 200
        _update(client, "proxied", {"data_capture": {"destination": str(external)}})
        again = http.post("/endpoints/proxied/invocations", content=IRIS_SETOSA, headers=CSV)
        assert again.json()["code"] == "EndpointNotServed"

        # delete: no longer served, no longer stored
        client.delete_endpoint("iris")
        gone = http.post("/endpoints/iris/invocations", content=IRIS_SETOSA, headers=CSV)
        assert (gone.status_code, gone.json()["code"]) == (404, "EndpointNotFound")
        with pytest.raises(ApiNotFoundError):
            client.describe_endpoint("iris")

        # ground truth lands under the data directory, in the injected clock's hour
        truth = http.post("/ground-truth", json={"records": [{"eventId": "csv-1", "label": 0}]})
        assert truth.status_code == 201, truth.text
        written = Path(truth.json()["url"])
        assert written.parent == data / "groundtruth" / "2024" / "05" / "01" / "14"
        assert json.loads(written.read_text())["eventMetadata"]["eventId"] == "csv-1"
        assert 'endpoint="proxied"' in http.get("/metrics").text


def test_invalid_configs_are_refused_naming_the_field(
    tmp_path: Path, database_url: str, iris_model: Path, service_code_dir: Path
) -> None:
    not_a_model = tmp_path / "notes.joblib"
    not_a_model.write_text("not a pickle")
    good = sklearn_config(iris_model)["variants"][0]
    broken_import = {
        "flavor": "python",
        "entry_point": "vigil_service_broken_import:predict",
        "code_dir": str(service_code_dir),
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"variants": []}, "config.variants"),
        ({"shadow_variant": good}, "config.variants"),
        ({"variants": [{"name": "AllTraffic", "model": {"flavor": "sklearn"}}]},
         "config.variants[0].model.path"),
        ({"variants": [{"name": "AllTraffic", "model": {"flavor": "onnx", "path": "m.onnx"}}]},
         "config.variants[0].model.flavor"),
        ({"variants": [{**good, "weight": 2}]}, "config.variants[0].weight"),
        ({"variants": [good], "data_capture": {"capture_options": ["Everything"]}},
         "config.data_capture.capture_options[0]"),
        ({"variants": [good, {**good, "name": "B", "initial_weight": -1}]},
         "config.variants[1].initial_weight"),
        ({"variants": [{"name": "AllTraffic", "model": {"flavor": "sklearn", "path": "nowhere.joblib"}}]},
         "config.variants[0].model.path"),
        ({"variants": [{"name": "AllTraffic", "model": {"flavor": "sklearn", "path": str(not_a_model)}}]},
         "config.variants[0].model.path"),
        ({"variants": [good], "shadow_variant": {"name": "Shadow", "model": broken_import}},
         "config.shadow_variant.model.entry_point"),
    ]  # fmt: skip
    app = create_service(data_dir=tmp_path / "data", database_url=database_url)
    with serve_in_thread(app) as url, Client(url) as client:
        _create(client, "kept", sklearn_config(iris_model))
        for config, field in cases:
            with pytest.raises(ApiInputError) as refused:
                _create(client, "bad", config)
            assert (refused.value.status, refused.value.field) == (422, field), config
            with pytest.raises(ApiInputError) as refused:
                _update(client, "kept", config)
            assert refused.value.field == field
        with httpx.Client(base_url=url) as http:  # what the client's own model refuses first
            lenient = {"variants": [good], "data_capture": {"enable_capture": 0}}
            posted = http.post("/api/v1/endpoints", json={"name": "bad", "config": lenient})
            assert posted.status_code == 422, posted.text
            assert posted.json()["field"] == "config.data_capture.enable_capture"
        assert [e.name for e in client.list_endpoints().items] == ["kept"]
        assert client.describe_endpoint("kept").config == sklearn_config(iris_model)
        with httpx.Client(base_url=url) as http:
            kept = http.post("/endpoints/kept/invocations", content=IRIS_SETOSA, headers=CSV)
        assert kept.status_code == 200
        assert list(app.state.registry.names()) == ["kept"]

    # a service that restricts URLs refuses model paths outside its prefixes
    allowed = tmp_path / "allowed"
    strict = create_service(
        data_dir=tmp_path / "data",
        database_url=database_url,
        url_policy=UrlPolicy((str(allowed),)),
        reconcile_seconds=None,
    )
    with serve_in_thread(strict) as url, Client(url) as client:
        with pytest.raises(ApiInputError) as refused:
            _create(client, "outside", sklearn_config(iris_model))
        assert refused.value.field == "config.variants[0].model.path"
        assert "must be under" in str(refused.value)


def test_a_restarted_service_serves_the_stored_endpoints(
    tmp_path: Path, database_url: str, iris_model: Path, iris_regressor: Path
) -> None:
    data = tmp_path / "data"
    movable = tmp_path / "movable.joblib"
    movable.write_bytes(iris_regressor.read_bytes())
    first = create_service(data_dir=data, database_url=database_url)
    with serve_in_thread(first) as url, Client(url) as client:
        _create(client, "iris", sklearn_config(iris_model))
        _create(client, "fragile", sklearn_config(movable))
        _create(client, "proxied", {"data_capture": {"destination": str(tmp_path / "ext")}})
    movable.unlink()  # the model of "fragile" can no longer be loaded

    app = create_service(data_dir=data, database_url=database_url)
    assert app.state.registry.names() == ["iris"]
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        answer = http.post("/endpoints/iris/invocations", content=IRIS_VIRGINICA, headers=CSV)
        assert answer.status_code == 200
        unavailable = http.post("/endpoints/fragile/invocations", content=IRIS_SETOSA, headers=CSV)
        assert unavailable.status_code == 503
        assert unavailable.json()["code"] == "EndpointUnavailable"
        assert str(movable) in unavailable.json()["message"]
        proxied = http.post("/endpoints/proxied/invocations", content=IRIS_SETOSA, headers=CSV)
        assert proxied.json()["code"] == "EndpointNotServed"
        with Client(url) as client:  # an update with a model that loads brings it back
            _update(client, "fragile", sklearn_config(iris_regressor))
        answer = http.post("/endpoints/fragile/invocations", content=IRIS_VIRGINICA, headers=CSV)
        assert answer.status_code == 200


def test_replicas_on_one_database_follow_each_other(
    tmp_path: Path, database_url: str, iris_model: Path, iris_regressor: Path
) -> None:
    def replica() -> Any:
        return create_service(
            data_dir=tmp_path / "data", database_url=database_url, reconcile_seconds=0.1
        )

    first, second = replica(), replica()
    with (
        serve_in_thread(first) as url_a,
        serve_in_thread(second) as url_b,
        Client(url_a) as client,
        httpx.Client(base_url=url_b, timeout=30) as other,
    ):

        def answer() -> httpx.Response:
            return other.post("/endpoints/iris/invocations", content=IRIS_VIRGINICA, headers=CSV)

        _create(client, "iris", sklearn_config(iris_model))
        created = eventually(answer, lambda r: r.status_code == 200)
        assert len(created.text.split(",")) == 3  # the classifier's probabilities
        model = first.state.registry.get("iris").variants["AllTraffic"].model
        time.sleep(0.5)  # reconciles of the replica that made the change reload nothing
        assert first.state.registry.get("iris").variants["AllTraffic"].model is model
        _update(client, "iris", sklearn_config(iris_regressor))
        updated = eventually(answer, lambda r: "," not in r.text)
        assert 1.5 < float(updated.text) < 2.5
        client.delete_endpoint("iris")
        deleted = eventually(answer, lambda r: r.status_code == 404)
        assert deleted.json()["code"] == "EndpointNotFound"
        _create(client, "proxied", {})
        eventually(
            lambda: other.post("/endpoints/proxied/invocations", content=b"1", headers=CSV),
            lambda r: r.status_code == 404 and r.json()["code"] == "EndpointNotServed",
        )


def test_config_endpoints_are_upserted_into_the_store(
    tmp_path: Path, database_url: str, iris_model: Path
) -> None:
    clock = ManualClock(T0)
    config = ServeConfig.model_validate(
        {"endpoints": [{"name": "from-file", **sklearn_config(iris_model)}]}
    )

    def service(serve_config: ServeConfig) -> Any:
        return create_service(
            data_dir=tmp_path / "data",
            database_url=database_url,
            clock=clock,
            serve_config=serve_config,
            reconcile_seconds=None,
        )

    with serve_in_thread(service(config)) as url, Client(url) as client:
        stored = client.describe_endpoint("from-file")
        assert stored.config["variants"][0]["model"] == {
            "flavor": "sklearn",
            "path": str(iris_model),
            "executor": "inline",
        }
        with httpx.Client(base_url=url) as http:
            answer = http.post("/endpoints/from-file/invocations", content=IRIS_SETOSA, headers=CSV)
        assert answer.status_code == 200
    clock.advance(timedelta(hours=1))
    with serve_in_thread(service(config)) as url, Client(url) as client:  # unchanged: not rewritten
        assert client.describe_endpoint("from-file").last_modified_time == T0

    missing = ServeConfig.model_validate(
        {"endpoints": [{"name": "no-model", **sklearn_config(tmp_path / "nowhere.joblib")}]}
    )
    with pytest.raises(DatasetNotFoundError):
        service(missing)
    with MetadataStore(database_url) as store:
        assert [e.name for e in store.endpoints.list().items] == ["from-file"]


def test_model_errors_are_logged_with_their_error_id(
    tmp_path: Path,
    database_url: str,
    service_code_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_service(data_dir=tmp_path / "data", database_url=database_url)
    with ServiceThread(app) as service, Client(service.url) as client:
        _create(client, "fails", python_config(service_code_dir, "boom"))
        with caplog.at_level(logging.ERROR, logger="vigil.serving"):
            answer = httpx.post(
                f"{service.url}/endpoints/fails/invocations", content=b"1", headers=CSV
            )
    assert answer.status_code == 500
    error_id = answer.json()["errorId"]
    (record,) = [r for r in caplog.records if getattr(r, "error_id", None) == error_id]
    line = json.loads(JsonFormatter().format(record))
    assert (line["error_id"], line["endpoint"], line["variant"]) == (
        error_id,
        "fails",
        "AllTraffic",
    )
    assert "the model exploded" in line["exception"]
