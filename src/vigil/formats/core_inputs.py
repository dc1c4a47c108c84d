"""SageMaker documents → the core's inputs: what a check needs from statistics/constraints files.

The data-quality checks (:func:`vigil.core.checks.check_data_quality`) take core objects; these
functions build them from ``statistics.json`` and ``constraints.json`` documents, Vigil's or
SageMaker's, so that a baseline, a window's statistics and a re-evaluation are read one way
(jobs re-check windows with them; reports recompute per-feature distances with them).
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from vigil.core.checks import FeatureBaseline, FeatureRule
from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift.registry import get_distance
from vigil.core.infer import TypeCounts, count_types
from vigil.core.profile import ColumnStatistics, DatasetStatistics, NumericSummary
from vigil.core.sketch import KLLSketch
from vigil.formats.constraints import Constraints
from vigil.formats.statistics import Statistics
from vigil.types import InferredType

__all__ = ["baseline_distributions", "feature_rules", "statistics_from_document"]


def baseline_distributions(statistics: Statistics) -> dict[str, FeatureBaseline]:
    """Per-feature baseline distributions from a statistics.json document.

    Numeric features use the KLL ``sketch.data`` (an item at level h weighs 2**h); a document
    without sketch data falls back to the bucket midpoints weighted by their counts. String
    features use their categorical buckets; one whose bucket values all look like numbers was
    declared categorical by its baseline (``FeatureBaseline.declared_categorical``).
    """
    out: dict[str, FeatureBaseline] = {}
    for feature in statistics.features:
        inferred = InferredType(feature.inferred_type)
        num, text = feature.numerical_statistics, feature.string_statistics
        if num is not None:
            kll = num.distribution.kll if num.distribution is not None else None
            sample = None
            if kll is not None and kll.sketch is not None and any(kll.sketch.data):
                sample = KLLSketch.from_levels(kll.sketch.data).weighted_sample()
            elif kll is not None and kll.buckets:
                sample = WeightedSample.from_weighted(
                    [(b.lower_bound + b.upper_bound) / 2 for b in kll.buckets],
                    [b.count for b in kll.buckets],
                )
            out[feature.name] = FeatureBaseline(feature.name, inferred, numeric=sample)
        elif text is not None:
            cat = text.distribution.categorical if text.distribution is not None else None
            counts = None
            declared = False
            if cat is not None and cat.buckets:
                counts = CategoricalCounts({b.value: float(b.count) for b in cat.buckets})
                looks = count_types(pa.array([b.value for b in cat.buckets], pa.string()))
                declared = looks.integral + looks.fractional == looks.present > 0
            out[feature.name] = FeatureBaseline(
                feature.name, inferred, categories=counts, declared_categorical=declared
            )
    return out


_NUMERIC_METHOD = {"Simple": "linf_simple", "Robust": "linf_robust"}


def feature_rules(
    constraints: Constraints,
    *,
    numeric_method: str | None = None,
    categorical_method: str | None = None,
    feature_methods: Mapping[str, str] | None = None,
) -> list[FeatureRule]:
    """One :class:`FeatureRule` per feature of a constraints.json document, overrides applied.

    Parameters
    ----------
    constraints : Constraints
    numeric_method, categorical_method : str, optional
        A registered distance (:mod:`vigil.core.drift.registry`) for every numeric / String
        feature instead of SageMaker's (L-infinity ``comparison_method``, or
        ``categorical_drift_method`` LInfinity / ChiSquared).
    feature_methods : mapping of str to str, optional
        Feature name → registered distance, for single features.

    Raises
    ------
    InvalidParameterError
        If a method is not a registered distance.
    """
    rules = []
    per_feature = dict(feature_methods or {})
    for method in [numeric_method, categorical_method, *per_feature.values()]:
        if method is not None:
            get_distance(method)
    for feature in constraints.features:
        config = constraints.effective_config(feature.name)
        linf = _NUMERIC_METHOD[config.comparison_method]
        cat_default = "chisquare" if config.categorical_drift_method == "ChiSquared" else linf
        domains = None
        if feature.string_constraints is not None and feature.string_constraints.domains:
            domains = tuple(feature.string_constraints.domains)
        rules.append(
            FeatureRule(
                name=feature.name,
                inferred_type=InferredType(feature.inferred_type),
                completeness=feature.completeness,
                domains=domains,
                evaluate=config.evaluate_constraints,
                datatype_threshold=config.datatype_check_threshold,
                domain_threshold=config.domain_content_threshold,
                compare=config.perform_comparison,
                numeric_method=per_feature.get(feature.name, numeric_method or linf),
                numeric_threshold=config.comparison_threshold,
                categorical_method=per_feature.get(feature.name, categorical_method or cat_default),
                categorical_threshold=config.categorical_comparison_threshold,
            )
        )
    return rules


def statistics_from_document(statistics: Statistics) -> DatasetStatistics:
    """Core statistics from a statistics.json document (for re-evaluation without raw data).

    A document keeps no per-value type counts, so every present value is counted under the
    feature's ``inferred_type``: the data-type check then compares types column by column.
    """
    columns = []
    for feature in statistics.features:
        inferred = InferredType(feature.inferred_type)
        num, text = feature.numerical_statistics, feature.string_statistics
        common = (num or text).common if (num or text) is not None else None  # type: ignore[union-attr]
        present = int(common.num_present) if common is not None else 0
        missing = int(common.num_missing) if common is not None else 0
        counts = _type_counts(inferred, present, missing)
        if num is not None:
            kll = num.distribution.kll if num.distribution is not None else None
            sketch = (
                KLLSketch.from_levels(kll.sketch.data)
                if kll is not None and kll.sketch is not None
                else KLLSketch()
            )
            summary = NumericSummary(
                count=present,
                sum=_f(num.sum),
                mean=_f(num.mean),
                std_dev=_f(num.std_dev),
                min=_f(num.min),
                max=_f(num.max),
                sketch=sketch,
            )
            columns.append(
                ColumnStatistics(feature.name, inferred, present, missing, counts, numeric=summary)
            )
            continue
        cat = (
            text.distribution.categorical
            if text is not None and text.distribution is not None
            else None
        )
        buckets = tuple((b.value, int(b.count)) for b in cat.buckets) if cat is not None else ()
        columns.append(
            ColumnStatistics(
                feature.name,
                inferred,
                present,
                missing,
                counts,
                categories=buckets,
                distinct_count=None if text is None else text.distinct_count,
                buckets_complete=bool(buckets) and sum(c for _, c in buckets) == present,
            )
        )
    item_count = statistics.dataset.item_count if statistics.dataset is not None else 0
    return DatasetStatistics(int(item_count), tuple(columns))


def _f(x: float | str | None) -> float:
    return float("nan") if x is None or isinstance(x, str) else float(x)


def _type_counts(inferred: InferredType, present: int, missing: int) -> TypeCounts:
    if inferred is InferredType.INTEGRAL:
        return TypeCounts(unknown=missing, integral=present)
    if inferred is InferredType.FRACTIONAL:
        return TypeCounts(unknown=missing, fractional=present)
    if inferred is InferredType.BOOLEAN:
        return TypeCounts(unknown=missing, boolean=present)
    return TypeCounts(unknown=missing, string=present)
