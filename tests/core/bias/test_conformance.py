"""Shared invariants that every registered bias metric must satisfy.

A metric gets these checks as soon as it is added to ``vigil.core.bias.registry.METRICS`` (the
scikit-learn ``test_common`` habit). What each metric claims (range, fair value, what swapping
the facets does, its inputs) is read from its ``MetricSpec``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.core.bias.cases import Case, edge_cases, identical_groups_case, random_case

from vigil.core.bias import (
    METRICS,
    POST_TRAINING_METRICS,
    PRE_TRAINING_METRICS,
    BiasCounts,
    BiasData,
    MetricSpec,
    Undefined,
)
from vigil.errors import InvalidParameterError

SPECS = list(METRICS.values())
IDS = list(METRICS)
FACET_INDEPENDENT = {"GE"}
"""GE is computed over every row; swapping or emptying the facet leaves it unchanged."""

CASES = [random_case(seed) for seed in range(6)] + [
    random_case(50, group_kind="continuous"),
    random_case(51, n=12),
    *edge_cases(),
]


def _value(spec: MetricSpec, case: Case) -> float | Undefined:
    return spec.function(case.data())


def test_registry_is_complete_and_consistent() -> None:
    assert set(PRE_TRAINING_METRICS) == {"CI", "DPL", "KL", "JS", "LP", "TVD", "KS", "CDDL"}
    assert set(POST_TRAINING_METRICS) == {
        "DPPL", "DI", "DCA", "DCR", "RD", "SD", "DAR", "DRR", "AD", "CDDPL", "TE", "FT", "GE",
    }  # fmt: skip
    for name, spec in METRICS.items():
        assert spec.name == name
        assert spec.description.endswith(f"({name})")
        assert spec.range[0] <= spec.fair_value <= spec.range[1]
        assert spec.stage == ("pre_training" if name in PRE_TRAINING_METRICS else "post_training")
    assert [n for n, s in METRICS.items() if s.fair_value != 0] == ["DI"]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_fair_value_on_identical_groups(spec: MetricSpec) -> None:
    case = identical_groups_case()
    value = _value(spec, case)
    if spec.name in FACET_INDEPENDENT:
        assert isinstance(value, float) and value > 0  # predictions have errors
        return
    assert value == pytest.approx(spec.fair_value, abs=1e-12)


def test_generalized_entropy_is_fair_on_perfect_predictions() -> None:
    case = next(c for c in edge_cases() if c.name == "perfect-predictions")
    assert METRICS["GE"].function(case.data()) == 0.0


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_swapping_the_facets_follows_the_declared_rule(spec: MetricSpec) -> None:
    checked = 0
    for case in CASES[:8]:
        forward, backward = _value(spec, case), _value(spec, case.swapped())
        if isinstance(forward, Undefined) or isinstance(backward, Undefined):
            continue
        checked += 1
        if spec.swap == "negate":
            assert backward == pytest.approx(-forward, rel=1e-12, abs=1e-15)
        elif spec.swap == "reciprocal":
            expected = math.inf if forward == 0 else 1 / forward
            assert backward == pytest.approx(expected, rel=1e-12)
        elif spec.swap == "same":
            assert backward == pytest.approx(forward, rel=1e-12, abs=1e-15)
    assert checked >= 6


NO_SWAP_RULE = [s for s in SPECS if s.swap == "none" and not s.needs_group_variable]


@pytest.mark.parametrize("spec", NO_SWAP_RULE, ids=lambda s: s.name)
def test_metrics_without_a_swap_rule_really_are_asymmetric(spec: MetricSpec) -> None:
    def neither(forward: float, backward: float) -> bool:
        return forward != pytest.approx(backward) and forward != pytest.approx(-backward)

    differ = [c.name for c in CASES[:6] if neither(_value(spec, c), _value(spec, c.swapped()))]  # type: ignore[arg-type]
    assert differ


@pytest.mark.parametrize("spec", [s for s in SPECS if s.needs_group_variable], ids=lambda s: s.name)
def test_conditional_demographic_disparity_negates_only_when_groups_have_both_outcomes(
    spec: MetricSpec,
) -> None:
    # D_g and A_g become 1 - D_g and 1 - A_g, except where a denominator is 0 (then both are 0).
    for case in CASES[:6]:
        assert _value(spec, case.swapped()) == pytest.approx(-_value(spec, case), abs=1e-12)  # type: ignore[operator]
    t, f = True, False
    lopsided = Case(
        "one-outcome-group",
        np.array([t, f, t, f, t, f]),
        np.array([t, t, t, f, f, t]),
        np.array([t, t, t, f, f, t]),
        np.array(["x", "x", "y", "y", "y", "y"]),
        {},
    )
    assert _value(spec, lopsided.swapped()) != pytest.approx(-_value(spec, lopsided))  # type: ignore[operator]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_values_lie_in_the_declared_range_and_are_never_nan(spec: MetricSpec) -> None:
    low, high = spec.range
    defined = 0
    for case in CASES:
        value = _value(spec, case)
        if isinstance(value, Undefined):
            assert value.error
            continue
        defined += 1
        assert isinstance(value, float | int)
        assert not math.isnan(value)
        assert low - 1e-12 <= value <= high + 1e-12, case.name
    assert defined >= len(CASES) // 2


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_invariant_to_row_order(spec: MetricSpec) -> None:
    for case in CASES[:8]:
        plain, shuffled = _value(spec, case), _value(spec, case.permuted(seed=5))
        if isinstance(plain, Undefined):
            assert shuffled == plain
        else:
            assert shuffled == pytest.approx(plain, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_empty_facet_is_undefined_unless_facet_independent(spec: MetricSpec) -> None:
    for name in ("d-empty", "a-empty"):
        case = next(c for c in edge_cases() if c.name == name)
        value = _value(spec, case)
        if spec.name in FACET_INDEPENDENT or spec.needs_group_variable:
            # GE ignores the facet; Clarify's CDD has no empty-facet check (its shares are 0).
            assert isinstance(value, float)
        else:
            assert isinstance(value, Undefined), name
            assert "empty" in value.error or "common facet" in value.error


@pytest.mark.parametrize("spec", [s for s in SPECS if not s.needs_features], ids=lambda s: s.name)
def test_counts_merged_from_partitions_give_the_metrics_of_the_whole(spec: MetricSpec) -> None:
    for case in CASES[:6]:
        cut = case.n // 3
        parts = [
            BiasCounts.from_arrays(
                case.sensitive[s],
                label=case.label[s],
                predicted=case.predicted[s],
                group=case.group[s] if case.group is not None else None,
            )
            for s in (slice(0, cut), slice(cut, None))
        ]
        merged = parts[0].merge(parts[1])
        whole = case.data().counts
        np.testing.assert_array_equal(merged.table, whole.table)
        assert spec.function(BiasData(merged)) == _value(spec, case)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.needs_labels], ids=lambda s: s.name)
def test_label_based_metrics_refuse_counts_without_labels(spec: MetricSpec) -> None:
    case = random_case(1)
    data = BiasData.from_arrays(case.sensitive, predicted=case.predicted)
    with pytest.raises(InvalidParameterError, match="label"):
        spec.function(data)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.needs_predictions], ids=lambda s: s.name)
def test_prediction_based_metrics_refuse_counts_without_predictions(spec: MetricSpec) -> None:
    case = random_case(1)
    data = BiasData.from_arrays(case.sensitive, label=case.label)
    if spec.needs_features:
        assert isinstance(spec.function(data), Undefined)  # FT: no rows, no value
        return
    with pytest.raises(InvalidParameterError, match="predict"):
        spec.function(data)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.needs_group_variable], ids=lambda s: s.name)
def test_group_variable_metrics_are_undefined_without_one(spec: MetricSpec) -> None:
    case = random_case(2)
    data = BiasData.from_arrays(case.sensitive, label=case.label, predicted=case.predicted)
    assert spec.compute(data).error == "Group variable is empty or not provided"
    assert spec.compute(data).value is None


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_compute_wraps_name_and_description(spec: MetricSpec) -> None:
    result = spec.compute(random_case(4).data())
    assert (result.name, result.description) == (spec.name, spec.description)
    assert result.is_defined == (result.error is None)
