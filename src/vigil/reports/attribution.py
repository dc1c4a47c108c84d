"""The attribution part of a report: feature rankings side by side, and their NDCG.

From the ``explanations.kernel_shap`` of a Clarify ``analysis.json`` (the window's) and,
optionally, of the baseline's: per model output (label), the features ranked by global SHAP
value (by magnitude, ties by name: :func:`vigil.core.attribution.ndcg.rank_features`) on each
side, and the NDCG of the window's ranking against the baseline's
(:func:`vigil.core.attribution.ndcg.ndcg_score`, AWS's feature-attribution-drift formula) with
its threshold (0.90 by default; below it is a violation).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from vigil.core.attribution.check import DEFAULT_NDCG_THRESHOLD
from vigil.core.attribution.ndcg import ndcg_score, rank_features
from vigil.errors import InvalidParameterError
from vigil.formats.clarify.analysis import ClarifyAnalysis
from vigil.reports.charts import Spec, comparison_chart

__all__ = [
    "MAX_CHART_FEATURES",
    "AttributionSection",
    "LabelRanking",
    "RankRow",
    "attribution_section",
]

MAX_CHART_FEATURES = 25
"""Most features drawn in a label's chart (the most important ones)."""


@dataclass(frozen=True)
class RankRow:
    """Position ``rank`` (1-based) of both rankings: the feature there and its attribution."""

    rank: int
    baseline_feature: str | None
    baseline_value: float | None
    current_feature: str | None
    current_value: float | None


@dataclass(frozen=True)
class LabelRanking:
    """One model output's rankings.

    Attributes
    ----------
    label : str
    rows : tuple of RankRow
    ndcg : float or None
        In [0, 1]; None without a baseline, NaN when undefined (every baseline value is 0).
    threshold : float
    note : str or None
        Why no NDCG was computed although a baseline was given.
    expected_value, baseline_expected_value : float or None
    chart : dict or None
    """

    label: str
    rows: tuple[RankRow, ...]
    ndcg: float | None
    threshold: float
    note: str | None
    expected_value: float | None
    baseline_expected_value: float | None
    chart: Spec | None

    @property
    def violated(self) -> bool:
        """``ndcg < threshold`` (False when there is no NDCG or it is NaN)."""
        return self.ndcg is not None and not math.isnan(self.ndcg) and self.ndcg < self.threshold


@dataclass(frozen=True)
class AttributionSection:
    """The attribution section: one ranking per label."""

    labels: tuple[LabelRanking, ...]
    has_baseline: bool

    @property
    def violated(self) -> int:
        """Labels whose NDCG is below the threshold."""
        return sum(1 for label in self.labels if label.violated)


def _finite(values: Mapping[str, float | int]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if math.isfinite(float(v))}


def _number(x: float | int | None) -> float | None:
    return None if x is None else float(x)


def attribution_section(
    analysis: ClarifyAnalysis,
    *,
    baseline: ClarifyAnalysis | None = None,
    threshold: float = DEFAULT_NDCG_THRESHOLD,
) -> AttributionSection | None:
    """The attribution section of an ``analysis.json``, or None when it holds no explanations.

    Parameters
    ----------
    analysis : ClarifyAnalysis
        The window's (or a baseline's, shown alone).
    baseline : ClarifyAnalysis, optional
        The baseline's analysis: its ranking is shown beside, and the NDCG computed.
    threshold : float, default=0.90
        NDCG below which a label violates.

    Examples
    --------
    >>> def doc(values):
    ...     return ClarifyAnalysis.model_validate({"explanations": {"kernel_shap": {"label0":
    ...         {"global_shap_values": values, "expected_value": 0.5}}}})
    >>> section = attribution_section(doc({"SAT": 0.1, "GPA": 0.2, "Rank": 0.7}),
    ...     baseline=doc({"SAT": 0.7, "GPA": 0.5, "Rank": 0.05}))
    >>> label = section.labels[0]
    >>> round(label.ndcg, 4), label.violated, label.rows[0].baseline_feature, label.rows[0].current_feature
    (0.6876, True, 'SAT', 'Rank')
    """
    shap = analysis.explanations.kernel_shap if analysis.explanations is not None else None
    if not shap:
        return None
    base_shap = (
        baseline.explanations.kernel_shap
        if baseline is not None and baseline.explanations is not None
        else None
    ) or {}
    labels = []
    for label, current in shap.items():
        live = _finite(current.global_shap_values)
        reference = base_shap.get(label)
        base = _finite(reference.global_shap_values) if reference is not None else {}
        live_rank = rank_features(live) if live else ()
        base_rank = rank_features(base) if base else ()
        ndcg: float | None = None
        note = None
        if baseline is not None:
            if not base:
                note = f"the baseline has no attributions for {label}"
            else:
                try:
                    ndcg = ndcg_score(base, live)
                except InvalidParameterError as exc:
                    note = f"no NDCG: {exc.message}"
        rows = []
        for i in range(max(len(live_rank), len(base_rank))):
            bf = base_rank[i] if i < len(base_rank) else None
            cf = live_rank[i] if i < len(live_rank) else None
            rows.append(
                RankRow(
                    i + 1,
                    bf,
                    base[bf] if bf is not None else None,
                    cf,
                    live[cf] if cf is not None else None,
                )
            )
        order = list(base_rank or live_rank)[:MAX_CHART_FEATURES]
        points: list[dict[str, object]] = []
        for feature in order:
            if feature in base:
                points.append({"c": feature, "s": "baseline", "v": round(base[feature], 6)})
            if feature in live:
                points.append({"c": feature, "s": "current", "v": round(live[feature], 6)})
        labels.append(
            LabelRanking(
                label=label,
                rows=tuple(rows),
                ndcg=ndcg,
                threshold=threshold,
                note=note,
                expected_value=_number(current.expected_value),
                baseline_expected_value=(
                    _number(reference.expected_value) if reference is not None else None
                ),
                chart=(
                    comparison_chart(
                        points,
                        category_title="feature",
                        value_title="global SHAP value",
                        horizontal=True,
                    )
                    if points
                    else None
                ),
            )
        )
    return AttributionSection(tuple(labels), baseline is not None)
