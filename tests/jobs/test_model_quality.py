"""The model-quality jobs: the ground-truth join, statuses, outputs, baseline and re-evaluation."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.datasets import SDK
from typer.testing import CliRunner

from vigil.api.expressions import analysis_window, parse_delay, parse_offset
from vigil.cli.model_quality import EXIT_INSUFFICIENT_GROUND_TRUTH, EXIT_VIOLATIONS, app
from vigil.errors import InvalidParameterError
from vigil.jobs.capture_input import CaptureInput
from vigil.jobs.data_quality import ExecutionStatus
from vigil.jobs.model_quality import (
    COVERAGE_FILE,
    INSUFFICIENT,
    NO_DATA,
    NO_GROUND_TRUTH,
    evaluate_model_quality,
    run_model_quality,
    suggest_model_quality_baseline,
)
from vigil.storage.capture_layout import capture_file_url
from vigil.storage.ground_truth_layout import ground_truth_file_url

T = datetime(2024, 5, 1, 10, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _record(
    t: datetime,
    event_id: str,
    output: str,
    *,
    inference_id: str | None = None,
    encoding: str = "CSV",
) -> dict[str, Any]:
    meta: dict[str, Any] = {"eventId": event_id, "inferenceTime": t.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if inference_id is not None:
        meta["inferenceId"] = inference_id
    content = "text/csv" if encoding == "CSV" else "application/json"
    return {
        "captureData": {
            "endpointInput": {"observedContentType": "image/png", "mode": "INPUT", "data": "iVBO", "encoding": "BASE64"},
            "endpointOutput": {"observedContentType": content, "mode": "OUTPUT", "data": output, "encoding": encoding},
        },
        "eventMetadata": meta,
        "eventVersion": "0",
    }  # fmt: skip


def write_capture(root: Path, records: list[dict[str, Any]], endpoint: str = "ep") -> None:
    """Capture files as SageMaker lays them out: one file per hour of inferenceTime."""
    files: dict[str, list[str]] = {}
    for rec in records:
        t = datetime.fromisoformat(rec["eventMetadata"]["inferenceTime"].replace("Z", "+00:00"))
        url = capture_file_url(
            str(root), endpoint, "AllTraffic", t.replace(minute=0, second=0), "f"
        )
        files.setdefault(url, []).append(json.dumps(rec))
    for url, lines in files.items():
        Path(url).parent.mkdir(parents=True, exist_ok=True)
        Path(url).write_text("\n".join(lines) + "\n")


def write_labels(root: Path, collected: datetime, labels: list[tuple[str, str]], name: str) -> None:
    """One ground-truth file collected at ``collected``: (key, label) per line."""
    url = Path(ground_truth_file_url(str(root), collected, name))
    url.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps(
            {"groundTruthData": {"data": label, "encoding": "CSV"}, "eventMetadata": {"eventId": key}, "eventVersion": "0"}
        )
        for key, label in labels
    ]  # fmt: skip
    url.write_text("\n".join(lines) + "\n")


def _capture(root: Path, start: datetime = T, end: datetime = T + HOUR, **kw: Any) -> CaptureInput:
    return CaptureInput(str(root / "capture"), "ep", "AllTraffic", start, end, **kw)


def _run(tmp: Path, now: datetime, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "problem_type": "BinaryClassification",
        "capture": _capture(tmp),
        "ground_truth": str(tmp / "gt"),
        "min_labels": 1,
        "now": lambda: now,
    }
    args.update(kw)
    return run_model_quality(**args)


@pytest.fixture
def delayed(tmp_path: Path) -> Path:
    """Six predictions in [T, T+1h) keyed by inferenceId, two outside, labels filed over 30 days."""
    preds = {"p0": "1", "p1": "0", "p2": "1", "p3": "1", "p4": "0", "p5": "1"}
    records = [
        _record(T + timedelta(minutes=5 + i), f"e-{k}", v, inference_id=k)
        for i, (k, v) in enumerate(preds.items())
    ]
    records += [
        _record(T - timedelta(minutes=10), "e-out1", "1", inference_id="out1"),
        _record(T + HOUR + timedelta(minutes=5), "e-out2", "1", inference_id="out2"),
    ]
    write_capture(tmp_path / "capture", records)
    gt = tmp_path / "gt"
    write_labels(gt, T + timedelta(minutes=30), [("p0", "1")], "a.jsonl")  # 0 days later
    write_labels(gt, T + DAY, [("p1", "1"), ("p3", "0")], "a.jsonl")  # 1 day later
    write_labels(gt, T + 2 * DAY, [("p3", "1"), ("p4", "1"), ("p4", "0")], "b.jsonl")  # duplicates
    write_labels(gt, T + 30 * DAY, [("p2", "1"), ("out1", "1"), ("out2", "0")], "a.jsonl")
    write_labels(gt, T - HOUR, [("p5", "0")], "early.jsonl")  # filed before the window: not read
    return tmp_path


def test_labels_arriving_0_1_and_30_days_later_are_all_merged(delayed: Path) -> None:
    result = _run(delayed, T + 31 * DAY, output=str(delayed / "out"))
    c = result.coverage
    assert (c.predictions, c.merged, c.labels) == (6, 5, 9)
    assert c.duplicate_labels == 2  # p3 refiled a day later, p4 twice in one file
    assert c.labels_without_prediction == 2  # out1, out2: predictions outside the window
    assert math.isclose(c.coverage, 5 / 6)
    # p0 1/1, p1 0/1, p2 1/1, p3 1/1 (latest label), p4 0/0 (the file's last line wins)
    block = result.statistics.binary_classification_metrics
    assert block.confusion_matrix == {"0": {"0": 1, "1": 0}, "1": {"0": 1, "1": 3}}
    assert block.accuracy.value == 0.8
    written = json.loads((delayed / "out" / COVERAGE_FILE).read_text())
    assert written["merged"] == 5 and written["duplicate_labels"] == 2
    assert written["ground_truth_hours"] == {
        "first": "2024-05-01T10:00:00Z",
        "last": "2024-06-01T09:00:00Z",
    }


def test_labels_not_yet_collected_are_not_merged(delayed: Path) -> None:
    early = _run(delayed, T + 2 * DAY + HOUR)
    assert early.coverage.merged == 4  # p2's label comes 30 days later
    capped = _run(delayed, T + 31 * DAY, max_label_delay=timedelta(hours=1))
    assert capped.coverage.merged == 1  # only labels collected before T+2h: p0


def test_capture_without_inference_id_joins_on_event_id(tmp_path: Path) -> None:
    records = [_record(T + timedelta(minutes=i), f"evt-{i}", str(i % 2)) for i in range(10)]
    write_capture(tmp_path / "capture", records)
    write_labels(tmp_path / "gt", T + 5 * DAY, [(f"evt-{i}", "1") for i in range(10)], "x.jsonl")
    result = _run(tmp_path, T + 6 * DAY)
    assert result.status is ExecutionStatus.COMPLETED
    assert result.coverage.merged == 10
    assert result.statistics.binary_classification_metrics.recall.value == 0.5


def test_no_ground_truth_merged_is_a_distinct_failure_naming_window_and_url(tmp_path: Path) -> None:
    write_capture(tmp_path / "capture", [_record(T, "e1", "1", inference_id="i1")])
    write_labels(tmp_path / "gt", T + DAY, [("e1", "1")], "x.jsonl")  # keyed by eventId: no match
    result = _run(tmp_path, T + 2 * DAY)
    assert result.status is ExecutionStatus.FAILED and result.failure_code == NO_GROUND_TRUTH
    reason = result.failure_reason
    assert "2024-05-01T10:00:00Z" in reason and "2024-05-01T11:00:00Z" in reason
    assert str(tmp_path / "gt") in reason and "1 labels read" in reason
    empty = _run(tmp_path, T + 2 * DAY, capture=_capture(tmp_path, T + DAY, T + DAY + HOUR))
    assert empty.failure_code == NO_DATA and "no captured predictions" in empty.failure_reason


def test_too_few_labels_is_an_explained_status_with_statistics_but_no_violations(
    delayed: Path,
) -> None:
    out = delayed / "out"
    result = _run(delayed, T + 31 * DAY, min_labels=100, output=str(out))
    assert result.status is ExecutionStatus.FAILED and result.failure_code == INSUFFICIENT
    assert "5 of 6 predictions" in result.failure_reason and "min_labels" in result.failure_reason
    assert sorted(p.name for p in out.iterdir()) == [
        "_manifest.json",
        COVERAGE_FILE,
        "report.html",
        "statistics.json",
    ]
    low = _run(delayed, T + 31 * DAY, min_coverage=0.9)
    assert low.failure_code == INSUFFICIENT and "83.3%" in low.failure_reason
    runner = CliRunner()
    done = runner.invoke(
        app,
        ["run", "--input", str(delayed / "capture"), "--endpoint", "ep", "--ground-truth",
         str(delayed / "gt"), "--problem-type", "BinaryClassification", "--output", str(out),
         "--start", "2024-05-01T10:00:00Z", "--end", "2024-05-01T11:00:00Z",
         "--now", "2024-06-01T10:00:00Z"],
    )  # fmt: skip
    assert done.exit_code == EXIT_INSUFFICIENT_GROUND_TRUTH, done.output


def test_offsets_probability_threshold_json_paths_and_violations(tmp_path: Path) -> None:
    """Eight days back as in the DG example, probabilities in a JSON output, constraints hit."""
    scheduled = datetime(2020, 1, 9, 13, tzinfo=UTC)
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 300)
    prob = np.clip(np.where(truth == 1, 0.6, 0.4) + rng.normal(0, 0.2, 300), 0, 1)
    records, labels = [], []
    for i in range(300):
        t = datetime(2020, 1, 1, 13, tzinfo=UTC) + timedelta(minutes=30 * i)  # 6.25 days
        out = json.dumps({"predictions": [{"score": float(prob[i])}]})
        records.append(_record(t, f"e{i}", out, inference_id=f"i{i}", encoding="JSON"))
        labels.append((f"i{i}", str(int(truth[i]))))
    records.append(_record(datetime(2020, 1, 8, 14, tzinfo=UTC), "late", json.dumps({"predictions": [{"score": 1.0}]}), encoding="JSON"))  # fmt: skip
    write_capture(tmp_path / "capture", records)
    write_labels(tmp_path / "gt", datetime(2020, 1, 8, 20, tzinfo=UTC), labels, "all.jsonl")
    constraints = tmp_path / "constraints.json"
    constraints.write_text(json.dumps({"version": 0.0, "binary_classification_constraints": {
        "accuracy": {"threshold": 0.99, "comparison_operator": "LessThanThreshold"},
        "auc": {"threshold": 0.1, "comparison_operator": "LessThanThreshold"}}}))  # fmt: skip
    assert analysis_window(scheduled, "-P8D", "-P1D")[0] == datetime(2020, 1, 1, 13, tzinfo=UTC)
    out = tmp_path / "out"
    result = run_model_quality(
        problem_type="BinaryClassification",
        capture=_capture(tmp_path, scheduled, scheduled),
        start_time_offset="-P8D",
        end_time_offset="-P1D",
        ground_truth=str(tmp_path / "gt"),
        probability_attribute="$.predictions[0].score",
        probability_threshold=0.5,
        constraints=str(constraints),
        output=str(out),
        schedule="daily",
        now=lambda: scheduled + timedelta(minutes=7),
    )
    assert result.window == (
        datetime(2020, 1, 1, 13, tzinfo=UTC),
        datetime(2020, 1, 8, 13, tzinfo=UTC),
    )
    assert result.coverage.predictions == 300  # "late" is after the window's end
    expected_accuracy = float(np.mean((prob >= 0.5) == truth))
    block = result.statistics.binary_classification_metrics
    assert block.accuracy.value == expected_accuracy
    assert not math.isnan(block.accuracy.standard_deviation)  # 300 >= 200 samples
    assert result.status is ExecutionStatus.COMPLETED_WITH_VIOLATIONS
    violations = json.loads((out / "constraint_violations.json").read_text())["violations"]
    assert violations == [
        {
            "constraint_check_type": "LessThanThreshold",
            "description": (
                f"Metric accuracy with {expected_accuracy!r} was LessThanThreshold '0.99'"
            ),
            "metric_name": "accuracy",
        }
    ]
    assert (
        result.exit_message
        == "CompletedWithViolations: Job completed successfully with 1 violations."
    )
    metrics = [
        json.loads(x) for x in (out / "metrics/cloudwatch_metrics.jsonl").read_text().splitlines()
    ]
    by_name = {m["MetricName"]: m for m in metrics}
    assert by_name["accuracy"]["Value"] == expected_accuracy
    assert by_name["f2"]["Dimensions"] == [
        {"Name": "Endpoint", "Value": "ep"},
        {"Name": "MonitoringSchedule", "Value": "daily"},
    ]
    assert "confusion_matrix" not in by_name
    assert json.loads((out / "constraints.json").read_text()) == json.loads(constraints.read_text())


def test_csv_output_columns_and_malformed_records(tmp_path: Path) -> None:
    records = [
        _record(T + timedelta(minutes=i), f"e{i}", f"{i % 2},0.{i}", inference_id=f"i{i}")
        for i in range(9)
    ]
    records.append(_record(T, "bad", "1,0.5\n0,0.2", inference_id="multi"))  # two rows
    records.append(_record(T, "short", "1", inference_id="short"))  # no column 1
    write_capture(tmp_path / "capture", records)
    write_labels(
        tmp_path / "gt", T + HOUR, [(f"i{i}", "1") for i in range(9)] + [("i0", "maybe")], "x.jsonl"
    )
    capture = _capture(tmp_path, inference_attribute="0")
    result = _run(
        tmp_path, T + DAY, capture=capture, probability_attribute="1", max_malformed_fraction=0.5
    )
    assert result.status is ExecutionStatus.COMPLETED
    assert result.malformed.count == 2
    assert any("2 rows" in m for _, _, m in result.malformed.examples)
    assert result.invalid == 1  # i0's latest label "maybe" is not 0/1
    assert result.rows == 8
    strict = _run(tmp_path, T + DAY, capture=capture, probability_attribute="1")
    assert strict.failure_code == "TooManyMalformedRecords"


def test_regression_and_multiclass_windows(tmp_path: Path) -> None:
    values = [("r0", "1.5", "1.0"), ("r1", "2.0", "2.5"), ("r2", "3.0", "3.0")]
    write_capture(
        tmp_path / "capture", [_record(T, f"e{k}", p, inference_id=k) for k, p, _ in values]
    )
    write_labels(tmp_path / "gt", T, [(k, y) for k, _, y in values], "x.jsonl")
    reg = _run(tmp_path, T + HOUR, problem_type="Regression")
    assert reg.statistics.regression_metrics.mae.value == pytest.approx(1 / 3)
    multi = _run(tmp_path, T + HOUR, problem_type="MulticlassClassification")
    assert multi.statistics.multiclass_classification_metrics.accuracy.value == pytest.approx(1 / 3)
    classes = multi.statistics.multiclass_classification_metrics.confusion_matrix
    assert set(classes) == {"1.0", "1.5", "2.0", "2.5", "3.0"}  # not all integral: texts
    with pytest.raises(InvalidParameterError, match="problem_type"):
        _run(tmp_path, T + HOUR, problem_type="Ranking")


def test_sdk_baseline_reproduces_sagemaker_and_evaluate_rechecks_it(
    conformance_dir: Path, tmp_path: Path
) -> None:
    csv = SDK / "tests__data__pipeline__quality_check_step__model_quality__baseline_dataset.csv"
    real_stats = SDK / "tests__data__pipeline__quality_check_step__model_quality__statistics.json"
    real_constraints = (
        SDK
        / "tests__data__pipeline__quality_check_step__model_quality__good_cases__constraints.json"
    )
    exact = suggest_model_quality_baseline(
        str(csv), problem_type="Regression", inference_attribute="Prediction",
        ground_truth_attribute="Label", output=str(tmp_path / "sm"), slack=0.0, sagemaker_r2=True,
    )  # fmt: skip
    assert exact.rows == 100 and exact.invalid == 0
    ours = json.loads((tmp_path / "sm" / "statistics.json").read_text())["regression_metrics"]
    assert ours == json.loads(real_stats.read_text())["regression_metrics"]
    assert json.loads((tmp_path / "sm" / "constraints.json").read_text()) == json.loads(
        real_constraints.read_text()
    )
    default = suggest_model_quality_baseline(
        str(csv), problem_type="Regression", inference_attribute="8", ground_truth_attribute="7",
        output=str(tmp_path / "vigil"),
    )  # fmt: skip
    mae = default.constraints.regression_constraints["mae"]
    assert mae.threshold == pytest.approx(0.5040653554420981 * 1.1)
    # SageMaker's own statistics against Vigil's constraints: r2 (SageMaker's −3.21) violates
    checked = evaluate_model_quality(
        statistics=str(real_stats), constraints=str(tmp_path / "vigil" / "constraints.json"),
        output=str(tmp_path / "eval"),
    )  # fmt: skip
    assert [v.metric_name for v in checked.violations.violations] == ["r2"]
    assert checked.rows == 100
    assert (tmp_path / "eval" / "constraint_violations.json").exists()
    clean = evaluate_model_quality(statistics=str(real_stats), constraints=str(real_constraints))
    assert clean.status is ExecutionStatus.COMPLETED
    runner = CliRunner()
    args = ["evaluate", "--statistics", str(real_stats), "--constraints", str(tmp_path / "vigil" / "constraints.json")]  # fmt: skip
    done = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert done.exit_code == EXIT_VIOLATIONS, done.output
    assert "Metric r2 with -3.208758170289026 was LessThanThreshold '" in done.output


def test_offsets_parse_and_reject() -> None:
    assert parse_offset("-PT0H") == timedelta(0)
    assert parse_delay("P1W") == timedelta(days=7)
    for bad in ("P", "-PT", "P1M", "8D", "-P1Y"):
        with pytest.raises(InvalidParameterError, match="ISO-8601"):
            parse_offset(bad)


@pytest.mark.parametrize("fast", [True, False])
def test_every_reading_path_reports_malformed_lines_by_number(
    tmp_path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole-file decoding, record by record, and line by line (orjson) agree."""
    import vigil.jobs.ground_truth as gt

    if not fast:
        monkeypatch.setattr(gt, "_CAPTURE_DECODER", None)
        monkeypatch.setattr(gt, "_LABEL_DECODER", None)
    good = [
        json.dumps(_record(T + timedelta(minutes=i), f"e{i}", "1", inference_id=f"i{i}"))
        for i in range(4)
    ]
    no_output = _record(T, "e9", "1")
    del no_output["captureData"]["endpointOutput"]
    capture = tmp_path / "capture"
    files = {  # x decodes (one record lacks its output); y does not (its last line is cut)
        "x": "\n".join([good[0], "", good[1], json.dumps(no_output), good[2]]) + "\n",
        "y": "\n".join([good[3], '{"captureData": {"endp']),
    }
    for name, text in files.items():
        url = Path(capture_file_url(str(capture), "ep", "AllTraffic", T, name))
        url.parent.mkdir(parents=True, exist_ok=True)
        url.write_text(text)

    def label(key: str | None, data: object, encoding: str = "CSV") -> str:
        meta = {"eventId": key} if key else {}
        return json.dumps(
            {"groundTruthData": {"data": data, "encoding": encoding}, "eventMetadata": meta}
        )

    labels = {  # l decodes (a label lacks its key); m does not (a number where text is expected)
        "l.jsonl": [label("i0", "1"), label(None, "1"), label("i2", "MQ==", "BASE64")],
        "m.jsonl": [label("i1", 0, "JSON"), label("i3", " 0 ")],
    }
    for name, lines in labels.items():
        url = Path(ground_truth_file_url(str(tmp_path / "gt"), T, name))
        url.parent.mkdir(parents=True, exist_ok=True)
        url.write_text("\n".join(lines) + "\n")
    result = _run(tmp_path, T + HOUR, max_malformed_fraction=1.0)
    assert result.coverage.predictions == 4 and result.coverage.merged == 4
    found = sorted(
        (Path(u).name, line, m.split(":")[0]) for u, line, m in result.malformed.examples
    )
    assert found == [
        ("00-00-000-x.jsonl", 4, "missing captureData.endpointOutput"),
        ("00-00-000-y.jsonl", 2, "truncated last line"),
    ]
    assert [(Path(u).name, line, m) for u, line, m in result.ground_truth_malformed.examples] == [
        ("l.jsonl", 2, "missing eventMetadata.eventId")
    ]
    matrix = result.statistics.binary_classification_metrics.confusion_matrix
    assert matrix == {"0": {"0": 0, "1": 2}, "1": {"0": 0, "1": 2}}


