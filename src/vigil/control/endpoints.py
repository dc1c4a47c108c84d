"""Endpoints: create, describe, list, update, delete endpoint configurations."""

from __future__ import annotations

from typing import Any

from vigil.api.resources import Endpoint, EndpointConfig, EndpointCreate, ListPage
from vigil.control.base import ControlPlaneBase
from vigil.control.documents import endpoint_model, to_page

__all__ = ["EndpointService"]


class EndpointService(ControlPlaneBase):
    """The endpoint resource of the control plane."""

    def create_endpoint(self, request: EndpointCreate) -> Endpoint:
        """Store a new endpoint configuration (409 if the name is taken)."""
        document = self._endpoint_document(request.config)
        record = self.store.endpoints.create(request.name, document, now=self.clock.now())
        return endpoint_model(record)

    def describe_endpoint(self, name: str) -> Endpoint:
        """The endpoint called ``name``."""
        return endpoint_model(self.store.endpoints.get(name))

    def list_endpoints(
        self, *, limit: int = 100, next_token: str | None = None
    ) -> ListPage[Endpoint]:
        """Endpoints in name order."""
        return to_page(
            self.store.endpoints.list(limit=limit, next_token=next_token), endpoint_model
        )

    def update_endpoint(self, name: str, config: EndpointConfig) -> Endpoint:
        """Replace an endpoint's configuration."""
        document = self._endpoint_document(config)
        return endpoint_model(self.store.endpoints.update(name, document, now=self.clock.now()))

    def delete_endpoint(self, name: str) -> None:
        """Delete an endpoint no schedule reads."""
        self.store.endpoints.delete(name)

    def _endpoint_document(self, config: EndpointConfig) -> dict[str, Any]:
        document = config.document()
        capture = document.get("data_capture")
        if isinstance(capture, dict) and capture.get("destination"):
            capture["destination"] = self.url_policy.check(
                capture["destination"], "config.data_capture.destination"
            )
        return document
