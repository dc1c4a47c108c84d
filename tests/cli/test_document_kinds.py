"""Every reader checks the document kind: a constraints.json given as statistics (or any other
swap) is refused with exit code 2 naming both kinds, never "no violations" (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli.runner import Cli
from tests.scheduling.data import make_baseline


@pytest.fixture
def baseline(tmp_path: Path) -> tuple[Path, Path, Path]:
    made = make_baseline(tmp_path)
    return made.dataset, made.statistics, made.constraints


def test_constraints_given_as_statistics_exit_2(
    cli: Cli, tmp_path: Path, baseline: tuple[Path, Path, Path]
) -> None:
    dataset, statistics, constraints = baseline
    common = ["monitor", "run", "--input", str(dataset), "--output", str(tmp_path / "out")]
    done = cli(
        *common,
        "--baseline-statistics",
        str(constraints),
        "--baseline-constraints",
        str(constraints),
    )
    assert done.code == 2, done.stdout
    words = " ".join(done.stderr.split())
    assert str(constraints) in words
    assert "is a data-quality constraints.json, not a data-quality statistics.json" in words
    swapped = cli(
        *common, "--baseline-statistics", str(statistics), "--baseline-constraints", str(statistics)
    )
    assert swapped.code == 2
    assert "is a data-quality statistics.json, not a data-quality constraints.json" in " ".join(
        swapped.stderr.split()
    )
    good = cli(
        *common,
        "--baseline-statistics",
        str(statistics),
        "--baseline-constraints",
        str(constraints),
    )
    assert good.code in (0, 3), good.stderr


def test_evaluate_refuses_a_model_quality_file_for_data_quality(
    cli: Cli, tmp_path: Path, baseline: tuple[Path, Path, Path]
) -> None:
    _, statistics, constraints = baseline
    mq = tmp_path / "mq.json"
    mq.write_text(
        '{"version": 0.0, "regression_constraints": {"mae": {"threshold": 1.0, '
        '"comparison_operator": "GreaterThanThreshold"}}}'
    )
    done = cli(
        "monitor", "evaluate", "--statistics", str(statistics), "--constraints", str(mq),
        "--baseline-statistics", str(statistics),
    )  # fmt: skip
    assert done.code == 2
    assert "is a model-quality constraints.json, not a data-quality constraints.json" in " ".join(
        done.stderr.split()
    )
    mq_type = cli(
        "monitor", "evaluate", "--type", "model-quality", "--statistics", str(statistics),
        "--constraints", str(mq),
    )  # fmt: skip
    assert mq_type.code == 2
    assert "is a data-quality statistics.json, not a model-quality statistics.json" in " ".join(
        mq_type.stderr.split()
    )
    assert str(constraints)  # the good pair is used above
