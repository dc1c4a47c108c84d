"""The value types of the bias metrics: a metric's value or why it has none, its description.

Policy for undefined values (style rule 8): a bias metric that cannot be computed on the data
(an empty facet, no group variable for CDDL, every prediction a false negative for GE) returns
:class:`Undefined` carrying Clarify's own error text, never raises and never returns a silent 0.
A report turns it into Clarify's explicit entry ``{"value": null, "error": "<text>"}``
(:class:`MetricResult`). Malformed *arguments* (arrays of different lengths, a label-based metric
called without labels) still raise :class:`vigil.errors.InvalidParameterError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol

from vigil.core.bias.counts import BiasData

__all__ = [
    "MetricFunction",
    "MetricResult",
    "MetricSpec",
    "MetricValue",
    "Stage",
    "SwapRule",
    "Undefined",
]

Stage = Literal["pre_training", "post_training"]
"""Clarify's two bias stages (``StageType`` values): before training (labels only) and after
(with the model's predicted labels)."""

SwapRule = Literal["negate", "reciprocal", "same", "none"]
"""What swapping facet *d* and its complement *a* does to a metric's value: ``negate`` (the
metric is a difference a − d or d − a), ``reciprocal`` (a ratio, DI), ``same`` (symmetric, or
independent of the facet), ``none`` (no rule: KL, CDDL, CDDPL, FT)."""


@dataclass(frozen=True)
class Undefined:
    """A bias metric without a value, and Clarify's reason for it.

    Attributes
    ----------
    error : str
        The error text Clarify writes in analysis.json, e.g.
        ``"Group variable is empty or not provided"``.

    Examples
    --------
    >>> Undefined("Facet set is empty")
    Undefined(error='Facet set is empty')
    """

    error: str


MetricValue = float | Undefined
"""What a bias metric function returns: a float (possibly ±inf where Clarify's division rule
gives it) or :class:`Undefined`."""


class MetricFunction(Protocol):
    """Calling convention shared by every registered bias metric."""

    def __call__(self, data: BiasData, /) -> MetricValue:
        """The metric on one facet's counts (and rows, for FT)."""
        ...


@dataclass(frozen=True)
class MetricSpec:
    """A registered Clarify bias metric: how to compute it and how to read it.

    Attributes
    ----------
    name : str
        Clarify's short name (``"CI"``, ``"DPPL"``), the key in the registry.
    description : str
        Exactly as Clarify writes it in analysis.json (``"Class Imbalance (CI)"``; note Clarify's
        spelling ``"Kullback-Liebler Divergence (KL)"``).
    stage : {"pre_training", "post_training"}
        Which of Clarify's stages computes it.
    function : MetricFunction
        ``function(data) -> float | Undefined``.
    fair_value : float
        The value of an unbiased facet: 1 for DI, 0 for every other metric. The bias-drift rule
        measures distances from it.
    range : tuple of (float, float)
        Closed range of the value (``inf`` for unbounded). Where the AWS page's range is wrong
        the docstring of the function says so (GE).
    needs_labels, needs_predictions, needs_group_variable, needs_features : bool
        Inputs it reads besides the facet.
    swap : {"negate", "reciprocal", "same", "none"}
        What swapping facet *d* and its complement does to the value (see :data:`SwapRule`).
    """

    name: str
    description: str
    stage: Stage
    function: MetricFunction
    fair_value: float
    range: tuple[float, float]
    needs_labels: bool
    needs_predictions: bool
    swap: SwapRule
    needs_group_variable: bool = False
    needs_features: bool = False

    def compute(self, data: BiasData) -> MetricResult:
        """Compute the metric and wrap it with its name and description.

        Parameters
        ----------
        data : BiasData
            One facet's counts (and rows, for FT).

        Returns
        -------
        MetricResult
            ``value`` None and ``error`` set when the metric is undefined on ``data``.

        Raises
        ------
        InvalidParameterError
            If ``data`` lacks labels or predictions the metric needs.
        """
        return MetricResult.of(self.name, self.description, self.function(data))


@dataclass(frozen=True)
class MetricResult:
    """One entry of an analysis.json ``metrics`` list.

    Attributes
    ----------
    name : str
        Clarify's short name.
    description : str
        Clarify's description text.
    value : float or None
        The value; None when undefined. It may be ±inf (written ``"Infinity"``), and it is the
        int ``0`` where Clarify's own guard returns the int (DCA/DCR when both conditional
        ratios are infinite), so that a written file matches Clarify's byte for byte.
    error : str or None
        Clarify's reason when ``value`` is None.
    """

    name: str
    description: str
    value: float | None
    error: str | None = None

    @classmethod
    def of(cls, name: str, description: str, value: MetricValue) -> MetricResult:
        """Build from a metric function's return value.

        Examples
        --------
        >>> MetricResult.of("CI", "Class Imbalance (CI)", Undefined("x")).error
        'x'
        """
        if isinstance(value, Undefined):
            return cls(name, description, None, value.error)
        return cls(name, description, value)

    @property
    def is_defined(self) -> bool:
        """True when the metric has a value that is not NaN."""
        return self.value is not None and not math.isnan(self.value)
