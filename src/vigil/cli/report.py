"""``vigil report``: build a self-contained ``report.html`` from SageMaker-format files.

Any combination of documents, Vigil's or SageMaker's, local or ``s3://…``: a data-quality or
model-quality ``statistics.json`` (told from its content), the baseline's ``statistics.json``,
``constraints.json``, ``constraint_violations.json``, Clarify ``analysis.json`` files and
``ground_truth_coverage.json``. The page is written to ``--output`` (a path or URL) and needs
nothing else to open (:mod:`vigil.reports`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console

from vigil.cli.options import parse_time
from vigil.errors import InvalidParameterError
from vigil.formats.clarify.analysis import ClarifyAnalysis
from vigil.formats.statistics import Statistics
from vigil.reports import read_constraints, read_statistics, read_violations, render_report
from vigil.reports.documents import parse_json
from vigil.storage.objectstore import read_bytes, write_bytes

__all__ = ["report"]


def _doc(url: str | None, name: str, reader: Any, sources: dict[str, str]) -> Any:
    if url is None:
        return None
    sources[name] = url
    return reader(read_bytes(url), url)


def _analysis(raw: bytes, source: str) -> ClarifyAnalysis:
    return ClarifyAnalysis.from_json(raw, source=source)


def _baseline(raw: bytes, source: str) -> Statistics:
    doc = read_statistics(raw, source)
    if not isinstance(doc, Statistics):
        raise InvalidParameterError(
            "--baseline-statistics must be a data-quality statistics.json. Got a model-quality "
            "one instead.",
            field="baseline_statistics",
            path=source,
        )
    return doc


def report(
    output: str = typer.Option(..., "--output", "-o", help="Where to write report.html."),
    statistics: str | None = typer.Option(
        None, help="statistics.json of the window (data or model quality)."
    ),
    baseline_statistics: str | None = typer.Option(
        None, help="Baseline statistics.json (data quality): distributions and distances."
    ),
    constraints: str | None = typer.Option(None, help="constraints.json of the baseline."),
    violations: str | None = typer.Option(
        None, help="constraint_violations.json (Model Monitor's or Clarify's bias drift)."
    ),
    analysis: str | None = typer.Option(None, help="Clarify analysis.json (bias, explanations)."),
    baseline_analysis: str | None = typer.Option(
        None, help="The baseline's analysis.json: rankings side by side and their NDCG."
    ),
    coverage: str | None = typer.Option(None, help="ground_truth_coverage.json (model quality)."),
    title: str | None = typer.Option(None, help="Page title."),
    status: str | None = typer.Option(None, help="The execution's status, shown in the header."),
    exit_message: str | None = typer.Option(None, help="The execution's exit message."),
    window_start: str | None = typer.Option(None, help="Start of the analysed window (ISO-8601)."),
    window_end: str | None = typer.Option(None, help="End of the analysed window (ISO-8601)."),
) -> None:
    """Build one self-contained report.html (no network needed to open it) from any
    SageMaker-format files, Vigil's or SageMaker's own."""
    if not any((statistics, baseline_statistics, analysis, violations)):
        raise InvalidParameterError(
            "give at least one of --statistics, --baseline-statistics, --analysis, --violations",
            field="statistics",
        )
    if (window_start is None) != (window_end is None):
        raise InvalidParameterError(
            "give both --window-start and --window-end, or neither", field="window_start"
        )
    start, end = parse_time(window_start, "--window-start"), parse_time(window_end, "--window-end")
    window = (start, end) if start is not None and end is not None else None
    sources: dict[str, str] = {}
    documents: dict[str, Any] = {
        "statistics": _doc(statistics, "statistics", read_statistics, sources),
        "baseline_statistics": _doc(baseline_statistics, "baseline statistics", _baseline, sources),
        "constraints": _doc(constraints, "constraints", read_constraints, sources),
        "violations": _doc(violations, "violations", read_violations, sources),
        "analysis": _doc(analysis, "analysis", _analysis, sources),
        "baseline_analysis": _doc(baseline_analysis, "baseline analysis", _analysis, sources),
        "coverage": _doc(coverage, "coverage", parse_json, sources),
    }
    page = render_report(
        **documents,
        title=title,
        status=status,
        exit_message=exit_message,
        window=window,
        generated_at=datetime.now(UTC),
        sources=sources,
    )
    write_bytes(output, page)
    Console().print(f"report written to {output} ({len(page):,} bytes)")
