"""The SDK's ClarifyCheckStep dataset reproduces the real Clarify pre-training analysis.

Input: ``tests/data/clarify_check_step/dataset.csv`` (headers Label,F1..F4; label value 1; facet
F1 with threshold 0.5; group variable F2). Output: the real ``analysis.json`` of that job, from
the SDK's test data (shared/conformance/sagemaker-real). Seven of the eight metrics agree to the
last bit; LP is one ulp away because Clarify's ``numpy.linalg.norm`` went through a BLAS dot
product with a fused multiply-add on the machine that produced the file.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from vigil.core.bias import Facet, Label, bias_report, rule_for

DATASET = Path(__file__).resolve().parents[2] / "data" / "clarify_check_step" / "dataset.csv"
ANALYSIS = "tests__data__pipeline__clarify_check_step__data_bias__good_cases__analysis.json"


@pytest.fixture(scope="module")
def table() -> pa.Table:
    options = pacsv.ReadOptions(column_names=["Label", "F1", "F2", "F3", "F4"])
    return pacsv.read_csv(DATASET, read_options=options)


@pytest.fixture(scope="module")
def real(conformance_dir: Path) -> dict:
    path = conformance_dir / "aws__sagemaker-python-sdk" / ANALYSIS
    return json.loads(path.read_text())["pre_training_bias_metrics"]


def test_dataset_is_the_sdk_file(table: pa.Table) -> None:
    assert table.num_rows == 100
    assert DATASET.stat().st_size == 7911
    assert table.column("F1").to_pylist()[2] == 0.9936148802477393  # the column maximum


def test_reproduces_the_real_pre_training_metrics(table: pa.Table, real: dict) -> None:
    facet_rule = rule_for(table["F1"], [0.5])
    label_rule = rule_for(table["Label"], [1])
    assert facet_rule is not None and label_rule is not None
    report = bias_report(
        [Facet("F1", table["F1"], facet_rule)],
        Label("Label", table["Label"], label_rule),
        group_variable=table["F2"],  # continuous: every distinct value is a group
        pre_training="all",
    )
    pre = report.pre_training
    assert pre is not None
    assert pre.label == real["label"]
    assert pre.label_value_or_threshold == real["label_value_or_threshold"] == "1"
    (facet,) = pre.for_facet("F1")
    (expected,) = real["facets"]["F1"]
    assert facet.value_or_threshold == expected["value_or_threshold"]
    assert facet.value_or_threshold == "(0.5, 0.9936148802477393]"
    assert [(m.name, m.description) for m in facet.metrics] == [
        (m["name"], m["description"]) for m in expected["metrics"]
    ]
    values = {m.name: m.value for m in facet.metrics}
    real_values = {m["name"]: m["value"] for m in expected["metrics"]}
    for name in ("CDDL", "CI", "DPL", "JS", "KL", "KS", "TVD"):
        assert values[name] == real_values[name], name  # bit for bit
    assert values["LP"] == pytest.approx(real_values["LP"], rel=2e-16)
    assert values["LP"] != real_values["LP"]


def test_the_lp_difference_is_a_fused_multiply_add(table: pa.Table, real: dict) -> None:
    """Rounding a² + b² once (FMA) instead of twice gives exactly the real file's LP."""
    sensitive = pc.greater(table["F1"], 0.5).to_numpy(zero_copy_only=False)
    label = table["Label"].to_numpy() == 1
    n_d, n_a = int(sensitive.sum()), int((~sensitive).sum())
    pos_d, pos_a = int(label[sensitive].sum()), int(label[~sensitive].sum())
    neg = (n_a - pos_a) / n_a - (n_d - pos_d) / n_d
    pos = pos_a / n_a - pos_d / n_d
    fused = math.sqrt(float(Fraction(pos) * Fraction(pos) + Fraction(neg * neg)))
    (expected,) = real["facets"]["F1"]
    real_lp = next(m["value"] for m in expected["metrics"] if m["name"] == "LP")
    assert fused == real_lp
