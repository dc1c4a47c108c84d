"""The model-quality section and page: SageMaker's real files and a real Vigil execution."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from tests.datasets import SDK
from tests.reports.page import Page, assert_self_contained

from vigil.errors import InvalidParameterError
from vigil.formats.model_quality import ModelQualityConstraints, ModelQualityStatistics
from vigil.jobs.capture_input import CaptureInput
from vigil.jobs.data_quality import ExecutionStatus
from vigil.jobs.model_quality import run_model_quality
from vigil.reports import execution_report
from vigil.reports.model_quality import model_quality_section
from vigil.storage.capture_layout import capture_file_url
from vigil.storage.ground_truth_layout import ground_truth_file_url

T = datetime(2024, 5, 1, 10, tzinfo=UTC)
MQ_STATISTICS = SDK / "tests__data__pipeline__quality_check_step__model_quality__statistics.json"
MQ_CONSTRAINTS = (
    SDK / "tests__data__pipeline__quality_check_step__model_quality__good_cases__constraints.json"
)
MODEL_CARD = (
    SDK / "tests__data__model_card__evaluation_metrics__model_monitor_model_quality_regression.json"
)


def test_sagemaker_regression_files(conformance_dir: Path) -> None:
    stats = ModelQualityStatistics.from_file(MQ_STATISTICS)
    limits = ModelQualityConstraints.from_file(MQ_CONSTRAINTS)
    section = model_quality_section(stats, constraints=limits)
    rows = {m.name: m for m in section.metrics}
    assert set(rows) == {"mae", "mse", "rmse", "r2"}
    assert rows["mae"].value == 0.5040653554420981  # SageMaker's own number
    for name, limit in limits.constraints.items():
        assert rows[name].threshold == limit.threshold
        assert rows[name].status == (
            "violation" if limit.is_violated_by(rows[name].value) else "ok"
        )
    assert section.problem_type == "Regression" and section.labels == () and not section.charts


def test_violating_thresholds_are_flagged(conformance_dir: Path) -> None:
    stats = ModelQualityStatistics.from_file(MODEL_CARD)
    limits = ModelQualityConstraints.from_dict(
        {
            "regression_constraints": {
                "mae": {"threshold": 0.0, "comparison_operator": "GreaterThanThreshold"}
            }
        }
    )
    section = model_quality_section(stats, constraints=limits)
    rows = {m.name: m for m in section.metrics}
    assert rows["mae"].status == "violation" and rows["mae"].rule == "violation when > 0"
    assert rows["r2"].status == "unconstrained"
    assert section.violated == 1
    assert not np.isnan(rows["mae"].standard_deviation)  # real bootstrap std devs


def test_constraints_of_another_problem_type_are_refused(conformance_dir: Path) -> None:
    binary = ModelQualityConstraints.from_dict(
        {
            "binary_classification_constraints": {
                "f1": {"threshold": 0.5, "comparison_operator": "LessThanThreshold"}
            }
        }
    )
    with pytest.raises(InvalidParameterError, match="BinaryClassification"):
        model_quality_section(ModelQualityStatistics.from_file(MQ_STATISTICS), constraints=binary)


def _record(t: datetime, key: str, output: str) -> str:
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": "1,2", "encoding": "CSV"},
                "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": output, "encoding": "CSV"},
            },
            "eventMetadata": {"eventId": f"e-{key}", "inferenceId": key, "inferenceTime": t.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "eventVersion": "0",
        }
    )  # fmt: skip


@pytest.fixture(scope="module")
def mq_execution(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """A binary classifier's hour of traffic (300 predictions with scores), 270 labels a day later."""
    root = tmp_path_factory.mktemp("mq")
    rng = np.random.default_rng(11)
    truth = rng.random(300) < 0.4
    score = np.clip(np.where(truth, 0.65, 0.35) + rng.normal(0, 0.2, 300), 0, 1)
    lines = [
        _record(T + timedelta(seconds=10 * i), f"p{i}", f"{int(s >= 0.5)},{s:.4f}")
        for i, s in enumerate(score)
    ]
    url = Path(capture_file_url(str(root / "capture"), "ep", "AllTraffic", T, "f"))
    url.parent.mkdir(parents=True)
    url.write_text("\n".join(lines) + "\n")
    labels = Path(ground_truth_file_url(str(root / "gt"), T + timedelta(days=1), "labels.jsonl"))
    labels.parent.mkdir(parents=True)
    labels.write_text(
        "\n".join(
            json.dumps({"groundTruthData": {"data": str(int(y)), "encoding": "CSV"}, "eventMetadata": {"eventId": f"p{i}"}, "eventVersion": "0"})
            for i, y in enumerate(truth[:270])
        )
        + "\n"
    )  # fmt: skip
    constraints = root / "constraints.json"
    constraints.write_text(
        json.dumps({"binary_classification_constraints": {
            "accuracy": {"threshold": 0.99, "comparison_operator": "LessThanThreshold"},
            "recall": {"threshold": 0.1, "comparison_operator": "LessThanThreshold"},
        }})
    )  # fmt: skip
    result = run_model_quality(
        problem_type="BinaryClassification",
        capture=CaptureInput(
            str(root / "capture"),
            "ep",
            "AllTraffic",
            T,
            T + timedelta(hours=1),
            inference_attribute="0",
        ),
        ground_truth=str(root / "gt"),
        constraints=str(constraints),
        probability_attribute="1",
        min_labels=50,
        output=str(root / "out"),
        now=lambda: T + timedelta(days=2),
    )
    return root / "out", result


