"""``vigil baseline suggest --type model-quality`` is ``vigil model-quality baseline`` is the job.

The three ways of suggesting a model-quality baseline must write the same statistics.json and
constraints.json (up to ``evaluation_time``, the clock) on real files of 300 rows, for each
problem type and each input shape (CSV with header, JSON Lines, CSV without header).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.cli.runner import Cli

from vigil.jobs.model_quality import suggest_model_quality_baseline

N = 300


@dataclass(frozen=True)
class Case:
    """A validation file, its flags, the same as job arguments, and one metric to recompute."""

    path: Path
    flags: list[str]
    kwargs: dict[str, Any]
    block: str
    metric: str
    expected: float


def _binary(tmp: Path) -> Case:
    rng = np.random.default_rng(1)
    label = rng.integers(0, 2, N)
    prob = np.clip(np.where(label == 1, 0.7, 0.3) + rng.normal(0, 0.2, N), 0, 1)
    pred = (prob >= 0.5).astype(int)
    path = tmp / "validation.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["age", "label", "prediction", "probability"])
        w.writerows(zip(rng.integers(18, 90, N), label, pred, prob.round(6), strict=True))
    kwargs = {
        "problem_type": "BinaryClassification",
        "inference_attribute": "prediction",
        "probability_attribute": "probability",
        "probability_threshold": 0.5,
        "ground_truth_attribute": "label",
    }
    return Case(
        path, [], kwargs, "binary_classification_metrics", "accuracy", np.mean(pred == label)
    )


def _multiclass(tmp: Path) -> Case:
    rng = np.random.default_rng(2)
    classes = np.array(["bird", "cat", "dog"])
    truth = classes[rng.integers(0, 3, N)]
    pred = np.where(rng.random(N) < 0.7, truth, classes[rng.integers(0, 3, N)])
    path = tmp / "validation.jsonl"
    path.write_text(
        "".join(json.dumps({"y": t, "yhat": p}) + "\n" for t, p in zip(truth, pred, strict=True))
    )
    kwargs = {
        "problem_type": "MulticlassClassification",
        "inference_attribute": "yhat",
        "ground_truth_attribute": "y",
        "dataset_format": "json",
    }
    return Case(
        path, [], kwargs, "multiclass_classification_metrics", "accuracy", np.mean(pred == truth)
    )


def _regression(tmp: Path) -> Case:
    rng = np.random.default_rng(3)
    y = rng.normal(10, 3, N).round(4)
    yhat = (y + rng.normal(0, 1, N)).round(4)
    path = tmp / "validation.data"  # no extension to infer the format from
    path.write_text("".join(f"{i},{a},{b}\n" for i, (a, b) in enumerate(zip(y, yhat, strict=True))))
    kwargs = {
        "problem_type": "Regression",
        "inference_attribute": "2",
        "ground_truth_attribute": "1",
        "dataset_format": "csv",
        "header": False,
    }
    return Case(
        path, ["--no-header"], kwargs, "regression_metrics", "mae", np.mean(np.abs(y - yhat))
    )


_FLAG = {  # job argument -> flag
    "problem_type": "--problem-type",
    "inference_attribute": "--inference-attribute",
    "probability_attribute": "--probability-attribute",
    "probability_threshold": "--probability-threshold",
    "ground_truth_attribute": "--ground-truth-attribute",
    "dataset_format": "--dataset-format",
}


def _flags(case: Case) -> list[str]:
    out = [*case.flags]
    for name, value in case.kwargs.items():
        if name in _FLAG:
            out += [_FLAG[name], str(value)]
    return out


def _stats(folder: Path) -> dict[str, Any]:
    """statistics.json without its evaluation_time (checked to be a time, then dropped)."""
    doc = json.loads((folder / "statistics.json").read_text())
    datetime.fromisoformat(doc["dataset"].pop("evaluation_time").replace("Z", "+00:00"))
    return doc


@pytest.mark.parametrize("make", [_binary, _multiclass, _regression], ids=lambda f: f.__name__[1:])
def test_type_model_quality_writes_what_the_alias_and_the_job_write(
    cli: Cli, tmp_path: Path, make: Any
) -> None:
    case = make(tmp_path)
    unified, alias, direct = tmp_path / "unified", tmp_path / "alias", tmp_path / "direct"
    done = cli(
        "baseline", "suggest", "--type", "model-quality", "--dataset", str(case.path),
        "--output", str(unified), *_flags(case),
    )  # fmt: skip
    assert done.code == 0, done.stderr
    assert "baseline metrics" in done.stdout and f"{N:,} rows" in done.stdout
    again = cli(
        "model-quality",
        "baseline",
        "--dataset",
        str(case.path),
        "--output",
        str(alias),
        *_flags(case),
    )
    assert again.code == 0, again.stderr
    result = suggest_model_quality_baseline(str(case.path), output=str(direct), **case.kwargs)

    stats = _stats(unified)
    assert stats == _stats(alias) == _stats(direct)
    assert stats["dataset"]["item_count"] == N and result.rows == N
    assert stats[case.block][case.metric]["value"] == pytest.approx(case.expected, rel=1e-12)
    assert not np.isnan(stats[case.block][case.metric]["standard_deviation"])  # 300 >= 200
    constraints = (unified / "constraints.json").read_bytes()
    assert constraints == (alias / "constraints.json").read_bytes()
    assert constraints == (direct / "constraints.json").read_bytes()
    assert json.loads(constraints) == json.loads(result.constraints.to_json())


def test_quiet_prints_nothing_and_data_quality_is_still_the_default(
    cli: Cli, tmp_path: Path
) -> None:
    case = _binary(tmp_path)
    quiet = cli(
        "baseline", "suggest", "--type", "model-quality", "--dataset", str(case.path), "--output",
        str(tmp_path / "q"), "--quiet", *_flags(case),
    )  # fmt: skip
    assert quiet.code == 0 and quiet.stdout == ""
    dq = cli("baseline", "suggest", "--dataset", str(case.path), "--output", str(tmp_path / "dq"))
    assert dq.code == 0, dq.stderr
    names = [
        f["name"] for f in json.loads((tmp_path / "dq" / "statistics.json").read_text())["features"]
    ]
    assert names == ["age", "label", "prediction", "probability"]  # profiled, not scored


def test_a_bad_column_is_exit_2_naming_it(cli: Cli, tmp_path: Path) -> None:
    case = _binary(tmp_path)
    done = cli(
        "baseline", "suggest", "--type", "model-quality", "--dataset", str(case.path), "--output",
        str(tmp_path / "o"), "--problem-type", "BinaryClassification", "--ground-truth-attribute",
        "truth", "--inference-attribute", "prediction",
    )  # fmt: skip
    assert done.code == 2
    assert "truth" in done.stderr and "Traceback" not in done.stderr
