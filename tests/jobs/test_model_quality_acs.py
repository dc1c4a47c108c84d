"""Model quality on real data: ACS employment predictions replayed as capture, labels days later.

The nannyml ACS files hold a model's predictions for Massachusetts 2016–2018
(``employment_MA_analysis.pq``: ``prediction``, ``predicted_probability``) and, separately, the
true labels (``employment_MA_analysis_target.pq``, joined on ``id``): delayed ground truth.
Each year becomes one day of endpoint traffic (inferenceId = id); its labels are filed two to
five days later, a few corrected by a later upload and 2% never sent. The monitor's accuracy per
window must equal pandas' on the same rows.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pandas as pd
import pytest

from vigil.demo.acs import AcsFiles
from vigil.jobs.capture_input import CaptureInput
from vigil.jobs.data_quality import ExecutionStatus
from vigil.jobs.model_quality import run_model_quality, suggest_model_quality_baseline
from vigil.storage.capture_layout import capture_file_url
from vigil.storage.ground_truth_layout import ground_truth_file_url

FEATURES = ["AGEP", "SCHL", "MAR", "RELP", "DIS", "ESP", "CIT", "MIG", "MIL", "ANC",
            "NATIVITY", "DEAR", "DEYE", "DREM", "SEX", "RAC1P"]  # fmt: skip
DAY0 = datetime(2024, 3, 1, tzinfo=UTC)
YEARS = {2016: DAY0, 2017: DAY0 + timedelta(days=1), 2018: DAY0 + timedelta(days=2)}
STUB_DAY = DAY0 + timedelta(days=3)  # a broken model that always answers "employed"


def _lines(
    rows: pd.DataFrame, day: datetime, *, always_employed: bool = False
) -> dict[str, list[str]]:
    files: dict[str, list[str]] = {}
    seconds = (rows["id"].to_numpy() * 7919) % 86_400  # spread over the day's 24 hours
    features = functools.reduce(
        lambda a, b: a + "," + b, [rows[c].astype(str) for c in FEATURES]
    ).tolist()
    urls = {
        h: capture_file_url("ROOT", "acs", "AllTraffic", day + timedelta(hours=h), "f")
        for h in range(24)
    }
    for rid, second, x, pred, prob in zip(
        rows["id"].tolist(), seconds.tolist(), features,
        rows["prediction"].tolist(), rows["predicted_probability"].tolist(), strict=True,
    ):  # fmt: skip
        hh, rest = divmod(second, 3600)
        stamp = f"{day:%Y-%m-%d}T{hh:02d}:{rest // 60:02d}:{rest % 60:02d}Z"
        output = "1,1.0" if always_employed else f"{pred},{prob!r}"
        record = {
            "captureData": {
                "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": x, "encoding": "CSV"},
                "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": output, "encoding": "CSV"},
            },
            "eventMetadata": {"eventId": f"evt-{rid}", "inferenceId": str(rid), "inferenceTime": stamp},
            "eventVersion": "0",
        }  # fmt: skip
        files.setdefault(urls[hh], []).append(orjson.dumps(record).decode())
    return files


@functools.cache
def _gt_url(root: str, collected: datetime, name: str) -> str:
    return ground_truth_file_url(root, collected, name)


def _label(rid: int, label: int) -> str:
    return orjson.dumps(
        {"groundTruthData": {"data": str(label), "encoding": "CSV"}, "eventMetadata": {"eventId": str(rid)}, "eventVersion": "0"}
    ).decode()  # fmt: skip


@pytest.fixture(scope="module")
def acs_traffic(acs_files: AcsFiles, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("acs-mq")
    analysis = pd.read_parquet(acs_files.analysis)
    target = pd.read_parquet(acs_files.analysis_target)
    files: dict[str, list[str]] = {}
    for year, day in YEARS.items():
        for url, lines in _lines(analysis[analysis["year"] == year], day).items():
            files.setdefault(url, []).extend(lines)
    stub = analysis[(analysis["year"] == 2018) & (analysis["id"] % 4 == 0)]
    for url, lines in _lines(stub, STUB_DAY, always_employed=True).items():
        files.setdefault(url, []).extend(lines)
    for url, lines in files.items():
        path = Path(url.replace(str(Path("ROOT").absolute()), str(root / "capture")))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
    # labels: filed 2-5 days after the traffic's day, by id; 2% never arrive; every 50th id is
    # first filed wrong (day + 2) and corrected later (day + 4): the latest must win
    labelled = target.merge(analysis[["id", "year"]], on="id")
    labelled = labelled[labelled["id"] % 50 != 7]
    gt: dict[str, list[str]] = {}
    gt_root = str(root / "gt")
    for year, day in YEARS.items():
        rows = labelled[labelled["year"] == year]
        for rid, label in zip(rows["id"].tolist(), rows["employed"].tolist(), strict=True):
            delay = timedelta(days=2 + rid % 4, hours=rid % 24)
            if rid % 50 == 0:
                wrong = _gt_url(gt_root, day + timedelta(days=2), "first.jsonl")
                gt.setdefault(wrong, []).append(_label(rid, 1 - label))
                delay = timedelta(days=4, hours=1)
            url = _gt_url(gt_root, day + delay, "labels.jsonl")
            gt.setdefault(url, []).append(_label(rid, label))
        if year == 2018:  # the stub's traffic has the same ids: their labels come again
            for rid, label in zip(rows["id"].tolist(), rows["employed"].tolist(), strict=True):
                if rid % 4 == 0:
                    url = _gt_url(gt_root, STUB_DAY + timedelta(days=1), "stub.jsonl")
                    gt.setdefault(url, []).append(_label(rid, label))
    for url, lines in gt.items():
        Path(url).parent.mkdir(parents=True, exist_ok=True)
        Path(url).write_text("\n".join(lines) + "\n")
    reference = pd.read_parquet(acs_files.reference)
    reference[["prediction", "predicted_probability", "employed"]].to_csv(
        root / "reference.csv", index=False
    )
    return {"root": root, "analysis": analysis, "labelled": labelled}


def _window(root: Path, day: datetime, constraints: Path, workers: int = 1) -> object:
    return run_model_quality(
        problem_type="BinaryClassification",
        capture=CaptureInput(
            str(root / "capture"),
            "acs",
            "AllTraffic",
            day,
            day + timedelta(days=1),
            inference_attribute="0",
        ),
        ground_truth=str(root / "gt"),
        probability_attribute="1",
        constraints=str(constraints),
        output=str(root / "reports" / f"{day:%Y-%m-%d}"),
        workers=workers,
        now=lambda: DAY0 + timedelta(days=10),
    )


def test_per_window_accuracy_equals_pandas_and_a_broken_model_is_caught(
    acs_traffic: dict[str, object],
) -> None:
    root: Path = acs_traffic["root"]  # type: ignore[assignment]
    analysis: pd.DataFrame = acs_traffic["analysis"]  # type: ignore[assignment]
    labelled: pd.DataFrame = acs_traffic["labelled"]  # type: ignore[assignment]
    baseline = suggest_model_quality_baseline(
        str(root / "reference.csv"),
        problem_type="BinaryClassification",
        inference_attribute="prediction",
        probability_attribute="predicted_probability",
        ground_truth_attribute="employed",
        output=str(root / "baseline"),
    )
    reference_accuracy = baseline.statistics.binary_classification_metrics.accuracy.value
    assert reference_accuracy == pytest.approx(0.8271570836664971)
    joined = analysis.merge(labelled[["id", "employed"]], on="id")
    for k, (year, day) in enumerate(YEARS.items()):
        result = _window(
            root, day, root / "baseline" / "constraints.json", workers=2 if k == 0 else 1
        )
        rows = joined[joined["year"] == year]
        expected = float((rows["prediction"] == rows["employed"]).mean())
        block = result.statistics.binary_classification_metrics
        assert block.accuracy.value == pytest.approx(expected, abs=1e-15), year
        c = result.coverage
        assert c.predictions == int((analysis["year"] == year).sum())
        assert c.merged == len(rows)
        corrected = int((rows["id"] % 50 == 0).sum())
        sent_again = int((rows["id"] % 4 == 0).sum()) if year == 2018 else 0  # with the stub's
        assert c.duplicate_labels == corrected + sent_again
        # slack 0.1: no false alarm on the normal year-to-year noise
        assert result.status is ExecutionStatus.COMPLETED, result.violations
        assert block.accuracy.standard_deviation < 0.01
    stub = _window(root, STUB_DAY, root / "baseline" / "constraints.json")
    assert stub.status is ExecutionStatus.COMPLETED_WITH_VIOLATIONS
    names = {v.metric_name for v in stub.violations.violations}
    assert {"accuracy", "precision", "true_negative_rate", "false_positive_rate"} <= names
    assert "recall" not in names  # always "employed": recall is 1.0


def test_sagemakers_zero_slack_alarms_on_normal_year_to_year_noise(
    acs_traffic: dict[str, object],
) -> None:
    root: Path = acs_traffic["root"]  # type: ignore[assignment]
    suggest_model_quality_baseline(
        str(root / "reference.csv"),
        problem_type="BinaryClassification",
        inference_attribute="prediction",
        probability_attribute="predicted_probability",
        ground_truth_attribute="employed",
        output=str(root / "baseline0"),
        slack=0.0,
    )
    result = _window(root, YEARS[2016], root / "baseline0" / "constraints.json")
    assert result.status is ExecutionStatus.COMPLETED_WITH_VIOLATIONS
    assert "accuracy" in {v.metric_name for v in result.violations.violations}  # 0.8253 < 0.8272