def test_ids_of_every_length_merge_whichever_file_their_labels_are_in(tmp_path: Path) -> None:
    # issue 12.1: one request without an inference id (keyed by its 36-character eventId)
    # made a window of 61 predictions merge 0/61; short and long ids in separate files 0/40.
    records = [
        _record(T + timedelta(seconds=30 * i), f"e-{i}", str(i % 2), inference_id=f"order-{i}")
        for i in range(60)
    ]
    event_id = "0f8fad5b-d9cb-469f-a165-70867728950e"
    records.append(_record(T + timedelta(minutes=45), event_id, "1"))
    write_capture(tmp_path / "capture", records)
    gt = tmp_path / "gt"
    write_labels(gt, T + DAY, [(f"order-{i}", "1") for i in range(40)], "short.jsonl")
    write_labels(gt, T + DAY, [(f"order-{i}", "0") for i in range(40, 60)], "more.jsonl")
    write_labels(gt, T + 2 * DAY, [(event_id, "1")], "long.jsonl")
    result = _run(tmp_path, T + 3 * DAY)
    assert result.status is ExecutionStatus.COMPLETED
    assert (result.coverage.predictions, result.coverage.merged) == (61, 61)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ids=st.lists(
        st.one_of(st.text(min_size=1, max_size=24), st.uuids().map(str)),
        min_size=1, max_size=25, unique=True,
    ),
    labelled=st.lists(st.booleans(), min_size=25, max_size=25),
    files=st.lists(st.integers(0, 3), min_size=25, max_size=25),
)  # fmt: skip
def test_merged_predictions_are_the_true_intersection_in_any_grouping(
    tmp_path_factory: pytest.TempPathFactory, ids: list[str], labelled: list[bool], files: list[int]
) -> None:
    import pandas as pd

    tmp = tmp_path_factory.mktemp("mq")
    records = []
    for i, key in enumerate(ids):
        event_id = f"00000000-0000-4000-8000-{i:012d}"
        use_event_id = i % 5 == 4  # some requests carry no inference id: keyed by eventId
        records.append(
            _record(
                T + timedelta(seconds=i),
                event_id,
                str(i % 2),
                inference_id=None if use_event_id else key,
            )
        )
    keys = [r["eventMetadata"].get("inferenceId", r["eventMetadata"]["eventId"]) for r in records]
    write_capture(tmp / "capture", records)
    groups: dict[int, list[tuple[str, str]]] = {}
    for key, has_label, group in zip(keys, labelled, files, strict=False):
        if has_label:
            groups.setdefault(group, []).append((key, "1"))
    for group, pairs in groups.items():
        write_labels(tmp / "gt", T + (group + 1) * HOUR, pairs, f"g{group}.jsonl")
    result = _run(tmp, T + DAY)
    predictions = pd.DataFrame({"key": keys})
    labels = pd.DataFrame(
        {"key": [k for pairs in groups.values() for k, _ in pairs]}
    ).drop_duplicates()
    expected = len(predictions.merge(labels, on="key", how="inner"))
    assert result.coverage.predictions == len(keys)
    assert result.coverage.merged == expected


def test_record_counts_describe_the_window_not_the_hour_files(tmp_path: Path) -> None:
    # issue 12.8: a window of half an hour reported every record of the hour's files.
    records = [
        _record(T + timedelta(minutes=i), f"e-{i}", "1", inference_id=f"k{i}") for i in range(60)
    ]
    write_capture(tmp_path / "capture", records)
    write_labels(tmp_path / "gt", T + DAY, [(f"k{i}", "1") for i in range(60)], "x.jsonl")
    half = _capture(tmp_path, T + 30 * timedelta(minutes=1), T + HOUR)
    result = _run(tmp_path, T + 2 * DAY, capture=half)
    assert result.coverage.predictions == 30
    assert result.records == 30
