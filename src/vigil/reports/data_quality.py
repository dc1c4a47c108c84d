"""The data-quality part of a report: per feature, baseline against current, from the documents.

Everything comes from the two ``statistics.json`` files (never the raw data): numeric
distributions from the KLL sketch (``sketch.data``, an item at level h weighing 2**h) or, when a
file holds no sketch, the bucket midpoints weighted by their counts; String distributions from
the categorical buckets. The drift distance of each feature is recomputed as the monitoring
job's drift check does (:func:`vigil.core.checks.check_data_quality`: the same readers of
:mod:`vigil.formats.core_inputs`, the same rules, the registered distance), with the methods and
thresholds of ``constraints.json`` — SageMaker's L-infinity and 0.1 when no constraints are
given — so a report of SageMaker's own files shows the distances SageMaker compared (the tests
check the report's distances against the job's). Which checks failed comes from
``constraint_violations.json`` when one is given: the report shows what the job decided.

Distributions are put on common bins so that the two sides can be compared bar by bar: numeric
features on ``bins`` equal-width bins spanning both sides' values, String features on their
``max_categories`` most frequent values (by the larger of the two fractions), the rest summed
in one "other values" row. Fractions are in [0, 1] of each side's total weight.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from vigil.core.checks import FeatureBaseline, FeatureRule
from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift.registry import get_distance
from vigil.core.drift.result import DriftResult
from vigil.errors import InvalidParameterError
from vigil.formats.constraints import Constraints
from vigil.formats.core_inputs import baseline_distributions, feature_rules
from vigil.formats.statistics import FeatureStatistics, Statistics
from vigil.formats.violations import ConstraintViolations
from vigil.reports.charts import Spec, comparison_chart, distance_chart
from vigil.types import InferredType

__all__ = [
    "DEFAULT_BINS",
    "DEFAULT_MAX_CATEGORIES",
    "MAX_OVERVIEW_FEATURES",
    "DataQualitySection",
    "DistributionBin",
    "FeatureReport",
    "FeatureSummary",
    "data_quality_section",
]

DEFAULT_BINS = 20
"""Equal-width bins of a numeric feature's distribution."""

DEFAULT_MAX_CATEGORIES = 20
"""Categories of a String feature shown one by one (the rest are summed)."""

MAX_OVERVIEW_FEATURES = 30
"""Features in the distance overview chart: the largest distances (the table lists them all)."""


@dataclass(frozen=True)
class DistributionBin:
    """One bin (numeric) or category (String) of a feature's distribution.

    Attributes
    ----------
    label : str
        ``"[lo, hi)"`` for a numeric bin (the last one closed), the value for a category.
    baseline, current : float or None
        Fraction (0–1) of each side's values in the bin; None for a side without a distribution.
    """

    label: str
    baseline: float | None
    current: float | None


@dataclass(frozen=True)
class FeatureSummary:
    """One side's summary numbers of a feature (NaN or None where the file has none).

    Attributes
    ----------
    inferred_type : str
    completeness : float or None
        Fraction (0–1) of non-null values.
    num_present, num_missing : int or None
    mean, std_dev, min, max : float or None
        Numeric features (population standard deviation, as SageMaker writes it).
    distinct_count : float or None
        String features (approximate).
    """

    inferred_type: str
    completeness: float | None
    num_present: int | None = None
    num_missing: int | None = None
    mean: float | None = None
    std_dev: float | None = None
    min: float | None = None
    max: float | None = None
    distinct_count: float | None = None


@dataclass(frozen=True)
class FeatureReport:
    """What the report shows of one feature.

    Attributes
    ----------
    name : str
    kind : {"numeric", "categorical", "unknown"}
    baseline, current : FeatureSummary or None
        None for a side that does not have the feature (a missing or extra column).
    completeness_constraint : float or None
        The minimum completeness of ``constraints.json``.
    drift : DriftResult or None
        The recomputed distance, its threshold and method; None when not compared.
    violations : tuple of str
        The check types ``constraint_violations.json`` lists for the feature.
    bins : tuple of DistributionBin
        Baseline and current distributions on common bins.
    chart : dict or None
        The Vega-Lite spec of :attr:`bins` (None without bins).
    """

    name: str
    kind: Literal["numeric", "categorical", "unknown"]
    baseline: FeatureSummary | None
    current: FeatureSummary | None
    completeness_constraint: float | None
    drift: DriftResult | None
    violations: tuple[str, ...]
    bins: tuple[DistributionBin, ...]
    chart: Spec | None

    @property
    def status(self) -> Literal["violation", "drift", "ok"]:
        """``violation`` if a check failed, ``drift`` if only the recomputed drift exceeds, else ok."""
        if self.violations:
            return "violation"
        if self.drift is not None and self.drift.drifted:
            return "drift"
        return "ok"


