"""Global attributions from local SHAP values, as Clarify aggregates them (spec clarify.md §5).

Clarify's ``methods.shap.agg_method`` turns the SHAP values of every explained record into one
``global_shap_values`` number per feature, over all records (``clarify-processing-job-configure-
analysis``):

``mean_abs`` (default)
    the mean of ``|φ|``: the average magnitude of the feature's contribution, in the units of the
    explained output (probability, or log-odds with ``use_logit``);
``mean_sq``
    the mean of ``φ²``, in those units squared: weighs rare large contributions more;
``median``
    the median of ``φ``, signed: it can be negative, and it is near 0 for a feature that pushes
    half the records up and half down as much.

:class:`LabelAttributions` is what ``analysis.json`` holds per model output
(``explanations.kernel_shap.<label>``): the global values and the ``expected_value``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vigil.errors import InvalidParameterError

__all__ = [
    "AGGREGATION_METHODS",
    "DEFAULT_AGG_METHOD",
    "AggregationMethod",
    "LabelAttributions",
    "aggregate_shap_values",
]

AggregationMethod = Literal["mean_abs", "median", "mean_sq"]
"""Clarify's ``agg_method`` values."""

AGGREGATION_METHODS: tuple[AggregationMethod, ...] = get_args(AggregationMethod)
"""The values of :data:`AggregationMethod`, in Clarify's documentation order."""

DEFAULT_AGG_METHOD: AggregationMethod = "mean_abs"
"""Clarify's default ``agg_method``."""

FloatArray = NDArray[np.float64]


def aggregate_shap_values(
    local_shap_values: ArrayLike, *, agg_method: AggregationMethod = DEFAULT_AGG_METHOD
) -> FloatArray:
    """Global attribution per feature (and per output) from local SHAP values.

    Parameters
    ----------
    local_shap_values : array-like of shape (n_rows, n_features) or (n_rows, n_features, n_outputs)
        One SHAP value per explained row and feature (and model output), finite.
    agg_method : {"mean_abs", "median", "mean_sq"}, default="mean_abs"
        How rows are aggregated; see the module docstring.

    Returns
    -------
    ndarray of shape (n_features,) or (n_features, n_outputs)
        ``mean_abs`` and ``mean_sq`` values are >= 0; ``median`` values are signed.

    Raises
    ------
    InvalidParameterError
        If the array is not 2- or 3-dimensional, holds no row, holds a non-finite value, or
        ``agg_method`` is not one of the three.

    Examples
    --------
    >>> phi = [[0.5, -1.0], [-0.5, 0.0], [0.2, 3.0]]
    >>> aggregate_shap_values(phi).round(4).tolist()
    [0.4, 1.3333]
    >>> aggregate_shap_values(phi, agg_method="median").tolist()
    [0.2, 0.0]
    >>> aggregate_shap_values(phi, agg_method="mean_sq").round(4).tolist()
    [0.18, 3.3333]
    """
    fn = "aggregate_shap_values"
    if agg_method not in AGGREGATION_METHODS:
        raise InvalidParameterError(
            f"agg_method of {fn} must be one of {list(AGGREGATION_METHODS)}. "
            f"Got {agg_method!r} instead.",
            field="agg_method",
        )
    phi = np.asarray(local_shap_values, dtype=np.float64)
    if phi.ndim not in (2, 3):
        raise InvalidParameterError(
            f"local_shap_values of {fn} must have shape (n_rows, n_features) or "
            f"(n_rows, n_features, n_outputs). Got shape {phi.shape} instead.",
            field="local_shap_values",
        )
    if phi.shape[0] == 0:
        raise InvalidParameterError(
            f"local_shap_values of {fn} must hold at least one row. Got none instead.",
            field="local_shap_values",
        )
    if not np.isfinite(phi).all():
        raise InvalidParameterError(
            f"local_shap_values of {fn} must be finite. Got NaN or infinity instead.",
            field="local_shap_values",
        )
    if agg_method == "mean_abs":
        result = np.abs(phi).mean(axis=0)
    elif agg_method == "mean_sq":
        result = np.square(phi).mean(axis=0)
    else:
        result = np.median(phi, axis=0)
    return np.asarray(result, dtype=np.float64)


@dataclass(frozen=True)
class LabelAttributions:
    """Global attributions of one model output: ``explanations.kernel_shap.<label>``.

    Attributes
    ----------
    label : str
        The output's name: a ``label_headers`` entry, or ``label0``, ``label1``, … by position.
    global_shap_values : mapping of str to float
        Global attribution per feature, in feature order.
    expected_value : float or None
        The explained output at the baseline (the background's mean output, through the link),
        in the units of the output; None when unknown.
    """

    label: str
    global_shap_values: Mapping[str, float]
    expected_value: float | None = None

    @classmethod
    def from_local_shap_values(
        cls,
        label: str,
        local_shap_values: ArrayLike,
        feature_names: Sequence[str],
        *,
        expected_value: float | None = None,
        agg_method: AggregationMethod = DEFAULT_AGG_METHOD,
    ) -> LabelAttributions:
        """Aggregate one output's local SHAP values.

        Parameters
        ----------
        label : str
        local_shap_values : array-like of shape (n_rows, n_features)
        feature_names : sequence of str of length n_features
            Distinct names, in column order.
        expected_value : float or None, default=None
        agg_method : {"mean_abs", "median", "mean_sq"}, default="mean_abs"

        Raises
        ------
        InvalidParameterError
            As :func:`aggregate_shap_values`, or if the names are not distinct or their number
            is not ``n_features``.

        Examples
        --------
        >>> a = LabelAttributions.from_local_shap_values(
        ...     "label0", [[0.5, -1.0], [-0.5, 0.0]], ["x", "y"], expected_value=0.25)
        >>> dict(a.global_shap_values), a.expected_value
        ({'x': 0.5, 'y': 0.5}, 0.25)
        """
        fn = "LabelAttributions.from_local_shap_values"
        phi = np.asarray(local_shap_values, dtype=np.float64)
        names = [str(n) for n in feature_names]
        if phi.ndim != 2:
            raise InvalidParameterError(
                f"local_shap_values of {fn} must have shape (n_rows, n_features). "
                f"Got shape {phi.shape} instead.",
                field="local_shap_values",
            )
        if len(names) != phi.shape[1] or len(set(names)) != len(names):
            raise InvalidParameterError(
                f"feature_names of {fn} must be {phi.shape[1]} distinct names. "
                f"Got {names[:10]} ({len(names)} names) instead.",
                field="feature_names",
            )
        if expected_value is not None and not math.isfinite(expected_value):
            raise InvalidParameterError(
                f"expected_value of {fn} must be finite. Got {expected_value!r} instead.",
                field="expected_value",
            )
        values = aggregate_shap_values(phi, agg_method=agg_method)
        return cls(
            label=label,
            global_shap_values={n: float(v) for n, v in zip(names, values, strict=True)},
            expected_value=None if expected_value is None else float(expected_value),
        )
