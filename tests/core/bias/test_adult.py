"""UCI Adult (48,842 rows), facet sex = Female: Vigil's report against smclarify's.

A second real case beside the SDK's ClarifyCheckStep dataset: label ``income_per_year`` = >50K,
group variable ``race`` for CDDL/CDDPL, and for post-training a logistic regression on the
numeric columns (scikit-learn, deterministic) whose probability goes through Clarify's
``probability_threshold`` 0.5. FT's features are the numeric columns; ``fnlwgt`` makes the
rows' distances distinct, so both nearest-neighbour searches pick the same neighbours.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from tests.core.bias.oracle import smclarify_report

from vigil.core.bias import (
    Facet,
    Label,
    Values,
    bias_report,
    predicted_labels_from_probability,
)

pytestmark = pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")

NUMERIC = ["age", "fnlwgt", "education-num", "capital_gain", "capital_loss", "hours_per_week"]


@pytest.fixture(scope="module")
def adult(uci_adult: pd.DataFrame) -> pd.DataFrame:
    frame = uci_adult[["sex", "race", "income_per_year", *NUMERIC]].copy()
    x = frame[NUMERIC].to_numpy(dtype=float)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = (frame["income_per_year"] == ">50K").to_numpy()
    model = LogisticRegression(max_iter=500).fit(x, y)
    predicted = predicted_labels_from_probability(model.predict_proba(x)[:, 1], 0.5)
    frame["predicted"] = np.where(predicted == 1, ">50K", "<=50K")
    return frame


def _value(theirs: dict[str, Any], name: str) -> Any:
    return next(m for m in theirs["metrics"] if m["name"] == name)["value"]


def test_adult_data_is_the_expected_table(adult: pd.DataFrame) -> None:
    assert len(adult) == 48_842
    assert (adult["sex"] == "Female").sum() == 16_192
    assert (adult["income_per_year"] == ">50K").sum() == 11_687


def test_adult_sex_female_matches_smclarify(adult: pd.DataFrame) -> None:
    report = bias_report(
        [Facet("sex", adult["sex"].to_numpy(dtype=object), Values(("Female",)))],
        Label(
            "income_per_year", adult["income_per_year"].to_numpy(dtype=object), Values((">50K",))
        ),
        predicted_label=adult["predicted"].to_numpy(dtype=object),
        group_variable=adult["race"].to_numpy(dtype=object),
        features={c: adult[c].to_numpy() for c in NUMERIC},
        pre_training="all",
        post_training="all",
        flip_test_workers=2,
    )
    frame = adult.copy()
    for column in ("sex", "race", "income_per_year", "predicted"):
        frame[column] = frame[column].astype("category")
    common = {"facet": "sex", "facet_values": ["Female"], "label": "income_per_year"}
    expected = {
        "pre_training": smclarify_report(
            frame[["sex", "income_per_year", *NUMERIC]],
            **common,
            label_values=[">50K"],
            stage="pre_training",
            group=frame["race"],
        )[0],
        "post_training": smclarify_report(
            frame[["sex", "income_per_year", "predicted", *NUMERIC]],
            **common,
            label_values=[">50K"],
            stage="post_training",
            predicted="predicted",
            group=frame["race"],
        )[0],
    }
    checked = 0
    for stage in report.stages:
        (facet,) = stage.facets
        theirs = expected[stage.stage]
        assert facet.value_or_threshold == theirs["value_or_threshold"] == "Female"
        assert [m.name for m in facet.metrics] == [m["name"] for m in theirs["metrics"]]
        for metric in facet.metrics:
            value = _value(theirs, metric.name)
            if metric.name == "FT":
                value = -value  # the AWS page's sign (spec clarify.md §7.2)
            assert metric.value is not None, metric
            assert math.isclose(metric.value, value, rel_tol=1e-12, abs_tol=1e-15), metric
            checked += 1
    assert checked == 21
    pre = report.pre_training
    assert pre is not None
    ci = pre.facets[0].metric("CI")
    assert ci is not None and ci.value == pytest.approx((32_650 - 16_192) / 48_842)
