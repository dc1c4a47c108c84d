"""The page itself: self-contained, escaped, readable without scripts, within its size bound."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from importlib import resources

import pytest
from tests.reports.conftest import Execution
from tests.reports.page import Page, assert_self_contained, vendored_sources

from vigil.errors import InvalidParameterError
from vigil.formats.statistics import Statistics
from vigil.formats.violations import ConstraintViolations
from vigil.reports import REPORT_FILE, execution_report, render_report
from vigil.reports.render import CHART_LIBRARIES

VENDORED = {
    "vega.min.js": "8f6a3587cf8d4f42c7e08120e3eb05d067e746d554e39d2dcf52acc0bd5ba28f",
    "vega-lite.min.js": "83e215e84e308ee8688fa6503ba0f1cf8a3c05c0d61df2841a0b92bf86809e00",
}
MAX_BYTES_150_FEATURES = 2_000_000


def _page(e: Execution, **context: object) -> Page:
    base = Statistics.from_file(e.baseline / "statistics.json")
    return Page(execution_report(e.files(), baseline_statistics=base, **context).decode())  # type: ignore[arg-type]


def test_vendored_libraries_are_the_npm_builds_with_their_licences() -> None:
    vendor = resources.files("vigil.reports") / "vendor"
    for name, digest in VENDORED.items():
        assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == digest
    for package in ("vega", "vega-lite"):
        licence = (vendor / f"LICENSE-{package}").read_text()
        assert "Redistribution and use in source and binary forms" in licence
    assert {f for _, _, f in CHART_LIBRARIES} == set(VENDORED)


def test_an_execution_report_is_self_contained_and_complete(dq_execution: Execution) -> None:
    page = _page(
        dq_execution,
        monitoring_type="DataQuality",
        status=dq_execution.result.status.value,
        exit_message=dq_execution.result.exit_message,
        window=(datetime(2024, 5, 1, 10, tzinfo=UTC), datetime(2024, 5, 1, 11, tzinfo=UTC)),
        generated_at=datetime(2024, 5, 1, 11, 5, tzinfo=UTC),
    )
    assert_self_contained(page)
    scripts = [text for attrs, text in page.scripts if "id" not in attrs]
    assert [s.strip() for s in scripts[:2]] == [s.strip() for s in vendored_sources()]
    facts = {row[0]: row[1] for row in page.table("summary-facts").body}
    assert facts["Status"] == "CompletedWithViolations"
    assert facts["Exit message"] == dq_execution.result.exit_message
    by_check = {row[0]: int(row[1]) for row in page.table("violations-by-check").body}
    assert by_check == {
        "baseline_drift_check": 3,
        "categorical_values_check": 1,
        "completeness_check": 1,
    }
    features = page.table("features")
    assert features.column(0) == [f.name for f in dq_execution.result.report.features]
    job = {f.name: f.drift for f in dq_execution.result.report.features}
    for row in features.body:
        drift = job[row[0]]
        assert drift is not None
        assert float(row[5]) == pytest.approx(drift.distance, rel=1e-3, abs=1e-12)
        assert (float(row[6]), row[7]) == (drift.threshold, drift.method)
    status = {row[0]: row[-1] for row in features.body}
    assert status["x007"] == "completeness_check" and status["x001"] == "ok"
    bins = [t for t in page.tables if "bins" in (t.attrs.get("class") or "")]
    assert len(bins) == 12
    assert all(abs(sum(float(r[1].rstrip("%")) for r in t.body) - 100) < 1 for t in bins)
    charts = page.charts()
    assert sorted(page.chart_ids()) == sorted(charts)
    assert len(charts) == 2 + 12  # violations by check, distances, one per feature


def test_names_cannot_inject_markup_or_end_the_script(dq_execution: Execution) -> None:
    nasty = '</script><script>alert("x")</script><b>&amp;'
    raw = Statistics.from_file(dq_execution.output / "statistics.json").to_dict()
    raw["features"][0]["name"] = nasty
    base = Statistics.from_file(dq_execution.baseline / "statistics.json").to_dict()
    base["features"][0]["name"] = nasty
    violations = ConstraintViolations.from_dict(
        {"violations": [{"feature_name": nasty, "constraint_check_type": "completeness_check", "description": nasty}]}
    )  # fmt: skip
    html = render_report(
        statistics=Statistics.from_dict(raw),
        baseline_statistics=Statistics.from_dict(base),
        violations=violations,
        title=nasty,
    ).decode()
    page = Page(html)
    assert_self_contained(page)
    assert not [e for e in page.elements if e.tag == "b"]
    own = [text for attrs, text in page.scripts if "alert" in text]
    assert own == [t for a, t in page.scripts if a.get("id") == "vigil-charts"]  # only as data
    assert json.dumps(nasty) in json.dumps(page.charts())  # the chart JSON holds the name
    assert page.table("violations").body[0][0] == nasty  # and the table shows it as text
    assert page.table("features").body[0][0] == nasty


def test_a_report_of_150_features_stays_within_2_mb(wide_execution: Execution) -> None:
    base = Statistics.from_file(wide_execution.baseline / "statistics.json")
    html = execution_report(wide_execution.files(), baseline_statistics=base)
    assert len(html) <= MAX_BYTES_150_FEATURES, len(html)
    page = Page(html.decode())
    assert_self_contained(page)
    assert len(page.table("features").body) == 150
    assert len(page.charts()) == 150 + 2


def test_a_failed_execution_still_gets_a_page_without_scripts() -> None:
    html = execution_report(
        {}, monitoring_type="DataQuality", status="Failed", failure_reason="NoData: nothing"
    )
    page = Page(html.decode())
    assert_self_contained(page)
    assert page.scripts == []
    facts = {row[0]: row[1] for row in page.table("summary-facts").body}
    assert facts == {
        "Monitoring type": "DataQuality",
        "Status": "Failed",
        "Failure reason": "NoData: nothing",
    }
    assert REPORT_FILE == "report.html"


def test_documents_of_mixed_kinds_and_naive_times_are_refused(dq_execution: Execution) -> None:
    files = dq_execution.files()
    mq = b'{"regression_constraints": {"mae": {"threshold": 1, "comparison_operator": "GreaterThanThreshold"}}}'
    with pytest.raises(InvalidParameterError, match="model-quality constraints"):
        execution_report({**files, "constraints.json": mq})
    with pytest.raises(InvalidParameterError, match="timezone-aware"):
        execution_report(files, generated_at=datetime(2024, 5, 1))
