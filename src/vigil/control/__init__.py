"""The control plane as a library: endpoints, baselining jobs, schedules and executions.

:class:`ControlPlane` is what the REST API (``vigil.service``) and the CLI (without ``--url``)
call; :class:`vigil.client.Client` offers the same methods over HTTP. Both implement
:class:`vigil.api.protocol.ControlPlaneAPI`, and one test suite runs against both
(``tests/control/test_control_plane_api.py``). Every method takes and returns the documents of
:mod:`vigil.api`; errors are :class:`~vigil.errors.VigilError` subclasses that name the field
concerned.

One service per resource, each a module: :mod:`.endpoints`, :mod:`.baselining_jobs`,
:mod:`.schedules`, :mod:`.executions`; the facade is their union.

Paths and URLs
    Local paths are made absolute when a resource is created (a service and its workers may
    not share a working directory). With ``allowed_url_prefixes`` the control plane refuses
    any URL outside those prefixes (``/srv/vigil/``, ``s3://bucket/monitoring/``), so that a
    caller of the API cannot make the service read or write anywhere else
    (:class:`~vigil.control.urls.UrlPolicy`).
"""

from __future__ import annotations

from vigil.control.baselining_jobs import BaseliningJobService
from vigil.control.documents import (
    baselining_job_model,
    check_spec_version,
    endpoint_model,
    execution_model,
    schedule_model,
)
from vigil.control.endpoints import EndpointService
from vigil.control.executions import (
    ExecutionService,
    execution_output_url,
    manual_output,
    offsets,
)
from vigil.control.schedules import ScheduleService
from vigil.control.urls import UrlPolicy
from vigil.control.validation import (
    default_ground_truth_url,
    resolve_spec,
    validate_baseline,
    validate_model_quality_baseline,
    validate_schedule_baseline,
)

__all__ = [
    "ControlPlane",
    "UrlPolicy",
    "baselining_job_model",
    "check_spec_version",
    "default_ground_truth_url",
    "endpoint_model",
    "execution_model",
    "execution_output_url",
    "manual_output",
    "offsets",
    "resolve_spec",
    "schedule_model",
    "validate_baseline",
    "validate_model_quality_baseline",
    "validate_schedule_baseline",
]


class ControlPlane(EndpointService, BaseliningJobService, ScheduleService, ExecutionService):
    """Endpoints, baselining jobs, monitoring schedules and executions over a metadata store.

    Parameters
    ----------
    store : MetadataStore
    clock : Clock, optional
        "Now" for created/modified times and for the first nominal time of a schedule.
    baselines : BaselineRunner, optional
        Runs baselining jobs in the background; without it :meth:`start_baselining_job` runs
        the job in the calling thread and returns when it is done.
    url_policy : UrlPolicy, optional
        Which URLs callers may use (default: any).
    """