@dataclass(frozen=True)
class DataQualitySection:
    """The data-quality section: one row per feature and the distance overview.

    Attributes
    ----------
    features : tuple of FeatureReport
        Baseline features in baseline order, then the current file's extra columns.
    item_count, baseline_item_count : int or None
        Rows of the current window and of the baseline.
    distance_chart : dict or None
        Drift distance of the :data:`MAX_OVERVIEW_FEATURES` most distant features, largest
        first, with their thresholds.
    """

    features: tuple[FeatureReport, ...]
    item_count: int | None
    baseline_item_count: int | None
    distance_chart: Spec | None

    @property
    def drifted(self) -> int:
        """Features whose recomputed distance exceeds its threshold."""
        return sum(1 for f in self.features if f.drift is not None and f.drift.drifted)


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _summary(feature: FeatureStatistics) -> FeatureSummary:
    common = feature.common
    present = common.num_present if common is not None else None
    missing = common.num_missing if common is not None else None
    num, text = feature.numerical_statistics, feature.string_statistics
    inferred = InferredType(feature.inferred_type).value
    if num is not None:
        return FeatureSummary(
            inferred,
            feature.completeness,
            present,
            missing,
            mean=_finite(num.mean),
            std_dev=_finite(num.std_dev),
            min=_finite(num.min),
            max=_finite(num.max),
        )
    distinct = text.distinct_count if text is not None else None
    return FeatureSummary(inferred, feature.completeness, present, missing, distinct_count=distinct)


def _fmt_edge(x: float) -> str:
    return f"{x:.4g}"


def numeric_bins(
    baseline: WeightedSample | None, current: WeightedSample | None, bins: int = DEFAULT_BINS
) -> tuple[DistributionBin, ...]:
    """Both distributions on ``bins`` equal-width bins over the range of their items.

    Bins are those of :func:`numpy.histogram`: ``[e_i, e_{i+1})``, the last one closed.

    Parameters
    ----------
    baseline, current : WeightedSample or None
    bins : int, default=20

    Returns
    -------
    tuple of DistributionBin
        Empty when neither side holds a value; a single bin when every value is equal.

    Examples
    --------
    >>> b = WeightedSample.from_values([0.0, 1.0, 2.0, 3.0])
    >>> c = WeightedSample.from_values([3.0, 3.0])
    >>> [(x.label, x.baseline, x.current) for x in numeric_bins(b, c, bins=2)]
    [('[0, 1.5)', 0.5, 0.0), ('[1.5, 3]', 0.5, 1.0)]
    """
    sides = [s for s in (baseline, current) if s is not None and not s.is_empty]
    if not sides:
        return ()
    lo = min(float(s.items[0]) for s in sides)
    hi = max(float(s.items[-1]) for s in sides)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return ()
    edges = np.array([lo, hi]) if lo == hi else np.linspace(lo, hi, bins + 1)

    def fractions(sample: WeightedSample | None) -> list[float | None]:
        if sample is None or sample.is_empty:
            return [None] * (len(edges) - 1)
        # As numpy.histogram: bin i holds [e_i, e_{i+1}), the last one [e_{n-1}, e_n].
        below = sample.rank(edges, inclusive=False)
        below[-1] = sample.total_weight
        counts = np.diff(below)
        return [float(c) / sample.total_weight for c in counts]

    base, cur = fractions(baseline), fractions(current)
    labels = [
        f"[{_fmt_edge(edges[i])}, {_fmt_edge(edges[i + 1])}" + ("]" if i == len(edges) - 2 else ")")
        for i in range(len(edges) - 1)
    ]
    return tuple(DistributionBin(lab, b, c) for lab, b, c in zip(labels, base, cur, strict=True))


