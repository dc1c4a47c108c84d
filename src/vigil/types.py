"""Shared type names: option literals and ids used across layers."""

from __future__ import annotations

from enum import Enum
from typing import Literal, NewType

__all__ = [
    "DatasetFormat",
    "FeatureName",
    "InferredType",
    "OnMalformed",
]

FeatureName = NewType("FeatureName", str)
"""The name of a column in a dataset or a feature in statistics.json."""

DatasetFormat = Literal["csv", "json", "parquet"]
"""Dataset formats a baseline or batch monitoring job reads (spec §8.1)."""

OnMalformed = Literal["fail", "skip"]
"""What to do with a malformed row: stop with an error naming it, or skip it and count it."""


class InferredType(str, Enum):
    """SageMaker's ``inferred_type`` values (spec §2.1). ``Boolean`` is Deequ's, never suggested."""

    INTEGRAL = "Integral"
    FRACTIONAL = "Fractional"
    STRING = "String"
    UNKNOWN = "Unknown"
    BOOLEAN = "Boolean"
