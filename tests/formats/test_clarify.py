"""Clarify's analysis_config.json, analysis.json and bias violations: real files and built ones."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from vigil.core.bias import (
    BiasDriftViolation,
    Facet,
    Label,
    MetricResult,
    bias_report,
    rule_for,
)
from vigil.errors import DocumentError
from vigil.formats.clarify import (
    UNSUPPORTED_KEYS,
    AnalysisConfig,
    BiasConstraintViolations,
    ClarifyAnalysis,
)

SDK = "aws__sagemaker-python-sdk/"
EXAMPLES = "aws__amazon-sagemaker-examples/"
SDK_ANALYSIS = (
    SDK + "tests__data__pipeline__clarify_check_step__data_bias__good_cases__analysis.json"
)
ANALYSES = [
    SDK_ANALYSIS,
    EXAMPLES + "archived__fraud_detection__clarify_output__bias_1__analysis.json",
    EXAMPLES + "archived__fraud_detection__clarify_output__bias_2__analysis.json",
    EXAMPLES + "archived__fraud_detection__clarify_output__explainability__analysis.json",
    "aws-samples__amazon-sagemaker-immersion-day/sagemaker-clarify__amazon-sagemaker-credit-risk-"
    "prediction-explainability-bias-detection__output__analysis.json",
]
CONFIGS = [EXAMPLES + "archived__fraud_detection__config__analysis_config.json"]
DATASET = Path(__file__).resolve().parents[1] / "data" / "clarify_check_step" / "dataset.csv"


def test_every_clarify_file_in_the_folder_is_covered(conformance_dir: Path) -> None:
    found = {str(p.relative_to(conformance_dir)) for p in conformance_dir.rglob("*analysis*.json")}
    assert found == set(ANALYSES) | set(CONFIGS)


@pytest.mark.parametrize("name", ANALYSES)
def test_real_analysis_round_trips_byte_for_byte(conformance_dir: Path, name: str) -> None:
    raw = (conformance_dir / name).read_bytes()
    doc = ClarifyAnalysis.from_file(conformance_dir / name)
    assert doc.to_json().encode() == raw
    assert doc.to_dict() == json.loads(raw)


@pytest.mark.parametrize("name", ANALYSES)
def test_real_analysis_survives_a_write_to_a_file(
    conformance_dir: Path, name: str, tmp_path: Path
) -> None:
    doc = ClarifyAnalysis.from_file(conformance_dir / name)
    target = tmp_path / "out" / "analysis.json"
    doc.to_file(target)
    assert target.read_bytes() == (conformance_dir / name).read_bytes()
    assert ClarifyAnalysis.from_file(target) == doc


def test_real_bias_analysis_reads_as_a_report(conformance_dir: Path) -> None:
    doc = ClarifyAnalysis.from_file(conformance_dir / ANALYSES[1])
    report = doc.to_report()
    assert report.pre_training is not None and report.post_training is not None
    assert report.post_training.label == "fraud"
    assert report.post_training.label_value_or_threshold == "0"
    (facet,) = report.post_training.for_facet("customer_gender_female")
    assert facet.value_or_threshold == "1"
    cddpl = facet.metric("CDDPL")
    assert cddpl == MetricResult(
        "CDDPL",
        "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
        None,
        "Group variable is empty or not provided",
    )
    dcr = facet.metric("DCR")
    assert dcr is not None and dcr.value == 0 and type(dcr.value) is int  # written as 0, kept
    assert [m.name for m in report.pre_training.facets[0].metrics][:2] == ["CDDL", "CI"]


def test_real_explanations_read(conformance_dir: Path) -> None:
    doc = ClarifyAnalysis.from_file(conformance_dir / ANALYSES[3])
    assert doc.explanations is not None and doc.explanations.kernel_shap is not None
    label0 = doc.explanations.kernel_shap["label0"]
    assert len(label0.global_shap_values) == 45
    assert label0.expected_value == 0.021365880966186523
    assert doc.to_report().stages == ()


def test_sdk_clarify_check_step_output_is_written_as_clarify_wrote_it(
    conformance_dir: Path,
) -> None:
    """Dataset in, analysis.json out: the same bytes as the real file, but LP's last digit."""
    table = pacsv.read_csv(
        DATASET, read_options=pacsv.ReadOptions(column_names=["Label", "F1", "F2", "F3", "F4"])
    )
    facet_rule, label_rule = rule_for(table["F1"], [0.5]), rule_for(table["Label"], [1])
    assert facet_rule is not None and label_rule is not None
    report = bias_report(
        [Facet("F1", table["F1"], facet_rule)],
        Label("Label", table["Label"], label_rule),
        group_variable=table["F2"],
    )
    written = ClarifyAnalysis.from_report(report).to_json()
    real = (conformance_dir / SDK_ANALYSIS).read_text()
    # Clarify's BLAS fused a multiply-add in LP (tests/core/bias/test_clarify_check_step.py).
    assert written.replace("0.02163450699282518", "0.021634506992825184") == real