def test_report_of_a_real_model_quality_execution(mq_execution: tuple[Path, object]) -> None:
    out, result = mq_execution
    assert result.status is ExecutionStatus.COMPLETED_WITH_VIOLATIONS  # type: ignore[attr-defined]
    files = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.suffix == ".json"}
    assert {"statistics.json", "ground_truth_coverage.json", "constraint_violations.json"} <= set(
        files
    )
    page = Page(
        execution_report(
            files,
            monitoring_type="ModelQuality",
            status=result.status.value,  # type: ignore[attr-defined]
            exit_message=result.exit_message,  # type: ignore[attr-defined]
            window=(T, T + timedelta(hours=1)),
            generated_at=T + timedelta(days=2),
        ).decode()
    )
    assert_self_contained(page)
    stats = json.loads(files["statistics.json"])["binary_classification_metrics"]
    metrics = {row[0]: row for row in page.table("metrics").body}
    assert float(metrics["accuracy"][1]) == pytest.approx(stats["accuracy"]["value"], rel=1e-3)
    assert metrics["accuracy"][-1] == "violation" and metrics["recall"][-1] == "ok"
    assert "accuracy_best_constant_classifier" not in metrics  # shown beside accuracy
    assert float(metrics["accuracy"][3]) == pytest.approx(
        stats["accuracy_best_constant_classifier"]["value"], rel=1e-3
    )
    matrix = page.table("confusion-matrix")
    cm = stats["confusion_matrix"]
    assert matrix.head[0][1:] == ["0", "1"]
    for row in matrix.body:
        assert [int(n) for n in row[1:]] == [cm.get(row[0], {}).get(p, 0) for p in ("0", "1")]
    assert sum(int(n) for row in matrix.body for n in row[1:]) == 270
    coverage = {row[0]: row[1] for row in page.table("coverage").body}
    written = json.loads(files["ground_truth_coverage.json"])
    assert coverage["predictions"] == "300" and coverage["merged"] == str(written["merged"])
    charts = page.charts()
    assert (
        sorted(page.chart_ids()) == sorted(charts) and len(charts) == 4
    )  # violations, matrix, ROC, PR
    curves = [s for s in charts.values() if "layer" in s and "data" in s["layer"][0]]
    roc = [s for s in curves if len(s["layer"]) == 2]  # with the chance diagonal
    assert len(curves) == 2 and len(roc) == 1
    assert roc[0]["layer"][1]["data"]["values"] == [{"x": 0, "y": 0}, {"x": 1, "y": 1}]
    points = roc[0]["layer"][0]["data"]["values"]
    fpr = stats["receiver_operating_characteristic_curve"]["false_positive_rates"]
    assert 2 <= len(points) <= min(len(fpr), 500) and points[0]["x"] == pytest.approx(fpr[0])
    facts = {row[0]: row[1] for row in page.table("summary-facts").body}
    assert facts["Status"] == "CompletedWithViolations"
    assert facts["Window"] == "2024-05-01 10:00:00 – 2024-05-01 11:00:00 UTC"
