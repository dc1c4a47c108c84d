"""A Clarify bias report: chosen metrics for several facets in one call, shaped for analysis.json.

:func:`bias_report` resolves the label, the predicted labels and each facet's sensitive group(s)
(:mod:`vigil.core.bias.facets`), counts every sensitive group once (one ``numpy.bincount`` over
the rows, shared by both stages) and computes the requested metrics. The result mirrors Clarify's
analysis.json (spec clarify.md §2)::

    BiasReport.pre_training / .post_training        pre_training_bias_metrics / post_training_…
      StageReport.label, .label_value_or_threshold     "label", "label_value_or_threshold"
      StageReport.facets: FacetReport, …             "facets": {facet: [{value_or_threshold, …}]}
        FacetReport.metrics: MetricResult, …          "metrics": [{name, description, value}]

Metrics are sorted by name, as Clarify writes them; an undefined metric is an entry with
``value`` None and Clarify's ``error`` text. :func:`compute_metrics` computes metrics on counts
already at hand (a monitor that merged its partitions' :class:`~vigil.core.bias.counts.BiasCounts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from vigil.core.bias.counts import (
    BiasCounts,
    BiasData,
    BoolArray,
    FlipTestData,
    GroupCodes,
    group_codes,
    row_codes,
)
from vigil.core.bias.facets import (
    Column,
    GroupRule,
    positive_labels,
    predicted_positive,
    sensitive_groups,
)
from vigil.core.bias.registry import get_metric, metrics_of_stage
from vigil.core.bias.result import MetricResult, Stage
from vigil.errors import InvalidParameterError

__all__ = [
    "BiasReport",
    "Facet",
    "FacetReport",
    "Label",
    "MetricSelection",
    "StageReport",
    "bias_report",
    "compute_metrics",
]

MetricSelection = Literal["all"] | Sequence[str]
"""``"all"`` or Clarify short names, as in ``methods.pre_training_bias.methods``."""


@dataclass(frozen=True, eq=False)
class Facet:
    """One facet to analyse (an entry of the config's ``facet`` list).

    Attributes
    ----------
    name : str
        The facet's name in analysis.json (``name_or_index``).
    column : array-like or pyarrow.Array of shape (n_rows,)
        The facet column.
    rule : Values, Threshold or None, default=None
        The sensitive group; None analyses each distinct value against the rest.
    """

    name: str
    column: Column
    rule: GroupRule | None = None


@dataclass(frozen=True, eq=False)
class Label:
    """The label column and what a positive label is.

    Attributes
    ----------
    name : str
        The label's name in analysis.json.
    column : array-like or pyarrow.Array of shape (n_rows,)
        The observed labels (ground truth).
    rule : Values or Threshold
        Positive label values, or the threshold above which a label is positive.
    """

    name: str
    column: Column
    rule: GroupRule


@dataclass(frozen=True)
class FacetReport:
    """The metrics of one sensitive group of one facet (one entry of ``facets[name]``).

    Attributes
    ----------
    facet : str
        The facet's name.
    value_or_threshold : str
        Clarify's text of the sensitive group (``"Female"``, ``"(40, 75]"``).
    metrics : tuple of MetricResult
        Sorted by name.
    n_sensitive, n_rest : int or None
        Rows in the sensitive group *d* and in the rest *a* (not written to analysis.json; None
        for a report read from a file). A monitor compares them with its minimum facet size.
    """

    facet: str
    value_or_threshold: str
    metrics: tuple[MetricResult, ...]
    n_sensitive: int | None = None
    n_rest: int | None = None

    def metric(self, name: str) -> MetricResult | None:
        """The result of metric ``name``, or None if it was not computed."""
        return next((m for m in self.metrics if m.name == name), None)


@dataclass(frozen=True)
class StageReport:
    """``pre_training_bias_metrics`` or ``post_training_bias_metrics``.

    Attributes
    ----------
    stage : {"pre_training", "post_training"}
    label : str
        The label's name.
    label_value_or_threshold : str
        Clarify's text of the positive label values or threshold.
    facets : tuple of FacetReport
        In the order of the facets given, each facet's sensitive groups in turn.
    """

    stage: Stage
    label: str
    label_value_or_threshold: str
    facets: tuple[FacetReport, ...]

    def for_facet(self, name: str) -> tuple[FacetReport, ...]:
        """The reports of facet ``name``, in order."""
        return tuple(r for r in self.facets if r.facet == name)


@dataclass(frozen=True)
class BiasReport:
    """Both stages of a bias analysis; a stage not computed is None."""

    pre_training: StageReport | None = None
    post_training: StageReport | None = None

    @property
    def stages(self) -> tuple[StageReport, ...]:
        """The stages present, pre-training first."""
        return tuple(s for s in (self.pre_training, self.post_training) if s is not None)


def compute_metrics(data: BiasData, names: Sequence[str]) -> tuple[MetricResult, ...]:
    """Compute registered metrics on one facet's data, in the order given.

    Parameters
    ----------
    data : BiasData
        One sensitive group's counts (and rows, for FT).
    names : sequence of str
        Clarify short names.

    Raises
    ------
    InvalidParameterError
        If a name is unknown, or ``data`` lacks labels or predictions a metric needs.

    Examples
    --------
    >>> data = BiasData.from_arrays([True, False, False], label=[True, False, True])
    >>> [(m.name, m.value) for m in compute_metrics(data, ["CI", "DPL"])]
    [('CI', 0.3333333333333333), ('DPL', -0.5)]
    """
    return tuple(get_metric(name).compute(data) for name in names)


def _check_length(n: int, values: object, name: str) -> None:
    size = len(values)  # type: ignore[arg-type]
    if size != n:
        raise InvalidParameterError(
            f"{name} of bias_report must have one value per row ({n}). Got {size} instead.",
            field=name,
        )


def bias_report(
    facets: Sequence[Facet],
    label: Label,
    *,
    predicted_label: Column | None = None,
    predicted_positive_mask: BoolArray | None = None,
    group_variable: Column | None = None,
    features: Mapping[str, Column] | None = None,
    pre_training: MetricSelection | None = "all",
    post_training: MetricSelection | None = None,
    flip_test_workers: int = 1,
) -> BiasReport:
    """Compute Clarify's bias metrics for several facets in one pass over the counts.

    Parameters
    ----------
    facets : sequence of Facet
        The facets, each with its column and sensitive-group rule.
    label : Label
        The observed labels and what is positive.
    predicted_label : array-like or pyarrow.Array of shape (n_rows,), optional
        The model's predicted labels, made positive by ``label.rule`` (Clarify's rule). Use
        :func:`~vigil.core.bias.facets.predicted_labels_from_probability` first for scores.
    predicted_positive_mask : ndarray of bool, shape (n_rows,), optional
        Already-resolved positive predictions, instead of ``predicted_label``.
    group_variable : array-like or pyarrow.Array of shape (n_rows,), optional
        CDDL's and CDDPL's subgroups; every distinct value is a group. Without it both are
        undefined ("Group variable is empty or not provided").
    features : mapping of str to column, optional
        FT's features (Clarify: every column but the facet, label and predicted label).
    pre_training, post_training : "all", sequence of str or None
        Metrics of each stage; None skips the stage. Post-training needs predictions.
    flip_test_workers : int, default=1
        Threads for FT's nearest-neighbour queries (-1: every core).

    Returns
    -------
    BiasReport

    Raises
    ------
    InvalidParameterError
        If lengths differ, a metric name is unknown, both or (for post-training) neither
        prediction argument is given, or a facet's rule does not fit its column.

    Examples
    --------
    >>> from vigil.core.bias.facets import Values
    >>> report = bias_report(
    ...     [Facet("sex", ["F", "F", "M", "M", "M"], Values(("F",)))],
    ...     Label("approved", [1, 0, 1, 1, 0], Values((1,))),
    ...     predicted_label=[1, 0, 1, 1, 1],
    ...     pre_training=["CI", "DPL"], post_training=["DI"],
    ... )
    >>> pre = report.pre_training
    >>> pre.label_value_or_threshold, pre.facets[0].value_or_threshold
    ('1', 'F')
    >>> [(m.name, round(m.value, 4)) for m in pre.facets[0].metrics]
    [('CI', 0.2), ('DPL', 0.1667)]
    >>> report.post_training.facets[0].metric("DI").value
    0.5
    """
    if predicted_label is not None and predicted_positive_mask is not None:
        raise InvalidParameterError(
            "bias_report takes predicted_label or predicted_positive_mask, not both.",
            field="predicted_label",
        )
    pre_names = () if pre_training is None else metrics_of_stage("pre_training", pre_training)
    post_names = () if post_training is None else metrics_of_stage("post_training", post_training)
    positive = positive_labels(label.column, label.rule)
    n = positive.mask.shape[0]
    predicted: BoolArray | None = None
    if predicted_positive_mask is not None:
        predicted = np.asarray(predicted_positive_mask)
        if predicted.dtype != np.bool_:
            raise InvalidParameterError(
                "predicted_positive_mask of bias_report must be boolean. "
                f"Got dtype {predicted.dtype} instead.",
                field="predicted_positive_mask",
            )
    elif predicted_label is not None:
        _check_length(n, predicted_label, "predicted_label")
        predicted = predicted_positive(predicted_label, label=label.column, rule=label.rule)
    if predicted is not None:
        _check_length(n, predicted, "predicted_label")
    if post_names and predicted is None:
        raise InvalidParameterError(
            "bias_report needs predicted_label or predicted_positive_mask for post-training "
            "metrics. Got neither.",
            field="predicted_label",
        )
    codes: GroupCodes | None = None
    if group_variable is not None:
        _check_length(n, group_variable, "group_variable")
        codes = group_codes(group_variable)
    base = row_codes(n, label=positive.mask, predicted=predicted, group=codes)
    matrix: NDArray[np.float64] | None = None
    non_numeric: tuple[str, ...] = ()
    if "FT" in post_names:
        columns = dict(features or {})
        for name, column in columns.items():
            _check_length(n, column, f"features[{name!r}]")
        matrix, non_numeric = FlipTestData.feature_matrix(columns)
        if matrix.shape[0] != n:
            matrix = np.empty((n, 0), dtype=np.float64)

    pre_reports: list[FacetReport] = []
    post_reports: list[FacetReport] = []
    for facet in facets:
        _check_length(n, facet.column, f"facet {facet.name!r}")
        for group in sensitive_groups(facet.column, facet.rule):
            counts = BiasCounts.from_row_codes(
                base,
                group.mask,
                groups=None if codes is None else codes.values,
                has_labels=True,
                has_predictions=predicted is not None,
            )
            flip = None
            if matrix is not None and predicted is not None:
                flip = FlipTestData(
                    matrix, group.mask, predicted, non_numeric, workers=flip_test_workers
                )
            data = BiasData(counts, flip)
            n_rest, n_sensitive = counts.facet_sizes()
            for names, reports in ((pre_names, pre_reports), (post_names, post_reports)):
                if names:
                    reports.append(
                        FacetReport(
                            facet.name,
                            group.value_or_threshold,
                            compute_metrics(data, names),
                            n_sensitive=n_sensitive,
                            n_rest=n_rest,
                        )
                    )
    text = positive.value_or_threshold
    return BiasReport(
        pre_training=(
            StageReport("pre_training", label.name, text, tuple(pre_reports))
            if pre_training is not None
            else None
        ),
        post_training=(
            StageReport("post_training", label.name, text, tuple(post_reports))
            if post_training is not None
            else None
        ),
    )
