"""Models and payloads in process: parsing, feature order, output encoding, loading errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import orjson
import pytest

from vigil.errors import (
    DatasetFormatError,
    DatasetNotFoundError,
    InvalidParameterError,
    MalformedRowError,
)
from vigil.serving.config import PythonModelConfig, SklearnModelConfig
from vigil.serving.models import ModelRequest, PythonModel, SklearnModel
from vigil.serving.payload import (
    HttpError,
    csv_matrix,
    encode_predictions,
    json_matrix,
    json_rows,
    parse_csv,
    parse_json,
)


def invoke(
    model: SklearnModel | PythonModel, body: bytes, content_type: str, accept: str | None = None
) -> bytes:
    return asyncio.run(model.invoke(ModelRequest(body, content_type, accept, None))).body


@pytest.fixture(scope="module")
def named_model(tmp_path_factory: pytest.TempPathFactory) -> SklearnModel:
    """A LinearRegression fitted on a DataFrame: y = a + 10 b, feature names ['a', 'b']."""
    import joblib
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    frame = pd.DataFrame({"a": [0.0, 1.0, 0.0, 1.0], "b": [0.0, 0.0, 1.0, 1.0]})
    path = tmp_path_factory.mktemp("named") / "m.joblib"
    joblib.dump(LinearRegression().fit(frame, frame["a"] + 10 * frame["b"]), path)
    return SklearnModel(SklearnModelConfig(flavor="sklearn", path=str(path)))


def test_object_rows_follow_the_estimators_feature_names(named_model: SklearnModel) -> None:
    out = invoke(
        named_model, b'[{"b": 1, "a": 2}, {"a": 0, "b": 0, "extra": 5}]', "application/json"
    )
    assert orjson.loads(out)["predictions"] == pytest.approx([12.0, 0.0])
    with pytest.raises(MalformedRowError) as info:
        invoke(named_model, b'[{"a": 1}]', "application/json")
    assert info.value.field == "b"
    assert float(invoke(named_model, b"2,1", "text/csv")) == pytest.approx(12.0)


def test_executor_thread_and_load(code_dir: Path) -> None:
    import sys

    model = PythonModel(
        PythonModelConfig(
            flavor="python",
            entry_point="vigil_test_models:predict",
            code_dir=str(code_dir),
            executor="thread",
        )
    )
    assert invoke(model, b"1,2", "text/csv") == b"13.0"
    assert invoke(model, b"1,2", "text/csv", accept="application/json") == b'{"predictions":[13.0]}'
    assert sys.modules["vigil_test_models"].LOADS  # load() ran once per model


def test_unsupported_media_types(code_dir: Path) -> None:
    model = PythonModel(
        PythonModelConfig(
            flavor="python", entry_point="vigil_test_models:predict", code_dir=str(code_dir)
        )
    )
    with pytest.raises(HttpError) as info:
        invoke(model, b"1", "application/octet-stream")
    assert info.value.status == 415
    with pytest.raises(HttpError) as info:
        invoke(model, b"1", "text/csv", accept="image/png, text/html")
    assert info.value.status == 406
    assert invoke(model, b"1", "text/csv", accept="text/html, application/*") == b"11.0"


def test_loading_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError):
        SklearnModel(SklearnModelConfig(flavor="sklearn", path=str(tmp_path / "none.joblib")))
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"not a pickle")
    with pytest.raises(DatasetFormatError):
        SklearnModel(SklearnModelConfig(flavor="sklearn", path=str(junk)))
    with pytest.raises(InvalidParameterError):
        PythonModel(PythonModelConfig(flavor="python", entry_point="no_such_module_x:f"))
    with pytest.raises(InvalidParameterError):
        PythonModel(PythonModelConfig(flavor="python", entry_point="json:no_such_function"))


def test_payload_parsing_and_encoding() -> None:
    assert parse_csv(b'"a,b",1\n"c",2\n') == [["a,b", "1"], ["c", "2"]]
    assert np.isnan(csv_matrix([["1", " "]])[0, 1])
    with pytest.raises(MalformedRowError):
        parse_csv(b"\n\n")
    with pytest.raises(MalformedRowError):
        parse_csv(b"\xff")
    rows, prefix = json_rows(parse_json(b'{"instances": [{"features": [1, null]}]}'))
    assert prefix == "instances"
    assert np.isnan(json_matrix(rows, prefix)[0, 1])
    with pytest.raises(MalformedRowError):
        json_rows(parse_json(b'{"instances": 3}'))
    with pytest.raises(MalformedRowError):
        json_matrix(*json_rows(parse_json(b'["a", 1]')))
    assert encode_predictions(np.array(["yes", "no, really"]), "csv") == b'yes\n"no, really"'
    assert encode_predictions(np.array([[1, 2]]), "json") == b'{"predictions":[[1,2]]}'