def categorical_bins(
    baseline: CategoricalCounts | None,
    current: CategoricalCounts | None,
    max_categories: int = DEFAULT_MAX_CATEGORIES,
) -> tuple[DistributionBin, ...]:
    """Both frequency tables on their ``max_categories`` most frequent values, the rest summed.

    Values are ordered by the larger of their two fractions (ties by value).

    Examples
    --------
    >>> b = CategoricalCounts({"a": 3.0, "b": 1.0})
    >>> c = CategoricalCounts({"a": 1.0, "z": 1.0})
    >>> [(x.label, x.baseline, x.current) for x in categorical_bins(b, c, max_categories=2)]
    [('a', 0.75, 0.5), ('z', 0.0, 0.5), ('(1 other value)', 0.25, 0.0)]
    """

    def shares(counts: CategoricalCounts | None) -> dict[str, float] | None:
        if counts is None or counts.total <= 0:
            return None
        total = counts.total
        return {k: v / total for k, v in counts.counts.items()}

    base, cur = shares(baseline), shares(current)
    if base is None and cur is None:
        return ()
    values = set(base or {}) | set(cur or {})

    def peak(v: str) -> float:
        return max((base or {}).get(v, 0.0), (cur or {}).get(v, 0.0))

    ordered = sorted(values, key=lambda v: (-peak(v), v))
    shown, rest = ordered[:max_categories], ordered[max_categories:]
    out = [
        DistributionBin(
            v,
            None if base is None else base.get(v, 0.0),
            None if cur is None else cur.get(v, 0.0),
        )
        for v in shown
    ]
    if rest:
        label = f"({len(rest)} other value{'s' if len(rest) > 1 else ''})"
        out.append(
            DistributionBin(
                label,
                None if base is None else sum(base.get(v, 0.0) for v in rest),
                None if cur is None else sum(cur.get(v, 0.0) for v in rest),
            )
        )
    return tuple(out)


def _chart(name: str, kind: str, bins: Sequence[DistributionBin]) -> Spec | None:
    if not bins:
        return None
    rows: list[dict[str, object]] = []
    for b in bins:
        for series, value in (("baseline", b.baseline), ("current", b.current)):
            if value is not None:
                rows.append({"c": b.label, "s": series, "v": round(value, 5)})
    if kind == "numeric":
        return comparison_chart(rows, category_title=name, ordinal=True)
    return comparison_chart(rows, category_title=name, horizontal=True)


def _default_rules(
    baseline: Statistics, numeric_method: str | None, categorical_method: str | None
) -> list[FeatureRule]:
    return [
        FeatureRule(
            name=f.name,
            inferred_type=InferredType(f.inferred_type),
            numeric_method=numeric_method or "linf_robust",
            categorical_method=categorical_method or "linf_robust",
        )
        for f in baseline.features
    ]


def _rules(
    baseline: Statistics,
    constraints: Constraints | None,
    numeric_method: str | None,
    categorical_method: str | None,
    feature_methods: Mapping[str, str] | None,
) -> dict[str, FeatureRule]:
    if constraints is not None:
        rules = feature_rules(
            constraints,
            numeric_method=numeric_method,
            categorical_method=categorical_method,
            feature_methods=feature_methods,
        )
    else:
        rules = _default_rules(baseline, numeric_method, categorical_method)
    return {rule.name: rule for rule in rules}


def _drift(
    rule: FeatureRule | None, base: FeatureBaseline | None, current: FeatureBaseline | None
) -> DriftResult | None:
    """The drift check of :func:`vigil.core.checks.check_data_quality`, on the two documents.

    As the job: numeric baselines compare with the current sketch, String baselines with the
    current categorical buckets (none: an empty table, an undefined distance); a numeric
    current against a String baseline is not compared.
    """
    if rule is None or base is None or current is None or not rule.compare:
        return None
    if base.numeric is not None:
        if current.numeric is None:
            return None
        spec = get_distance(rule.numeric_method)
        return spec.compute(base.numeric, current.numeric, rule.numeric_threshold)
    if base.categories is not None:
        if current.numeric is not None:
            return None
        counts = current.categories or CategoricalCounts({})
        spec = get_distance(rule.categorical_method)
        return spec.compute(base.categories, counts, rule.categorical_threshold)
    return None


