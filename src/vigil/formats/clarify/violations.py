"""A bias-drift monitor's ``constraint_violations.json`` (spec clarify.md §3).

::

    {"version": "1.0",
     "violations": [{"facet": "Age", "facet_value": "40", "metric_name": "CI",
                     "constraint_check_type": "bias_drift_check",
                     "description": "Value 0.0751544567666083 does not meet the constraint requirement"}]}

Written in Clarify's Python layout (4-space indent), like analysis.json.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from vigil.core.bias.drift import BiasDriftViolation
from vigil.formats._document import SageMakerModel
from vigil.formats.clarify._json import ClarifyDocument

__all__ = ["BiasConstraintViolations", "BiasViolation"]


class BiasViolation(SageMakerModel):
    """One violation: the facet value, the metric, ``bias_drift_check`` and the description."""

    facet: str
    facet_value: str
    metric_name: str
    constraint_check_type: str = "bias_drift_check"
    description: str

    @classmethod
    def from_violation(cls, violation: BiasDriftViolation) -> BiasViolation:
        """From the core's :class:`~vigil.core.bias.drift.BiasDriftViolation`."""
        return cls(
            facet=violation.facet,
            facet_value=violation.facet_value,
            metric_name=violation.metric_name,
            constraint_check_type=violation.constraint_check_type,
            description=violation.description,
        )


class BiasConstraintViolations(ClarifyDocument):
    """A bias-drift ``constraint_violations.json``; an empty list means no violation.

    Examples
    --------
    >>> doc = BiasConstraintViolations.from_violations([])
    >>> print(doc.to_json())
    {
        "version": "1.0",
        "violations": []
    }
    """

    version: str = "1.0"
    violations: list[BiasViolation] = Field(default_factory=list)

    @classmethod
    def from_violations(cls, violations: Sequence[BiasDriftViolation]) -> BiasConstraintViolations:
        """The document for :func:`~vigil.core.bias.drift.check_bias_drift`'s result."""
        return cls(version="1.0", violations=[BiasViolation.from_violation(v) for v in violations])
