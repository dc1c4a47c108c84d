"""Data-quality checks: current statistics against baseline constraints → violations.

The six check types of SageMaker Model Monitor (spec/sagemaker-model-monitor.md §4.2), evaluated
as the spec resolves them (§4.2a, §4.3):

``data_type_check``
    Fraction of non-null current values whose Deequ type class matches the baseline
    ``inferred_type`` (Integral values satisfy a Fractional baseline; only String values satisfy
    String: see :meth:`vigil.core.infer.TypeCounts.count_of` for every pair). Violation when
    below ``datatype_check_threshold`` (a required fraction, 0–1).
``completeness_check``
    Violation when current completeness < the feature's ``completeness`` constraint.
``baseline_drift_check``
    A distance between the baseline distribution (KLL sketch or categorical buckets) and the
    current one; violation when the distance exceeds the threshold (for the chi-square test,
    when its p-value falls below it). SageMaker's L-infinity (Simple/Robust) by default; any
    distance of :mod:`vigil.core.drift.registry` on request.
``missing_column_check`` / ``extra_column_check``
    A baseline feature absent from the current data / a current column absent from the baseline.
``categorical_values_check``
    Fraction of non-null current values of a String feature inside its ``domains``; violation
    when below ``domain_content_threshold`` (a required fraction, 0–1).

Descriptions keep the texts existing consumers parse (regexes ``distance: (.+) exceeds`` and
``Value: (.+) does not meet the constraint requirement!``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.core.drift.registry import get_distance
from vigil.core.drift.result import DriftResult
from vigil.core.infer import TypeCounts
from vigil.core.profile import ColumnStatistics, DatasetStatistics
from vigil.types import InferredType

__all__ = [
    "CHECK_TYPES",
    "CheckReport",
    "FeatureBaseline",
    "FeatureCheck",
    "FeatureRule",
    "Violation",
    "check_data_quality",
]

CHECK_TYPES = (
    "data_type_check",
    "completeness_check",
    "baseline_drift_check",
    "missing_column_check",
    "extra_column_check",
    "categorical_values_check",
)


@dataclass(frozen=True)
class FeatureBaseline:
    """What the baseline knows of one feature's distribution.

    Attributes
    ----------
    name : str
    inferred_type : InferredType
    numeric : WeightedSample or None
        The baseline KLL sketch as weighted items (numeric features).
    categories : CategoricalCounts or None
        The baseline categorical buckets (String features).
    declared_categorical : bool
        A String feature whose baseline values all look like numbers: Deequ would have inferred
        a number, so the baseline declared it categorical (``--string-column``, a pandas
        ``category`` column). Numeric-looking window values then count as String.
    """

    name: str
    inferred_type: InferredType
    numeric: WeightedSample | None = None
    categories: CategoricalCounts | None = None
    declared_categorical: bool = False


@dataclass(frozen=True)
class FeatureRule:
    """The constraints and effective monitoring settings of one feature.

    Attributes
    ----------
    name : str
    inferred_type : InferredType
    completeness : float or None
        Required fraction (0–1) of non-null values.
    domains : tuple of str or None
        Allowed values (String features).
    evaluate : bool
        ``evaluate_constraints``: False skips every check of the feature.
    datatype_threshold, domain_threshold : float
        Required fractions (0–1) for the data-type and categorical-values checks.
    compare : bool
        ``perform_comparison``.
    numeric_method, categorical_method : str
        Registered distance names (:mod:`vigil.core.drift.registry`).
    numeric_threshold, categorical_threshold : float
    """

    name: str
    inferred_type: InferredType
    completeness: float | None = None
    domains: tuple[str, ...] | None = None
    evaluate: bool = True
    datatype_threshold: float = 1.0
    domain_threshold: float = 1.0
    compare: bool = True
    numeric_method: str = "linf_robust"
    numeric_threshold: float = 0.1
    categorical_method: str = "linf_robust"
    categorical_threshold: float = 0.1


@dataclass(frozen=True)
class Violation:
    """One violated constraint, as written to constraint_violations.json."""

    feature_name: str
    constraint_check_type: str
    description: str


@dataclass(frozen=True)
class FeatureCheck:
    """What was measured for one feature (the source of per-feature metrics).

    Attributes
    ----------
    name : str
    completeness : float
        Current fraction (0–1) of non-null values (NaN without rows).
    type_match : float or None
        Current fraction (0–1) of non-null values matching the baseline type.
    domain_match : float or None
        Current fraction (0–1) of non-null values inside the domain.
    drift : DriftResult or None
        The distribution comparison, when performed.
    """

    name: str
    completeness: float
    type_match: float | None = None
    domain_match: float | None = None
    drift: DriftResult | None = None


@dataclass(frozen=True)
class CheckReport:
    """Violations (in feature order, then check order) and per-feature measurements."""

    violations: tuple[Violation, ...]
    features: tuple[FeatureCheck, ...]


def _type_match(
    counts: TypeCounts, expected: InferredType, baseline: FeatureBaseline | None
) -> float | None:
    if counts.present == 0:
        return None
    if expected is InferredType.STRING and baseline is not None and baseline.declared_categorical:
        return 1.0  # codes the baseline declared categorical: any value is one
    return counts.count_of(expected) / counts.present


def _fmt_percent(x: float) -> str:
    return repr(100.0 * x)


def _current_distribution(
    col: ColumnStatistics, baseline: FeatureBaseline
) -> WeightedSample | CategoricalCounts | None:
    if baseline.numeric is not None:
        if col.numeric is None:
            return None
        return col.numeric.sketch.weighted_sample()
    if baseline.categories is not None:
        if col.numeric is not None and not col.categories:
            return None
        return CategoricalCounts(dict(col.categories))
    return None


def _drift(
    col: ColumnStatistics, rule: FeatureRule, baseline: FeatureBaseline | None
) -> DriftResult | None:
    if baseline is None or not rule.compare:
        return None
    current = _current_distribution(col, baseline)
    if current is None:
        return None
    if baseline.numeric is not None:
        spec = get_distance(rule.numeric_method)
        return spec.compute(baseline.numeric, current, rule.numeric_threshold)
    assert baseline.categories is not None
    spec = get_distance(rule.categorical_method)
    return spec.compute(baseline.categories, current, rule.categorical_threshold)


def _check_feature(
    col: ColumnStatistics, rule: FeatureRule, baseline: FeatureBaseline | None
) -> tuple[FeatureCheck, list[Violation]]:
    out: list[Violation] = []
    name = col.name
    type_match = _type_match(col.type_counts, rule.inferred_type, baseline)
    domain_match = None
    if rule.domains is not None and col.num_present:
        allowed = set(rule.domains)
        inside = sum(count for value, count in col.categories if value in allowed)
        domain_match = inside / col.num_present if col.buckets_complete else None
    drift = _drift(col, rule, baseline)
    check = FeatureCheck(name, col.completeness, type_match, domain_match, drift)
    if not rule.evaluate:
        return check, out
    if type_match is not None and type_match < rule.datatype_threshold:
        out.append(
            Violation(
                name,
                "data_type_check",
                "Data type match requirement is not met. "
                f"Expected data type: {rule.inferred_type.value}, "
                f"Expected match: {_fmt_percent(rule.datatype_threshold)}%. "
                f"Observed: Only {_fmt_percent(type_match)}% of data is {rule.inferred_type.value}.",
            )
        )
    completeness = col.completeness
    if (
        rule.completeness is not None
        and not math.isnan(completeness)
        and completeness < rule.completeness
    ):
        out.append(
            Violation(
                name,
                "completeness_check",
                f"Value: {completeness!r} does not meet the constraint requirement! "
                f"Data completeness requirement is not met. Expected: {rule.completeness!r}.",
            )
        )
    if drift is not None and drift.drifted:
        kind = (
            "Numerical" if baseline is not None and baseline.numeric is not None else "Categorical"
        )
        out.append(
            Violation(
                name,
                "baseline_drift_check",
                f"{kind} distance: {drift.value!r} exceeds {kind.lower()} threshold: "
                f"{drift.threshold!r} (method: {drift.method})",
            )
        )
    if domain_match is not None and domain_match < rule.domain_threshold:
        out.append(
            Violation(
                name,
                "categorical_values_check",
                f"Value: {domain_match!r} does not meet the constraint requirement! "
                f"Expected at least {rule.domain_threshold!r} of the values in the baseline domain.",
            )
        )
    return check, out


def check_data_quality(
    current: DatasetStatistics,
    rules: Sequence[FeatureRule],
    baselines: Mapping[str, FeatureBaseline],
    *,
    evaluate_columns: bool = True,
) -> CheckReport:
    """Evaluate every data-quality check of the current statistics against the baseline.

    Parameters
    ----------
    current : DatasetStatistics
        Statistics of the analysed window (same profile code as the baseline).
    rules : sequence of FeatureRule
        One per baseline feature, in baseline order (from constraints.json).
    baselines : mapping of str to FeatureBaseline
        Baseline distributions by feature name (from statistics.json); a feature without one
        gets no drift check.
    evaluate_columns : bool, default=True
        Run the missing/extra column checks.

    Returns
    -------
    CheckReport
        Violations in baseline feature order (checks in the order of :data:`CHECK_TYPES`), then
        extra columns in current order.
    """
    violations: list[Violation] = []
    features: list[FeatureCheck] = []
    present = {col.name: col for col in current.columns}
    known = {rule.name for rule in rules}
    n_current = len(current.columns)
    n_baseline = len(rules)
    for rule in rules:
        col = present.get(rule.name)
        if col is None:
            if evaluate_columns and rule.evaluate:
                violations.append(
                    Violation(
                        rule.name,
                        "missing_column_check",
                        "There are missing columns in current dataset. Number of columns in "
                        f"current dataset: {n_current}, Number of columns in baseline "
                        f"constraints: {n_baseline}",
                    )
                )
            continue
        check, found = _check_feature(col, rule, baselines.get(rule.name))
        features.append(check)
        violations.extend(found)
    if evaluate_columns:
        for col in current.columns:
            if col.name not in known:
                violations.append(
                    Violation(
                        col.name,
                        "extra_column_check",
                        "There are extra columns in current dataset. Number of columns in "
                        f"current dataset: {n_current}, Number of columns in baseline "
                        f"constraints: {n_baseline}",
                    )
                )
    return CheckReport(tuple(violations), tuple(features))
