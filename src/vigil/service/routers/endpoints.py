"""``/api/v1/endpoints``: endpoint configurations, served live by the one service.

A configuration with ``variants`` is validated as the serving layer's endpoint config and its
models are loaded before the document is stored (422 naming the field otherwise, nothing
changed); one without variants (``{}``, or only ``data_capture``) is stored and not served.
See :mod:`vigil.serving.live`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from vigil.api.resources import Endpoint, EndpointCreate, EndpointUpdate, ListPage
from vigil.control import ControlPlane
from vigil.service.deps import get_control, get_endpoints
from vigil.service.routers._common import GUARD, RESPONSES, Limit, NamePath, NextToken
from vigil.serving.live import StoredEndpoints

__all__ = ["router"]

router = APIRouter(prefix="/endpoints", tags=["endpoints"], dependencies=GUARD, responses=RESPONSES)
Control = Annotated[ControlPlane, Depends(get_control)]
Endpoints = Annotated[StoredEndpoints, Depends(get_endpoints)]


@router.post("", status_code=201, operation_id="CreateEndpoint")
async def create_endpoint(request: EndpointCreate, endpoints: Endpoints) -> Endpoint:
    """Store a new endpoint configuration and serve it (when it has variants).

    422 names the field of an invalid serving config (``config.variants[0].model.path``) or
    of a model that cannot be loaded; 409 if the name is taken.
    """
    return await endpoints.create(request)


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
async def update_endpoint(
    name: NamePath, request: EndpointUpdate, endpoints: Endpoints
) -> Endpoint:
    """Replace an endpoint's configuration; the served endpoint is swapped once the new models
    are loaded (requests in between go to the old ones)."""
    return await endpoints.update(name, request.config)


@router.delete("/{name}", status_code=204, operation_id="DeleteEndpoint")
async def delete_endpoint(name: NamePath, endpoints: Endpoints) -> Response:
    """Delete an endpoint and stop serving it (refused while a schedule reads its capture)."""
    await endpoints.delete(name)
    return Response(status_code=204)
