"""``constraints.json`` for data quality: spec §3 (schema, options) and §4.2a (suggested values).

Reading accepts every spelling seen in the docs, the SDK and real files:

* per-feature overrides as ``monitoringConfigOverrides`` on the feature (the documented schema) or
  as ``string_constraints.monitoring_config_overrides`` (what the SDK's ``set_monitoring`` writes);
* ``comparison_method`` as ``Simple``, ``Robust``, ``linf_simple`` or ``linf_robust`` (kept as read;
  :attr:`DistributionConstraints.normalised_comparison_method` gives ``Simple``/``Robust``);
* the older ``distribution_constraints`` keys ``enable_comparisons`` (bool) and ``min_domain_mass``.

:meth:`Constraints.effective_config` resolves what applies to one feature.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, Literal

from pydantic import Field

from vigil.formats._document import Document, JsonFloat, SageMakerModel
from vigil.types import InferredType

__all__ = [
    "CategoricalDriftMethod",
    "ComparisonMethod",
    "Constraints",
    "DistributionConstraints",
    "EffectiveMonitoringConfig",
    "FeatureConstraints",
    "MonitoringConfig",
    "NumConstraints",
    "StringConstraints",
    "Toggle",
]

Toggle = Literal["Enabled", "Disabled"]
"""An on/off switch as SageMaker spells it."""

ComparisonMethod = Literal["Simple", "Robust", "linf_simple", "linf_robust"]
"""L-infinity drift variant; the docs use both spellings (spec §3.2)."""

CategoricalDriftMethod = Literal["LInfinity", "ChiSquared"]
"""Drift method for String features (spec §3.2)."""

_NORMALISED_METHOD: dict[str, Literal["Simple", "Robust"]] = {
    "Simple": "Simple",
    "linf_simple": "Simple",
    "Robust": "Robust",
    "linf_robust": "Robust",
}


class DistributionConstraints(SageMakerModel):
    """``monitoring_config.distribution_constraints`` (or the same block inside an override).

    Attributes
    ----------
    perform_comparison : {"Enabled", "Disabled"} or None
        Whether to run the drift check (``baseline_drift_check``).
    comparison_threshold : float or None
        Largest allowed L-infinity distance for numeric features, in [0, 1].
    comparison_method : {"Simple", "Robust", "linf_simple", "linf_robust"} or None
        Kept as read; see :attr:`normalised_comparison_method`.
    categorical_comparison_threshold : float or None
        Threshold for String features; defaults to ``comparison_threshold``.
    categorical_drift_method : {"LInfinity", "ChiSquared"} or None
    enable_comparisons : bool or None
        Older spelling of ``perform_comparison`` (SDK test data, spec §3.3).
    min_domain_mass : float or None
        Older, undocumented key; kept but not interpreted.
    """

    perform_comparison: Toggle | None = None
    comparison_threshold: JsonFloat | None = None
    comparison_method: ComparisonMethod | None = None
    categorical_comparison_threshold: JsonFloat | None = None
    categorical_drift_method: CategoricalDriftMethod | None = None
    enable_comparisons: bool | None = None
    min_domain_mass: JsonFloat | None = None

    @property
    def normalised_comparison_method(self) -> Literal["Simple", "Robust"] | None:
        """``comparison_method`` as ``"Simple"`` or ``"Robust"`` (``linf_*`` mapped), or None."""
        if self.comparison_method is None:
            return None
        return _NORMALISED_METHOD[self.comparison_method]

    @property
    def comparison_enabled(self) -> bool | None:
        """``perform_comparison`` (or the older ``enable_comparisons``) as a bool; None if unset."""
        if self.perform_comparison is not None:
            return self.perform_comparison == "Enabled"
        return self.enable_comparisons


class MonitoringConfig(SageMakerModel):
    """``monitoring_config`` at file level, and the shape of per-feature overrides (spec §3.1–3.3).

    Every key is optional: what is absent is taken from the level below (see
    :meth:`Constraints.effective_config`). :meth:`suggested` gives what the real analyzer writes.

    Attributes
    ----------
    evaluate_constraints, emit_metrics : {"Enabled", "Disabled"} or None
    datatype_check_threshold : float or None
        Required fraction in [0, 1] of non-null values whose type matches the baseline (§4.2a).
    domain_content_threshold : float or None
        Required fraction in [0, 1] of String values inside ``string_constraints.domains``.
    distribution_constraints : DistributionConstraints or None
    """

    evaluate_constraints: Toggle | None = None
    emit_metrics: Toggle | None = None
    datatype_check_threshold: JsonFloat | None = None
    domain_content_threshold: JsonFloat | None = None
    distribution_constraints: DistributionConstraints | None = None

    @classmethod
    def suggested(cls) -> MonitoringConfig:
        """The block the real analyzer writes when it suggests constraints (spec §4.2a).

        Examples
        --------
        >>> MonitoringConfig.suggested().distribution_constraints.comparison_method
        'Robust'
        """
        return cls(
            evaluate_constraints="Enabled",
            emit_metrics="Enabled",
            datatype_check_threshold=1.0,
            domain_content_threshold=1.0,
            distribution_constraints=DistributionConstraints(
                perform_comparison="Enabled",
                comparison_threshold=0.1,
                comparison_method="Robust",
                categorical_comparison_threshold=0.1,
                categorical_drift_method="LInfinity",
            ),
        )


class NumConstraints(SageMakerModel):
    """``num_constraints``: ``is_non_negative`` is true if the baseline minimum was ≥ 0."""

    is_non_negative: bool | None = None


class StringConstraints(SageMakerModel):
    """``string_constraints``: the allowed ``domains`` and the SDK's spelling of overrides."""

    domains: list[str] | None = None
    monitoring_config_overrides: MonitoringConfig | None = None


