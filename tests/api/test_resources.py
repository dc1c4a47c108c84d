"""The schedule and baselining-job documents for both monitoring types: which fields each type
needs or refuses (errors name the field), SageMaker's window spelling, delays, and round trips
as the HTTP client sends them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from vigil.api.expressions import parse_delay
from vigil.api.resources import (
    DEFAULT_MIN_LABELS as SCHEDULE_MIN_LABELS,
)
from vigil.api.resources import (
    BaseliningJobSpec,
    MonitoringScheduleSpec,
)
from vigil.errors import InvalidParameterError
from vigil.jobs.model_quality import DEFAULT_MIN_LABELS


def _schedule(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "mq",
        "monitoring_type": "ModelQuality",
        "endpoint_input": {"endpoint_name": "churn"},
        "model_quality": {"problem_type": "BinaryClassification", "probability_attribute": "1"},
        "baseline": {"constraints_url": "/b/constraints.json"},
        "output_url": "/reports",
        "schedule_expression": "cron(0 * ? * * *)",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _fields(kind: Any, data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        kind.model_validate(data)
    return [".".join(str(p) for p in e["loc"]) for e in caught.value.errors()]


def test_each_monitoring_type_needs_and_refuses_its_own_fields() -> None:
    assert MonitoringScheduleSpec.model_validate(_schedule()).model_quality is not None
    assert _fields(MonitoringScheduleSpec, _schedule(model_quality=None)) == ["model_quality"]
    dq = _schedule(monitoring_type="DataQuality")
    assert _fields(MonitoringScheduleSpec, dq) == ["model_quality", "baseline.statistics_url"]
    assert _fields(MonitoringScheduleSpec, _schedule(baseline={})) == ["baseline.constraints_url"]
    refused = _schedule(
        endpoint_input={
            "endpoint_name": "churn",
            "inference_attribute": "0",
            "features_attribute": "$.x",
        },
        record_preprocessor_script="/p.py",
    )
    assert sorted(_fields(MonitoringScheduleSpec, refused)) == [
        "endpoint_input.features_attribute",
        "endpoint_input.inference_attribute",
        "record_preprocessor_script",
    ]
    dataset = _schedule(endpoint_input=None, dataset_input={"dataset_url": "/d.csv"})
    assert _fields(MonitoringScheduleSpec, dataset) == ["dataset_input"]
    regression = _schedule(
        model_quality={"problem_type": "Regression", "probability_attribute": "0"}
    )
    assert _fields(MonitoringScheduleSpec, regression) == ["model_quality.probability_attribute"]


def test_sagemaker_offsets_are_the_schedule_window() -> None:
    spec = MonitoringScheduleSpec.model_validate(
        _schedule(
            endpoint_input={
                "endpoint_name": "churn",
                "start_time_offset": "-P8D",
                "end_time_offset": "-P1D",
            }
        )
    )
    assert (spec.data_analysis_start_time, spec.data_analysis_end_time) == ("-P8D", "-P1D")
    assert spec.endpoint_input is not None and spec.endpoint_input.start_time_offset is None
    # as the HTTP client sends it, and the service reads it back
    again = MonitoringScheduleSpec.model_validate_json(spec.model_dump_json(exclude_unset=True))
    assert again == spec
    twice = _schedule(
        endpoint_input={"endpoint_name": "churn", "end_time_offset": "-PT1H"},
        data_analysis_start_time="-PT2H",
        data_analysis_end_time="-PT1H",
    )
    assert _fields(MonitoringScheduleSpec, twice) == ["endpoint_input.end_time_offset"]
    backwards = _schedule(
        endpoint_input={
            "endpoint_name": "churn",
            "start_time_offset": "-PT1H",
            "end_time_offset": "-PT2H",
        }
    )
    with pytest.raises(ValidationError, match="must come after"):
        MonitoringScheduleSpec.model_validate(backwards)
    bad = _schedule(endpoint_input={"endpoint_name": "churn", "start_time_offset": "P1D"})
    assert _fields(MonitoringScheduleSpec, bad) == ["endpoint_input.start_time_offset"]


def test_label_delays_are_positive_durations() -> None:
    assert parse_delay("P30D") == timedelta(days=30)
    assert parse_delay("+PT1H30M") == timedelta(hours=1, minutes=30)
    assert parse_delay("PT0S") == timedelta(0)
    for text in ("-P1D", "30 days", "P", "P400D"):
        with pytest.raises(InvalidParameterError) as caught:
            parse_delay(text)
        assert caught.value.field == "max_label_delay"
    spec = _schedule(model_quality={"problem_type": "Regression", "max_label_delay": "P1Y"})
    assert _fields(MonitoringScheduleSpec, spec) == ["model_quality.max_label_delay"]
    assert SCHEDULE_MIN_LABELS == DEFAULT_MIN_LABELS


def test_baselining_jobs_of_each_type() -> None:
    base = {"dataset_url": "/d.csv", "output_url": "/out"}
    dq = BaseliningJobSpec.model_validate(base)
    assert dq.monitoring_type == "DataQuality" and dq.problem_type is None
    assert _fields(BaseliningJobSpec, {**base, "problem_type": "Regression"}) == ["problem_type"]
    mq = {**base, "monitoring_type": "ModelQuality"}
    assert _fields(BaseliningJobSpec, mq) == ["problem_type", "ground_truth_attribute"]
    labelled = {**mq, "ground_truth_attribute": "label"}
    assert _fields(BaseliningJobSpec, {**labelled, "problem_type": "MulticlassClassification"}) == [
        "inference_attribute"
    ]
    binary = {**labelled, "problem_type": "BinaryClassification", "probability_attribute": "p"}
    job = BaseliningJobSpec.model_validate(binary)
    assert job.probability_threshold is None and job.inference_attribute is None
    assert _fields(BaseliningJobSpec, {**binary, "on_malformed": "skip"}) == ["on_malformed"]
