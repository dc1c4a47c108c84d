"""A typed Python client of the control-plane REST API (``/api/v1``).

:class:`Client` has the methods of :class:`vigil.control.ControlPlane`, with the
same documents in and out, so code (and the CLI) can switch between a remote service and the
library by swapping one object. Problems (RFC 7807) come back as :class:`ApiError` subclasses
that keep the status, the problem document and the field it names; 4xx errors are also
:class:`~vigil.errors.InputError`, 503 a :class:`~vigil.errors.StorageError`.

>>> client = Client("http://127.0.0.1:8080")
>>> client.base_url
'http://127.0.0.1:8080/api/v1'
>>> client.close()
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from vigil.api.resources import (
    BaseliningJob,
    BaseliningJobSpec,
    Endpoint,
    EndpointConfig,
    EndpointCreate,
    EndpointUpdate,
    ListPage,
    MonitoringExecution,
    MonitoringSchedule,
    MonitoringScheduleSpec,
    RunNowRequest,
)
from vigil.api.status import (
    BaseliningJobStatus,
    MonitoringExecutionStatus,
    MonitoringScheduleStatus,
)
from vigil.errors import (
    InputError,
    ResourceConflictError,
    ResourceNotFoundError,
    StorageError,
    VigilError,
)

__all__ = [
    "ApiConflictError",
    "ApiError",
    "ApiInputError",
    "ApiNotFoundError",
    "ApiUnavailableError",
    "Client",
]

M = TypeVar("M", bound=BaseModel)


class ApiError(VigilError):
    """The service answered with an error.

    Attributes
    ----------
    status : int
        HTTP status.
    problem : dict
        The RFC 7807 problem document (``title``, ``detail``, ``field``, ``errors`` …).
    """

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        detail = problem.get("detail") or problem.get("title") or f"HTTP {status}"
        super().__init__(str(detail), field=problem.get("field"))
        self.status = status
        self.problem = problem


class ApiInputError(ApiError, InputError):
    """A 4xx answer: the request was wrong; retrying it unchanged fails the same way."""


class ApiNotFoundError(ApiInputError, ResourceNotFoundError):
    """404: no such resource (a :class:`~vigil.errors.ResourceNotFoundError`)."""


class ApiConflictError(ApiInputError, ResourceConflictError):
    """409: the call conflicts with the resource's state (a
    :class:`~vigil.errors.ResourceConflictError`)."""


class ApiUnavailableError(ApiError, StorageError):
    """503 (or no answer at all): the service or its database is unavailable."""


def _error(response: httpx.Response) -> ApiError:
    try:
        problem = response.json()
        if not isinstance(problem, dict):
            problem = {"detail": str(problem)}
    except ValueError:
        problem = {"detail": response.text[:1000] or response.reason_phrase}
    status = response.status_code
    if status == 404:
        return ApiNotFoundError(status, problem)
    if status == 409:
        return ApiConflictError(status, problem)
    if 400 <= status < 500:
        return ApiInputError(status, problem)
    if status == 503:
        return ApiUnavailableError(status, problem)
    return ApiError(status, problem)


class Client:
    """The control-plane API over HTTP.

    Parameters
    ----------
    url : str
        The service's base URL (``http://127.0.0.1:8080``); ``/api/v1`` is appended.
    timeout : float, default=30
        Seconds per request.
    headers : mapping, optional
        Extra headers (an ``Authorization`` bearer token once the service requires one).
    transport : httpx.BaseTransport, optional
        For tests (``httpx.ASGITransport`` is async-only: use a real server).
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = url.rstrip("/") + "/api/v1"
        self._http = httpx.Client(
            base_url=self.base_url, timeout=timeout, headers=headers, transport=transport
        )

    # ---- plumbing --------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        query = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        content = None if body is None else body.model_dump_json(exclude_unset=True)
        headers = {"Content-Type": "application/json"} if content is not None else None
        try:
            response = self._http.request(
                method, path, content=content, params=query, headers=headers
            )
        except httpx.HTTPError as exc:
            raise ApiUnavailableError(
                503, {"detail": f"cannot reach {self.base_url}: {type(exc).__name__}: {exc}"}
            ) from exc
        if response.status_code >= 400:
            raise _error(response)
        return response

    def _get(self, kind: type[M], path: str, **params: Any) -> M:
        return kind.model_validate(self._request("GET", path, params=params).json())

    def _post(self, kind: type[M], path: str, body: BaseModel | None = None) -> M:
        return kind.model_validate(self._request("POST", path, body=body).json())

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- endpoints -----------------------------------------------------------------------

    def create_endpoint(self, request: EndpointCreate) -> Endpoint:
        """Store a new endpoint configuration."""
        return self._post(Endpoint, "/endpoints", request)

    def describe_endpoint(self, name: str) -> Endpoint:
        """One endpoint."""
        return self._get(Endpoint, f"/endpoints/{_seg(name)}")

    def list_endpoints(
        self, *, limit: int = 100, next_token: str | None = None
    ) -> ListPage[Endpoint]:
        """Endpoints in name order."""
        return self._get(ListPage[Endpoint], "/endpoints", limit=limit, next_token=next_token)

    def update_endpoint(self, name: str, config: EndpointConfig) -> Endpoint:
        """Replace an endpoint's configuration."""
        body = EndpointUpdate(config=config)
        return Endpoint.model_validate(
            self._request("PUT", f"/endpoints/{_seg(name)}", body=body).json()
        )

    def delete_endpoint(self, name: str) -> None:
        """Delete an endpoint."""
        self._request("DELETE", f"/endpoints/{_seg(name)}")

    # ---- baselining jobs -----------------------------------------------------------------

    def start_baselining_job(self, spec: BaseliningJobSpec) -> BaseliningJob:
        """Start a baselining job (it runs in the service; poll :meth:`describe_baselining_job`)."""
        return self._post(BaseliningJob, "/baselining-jobs", spec)

    def describe_baselining_job(self, name: str) -> BaseliningJob:
        """One baselining job."""
        return self._get(BaseliningJob, f"/baselining-jobs/{_seg(name)}")

    def list_baselining_jobs(
        self,
        *,
        status: BaseliningJobStatus | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> ListPage[BaseliningJob]:
        """Baselining jobs, newest first."""
        return self._get(
            ListPage[BaseliningJob],
            "/baselining-jobs",
            status=status,
            limit=limit,
            next_token=next_token,
        )

    # ---- monitoring schedules ------------------------------------------------------------

    def create_monitoring_schedule(self, spec: MonitoringScheduleSpec) -> MonitoringSchedule:
        """Create a schedule."""
        return self._post(MonitoringSchedule, "/monitoring-schedules", spec)

    def describe_monitoring_schedule(self, name: str) -> MonitoringSchedule:
        """One schedule."""
        return self._get(MonitoringSchedule, f"/monitoring-schedules/{_seg(name)}")

    def list_monitoring_schedules(
        self,
        *,
        status: MonitoringScheduleStatus | None = None,
        endpoint_name: str | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> ListPage[MonitoringSchedule]:
        """Schedules in name order."""
        return self._get(
            ListPage[MonitoringSchedule],
            "/monitoring-schedules",
            status=status,
            endpoint_name=endpoint_name,
            limit=limit,
            next_token=next_token,
        )

    def update_monitoring_schedule(
        self, name: str, spec: MonitoringScheduleSpec
    ) -> MonitoringSchedule:
        """Replace a schedule's definition (``PUT``; same name and monitoring type).

        Raises
        ------
        ApiNotFoundError
            If there is no such schedule.
        ApiInputError
            422 naming the field, as at creation; also a different name or monitoring type.
        """
        return MonitoringSchedule.model_validate(
            self._request("PUT", f"/monitoring-schedules/{_seg(name)}", body=spec).json()
        )

    def stop_monitoring_schedule(self, name: str) -> MonitoringSchedule:
        """Stop planning executions."""
        return self._post(MonitoringSchedule, f"/monitoring-schedules/{_seg(name)}/stop")

    def start_monitoring_schedule(self, name: str) -> MonitoringSchedule:
        """Resume a stopped schedule."""
        return self._post(MonitoringSchedule, f"/monitoring-schedules/{_seg(name)}/start")

    def delete_monitoring_schedule(self, name: str) -> None:
        """Delete a schedule and its executions."""
        self._request("DELETE", f"/monitoring-schedules/{_seg(name)}")

    # ---- executions ----------------------------------------------------------------------

    def list_monitoring_executions(
        self,
        *,
        schedule_name: str | None = None,
        endpoint_name: str | None = None,
        status: MonitoringExecutionStatus | None = None,
        scheduled_after: datetime | None = None,
        scheduled_before: datetime | None = None,
        ascending: bool = False,
        limit: int = 100,
        next_token: str | None = None,
    ) -> ListPage[MonitoringExecution]:
        """Executions by scheduled time, newest first unless ``ascending``."""
        return self._get(
            ListPage[MonitoringExecution],
            "/monitoring-executions",
            schedule_name=schedule_name,
            endpoint_name=endpoint_name,
            status=status,
            scheduled_after=scheduled_after,
            scheduled_before=scheduled_before,
            sort_order="Ascending" if ascending else "Descending",
            limit=limit,
            next_token=next_token,
        )

    def describe_monitoring_execution(self, execution_id: int) -> MonitoringExecution:
        """One execution."""
        return self._get(MonitoringExecution, f"/monitoring-executions/{int(execution_id)}")

    def stop_monitoring_execution(self, execution_id: int) -> MonitoringExecution:
        """Stop an execution."""
        return self._post(MonitoringExecution, f"/monitoring-executions/{int(execution_id)}/stop")

    def run_monitoring_schedule(self, name: str, request: RunNowRequest) -> MonitoringExecution:
        """Run a schedule now on an explicit window."""
        return self._post(
            MonitoringExecution, f"/monitoring-schedules/{_seg(name)}/executions", request
        )


def _seg(name: str) -> str:
    """A name as one path segment (a ``/`` in it cannot reach another route)."""
    return quote(str(name), safe="")


def _param(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):  # an Enum
        return value.value
    if isinstance(value, bool):
        return str(value).lower()
    return value