def test_infinite_and_undefined_values_are_written_as_clarify_does() -> None:
    raw = json.dumps(
        {
            "version": "1.0",
            "post_training_bias_metrics": {
                "label": "y",
                "facets": {
                    "sex": [
                        {
                            "value_or_threshold": "F",
                            "metrics": [
                                {"name": "DCA", "description": "D", "value": "Infinity"},
                                {"name": "DI", "description": "I", "value": "-Infinity"},
                                {"name": "FT", "description": "F", "value": None, "error": "e"},
                            ],
                        }
                    ]
                },
                "label_value_or_threshold": "1",
            },
        },
        indent=4,
    )
    doc = ClarifyAnalysis.from_json(raw)
    values = [m.value for m in doc.to_report().post_training.facets[0].metrics]  # type: ignore[union-attr]
    assert values[:2] == [math.inf, -math.inf] and values[2] is None
    assert doc.to_json() == raw


def test_built_document_has_clarify_s_layout_and_reads_back() -> None:
    report = bias_report(
        [Facet("sex", ["F", "F", "M", "M", "M"], rule_for(["F"] * 2 + ["M"] * 3, ["F"]))],
        Label("approved", ["y", "n", "y", "y", "n"], rule_for(["y"], ["y"])),  # type: ignore[arg-type]
        predicted_label=["y", "y", "y", "n", "n"],
        post_training=["DI", "CDDPL"],
        pre_training=["CI"],
    )
    doc = ClarifyAnalysis.from_report(report)
    data = json.loads(doc.to_json())
    assert list(data) == ["version", "post_training_bias_metrics", "pre_training_bias_metrics"]
    post = data["post_training_bias_metrics"]
    assert list(post) == ["label", "facets", "label_value_or_threshold"]
    assert post["facets"]["sex"][0]["metrics"][0] == {
        "name": "CDDPL",
        "description": "Conditional Demographic Disparity in Predicted Labels (CDDPL)",
        "value": None,
        "error": "Group variable is empty or not provided",
    }
    assert post["facets"]["sex"][0]["metrics"][1] == {
        "name": "DI",
        "description": "Disparate Impact (DI)",
        "value": 3.0,  # q_d = 2/2 over q_a = 1/3
    }
    assert doc.to_json().startswith('{\n    "version": "1.0",\n    "post_training_bias_metrics"')
    again = ClarifyAnalysis.from_json(doc.to_json()).to_report()
    for before, after in zip(report.stages, again.stages, strict=True):
        assert (after.stage, after.label, after.label_value_or_threshold) == (
            before.stage,
            before.label,
            before.label_value_or_threshold,
        )
        assert [(f.facet, f.value_or_threshold, f.metrics) for f in after.facets] == [
            (f.facet, f.value_or_threshold, f.metrics) for f in before.facets
        ]


def test_malformed_analysis_names_the_field() -> None:
    bad = '{"version": "1.0", "pre_training_bias_metrics": {"facets": {"sex": [{"metrics": []}]}}}'
    with pytest.raises(DocumentError) as raised:
        ClarifyAnalysis.from_json(bad, source="analysis.json")
    assert raised.value.path == "analysis.json"
    assert raised.value.field == "pre_training_bias_metrics.facets.sex[0].value_or_threshold"
    with pytest.raises(DocumentError, match="must be a number"):
        ClarifyAnalysis.from_json(
            '{"pre_training_bias_metrics": {"facets": {"s": [{"value_or_threshold": "F", '
            '"metrics": [{"name": "CI", "value": "big"}]}]}}}'
        )


@pytest.mark.parametrize("name", CONFIGS)
def test_real_config_reads_and_round_trips(conformance_dir: Path, name: str) -> None:
    raw = (conformance_dir / name).read_bytes()
    config = AnalysisConfig.from_file(conformance_dir / name)
    assert config.to_json().encode() == raw
    assert config.dataset_type == "text/csv" and config.is_supported_dataset_type
    assert config.label == "fraud" and config.label_values_or_threshold == [0]
    assert config.facet is not None and config.facet[0].name_or_index == "customer_gender_female"
    assert config.facet[0].value_or_threshold == [1]
    assert config.bias_methods("pre_training") == "all"
    assert config.bias_methods("post_training") is None
    assert config.ignored_keys() == ()
    assert config.effective_probability_threshold == 0.5


