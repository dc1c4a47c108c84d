"""SageMaker Model Monitor file formats: read tolerantly, write byte-compatibly.

Documents (each has ``from_dict``/``from_json``/``from_file`` and ``to_dict``/``to_json``/``to_file``;
``to_json`` is Jackson-printed like the analyzer's own files):

* :class:`Statistics` — data-quality ``statistics.json`` (spec §2)
* :class:`Constraints` — data-quality ``constraints.json`` (spec §3)
* :class:`ConstraintViolations` — ``constraint_violations.json`` (spec §4.1, §6.4)
* :class:`ModelQualityStatistics`, :class:`ModelQualityConstraints` — model quality (spec §6.2–6.3)

Records (one JSON object per line, ``from_json``/``to_json``):

* :class:`CaptureRecord`, :class:`GroundTruthRecord` (spec §1.2, §1.5)

Malformed documents raise :class:`vigil.errors.DocumentError`, malformed records
:class:`vigil.errors.MalformedRowError`, both naming the file and the JSON path of the bad field.
:mod:`vigil.formats.jackson` holds the Jackson pretty printer. Clarify's documents
(``analysis_config.json``, ``analysis.json``, bias-drift violations) are in
:mod:`vigil.formats.clarify`, imported on their own.
"""

from __future__ import annotations

from vigil.formats._document import Count, Document, JsonFloat, SageMakerModel
from vigil.formats.capture import (
    CaptureData,
    CaptureEncoding,
    CaptureMode,
    CaptureRecord,
    EndpointData,
    EventMetadata,
    GroundTruthData,
    GroundTruthRecord,
)
from vigil.formats.constraints import (
    CategoricalDriftMethod,
    ComparisonMethod,
    Constraints,
    DistributionConstraints,
    EffectiveMonitoringConfig,
    FeatureConstraints,
    MonitoringConfig,
    NumConstraints,
    StringConstraints,
    Toggle,
)
from vigil.formats.model_quality import (
    BinaryClassificationMetrics,
    ComparisonOperator,
    ConfusionMatrix,
    MetricThreshold,
    MetricValue,
    ModelQualityConstraints,
    ModelQualityStatistics,
    MulticlassClassificationMetrics,
    PrecisionRecallCurve,
    ProblemType,
    QualityMetrics,
    ReceiverOperatingCharacteristicCurve,
    RegressionMetrics,
)
from vigil.formats.statistics import (
    DEFAULT_KLL_C,
    DEFAULT_KLL_K,
    CategoricalBucket,
    CategoricalDistribution,
    CommonStatistics,
    DatasetStatistics,
    FeatureStatistics,
    KllBucket,
    KllDistribution,
    KllParameters,
    KllSketch,
    NumericalDistribution,
    NumericalStatistics,
    Statistics,
    StringDistribution,
    StringStatistics,
)
from vigil.formats.violations import (
    DATA_QUALITY_CHECK_TYPES,
    ConstraintViolations,
    DataQualityCheckType,
    Violation,
)

__all__ = [
    "DATA_QUALITY_CHECK_TYPES",
    "DEFAULT_KLL_C",
    "DEFAULT_KLL_K",
    "BinaryClassificationMetrics",
    "CaptureData",
    "CaptureEncoding",
    "CaptureMode",
    "CaptureRecord",
    "CategoricalBucket",
    "CategoricalDistribution",
    "CategoricalDriftMethod",
    "CommonStatistics",
    "ComparisonMethod",
    "ComparisonOperator",
    "ConfusionMatrix",
    "ConstraintViolations",
    "Constraints",
    "Count",
    "DataQualityCheckType",
    "DatasetStatistics",
    "DistributionConstraints",
    "Document",
    "EffectiveMonitoringConfig",
    "EndpointData",
    "EventMetadata",
    "FeatureConstraints",
    "FeatureStatistics",
    "GroundTruthData",
    "GroundTruthRecord",
    "JsonFloat",
    "KllBucket",
    "KllDistribution",
    "KllParameters",
    "KllSketch",
    "MetricThreshold",
    "MetricValue",
    "ModelQualityConstraints",
    "ModelQualityStatistics",
    "MonitoringConfig",
    "MulticlassClassificationMetrics",
    "NumConstraints",
    "NumericalDistribution",
    "NumericalStatistics",
    "PrecisionRecallCurve",
    "ProblemType",
    "QualityMetrics",
    "ReceiverOperatingCharacteristicCurve",
    "RegressionMetrics",
    "SageMakerModel",
    "Statistics",
    "StringConstraints",
    "StringDistribution",
    "StringStatistics",
    "Toggle",
    "Violation",
]
