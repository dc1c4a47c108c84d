"""Clarify's ``analysis_config.json``, as users and the SageMaker SDK write it.

Keys (spec clarify.md §2; SDK ``clarify.py`` ``ANALYSIS_CONFIG_SCHEMA_V1_0``)::

    {"dataset_type": "text/csv", "headers": [...], "label": "target",
     "label_values_or_threshold": [1], "probability_threshold": 0.5,
     "facet": [{"name_or_index": "Gender", "value_or_threshold": [0]}],
     "group_variable": "Region",
     "methods": {"pre_training_bias": {"methods": "all"},
                 "post_training_bias": {"methods": ["DPPL", "DI"]},
                 "shap": {"baseline": [[...]], "num_samples": 100, "agg_method": "mean_abs",
                          "use_logit": false, "save_local_shap_values": true},
                 "report": {"name": "report", "title": "Analysis Report"}},
     "predictor": {"endpoint_name": "...", "content_type": "text/csv", "probability": 0}}

The bias monitor's config (``BiasAnalysisConfig``) and the explainability monitor's are subsets of
this one, so every key is optional here; a job checks what it needs. Reading is tolerant: a key
this model does not know is kept, written back, and listed by :meth:`AnalysisConfig.unknown_keys`;
Clarify keys Vigil does not act on (time series, segments, PDP, text and image explanations,
separate facet or predicted-label datasets) are read and listed by
:meth:`AnalysisConfig.unsupported_keys`. Neither is an error: :meth:`AnalysisConfig.ignored_keys`
gives both for a job to report.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator

from vigil.formats._document import Document, SageMakerModel

__all__ = [
    "DATASET_TYPES",
    "SUPPORTED_DATASET_TYPES",
    "UNSUPPORTED_KEYS",
    "AggMethod",
    "AnalysisConfig",
    "BiasMethods",
    "ConfigValue",
    "DatasetType",
    "FacetConfig",
    "Methods",
    "PredictorConfig",
    "ReportConfig",
    "ShapConfig",
]

DatasetType = Literal[
    "text/csv",
    "application/jsonlines",
    "application/json",
    "application/sagemakercapturejson",
    "application/x-parquet",
    "application/x-image",
]
"""Clarify's ``dataset_type`` values."""

DATASET_TYPES: tuple[str, ...] = (
    "text/csv",
    "application/jsonlines",
    "application/json",
    "application/sagemakercapturejson",
    "application/x-parquet",
    "application/x-image",
)
"""Every ``dataset_type`` Clarify accepts."""

SUPPORTED_DATASET_TYPES: tuple[str, ...] = (
    "text/csv",
    "application/jsonlines",
    "application/x-parquet",
)
"""The ``dataset_type`` values Vigil reads."""

AggMethod = Literal["mean_abs", "median", "mean_sq"]
"""How KernelSHAP values are aggregated into global ones."""

ConfigValue = bool | int | float | str
"""A facet or label value as written in the config (kept with its JSON type)."""


def _as_list(value: Any) -> Any:
    """A lone value where Clarify expects a list is read as a one-element list."""
    if value is None or isinstance(value, list):
        return value
    return [value]


ValueList = Annotated[list[ConfigValue], BeforeValidator(_as_list)]


class FacetConfig(SageMakerModel):
    """One ``facet`` entry.

    Attributes
    ----------
    name_or_index : str or int
        The facet column's header, or its 0-based index.
    value_or_threshold : list or None
        Sensitive values, or one threshold (values above it are sensitive); absent: every value
        against the rest. Which of the two is decided from the column
        (:func:`vigil.core.bias.facets.rule_for`).
    """

    name_or_index: str | int
    value_or_threshold: ValueList | None = None


class BiasMethods(SageMakerModel):
    """``methods.pre_training_bias`` / ``post_training_bias``: ``{"methods": "all" | [...]}``."""

    methods: Literal["all"] | list[str] = "all"


class ShapConfig(SageMakerModel):
    """``methods.shap``: KernelSHAP settings (spec clarify.md §5).

    Attributes
    ----------
    baseline : str, list of rows or dict, optional
        An S3 URI or file, inline rows, or a JSON object; absent: a K-means baseline.
    num_clusters : int, optional
        K for the automatic baseline.
    num_samples : int, optional
        Coalitions sampled per explained row.
    agg_method : {"mean_abs", "median", "mean_sq"}, optional
        Aggregation into global SHAP values (default mean_abs).
    use_logit : bool, optional
        SHAP values in log-odds.
    save_local_shap_values : bool, optional
        Also write per-row values (``explanations_shap/out.csv``).
    seed : int, optional
    features_to_explain : list, optional
    text_config, image_config : dict, optional
        Text and image explanations (not supported by Vigil).
    """

    baseline: str | list[Any] | dict[str, Any] | None = None
    num_clusters: int | None = None
    num_samples: int | None = None
    agg_method: AggMethod | None = None
    use_logit: bool | None = None
    save_local_shap_values: bool | None = None
    seed: int | None = None
    features_to_explain: list[str | int] | None = None
    text_config: dict[str, Any] | None = None
    image_config: dict[str, Any] | None = None


class ReportConfig(SageMakerModel):
    """``methods.report``: the rendered report's file name and title."""

    name: str | None = None
    title: str | None = None


class Methods(SageMakerModel):
    """``methods``: which analyses to run."""

    pre_training_bias: BiasMethods | None = None
    post_training_bias: BiasMethods | None = None
    shap: ShapConfig | None = None
    pdp: dict[str, Any] | None = None
    asymmetric_shapley_value: dict[str, Any] | None = None
    report: ReportConfig | None = None


