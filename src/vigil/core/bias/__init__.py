"""SageMaker Clarify's bias metrics, reports and the bias-drift rule (spec clarify.md §1–§3, §7).

Pure functions over numpy/pyarrow arrays; one concept per module:

=================  ===========================================================================
``counts``         :class:`BiasCounts` (a facet's mergeable count table), :class:`BiasData`
``result``         :class:`Undefined`, :class:`MetricResult`, :class:`MetricSpec`
``pretraining``    CI, DPL, KL, JS, LP, TVD, KS, CDDL
``posttraining``   DPPL, DI, DCA, DCR, RD, SD, DAR, DRR, AD, CDDPL, TE, GE
``fliptest``       FT (k nearest neighbours; the one metric that needs the rows)
``registry``       Clarify short name → :class:`MetricSpec` (description, stage, fair value, range)
``facets``         facet/label/predicted-label columns → masks, Clarify's printed values
``report``         :func:`bias_report`: several facets, both stages, analysis.json-shaped results
``drift``          :func:`check_bias_drift`: live vs baseline, distance from the fair value
=================  ===========================================================================

Sign rule (Clarify's): facet *d* is the sensitive group and *a* the rest; difference metrics
are ``a − d`` (CI, DPL, DPPL, DCA, RD, DAR, AD) or ``d − a`` (DCR, SD, DRR, TE), so that a
positive value means *d* is disadvantaged. Every metric's fair value is 0 except DI's, 1.

Undefined metrics return :class:`Undefined` with Clarify's error text, never raise and never
return a silent 0 (see :mod:`vigil.core.bias.result`).

>>> data = BiasData.from_arrays([True, True, False, False], predicted=[True, False, True, True])
>>> get_metric("DI").compute(data)
MetricResult(name='DI', description='Disparate Impact (DI)', value=0.5, error=None)
"""

from __future__ import annotations

from vigil.core.bias.counts import BiasCounts, BiasData, FlipTestData, GroupCodes, group_codes
from vigil.core.bias.drift import (
    BIAS_DRIFT_CHECK,
    BiasDriftViolation,
    check_bias_drift,
    fair_value_of,
    is_bias_drift,
)
from vigil.core.bias.facets import (
    Column,
    ColumnKind,
    GroupRule,
    Membership,
    Threshold,
    Values,
    column_kind,
    interval_text,
    positive_labels,
    predicted_labels_from_probability,
    predicted_positive,
    rule_for,
    sensitive_groups,
)
from vigil.core.bias.registry import (
    METRICS,
    POST_TRAINING_METRICS,
    PRE_TRAINING_METRICS,
    MetricName,
    get_metric,
    metrics_of_stage,
)
from vigil.core.bias.report import (
    BiasReport,
    Facet,
    FacetReport,
    Label,
    MetricSelection,
    StageReport,
    bias_report,
    compute_metrics,
)
from vigil.core.bias.result import (
    MetricFunction,
    MetricResult,
    MetricSpec,
    MetricValue,
    Stage,
    SwapRule,
    Undefined,
)

__all__ = [
    "BIAS_DRIFT_CHECK",
    "METRICS",
    "POST_TRAINING_METRICS",
    "PRE_TRAINING_METRICS",
    "BiasCounts",
    "BiasData",
    "BiasDriftViolation",
    "BiasReport",
    "Column",
    "ColumnKind",
    "Facet",
    "FacetReport",
    "FlipTestData",
    "GroupCodes",
    "GroupRule",
    "Label",
    "Membership",
    "MetricFunction",
    "MetricName",
    "MetricResult",
    "MetricSelection",
    "MetricSpec",
    "MetricValue",
    "Stage",
    "StageReport",
    "SwapRule",
    "Threshold",
    "Undefined",
    "Values",
    "bias_report",
    "check_bias_drift",
    "column_kind",
    "compute_metrics",
    "fair_value_of",
    "get_metric",
    "group_codes",
    "interval_text",
    "is_bias_drift",
    "metrics_of_stage",
    "positive_labels",
    "predicted_labels_from_probability",
    "predicted_positive",
    "rule_for",
    "sensitive_groups",
]
