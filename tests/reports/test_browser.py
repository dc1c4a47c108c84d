"""Reports in a real browser (Debian's headless Chromium) with the network blocked.

The page is opened from disk (``file://``) while every connection beyond loopback goes to a
recording black hole (:mod:`tests.browser`): the charts must draw from what the file holds, and
the page must try to reach nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser import load_page
from tests.reports.conftest import Execution

from vigil.formats.clarify import ClarifyAnalysis
from vigil.formats.statistics import Statistics
from vigil.formats.violations import ConstraintViolations
from vigil.reports import execution_report, render_report
from vigil.reports.data_quality import data_quality_section

ERROR = re.compile(r'class="[^"]*chart-error')


def test_the_harness_sees_a_page_that_needs_a_cdn(tmp_path: Path) -> None:
    page = tmp_path / "cdn.html"
    page.write_text(
        '<!DOCTYPE html><script src="https://cdn.jsdelivr.net/npm/vega@6"></script>'
        '<p id="x">loaded</p>'
    )
    loaded = load_page(page.as_uri(), budget_ms=3000)
    assert 'id="x"' in loaded.dom
    assert any("cdn.jsdelivr.net" in r for r in loaded.blocked), loaded.blocked


def test_a_data_quality_report_draws_its_charts_offline(
    dq_execution: Execution, tmp_path: Path
) -> None:
    base = Statistics.from_file(dq_execution.baseline / "statistics.json")
    files = dq_execution.files()
    path = tmp_path / "report.html"
    path.write_bytes(execution_report(files, baseline_statistics=base, status="Completed"))
    loaded = load_page(path.as_uri())
    assert loaded.blocked == []
    assert not ERROR.search(loaded.dom), ERROR.search(loaded.dom)
    section = data_quality_section(
        Statistics.from_json(files["statistics.json"]),
        baseline_statistics=base,
        violations=ConstraintViolations.from_json(files["constraint_violations.json"]),
    )
    opened = sum(1 for f in section.features if f.status == "violation")
    # drawn: violations by check, distances, the charts of the features opened (violations)
    assert loaded.dom.count('data-rendered="1"') == 2 + opened == 6
    assert loaded.dom.count('aria-roledescription="visualization"') == 6
    assert loaded.dom.count('aria-roledescription="tick"') == 12  # one threshold per feature
    assert loaded.dom.count('aria-roledescription="bar"') >= 12 + 3


def test_a_clarify_report_draws_its_charts_offline(conformance_dir: Path, tmp_path: Path) -> None:
    analysis = ClarifyAnalysis.from_file(
        conformance_dir
        / "aws__amazon-sagemaker-examples"
        / "archived__fraud_detection__clarify_output__bias_1__analysis.json"
    )
    path = tmp_path / "report.html"
    path.write_bytes(render_report(analysis=analysis))
    loaded = load_page(path.as_uri())
    assert loaded.blocked == []
    assert not ERROR.search(loaded.dom)
    stages = (analysis.pre_training_bias_metrics, analysis.post_training_bias_metrics)
    groups = sum(len(v) for s in stages if s is not None for v in s.facets.values())
    assert loaded.dom.count('data-rendered="1"') == groups == 2  # one chart per facet value
