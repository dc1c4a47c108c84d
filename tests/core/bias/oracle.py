"""smclarify (aws/amazon-sagemaker-clarify 0.5) as the independent implementation of the metrics.

Two ways in, both following spec clarify.md §0 to stay clear of smclarify's traps:

* :func:`smclarify_metric` calls one metric function directly with boolean pandas Series (no
  dtype sniffing);
* :func:`smclarify_report` runs ``report.bias_report`` on a DataFrame whose facet, label and group
  columns are ``category`` (pandas 3's string dtype and the integer "uniqueness" rule would
  otherwise change what smclarify computes).

Undefined metrics come back as :class:`~vigil.core.bias.result.Undefined` with smclarify's error
text, so they compare equal to Vigil's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import smclarify.bias.metrics as clarify_metrics
from smclarify.bias import report as clarify_report

from vigil.core.bias import MetricValue, Undefined

logging.getLogger("smclarify").setLevel(logging.CRITICAL)


def smclarify_metric(
    name: str,
    *,
    sensitive: np.ndarray,
    label: np.ndarray | None = None,
    predicted: np.ndarray | None = None,
    group: np.ndarray | None = None,
    features: Mapping[str, np.ndarray] | None = None,
) -> MetricValue:
    """smclarify's value of metric ``name`` on boolean masks (Undefined for its ValueErrors)."""
    n = len(sensitive)
    facet = pd.Series(np.asarray(sensitive, dtype=bool))
    positive = pd.Series(np.zeros(n, dtype=bool) if label is None else np.asarray(label, bool))
    predicted_positive = pd.Series(
        np.zeros(n, dtype=bool) if predicted is None else np.asarray(predicted, bool)
    )
    kwargs: dict[str, Any] = {
        "feature": pd.Series(np.arange(n)),
        "sensitive_facet_index": facet,
        "label": positive,
        "positive_label_index": positive,
        "positive_predicted_label_index": predicted_positive,
        "group_variable": None if group is None else pd.Series(group),
        "df": pd.DataFrame(dict(features or {})),
    }
    try:
        value = clarify_metrics.call_metric(getattr(clarify_metrics, name), **kwargs)
    except ValueError as exc:
        return Undefined(str(exc))
    return float(value) if not isinstance(value, int) else value


def smclarify_report(
    frame: pd.DataFrame,
    *,
    facet: str,
    facet_values: Sequence[Any] | None,
    label: str,
    label_values: Sequence[Any],
    stage: str,
    predicted: str | None = None,
    group: pd.Series | None = None,
    metrics: Sequence[str] = ("all",),
) -> list[dict[str, Any]]:
    """``smclarify.bias.report.bias_report`` (the FacetReport dicts it returns)."""
    stage_type = (
        clarify_report.StageType.PRE_TRAINING
        if stage == "pre_training"
        else clarify_report.StageType.POST_TRAINING
    )
    predicted_column = None
    if predicted is not None:
        predicted_column = clarify_report.LabelColumn(predicted, frame[predicted])
    return clarify_report.bias_report(
        frame,
        clarify_report.FacetColumn(facet, None if facet_values is None else list(facet_values)),
        clarify_report.LabelColumn(label, frame[label], list(label_values)),
        stage_type,
        predicted_column,
        metrics=list(metrics),
        group_variable=group,
    )
