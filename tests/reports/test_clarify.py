"""Bias and attribution sections on SageMaker Clarify's real analysis.json files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import ndcg_score as sklearn_ndcg
from tests.datasets import CONFORMANCE
from tests.reports.page import Page, assert_self_contained

from vigil.core.bias.registry import METRICS
from vigil.formats.clarify import BiasConstraintViolations, ClarifyAnalysis
from vigil.reports import render_report
from vigil.reports.attribution import attribution_section
from vigil.reports.bias import bias_section

ANALYSES = sorted(CONFORMANCE.rglob("*analysis.json"))
EXPLAINABILITY = (
    CONFORMANCE
    / "aws__amazon-sagemaker-examples"
    / "archived__fraud_detection__clarify_output__explainability__analysis.json"
)


def test_the_real_files_are_there(conformance_dir: Path) -> None:
    assert len(ANALYSES) == 5 and EXPLAINABILITY in ANALYSES


@pytest.mark.parametrize("path", ANALYSES, ids=lambda p: p.name[:40])
def test_every_metric_of_a_real_analysis_is_shown_with_its_fair_value(
    conformance_dir: Path, path: Path
) -> None:
    doc = ClarifyAnalysis.from_file(path)
    page = Page(render_report(analysis=doc).decode())
    assert_self_contained(page)
    for stage_name in ("pre_training", "post_training"):
        block = getattr(doc, f"{stage_name}_bias_metrics")
        if block is None:
            assert not page.tables_with(data_stage=stage_name)
            continue
        for facet, entries in block.facets.items():
            tables = page.tables_with(data_stage=stage_name, data_facet=facet)
            assert len(tables) == len(entries)
            for entry, table in zip(entries, tables, strict=True):
                rows = {row[0]: row for row in table.body}
                assert list(rows) == [m.name for m in entry.metrics]
                for metric in entry.metrics:
                    row = rows[metric.name]
                    if metric.value is None:
                        assert row[2] == "—" and metric.error is not None
                        assert row[6] == metric.error  # Clarify's own error text
                    elif math.isfinite(metric.value):
                        assert float(row[2]) == pytest.approx(metric.value, rel=1e-3, abs=1e-12)
                    fair = METRICS[metric.name].fair_value if metric.name in METRICS else None
                    assert row[3] == ("—" if fair is None else f"{fair:g}")


def test_di_is_fair_at_one_and_failures_are_undefined(conformance_dir: Path) -> None:
    path = next(p for p in ANALYSES if "bias_1" in p.name)
    section = bias_section(ClarifyAnalysis.from_file(path))
    assert section is not None
    rows = {m.name: m for s in section.stages for g in s.groups for m in g.metrics}
    assert rows["DI"].fair_value == 1.0
    assert rows["DI"].deviation == pytest.approx(abs(rows["DI"].value - 1.0))  # type: ignore[operator]
    assert (
        rows["CDDPL"].value is None
        and rows["CDDPL"].error == "Group variable is empty or not provided"
    )
    assert rows["CDDPL"].deviation is None


def test_bias_drift_violations_mark_their_metric(conformance_dir: Path) -> None:
    path = next(p for p in ANALYSES if "bias_1" in p.name)
    doc = ClarifyAnalysis.from_file(path)
    facet = next(iter(doc.post_training_bias_metrics.facets))  # type: ignore[union-attr]
    value = doc.post_training_bias_metrics.facets[facet][0].value_or_threshold  # type: ignore[union-attr]
    violations = BiasConstraintViolations.from_dict(
        {"version": "1.0", "violations": [{"facet": facet, "facet_value": value, "metric_name": "DPPL",
         "constraint_check_type": "bias_drift_check", "description": "DPPL drifted"}]}
    )  # fmt: skip
    page = Page(render_report(analysis=doc, violations=violations).decode())
    assert page.table("violations").body == [
        [f"{facet}={value} DPPL", "bias_drift_check", "DPPL drifted"]
    ]
    flagged = [
        row
        for t in page.tables_with(data_stage="post_training")
        for row in t.body
        if row[6] == "violation"
    ]
    assert [row[0] for row in flagged] == ["DPPL"]


def test_attribution_ranking_and_ndcg_against_scikit_learn(conformance_dir: Path) -> None:
    doc = ClarifyAnalysis.from_file(EXPLAINABILITY)
    values = doc.explanations.kernel_shap["label0"].global_shap_values  # type: ignore[union-attr,index]
    assert len(values) == 45
    rng = np.random.default_rng(5)
    names = list(values)
    noisy = {k: float(v) * float(rng.uniform(0.2, 1.8)) for k, v in values.items()}
    live = ClarifyAnalysis.model_validate(
        {
            "explanations": {
                "kernel_shap": {"label0": {"global_shap_values": noisy, "expected_value": 0.4}}
            }
        }
    )
    section = attribution_section(live, baseline=doc)
    assert section is not None
    (label,) = section.labels
    expected = sklearn_ndcg(
        [[abs(float(values[n])) for n in names]], [[abs(noisy[n]) for n in names]]
    )
    assert label.ndcg == pytest.approx(expected, rel=1e-9)
    assert label.violated == (expected < 0.9)
    ranked = [r.baseline_feature for r in label.rows]
    assert ranked == sorted(names, key=lambda n: (-abs(float(values[n])), n))
    assert [r.current_feature for r in label.rows] == sorted(
        names, key=lambda n: (-abs(noisy[n]), n)
    )
    page = Page(render_report(analysis=live, baseline_analysis=doc).decode())
    assert_self_contained(page)
    (table,) = page.tables_with(data_label="label0")
    assert table.head[0] == ["Rank", "Baseline feature", "Baseline SHAP", "Feature", "SHAP"]
    assert [row[1] for row in table.body] == ranked


def test_the_same_analysis_as_baseline_has_ndcg_one(conformance_dir: Path) -> None:
    doc = ClarifyAnalysis.from_file(EXPLAINABILITY)
    section = attribution_section(doc, baseline=doc)
    assert section is not None and section.labels[0].ndcg == 1.0 and section.violated == 0
    alone = attribution_section(doc)
    assert alone is not None and alone.labels[0].ndcg is None and not alone.has_baseline
