"""Clarify's ``analysis.json``: bias metrics (pre/post-training) and KernelSHAP explanations.

Layout (spec clarify.md §2; real files in shared/conformance/sagemaker-real)::

    {"version": "1.0",
     "post_training_bias_metrics": {"label": "target",
        "facets": {"Gender": [{"value_or_threshold": "0",
                               "metrics": [{"name": "AD", "description": "Accuracy Difference (AD)",
                                            "value": -0.114}, ...]}, ...]},
        "label_value_or_threshold": "1"},
     "pre_training_bias_metrics": {... the same ...},
     "explanations": {"kernel_shap": {"label0": {"global_shap_values": {"f0": 0.0225, ...},
                                                  "expected_value": 0.5082}}}}

A failed metric has ``"value": null`` and an ``"error"``; infinite values are ``"Infinity"``
strings. The reader keeps unknown keys (PDP results, text explanations, keys of later Clarify
versions) and the key order it read, so a real file is written back byte for byte; a document
built from a :class:`~vigil.core.bias.report.BiasReport` gets Clarify's order (post-training
before pre-training, as the container writes them).
"""

from __future__ import annotations

from pydantic import Field

from vigil.core.bias.report import BiasReport, FacetReport, StageReport
from vigil.core.bias.result import MetricResult, Stage
from vigil.formats._document import SageMakerModel
from vigil.formats.clarify._json import ClarifyDocument, JsonNumber

__all__ = [
    "BiasMetricEntry",
    "BiasMetrics",
    "ClarifyAnalysis",
    "Explanations",
    "FacetValueMetrics",
    "KernelShapLabel",
]


class BiasMetricEntry(SageMakerModel):
    """One metric: ``{"name", "description", "value"}`` plus ``"error"`` when it failed.

    Attributes
    ----------
    name : str
        Clarify's short name (``"DPPL"``).
    description : str
        ``"Difference in Positive Proportions in Predicted Labels (DPPL)"``.
    value : int, float or None
        None (``null``) when the metric failed; ``inf`` for ``"Infinity"``.
    error : str or None
        Why the metric failed.
    """

    name: str
    description: str = ""
    value: JsonNumber | None = None
    error: str | None = None

    def to_result(self) -> MetricResult:
        """As the core's :class:`~vigil.core.bias.result.MetricResult`."""
        return MetricResult(self.name, self.description, self.value, self.error)

    @classmethod
    def from_result(cls, result: MetricResult) -> BiasMetricEntry:
        """From the core's result; ``value`` is always written (``null`` when undefined)."""
        if result.error is None:
            return cls(name=result.name, description=result.description, value=result.value)
        return cls(
            name=result.name, description=result.description, value=result.value, error=result.error
        )


class FacetValueMetrics(SageMakerModel):
    """One entry of ``facets[name]``: a sensitive group and its metrics."""

    value_or_threshold: str
    metrics: list[BiasMetricEntry] = Field(default_factory=list)


class BiasMetrics(SageMakerModel):
    """``pre_training_bias_metrics`` or ``post_training_bias_metrics``.

    Attributes
    ----------
    label : str, int or None
        The label column's name (or index).
    facets : dict of str to list of FacetValueMetrics
        Per facet name, one entry per sensitive group.
    label_value_or_threshold : str or None
        The positive label values (joined by commas) or the label's threshold interval.
    """

    label: str | int | None = None
    facets: dict[str, list[FacetValueMetrics]] = Field(default_factory=dict)
    label_value_or_threshold: str | None = None

    def to_stage(self, stage: Stage) -> StageReport:
        """As the core's :class:`~vigil.core.bias.report.StageReport` (no facet sizes)."""
        reports = tuple(
            FacetReport(name, entry.value_or_threshold, tuple(m.to_result() for m in entry.metrics))
            for name, entries in self.facets.items()
            for entry in entries
        )
        label = "" if self.label is None else str(self.label)
        return StageReport(stage, label, self.label_value_or_threshold or "", reports)

    @classmethod
    def from_stage(cls, stage: StageReport) -> BiasMetrics:
        """From the core's stage report; facets with one name are grouped in order."""
        facets: dict[str, list[FacetValueMetrics]] = {}
        for report in stage.facets:
            facets.setdefault(report.facet, []).append(
                FacetValueMetrics(
                    value_or_threshold=report.value_or_threshold,
                    metrics=[BiasMetricEntry.from_result(m) for m in report.metrics],
                )
            )
        return cls(
            label=stage.label,
            facets=facets,
            label_value_or_threshold=stage.label_value_or_threshold,
        )


class KernelShapLabel(SageMakerModel):
    """``explanations.kernel_shap.<label>``: global SHAP values and the expected value.

    Attributes
    ----------
    global_shap_values : dict of str to number
        Per feature, the aggregated SHAP value (``agg_method``: mean |φ| by default).
    expected_value : number or None
        The model's mean output on the baseline.
    """

    global_shap_values: dict[str, JsonNumber] = Field(default_factory=dict)
    expected_value: JsonNumber | None = None


class Explanations(SageMakerModel):
    """``explanations``: ``kernel_shap`` per output label (``label0`` … or the label headers)."""

    kernel_shap: dict[str, KernelShapLabel] | None = None


class ClarifyAnalysis(ClarifyDocument):
    """A Clarify ``analysis.json`` (bias, explainability or both).

    Examples
    --------
    >>> doc = ClarifyAnalysis.from_json('{"version": "1.0", "pre_training_bias_metrics": '
    ...     '{"label": "y", "facets": {"sex": [{"value_or_threshold": "F", "metrics": '
    ...     '[{"name": "CI", "description": "Class Imbalance (CI)", "value": 0.2}]}]}, '
    ...     '"label_value_or_threshold": "1"}}')
    >>> doc.to_report().pre_training.facets[0].metric("CI").value
    0.2
    >>> print(doc.to_json().splitlines()[2])
        "pre_training_bias_metrics": {
    """

    version: str = "1.0"
    post_training_bias_metrics: BiasMetrics | None = None
    pre_training_bias_metrics: BiasMetrics | None = None
    explanations: Explanations | None = None

    def to_report(self) -> BiasReport:
        """The bias sections as the core's :class:`~vigil.core.bias.report.BiasReport`.

        This is how a baseline's constraints (its analysis.json) enter
        :func:`~vigil.core.bias.drift.check_bias_drift`.
        """
        pre, post = self.pre_training_bias_metrics, self.post_training_bias_metrics
        return BiasReport(
            pre_training=None if pre is None else pre.to_stage("pre_training"),
            post_training=None if post is None else post.to_stage("post_training"),
        )

    @classmethod
    def from_report(
        cls, report: BiasReport, *, explanations: Explanations | None = None
    ) -> ClarifyAnalysis:
        """Build the document Clarify would write for ``report`` (and optional explanations)."""
        sections: dict[str, str | BiasMetrics | Explanations] = {"version": "1.0"}
        if report.post_training is not None:
            sections["post_training_bias_metrics"] = BiasMetrics.from_stage(report.post_training)
        if report.pre_training is not None:
            sections["pre_training_bias_metrics"] = BiasMetrics.from_stage(report.pre_training)
        if explanations is not None:
            sections["explanations"] = explanations
        return cls.model_validate(sections)
