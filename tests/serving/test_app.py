"""The inference server over real loopback HTTP: invocations, capture, split, shadow, errors."""

from __future__ import annotations

import base64
import logging
import math
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from tests.serving.conftest import read_capture_batches, read_captured, serve_app

from vigil.capture.writer import CaptureWriter
from vigil.formats.capture import CaptureRecord
from vigil.serving import EndpointRegistry, create_app
from vigil.serving.config import parse_config

CSV = {"content-type": "text/csv"}
JSON = {"content-type": "application/json"}


def sklearn_variant(path: Path, name: str = "AllTraffic", weight: float = 1.0) -> dict[str, Any]:
    return {
        "name": name,
        "model": {"flavor": "sklearn", "path": str(path)},
        "initial_weight": weight,
    }


def python_variant(code_dir: Path, fn: str, name: str, weight: float = 1.0) -> dict[str, Any]:
    return {
        "name": name,
        "model": {
            "flavor": "python",
            "entry_point": f"vigil_test_models:{fn}",
            "code_dir": str(code_dir),
        },
        "initial_weight": weight,
    }


def endpoint(
    name: str,
    variants: list[dict[str, Any]],
    destination: Path | str | None = None,
    *,
    percentage: float = 100,
    shadow: dict[str, Any] | None = None,
    **capture: Any,
) -> dict[str, Any]:
    config: dict[str, Any] = {"name": name, "variants": variants}
    if destination is not None:
        config["data_capture"] = {
            "enable_capture": True,
            "sampling_percentage": percentage,
            "destination": str(destination),
            **capture,
        }
    if shadow is not None:
        config["shadow_variant"] = shadow
    return config


def registry(*endpoints: dict[str, Any], seed: int = 7) -> EndpointRegistry:
    return EndpointRegistry.from_config(parse_config({"endpoints": list(endpoints)}), seed=seed)


def test_csv_multi_row_invocation_is_answered_and_captured_byte_for_byte(
    iris_model: Path, tmp_path: Path
) -> None:
    reg = registry(endpoint("iris", [sklearn_variant(iris_model)], tmp_path))
    body = b"5.1,3.5,1.4,0.2\n5.7,2.8,4.1,1.3\r\n7.7,3.0,6.1,2.3\n"
    with serve_app(create_app(reg)) as url:
        r = httpx.post(
            f"{url}/endpoints/iris/invocations",
            content=body,
            headers={
                **CSV,
                "X-Amzn-SageMaker-Inference-Id": "inf-1",
                "X-Amzn-SageMaker-Custom-Attributes": "trace=1",
            },
        )
    assert r.status_code == 200
    assert r.headers["x-amzn-invoked-production-variant"] == "AllTraffic"
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    rows = [[float(v) for v in line.split(",")] for line in r.text.split("\n")]
    assert len(rows) == 3 and all(len(row) == 3 for row in rows)
    assert all(math.isclose(sum(row), 1.0) for row in rows)
    assert [max(range(3), key=row.__getitem__) for row in rows] == [0, 1, 2]

    [line] = read_captured(str(tmp_path), "iris", "AllTraffic")
    record = CaptureRecord.from_dict(line)
    assert record.capture_data.endpoint_input is not None
    assert record.capture_data.endpoint_input.decoded() == body
    assert record.capture_data.endpoint_input.encoding == "CSV"
    assert record.capture_data.endpoint_input.observed_content_type == "text/csv"
    assert record.capture_data.endpoint_output is not None
    assert record.capture_data.endpoint_output.decoded() == r.content
    assert record.event_metadata.inference_id == "inf-1"
    assert record.event_metadata.custom_attributes == "trace=1"
    assert record.event_metadata.inference_time is not None
    assert record.event_metadata.inference_time.endswith("Z")
    assert len(record.event_metadata.event_id) == 36
    assert record.event_version == "0"
    # what a monitoring job reads back: 3 rows, output columns first
    [batch] = read_capture_batches(str(tmp_path), "iris", "AllTraffic")
    assert batch.malformed.count == 0 and batch.table.num_rows == 3
    assert batch.table.column("_c3").to_pylist() == ["5.1", "5.7", "7.7"]


