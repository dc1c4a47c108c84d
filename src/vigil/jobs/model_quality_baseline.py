"""The model-quality baseline: a model's metrics on labelled data, and suggested thresholds.

A dataset (CSV with or without header, JSON Lines, Parquet) holding the prediction, the
probability and the label of each row → ``statistics.json`` with every metric of the problem
type and ``constraints.json`` with suggested thresholds
(:mod:`vigil.core.model_quality.constraints`: slack 0.1 by default, 0 for SageMaker's).
SageMaker's ``ModelQualityMonitor.suggest_baseline`` (spec §6).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from vigil.core.model_quality import (
    DEFAULT_SLACK,
    ModelQualityReport,
    ProblemType,
    score_values,
    suggest_constraints,
)
from vigil.errors import EmptyDatasetError, InvalidParameterError
from vigil.formats.model_quality import ModelQualityConstraints, ModelQualityStatistics
from vigil.jobs.baseline import infer_dataset_format
from vigil.jobs.model_quality_documents import (
    DEFAULT_MAX_CURVE_POINTS,
    check_problem_type,
    check_threshold,
    constraints_document,
    needs_inference,
    rng_of,
    statistics_document,
    write_files,
)
from vigil.jobs.outputs import CONSTRAINTS_FILE, STATISTICS_FILE
from vigil.storage.objectstore import join
from vigil.storage.tabular import TabularSource, plan_partitions, read_partition
from vigil.types import DatasetFormat

__all__ = ["ModelQualityBaselineResult", "suggest_model_quality_baseline"]

# --------------------------------------------------------------------------------------------
# Baseline
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelQualityBaselineResult:
    """What a model-quality baseline job produced.

    Attributes
    ----------
    statistics : ModelQualityStatistics
    constraints : ModelQualityConstraints
    report : ModelQualityReport
        The metrics as core objects.
    rows : int
        Rows read.
    invalid : int
        Rows left out because a label, prediction or probability was unusable (see
        :mod:`vigil.core.model_quality.labels`).
    seconds : float
    statistics_url, constraints_url : str or None
    """

    statistics: ModelQualityStatistics
    constraints: ModelQualityConstraints
    report: ModelQualityReport
    rows: int
    invalid: int
    seconds: float
    statistics_url: str | None = None
    constraints_url: str | None = None


def _column(table: pa.Table, attribute: str, param: str, where: str) -> pa.Array:
    if attribute in table.column_names:
        return table[attribute].combine_chunks()
    if attribute.strip().isdigit() and int(attribute) < table.num_columns:
        return table.column(int(attribute)).combine_chunks()
    raise InvalidParameterError(
        f"{param} {attribute!r} must name a column of the dataset (or be a 0-based column "
        f"index). Got none such in {where}; columns: {', '.join(table.column_names)}.",
        field=param,
    )


def _read_dataset(source: TabularSource, attributes: Sequence[tuple[str, str]]) -> list[pa.Array]:
    """The named columns of every partition, concatenated."""
    parts = plan_partitions(source)
    columns: list[list[pa.Array]] = [[] for _ in attributes]
    for part in parts:
        for batch in read_partition(part):
            table = pa.Table.from_batches([batch])
            for i, (attribute, param) in enumerate(attributes):
                columns[i].append(_column(table, attribute, param, part.url))
    if not columns or not columns[0] or not sum(len(c) for c in columns[0]):
        raise EmptyDatasetError(f"no rows in {', '.join(source.inputs)}")
    out = []
    for chunks in columns:
        types = {c.type for c in chunks}
        if len(types) > 1:
            chunks = [c.cast(pa.string()) for c in chunks]
        out.append(pa.concat_arrays(chunks))
    return out


def suggest_model_quality_baseline(
    dataset: str | Sequence[str],
    *,
    problem_type: ProblemType,
    ground_truth_attribute: str,
    inference_attribute: str | None = None,
    probability_attribute: str | None = None,
    probability_threshold: float = 0.5,
    output: str | None = None,
    slack: float = DEFAULT_SLACK,
    dataset_format: DatasetFormat | None = None,
    header: bool = True,
    seed: int | np.random.Generator | None = 0,
    max_curve_points: int | None = DEFAULT_MAX_CURVE_POINTS,
    sagemaker_r2: bool = False,
    storage_options: Mapping[str, Any] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ModelQualityBaselineResult:
    """Compute a model's metrics on labelled data and suggest constraints (SageMaker's baseline).

    Parameters
    ----------
    dataset : str or sequence of str
        Files, directories, globs or URLs holding one row per prediction.
    problem_type : {"BinaryClassification", "MulticlassClassification", "Regression"}
    ground_truth_attribute : str
        Column of the label (a name, or a 0-based index for a CSV without header).
    inference_attribute : str, optional
        Column of the predicted label (value for regression). Required except for a binary
        problem with ``probability_attribute``.
    probability_attribute : str, optional
        Column of the probability of the positive class (binary problems).
    probability_threshold : float, default=0.5
        Probability from which a row is predicted positive, when there is no inference column.
    output : str, optional
        Directory or URL for ``statistics.json`` and ``constraints.json``.
    slack : float, default=0.1
        Relative margin of the suggested thresholds; 0 reproduces SageMaker's (the baseline
        values). See :mod:`vigil.core.model_quality.constraints` for the default.
    dataset_format : {"csv", "json", "parquet"}, optional
        Default: from the extension.
    header : bool, default=True
        CSV: the first line holds the column names.
    seed : int or numpy.random.Generator or None, default=0
        Randomness of the subsample standard deviations (0: reproducible).
    max_curve_points : int or None, default=1000
        Points kept per ROC/PR curve.
    sagemaker_r2 : bool, default=False
        Regression: compute r2 as SageMaker's analyzer does (see
        :mod:`vigil.core.model_quality.regression`).
    storage_options : mapping, optional
        fsspec options.
    now : callable
        Clock for ``evaluation_time``.

    Returns
    -------
    ModelQualityBaselineResult

    Raises
    ------
    InvalidParameterError
        Unknown problem type, missing column, bad threshold or slack.
    DatasetNotFoundError, DatasetFormatError, MalformedRowError, EmptyDatasetError
        Bad input; also when no row has a usable label and prediction.
    """
    fn = "suggest_model_quality_baseline"
    start = time.perf_counter()
    check_problem_type(problem_type, fn)
    check_threshold(probability_threshold, fn)
    inference_needed = needs_inference(problem_type, probability_attribute)
    if inference_needed and inference_attribute is None:
        raise InvalidParameterError(
            f"inference_attribute of {fn} is required for {problem_type} (binary problems may "
            "give probability_attribute instead). Got None.",
            field="inference_attribute",
        )
    inputs = (dataset,) if isinstance(dataset, str) else tuple(dataset)
    if not inputs:
        raise InvalidParameterError(f"dataset of {fn} must name at least one input.")
    fmt = dataset_format or infer_dataset_format(inputs[0])
    source = TabularSource(inputs, fmt, header=header, storage_options=storage_options)
    wanted = [(ground_truth_attribute, "ground_truth_attribute")]
    if inference_attribute is not None:
        wanted.append((inference_attribute, "inference_attribute"))
    if probability_attribute is not None and problem_type == "BinaryClassification":
        wanted.append((probability_attribute, "probability_attribute"))
    arrays = dict(zip((p for _, p in wanted), _read_dataset(source, wanted), strict=True))
    scored = score_values(
        problem_type,
        labels=arrays["ground_truth_attribute"],
        inference=arrays.get("inference_attribute"),
        probability=arrays.get("probability_attribute"),
        threshold=probability_threshold,
        rng=rng_of(seed),
        max_curve_points=max_curve_points,
        sagemaker_r2=sagemaker_r2,
    )
    report, invalid, rows = scored.report, scored.unusable, scored.rows
    if report is None:
        raise EmptyDatasetError(
            f"no row of {', '.join(inputs)} has a usable label and prediction for "
            f"{problem_type} ({rows} rows read)"
        )
    statistics = statistics_document(report, evaluation_time=now())
    suggested = suggest_constraints(problem_type, report.metrics, slack=slack)
    constraints = constraints_document(problem_type, suggested)
    stats_url = constraints_url = None
    if output is not None:
        stats_url, constraints_url = join(output, STATISTICS_FILE), join(output, CONSTRAINTS_FILE)
        write_files(
            output,
            {STATISTICS_FILE: statistics.to_json(), CONSTRAINTS_FILE: constraints.to_json()},
            storage_options,
        )
    return ModelQualityBaselineResult(
        statistics=statistics,
        constraints=constraints,
        report=report,
        rows=rows,
        invalid=invalid,
        seconds=time.perf_counter() - start,
        statistics_url=stats_url,
        constraints_url=constraints_url,
    )
