"""Model-quality metrics, constraints and the ground-truth merge (spec sagemaker-model-monitor.md §6).

Pure functions over numpy/pyarrow arrays; randomness is an argument (``rng``). One concept per
module:

=====================  ==========================================================================
``classification``     binary and multiclass metrics (confusion matrix, rates, F-scores, AUC)
``regression``         mae, mse, rmse, r2
``curves``             ROC and precision-recall threshold sweeps, AUC
``bootstrap``          standard deviation from 5 random 80% subsamples ("NaN" below 200 samples)
``constraints``        suggested thresholds (with slack) and the constraint check
``labels``             raw values → binary labels, probabilities, classes, numbers
``merge``              ground truth ⋈ predictions by inferenceId/eventId, with coverage counts
``scoring``            raw values of a problem type → its report (baseline and windows alike)
=====================  ==========================================================================

Names follow scikit-learn's rule: scores are higher-is-better, ``*_error``/``*_rate`` of errors
(``mae``, ``mse``, ``rmse``, ``false_positive_rate``, ``false_negative_rate``) lower-is-better.
"""

from __future__ import annotations

from vigil.core.model_quality.bootstrap import MetricEstimate
from vigil.core.model_quality.classification import (
    BINARY_METRICS,
    MULTICLASS_METRICS,
    BinaryClassificationReport,
    MulticlassClassificationReport,
    binary_classification_metrics,
    multiclass_classification_metrics,
)
from vigil.core.model_quality.constraints import (
    DEFAULT_SLACK,
    ComparisonOperator,
    ConstraintCheck,
    MetricConstraint,
    MetricViolation,
    ProblemType,
    check_constraints,
    suggest_constraints,
)
from vigil.core.model_quality.curves import Curve
from vigil.core.model_quality.merge import GroundTruthCoverage, Merge, merge_ground_truth
from vigil.core.model_quality.regression import (
    REGRESSION_METRICS,
    RegressionReport,
    regression_metrics,
)
from vigil.core.model_quality.scoring import (
    ModelQualityReport,
    Scored,
    problem_type_of,
    score_values,
)

__all__ = [
    "BINARY_METRICS",
    "DEFAULT_SLACK",
    "MULTICLASS_METRICS",
    "REGRESSION_METRICS",
    "BinaryClassificationReport",
    "ComparisonOperator",
    "ConstraintCheck",
    "Curve",
    "GroundTruthCoverage",
    "Merge",
    "MetricConstraint",
    "MetricEstimate",
    "MetricViolation",
    "ModelQualityReport",
    "MulticlassClassificationReport",
    "ProblemType",
    "RegressionReport",
    "Scored",
    "binary_classification_metrics",
    "check_constraints",
    "merge_ground_truth",
    "multiclass_classification_metrics",
    "problem_type_of",
    "regression_metrics",
    "score_values",
    "suggest_constraints",
]
