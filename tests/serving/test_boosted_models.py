"""XGBoost and LightGBM estimators saved with joblib, served over loopback HTTP.

Their scikit-learn interfaces (``XGBClassifier``, ``LGBMRegressor``, …) are what people save
with joblib; the sklearn flavor serves them like any estimator: ``predict_proba`` where present,
CSV in gives CSV out, JSON in gives JSON out, and the answer equals the estimator's own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import joblib
import numpy as np
import orjson
import pytest
from tests.serving.conftest import read_captured, serve_app

from vigil.serving import EndpointRegistry, create_app
from vigil.serving.config import parse_config

xgboost = pytest.importorskip("xgboost")
lightgbm = pytest.importorskip("lightgbm")


def _data(kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 5))
    if kind == "regression":
        return x, x @ np.array([1.0, -2.0, 0.5, 0.0, 3.0]) + rng.normal(scale=0.1, size=400)
    if kind == "binary":
        return x, (x[:, 0] + x[:, 1] > 0).astype(int)
    return x, np.digitize(x[:, 0] + x[:, 2], [-0.7, 0.7])  # 3 classes


MODELS: dict[str, tuple[str, Callable[[], Any]]] = {
    "xgb-binary": ("binary", lambda: xgboost.XGBClassifier(n_estimators=20, max_depth=3)),
    "xgb-multiclass": ("multiclass", lambda: xgboost.XGBClassifier(n_estimators=20, max_depth=3)),
    "xgb-regression": ("regression", lambda: xgboost.XGBRegressor(n_estimators=20, max_depth=3)),
    "lgbm-binary": ("binary", lambda: lightgbm.LGBMClassifier(n_estimators=20, verbose=-1)),
    "lgbm-multiclass": ("multiclass", lambda: lightgbm.LGBMClassifier(n_estimators=20, verbose=-1)),
    "lgbm-regression": ("regression", lambda: lightgbm.LGBMRegressor(n_estimators=20, verbose=-1)),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_boosted_estimators_answer_as_they_predict_and_are_captured(
    name: str, tmp_path: Path
) -> None:
    kind, make = MODELS[name]
    x, y = _data(kind)
    estimator = make().fit(x, y)
    path = tmp_path / f"{name}.joblib"
    joblib.dump(estimator, path)
    config = {
        "name": "boosted",
        "variants": [{"name": "AllTraffic", "model": {"flavor": "sklearn", "path": str(path)}}],
        "data_capture": {
            "enable_capture": True,
            "sampling_percentage": 100,
            "destination": str(tmp_path / "capture"),
        },
    }
    registry = EndpointRegistry.from_config(parse_config({"endpoints": [config]}), seed=1)
    rows = x[:7]
    expected = (
        estimator.predict(rows) if kind == "regression" else estimator.predict_proba(rows)
    ).reshape(len(rows), -1)
    csv_body = "\n".join(",".join(repr(float(v)) for v in row) for row in rows).encode()
    with serve_app(create_app(registry)) as url:
        as_csv = httpx.post(
            f"{url}/endpoints/boosted/invocations",
            content=csv_body,
            headers={"content-type": "text/csv", "x-amzn-sagemaker-inference-id": "csv-1"},
        )
        as_json = httpx.post(
            f"{url}/endpoints/boosted/invocations",
            content=orjson.dumps(rows.tolist()),
            headers={"content-type": "application/json"},
        )
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["x-amzn-invoked-production-variant"] == "AllTraffic"
    got = np.array(
        [[float(v) for v in line.split(",")] for line in as_csv.text.strip().splitlines()]
    )
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert as_json.status_code == 200, as_json.text
    predictions = np.array(orjson.loads(as_json.content)["predictions"], dtype=float)
    np.testing.assert_allclose(predictions.reshape(len(rows), -1), expected, rtol=1e-6)
    captured = read_captured(str(tmp_path / "capture"), "boosted", "AllTraffic")
    assert len(captured) == 2
    by_id = {c["eventMetadata"].get("inferenceId"): c for c in captured}
    assert by_id["csv-1"]["captureData"]["endpointInput"]["data"] == csv_body.decode()
