"""Dependencies of the routers: who is calling (:func:`get_principal`) and the control plane.

Every router depends on :func:`get_principal`, and nothing else decides who the caller is. The
security issue replaces it (``app.dependency_overrides[get_principal] = authenticate`` or a new
body) with bearer-token authentication and policy evaluation; a dependency that raises
``HTTPException(401)`` or ``(403)`` then guards every route at once. Each route's
``operation_id`` is its action name (``CreateMonitoringSchedule``, SageMaker's where it has one)
for policies to refer to.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from vigil.control import ControlPlane
from vigil.serving.live import StoredEndpoints

__all__ = ["ANONYMOUS", "Principal", "get_control", "get_endpoints", "get_principal"]


@dataclass(frozen=True)
class Principal:
    """The caller of a request.

    Attributes
    ----------
    name : str
        Who (a user or service account); ``"anonymous"`` until authentication exists.
    authenticated : bool
    """

    name: str
    authenticated: bool = False


ANONYMOUS = Principal("anonymous")


def get_principal(request: Request) -> Principal:
    """The caller of ``request``. Without authentication (this version), anonymous."""
    principal = getattr(request.state, "principal", None)
    return principal if isinstance(principal, Principal) else ANONYMOUS


def get_control(request: Request) -> ControlPlane:
    """The control plane of the app serving ``request``."""
    control: ControlPlane = request.app.state.control
    return control


def get_endpoints(request: Request) -> StoredEndpoints:
    """What creates, updates and deletes endpoints: the documents, and (in the one service)
    the live endpoints (:class:`vigil.serving.live.LiveEndpoints`)."""
    endpoints: StoredEndpoints = request.app.state.endpoints
    return endpoints
