"""``/api/v1/baselining-jobs``: suggest a baseline from a dataset."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from vigil.api.resources import BaseliningJob, BaseliningJobSpec, ListPage
from vigil.control import ControlPlane
from vigil.service.deps import get_control
from vigil.service.routers._common import GUARD, RESPONSES, Limit, NamePath, NextToken
from vigil.storage.metadata import BaseliningJobStatus

__all__ = ["router"]

router = APIRouter(
    prefix="/baselining-jobs", tags=["baselining jobs"], dependencies=GUARD, responses=RESPONSES
)
Control = Annotated[ControlPlane, Depends(get_control)]


@router.post("", status_code=201, operation_id="CreateBaseliningJob")
def start_baselining_job(request: BaseliningJobSpec, control: Control) -> BaseliningJob:
    """Start a DataQuality or ModelQuality baselining job (InProgress; poll it until Completed
    or Failed)."""
    return control.start_baselining_job(request)


@router.get("", operation_id="ListBaseliningJobs")
def list_baselining_jobs(
    control: Control,
    status: Annotated[BaseliningJobStatus | None, Query()] = None,
    limit: Limit = 100,
    next_token: NextToken = None,
) -> ListPage[BaseliningJob]:
    """Baselining jobs, newest first."""
    return control.list_baselining_jobs(status=status, limit=limit, next_token=next_token)


@router.get("/{name}", operation_id="DescribeBaseliningJob")
def describe_baselining_job(name: NamePath, control: Control) -> BaseliningJob:
    """One baselining job: status and output URLs."""
    return control.describe_baselining_job(name)
