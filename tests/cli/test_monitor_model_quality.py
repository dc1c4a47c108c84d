"""``vigil monitor run|evaluate --type model-quality`` give what ``vigil model-quality`` gives.

Windows of 300 captured predictions with labels filed a day later (the capture and label
writers are the job tests'), a baseline suggested by the CLI from a validation file, and the
real SageMaker model-quality files for ``evaluate``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from tests.cli.runner import Cli
from tests.datasets import SDK
from tests.jobs.test_model_quality import _record, write_capture, write_labels

from vigil.cli.options import EXIT_FAILED, EXIT_INSUFFICIENT_GROUND_TRUTH, EXIT_VIOLATIONS

N = 300
T = datetime(2024, 5, 1, 10, tzinfo=UTC)
NOW = "2024-05-03T10:00:00Z"
MQ_STATS = SDK / "tests__data__pipeline__quality_check_step__model_quality__statistics.json"
MQ_CONSTRAINTS = (
    SDK / "tests__data__pipeline__quality_check_step__model_quality__good_cases__constraints.json"
)
CARD_STATS = (
    SDK / "tests__data__model_card__evaluation_metrics__model_monitor_model_quality_regression.json"
)


def _predictions(accuracy: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(truth, predicted label, probability) of a binary model right ``accuracy`` of the time."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, N)
    pred = np.where(rng.random(N) < accuracy, truth, 1 - truth)
    prob = np.clip(np.where(pred == 1, 0.75, 0.25) + rng.normal(0, 0.15, N), 0, 1).round(4)
    return truth, pred, prob


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """constraints.json suggested by the CLI from a validation file of a 90%-accurate model."""
    from vigil.cli.main import main

    tmp = tmp_path_factory.mktemp("baseline")
    truth, pred, prob = _predictions(0.9, seed=10)
    (tmp / "validation.csv").write_text(
        "label,prediction,probability\n"
        + "".join(f"{t},{p},{q}\n" for t, p, q in zip(truth, pred, prob, strict=True))
    )
    code = main(
        ["baseline", "suggest", "--type", "model-quality", "--quiet", "--dataset",
         str(tmp / "validation.csv"), "--problem-type", "BinaryClassification",
         "--inference-attribute", "prediction", "--probability-attribute", "probability",
         "--ground-truth-attribute", "label", "--output", str(tmp)]
    )  # fmt: skip
    assert code == 0
    return tmp / "constraints.json"


def _window(root: Path, accuracy: float, *, label_key: str = "i") -> np.ndarray:
    """A window of captured ``prediction,probability`` outputs and their labels; the accuracy."""
    truth, pred, prob = _predictions(accuracy, seed=11)
    records = [
        _record(T + timedelta(seconds=10 * i), f"e{i}", f"{pred[i]},{prob[i]}", inference_id=f"i{i}")
        for i in range(N)
    ]  # fmt: skip
    write_capture(root / "capture", records)
    write_labels(root / "gt", T + timedelta(days=1), [(f"{label_key}{i}", str(truth[i])) for i in range(N)], "labels.jsonl")  # fmt: skip
    return np.mean(pred == truth)


def _tree(folder: Path) -> dict[str, str]:
    """The files of a run (its manifest names the run's own attempt: left out)."""
    return {
        str(p.relative_to(folder)): p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "_manifest.json"
    }


WINDOW = ["--start", "2024-05-01T10:00:00Z", "--end", "2024-05-01T11:00:00Z"]
OFFSETS = ["--scheduled-time", "2024-05-01T11:00:00Z", "--start-time-offset", "-PT1H",
           "--end-time-offset", "-PT0H", "--schedule", "hourly"]  # fmt: skip
SCENARIOS = {
    # name: (accuracy, label key, window flags, extra flags, use the baseline, exit code)
    "violations": (0.6, "i", OFFSETS, [], True, EXIT_VIOLATIONS),
    "clean": (0.9, "i", WINDOW, [], True, 0),
    "no_constraints": (0.6, "i", WINDOW, [], False, 0),
    "insufficient": (0.9, "i", WINDOW, ["--min-labels", "1000"], True, EXIT_INSUFFICIENT_GROUND_TRUTH),
    "no_ground_truth": (0.9, "e", WINDOW, [], True, EXIT_FAILED),  # labels keyed by eventId
}  # fmt: skip


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_monitor_run_type_model_quality_matches_the_alias(
    cli: Cli, tmp_path: Path, baseline: Path, name: str
) -> None:
    accuracy, key, window, extra, constrained, code = SCENARIOS[name]
    actual = _window(tmp_path, accuracy, label_key=key)
    common = [
        "--input", str(tmp_path / "capture"), "--endpoint", "ep", "--ground-truth",
        str(tmp_path / "gt"), "--problem-type", "BinaryClassification", "--inference-attribute",
        "0", "--probability-attribute", "1", "--now", NOW, *window, *extra,
    ]  # fmt: skip
    limits = ["--baseline-constraints", str(baseline)] if constrained else []
    unified = cli(
        "monitor",
        "run",
        "--type",
        "model-quality",
        "--output",
        str(tmp_path / "u"),
        *common,
        *limits,
    )
    alias_limits = ["--constraints", str(baseline)] if constrained else []
    alias = cli("model-quality", "run", "--output", str(tmp_path / "a"), *common, *alias_limits)

    assert (unified.code, alias.code) == (code, code), unified.stdout + unified.stderr
    assert unified.stdout.splitlines()[0] == alias.stdout.splitlines()[0]  # the status line
    written = _tree(tmp_path / "u")
    assert written == _tree(tmp_path / "a")
    if name == "no_ground_truth":
        assert "NoGroundTruthMerged" in unified.stdout
        return
    stats_file = next(k for k in written if k.endswith("statistics.json"))
    if name == "violations":  # scheduled: {output}/{endpoint}/{schedule}/yyyy/mm/dd/hh/
        assert stats_file == "ep/hourly/2024/05/01/11/statistics.json"
    stats = json.loads(written[stats_file])
    assert stats["binary_classification_metrics"]["accuracy"]["value"] == pytest.approx(actual)
    violations = [k for k in written if k.endswith("constraint_violations.json")]
    if name == "violations":
        found = json.loads(written[violations[0]])["violations"]
        assert "accuracy" in {v["metric_name"] for v in found}
    if name == "insufficient":
        assert violations == []  # too few labels: statistics, but nothing checked


def test_alias_accepts_baseline_constraints_as_the_unified_command_spells_it(
    cli: Cli, tmp_path: Path, baseline: Path
) -> None:
    _window(tmp_path, 0.6)
    done = cli(
        "model-quality", "run", "--input", str(tmp_path / "capture"), "--endpoint", "ep",
        "--ground-truth", str(tmp_path / "gt"), "--problem-type", "BinaryClassification",
        "--inference-attribute", "0", "--now", NOW, *WINDOW, "--output", str(tmp_path / "o"),
        "--baseline-constraints", str(baseline),
    )  # fmt: skip
    assert done.code == EXIT_VIOLATIONS, done.stderr


def test_monitor_evaluate_type_model_quality_on_sagemaker_files(
    cli: Cli, conformance_dir: Path, tmp_path: Path
) -> None:
    clean = cli(
        "monitor", "evaluate", "--type", "model-quality", "--statistics", str(MQ_STATS),
        "--constraints", str(MQ_CONSTRAINTS), "--output", str(tmp_path / "clean"),
    )  # fmt: skip
    assert clean.code == 0, clean.stderr
    assert json.loads((tmp_path / "clean" / "constraint_violations.json").read_text()) == {
        "violations": []
    }
    # the model card's window (627 rows, real bootstrap std devs) against the pipeline's limits
    args = ["--statistics", str(CARD_STATS), "--constraints", str(MQ_CONSTRAINTS)]
    unified = cli("monitor", "evaluate", "--type", "model-quality", *args, "--output", str(tmp_path / "u"))  # fmt: skip
    alias = cli("model-quality", "evaluate", *args, "--output", str(tmp_path / "a"))
    assert unified.code == alias.code == EXIT_VIOLATIONS, unified.stderr
    report = json.loads((tmp_path / "u" / "constraint_violations.json").read_text())
    assert report == json.loads((tmp_path / "a" / "constraint_violations.json").read_text())
    assert {v["metric_name"] for v in report["violations"]} == {"mae", "mse", "rmse"}
    assert "Metric mae with 1.5915896386811228 was GreaterThanThreshold '" in unified.stdout
    assert "627 rows" in unified.stdout


def test_monitor_evaluate_defaults_to_data_quality(cli: Cli, conformance_dir: Path) -> None:
    """Without --type, model-quality files are read as data quality: it needs a baseline."""
    done = cli("monitor", "evaluate", "--statistics", str(MQ_STATS), "--constraints", str(MQ_CONSTRAINTS))  # fmt: skip
    assert done.code == 2
    assert "--baseline-statistics is required with --type data-quality" in done.stderr
