"""The one Vigil service: control-plane API, live endpoints and the scheduler, on one port.

:func:`create_service` composes the two app factories: the control plane
(:func:`vigil.service.app.create_app`: ``/api/v1/…``, OpenAPI at ``/api/v1/openapi.json``,
docs at ``/api/v1/docs``, ``/healthz``) and the inference server
(:func:`vigil.serving.app.create_app`: ``POST /endpoints/{name}/invocations``,
``POST /ground-truth``, ``GET /metrics``, ``GET /ping``), whose routes are added to the same
FastAPI app. Endpoints have one source of truth, the metadata store
(:mod:`vigil.serving.live`): the REST API (and so the client and the CLI) creates, changes and
deletes served endpoints; a reconcile loop picks up other replicas' changes.

One lifespan runs everything: at start-up the scheduler thread (optional) and the baselining
runner, then the capture writer and the reconcile loop; at shutdown (uvicorn runs it after the
requests in flight are answered) the reverse: the capture queue is drained and its files closed,
the models' connection pools closed, the scheduler stopped (its running executions released),
the store closed.

One injected :class:`~vigil.control.clock.Clock` drives everything that reads "now": the
scheduler's windows, created/modified times, the capture records' ``inferenceTime`` and hour
folders, and the collection hour of ground truth. A demo replays history with a
:class:`~vigil.control.clock.ManualClock` it advances.

Running it from Python (the demo, tests)::

    from datetime import UTC, datetime, timedelta
    from vigil.client import Client
    from vigil.control.clock import ManualClock
    from vigil.scheduling.scheduler import SchedulerConfig
    from vigil.service.server import create_service, serve_in_thread

    clock = ManualClock(datetime(2024, 5, 1, tzinfo=UTC))
    app = create_service(
        data_dir="demo-data",                            # ground truth, default capture root
        database_url="sqlite:///demo-data/vigil.db",     # created and migrated if new
        clock=clock,
        scheduler=SchedulerConfig(poll_seconds=0.2, catch_up_limit=1000),
        seed=0,                                          # reproducible traffic split/sampling
    )
    with serve_in_thread(app) as url, Client(url) as client:   # a free loopback port
        client.create_endpoint(...)                             # served at once
        httpx.post(f"{url}/endpoints/churn/invocations", content=b"1,2", headers=...)
        app.state.capture.flush()             # this hour's capture on disk before the hour ends
        clock.advance(timedelta(hours=1))     # the scheduler runs the hour that just ended
    # leaving the block stops the server gracefully: capture written, scheduler stopped

Capture reaches its files within ``flush_interval_seconds`` (1 s) of real time, while a
scheduler may start an execution as soon as the injected clock passes the hour: a replay calls
``app.state.capture.flush()`` (local capture) before advancing the clock. Remote (``s3://``)
capture files are uploaded when they close: at the end of their hour on the injected clock,
after ``rotate_seconds`` or at shutdown.

From the shell: ``vigil serve`` (:mod:`vigil.cli.serve`).

>>> import tempfile, os
>>> data = tempfile.mkdtemp()
>>> database = os.path.join(data, "vigil.db")
>>> app = create_service(data_dir=data, database_url=f"sqlite:///{database}", scheduler=None)
>>> os.path.exists(database)  # a new SQLite database is created and migrated
True
>>> sorted(p for p in app.openapi()["paths"] if p.startswith("/api/v1/endpoints"))
['/api/v1/endpoints', '/api/v1/endpoints/{name}']
>>> {getattr(r, "path", "") for r in app.routes} >= {"/endpoints/{name}/invocations", "/ping"}
True
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import Any

import orjson
import uvicorn
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from vigil.capture.writer import CaptureWriter
from vigil.control import UrlPolicy
from vigil.control.clock import Clock, SystemClock
from vigil.errors import InvalidParameterError, VigilError
from vigil.scheduling.scheduler import SchedulerConfig
from vigil.service.app import create_app
from vigil.serving.app import DEFAULT_MAX_BODY_BYTES
from vigil.serving.app import create_app as create_serving_app
from vigil.serving.config import GroundTruthConfig, ServeConfig
from vigil.serving.live import LiveEndpoints
from vigil.settings import get_settings
from vigil.storage.metadata import MetadataStore, upgrade
from vigil.storage.metadata.engine import is_sqlite, sqlite_path
from vigil.storage.metadata.settings import DATABASE_FILE, database_url, get_metadata_settings

__all__ = [
    "DEFAULT_RECONCILE_SECONDS",
    "ServiceStartError",
    "ServiceThread",
    "base_url",
    "bind_socket",
    "create_service",
    "prepare_database",
    "serve_in_thread",
    "service_database_url",
]

_log = logging.getLogger(__name__)

DEFAULT_RECONCILE_SECONDS = 5.0
"""How often a service re-reads the stored endpoints (other replicas' changes), in seconds."""

INVOCATIONS_PATH = "/endpoints/{name}/invocations"


class ServiceStartError(VigilError, RuntimeError):
    """The service did not start listening (its start-up failed: see the log)."""


# ---- database ------------------------------------------------------------------------------


def _local(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


def _data_dir(data_dir: str | os.PathLike[str] | None) -> str:
    chosen = os.fspath(data_dir) if data_dir is not None else get_settings().data_dir
    return chosen if "://" in chosen or "::" in chosen else _local(chosen)


def service_database_url(
    url: str | None = None, *, data_dir: str | os.PathLike[str] | None = None
) -> str:
    """The metadata database of a service.

    ``url``, else ``VIGIL_DATABASE_URL``, else ``{data_dir}/vigil.db`` (SQLite), where
    ``data_dir`` defaults to ``VIGIL_DATA_DIR``.

    Raises
    ------
    InvalidParameterError
        If SQLite would have to live in a data directory that is not local (field
        ``database_url``).
    """
    if url or get_metadata_settings().database_url or data_dir is None:
        return database_url(url)
    folder = _data_dir(data_dir)
    if "://" in folder or "::" in folder:
        raise InvalidParameterError(
            f"the data directory is {folder!r}, where SQLite cannot live: give a database URL "
            "(PostgreSQL) or a local data directory.",
            field="database_url",
        )
    return f"sqlite:///{os.path.join(folder, DATABASE_FILE)}"


def prepare_database(url: str) -> bool:
    """Create and migrate a SQLite database whose file does not exist yet.

    Any other database (an existing SQLite file, PostgreSQL) is left alone: the store refuses
    to open it unless it is at the head revision (``vigil db upgrade`` migrates it).

    Returns
    -------
    bool
        Whether a database was created.

    Raises
    ------
    StorageError
        If the migration fails.
    """
    path = sqlite_path(url) if is_sqlite(url) else None
    if path is None or os.path.exists(path):
        return False
    upgrade(url)
    _log.info("metadata database created", extra={"database": path})
    return True


# ---- the service ---------------------------------------------------------------------------


def _seconds(clock: Clock | None) -> Callable[[], float]:
    """The serving layer's clock (seconds since the epoch) reading the service's clock."""
    if clock is None or isinstance(clock, SystemClock):
        return time.time
    return lambda: clock.now().timestamp()


def _capture_writer(
    serve_config: ServeConfig | None, seconds: Callable[[], float]
) -> CaptureWriter:
    limits = (serve_config or ServeConfig()).capture_writer
    return CaptureWriter(
        max_queue_records=limits.max_queue_records,
        flush_interval_seconds=limits.flush_interval_seconds,
        max_file_bytes=max(1, int(limits.max_file_mb * 1024 * 1024)),
        rotate_seconds=limits.rotate_seconds,
        staging_dir=limits.staging_dir,
        clock=seconds,
    )


def _invocations(route: Route, live: LiveEndpoints) -> Route:
    """The serving layer's invocation route, answering clearly for stored endpoints not served."""
    inner = route.endpoint

    async def invocations(request: Request) -> Response:
        name: str = request.path_params["name"]
        if name not in live.registry:
            why = live.not_served(name)
            if why is not None:
                body = orjson.dumps({"code": why.code, "message": why.message})
                return Response(body, why.status, media_type="application/json")
        response: Response = await inner(request)
        return response

    return Route(route.path, invocations, methods=["POST"], name="InvokeEndpoint")


def create_service(
    *,
    database_url: str | None = None,
    store: MetadataStore | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    clock: Clock | None = None,
    scheduler: SchedulerConfig | None = None,
    serve_config: ServeConfig | None = None,
    seed: int | str | None = None,
    capture: CaptureWriter | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    url_policy: UrlPolicy | None = None,
    baseline_workers: int = 1,
    ground_truth_destination: str | None = None,
    reconcile_seconds: float | None = DEFAULT_RECONCILE_SECONDS,
) -> FastAPI:
    """Build the one service (see the module docstring).

    Before returning, the database is opened (a new SQLite file is created and migrated), the
    endpoints of ``serve_config`` are loaded and upserted into the store, and every stored
    endpoint with variants is loaded (one whose models fail is logged and answers 503).

    Parameters
    ----------
    database_url : str, optional
        Metadata database; default ``VIGIL_DATABASE_URL``, else ``{data_dir}/vigil.db``.
        Ignored when ``store`` is given.
    store : MetadataStore, optional
        An open store to use (the service does not close it).
    data_dir : str or os.PathLike, optional
        Local folder or fsspec URL; default ``VIGIL_DATA_DIR`` (``./vigil-data``). Holds the
        default database, ground truth (``{data_dir}/groundtruth/…``) and the capture of
        endpoints that enable capture without a destination (``{data_dir}/capture``).
    clock : Clock, optional
        "Now" for the scheduler, capture and ground truth; default the system clock.
    scheduler : SchedulerConfig, optional
        Run a scheduler thread in the service (executions in worker processes); None: none.
    serve_config : ServeConfig, optional
        Endpoints to serve (``vigil serve --config``), upserted into the store at start; its
        ``ground_truth`` and ``capture_writer`` sections apply.
    seed : int or str, optional
        Seeds each endpoint's traffic split and capture sampling (reproducible runs).
    capture : CaptureWriter, optional
        Where capture records go; default a writer with ``serve_config``'s limits, on ``clock``.
        The service starts it and closes it (draining its queue) at shutdown.
    max_body_bytes : int, default=6 MiB
        Largest invocation body, in bytes (413 above). Ground-truth uploads have their own
        limits (``serve_config.ground_truth``: 256 MiB, 4 at once by default).
    url_policy : UrlPolicy, optional
        URLs API callers may use (capture, baselines, reports, model paths, proxy URLs).
    baseline_workers : int, default=1
        Baselining jobs run at once.
    ground_truth_destination : str, optional
        Root of ``POST /ground-truth`` files; default ``serve_config.ground_truth``, else
        ``data_dir``.
    reconcile_seconds : float or None, default=5.0
        How often to re-read the stored endpoints (other replicas' changes); None: never.

    Returns
    -------
    fastapi.FastAPI
        ``app.state`` holds ``control``, ``store``, ``scheduler``, ``endpoints``
        (:class:`LiveEndpoints`), ``registry``, ``metrics`` and ``capture``.

    Raises
    ------
    UnmigratedDatabaseError
        If an existing database is not at the head revision (run ``vigil db upgrade``).
    DatasetNotFoundError, DatasetFormatError, InvalidParameterError
        If a model of ``serve_config`` cannot be loaded, or a parameter is out of its domain.
    StorageError
        If the database cannot be reached.
    """
    if reconcile_seconds is not None and not reconcile_seconds > 0:
        raise InvalidParameterError(
            "reconcile_seconds of create_service must be a positive number or None. Got "
            f"{reconcile_seconds!r} instead.",
            field="reconcile_seconds",
        )
    folder = _data_dir(data_dir)
    url = None
    if store is None:
        url = service_database_url(database_url, data_dir=data_dir)
        prepare_database(url)
    seconds = _seconds(clock)

    @contextlib.asynccontextmanager
    async def runtime(app: FastAPI) -> AsyncIterator[None]:
        # inside the control plane's lifespan: the store is open, the scheduler running
        serving = app.state.serving
        live: LiveEndpoints = app.state.endpoints
        async with serving.router.lifespan_context(serving):
            task = None
            if reconcile_seconds is not None:
                task = asyncio.create_task(live.reconcile_every(reconcile_seconds))
            try:
                yield
            finally:
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    app = create_app(
        database_url=url,
        store=store,
        clock=clock,
        url_policy=url_policy,
        scheduler=scheduler,
        baseline_workers=baseline_workers,
        lifespan=runtime,
    )
    try:
        live = LiveEndpoints(
            app.state.control, capture_root=os.path.join(folder, "capture"), seed=seed
        )
        if serve_config is not None:
            live.adopt(serve_config)
        live.load_stored()
        configured = None if serve_config is None else serve_config.ground_truth
        if ground_truth_destination is None:
            ground_truth_destination = folder if configured is None else configured.destination
        limits = configured or GroundTruthConfig(destination=ground_truth_destination)
        serving = create_serving_app(
            live.registry,
            capture=capture if capture is not None else _capture_writer(serve_config, seconds),
            max_body_bytes=max_body_bytes,
            ground_truth_destination=ground_truth_destination,
            clock=seconds,
            max_ground_truth_bytes=max(1, int(limits.max_upload_mb * 1024 * 1024)),
            max_ground_truth_uploads=limits.max_concurrent_uploads,
        )
    except BaseException:
        if store is None:
            app.state.store.close()
        raise
    # the runtime routes go first: an invocation is matched before the ~40 API routes are
    # tried (their paths, under /api/v1, never overlap)
    runtime_routes: list[BaseRoute] = []
    for route in serving.routes:
        if isinstance(route, Route) and route.path == INVOCATIONS_PATH:
            route = _invocations(route, live)
        runtime_routes.append(route)
    app.router.routes[:0] = runtime_routes
    app.title = "Vigil"
    app.description = (
        "The Vigil service. Control plane under /api/v1 (endpoints, baselining jobs, monitoring "
        "schedules and executions; errors are RFC 7807 problem documents naming the field). "
        "Runtime, outside this schema as in SageMaker: POST /endpoints/{name}/invocations, "
        "POST /ground-truth, GET /metrics (Prometheus), GET /ping."
    )
    app.state.endpoints = live
    app.state.serving = serving
    app.state.registry = live.registry
    app.state.metrics = serving.state.metrics
    app.state.capture = serving.state.capture
    app.state.ground_truth_destination = ground_truth_destination
    return app


# ---- running it in a thread ----------------------------------------------------------------


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening-ready TCP socket bound to ``host:port`` (port 0: one the OS picks).

    The socket says ``IPPROTO_TCP`` explicitly: asyncio then sets ``TCP_NODELAY`` on the
    connections it accepts (without it, Nagle and delayed ACKs add ~40 ms to each POST).

    Raises
    ------
    InvalidParameterError
        If the address cannot be resolved or bound (field ``host`` / ``port``).
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise InvalidParameterError(
            f"host {host!r} cannot be resolved: {exc}", field="host"
        ) from exc
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise InvalidParameterError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", field="port"
        ) from exc
    return sock


def base_url(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket (the wildcard address as loopback)."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ServiceThread:
    """Run an ASGI app (the service) under uvicorn in a background thread.

    Parameters
    ----------
    app : ASGI app
        Usually :func:`create_service`'s.
    host : str, default="127.0.0.1"
    port : int, default=0
        0 picks a free port; read it from :attr:`url`.
    timeout : float, default=60.0
        Seconds to wait for start-up, and then for the graceful stop.
    graceful_timeout : float, optional
        Seconds the stop waits for requests in flight (default: no limit).
    log_level : str, default="warning"
        uvicorn's own log level (logging is not otherwise configured).

    Examples
    --------
    >>> from starlette.applications import Starlette
    >>> with ServiceThread(Starlette()) as service:
    ...     service.url.startswith("http://127.0.0.1:")
    True
    """

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout: float = 60.0,
        graceful_timeout: float | None = None,
        log_level: str = "warning",
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.timeout = timeout
        self.config = uvicorn.Config(
            app,
            log_config=None,
            log_level=log_level,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=None if graceful_timeout is None else int(graceful_timeout),
        )
        self.server = uvicorn.Server(self.config)
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """The base URL (``http://127.0.0.1:<port>``) once started.

        Raises
        ------
        ServiceStartError
            If the service is not running.
        """
        if self._url is None:
            raise ServiceStartError("the service is not running: call start() first")
        return self._url

    def start(self) -> str:
        """Start serving; return once connections are accepted (the lifespan has started).

        Returns
        -------
        str
            The base URL.

        Raises
        ------
        ServiceStartError
            If start-up failed or took longer than ``timeout`` (the reason is logged by
            uvicorn).
        """
        if self._thread is not None:
            return self.url
        sock = bind_socket(self.host, self.port)
        self._socket = sock
        thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, name="vigil-service", daemon=True
        )
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + self.timeout
        while not self.server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ServiceStartError(
                    f"the service did not start on {self.host}:{self.port} within "
                    f"{self.timeout} s (see the log for the start-up error)"
                )
            time.sleep(0.01)
        self._url = base_url(sock)
        return self._url

    def stop(self) -> None:
        """Stop gracefully: finish requests in flight, run the lifespan shutdown (capture drained,
        scheduler stopped); force the exit if that takes longer than ``timeout``."""
        thread = self._thread
        if thread is not None:
            self.server.should_exit = True
            thread.join(self.timeout)
            if thread.is_alive():
                _log.error("the service did not stop within %s s: forcing it", self.timeout)
                self.server.force_exit = True
                thread.join(self.timeout)
        if self._socket is not None:
            self._socket.close()
        self._thread = None
        self._socket = None
        self._url = None

    def __enter__(self) -> ServiceThread:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def serve_in_thread(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    timeout: float = 60.0,
    log_level: str = "warning",
) -> Iterator[str]:
    """Serve ``app`` in a background thread; yield its base URL; stop it gracefully on exit.

    See :class:`ServiceThread` for the parameters and errors.
    """
    with ServiceThread(app, host=host, port=port, timeout=timeout, log_level=log_level) as s:
        yield s.url
