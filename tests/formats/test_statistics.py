"""statistics.json (data quality): tolerant reading, faithful writing, errors."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.errors import DocumentError
from vigil.formats import (
    CommonStatistics,
    DatasetStatistics,
    FeatureStatistics,
    KllBucket,
    KllDistribution,
    KllSketch,
    NumericalDistribution,
    NumericalStatistics,
    Statistics,
)
from vigil.types import InferredType


def _numeric_feature(name: str = "x") -> dict[str, Any]:
    return {
        "name": name,
        "inferred_type": "Integral",
        "numerical_statistics": {
            "common": {"num_present": 10, "num_missing": 0},
            "mean": 5.5,
            "sum": 55.0,
            "std_dev": 2.8722813232690143,
            "min": 1.0,
            "max": 10.0,
            "distribution": {
                "kll": {
                    "buckets": [
                        {"lower_bound": 1.0 + 0.9 * i, "upper_bound": 1.9 + 0.9 * i, "count": 1.0}
                        for i in range(10)
                    ],
                    "sketch": {
                        "parameters": {"c": 0.64, "k": 2048.0},
                        "data": [[float(v) for v in range(1, 11)]],
                    },
                }
            },
        },
    }


def _string_feature(name: str = "message") -> dict[str, Any]:
    # The shape of SDK-test tests/data/monitor/statistics.json (spec §2.3a).
    return {
        "name": name,
        "inferred_type": "String",
        "string_statistics": {
            "common": {"num_present": 418, "num_missing": 0},
            "distinct_count": 1.0,
            "distribution": {
                "categorical": {"buckets": [{"value": "preproc-not-YET-supported", "count": 418}]}
            },
        },
    }


def _doc() -> dict[str, Any]:
    return {
        "version": 0.0,
        "dataset": {"item_count": 10},
        "features": [_numeric_feature(), _string_feature()],
    }


def test_reads_numeric_and_string_features() -> None:
    stats = Statistics.from_dict(_doc())
    x = stats.feature("x")
    assert x is not None
    assert x.inferred_type is InferredType.INTEGRAL
    num = x.numerical_statistics
    assert num is not None
    assert num.mean == 5.5
    assert num.kll is not None
    assert num.kll.sketch is not None
    assert num.kll.sketch.parameters.k == 2048.0
    assert num.kll.sketch.data == [[float(v) for v in range(1, 11)]]
    assert len(num.kll.buckets) == 10
    message = stats.feature("message")
    assert message is not None
    assert message.string_statistics is not None
    assert message.string_statistics.categorical is not None
    assert message.string_statistics.categorical.buckets[0].count == 418
    assert stats.feature("absent") is None


def test_round_trip_is_identity_on_the_dict() -> None:
    assert Statistics.from_dict(_doc()).to_dict() == _doc()


def test_any_key_order_is_read_and_kept_on_write() -> None:
    doc = _doc()
    reordered = {"features": doc["features"], "dataset": doc["dataset"], "version": 0.0}
    feature = reordered["features"][0]
    reordered["features"][0] = dict(reversed(list(feature.items())))
    out = Statistics.from_dict(reordered).to_dict()
    assert list(out) == ["features", "dataset", "version"]
    assert list(out["features"][0]) == list(reversed(list(feature)))


def test_counts_may_be_ints_or_floats_and_are_written_canonically() -> None:
    doc = _doc()
    doc["dataset"]["item_count"] = 10.0
    common = doc["features"][0]["numerical_statistics"]["common"]
    common["num_present"], common["num_missing"] = 10.0, 0.0
    kll = doc["features"][0]["numerical_statistics"]["distribution"]["kll"]
    kll["buckets"][0]["count"] = 1  # SageMaker writes 1.0
    kll["sketch"]["parameters"]["k"] = 2048
    kll["sketch"]["data"] = [list(range(1, 11))]
    doc["features"][1]["string_statistics"]["distinct_count"] = 1
    doc["features"][1]["string_statistics"]["distribution"]["categorical"]["buckets"][0][
        "count"
    ] = 418.0
    doc["version"] = 0

    text = Statistics.from_dict(doc).to_json()

    assert '"item_count" : 10\n' in text
    assert '"num_present" : 10,' in text
    assert '"count" : 1.0\n' in text
    assert '"k" : 2048.0\n' in text
    assert '"data" : [ [ 1.0, 2.0, 3.0,' in text
    assert '"distinct_count" : 1.0,' in text
    assert '"count" : 418\n' in text
    assert text.startswith('{\n  "version" : 0.0,')


def test_nan_strings_are_read_as_nan_and_written_back() -> None:
    doc = _doc()
    doc["features"][0]["numerical_statistics"]["std_dev"] = "NaN"
    doc["features"][0]["numerical_statistics"]["max"] = "Infinity"
    stats = Statistics.from_dict(doc)
    num = stats.features[0].numerical_statistics
    assert num is not None
    assert num.std_dev is not None
    assert math.isnan(num.std_dev)
    assert num.max == math.inf
    assert stats.to_dict() == doc
    assert '"std_dev" : "NaN",' in stats.to_json()


def test_bare_nan_literals_from_python_json_are_accepted() -> None:
    text = json.dumps({"dataset": {"item_count": 1}, "features": [], "x": math.nan})
    assert "NaN" in text
    stats = Statistics.from_json(text)
    assert stats.to_dict()["x"] == "NaN"


def test_unknown_keys_are_preserved_in_place() -> None:
    doc = _doc()
    doc = {"version": 0.0, "producer": {"name": "other", "v": [1, 2]}, **doc}
    doc["features"][0]["numerical_statistics"]["median"] = 5.5
    doc["features"][0]["numerical_statistics"]["distribution"]["kll"]["sketch"]["hll"] = None
    doc["features"][1]["string_statistics"]["top_k"] = [{"value": "a"}]
    stats = Statistics.from_dict(doc)
    assert stats.model_extra == {"producer": {"name": "other", "v": [1, 2]}}
    out = stats.to_dict()
    assert out == doc
    assert list(out) == list(doc)
    assert '"producer" : {' in stats.to_json()


def test_missing_optional_blocks_stay_missing() -> None:
    doc: dict[str, Any] = {
        "features": [
            {
                "name": "x",
                "inferred_type": "Fractional",
                "numerical_statistics": {
                    "common": {"num_present": 0, "num_missing": 3},
                    "distribution": {"kll": {"buckets": []}},
                },
            },
            {"name": "u", "inferred_type": "Unknown"},
        ]
    }
    stats = Statistics.from_dict(doc)
    assert stats.version == 0.0  # the default applies in memory ...
    assert stats.to_dict() == doc  # ... but nothing is invented on write
    num = stats.features[0].numerical_statistics
    assert num is not None
    assert num.mean is None
    assert num.kll is not None
    assert num.kll.sketch is None


def test_built_document_gets_the_full_shape() -> None:
    stats = Statistics(
        dataset=DatasetStatistics(item_count=3),
        features=[
            FeatureStatistics(
                name="x",
                inferred_type=InferredType.INTEGRAL,
                numerical_statistics=NumericalStatistics(
                    common=CommonStatistics(num_present=3, num_missing=0),
                    mean=2,
                    sum=6,
                    std_dev=0.816496580927726,
                    min=1,
                    max=3,
                    distribution=NumericalDistribution(
                        kll=KllDistribution(
                            buckets=[KllBucket(lower_bound=1, upper_bound=3, count=3)],
                            sketch=KllSketch(data=[[1, 2, 3]]),
                        )
                    ),
                ),
            )
        ],
    )
    assert stats.to_dict() == {
        "version": 0.0,
        "dataset": {"item_count": 3},
        "features": [
            {
                "name": "x",
                "inferred_type": "Integral",
                "numerical_statistics": {
                    "common": {"num_present": 3, "num_missing": 0},
                    "mean": 2.0,
                    "sum": 6.0,
                    "std_dev": 0.816496580927726,
                    "min": 1.0,
                    "max": 3.0,
                    "distribution": {
                        "kll": {
                            "buckets": [{"lower_bound": 1.0, "upper_bound": 3.0, "count": 3.0}],
                            "sketch": {
                                "parameters": {"c": 0.64, "k": 2048.0},
                                "data": [[1.0, 2.0, 3.0]],
                            },
                        }
                    },
                },
            }
        ],
    }
    assert '"mean" : 2.0,' in stats.to_json()


def test_features_added_to_a_read_document_are_written_in_full() -> None:
    stats = Statistics.from_dict({"features": []})
    stats.features.append(FeatureStatistics.model_validate(_string_feature("new")))
    stats.dataset = DatasetStatistics(item_count=418)
    out = stats.to_dict()
    assert out["features"][0] == _string_feature("new")
    assert out["dataset"] == {"item_count": 418}
    assert "version" not in out


def test_completeness() -> None:
    feature = FeatureStatistics.model_validate(_string_feature())
    assert feature.completeness == 1.0
    feature = FeatureStatistics.model_validate({"name": "u", "inferred_type": "Unknown"})
    assert feature.completeness is None
    assert feature.common is None


def test_equality_ignores_how_the_document_was_made() -> None:
    built = Statistics(dataset=DatasetStatistics(item_count=1))
    assert Statistics.from_dict(built.to_dict()) == built


@pytest.mark.parametrize(
    ("mutate", "field", "fragment"),
    [
        (
            lambda d: d["features"][0]["numerical_statistics"].__setitem__("mean", "abc"),
            "features[0].numerical_statistics.mean",
            'must be a number or "NaN"; got "abc" instead',
        ),
        (
            lambda d: d.__setitem__("features", {"name": "x"}),
            "features",
            "must be a JSON array; got a JSON object instead",
        ),
        (lambda d: d["features"][1].pop("name"), "features[1].name", "is required but missing"),
        (
            lambda d: d["features"][1].__setitem__("inferred_type", "Text"),
            "features[1].inferred_type",
            "'Integral', 'Fractional', 'String', 'Unknown' or 'Boolean'; got \"Text\"",
        ),
        (
            lambda d: d["dataset"].__setitem__("item_count", 2.5),
            "dataset.item_count",
            "must be a whole number (a count); got 2.5 instead",
        ),
        (
            lambda d: d["features"][0]["numerical_statistics"]["common"].__setitem__(
                "num_present", "10"
            ),
            "features[0].numerical_statistics.common.num_present",
            'got "10" instead',
        ),
        (
            lambda d: d["features"][0]["numerical_statistics"]["distribution"]["kll"]["sketch"][
                "data"
            ][0].__setitem__(3, "x"),
            "features[0].numerical_statistics.distribution.kll.sketch.data[0][3]",
            'must be a number; got "x" instead',
        ),
        (
            lambda d: d["features"][0]["numerical_statistics"].__setitem__("min", True),
            "features[0].numerical_statistics.min",
            "got true instead",
        ),
    ],
)
def test_errors_name_the_file_and_the_field_path(mutate: Any, field: str, fragment: str) -> None:
    doc = copy.deepcopy(_doc())
    mutate(doc)
    with pytest.raises(DocumentError) as info:
        Statistics.from_dict(doc, source="s3://bucket/baseline/statistics.json")
    err = info.value
    assert err.path == "s3://bucket/baseline/statistics.json"
    assert err.field == field
    assert fragment in err.message
    assert str(err).startswith(f"s3://bucket/baseline/statistics.json, field {field!r}: ")
    assert isinstance(err, ValueError)


def test_error_for_a_document_that_is_not_an_object() -> None:
    with pytest.raises(DocumentError, match="must be a JSON object; got a JSON array instead"):
        Statistics.from_json("[1, 2]", source="stats.json")


def test_error_for_text_that_is_not_json() -> None:
    with pytest.raises(DocumentError, match="is not valid JSON") as info:
        Statistics.from_json('{\n  "version" : 0.0,\n  "features" : [ {\n', source="f.json")
    assert info.value.path == "f.json"
    assert info.value.line is not None


def test_file_round_trip_local_and_fsspec(tmp_path: Any) -> None:
    stats = Statistics.from_dict(_doc())
    target = tmp_path / "a" / "b" / "statistics.json"
    stats.to_file(target)
    assert target.read_text(encoding="utf-8") == stats.to_json()
    assert Statistics.from_file(target).to_dict() == _doc()
    stats.to_file("memory://vigil-tests/statistics.json")
    assert Statistics.from_file("memory://vigil-tests/statistics.json").to_dict() == _doc()


def test_from_file_names_the_file_in_errors(tmp_path: Any) -> None:
    path = tmp_path / "statistics.json"
    path.write_text('{"features": [{"name": 3, "inferred_type": "String"}]}')
    with pytest.raises(DocumentError) as info:
        Statistics.from_file(path)
    assert info.value.path == str(path)
    assert info.value.field == "features[0].name"


def test_missing_file_raises_file_not_found(tmp_path: Any) -> None:
    with pytest.raises(FileNotFoundError):
        Statistics.from_file(tmp_path / "nope.json")


_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(
    values=st.lists(_finite, min_size=1, max_size=20),
    present=st.integers(min_value=0, max_value=10**9),
    missing=st.integers(min_value=0, max_value=10**9),
)
def test_written_documents_read_back_to_the_same_text(
    values: list[float], present: int, missing: int
) -> None:
    stats = Statistics(
        dataset=DatasetStatistics(item_count=present + missing),
        features=[
            FeatureStatistics(
                name="f",
                inferred_type=InferredType.FRACTIONAL,
                numerical_statistics=NumericalStatistics(
                    common=CommonStatistics(num_present=present, num_missing=missing),
                    mean=values[0],
                    min=min(values),
                    max=max(values),
                    distribution=NumericalDistribution(
                        kll=KllDistribution(sketch=KllSketch(data=[values]))
                    ),
                ),
            )
        ],
    )
    text = stats.to_json()
    again = Statistics.from_json(text)
    assert again.to_json() == text
    assert again == stats