def data_quality_section(
    statistics: Statistics,
    *,
    baseline_statistics: Statistics | None = None,
    constraints: Constraints | None = None,
    violations: ConstraintViolations | None = None,
    numeric_method: str | None = None,
    categorical_method: str | None = None,
    feature_methods: Mapping[str, str] | None = None,
    bins: int = DEFAULT_BINS,
    max_categories: int = DEFAULT_MAX_CATEGORIES,
) -> DataQualitySection:
    """Build the data-quality section of a report from the documents of one window.

    Parameters
    ----------
    statistics : Statistics
        The window's ``statistics.json`` (or a baseline's, for a baseline report).
    baseline_statistics : Statistics, optional
        The baseline's ``statistics.json``: without it, no distance and one-sided distributions.
    constraints : Constraints, optional
        The baseline's ``constraints.json``: drift methods, thresholds, completeness minimums.
    violations : ConstraintViolations, optional
        The window's ``constraint_violations.json``.
    numeric_method, categorical_method, feature_methods : str or mapping, optional
        Drift distances the job used instead of SageMaker's (the options of a
        :class:`~vigil.api.specs.DataQualityConfig`).
    bins : int, default=20
        Equal-width bins of numeric distributions (>= 1).
    max_categories : int, default=20
        Categories shown one by one (>= 1).

    Returns
    -------
    DataQualitySection

    Raises
    ------
    InvalidParameterError
        If ``bins`` or ``max_categories`` is below 1, or a drift method is not registered.

    Examples
    --------
    >>> doc = Statistics.from_dict({"dataset": {"item_count": 2}, "features": [{"name": "a",
    ...     "inferred_type": "String", "string_statistics": {"common": {"num_present": 2,
    ...     "num_missing": 0}, "distinct_count": 1.0, "distribution": {"categorical":
    ...     {"buckets": [{"value": "x", "count": 2}]}}}}]})
    >>> section = data_quality_section(doc, baseline_statistics=doc)
    >>> f = section.features[0]
    >>> f.drift.distance, f.drift.threshold, f.status, f.bins[0]
    (0.0, 0.1, 'ok', DistributionBin(label='x', baseline=1.0, current=1.0))
    """
    for name, value in (("bins", bins), ("max_categories", max_categories)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidParameterError(
                f"{name} of data_quality_section must be an int >= 1. Got {value!r} instead.",
                field=name,
            )
    current_dist = baseline_distributions(statistics)
    baseline_dist = (
        baseline_distributions(baseline_statistics) if baseline_statistics is not None else {}
    )
    rules: dict[str, FeatureRule] = {}
    if baseline_statistics is not None:
        rules = _rules(
            baseline_statistics, constraints, numeric_method, categorical_method, feature_methods
        )
    names: list[str] = []
    for doc in (baseline_statistics, statistics):
        if doc is not None:
            names.extend(f.name for f in doc.features if f.name not in names)
    if constraints is not None:
        names.extend(f.name for f in constraints.features if f.name not in names)
    features = []
    for name in names:
        base_feature = baseline_statistics.feature(name) if baseline_statistics else None
        cur_feature = statistics.feature(name)
        base_d, cur_d = baseline_dist.get(name), current_dist.get(name)
        numeric = any(d is not None and d.numeric is not None for d in (base_d, cur_d))
        categorical = any(d is not None and d.categories is not None for d in (base_d, cur_d))
        kind: Literal["numeric", "categorical", "unknown"] = (
            "numeric" if numeric else "categorical" if categorical else "unknown"
        )
        if kind == "numeric":
            dist_bins = numeric_bins(
                base_d.numeric if base_d is not None else None,
                cur_d.numeric if cur_d is not None else None,
                bins,
            )
        elif kind == "categorical":
            dist_bins = categorical_bins(
                base_d.categories if base_d is not None else None,
                cur_d.categories if cur_d is not None else None,
                max_categories,
            )
        else:
            dist_bins = ()
        limit = constraints.feature(name) if constraints is not None else None
        found = violations.for_subject(name) if violations is not None else []
        features.append(
            FeatureReport(
                name=name,
                kind=kind,
                baseline=_summary(base_feature) if base_feature is not None else None,
                current=_summary(cur_feature) if cur_feature is not None else None,
                completeness_constraint=limit.completeness if limit is not None else None,
                drift=_drift(rules.get(name), base_d, cur_d) if name in current_dist else None,
                violations=tuple(dict.fromkeys(v.constraint_check_type for v in found)),
                bins=dist_bins,
                chart=_chart(name, kind, dist_bins),
            )
        )
    compared = [f for f in features if f.drift is not None and f.drift.is_defined]
    compared.sort(key=lambda f: -f.drift.value if f.drift is not None else 0.0)
    overview = (
        distance_chart(
            [
                {
                    "f": f.name,
                    "d": round(f.drift.value, 6),
                    "t": f.drift.threshold,
                    "x": f.drift.drifted,
                }
                for f in compared[:MAX_OVERVIEW_FEATURES]
                if f.drift is not None
            ]
        )
        if compared
        else None
    )
    return DataQualitySection(
        features=tuple(features),
        item_count=statistics.dataset.item_count if statistics.dataset is not None else None,
        baseline_item_count=(
            baseline_statistics.dataset.item_count
            if baseline_statistics is not None and baseline_statistics.dataset is not None
            else None
        ),
        distance_chart=overview,
    )
