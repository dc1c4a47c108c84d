"""constraint_violations.json: data-quality and model-quality violations."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.errors import DocumentError
from vigil.formats import DATA_QUALITY_CHECK_TYPES, ConstraintViolations, Violation


def _data_quality() -> dict[str, Any]:
    return {
        "violations": [
            {
                "feature_name": "store_and_fwd_flag",
                "constraint_check_type": "categorical_values_check",
                "description": "Value: 0.009009009009009009 does not meet the constraint requirement! ",
            },
            {
                "feature_name": "Account Length",
                "constraint_check_type": "baseline_drift_check",
                "description": "Numerical distance: 0.2711598746081505 exceeds numerical threshold: 0.1",
            },
        ]
    }


def _model_quality() -> dict[str, Any]:
    # Spec §6.4.
    return {
        "violations": [
            {
                "constraint_check_type": "LessThanThreshold",
                "description": "Metric f2 with 0.5 +/- 0.01 was LessThanThreshold 0.625",
                "metric_name": "f2",
            }
        ]
    }


def test_data_quality_violations_round_trip() -> None:
    doc = ConstraintViolations.from_dict(_data_quality())
    assert doc.to_dict() == _data_quality()
    first = doc.violations[0]
    assert first.feature_name == "store_and_fwd_flag"
    assert first.subject == "store_and_fwd_flag"
    assert not first.is_model_quality
    assert first.constraint_check_type in DATA_QUALITY_CHECK_TYPES
    assert [v.constraint_check_type for v in doc.for_subject("Account Length")] == [
        "baseline_drift_check"
    ]


def test_model_quality_violations_round_trip_in_their_key_order() -> None:
    doc = ConstraintViolations.from_dict(_model_quality())
    assert doc.to_dict() == _model_quality()
    assert list(doc.to_dict()["violations"][0]) == [
        "constraint_check_type",
        "description",
        "metric_name",
    ]
    violation = doc.violations[0]
    assert violation.is_model_quality
    assert violation.subject == "f2"


def test_built_violations_use_each_kind_of_analyzer_key_order() -> None:
    built = ConstraintViolations(
        violations=[
            Violation(
                feature_name="a", constraint_check_type="completeness_check", description="d"
            ),
            Violation(
                metric_name="mae", constraint_check_type="GreaterThanThreshold", description="e"
            ),
        ]
    )
    out = built.to_dict()["violations"]
    assert list(out[0]) == ["feature_name", "constraint_check_type", "description"]
    assert list(out[1]) == ["constraint_check_type", "description", "metric_name"]


def test_key_order_as_read_is_kept() -> None:
    doc = {"violations": [{"description": "d", "feature_name": "a", "constraint_check_type": "x"}]}
    assert list(ConstraintViolations.from_dict(doc).to_dict()["violations"][0]) == [
        "description",
        "feature_name",
        "constraint_check_type",
    ]


def test_unknown_check_types_and_keys_are_kept() -> None:
    doc = {
        "violations": [
            {
                "feature_name": "a",
                "constraint_check_type": "some_future_check",
                "description": "d",
                "severity": "high",
            }
        ],
        "job": {"id": 1},
    }
    assert ConstraintViolations.from_dict(doc).to_dict() == doc


def test_no_violations() -> None:
    assert ConstraintViolations().to_json() == '{\n  "violations" : [ ]\n}'
    assert ConstraintViolations.from_json('{"violations": []}').violations == []


@pytest.mark.parametrize(
    ("doc", "field", "fragment"),
    [
        (
            {"violations": [{"constraint_check_type": "x", "description": "d"}]},
            "violations[0]",
            "must have a feature_name or a metric_name",
        ),
        (
            {"violations": [{"feature_name": "a", "constraint_check_type": "x"}]},
            "violations[0].description",
            "is required but missing",
        ),
        (
            {"violations": [{"feature_name": 1, "constraint_check_type": "x", "description": "d"}]},
            "violations[0].feature_name",
            "must be a string; got 1 instead",
        ),
        ({"violations": {"feature_name": "a"}}, "violations", "must be a JSON array"),
    ],
)
def test_errors_name_the_file_and_the_field_path(
    doc: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(DocumentError) as info:
        ConstraintViolations.from_dict(doc, source="constraint_violations.json")
    assert info.value.path == "constraint_violations.json"
    assert info.value.field == field
    assert fragment in info.value.message