class PredictorConfig(SageMakerModel):
    """``predictor``: the model to query (Vigil: an endpoint) and how to read its output.

    Attributes
    ----------
    endpoint_name, model_name : str, optional
        An existing endpoint, or a model to serve on a shadow endpoint.
    content_type, accept_type : str, optional
        Request and response MIME types.
    content_template, record_template : str, optional
        JSON request templates (``$features``, ``$record``).
    label, probability : str or int, optional
        Index or JMESPath of the predicted label / of the score(s) in the response.
    label_headers : list of str, optional
        Names of the model's outputs (replace ``label0`` … in explanations).
    """

    endpoint_name: str | None = None
    endpoint_name_prefix: str | None = None
    model_name: str | None = None
    instance_type: str | None = None
    initial_instance_count: int | None = None
    target_model: str | None = None
    content_type: str | None = None
    accept_type: str | None = None
    content_template: str | None = None
    record_template: str | None = None
    custom_attributes: str | None = None
    label: str | int | None = None
    probability: str | int | None = None
    label_headers: list[str] | None = None


UNSUPPORTED_KEYS: tuple[str, ...] = (
    "facet_dataset_uri",
    "facet_headers",
    "predicted_label_dataset_uri",
    "predicted_label_headers",
    "joinsource_name_or_index",
    "segment_config",
    "time_series_data_config",
    "methods.pdp",
    "methods.asymmetric_shapley_value",
    "methods.shap.text_config",
    "methods.shap.image_config",
)
"""Clarify keys Vigil reads and keeps but does not act on."""


class AnalysisConfig(Document):
    """A Clarify ``analysis_config.json`` (processing job, bias monitor or explainability monitor).

    Every key is optional (see the module docstring); ``label_values_or_threshold`` and
    ``value_or_threshold`` accept a lone value for a one-element list.

    Examples
    --------
    >>> config = AnalysisConfig.from_json('{"dataset_type": "text/csv", "label": "fraud", '
    ...     '"label_values_or_threshold": [0], "facet": [{"name_or_index": "gender", '
    ...     '"value_or_threshold": [1]}], "methods": {"pre_training_bias": {"methods": "all"}}, '
    ...     '"mystery": 1}')
    >>> config.bias_methods("pre_training"), config.bias_methods("post_training")
    ('all', None)
    >>> config.ignored_keys()
    ('mystery',)
    >>> config.to_json()[:40]
    '{"dataset_type": "text/csv", "label": "f'
    """

    version: str | None = None
    dataset_type: DatasetType | None = None
    dataset_uri: str | None = None
    headers: list[str] | None = None
    label: str | int | None = None
    predicted_label: str | int | None = None
    features: str | None = None
    label_values_or_threshold: ValueList | None = None
    probability_threshold: float | None = None
    facet: list[FacetConfig] | None = None
    group_variable: str | int | None = None
    excluded_columns: list[str | int] | None = None
    joinsource_name_or_index: str | int | None = None
    facet_dataset_uri: str | None = None
    facet_headers: list[str] | None = None
    predicted_label_dataset_uri: str | None = None
    predicted_label_headers: list[str] | None = None
    segment_config: list[Any] | dict[str, Any] | None = None
    time_series_data_config: dict[str, Any] | None = None
    methods: Methods | None = None
    predictor: PredictorConfig | None = None

    def to_json(self) -> str:
        """One line, as the SDK's ``json.dump`` writes it."""
        return json.dumps(self.to_dict(), allow_nan=False)

    @property
    def effective_probability_threshold(self) -> float:
        """``probability_threshold``, or Clarify's default 0.5."""
        return 0.5 if self.probability_threshold is None else self.probability_threshold

    @property
    def is_supported_dataset_type(self) -> bool:
        """Whether Vigil reads this ``dataset_type`` (CSV, JSON Lines, Parquet; absent = CSV)."""
        return self.dataset_type is None or self.dataset_type in SUPPORTED_DATASET_TYPES

    def bias_methods(
        self, stage: Literal["pre_training", "post_training"]
    ) -> str | list[str] | None:
        """``"all"``, the list of metric names, or None when the stage is not requested."""
        if self.methods is None:
            return None
        chosen = (
            self.methods.pre_training_bias
            if stage == "pre_training"
            else self.methods.post_training_bias
        )
        return None if chosen is None else chosen.methods

    def unknown_keys(self) -> tuple[str, ...]:
        """Dotted paths of keys no model here declares (``methods.shap.foo``, ``facet[0].x``)."""
        return tuple(_unknown(self, ""))

    def unsupported_keys(self) -> tuple[str, ...]:
        """Known Clarify keys present in this config that Vigil does not act on."""
        present = []
        for path in UNSUPPORTED_KEYS:
            node: Any = self
            for part in path.split("."):
                node = getattr(node, part, None) if isinstance(node, BaseModel) else None
            if node is not None:
                present.append(path)
        return tuple(present)

    def ignored_keys(self) -> tuple[str, ...]:
        """Everything a job reports as ignored: unknown keys, then unsupported ones."""
        return self.unknown_keys() + self.unsupported_keys()


def _unknown(model: BaseModel, prefix: str) -> list[str]:
    found = [f"{prefix}{key}" for key in model.model_extra or {}]
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            found.extend(_unknown(value, f"{prefix}{name}."))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    found.extend(_unknown(item, f"{prefix}{name}[{index}]."))
    return found
