"""A report's content, built from the documents of an analysis: what the page shows, as data.

:func:`build_report` turns documents (parsed SageMaker/Clarify files) and the context of the run
(status, window, exit message: plain arguments, nothing read from a clock or a store) into a
:class:`Report`: the summary and one section per kind of document given. Rendering it to HTML is
:mod:`vigil.reports.render`; keeping the two apart lets tests check the numbers without parsing
HTML, and the page stay a template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vigil.errors import InvalidParameterError
from vigil.formats.clarify.analysis import ClarifyAnalysis
from vigil.formats.clarify.violations import BiasConstraintViolations
from vigil.formats.constraints import Constraints
from vigil.formats.model_quality import ModelQualityConstraints, ModelQualityStatistics
from vigil.formats.statistics import Statistics
from vigil.formats.violations import ConstraintViolations
from vigil.reports.attribution import AttributionSection, attribution_section
from vigil.reports.bias import BiasSection, bias_section
from vigil.reports.charts import Spec, bar_chart
from vigil.reports.data_quality import DataQualitySection, data_quality_section
from vigil.reports.model_quality import ModelQualitySection, model_quality_section

__all__ = ["Report", "ViolationRow", "build_report"]


@dataclass(frozen=True)
class ViolationRow:
    """One violation as listed: the feature, metric or facet it is about, its check, its text."""

    subject: str
    check: str
    description: str


@dataclass(frozen=True)
class Report:
    """Everything a report shows.

    Attributes
    ----------
    title : str
    monitoring_type : str or None
        ``DataQuality``, ``ModelQuality``, ``ModelBias``, ``ModelExplainability``, or None.
    status, exit_message, failure_reason : str or None
        The execution's, when the report is of one.
    window : tuple of datetime or None
        The analysed ``[start, end)`` (UTC).
    generated_at : datetime or None
    sources : mapping of str to str
        What each document was read from (shown in the page's footer).
    violations : tuple of ViolationRow
    violations_by_check : tuple of (str, int)
        Check type → number of violations, most frequent first.
    data_quality, model_quality, bias, attribution : section or None
    charts : mapping of str to dict
        ``violations_by_check`` when there are violations.
    """

    title: str
    monitoring_type: str | None
    status: str | None
    exit_message: str | None
    failure_reason: str | None
    window: tuple[datetime, datetime] | None
    generated_at: datetime | None
    sources: Mapping[str, str]
    violations: tuple[ViolationRow, ...]
    violations_by_check: tuple[tuple[str, int], ...]
    data_quality: DataQualitySection | None = None
    model_quality: ModelQualitySection | None = None
    bias: BiasSection | None = None
    attribution: AttributionSection | None = None
    charts: Mapping[str, Spec] = field(default_factory=dict)

    @property
    def item_count(self) -> int | None:
        """Rows analysed (the window's statistics), if known."""
        if self.data_quality is not None:
            return self.data_quality.item_count
        if self.model_quality is not None:
            return self.model_quality.item_count
        return None


def _monitoring_type(
    statistics: Statistics | ModelQualityStatistics | None,
    analysis: ClarifyAnalysis | None,
) -> str | None:
    if isinstance(statistics, ModelQualityStatistics):
        return "ModelQuality"
    if isinstance(statistics, Statistics):
        return "DataQuality"
    if analysis is not None:
        if analysis.pre_training_bias_metrics or analysis.post_training_bias_metrics:
            return "ModelBias"
        if analysis.explanations is not None:
            return "ModelExplainability"
    return None


def _utc(t: datetime, name: str) -> datetime:
    if t.tzinfo is None:
        raise InvalidParameterError(
            f"{name} of build_report must be timezone-aware. Got {t!r} instead.", field=name
        )
    return t.astimezone(UTC)


def build_report(
    *,
    statistics: Statistics | ModelQualityStatistics | None = None,
    baseline_statistics: Statistics | None = None,
    constraints: Constraints | ModelQualityConstraints | None = None,
    violations: ConstraintViolations | BiasConstraintViolations | None = None,
    analysis: ClarifyAnalysis | None = None,
    baseline_analysis: ClarifyAnalysis | None = None,
    coverage: Mapping[str, Any] | None = None,
    title: str | None = None,
    monitoring_type: str | None = None,
    status: str | None = None,
    exit_message: str | None = None,
    failure_reason: str | None = None,
    window: tuple[datetime, datetime] | None = None,
    generated_at: datetime | None = None,
    sources: Mapping[str, str] | None = None,
    drift_methods: Mapping[str, Any] | None = None,
) -> Report:
    """Build a report's content from the documents of one analysis.

    Every document is optional; the report has a section per kind given: data quality
    (a data-quality ``statistics``), model quality (a model-quality ``statistics``), bias and
    attribution (an ``analysis``).

    Parameters
    ----------
    statistics : Statistics or ModelQualityStatistics, optional
        The window's statistics.json (a baseline's for a baseline report).
    baseline_statistics : Statistics, optional
        The data-quality baseline the window is compared with.
    constraints : Constraints or ModelQualityConstraints, optional
        Of the statistics' kind.
    violations : ConstraintViolations or BiasConstraintViolations, optional
        The window's constraint_violations.json.
    analysis, baseline_analysis : ClarifyAnalysis, optional
        The window's (or a Clarify job's) analysis.json, and the baseline's for the NDCG.
    coverage : mapping, optional
        ground_truth_coverage.json (model quality).
    title : str, optional
        Default: "<monitoring type> report".
    monitoring_type, status, exit_message, failure_reason : str, optional
        Of the execution, when the report is of one (the type is otherwise told from the
        documents).
    window : tuple of datetime, optional
        The analysed ``[start, end)``; timezone-aware.
    generated_at : datetime, optional
        Shown in the header; timezone-aware (no clock is read here).
    sources : mapping of str to str, optional
        Document name → where it was read from, shown in the footer.
    drift_methods : mapping, optional
        ``numeric_method``, ``categorical_method``, ``feature_methods``: the drift distances the
        job used instead of SageMaker's.

    Returns
    -------
    Report

    Raises
    ------
    InvalidParameterError
        If a document is of the wrong kind for another (model-quality constraints with
        data-quality statistics …), a time is naive, or a drift method is unknown.
    """
    if window is not None:
        window = (_utc(window[0], "window"), _utc(window[1], "window"))
    if generated_at is not None:
        generated_at = _utc(generated_at, "generated_at")
    methods = dict(drift_methods or {})
    unknown = set(methods) - {"numeric_method", "categorical_method", "feature_methods"}
    if unknown:
        raise InvalidParameterError(
            "drift_methods of build_report may hold numeric_method, categorical_method and "
            f"feature_methods. Got {sorted(unknown)} instead.",
            field="drift_methods",
        )
    dq = mq = None
    if isinstance(statistics, Statistics):
        if constraints is not None and not isinstance(constraints, Constraints):
            raise InvalidParameterError(
                "constraints of build_report must be a data-quality constraints.json with a "
                "data-quality statistics.json. Got model-quality constraints instead.",
                field="constraints",
            )
        dq = data_quality_section(
            statistics,
            baseline_statistics=baseline_statistics,
            constraints=constraints,
            violations=violations if isinstance(violations, ConstraintViolations) else None,
            **methods,
        )
    elif isinstance(statistics, ModelQualityStatistics):
        if constraints is not None and not isinstance(constraints, ModelQualityConstraints):
            raise InvalidParameterError(
                "constraints of build_report must be a model-quality constraints.json with a "
                "model-quality statistics.json. Got data-quality constraints instead.",
                field="constraints",
            )
        mq = model_quality_section(
            statistics,
            constraints=constraints,
            violations=violations if isinstance(violations, ConstraintViolations) else None,
            coverage=coverage,
        )
    elif baseline_statistics is not None:
        dq = data_quality_section(
            baseline_statistics,
            constraints=constraints if isinstance(constraints, Constraints) else None,
        )
    bias = attr = None
    if analysis is not None:
        bias = bias_section(
            analysis,
            violations=violations if isinstance(violations, BiasConstraintViolations) else None,
        )
        attr = attribution_section(analysis, baseline=baseline_analysis)
    rows: list[ViolationRow] = []
    if isinstance(violations, ConstraintViolations):
        rows = [
            ViolationRow(v.subject, v.constraint_check_type, v.description)
            for v in violations.violations
        ]
    elif isinstance(violations, BiasConstraintViolations):
        rows = [
            ViolationRow(
                f"{v.facet}={v.facet_value} {v.metric_name}", v.constraint_check_type, v.description
            )
            for v in violations.violations
        ]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.check] = counts.get(row.check, 0) + 1
    by_check = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    charts: dict[str, Spec] = {}
    if by_check:
        charts["violations_by_check"] = bar_chart(
            [{"check": k, "n": n} for k, n in by_check],
            x="check",
            y="n",
            x_title="check type",
            y_title="violations",
        )
    kind = monitoring_type or _monitoring_type(statistics, analysis)
    return Report(
        title=title or f"{kind or 'Vigil'} report",
        monitoring_type=kind,
        status=status,
        exit_message=exit_message,
        failure_reason=failure_reason,
        window=window,
        generated_at=generated_at,
        sources=dict(sources or {}),
        violations=tuple(rows),
        violations_by_check=by_check,
        data_quality=dq,
        model_quality=mq,
        bias=bias,
        attribution=attr,
        charts=charts,
    )
