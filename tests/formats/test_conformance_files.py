"""Real SageMaker output files (shared/conformance/sagemaker-real) read and write back exactly.

The analyzer's JSON files are Jackson-printed, so reading one and writing it again must give the
same bytes. Capture and ground-truth lines must parse and give back an equal dict (and, for the
compact capture files SageMaker writes, the same bytes).

The folder lives outside the repository; set ``VIGIL_SAGEMAKER_REAL`` to point elsewhere.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from vigil.formats import (
    CaptureRecord,
    Constraints,
    ConstraintViolations,
    Document,
    GroundTruthRecord,
    ModelQualityConstraints,
    ModelQualityStatistics,
    Statistics,
)

ROOT = Path(os.environ.get("VIGIL_SAGEMAKER_REAL", "/work/shared/conformance/sagemaker-real"))
SDK = "aws__sagemaker-python-sdk/"

pytestmark = pytest.mark.skipif(not ROOT.is_dir(), reason=f"no conformance folder at {ROOT}")

DOCUMENTS: dict[str, type[Document]] = {
    SDK + "tests__data__pipeline__quality_check_step__data_quality__statistics.json": Statistics,
    SDK + "tests__data__pipeline__quality_check_step__data_quality__good_cases__constraints.json": (
        Constraints
    ),
    SDK + "tests__data__monitor__constraint_violations.json": ConstraintViolations,
    SDK + "tests__data__pipeline__quality_check_step__model_quality__statistics.json": (
        ModelQualityStatistics
    ),
    SDK
    + "tests__data__pipeline__quality_check_step__model_quality__good_cases__constraints.json": (
        ModelQualityConstraints
    ),
    SDK
    + "tests__data__model_card__evaluation_metrics__model_monitor_model_quality_regression.json": (
        ModelQualityStatistics
    ),
}

# JSON files in the folder that are not Model Monitor documents (Clarify outputs and configs).
NOT_MODEL_MONITOR = {
    SDK + "tests__data__pipeline__clarify_check_step__data_bias__good_cases__analysis.json",
    "aws__amazon-sagemaker-examples/archived__fraud_detection__clarify_output__bias_1__analysis.json",
    "aws__amazon-sagemaker-examples/archived__fraud_detection__clarify_output__bias_2__analysis.json",
    "aws__amazon-sagemaker-examples/"
    "archived__fraud_detection__clarify_output__explainability__analysis.json",
    "aws__amazon-sagemaker-examples/archived__fraud_detection__config__analysis_config.json",
    "aws-samples__amazon-sagemaker-immersion-day/sagemaker-clarify__amazon-sagemaker-credit-risk-"
    "prediction-explainability-bias-detection__output__analysis.json",
}

# The one real file whose bytes end in a newline that Jackson does not write: the SDK's test copy
# of constraint_violations.json (the other five Jackson-printed files end right after the "}").
TRAILING_NEWLINE = {SDK + "tests__data__monitor__constraint_violations.json"}

CAPTURES = [
    SDK + "tests__data__monitor__captured-data.jsonl",
    "data-science-on-aws__data-science-on-aws/"
    "07_train__wip__debugger-monitor__02_deploy_and_monitor__datacapture__captured_data_example.jsonl",
]
GROUND_TRUTH = [
    "aws__amazon-sagemaker-examples/"
    "sagemaker_model_monitor__test_gt__01d3c1a8-aa99-4149-9d5e-78bea047a788.jsonl"
]


def test_every_json_file_in_the_folder_is_classified() -> None:
    found = {str(p.relative_to(ROOT)) for p in ROOT.rglob("*.json")}
    assert found == set(DOCUMENTS) | NOT_MODEL_MONITOR
    lines = {str(p.relative_to(ROOT)) for p in ROOT.rglob("*.jsonl")}
    assert lines == set(CAPTURES) | set(GROUND_TRUTH)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_real_document_round_trips_byte_for_byte(name: str) -> None:
    path = ROOT / name
    raw = path.read_bytes()
    doc = DOCUMENTS[name].from_file(path)
    written = doc.to_json().encode("utf-8")
    if name in TRAILING_NEWLINE:
        assert raw.endswith(b"}\n")
        raw = raw[:-1]
    assert written == raw
    assert doc.to_dict() == json.loads(raw)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_real_document_survives_a_write_to_a_file(name: str, tmp_path: Path) -> None:
    doc = DOCUMENTS[name].from_file(ROOT / name)
    target = tmp_path / "out" / Path(name).name
    doc.to_file(target)
    assert DOCUMENTS[name].from_file(target).to_json() == doc.to_json()


def test_real_data_quality_pair_reads_as_expected() -> None:
    stats = Statistics.from_file(
        ROOT / (SDK + "tests__data__pipeline__quality_check_step__data_quality__statistics.json")
    )
    assert stats.dataset is not None
    assert stats.dataset.item_count == 100
    assert [f.name for f in stats.features] == [f"_c{i}" for i in range(6)]
    c0 = stats.feature("_c0")
    assert c0 is not None
    assert c0.numerical_statistics is not None
    assert c0.numerical_statistics.mean == 2.31
    kll = c0.numerical_statistics.kll
    assert kll is not None
    assert kll.sketch is not None
    assert [len(level) for level in kll.sketch.data] == [100]
    assert sum(b.count for b in kll.buckets) == 100.0

    constraints = Constraints.from_file(
        ROOT
        / (
            SDK
            + "tests__data__pipeline__quality_check_step__data_quality__good_cases__constraints.json"
        )
    )
    effective = constraints.effective_config("_c3")
    assert effective.datatype_check_threshold == 1.0
    assert effective.comparison_method == "Robust"
    assert effective.comparison_threshold == 0.1
    # The real file has no categorical keys: the threshold follows comparison_threshold.
    assert effective.categorical_comparison_threshold == 0.1
    assert constraints.monitoring_config is not None
    dist = constraints.monitoring_config.distribution_constraints
    assert dist is not None
    assert dist.categorical_drift_method is None


def _lines(name: str) -> list[str]:
    return (ROOT / name).read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("name", CAPTURES)
def test_real_capture_records_round_trip(name: str) -> None:
    lines = _lines(name)
    assert lines
    for number, line in enumerate(lines, start=1):
        record = CaptureRecord.from_json(line, source=name, line=number)
        assert record.to_dict() == json.loads(line)
        assert record.to_json() == line  # SageMaker writes compact lines; so do we
        assert record.capture_data.endpoint_input is not None
        assert record.capture_data.endpoint_output is not None
        assert record.event_metadata.inference_datetime is not None


@pytest.mark.parametrize("name", GROUND_TRUTH)
def test_real_ground_truth_records_round_trip(name: str) -> None:
    for number, line in enumerate(_lines(name), start=1):
        record = GroundTruthRecord.from_json(line, source=name, line=number)
        assert record.to_dict() == json.loads(line)
        assert record.ground_truth_data.data == "0"
        assert record.event_metadata.join_key == "01d3c1a8-aa99-4149-9d5e-78bea047a788"