class FeatureConstraints(SageMakerModel):
    """The constraints of one feature (spec §3.1).

    Attributes
    ----------
    name : str
    inferred_type : InferredType
        The baseline type the ``data_type_check`` compares with.
    completeness : float or None
        Minimum fraction in [0, 1] of non-null values (``completeness_check``).
    num_constraints : NumConstraints or None
    string_constraints : StringConstraints or None
    monitoring_config_overrides : MonitoringConfig or None
        The JSON key ``monitoringConfigOverrides`` (the documented, camelCase form).
    """

    name: str
    inferred_type: InferredType
    completeness: JsonFloat | None = None
    num_constraints: NumConstraints | None = None
    string_constraints: StringConstraints | None = None
    monitoring_config_overrides: MonitoringConfig | None = Field(
        default=None,
        validation_alias="monitoringConfigOverrides",
        serialization_alias="monitoringConfigOverrides",
    )

    @property
    def overrides(self) -> list[MonitoringConfig]:
        """The override blocks present, lowest precedence first: the SDK form, then the DG form."""
        found = []
        sdk_form = self.string_constraints
        if sdk_form is not None and sdk_form.monitoring_config_overrides is not None:
            found.append(sdk_form.monitoring_config_overrides)
        if self.monitoring_config_overrides is not None:
            found.append(self.monitoring_config_overrides)
        return found


@dataclass(frozen=True)
class EffectiveMonitoringConfig:
    """The monitoring settings that apply to one feature, every value resolved.

    Defaults are what the real analyzer suggests (spec §4.2a), and
    ``categorical_comparison_threshold`` defaults to ``comparison_threshold`` (spec §3.2).
    """

    evaluate_constraints: bool = True
    emit_metrics: bool = True
    datatype_check_threshold: float = 1.0
    domain_content_threshold: float = 1.0
    perform_comparison: bool = True
    comparison_threshold: float = 0.1
    comparison_method: Literal["Simple", "Robust"] = "Robust"
    categorical_comparison_threshold: float = 0.1
    categorical_drift_method: CategoricalDriftMethod = "LInfinity"


