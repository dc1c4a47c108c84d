"""Client errors are 400 ``ValidationError``, counted as 4xx; only model failures are 5xx.

Real models (scikit-learn, saved with joblib) behind the inference server on loopback HTTP,
called with httpx and with boto3's ``sagemaker-runtime`` client (which must raise its modelled
``ValidationError``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from tests.serving.conftest import serve_app
from tests.serving.test_app import endpoint, python_variant, registry, sklearn_variant

from vigil.serving import create_app

# (Content-Type, body): four features for the iris model, the last one bad
NOT_FINITE = [
    ("text/csv", b"5.1,3.5,1.4,inf"),
    ("text/csv", b"5.1,3.5,1.4,1e309"),
    ("text/csv", b"5.1,3.5,1.4,-Infinity"),
    ("application/json", b'[5.1, 3.5, 1.4, "1e309"]'),
    ("application/json", b"[5.1, 3.5, 1.4, 1e309]"),
    ("application/json", b'{"instances": [[5.1, 3.5, 1.4, "-inf"]]}'),
]
MISSING = [
    ("text/csv", b"5.1,3.5,1.4,"),
    ("text/csv", b"5.1,3.5,1.4,nan"),
    ("text/csv", b"5.1,3.5,1.4,NaN"),
    ("application/json", b"[5.1, 3.5, 1.4, null]"),
    ("application/json", b'[[5.1, 3.5, 1.4, 0.2], [5.1, 3.5, 1.4, "NaN"]]'),
]


@pytest.fixture(scope="module")
def hist_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HistGradientBoostingClassifier on iris: it accepts NaN as a missing value."""
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = load_iris(return_X_y=True)
    path = tmp_path_factory.mktemp("models") / "hist.joblib"
    joblib.dump(HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(x, y), path)
    return path


def _counts(url: str) -> dict[str, float]:
    counts = {}
    for line in httpx.get(f"{url}/metrics").text.splitlines():
        for name in ("4xx", "5xx"):
            if (
                line.startswith(f"vigil_invocation_{name}_errors_total{{")
                and 'endpoint="m"' in line
            ):
                counts[name] = float(line.rsplit(" ", 1)[1])
    return counts


def _invoke_all(url: str, cases: list[tuple[str, bytes]]) -> list[httpx.Response]:
    with httpx.Client(base_url=url) as client:
        return [
            client.post("/endpoints/m/invocations", content=body, headers={"content-type": ct})
            for ct, body in cases
        ]


def test_bad_values_are_validation_errors_naming_the_field(iris_model: Path) -> None:
    app = create_app(registry(endpoint("m", [sklearn_variant(iris_model)])))
    with serve_app(app) as url:
        answers = _invoke_all(url, NOT_FINITE + MISSING)
        good = _invoke_all(url, [("text/csv", b"5.1,3.5,1.4,0.2")])
        counts = _counts(url)
    for (ct, body), response in zip(NOT_FINITE + MISSING, answers, strict=True):
        assert response.status_code == 400, (ct, body, response.text)
        error = response.json()
        assert error["code"] == "ValidationError", (ct, body, error)
    by_body = {body: r.json() for (_, body), r in zip(NOT_FINITE + MISSING, answers, strict=True)}
    assert by_body[b"5.1,3.5,1.4,1e309"]["message"] == (
        "row 1, field 4: '1e309' is not a finite number"
    )
    assert by_body[b"5.1,3.5,1.4,"]["message"] == (
        "row 1, field 4 is missing: the model does not accept missing values"
    )
    assert by_body[b"5.1,3.5,1.4,"]["field"] == "4"
    nan_in_row_2 = by_body[b'[[5.1, 3.5, 1.4, 0.2], [5.1, 3.5, 1.4, "NaN"]]']
    assert nan_in_row_2["row"] == 2 and nan_in_row_2["message"].startswith("[1][3] is missing")
    assert good[0].status_code == 200
    assert counts == {"4xx": len(NOT_FINITE + MISSING), "5xx": 0}


def test_a_model_that_accepts_missing_values_gets_them_but_never_infinity(
    hist_model: Path,
) -> None:
    app = create_app(registry(endpoint("m", [sklearn_variant(hist_model)])))
    with serve_app(app) as url:
        missing = _invoke_all(url, MISSING)
        not_finite = _invoke_all(url, NOT_FINITE)
        counts = _counts(url)
    for response in missing:
        assert response.status_code == 200, response.text
    rows = [
        len(r.json()["predictions"]) if ct == "application/json" else len(r.text.splitlines())
        for (ct, _), r in zip(MISSING, missing, strict=True)
    ]
    assert rows == [1, 1, 1, 1, 2]
    for response in not_finite:
        assert response.status_code == 400 and response.json()["code"] == "ValidationError"
    assert counts == {"4xx": len(NOT_FINITE), "5xx": 0}


def test_a_model_failure_is_still_a_model_error(code_dir: Path) -> None:
    app = create_app(registry(endpoint("m", [python_variant(code_dir, "boom", "V")])))
    with serve_app(app) as url:
        [response] = _invoke_all(url, [("text/csv", b"1,2")])
        counts = _counts(url)
    assert response.status_code == 500 and response.json()["code"] == "ModelError"
    assert counts == {"4xx": 0, "5xx": 1}


def test_boto3_raises_its_modelled_validation_error(iris_model: Path) -> None:
    app = create_app(registry(endpoint("m", [sklearn_variant(iris_model)])))
    with serve_app(app) as url:
        client: Any = boto3.client(
            "sagemaker-runtime",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}),
        )
        for ct, body in (NOT_FINITE + MISSING)[::3]:
            with pytest.raises(client.exceptions.ValidationError) as info:
                client.invoke_endpoint(EndpointName="m", Body=body, ContentType=ct)
            assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
            message = info.value.response["Error"]["Message"]
            assert "not a finite number" in message or "is missing" in message, message
        answer = client.invoke_endpoint(
            EndpointName="m", Body=b"5.1,3.5,1.4,0.2", ContentType="text/csv"
        )
        assert len(answer["Body"].read().split(b",")) == 3


@pytest.mark.parametrize(
    ("first_step", "accepted"), [("imputer", True), ("scaler", False)], ids=["imputer", "scaler"]
)
def test_a_pipeline_accepts_missing_values_when_it_imputes_them(
    tmp_path: Path, first_step: str, accepted: bool
) -> None:
    # scikit-learn tags every Pipeline allow_nan=False; one that starts with an imputer takes
    # missing values (the demo's model does), one that only scales them does not
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = load_iris(return_X_y=True)
    step = SimpleImputer() if first_step == "imputer" else StandardScaler()
    path = tmp_path / "pipeline.joblib"
    joblib.dump(make_pipeline(step, LogisticRegression(max_iter=500)).fit(x, y), path)
    app = create_app(registry(endpoint("m", [sklearn_variant(path)])))
    with serve_app(app) as url:
        answers = _invoke_all(url, MISSING)
        counts = _counts(url)
    statuses = {r.status_code for r in answers}
    assert statuses == ({200} if accepted else {400}), [r.text for r in answers]
    assert counts == {"4xx": 0 if accepted else len(MISSING), "5xx": 0}
