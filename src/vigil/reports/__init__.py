"""Self-contained HTML reports of an analysis, built from its SageMaker-format documents.

A report is ONE file, ``report.html``: no CDN, no network, no other file. It opens from a disk
or an object store on an air-gapped host; its tables read without JavaScript and its charts
(Vega-Lite, whose runtime is inlined) draw when scripts run. It is built from the documents
only — ``statistics.json`` (data or model quality), ``constraints.json``,
``constraint_violations.json``, Clarify's ``analysis.json``, Vigil's
``ground_truth_coverage.json`` — never from raw data, so it can be made for SageMaker's own files.

Modules, one concept each:

=================  ==========================================================================
``report``         :func:`build_report`: documents + context → :class:`Report` (data)
``data_quality``   per feature: distributions on common bins, recomputed distance, checks
``model_quality``  metrics against thresholds, confusion matrix, ROC/PR curves, coverage
``bias``           Clarify bias metrics per facet value, with fair values
``attribution``    SHAP rankings side by side and their NDCG
``charts``         the Vega-Lite specs (plain dicts)
``render``         :func:`render_html`: the Jinja2 page with everything inlined
``documents``      reading documents whose kind is told by content
``execution``      :func:`execution_report`: an execution's files → ``report.html`` bytes
=================  ==========================================================================

The package renders; it reads no file, clock or setting (assets come from the package itself)
and imports only :mod:`vigil.formats` and :mod:`vigil.core` below it.

>>> from vigil.formats import ConstraintViolations, Violation
>>> page = render_report(violations=ConstraintViolations(violations=[Violation(
...     feature_name="age", constraint_check_type="completeness_check", description="low")]))
>>> b"completeness_check" in page
True
"""

from __future__ import annotations

from typing import Any

from vigil.reports.documents import read_constraints, read_statistics, read_violations
from vigil.reports.execution import REPORT_FILE, execution_report
from vigil.reports.render import render_html
from vigil.reports.report import Report, build_report

__all__ = [
    "REPORT_FILE",
    "Report",
    "build_report",
    "execution_report",
    "read_constraints",
    "read_statistics",
    "read_violations",
    "render_html",
    "render_report",
]


def render_report(**documents: Any) -> bytes:
    """Build and render a report in one call: :func:`build_report`'s arguments → UTF-8 bytes.

    Raises
    ------
    InvalidParameterError
        As :func:`build_report`.
    """
    return render_html(build_report(**documents)).encode("utf-8")
