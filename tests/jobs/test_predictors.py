"""Predictors: batching and call counts, output checks, and a real `vigil` endpoint on loopback."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import httpx
import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LinearRegression
from tests.serving.conftest import free_port, serve_app

from vigil.errors import InvalidParameterError
from vigil.jobs.explain import ShapOptions, explain
from vigil.jobs.predictors import (
    CallablePredictor,
    EndpointPredictor,
    ModelInvocationError,
    ModelPredictor,
)
from vigil.jobs.predictors import _csv_body as csv_body
from vigil.serving import EndpointRegistry, create_app
from vigil.serving.config import parse_config

X_IRIS, Y_IRIS = load_iris(return_X_y=True)


def _regressor() -> LinearRegression:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3))
    return LinearRegression().fit(x, x @ [1.0, -2.0, 0.5] + 3.0)


def test_model_predictor_batches_counts_and_picks_the_method(iris_model: Path) -> None:
    model = joblib.load(iris_model)
    p = ModelPredictor(model, batch_size=40)
    assert p.method == "predict_proba" and p.batch_size == 40
    out = p.predict(X_IRIS)
    np.testing.assert_array_equal(out, model.predict_proba(X_IRIS))
    assert (p.calls, p.rows_predicted) == (4, 150)  # 40 + 40 + 40 + 30
    p.predict(X_IRIS[:1])
    assert (p.calls, p.rows_predicted) == (5, 151)

    regressor = _regressor()
    r = ModelPredictor(regressor)
    assert r.method == "predict"
    assert r.predict(np.ones((2, 3))).shape == (2,)
    decision = ModelPredictor(model, method="decision_function")
    assert decision.predict(X_IRIS[:3]).shape == (3, 3)
    with pytest.raises(InvalidParameterError, match="predict_proba"):
        ModelPredictor(regressor, method="predict_proba")
    with pytest.raises(InvalidParameterError):
        ModelPredictor(regressor, batch_size=0)


def test_outputs_are_checked() -> None:
    labels = CallablePredictor(lambda rows: np.array(["yes"] * len(rows)))
    with pytest.raises(ModelInvocationError, match="not numbers"):
        labels.predict(np.ones((2, 2)))
    short = CallablePredictor(lambda rows: rows[:-1, 0])
    with pytest.raises(ModelInvocationError, match="shape"):
        short.predict(np.ones((3, 2)))
    nan = CallablePredictor(lambda rows: np.where(rows[:, 0] > 1, np.nan, 0.0))
    with pytest.raises(ModelInvocationError, match="row 3"):
        nan.predict(np.array([[0.0], [1.0], [2.0]]))
    changing = CallablePredictor(
        lambda rows: np.ones((len(rows), 1 + int(rows[0, 0]))), batch_size=1
    )
    with pytest.raises(ModelInvocationError, match="outputs per row"):
        changing.predict(np.array([[0.0], [1.0]]))

    def boom(rows: np.ndarray) -> np.ndarray:
        raise RuntimeError("the model exploded")

    with pytest.raises(ModelInvocationError, match="exploded"):
        CallablePredictor(boom).predict(np.ones((1, 1)))
    column = CallablePredictor(lambda rows: rows[:, :1])  # (n, 1) comes back as (n,)
    assert column.predict(np.ones((4, 2))).shape == (4,)
    with pytest.raises(InvalidParameterError):
        column.predict(np.ones(3))
    with pytest.raises(InvalidParameterError):
        column.predict(np.ones((0, 2)))


@pytest.fixture(scope="module")
def vigil_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`vigil`'s inference server on loopback with an iris classifier and a regressor."""
    folder = tmp_path_factory.mktemp("explain-models")
    iris = folder / "iris.joblib"
    joblib.dump(
        GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X_IRIS, Y_IRIS), iris
    )
    lin = folder / "lin.joblib"
    joblib.dump(_regressor(), lin)
    config = {
        "endpoints": [
            {
                "name": name,
                "variants": [
                    {"name": "AllTraffic", "model": {"flavor": "sklearn", "path": str(path)}}
                ],
            }
            for name, path in [("iris", iris), ("lin", lin)]
        ]
    }
    registry = EndpointRegistry.from_config(parse_config(config), seed=7)
    with serve_app(create_app(registry)) as url:
        yield url


