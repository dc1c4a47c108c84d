"""The bias-drift rule: live further from the fair value than the baseline, plus tolerance."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vigil.core.bias import (
    BiasReport,
    Facet,
    FacetReport,
    Label,
    MetricResult,
    StageReport,
    Values,
    bias_report,
    check_bias_drift,
    fair_value_of,
    get_metric,
    is_bias_drift,
)
from vigil.errors import InvalidParameterError


def _report(values: dict[str, float | None], *, stage: str = "post_training") -> BiasReport:
    metrics = tuple(
        MetricResult(name, get_metric(name).description, value, None if value is not None else "x")
        for name, value in sorted(values.items())
    )
    stage_report = StageReport(stage, "y", "1", (FacetReport("sex", "F", metrics),))  # type: ignore[arg-type]
    if stage == "pre_training":
        return BiasReport(pre_training=stage_report)
    return BiasReport(post_training=stage_report)


def test_aws_page_example_dppl() -> None:
    baseline = _report({"DPPL": 0.2})
    assert check_bias_drift(baseline, _report({"DPPL": 0.1})) == ()
    (violation,) = check_bias_drift(baseline, _report({"DPPL": -0.3}))
    assert violation.metric_name == "DPPL"
    assert (violation.facet, violation.facet_value, violation.stage) == (
        "sex",
        "F",
        "post_training",
    )
    assert violation.constraint_check_type == "bias_drift_check"
    assert violation.description == "Value -0.3 does not meet the constraint requirement"


def test_disparate_impact_is_measured_from_one() -> None:
    baseline = _report({"DI": 0.9})
    assert check_bias_drift(baseline, _report({"DI": 1.08})) == ()  # 0.08 from fair < 0.1
    assert check_bias_drift(baseline, _report({"DI": 0.75}))[0].fair_value == 1.0
    assert len(check_bias_drift(baseline, _report({"DI": 1.15}))) == 1
    assert fair_value_of("DI") == 1.0 and fair_value_of("CI") == 0.0


def test_tolerance_widens_the_allowed_distance() -> None:
    baseline = _report({"DPPL": 0.2, "DI": 0.9})
    live = _report({"DPPL": 0.25, "DI": 0.82})
    assert {v.metric_name for v in check_bias_drift(baseline, live)} == {"DPPL", "DI"}
    assert check_bias_drift(baseline, live, tolerance=0.1) == ()
    (only,) = check_bias_drift(baseline, live, tolerance=0.06)
    assert only.metric_name == "DI" and only.tolerance == 0.06
    for bad in (-0.1, math.nan, math.inf, "0.1", True):
        with pytest.raises(InvalidParameterError, match="tolerance"):
            check_bias_drift(baseline, live, tolerance=bad)  # type: ignore[arg-type]


def test_undefined_missing_and_infinite_values() -> None:
    baseline = _report({"DPPL": 0.2, "TE": None, "DCA": math.inf, "AD": 0.0})
    live = _report({"DPPL": None, "TE": 5.0, "DCA": math.inf, "AD": math.inf, "RD": 0.9})
    (violation,) = check_bias_drift(baseline, live)  # null, null baseline, both inf, absent: skip
    assert violation.metric_name == "AD"
    assert violation.description == "Value Infinity does not meet the constraint requirement"
    assert not is_bias_drift(math.nan, 0.1, fair_value=0.0, tolerance=0.0)
    assert is_bias_drift(-math.inf, 3.0, fair_value=0.0, tolerance=0.0)


def test_stages_are_compared_separately() -> None:
    baseline = _report({"CI": 0.1}, stage="pre_training")
    assert check_bias_drift(baseline, _report({"DPPL": 0.9})) == ()
    (violation,) = check_bias_drift(baseline, _report({"CI": -0.4}, stage="pre_training"))
    assert violation.stage == "pre_training"


def test_a_shifted_window_of_real_reports_violates() -> None:
    """Approval rate for women drops from 75 % to 55 %: DI and DPPL move away from fair."""
    rng = np.random.default_rng(8)

    def window(rate_women: float) -> BiasReport:
        n = 4000
        women = rng.random(n) < 0.5
        approved = rng.random(n) < np.where(women, rate_women, 0.78)
        return bias_report(
            [Facet("sex", np.where(women, "Female", "Male"), Values(("Female",)))],
            Label("approved", approved, Values((True,))),
            predicted_positive_mask=approved,
            pre_training=None,
            post_training=["DI", "DPPL", "AD"],
        )

    baseline, same, shifted = window(0.75), window(0.75), window(0.55)
    violations = check_bias_drift(baseline, shifted, tolerance=0.02)
    assert {v.metric_name for v in violations} == {"DI", "DPPL"}
    di = next(v for v in violations if v.metric_name == "DI")
    assert di.live_value < 0.8 < di.baseline_value
    assert check_bias_drift(baseline, same, tolerance=0.05) == ()
