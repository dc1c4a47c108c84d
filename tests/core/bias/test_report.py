"""bias_report against smclarify's own report (report.bias_report), facet by facet."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from tests.core.bias.oracle import smclarify_report

from vigil.core.bias import (
    BiasReport,
    Facet,
    FacetReport,
    Label,
    StageReport,
    Threshold,
    Values,
    bias_report,
    rule_for,
)
from vigil.errors import InvalidParameterError

pytestmark = pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")


def _frame(seed: int, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["F", "M", "X"]), size=n, p=[0.4, 0.5, 0.1])
    age = rng.integers(18, 80, size=n)
    score = rng.uniform(size=n)
    x1 = rng.normal(size=n) + (sex == "F") * 0.3
    approved = rng.random(n) < (0.3 + 0.3 * (sex == "M") + 0.2 * (score > 0.5))
    predicted = (x1 + 2 * score + rng.normal(scale=0.5, size=n)) > 1.2
    return pd.DataFrame(
        {
            "sex": pd.Categorical(sex),
            "age": age,
            "score": score,
            "x1": x1,
            "approved": pd.Categorical(np.where(approved, "yes", "no")),
            "predicted": pd.Categorical(np.where(predicted, "yes", "no")),
            "region": pd.Categorical(rng.choice(np.array(["n", "s", "e", "w"]), size=n)),
        }
    )


def _same_value(ours: float | None, theirs: Any) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    if isinstance(theirs, str):  # smclarify writes infinities as "Infinity"
        return math.isinf(ours) and theirs == ("Infinity" if ours > 0 else "-Infinity")
    return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-15)


def _compare(ours: tuple[FacetReport, ...], theirs: list[dict[str, Any]]) -> None:
    assert [r.value_or_threshold for r in ours] == [t["value_or_threshold"] for t in theirs]
    for report, expected in zip(ours, theirs, strict=True):
        assert [m.name for m in report.metrics] == [m["name"] for m in expected["metrics"]]
        for metric, other in zip(report.metrics, expected["metrics"], strict=True):
            assert metric.description == other["description"]
            value = other["value"]
            if metric.name == "FT" and value is not None:
                value = -value  # the AWS page's sign (spec clarify.md §7.2)
            assert _same_value(metric.value, value), (metric, other)
            assert metric.error == other.get("error"), (metric, other)


FACET_CASES = [
    ("sex", ["F"], Values(("F",))),
    ("sex", ["F", "X"], Values(("F", "X"))),
    ("sex", None, None),
    ("age", [40], Threshold(40)),
    ("score", [0.5], Threshold(0.5)),
]


@pytest.mark.parametrize(("facet", "values", "rule"), FACET_CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("seed", [1, 2])
def test_pre_and_post_training_match_smclarify(
    seed: int, facet: str, values: list[Any] | None, rule: Values | Threshold | None
) -> None:
    frame = _frame(seed)
    report = bias_report(
        [Facet(facet, pa.array(frame[facet].to_numpy()), rule)],
        Label("approved", frame["approved"].to_numpy(dtype=object), Values(("yes",))),
        predicted_label=frame["predicted"].to_numpy(dtype=object),
        group_variable=frame["region"].to_numpy(dtype=object),
        features={c: frame[c].to_numpy() for c in ("age", "score", "x1") if c != facet},
        pre_training="all",
        post_training="all",
    )
    columns = [facet, "approved", "predicted", *(c for c in ("age", "score", "x1") if c != facet)]
    expected_pre = smclarify_report(
        frame[[c for c in columns if c != "predicted"]],
        facet=facet,
        facet_values=values,
        label="approved",
        label_values=["yes"],
        stage="pre_training",
        group=frame["region"],
    )
    expected_post = smclarify_report(
        frame[columns],
        facet=facet,
        facet_values=values,
        label="approved",
        label_values=["yes"],
        stage="post_training",
        predicted="predicted",
        group=frame["region"],
    )
    assert report.pre_training is not None and report.post_training is not None
    assert report.pre_training.label_value_or_threshold == "yes"
    _compare(report.pre_training.facets, expected_pre)
    _compare(report.post_training.facets, expected_post)


def test_several_facets_in_one_call_keep_their_order_and_counts() -> None:
    frame = _frame(3)
    report = bias_report(
        [
            Facet("sex", frame["sex"].to_numpy(dtype=object), Values(("F",))),
            Facet("age", frame["age"].to_numpy(), rule_for(frame["age"].to_numpy(), [60])),
        ],
        Label("approved", frame["approved"].to_numpy(dtype=object), Values(("yes",))),
        pre_training=["KL", "CI"],
    )
    assert report.post_training is None
    pre = report.pre_training
    assert pre is not None
    assert [(r.facet, r.value_or_threshold) for r in pre.facets] == [
        ("sex", "F"),
        ("age", f"(60, {frame['age'].max()}]"),
    ]
    assert [m.name for m in pre.facets[0].metrics] == ["CI", "KL"]
    sex = pre.for_facet("sex")[0]
    assert sex.n_sensitive == int((frame["sex"] == "F").sum())
    assert sex.n_sensitive + sex.n_rest == len(frame)  # type: ignore[operator]
    assert sex.metric("CI") is not None and sex.metric("DPL") is None


def test_predicted_positive_mask_and_the_missing_group_variable() -> None:
    frame = _frame(4)
    mask = (frame["predicted"] == "yes").to_numpy()
    report = bias_report(
        [Facet("sex", frame["sex"].to_numpy(dtype=object), Values(("F",)))],
        Label("approved", frame["approved"].to_numpy(dtype=object), Values(("yes",))),
        predicted_positive_mask=mask,
        pre_training=None,
        post_training=["CDDPL", "DPPL"],
    )
    assert report.pre_training is None
    post = report.post_training
    assert isinstance(post, StageReport)
    cddpl, dppl = post.facets[0].metrics
    assert (cddpl.value, cddpl.error) == (None, "Group variable is empty or not provided")
    assert dppl.is_defined
    assert BiasReport(post_training=post).stages == (post,)


def test_bad_arguments_raise() -> None:
    frame = _frame(5, n=50)
    facet = Facet("sex", frame["sex"].to_numpy(dtype=object), Values(("F",)))
    label = Label("approved", frame["approved"].to_numpy(dtype=object), Values(("yes",)))
    with pytest.raises(InvalidParameterError, match="post-training"):
        bias_report([facet], label, post_training="all")
    with pytest.raises(InvalidParameterError, match="methods"):
        bias_report([facet], label, pre_training=["DI"])
    with pytest.raises(InvalidParameterError, match="one value per row"):
        bias_report([Facet("sex", ["F"], Values(("F",)))], label)
    with pytest.raises(InvalidParameterError, match="not both"):
        bias_report(
            [facet],
            label,
            predicted_label=frame["predicted"].to_numpy(dtype=object),
            predicted_positive_mask=np.ones(50, dtype=bool),
        )
