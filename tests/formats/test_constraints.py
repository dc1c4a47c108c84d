"""constraints.json (data quality): every spelling variant, effective settings, errors."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from vigil.errors import DocumentError
from vigil.formats import (
    Constraints,
    DistributionConstraints,
    EffectiveMonitoringConfig,
    FeatureConstraints,
    MonitoringConfig,
    NumConstraints,
    StringConstraints,
)
from vigil.types import InferredType

SUGGESTED_MONITORING_CONFIG: dict[str, Any] = {
    "evaluate_constraints": "Enabled",
    "emit_metrics": "Enabled",
    "datatype_check_threshold": 1.0,
    "domain_content_threshold": 1.0,
    "distribution_constraints": {
        "perform_comparison": "Enabled",
        "comparison_threshold": 0.1,
        "comparison_method": "Robust",
        "categorical_comparison_threshold": 0.1,
        "categorical_drift_method": "LInfinity",
    },
}


def _sdk_test_constraints() -> dict[str, Any]:
    """The shape of SDK-test tests/data/monitor/constraints.json (spec §3.3): SDK-form overrides
    and the older distribution_constraints keys."""
    return {
        "version": 0.0,
        "features": [
            {
                "name": "message",
                "inferred_type": "String",
                "completeness": 1.0,
                "string_constraints": {
                    "domains": ["preproc-not-YET-supported-for-csv-json"],
                    "monitoring_config_overrides": {
                        "evaluate_constraints": "Enabled",
                        "emit_metrics": "Enabled",
                    },
                },
            },
            {
                "name": "second_message",
                "inferred_type": "String",
                "completeness": 1.0,
                "string_constraints": {"domains": ["preproc-not-YET-supported-for-csv-json"]},
            },
        ],
        "monitoring_config": {
            "evaluate_constraints": "Enabled",
            "emit_metrics": "Enabled",
            "distribution_constraints": {
                "enable_comparisons": True,
                "min_domain_mass": 1.0,
                "comparison_threshold": 1.0,
            },
        },
    }


def _dg_constraints() -> dict[str, Any]:
    """The documented schema (spec §3.1): camelCase overrides on the feature."""
    return {
        "version": 0,
        "features": [
            {
                "name": "age",
                "inferred_type": "Integral",
                "completeness": 0.98,
                "num_constraints": {"is_non_negative": True},
                "monitoringConfigOverrides": {
                    "emit_metrics": "Disabled",
                    "distribution_constraints": {
                        "comparison_threshold": 0.3,
                        "comparison_method": "linf_simple",
                    },
                },
            },
            {"name": "city", "inferred_type": "String", "monitoringConfigOverrides": {}},
        ],
        "monitoring_config": {
            "evaluate_constraints": "Enabled",
            "emit_metrics": "Enabled",
            "datatype_check_threshold": 0.1,
            "domain_content_threshold": 0.1,
            "distribution_constraints": {
                "perform_comparison": "Enabled",
                "comparison_threshold": 0.1,
                "comparison_method": "Simple",
                "categorical_comparison_threshold": 0.2,
                "categorical_drift_method": "ChiSquared",
            },
        },
    }


def test_sdk_form_overrides_and_older_keys_round_trip() -> None:
    doc = _sdk_test_constraints()
    constraints = Constraints.from_dict(doc)
    assert constraints.to_dict() == doc
    message = constraints.feature("message")
    assert message is not None
    assert message.string_constraints is not None
    override = message.string_constraints.monitoring_config_overrides
    assert override is not None
    assert override.evaluate_constraints == "Enabled"
    assert message.monitoring_config_overrides is None
    assert constraints.monitoring_config is not None
    dist = constraints.monitoring_config.distribution_constraints
    assert dist is not None
    assert dist.enable_comparisons is True
    assert dist.min_domain_mass == 1.0
    assert dist.comparison_enabled is True
    assert dist.perform_comparison is None


def test_dg_form_overrides_round_trip_under_the_camel_case_key() -> None:
    doc = _dg_constraints()
    constraints = Constraints.from_dict(doc)
    out = constraints.to_dict()
    assert out == doc
    assert "monitoringConfigOverrides" in out["features"][0]
    age = constraints.feature("age")
    assert age is not None
    assert age.monitoring_config_overrides is not None
    assert age.monitoring_config_overrides.emit_metrics == "Disabled"
    assert '"monitoringConfigOverrides" : {\n' in constraints.to_json()
    assert '"monitoringConfigOverrides" : { }' in constraints.to_json()


@pytest.mark.parametrize(
    ("method", "normalised"),
    [
        ("Simple", "Simple"),
        ("Robust", "Robust"),
        ("linf_simple", "Simple"),
        ("linf_robust", "Robust"),
    ],
)
def test_comparison_method_is_kept_as_read_and_normalised(method: str, normalised: str) -> None:
    doc = _dg_constraints()
    doc["monitoring_config"]["distribution_constraints"]["comparison_method"] = method
    constraints = Constraints.from_dict(doc)
    assert constraints.monitoring_config is not None
    dist = constraints.monitoring_config.distribution_constraints
    assert dist is not None
    assert dist.comparison_method == method
    assert dist.normalised_comparison_method == normalised
    assert constraints.effective_config("city").comparison_method == normalised
    assert f'"comparison_method" : "{method}"' in constraints.to_json()


def test_effective_config_merges_file_level_and_both_override_spellings() -> None:
    constraints = Constraints.from_dict(_dg_constraints())
    age = constraints.effective_config("age")
    assert age == EffectiveMonitoringConfig(
        evaluate_constraints=True,
        emit_metrics=False,
        datatype_check_threshold=0.1,
        domain_content_threshold=0.1,
        perform_comparison=True,
        comparison_threshold=0.3,
        comparison_method="Simple",
        categorical_comparison_threshold=0.2,
        categorical_drift_method="ChiSquared",
    )
    city = constraints.effective_config("city")
    assert city.emit_metrics is True
    assert city.comparison_threshold == 0.1
    assert constraints.effective_config("not-a-feature") == constraints.effective_config()

    sdk = Constraints.from_dict(_sdk_test_constraints())
    message = sdk.effective_config("message")
    assert message.evaluate_constraints is True
    assert message.perform_comparison is True  # from enable_comparisons
    assert message.comparison_threshold == 1.0
    # Not set anywhere: categorical threshold follows comparison_threshold (spec §3.2).
    assert message.categorical_comparison_threshold == 1.0
    # Not set anywhere: the suggested values (spec §4.2a).
    assert message.datatype_check_threshold == 1.0
    assert message.comparison_method == "Robust"
    assert message.categorical_drift_method == "LInfinity"


def test_camel_case_overrides_win_over_the_sdk_form() -> None:
    doc = _sdk_test_constraints()
    feature = doc["features"][0]
    feature["string_constraints"]["monitoring_config_overrides"]["evaluate_constraints"] = (
        "Disabled"
    )
    feature["monitoringConfigOverrides"] = {
        "evaluate_constraints": "Enabled",
        "emit_metrics": "Disabled",
    }
    constraints = Constraints.from_dict(doc)
    resolved = constraints.effective_config("message")
    assert resolved.evaluate_constraints is True
    assert resolved.emit_metrics is False
    only_sdk = constraints.effective_config("second_message")
    assert only_sdk.evaluate_constraints is True
    doc["features"][0].pop("monitoringConfigOverrides")
    assert Constraints.from_dict(doc).effective_config("message").evaluate_constraints is False


def test_perform_comparison_wins_over_enable_comparisons() -> None:
    dist = DistributionConstraints(perform_comparison="Disabled", enable_comparisons=True)
    assert dist.comparison_enabled is False
    assert DistributionConstraints().comparison_enabled is None


def test_built_constraints_get_the_suggested_monitoring_config() -> None:
    constraints = Constraints(
        features=[
            FeatureConstraints(
                name="n",
                inferred_type=InferredType.FRACTIONAL,
                completeness=1,
                num_constraints=NumConstraints(is_non_negative=True),
            ),
            FeatureConstraints(
                name="s",
                inferred_type=InferredType.STRING,
                completeness=0.5,
                string_constraints=StringConstraints(domains=["a", "b"]),
            ),
        ]
    )
    assert constraints.to_dict() == {
        "version": 0.0,
        "features": [
            {
                "name": "n",
                "inferred_type": "Fractional",
                "completeness": 1.0,
                "num_constraints": {"is_non_negative": True},
            },
            {
                "name": "s",
                "inferred_type": "String",
                "completeness": 0.5,
                "string_constraints": {"domains": ["a", "b"]},
            },
        ],
        "monitoring_config": SUGGESTED_MONITORING_CONFIG,
    }
    assert MonitoringConfig.suggested().model_dump(mode="json") == SUGGESTED_MONITORING_CONFIG
    assert constraints.effective_config("n") == EffectiveMonitoringConfig()


def test_overrides_can_be_built_by_python_name() -> None:
    feature = FeatureConstraints(
        name="x",
        inferred_type=InferredType.STRING,
        monitoring_config_overrides=MonitoringConfig(evaluate_constraints="Disabled"),
    )
    assert Constraints(features=[feature]).to_dict()["features"][0] == {
        "name": "x",
        "inferred_type": "String",
        "monitoringConfigOverrides": {"evaluate_constraints": "Disabled"},
    }


def test_a_read_document_without_monitoring_config_does_not_gain_one() -> None:
    doc = {"version": 0.0, "features": [{"name": "a", "inferred_type": "Integral"}]}
    constraints = Constraints.from_dict(doc)
    assert constraints.monitoring_config == MonitoringConfig.suggested()  # what applies
    assert constraints.to_dict() == doc
    # ... but a change made to it is written.
    assert constraints.monitoring_config is not None
    constraints.monitoring_config.emit_metrics = "Disabled"
    assert constraints.to_dict()["monitoring_config"]["emit_metrics"] == "Disabled"


def test_unknown_keys_are_preserved() -> None:
    doc = _dg_constraints()
    doc["features"][0]["num_constraints"]["is_integer"] = True
    doc["features"][0]["string_constraints"] = {"domains": ["1", "2"], "regex": "^[0-9]+$"}
    doc["monitoring_config"]["distribution_constraints"]["ks_alpha"] = 0.003
    doc["monitoring_config"]["sampling"] = {"rate": 0.5}
    doc["created_by"] = "someone else"
    constraints = Constraints.from_dict(doc)
    assert constraints.to_dict() == doc
    assert list(constraints.to_dict()) == list(doc)


@pytest.mark.parametrize(
    ("mutate", "field", "fragment"),
    [
        (
            lambda d: d["monitoring_config"]["distribution_constraints"].__setitem__(
                "comparison_method", "KS"
            ),
            "monitoring_config.distribution_constraints.comparison_method",
            "must be 'Simple', 'Robust', 'linf_simple' or 'linf_robust'; got \"KS\" instead",
        ),
        (
            lambda d: d["monitoring_config"].__setitem__("emit_metrics", True),
            "monitoring_config.emit_metrics",
            "must be 'Enabled' or 'Disabled'; got true instead",
        ),
        (
            lambda d: d["features"][0].__setitem__("completeness", "high"),
            "features[0].completeness",
            'must be a number or "NaN"; got "high" instead',
        ),
        (
            lambda d: d["features"][0]["monitoringConfigOverrides"].__setitem__(
                "datatype_check_threshold", [1]
            ),
            "features[0].monitoringConfigOverrides.datatype_check_threshold",
            "got a JSON array instead",
        ),
        (
            lambda d: d["features"][1].pop("name"),
            "features[1].name",
            "is required but missing",
        ),
        (
            lambda d: d.__setitem__("features", "age"),
            "features",
            'must be a JSON array; got "age" instead',
        ),
        (
            lambda d: d["features"][0]["num_constraints"].__setitem__("is_non_negative", "maybe"),
            "features[0].num_constraints.is_non_negative",
            "must be true or false",
        ),
    ],
)
def test_errors_name_the_file_and_the_field_path(mutate: Any, field: str, fragment: str) -> None:
    doc = copy.deepcopy(_dg_constraints())
    mutate(doc)
    with pytest.raises(DocumentError) as info:
        Constraints.from_dict(doc, source="/baseline/constraints.json")
    assert info.value.path == "/baseline/constraints.json"
    assert info.value.field == field
    assert fragment in info.value.message


def test_feature_lookup() -> None:
    constraints = Constraints.from_dict(_dg_constraints())
    age = constraints.feature("age")
    assert age is not None
    assert age.completeness == 0.98
    assert constraints.feature("nope") is None
