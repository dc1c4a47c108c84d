"""NDCG of a live feature ranking against the baseline ranking (feature-attribution drift).

SageMaker's ModelExplainability monitor compares the ranking of features by global attribution
in a monitoring window with the ranking in the baseline (spec clarify.md §4; AWS page
``clarify-model-monitor-feature-attribution-drift``), with 1-indexed positions ``i``:

* ``F = [f_1 … f_m]``: the features sorted by **baseline** attribution, largest first;
* ``F' = [f'_1 … f'_m]``: the same features sorted by **live** attribution, largest first;
* ``a(f)``: the **baseline** attribution of ``f`` (the gain);
* ``DCG = Σ_i a(f'_i) / log2(i + 1)``, ``iDCG = Σ_i a(f_i) / log2(i + 1)``;
* ``NDCG = DCG / iDCG``, in [0, 1]; 1 means the live ranking puts the baseline's important
  features as high as the baseline does.

This equals ``sklearn.metrics.ndcg_score([baseline], [live])`` (the page links scikit-learn)
whenever the live values hold no ties. Two choices AWS leaves open (spec §6.4, decided in §7.4):

Ties
    Features with equal attribution are ordered by feature name (ascending), in both rankings,
    so the score is deterministic. scikit-learn instead averages the gains of tied live
    positions by default (``ignore_ties=False``), and orders ties arbitrarily with
    ``ignore_ties=True``.
Signs
    Attributions are ranked and weighed by magnitude ``|a|``. For ``agg_method`` ``mean_abs``
    and ``mean_sq`` (non-negative) this changes nothing; a signed ``median`` can be negative,
    where scikit-learn raises, and a large negative median is as important as a large positive
    one.

Undefined policy: when every baseline attribution is 0, ``iDCG = 0`` and the NDCG is NaN (no
ranking to compare with); the check in :mod:`vigil.core.attribution.check` never flags NaN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from vigil.errors import InvalidParameterError

__all__ = ["ndcg_score", "rank_features"]


def _checked(attributions: Mapping[str, float], name: str, fn: str) -> dict[str, float]:
    if not isinstance(attributions, Mapping):
        raise InvalidParameterError(
            f"{name} of {fn} must be a mapping of feature name to attribution. "
            f"Got {type(attributions).__name__} instead.",
            field=name,
        )
    if not attributions:
        raise InvalidParameterError(
            f"{name} of {fn} must hold at least one feature. Got an empty mapping instead.",
            field=name,
        )
    out: dict[str, float] = {}
    for feature, value in attributions.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            raise InvalidParameterError(
                f"{name} of {fn} must hold finite numbers. Got {value!r} for feature "
                f"{feature!r} instead.",
                field=str(feature),
            )
        out[str(feature)] = number
    return out


def rank_features(attributions: Mapping[str, float]) -> tuple[str, ...]:
    """Feature names by decreasing attribution magnitude, ties broken by name (ascending).

    Parameters
    ----------
    attributions : mapping of str to float
        Global attribution per feature (finite).

    Returns
    -------
    tuple of str
        Every feature once, the most important first.

    Raises
    ------
    InvalidParameterError
        If the mapping is empty or holds a non-finite value.

    Examples
    --------
    >>> rank_features({"b": 0.2, "a": 0.2, "c": -0.5, "d": 0.0})
    ('c', 'a', 'b', 'd')
    """
    values = _checked(attributions, "attributions", "rank_features")
    return tuple(sorted(values, key=lambda f: (-abs(values[f]), f)))


def ndcg_score(baseline: Mapping[str, float], live: Mapping[str, float]) -> float:
    """NDCG of the live feature ranking against the baseline ranking (AWS's formula).

    Parameters
    ----------
    baseline : mapping of str to float
        Baseline global attribution per feature (``global_shap_values`` of the baseline
        ``analysis.json``). Finite; ranked and weighed by magnitude.
    live : mapping of str to float
        Live global attribution of the same features, in any order. Finite.

    Returns
    -------
    float
        NDCG in [0, 1] (1: same order of importance); NaN when every baseline attribution is 0.

    Raises
    ------
    InvalidParameterError
        If either mapping is empty, holds a non-finite value, or the two do not name the same
        features.

    References
    ----------
    AWS, "Feature attribution drift violations": ``clarify-model-monitor-feature-attribution-
    drift`` (SageMaker Developer Guide); K. Järvelin and J. Kekäläinen, "Cumulated gain-based
    evaluation of IR techniques", ACM TOIS 20(4), 2002.

    Examples
    --------
    AWS's worked example (the page rounds it to 0.69):

    >>> baseline = {"SAT": 0.70, "GPA": 0.50, "Rank": 0.05}
    >>> round(ndcg_score(baseline, {"SAT": 0.10, "GPA": 0.20, "Rank": 0.70}), 6)
    0.68764
    >>> ndcg_score(baseline, baseline)
    1.0
    """
    fn = "ndcg_score"
    base = _checked(baseline, "baseline", fn)
    current = _checked(live, "live", fn)
    if base.keys() != current.keys():
        missing = sorted(base.keys() - current.keys())
        extra = sorted(current.keys() - base.keys())
        raise InvalidParameterError(
            f"live of {fn} must name the baseline's features. Missing: {missing[:10]}; "
            f"not in the baseline: {extra[:10]}.",
            field="live",
        )
    ideal = rank_features(base)
    observed = rank_features(current)
    discount = 1.0 / np.log2(np.arange(2, len(ideal) + 2, dtype=np.float64))
    gain = {f: abs(v) for f, v in base.items()}
    idcg = float(np.dot([gain[f] for f in ideal], discount))
    if idcg == 0.0:
        return math.nan
    dcg = float(np.dot([gain[f] for f in observed], discount))
    return min(dcg / idcg, 1.0)
