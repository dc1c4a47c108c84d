"""The report of one execution, from the files it publishes: what the execution template calls.

:func:`execution_report` takes the files of an analysis (``Analysis.files``: relative name →
bytes, as :func:`vigil.jobs.outputs.publish` writes them) and the run's context as plain
arguments, and returns ``report.html`` to publish beside them. Any file it does not know
(metrics, a manifest) is ignored; a Failed execution without files still gets a page with its
status and reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from vigil.formats.clarify.analysis import ClarifyAnalysis
from vigil.formats.statistics import Statistics
from vigil.reports.documents import (
    parse_json,
    read_constraints,
    read_statistics,
    read_violations,
)
from vigil.reports.render import render_html
from vigil.reports.report import build_report

__all__ = [
    "ANALYSIS_FILE",
    "CONSTRAINTS_FILE",
    "COVERAGE_FILE",
    "REPORT_FILE",
    "STATISTICS_FILE",
    "VIOLATIONS_FILE",
    "execution_report",
]

REPORT_FILE = "report.html"
"""The name of the report among an execution's files."""

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
VIOLATIONS_FILE = "constraint_violations.json"
COVERAGE_FILE = "ground_truth_coverage.json"
ANALYSIS_FILE = "analysis.json"


def execution_report(
    files: Mapping[str, bytes],
    *,
    monitoring_type: str | None = None,
    status: str | None = None,
    exit_message: str | None = None,
    failure_reason: str | None = None,
    window: tuple[datetime, datetime] | None = None,
    generated_at: datetime | None = None,
    baseline_statistics: Statistics | None = None,
    baseline_analysis: ClarifyAnalysis | None = None,
    drift_methods: Mapping[str, Any] | None = None,
    title: str | None = None,
    sources: Mapping[str, str] | None = None,
) -> bytes:
    """``report.html`` of an execution, from its files and its context.

    Parameters
    ----------
    files : mapping of str to bytes
        The execution's files by relative name: ``statistics.json``, ``constraints.json``,
        ``constraint_violations.json``, ``ground_truth_coverage.json``, ``analysis.json`` are
        read (each optional); the kinds (data or model quality, Clarify) are told from content.
    monitoring_type : str, optional
        ``DataQuality``, ``ModelQuality``… (told from the files when omitted).
    status, exit_message, failure_reason : str, optional
        The execution's (``Completed``, SageMaker's exit message, why it failed).
    window : tuple of datetime, optional
        The analysed ``[start, end)``, timezone-aware.
    generated_at : datetime, optional
        The execution time, timezone-aware (shown; no clock is read).
    baseline_statistics : Statistics, optional
        The data-quality baseline (the job already holds it): distributions are compared with it
        and drift distances recomputed. Without it, only the window's side is shown.
    baseline_analysis : ClarifyAnalysis, optional
        The baseline's analysis.json, for attribution rankings side by side and their NDCG.
    drift_methods : mapping, optional
        The job's ``numeric_method``, ``categorical_method``, ``feature_methods`` when it used
        other distances than SageMaker's.
    title : str, optional
    sources : mapping of str to str, optional
        Shown in the footer (document → URL); default: the names of the files read.

    Returns
    -------
    bytes
        The UTF-8 page, self-contained (see :mod:`vigil.reports.render`).

    Raises
    ------
    DocumentError
        If one of the files read is not a valid document.
    InvalidParameterError
        If documents of different kinds are mixed, or a time is naive.

    Examples
    --------
    >>> page = execution_report({}, status="Failed", failure_reason="NoData: no records")
    >>> b"NoData: no records" in page and b"<script" not in page
    True
    """
    read: dict[str, Any] = {}
    if STATISTICS_FILE in files:
        read["statistics"] = read_statistics(files[STATISTICS_FILE], STATISTICS_FILE)
    if CONSTRAINTS_FILE in files:
        read["constraints"] = read_constraints(files[CONSTRAINTS_FILE], CONSTRAINTS_FILE)
    if VIOLATIONS_FILE in files:
        read["violations"] = read_violations(files[VIOLATIONS_FILE], VIOLATIONS_FILE)
    if COVERAGE_FILE in files:
        read["coverage"] = parse_json(files[COVERAGE_FILE], COVERAGE_FILE)
    if ANALYSIS_FILE in files:
        read["analysis"] = ClarifyAnalysis.from_json(files[ANALYSIS_FILE], source=ANALYSIS_FILE)
    known = (STATISTICS_FILE, CONSTRAINTS_FILE, VIOLATIONS_FILE, COVERAGE_FILE, ANALYSIS_FILE)
    report = build_report(
        **read,
        baseline_statistics=baseline_statistics,
        baseline_analysis=baseline_analysis,
        monitoring_type=monitoring_type,
        status=status,
        exit_message=exit_message,
        failure_reason=failure_reason,
        window=window,
        generated_at=generated_at,
        drift_methods=drift_methods,
        title=title,
        sources=sources if sources is not None else {n: n for n in known if n in files},
    )
    return render_html(report).encode("utf-8")