FULL_CONFIG = {
    "version": "1.0",
    "dataset_type": "application/jsonlines",
    "headers": ["age", "sex", "income", "target"],
    "label": "target",
    "features": "features",
    "label_values_or_threshold": 1,
    "probability_threshold": 0.7,
    "facet": [
        {"name_or_index": "sex", "value_or_threshold": ["F", "X"]},
        {"name_or_index": 0, "value_or_threshold": [40], "color": "red"},
        {"name_or_index": "income"},
    ],
    "group_variable": "age",
    "excluded_columns": ["id"],
    "methods": {
        "pre_training_bias": {"methods": "all"},
        "post_training_bias": {"methods": ["DPPL", "DI"]},
        "shap": {
            "baseline": [[35, "F", 50000]],
            "num_samples": 100,
            "agg_method": "mean_abs",
            "use_logit": False,
            "save_local_shap_values": True,
            "seed": 7,
            "text_config": {"granularity": "token"},
            "future_option": 3,
        },
        "pdp": {"grid_resolution": 10},
        "report": {"name": "report", "title": "Analysis Report"},
    },
    "predictor": {
        "endpoint_name": "credit",
        "content_type": "application/jsonlines",
        "accept_type": "application/jsonlines",
        "content_template": '{"features":$features}',
        "label": "predicted_label",
        "probability": "score",
        "label_headers": ["no", "yes"],
    },
    "time_series_data_config": {"target_time_series": "y"},
    "an_unknown_key": {"nested": True},
}


def test_full_config_reads_every_key_and_lists_what_is_ignored() -> None:
    config = AnalysisConfig.from_dict(FULL_CONFIG)
    assert config.dataset_type == "application/jsonlines"
    assert config.label_values_or_threshold == [1]  # a lone value is a one-element list
    assert config.effective_probability_threshold == 0.7
    assert config.facet is not None
    assert [f.value_or_threshold for f in config.facet] == [["F", "X"], [40], None]
    assert config.bias_methods("post_training") == ["DPPL", "DI"]
    assert config.methods is not None and config.methods.shap is not None
    shap = config.methods.shap
    assert (shap.num_samples, shap.agg_method, shap.use_logit, shap.seed) == (
        100,
        "mean_abs",
        False,
        7,
    )
    assert shap.save_local_shap_values is True and shap.baseline == [[35, "F", 50000]]
    assert config.predictor is not None and config.predictor.label_headers == ["no", "yes"]
    assert config.unknown_keys() == (
        "an_unknown_key",
        "facet[1].color",
        "methods.shap.future_option",
    )
    assert config.unsupported_keys() == (
        "time_series_data_config",
        "methods.pdp",
        "methods.shap.text_config",
    )
    assert set(config.unsupported_keys()) <= set(UNSUPPORTED_KEYS)
    assert config.ignored_keys() == config.unknown_keys() + config.unsupported_keys()
    written = json.loads(config.to_json())
    assert written == {**FULL_CONFIG, "label_values_or_threshold": [1]}


def test_config_values_keep_their_json_types() -> None:
    config = AnalysisConfig.from_dict(
        {"label_values_or_threshold": [True, 1, 1.5, "1"], "facet": [{"name_or_index": "s"}]}
    )
    assert [type(v) for v in config.label_values_or_threshold or []] == [bool, int, float, str]
    assert config.bias_methods("pre_training") is None


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"dataset_type": "text/html"}, "dataset_type"),
        ({"methods": {"shap": {"agg_method": "max"}}}, "methods.shap.agg_method"),
        ({"facet": [{"value_or_threshold": [1]}]}, "facet[0].name_or_index"),
        ({"methods": {"pre_training_bias": {"methods": 3}}}, "methods.pre_training_bias.methods"),
    ],
)
def test_malformed_config_names_the_field(document: dict, field: str) -> None:
    with pytest.raises(DocumentError) as raised:
        AnalysisConfig.from_dict(document, source="analysis_config.json")
    assert raised.value.field is not None and raised.value.field.startswith(field)
    assert raised.value.path == "analysis_config.json"


def test_unsupported_dataset_type_is_read_but_flagged() -> None:
    config = AnalysisConfig.from_dict({"dataset_type": "application/x-image"})
    assert not config.is_supported_dataset_type


def test_bias_violations_document() -> None:
    violation = BiasDriftViolation(
        stage="pre_training",
        facet="Age",
        facet_value="40",
        metric_name="CI",
        baseline_value=0.01,
        live_value=0.0751544567666083,
        fair_value=0.0,
        tolerance=0.0,
    )
    doc = BiasConstraintViolations.from_violations([violation])
    assert json.loads(doc.to_json()) == {
        "version": "1.0",
        "violations": [
            {
                "facet": "Age",
                "facet_value": "40",
                "metric_name": "CI",
                "constraint_check_type": "bias_drift_check",
                "description": "Value 0.0751544567666083 does not meet the constraint requirement",
            }
        ],
    }
    assert BiasConstraintViolations.from_json(doc.to_json()).to_json() == doc.to_json()
