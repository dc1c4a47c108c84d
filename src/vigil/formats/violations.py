"""``constraint_violations.json``: spec §4.1 (data quality) and §6.4 (model quality).

A data-quality violation names a ``feature_name`` and one of the check types in
:data:`DataQualityCheckType`; a model-quality violation names a ``metric_name`` and has the violated
comparison operator (``LessThanThreshold`` …) as its ``constraint_check_type``. Check types are read
as plain strings, so a type this module does not know is kept rather than rejected.

Descriptions are free text, but consumers parse them with regexes (spec §10): keep the prefixes
``Value: X does not meet the constraint requirement!`` and ``distance: X exceeds threshold: Y``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal, Self, get_args

from pydantic import Field, model_validator

from vigil.formats._document import Document, SageMakerModel

__all__ = [
    "DATA_QUALITY_CHECK_TYPES",
    "ConstraintViolations",
    "DataQualityCheckType",
    "Violation",
]

DataQualityCheckType = Literal[
    "data_type_check",
    "completeness_check",
    "baseline_drift_check",
    "missing_column_check",
    "extra_column_check",
    "categorical_values_check",
]
"""The data-quality checks SageMaker documents (spec §4.2)."""

DATA_QUALITY_CHECK_TYPES: frozenset[str] = frozenset(get_args(DataQualityCheckType))
"""The values of :data:`DataQualityCheckType`, for membership tests."""

_MODEL_QUALITY_ORDER = ("constraint_check_type", "description", "metric_name")


class Violation(SageMakerModel):
    """One violation.

    Attributes
    ----------
    feature_name : str or None
        The column (data quality). Exactly one of ``feature_name`` / ``metric_name`` is expected;
        at least one is required.
    metric_name : str or None
        The metric key from statistics.json (model quality), e.g. ``f2``, ``mae``.
    constraint_check_type : str
        A :data:`DataQualityCheckType`, or a comparison operator for model quality.
    description : str
        Human-readable detail, e.g. ``"Value: 0.0 does not meet the constraint requirement! "``.
    """

    feature_name: str | None = None
    metric_name: str | None = None
    constraint_check_type: str
    description: str

    @model_validator(mode="after")
    def _names_something(self) -> Self:
        if self.feature_name is None and self.metric_name is None:
            raise ValueError("a violation must have a feature_name or a metric_name")
        return self

    @property
    def is_model_quality(self) -> bool:
        """True for a model-quality violation (it names a metric, not a feature)."""
        return self.metric_name is not None and self.feature_name is None

    @property
    def subject(self) -> str:
        """The feature or metric the violation is about."""
        name = self.feature_name if self.feature_name is not None else self.metric_name
        return name if name is not None else ""

    def _key_order(self) -> Sequence[str] | None:
        if self._read_keys is None and self.is_model_quality:
            return _MODEL_QUALITY_ORDER  # the order the model-quality analyzer writes (spec §6.4)
        return self._read_keys


class ConstraintViolations(Document):
    """A ``constraint_violations.json`` document: ``{"violations": [...]}`` (may be empty).

    Examples
    --------
    >>> doc = ConstraintViolations(violations=[Violation(metric_name="f2",
    ...     constraint_check_type="LessThanThreshold", description="Metric f2 ...")])
    >>> print(doc.to_json())
    {
      "violations" : [ {
        "constraint_check_type" : "LessThanThreshold",
        "description" : "Metric f2 ...",
        "metric_name" : "f2"
      } ]
    }
    """

    _kinds: ClassVar[frozenset[str]] = frozenset({"violations"})

    violations: list[Violation] = Field(default_factory=list)

    def for_subject(self, name: str) -> list[Violation]:
        """The violations about the feature or metric ``name``, in document order."""
        return [v for v in self.violations if v.subject == name]
