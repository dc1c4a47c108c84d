"""``vigil report``: pages from SageMaker's real files (each of them), from S3, and bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.cli.runner import Cli
from tests.datasets import CONFORMANCE, SDK
from tests.reports.page import Page, assert_self_contained

EXAMPLES = CONFORMANCE / "aws__amazon-sagemaker-examples"
DQ_STATISTICS = SDK / "tests__data__pipeline__quality_check_step__data_quality__statistics.json"
DQ_CONSTRAINTS = (
    SDK / "tests__data__pipeline__quality_check_step__data_quality__good_cases__constraints.json"
)
DQ_VIOLATIONS = SDK / "tests__data__monitor__constraint_violations.json"
MQ_STATISTICS = SDK / "tests__data__pipeline__quality_check_step__model_quality__statistics.json"
MQ_CONSTRAINTS = (
    SDK / "tests__data__pipeline__quality_check_step__model_quality__good_cases__constraints.json"
)
MODEL_CARD = (
    SDK / "tests__data__model_card__evaluation_metrics__model_monitor_model_quality_regression.json"
)

CASES: dict[str, list[Any]] = {
    "data-quality": [
        "--statistics", DQ_STATISTICS, "--baseline-statistics", DQ_STATISTICS,
        "--constraints", DQ_CONSTRAINTS, "--violations", DQ_VIOLATIONS,
    ],
    "data-quality-baseline-only": ["--baseline-statistics", DQ_STATISTICS],
    "violations-only": ["--violations", DQ_VIOLATIONS],
    "model-quality": ["--statistics", MQ_STATISTICS, "--constraints", MQ_CONSTRAINTS],
    "model-quality-model-card": ["--statistics", MODEL_CARD, "--constraints", MQ_CONSTRAINTS],
    **{
        path.stem.removesuffix("__analysis")[-40:]: ["--analysis", path]
        for path in sorted(CONFORMANCE.rglob("*analysis.json"))
    },
    "explainability-vs-itself": [
        "--analysis", EXAMPLES / "archived__fraud_detection__clarify_output__explainability__analysis.json",
        "--baseline-analysis", EXAMPLES / "archived__fraud_detection__clarify_output__explainability__analysis.json",
    ],
}  # fmt: skip


def test_every_real_sagemaker_file_is_used() -> None:
    used = {Path(a) for args in CASES.values() for a in args if isinstance(a, Path)}
    documents = {
        p
        for p in CONFORMANCE.rglob("*.json")
        if "analysis_config" not in p.name  # an input of Clarify, not a result
    }
    assert documents and documents <= used, documents - used


@pytest.mark.parametrize("case", CASES)
def test_report_of_real_sagemaker_files(
    conformance_dir: Path, cli: Cli, tmp_path: Path, case: str
) -> None:
    out = tmp_path / "report.html"
    done = cli("report", *map(str, CASES[case]), "--output", str(out), "--title", case)
    assert done.code == 0, done.stderr
    assert "report written to" in done.stdout
    page = Page(out.read_text())
    assert_self_contained(page)
    assert page.tables, "a report is readable without scripts: its numbers are in tables"
    sources = {row[0]: row[1] for row in page.table("sources").body}
    assert set(sources.values()) == {str(a) for a in CASES[case] if isinstance(a, Path)}
    if case == "data-quality":
        assert len(page.table("features").body) == 6
        assert len(page.table("violations").body) == 7  # the NYC-taxi file's own violations
        assert all(row[5] == "0" for row in page.table("features").body)  # itself: distance 0
    if case.startswith("model-quality"):
        assert {row[0] for row in page.table("metrics").body} >= {"mae", "mse", "rmse", "r2"}


def test_report_written_to_s3_and_read_from_it(
    conformance_dir: Path, cli: Cli, s3_bucket: str, s3_client: Any
) -> None:
    bucket = s3_bucket.removeprefix("s3://")
    s3_client.upload_file(str(MQ_STATISTICS), bucket, "in/statistics.json")
    done = cli(
        "report", "--statistics", f"{s3_bucket}/in/statistics.json",
        "--output", f"{s3_bucket}/reports/report.html",
    )  # fmt: skip
    assert done.code == 0, done.stderr
    body = s3_client.get_object(Bucket=bucket, Key="reports/report.html")["Body"].read()
    page = Page(body.decode())
    assert_self_contained(page)
    assert {row[0] for row in page.table("metrics").body} == {"mae", "mse", "rmse", "r2"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give at least one of"),
        (["--baseline-statistics", str(MQ_STATISTICS)], "must be a data-quality statistics.json"),
        (
            ["--statistics", str(SDK / "tests__data__monitor__captured-data.jsonl")],
            "not valid JSON",
        ),
        (["--statistics", str(DQ_STATISTICS), "--window-start", "2024-05-01"], "window-end"),
        (
            ["--statistics", str(DQ_STATISTICS), "--window-start", "x", "--window-end", "y"],
            "ISO-8601",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_problem(
    conformance_dir: Path, cli: Cli, tmp_path: Path, args: list[str], message: str
) -> None:
    done = cli("report", *args, "--output", str(tmp_path / "r.html"))
    assert done.code == 2, (done.stdout, done.stderr)
    assert message in done.stderr
    assert not (tmp_path / "r.html").exists()
