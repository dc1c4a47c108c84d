"""A baselining job from its typed spec: the one entry point of ``vigil baseline suggest``, of
``vigil baselining-jobs start`` and of the service's background runner.

``DataQuality`` profiles every column (:func:`vigil.jobs.baseline.suggest_baseline`);
``ModelQuality`` computes a model's metrics on a labelled dataset and suggests thresholds
(:func:`vigil.jobs.model_quality.suggest_model_quality_baseline`). Both write
``statistics.json`` and ``constraints.json`` under the spec's ``output_url``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vigil.api.specs import BaseliningJobSpec

__all__ = ["BaseliningOutcome", "run_baselining_job"]


@dataclass(frozen=True)
class BaseliningOutcome:
    """What a baselining job wrote.

    Attributes
    ----------
    statistics_url, constraints_url : str
        The two files written.
    summary : dict
        ``rows`` and ``seconds``, plus ``features``, ``malformed`` and ``partitions``
        (DataQuality) or ``problem_type``, ``invalid`` (rows left out as unusable) and
        ``metrics`` (the scalar metric values, ModelQuality). JSON-serialisable.
    result : BaselineResult or ModelQualityBaselineResult
        The job's own result (what the CLI renders).
    """

    statistics_url: str
    constraints_url: str
    summary: dict[str, Any]
    result: Any


def run_baselining_job(
    spec: BaseliningJobSpec, *, on_progress: Callable[[int, int], None] | None = None
) -> BaseliningOutcome:
    """Run one baselining job.

    Parameters
    ----------
    spec : BaseliningJobSpec
        Validated (its type's required fields are set).
    on_progress : callable, optional
        ``on_progress(done, total)`` after each partition profiled (DataQuality).

    Returns
    -------
    BaselineOutcome

    Raises
    ------
    DatasetNotFoundError, DatasetFormatError, MalformedRowError, EmptyDatasetError
        Bad input (see the two jobs).
    InvalidParameterError
        A column that does not exist, a value that is not a label.
    StorageError
        If writing fails underneath.
    """
    if spec.monitoring_type == "ModelQuality":
        return _model_quality(spec)
    return _data_quality(spec, on_progress)


def _data_quality(
    spec: BaseliningJobSpec, on_progress: Callable[[int, int], None] | None
) -> BaseliningOutcome:
    from vigil.jobs.baseline import suggest_baseline

    result = suggest_baseline(
        spec.dataset_url,
        dataset_format=spec.dataset_format,
        header=spec.header,
        output=spec.output_url,
        workers=spec.workers or 1,
        on_malformed=spec.on_malformed,
        string_columns=tuple(spec.string_columns),
        on_progress=on_progress,
    )
    assert result.statistics_url is not None and result.constraints_url is not None
    return BaseliningOutcome(
        statistics_url=result.statistics_url,
        constraints_url=result.constraints_url,
        summary={
            "rows": result.dataset_statistics.item_count,
            "features": len(result.statistics.features),
            "malformed": result.malformed.count,
            "partitions": result.partitions,
            "seconds": round(result.seconds, 3),
        },
        result=result,
    )


def _model_quality(spec: BaseliningJobSpec) -> BaseliningOutcome:
    from vigil.core.model_quality import DEFAULT_SLACK
    from vigil.jobs.model_quality import suggest_model_quality_baseline

    assert spec.problem_type is not None and spec.ground_truth_attribute is not None
    result = suggest_model_quality_baseline(
        spec.dataset_url,
        problem_type=spec.problem_type,
        ground_truth_attribute=spec.ground_truth_attribute,
        inference_attribute=spec.inference_attribute,
        probability_attribute=spec.probability_attribute,
        probability_threshold=(
            0.5 if spec.probability_threshold is None else spec.probability_threshold
        ),
        output=spec.output_url,
        slack=DEFAULT_SLACK if spec.slack is None else spec.slack,
        dataset_format=spec.dataset_format,
        header=spec.header,
        sagemaker_r2=bool(spec.sagemaker_r2),
    )
    block = result.statistics.metrics
    metrics = {
        name: m.value
        for name, m in (block.scalar_metrics().items() if block is not None else ())
        if math.isfinite(m.value)
    }
    assert result.statistics_url is not None and result.constraints_url is not None
    return BaseliningOutcome(
        statistics_url=result.statistics_url,
        constraints_url=result.constraints_url,
        summary={
            "rows": result.rows,
            "invalid": result.invalid,
            "problem_type": spec.problem_type,
            "metrics": metrics,
            "seconds": round(result.seconds, 3),
        },
        result=result,
    )
