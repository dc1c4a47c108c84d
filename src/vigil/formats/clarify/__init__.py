"""SageMaker Clarify's file formats: ``analysis_config.json``, ``analysis.json`` and bias-drift
``constraint_violations.json`` (spec clarify.md §2, §3).

* :class:`AnalysisConfig` — the job's configuration, as users and the SDK write it; unknown and
  unsupported keys are kept and listed (:meth:`AnalysisConfig.ignored_keys`), never fatal.
* :class:`ClarifyAnalysis` — bias metrics (pre/post-training) and KernelSHAP explanations;
  converts to and from the core's :class:`~vigil.core.bias.report.BiasReport`.
* :class:`BiasConstraintViolations` — a bias-drift monitor's violations.

Reading is tolerant and keeps what it read (a real analysis.json is written back byte for byte);
writing follows Clarify's Python JSON layout (:mod:`vigil.formats.clarify._json`). Malformed
documents raise :class:`vigil.errors.DocumentError` naming the file and the JSON path.
"""

from __future__ import annotations

from vigil.formats.clarify._json import ClarifyDocument, JsonNumber
from vigil.formats.clarify.analysis import (
    BiasMetricEntry,
    BiasMetrics,
    ClarifyAnalysis,
    Explanations,
    FacetValueMetrics,
    KernelShapLabel,
)
from vigil.formats.clarify.config import (
    DATASET_TYPES,
    SUPPORTED_DATASET_TYPES,
    UNSUPPORTED_KEYS,
    AggMethod,
    AnalysisConfig,
    BiasMethods,
    ConfigValue,
    DatasetType,
    FacetConfig,
    Methods,
    PredictorConfig,
    ReportConfig,
    ShapConfig,
)
from vigil.formats.clarify.violations import BiasConstraintViolations, BiasViolation

__all__ = [
    "DATASET_TYPES",
    "SUPPORTED_DATASET_TYPES",
    "UNSUPPORTED_KEYS",
    "AggMethod",
    "AnalysisConfig",
    "BiasConstraintViolations",
    "BiasMethods",
    "BiasMetricEntry",
    "BiasMetrics",
    "BiasViolation",
    "ClarifyAnalysis",
    "ClarifyDocument",
    "ConfigValue",
    "DatasetType",
    "Explanations",
    "FacetConfig",
    "FacetValueMetrics",
    "JsonNumber",
    "KernelShapLabel",
    "Methods",
    "PredictorConfig",
    "ReportConfig",
    "ShapConfig",
]