def test_endpoint_predictor_answers_what_the_model_answers(vigil_server: str) -> None:
    local = ModelPredictor(
        GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X_IRIS, Y_IRIS)
    )
    with EndpointPredictor(vigil_server, "iris", batch_size=40) as remote:
        out = remote.predict(X_IRIS)
        assert out.shape == (150, 3)
        np.testing.assert_allclose(out, local.predict(X_IRIS), rtol=1e-12, atol=1e-15)
        assert (remote.calls, remote.rows_predicted) == (4, 150)
    with EndpointPredictor(vigil_server, "lin", target_variant="AllTraffic") as lin:
        got = lin.predict(np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]))
        assert got.shape == (2,)
        np.testing.assert_allclose(got, [2.5, 3.0], rtol=1e-9)


def test_endpoint_predictor_halves_batches_over_the_body_limit(vigil_server: str) -> None:
    # four copies of a 16-row block: every 16-row batch encodes to the same size
    rows = np.tile(np.random.default_rng(1).normal(size=(16, 3)) * 1e3, (4, 1))
    limit = len(csv_body(rows[:16])) + 1  # 16 rows always fit, 32 never do
    assert len(csv_body(rows[:32])) > limit
    with EndpointPredictor(vigil_server, "lin", max_body_bytes=limit) as p:
        out = p.predict(rows)
        # 64 rows → 32 + 32 → four requests of 16 rows each
        assert (p.calls, p.rows_predicted) == (4, 64)
    np.testing.assert_allclose(out, _regressor().predict(rows), rtol=1e-9)
    with (
        EndpointPredictor(vigil_server, "lin", max_body_bytes=5) as tiny,
        pytest.raises(ModelInvocationError, match="one row encodes"),
    ):
        tiny.predict(rows[:2])


def test_endpoint_predictor_errors(vigil_server: str) -> None:
    with EndpointPredictor(vigil_server, "nope") as missing:
        with pytest.raises(ModelInvocationError) as info:
            missing.predict(np.ones((1, 3)))
        assert info.value.status == 404
        assert info.value.path == f"{vigil_server}/endpoints/nope/invocations"
    with EndpointPredictor(vigil_server, "lin") as wrong_width:
        with pytest.raises(ModelInvocationError) as info:
            wrong_width.predict(np.ones((1, 5)))
        assert info.value.status == 400
    nobody = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ModelInvocationError, match="cannot be reached"):
        EndpointPredictor(nobody, "lin", timeout=5).predict(np.ones((1, 3)))
    with httpx.Client(base_url=vigil_server) as client:  # a client of the caller's, kept open
        EndpointPredictor(vigil_server, "lin", client=client).close()
        response = client.post(
            "/endpoints/lin/invocations", content=b"1,2,3", headers={"content-type": "text/csv"}
        )
        assert response.status_code == 200
    with pytest.raises(InvalidParameterError):
        EndpointPredictor(vigil_server, "lin", timeout=0)


def test_kernel_shap_through_the_endpoint_equals_in_process_and_counts_calls(
    vigil_server: str,
) -> None:
    """The same explanation over HTTP as in process; one request per explained row (+2)."""
    model = GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X_IRIS, Y_IRIS)
    rows, background = X_IRIS[::15], X_IRIS[[3, 60, 120]]  # 10 rows, 3 baseline rows
    names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    options = ShapOptions(seed=11, method="kernel_shap")
    local = explain(
        ModelPredictor(model), rows, baseline=background, feature_names=names, options=options
    )
    with EndpointPredictor(vigil_server, "iris") as remote:
        over_http = explain(remote, rows, baseline=background, feature_names=names, options=options)
        # 4 features: all 2**4 - 2 = 14 coalitions x 3 baseline rows = 42 synthetic rows a row
        assert over_http.num_samples == 14
        # one request for every row's own output, one for the baseline, one per explained row
        assert over_http.model_calls == remote.calls == 1 + 1 + 10
        assert over_http.rows_predicted == 10 + 3 + 10 * 42
    assert over_http.method == local.method == "kernel_shap"
    assert [label.label for label in over_http.labels] == ["label0", "label1", "label2"]
    np.testing.assert_allclose(
        over_http.local_shap_values, local.local_shap_values, rtol=1e-9, atol=1e-12
    )
    for a, b in zip(over_http.labels, local.labels, strict=True):
        assert a.global_shap_values == pytest.approx(b.global_shap_values, rel=1e-9)
        assert math.isclose(a.expected_value or 0, b.expected_value or 0, rel_tol=1e-12)
