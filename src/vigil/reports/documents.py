"""Read the documents a report is built from, telling their kind from their content.

A ``statistics.json`` or ``constraints.json`` is a data-quality or a model-quality document
depending on its keys (``features`` vs ``*_metrics`` / ``*_constraints``), and a
``constraint_violations.json`` a Model Monitor or a Clarify bias-drift one; SageMaker names
them the same, so a report reads the content, not the name.
"""

from __future__ import annotations

from typing import Any

from vigil.errors import DocumentError
from vigil.formats._document import load_json
from vigil.formats.clarify.violations import BiasConstraintViolations
from vigil.formats.constraints import Constraints
from vigil.formats.model_quality import ModelQualityConstraints, ModelQualityStatistics
from vigil.formats.statistics import Statistics
from vigil.formats.violations import ConstraintViolations

__all__ = ["parse_json", "read_constraints", "read_statistics", "read_violations"]

_MODEL_QUALITY_STATISTICS = (
    "binary_classification_metrics",
    "multiclass_classification_metrics",
    "regression_metrics",
)
_MODEL_QUALITY_CONSTRAINTS = (
    "binary_classification_constraints",
    "multiclass_classification_constraints",
    "regression_constraints",
)


def parse_json(raw: bytes | str, source: str) -> dict[str, Any]:
    """A JSON object from ``raw`` (bare ``NaN``/``Infinity`` accepted, as the formats do).

    Raises
    ------
    DocumentError
        If ``raw`` is not JSON, or not an object; the message names ``source``.
    """
    doc = load_json(raw, source=source)
    if not isinstance(doc, dict):
        raise DocumentError(
            f"must be a JSON object. Got {type(doc).__name__} instead.", path=source
        )
    return doc


def read_statistics(raw: bytes | str, source: str) -> Statistics | ModelQualityStatistics:
    """A ``statistics.json``: model quality if it has a ``*_metrics`` block, else data quality.

    Raises
    ------
    DocumentError
        If it is not a valid document of either kind.

    Examples
    --------
    >>> type(read_statistics('{"regression_metrics": {}}', "s.json")).__name__
    'ModelQualityStatistics'
    >>> type(read_statistics('{"features": []}', "s.json")).__name__
    'Statistics'
    """
    doc = parse_json(raw, source)
    if any(key in doc for key in _MODEL_QUALITY_STATISTICS):
        return ModelQualityStatistics.from_dict(doc, source=source)
    return Statistics.from_dict(doc, source=source)


def read_constraints(raw: bytes | str, source: str) -> Constraints | ModelQualityConstraints:
    """A ``constraints.json``: model quality if it has a ``*_constraints`` block.

    Raises
    ------
    DocumentError
        If it is not a valid document of either kind.
    """
    doc = parse_json(raw, source)
    if any(key in doc for key in _MODEL_QUALITY_CONSTRAINTS):
        return ModelQualityConstraints.from_dict(doc, source=source)
    return Constraints.from_dict(doc, source=source)


def read_violations(
    raw: bytes | str, source: str
) -> ConstraintViolations | BiasConstraintViolations:
    """A ``constraint_violations.json``: Clarify's bias drift if its entries name a ``facet``.

    Raises
    ------
    DocumentError
        If it is not a valid document of either kind.

    Examples
    --------
    >>> type(read_violations('{"violations": []}', "v.json")).__name__
    'ConstraintViolations'
    """
    doc = parse_json(raw, source)
    entries = doc.get("violations")
    if isinstance(entries, list) and any(isinstance(e, dict) and "facet" in e for e in entries):
        return BiasConstraintViolations.from_dict(doc, source=source)
    return ConstraintViolations.from_dict(doc, source=source)