def _apply(
    base: EffectiveMonitoringConfig, layer: MonitoringConfig, categorical_set: bool
) -> tuple[EffectiveMonitoringConfig, bool]:
    config = base
    if layer.evaluate_constraints is not None:
        config = replace(config, evaluate_constraints=layer.evaluate_constraints == "Enabled")
    if layer.emit_metrics is not None:
        config = replace(config, emit_metrics=layer.emit_metrics == "Enabled")
    if layer.datatype_check_threshold is not None:
        config = replace(config, datatype_check_threshold=layer.datatype_check_threshold)
    if layer.domain_content_threshold is not None:
        config = replace(config, domain_content_threshold=layer.domain_content_threshold)
    dist = layer.distribution_constraints
    if dist is None:
        return config, categorical_set
    if dist.comparison_enabled is not None:
        config = replace(config, perform_comparison=dist.comparison_enabled)
    if dist.comparison_threshold is not None:
        config = replace(config, comparison_threshold=dist.comparison_threshold)
    if dist.normalised_comparison_method is not None:
        config = replace(config, comparison_method=dist.normalised_comparison_method)
    if dist.categorical_comparison_threshold is not None:
        config = replace(
            config, categorical_comparison_threshold=dist.categorical_comparison_threshold
        )
        categorical_set = True
    if dist.categorical_drift_method is not None:
        config = replace(config, categorical_drift_method=dist.categorical_drift_method)
    return config, categorical_set


class Constraints(Document):
    """A data-quality ``constraints.json`` document (spec §3).

    Attributes
    ----------
    version : float, default=0.0
    features : list of FeatureConstraints
    monitoring_config : MonitoringConfig or None, default=MonitoringConfig.suggested()
        File-level settings. When a file read has none, this holds the suggested block (which is
        what applies) but nothing is written back.

    Examples
    --------
    >>> doc = Constraints.from_dict({"features": [{"name": "a", "inferred_type": "String",
    ...     "string_constraints": {"monitoring_config_overrides": {"evaluate_constraints": "Disabled"}}}],
    ...     "monitoring_config": {"distribution_constraints": {"comparison_method": "linf_simple"}}})
    >>> cfg = doc.effective_config("a")
    >>> cfg.evaluate_constraints, cfg.comparison_method, cfg.comparison_threshold
    (False, 'Simple', 0.1)
    """

    _kinds: ClassVar[frozenset[str]] = frozenset({"constraints"})

    version: JsonFloat = 0.0
    features: list[FeatureConstraints] = Field(default_factory=list)
    monitoring_config: MonitoringConfig | None = Field(default_factory=MonitoringConfig.suggested)

    def feature(self, name: str) -> FeatureConstraints | None:
        """The first feature called ``name``, or None if there is none."""
        return next((f for f in self.features if f.name == name), None)

    def effective_config(self, feature_name: str | None = None) -> EffectiveMonitoringConfig:
        """Resolve the settings that apply to one feature.

        Layers, lowest precedence first: the defaults of :class:`EffectiveMonitoringConfig`, the
        file's ``monitoring_config``, the feature's ``string_constraints.monitoring_config_overrides``
        (SDK form), then its ``monitoringConfigOverrides`` (documented form).

        Parameters
        ----------
        feature_name : str, optional
            A feature; if None or not listed in this document, the file-level settings are returned.
        """
        layers = [] if self.monitoring_config is None else [self.monitoring_config]
        feature = self.feature(feature_name) if feature_name is not None else None
        if feature is not None:
            layers.extend(feature.overrides)
        config, categorical_set = EffectiveMonitoringConfig(), False
        for layer in layers:
            config, categorical_set = _apply(config, layer, categorical_set)
        if not categorical_set:
            config = replace(config, categorical_comparison_threshold=config.comparison_threshold)
        return config
