"""Every monitor type Vigil runs, by its SageMaker name, and the one way to run one.

A literal, read-only mapping (style rule 4): adding a monitor type is one plug-in module in
``jobs/`` (a :class:`~vigil.jobs.execution.Monitor`), its spec in :mod:`vigil.api.specs`, and
one line here.

=================  =========================================  ====================================
type               plug-in                                    spec
=================  =========================================  ====================================
``DataQuality``    :class:`~vigil.jobs.data_quality.DataQualityMonitor`     :class:`~vigil.api.specs.DataQualityJobSpec`
``ModelQuality``   :class:`~vigil.jobs.model_quality.ModelQualityMonitor`   :class:`~vigil.api.specs.ModelQualityJobSpec`
=================  =========================================  ====================================
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from vigil.jobs import data_quality, model_quality
from vigil.jobs.execution import Analysis, JobRun, Monitor, execute

__all__ = ["MONITORS", "evaluate_monitoring", "monitor_for", "run_monitoring_job"]

MONITORS: Mapping[str, Monitor[Any, Any]] = MappingProxyType(
    {
        "DataQuality": data_quality.MONITOR,
        "ModelQuality": model_quality.MONITOR,
    }
)
"""Monitoring type → its plug-in, read-only."""


def monitor_for(monitoring_type: str) -> Monitor[Any, Any]:
    """The plug-in of a monitoring type.

    Raises
    ------
    KeyError
        If the type is unknown (specs are validated before they get here).
    """
    return MONITORS[monitoring_type]


def run_monitoring_job(run: JobRun) -> Analysis:
    """Run one execution of ``run.spec``'s monitor type through the execution template.

    See :func:`vigil.jobs.execution.execute` (what it returns and raises).
    """
    return execute(run, monitor_for(run.spec.monitoring_type))


def evaluate_monitoring(
    monitoring_type: str,
    *,
    statistics: str,
    constraints: str,
    baseline_statistics: str | None = None,
    output: str | None = None,
    options: BaseModel | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> Any:
    """Re-check an execution's ``statistics.json`` against constraints, without raw data.

    Parameters
    ----------
    monitoring_type : str
        ``DataQuality`` or ``ModelQuality``.
    statistics, constraints : str
        URLs of the window's statistics.json and of the constraints.json to check.
    baseline_statistics : str, optional
        The baseline's statistics.json (DataQuality: drift is measured against it).
    output : str, optional
        Where to write ``constraint_violations.json``.
    options : pydantic model, optional
        The type's options block (DataQuality: :class:`~vigil.api.specs.DataQualityConfig`).

    Returns
    -------
    DataQualityResult or ModelQualityResult

    Raises
    ------
    DocumentError, DatasetNotFoundError, InvalidParameterError
        As the type's ``evaluate``.
    """
    return monitor_for(monitoring_type).evaluate(
        statistics=statistics,
        constraints=constraints,
        baseline_statistics=baseline_statistics,
        output=output,
        options=options,
        storage_options=storage_options,
    )
