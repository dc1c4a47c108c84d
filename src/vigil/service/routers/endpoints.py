"""``/api/v1/endpoints``: endpoint configuration documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from vigil.scheduling.control import ControlPlane
from vigil.scheduling.models import Endpoint, EndpointCreate, EndpointUpdate, ListPage
from vigil.service.deps import get_control
from vigil.service.routers._common import GUARD, RESPONSES, Limit, NamePath, NextToken

__all__ = ["router"]

router = APIRouter(prefix="/endpoints", tags=["endpoints"], dependencies=GUARD, responses=RESPONSES)
Control = Annotated[ControlPlane, Depends(get_control)]


@router.post("", status_code=201, operation_id="CreateEndpoint")
def create_endpoint(request: EndpointCreate, control: Control) -> Endpoint:
    """Store a new endpoint configuration."""
    return control.create_endpoint(request)


@router.get("", operation_id="ListEndpoints")
def list_endpoints(
    control: Control, limit: Limit = 100, next_token: NextToken = None
) -> ListPage[Endpoint]:
    """Endpoints in name order."""
    return control.list_endpoints(limit=limit, next_token=next_token)


@router.get("/{name}", operation_id="DescribeEndpoint")
def describe_endpoint(name: NamePath, control: Control) -> Endpoint:
    """One endpoint."""
    return control.describe_endpoint(name)


@router.put("/{name}", operation_id="UpdateEndpoint")
def update_endpoint(name: NamePath, request: EndpointUpdate, control: Control) -> Endpoint:
    """Replace an endpoint's configuration."""
    return control.update_endpoint(name, request.config)


@router.delete("/{name}", status_code=204, operation_id="DeleteEndpoint")
def delete_endpoint(name: NamePath, control: Control) -> Response:
    """Delete an endpoint (refused while a schedule reads its capture)."""
    control.delete_endpoint(name)
    return Response(status_code=204)
