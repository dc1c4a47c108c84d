"""The FastAPI app factory of the control plane: REST under ``/api/v1``, OpenAPI published.

The API's documentation (Swagger UI at ``/api/v1/docs``, ReDoc at ``/api/v1/redoc``) is served
with its assets by the service itself (:mod:`vigil.service.docs`): it works without a network.

>>> import tempfile, os
>>> from vigil.storage.metadata import upgrade
>>> url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "vigil.db")
>>> _ = upgrade(url)
>>> app = create_app(database_url=url)
>>> [p for p in app.openapi()["paths"] if p.startswith("/api/v1/monitoring-s")][:2]
['/api/v1/monitoring-schedules', '/api/v1/monitoring-schedules/{name}']
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI

from vigil import __version__
from vigil.control import ControlPlane, UrlPolicy
from vigil.control.baselining import BaselineRunner
from vigil.control.clock import Clock, SystemClock
from vigil.scheduling.scheduler import Scheduler, SchedulerConfig
from vigil.service.docs import install_docs
from vigil.service.errors import PROBLEM_JSON, install_error_handlers
from vigil.service.openapi import state_server_rules
from vigil.service.routers import baselining_jobs, endpoints, executions, schedules
from vigil.serving.live import StoredEndpoints
from vigil.storage.metadata import MetadataStore, head_revision

__all__ = ["API_PREFIX", "Lifespan", "create_app"]

API_PREFIX = "/api/v1"

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
"""An ASGI lifespan: ``async with lifespan(app): <the app serves>``."""

_log = logging.getLogger(__name__)


def _published_schema(app: FastAPI, url_policy: UrlPolicy | None) -> None:
    """Document error responses as ``application/problem+json`` only (not also JSON), and
    state the rules the models check across fields (:mod:`vigil.service.openapi`)."""
    generate = app.openapi
    prefixes = None
    if url_policy is not None and url_policy.allowed_prefixes is not None:
        prefixes = [os.path.abspath(os.path.expanduser(p)) for p in url_policy.allowed_prefixes]
        if any("://" in p or "::" in p for p in url_policy.allowed_prefixes):
            prefixes = None  # object-store prefixes: their URLs are not stated as a pattern

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for code, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(code)[0] in "45" and PROBLEM_JSON in content:
                        content.pop("application/json", None)
        state_server_rules(schema, url_prefixes=prefixes)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    *,
    database_url: str | None = None,
    store: MetadataStore | None = None,
    clock: Clock | None = None,
    url_policy: UrlPolicy | None = None,
    scheduler: SchedulerConfig | None = None,
    baseline_workers: int = 1,
    lifespan: Lifespan | None = None,
) -> FastAPI:
    """Build the control-plane API.

    :func:`vigil.service.server.create_service` builds the one service (this API, the inference
    routes and the live endpoints) on top of it; this factory alone serves only the API.

    Parameters
    ----------
    database_url : str, optional
        Metadata database (default ``VIGIL_DATABASE_URL`` or the SQLite file of the data
        directory). Ignored when ``store`` is given.
    store : MetadataStore, optional
        An open store to use (the app does not close it).
    clock : Clock, optional
        Injected "now" (tests drive hours in seconds); default the system clock.
    url_policy : UrlPolicy, optional
        Which URLs callers may make the service read and write (default: any).
    scheduler : SchedulerConfig, optional
        Also run a scheduler in this process (a background thread; executions in worker
        processes) while the app runs.
    baseline_workers : int, default=1
        Baselining jobs run at once.
    lifespan : callable, optional
        Another lifespan, entered once the control plane has started (store open, scheduler
        running) and exited before it stops (the store is still open).

    Raises
    ------
    UnmigratedDatabaseError
        If the database is not migrated: the service refuses to start (run ``vigil db upgrade``).
    """
    owns_store = store is None
    store = store or MetadataStore(database_url)
    clock = clock or SystemClock()
    baselines = BaselineRunner(store, clock=clock, max_workers=baseline_workers)
    control = ControlPlane(store, clock=clock, baselines=baselines, url_policy=url_policy)
    runner = None if scheduler is None else Scheduler(store, clock=clock, config=scheduler)

    @asynccontextmanager
    async def control_lifespan(app: FastAPI) -> AsyncIterator[None]:
        recovered = baselines.recover()
        if recovered:
            _log.warning("baselining jobs left by a stopped process marked Failed: %d", recovered)
        stop = threading.Event()
        thread = None
        if runner is not None:
            thread = threading.Thread(
                target=runner.run, args=(stop,), name="vigil-scheduler", daemon=True
            )
            thread.start()
        try:
            if lifespan is None:
                yield
            else:
                async with lifespan(app):
                    yield
        finally:
            stop.set()
            if thread is not None:
                thread.join()
            baselines.shutdown(wait=False)
            if owns_store:
                store.close()

    app = FastAPI(
        title="Vigil control plane",
        version=__version__,
        description=(
            "Endpoints, baselining jobs, monitoring schedules and executions. Errors are RFC 7807 "
            "problem documents (application/problem+json) naming the field concerned."
        ),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # FastAPI's pages load Swagger UI from a CDN: install_docs serves it
        redoc_url=None,
        lifespan=control_lifespan,
    )
    app.state.control = control
    app.state.endpoints = StoredEndpoints(control)
    app.state.store = store
    app.state.scheduler = runner
    install_error_handlers(app)
    _published_schema(app, url_policy)
    install_docs(app, prefix=API_PREFIX)
    for router in (endpoints.router, baselining_jobs.router, schedules.router, executions.router):
        app.include_router(router, prefix=API_PREFIX)

    @app.get("/healthz", tags=["health"], operation_id="Health", include_in_schema=False)
    def health() -> dict[str, str]:
        """Liveness and schema revision (no authentication: for load balancers)."""
        return {"status": "ok", "schema_revision": head_revision()}

    return app