def test_json_invocations_and_accept(
    iris_model: Path, regressor_model: Path, tmp_path: Path
) -> None:
    reg = registry(
        endpoint("iris", [sklearn_variant(iris_model)], tmp_path),
        endpoint("lin", [sklearn_variant(regressor_model)]),
    )
    with serve_app(create_app(reg)) as url, httpx.Client(base_url=url) as client:
        r = client.post(
            "/endpoints/iris/invocations",
            content=b'{"instances": [[5.1, 3.5, 1.4, 0.2], [6.0, 2.2, 5.0, 1.5]]}',
            headers=JSON,
        )
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        predictions = r.json()["predictions"]
        assert len(predictions) == 2 and len(predictions[0]) == 3
        single = client.post("/endpoints/lin/invocations", content=b"[1, 1]", headers=JSON)
        assert single.json() == {"predictions": [pytest.approx(3.0)]}
        as_csv = client.post(
            "/endpoints/lin/invocations",
            content=b"[[1, 0], [0, 1]]",
            headers={**JSON, "Accept": "text/csv"},
        )
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert [float(v) for v in as_csv.text.split("\n")] == pytest.approx([1.0, 2.0])
        as_json = client.post(
            "/endpoints/lin/invocations", content=b"2,3", headers={**CSV, "Accept": "*/*"}
        )
        assert as_json.text == "8.0" or float(as_json.text) == pytest.approx(8.0)
    [line] = read_captured(str(tmp_path), "iris", "AllTraffic")
    assert line["captureData"]["endpointInput"]["encoding"] == "JSON"
    assert line["captureData"]["endpointOutput"]["data"] == r.text
    assert "inferenceId" not in line["eventMetadata"]


def test_python_entry_point_with_load_and_capture_options(code_dir: Path, tmp_path: Path) -> None:
    reg = registry(
        endpoint(
            "py",
            [python_variant(code_dir, "predict", "V1")],
            tmp_path,
            capture_options=["Output"],
        )
    )
    with serve_app(create_app(reg)) as url:
        r = httpx.post(f"{url}/endpoints/py/invocations", content=b"1,2\n3,4", headers=CSV)
        j = httpx.post(f"{url}/endpoints/py/invocations", content=b"[[1, 2]]", headers=JSON)
    assert r.text == "13.0\n17.0"
    assert j.json() == {"predictions": [13.0]}
    records = read_captured(str(tmp_path), "py", "V1")
    assert len(records) == 2
    assert all(set(rec["captureData"]) == {"endpointOutput"} for rec in records)


def test_sampling_rate_is_within_statistical_bounds(code_dir: Path, tmp_path: Path) -> None:
    n, p = 600, 0.3
    reg = registry(
        endpoint("s", [python_variant(code_dir, "predict", "V")], tmp_path, percentage=30)
    )
    with serve_app(create_app(reg)) as url, httpx.Client(base_url=url) as client:
        for i in range(n):
            assert client.post("/endpoints/s/invocations", content=f"{i}".encode(), headers=CSV)
    captured = read_captured(str(tmp_path), "s", "V")
    sd = math.sqrt(n * p * (1 - p))
    assert abs(len(captured) - n * p) < 4 * sd, len(captured)
    # each captured record is one of the requests, unaltered
    sent = {f"{i}" for i in range(n)}
    assert {rec["captureData"]["endpointInput"]["data"] for rec in captured} <= sent


def test_weighted_split_target_variant_and_unknown_variant(code_dir: Path) -> None:
    n = 800
    reg = registry(
        endpoint(
            "split",
            [
                python_variant(code_dir, "predict", "A", weight=3),
                python_variant(code_dir, "predict", "B", weight=1),
                python_variant(code_dir, "predict", "Dark", weight=0),
            ],
        )
    )
    app = create_app(reg)
    with serve_app(app) as url, httpx.Client(base_url=url) as client:
        seen = [
            client.post("/endpoints/split/invocations", content=b"1", headers=CSV).headers[
                "x-amzn-invoked-production-variant"
            ]
            for _ in range(n)
        ]
        targeted = client.post(
            "/endpoints/split/invocations",
            content=b"1",
            headers={**CSV, "X-Amzn-SageMaker-Target-Variant": "Dark"},
        )
        unknown = client.post(
            "/endpoints/split/invocations",
            content=b"1",
            headers={**CSV, "X-Amzn-SageMaker-Target-Variant": "Nope"},
        )
    sd = math.sqrt(n * 0.75 * 0.25)
    assert abs(seen.count("A") - 0.75 * n) < 4 * sd
    assert seen.count("A") + seen.count("B") == n  # weight 0 gets no untargeted traffic
    assert targeted.status_code == 200
    assert targeted.headers["x-amzn-invoked-production-variant"] == "Dark"
    assert unknown.status_code == 404 and unknown.json()["code"] == "VariantNotFound"
    snap = app.state.metrics.snapshot()
    assert snap.get("split", "A").invocations == seen.count("A")
    assert snap.get("split", "").invocation_4xx_errors == 1


def test_shadow_is_captured_under_its_name_and_never_returned(
    code_dir: Path, tmp_path: Path
) -> None:
    reg = registry(
        endpoint(
            "sh",
            [python_variant(code_dir, "predict", "Prod")],
            tmp_path,
            shadow=python_variant(code_dir, "constant", "Shadow"),
        ),
        endpoint(
            "broken-shadow",
            [python_variant(code_dir, "predict", "Prod")],
            tmp_path,
            shadow=python_variant(code_dir, "boom", "Shadow"),
        ),
    )
    app = create_app(reg)
    with serve_app(app) as url, httpx.Client(base_url=url) as client:
        answers = [
            client.post(
                "/endpoints/sh/invocations",
                content=f"{i},1".encode(),
                headers={**CSV, "X-Amzn-SageMaker-Inference-Id": f"id-{i}"},
            )
            for i in range(20)
        ]
        broken = [
            client.post("/endpoints/broken-shadow/invocations", content=b"1,1", headers=CSV)
            for _ in range(5)
        ]
    assert all(r.status_code == 200 and "shadow" not in r.text for r in answers)
    assert all(r.headers["x-amzn-invoked-production-variant"] == "Prod" for r in answers)
    assert all(r.status_code == 200 and r.text == "12.0" for r in broken)
    prod = read_captured(str(tmp_path), "sh", "Prod")
    shadow = read_captured(str(tmp_path), "sh", "Shadow")
    assert len(prod) == len(shadow) == 20
    assert {rec["captureData"]["endpointOutput"]["data"] for rec in shadow} == {"shadow-answer"}
    assert sorted(r["eventMetadata"]["inferenceId"] for r in shadow) == sorted(
        r["eventMetadata"]["inferenceId"] for r in prod
    )
    assert read_captured(str(tmp_path), "broken-shadow", "Shadow") == []
    assert len(read_captured(str(tmp_path), "broken-shadow", "Prod")) == 5
    snap = app.state.metrics.snapshot()
    assert snap.get("broken-shadow", "Shadow").invocation_5xx_errors == 5
    assert snap.get("broken-shadow", "Prod").invocation_5xx_errors == 0


def test_every_error_path_and_capture_of_the_answered_requests(
    iris_model: Path, code_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reg = registry(
        endpoint("iris", [sklearn_variant(iris_model)], tmp_path),
        endpoint("boom", [python_variant(code_dir, "boom", "V")], tmp_path),
        endpoint("picky", [python_variant(code_dir, "picky", "V")], tmp_path),
    )
    app = create_app(reg, max_body_bytes=4096)
    good = b"5.1,3.5,1.4,0.2"
    calls: list[tuple[str, bytes, dict[str, str]]] = [
        ("iris", good, CSV),
        ("iris", b"5.1,3.5,abc,0.2\n", CSV),  # 400 names row and field
        ("iris", good, CSV),
        ("iris", b"5.1,3.5\n", CSV),  # 400 wrong width
        ("iris", b"1,2,3,4\n1,2,3\n", CSV),  # 400 ragged rows
        ("iris", b'{"instances": [[1, 2, 3, 4], [1, "x", 3, 4]]}', JSON),  # 400 JSON path
        ("iris", b"{not json", JSON),  # 400
        ("iris", good, {"content-type": "image/png"}),  # 415
        ("iris", good, {**CSV, "Accept": "image/png"}),  # 406
        ("iris", b"1," * 4000, CSV),  # 413
        ("nope", good, CSV),  # 404 endpoint
        ("boom", b"1", CSV),  # 500 with error id
        ("picky", b"1", CSV),  # 400 from the model's InputError
        ("iris", good, CSV),
    ]
    with (
        caplog.at_level(logging.ERROR, logger="vigil.serving"),
        serve_app(app) as url,
        httpx.Client(base_url=url) as client,
    ):
        answers = [
            client.post(f"/endpoints/{name}/invocations", content=body, headers=headers)
            for name, body, headers in calls
        ]
    statuses = [r.status_code for r in answers]
    assert statuses == [200, 400, 200, 400, 400, 400, 400, 415, 406, 413, 404, 500, 400, 200]
    bad_value = answers[1].json()
    assert bad_value["row"] == 1 and bad_value["field"] == "3"
    assert "row 1, field 3" in bad_value["message"] and "'abc'" in bad_value["message"]
    assert "expects 4 features" in answers[3].json()["message"]
    assert "row 2 has 3 fields" in answers[4].json()["message"]
    assert answers[5].json()["message"].startswith("instances[1][1]")
    assert answers[10].json()["code"] == "EndpointNotFound"
    error = answers[11].json()
    assert error["code"] == "ModelError" and error["errorId"] in error["message"]
    assert any(error["errorId"] in rec.getMessage() for rec in caplog.records)
    assert answers[12].json()["field"] == "rows"

    captured = read_captured(str(tmp_path), "iris", "AllTraffic")
    assert len(captured) == statuses[:10].count(200) + 1 == 3
    assert read_captured(str(tmp_path), "boom", "V") == []
    snap = app.state.metrics.snapshot()
    iris = snap.get("iris", "AllTraffic")
    assert iris.invocations == 11
    assert iris.invocation_4xx_errors == 8 and iris.invocation_5xx_errors == 0
    assert snap.get("boom", "V").invocation_5xx_errors == 1
    assert snap.get("nope", "AllTraffic") is None


def test_proxy_mode_forwards_captures_base64_and_maps_upstream_failures(
    upstream: str, tmp_path: Path
) -> None:
    def proxy(name: str, path: str, timeout: float = 5.0) -> dict[str, Any]:
        return endpoint(
            name,
            [
                {
                    "name": "Up",
                    "model": {
                        "flavor": "proxy",
                        "url": f"{upstream}{path}",
                        "timeout_seconds": timeout,
                    },
                }
            ],
            tmp_path,
        )

    reg = registry(
        proxy("echo", "/predict"),
        proxy("slow", "/slow", timeout=0.3),
        proxy("fail", "/fail"),
        proxy("reject", "/reject"),
        endpoint(
            "down",
            [{"name": "Up", "model": {"flavor": "proxy", "url": "http://127.0.0.1:9/x"}}],
        ),
    )
    payload = bytes(range(256))
    with serve_app(create_app(reg)) as url, httpx.Client(base_url=url, timeout=10) as client:
        echo = client.post(
            "/endpoints/echo/invocations",
            content=payload,
            headers={
                "content-type": "application/x-image",
                "X-Amzn-SageMaker-Custom-Attributes": "a=1",
            },
        )
        slow = client.post("/endpoints/slow/invocations", content=b"1", headers=CSV)
        fail = client.post("/endpoints/fail/invocations", content=b"1", headers=CSV)
        reject = client.post("/endpoints/reject/invocations", content=b"1", headers=CSV)
        down = client.post("/endpoints/down/invocations", content=b"1", headers=CSV)
    assert echo.status_code == 200 and echo.content == payload[::-1]
    assert echo.headers["content-type"] == "application/x-image"
    assert slow.status_code == 504 and slow.json()["code"] == "UpstreamTimeout"
    assert fail.status_code == 500 and "errorId" in fail.json()
    assert reject.status_code == 422 and reject.json() == {"error": "bad input"}
    assert down.status_code == 502
    [record] = read_captured(str(tmp_path), "echo", "Up")
    assert record["captureData"]["endpointInput"]["encoding"] == "BASE64"
    parsed = CaptureRecord.from_dict(record)
    assert parsed.capture_data.endpoint_input is not None
    assert parsed.capture_data.endpoint_input.decoded() == payload
    assert base64.b64decode(record["captureData"]["endpointOutput"]["data"]) == payload[::-1]
    for name in ("slow", "fail", "reject"):
        assert read_captured(str(tmp_path), name, "Up") == []


def test_metrics_endpoint_and_snapshot(code_dir: Path, tmp_path: Path) -> None:
    reg = registry(endpoint("m", [python_variant(code_dir, "predict", "V")], tmp_path))
    app = create_app(reg)
    with serve_app(app) as url, httpx.Client(base_url=url) as client:
        for _ in range(5):
            client.post("/endpoints/m/invocations", content=b"1,2", headers=CSV)
        client.post("/endpoints/m/invocations", content=b"x", headers={"content-type": "a/b"})
        assert client.get("/ping").status_code == 200
        app.state.capture.flush()
        text = client.get("/metrics").text
    assert 'vigil_invocations_total{endpoint="m",variant="V"} 6.0' in text
    assert 'vigil_invocation_4xx_errors_total{endpoint="m",variant="V"} 1.0' in text
    assert 'vigil_model_latency_microseconds_count{endpoint="m",variant="V"} 6.0' in text
    assert "vigil_overhead_latency_microseconds_bucket" in text
    assert 'vigil_capture_records_dropped_total{endpoint="m",variant="V"} 0.0' in text
    snap = app.state.metrics.snapshot()
    v = snap.get("m", "V")
    assert (v.invocations, v.invocation_4xx_errors, v.invocation_5xx_errors) == (6, 1, 0)
    assert v.model_latency.sample_count == 6 and v.model_latency.minimum > 0
    assert v.overhead_latency.average > 0
    size = sum(f.stat().st_size for f in (tmp_path / "m" / "V").rglob("*.jsonl"))
    assert v.capture_bytes_written == size > 0


def test_registry_changes_at_run_time(code_dir: Path, tmp_path: Path) -> None:
    reg = registry(endpoint("live", [python_variant(code_dir, "predict", "V1")]))
    with serve_app(create_app(reg)) as url, httpx.Client(base_url=url) as client:
        first = client.post("/endpoints/live/invocations", content=b"1", headers=CSV)
        old_model = reg.get("live").variants["V1"].model  # type: ignore[union-attr]
        reg.put(
            parse_config(
                {
                    "endpoints": [
                        endpoint(
                            "live",
                            [
                                python_variant(code_dir, "predict", "V1", weight=0),
                                python_variant(code_dir, "constant", "V2"),
                            ],
                            tmp_path,
                        )
                    ]
                }
            ).endpoints[0]
        )
        second = client.post("/endpoints/live/invocations", content=b"1", headers=CSV)
        assert reg.get("live").variants["V1"].model is old_model  # type: ignore[union-attr]
        reg.delete("live")
        third = client.post("/endpoints/live/invocations", content=b"1", headers=CSV)
    assert first.headers["x-amzn-invoked-production-variant"] == "V1"
    assert second.headers["x-amzn-invoked-production-variant"] == "V2"
    assert third.status_code == 404
    assert len(read_captured(str(tmp_path), "live", "V2")) == 1


def test_capture_to_s3_is_uploaded_in_the_sagemaker_layout(
    code_dir: Path, s3_bucket: str, s3_client: Any, tmp_path: Path
) -> None:
    destination = f"{s3_bucket}/datacapture"
    reg = registry(
        endpoint("s3ep", [python_variant(code_dir, "predict", "AllTraffic")], destination)
    )
    writer = CaptureWriter(staging_dir=str(tmp_path / "staging"))
    with serve_app(create_app(reg, capture=writer)) as url, httpx.Client(base_url=url) as client:
        for i in range(10):
            client.post("/endpoints/s3ep/invocations", content=f"{i},1".encode(), headers=CSV)
    keys = [
        obj["Key"] for obj in s3_client.list_objects_v2(Bucket=s3_bucket[5:]).get("Contents", [])
    ]
    assert len(keys) == 1
    parts = keys[0].split("/")
    assert parts[:3] == ["datacapture", "s3ep", "AllTraffic"] and len(parts) == 8
    assert parts[-1].endswith(".jsonl") and len(parts[-1]) == len("00-00-000-") + 36 + 6
    records = read_captured(destination, "s3ep", "AllTraffic")
    assert sorted(r["captureData"]["endpointInput"]["data"] for r in records) == sorted(
        f"{i},1" for i in range(10)
    )
    [batch] = read_capture_batches(destination, "s3ep", "AllTraffic")
    assert batch.table.num_rows == 10 and batch.malformed.count == 0
    assert list((tmp_path / "staging").iterdir()) == []


def test_ground_truth_route_writes_sagemaker_records(tmp_path: Path, code_dir: Path) -> None:
    reg = registry(endpoint("gt", [python_variant(code_dir, "predict", "V")]))
    clock = lambda: 1714568400.0 + 125.5  # 2024-05-01T13:02:05.5Z  # noqa: E731
    app = create_app(reg, ground_truth_destination=str(tmp_path), clock=clock)
    no_gt = create_app(registry(endpoint("x", [python_variant(code_dir, "predict", "V")])))
    with serve_app(app) as url, httpx.Client(base_url=url) as client:
        created = client.post(
            "/ground-truth",
            json={
                "records": [
                    {"eventId": "id-1", "label": 1},
                    {"eventId": "id-2", "label": "no"},
                    {
                        "groundTruthData": {"data": "0", "encoding": "CSV"},
                        "eventMetadata": {"eventId": "id-3"},
                        "eventVersion": "0",
                    },
                ]
            },
        )
        bad = client.post("/ground-truth", json={"records": [{"eventId": "", "label": 1}]})
    with serve_app(no_gt) as url:
        missing = httpx.post(f"{url}/ground-truth", json={"records": []})
    assert created.status_code == 201, created.text
    assert created.json()["records"] == 3
    [file] = (tmp_path / "groundtruth" / "2024" / "05" / "01" / "13").iterdir()
    assert file.name.startswith("02-05-500-")
    lines = file.read_bytes().splitlines()
    assert lines[0] == (
        b'{"groundTruthData":{"data":"1","encoding":"CSV"},'
        b'"eventMetadata":{"eventId":"id-1"},"eventVersion":"0"}'
    )
    assert [orjson.loads(x)["groundTruthData"]["data"] for x in lines] == ["1", "no", "0"]
    assert bad.status_code == 400 and bad.json()["field"] == "records[0].eventId"
    assert missing.status_code == 404


def test_a_full_capture_queue_drops_counts_and_never_blocks_the_caller(
    code_dir: Path, tmp_path: Path
) -> None:
    import asyncio

    reg = registry(endpoint("drop", [python_variant(code_dir, "predict", "V")], tmp_path))
    writer = CaptureWriter(max_queue_records=3)  # never started: nothing drains the queue
    app = create_app(reg, capture=writer)

    async def invoke_many() -> list[int]:
        transport = httpx.ASGITransport(app=app)  # no lifespan: the writer stays stopped
        async with httpx.AsyncClient(transport=transport, base_url="http://vigil") as client:
            return [
                (
                    await client.post("/endpoints/drop/invocations", content=b"1", headers=CSV)
                ).status_code
                for _ in range(10)
            ]

    assert asyncio.run(invoke_many()) == [200] * 10
    v = app.state.metrics.snapshot().get("drop", "V")
    assert v.capture_records_dropped == 7
    assert 'vigil_capture_records_dropped_total{endpoint="drop",variant="V"} 7.0' in (
        app.state.metrics.render().decode()
    )
    assert "vigil_capture_queue_records 3.0" in app.state.metrics.render().decode()
    writer.close()
    assert len(read_captured(str(tmp_path), "drop", "V")) == 3
