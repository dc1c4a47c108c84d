"""``vigil serve``: the one Vigil service on one port.

Runs :func:`vigil.service.server.create_service` under uvicorn: the control-plane REST API
(``/api/v1``, docs at ``/api/v1/docs``), the endpoints (``POST /endpoints/{name}/invocations``,
``/ground-truth``, ``/metrics``, ``/ping``) with data capture, and a scheduler (unless
``--no-scheduler``). ``--config`` names a SageMaker-shaped endpoint config file
(:mod:`vigil.serving.config`) whose endpoints are upserted into the metadata store at start;
endpoints created through the API (``vigil endpoints create``) are served too.

With nothing set up it works: the SQLite database of the data directory (``--data-dir``,
``VIGIL_DATA_DIR``, ``./vigil-data``) is created and migrated if it does not exist yet. An
existing database at another revision is refused (exit code 2): run ``vigil db upgrade``.

SIGTERM or SIGINT stop the service gracefully: it stops accepting connections, answers the
requests in flight, drains the capture queue and closes (and uploads) the capture files, stops
the scheduler; the process then exits with code 0.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import uvicorn

__all__ = [
    "CATCH_UP",
    "CLOCK_FILE",
    "LEASE",
    "MAX_WORKERS",
    "PER_SCHEDULE",
    "POLL",
    "LogFormat",
    "LogLevel",
    "serve",
]

EXIT_BAD_INPUT = 2

# The scheduler's options, shared with ``vigil scheduler`` (vigil.cli.control).
MAX_WORKERS = typer.Option(2, "--max-workers", min=1, help="Executions run at once.")
LEASE = typer.Option(30.0, "--lease-seconds", min=1.0, help="Claim lifetime without renewal.")
POLL = typer.Option(1.0, "--poll-seconds", min=0.01, help="Pause between scheduler ticks.")
CATCH_UP = typer.Option(24, "--catch-up-limit", min=1, help="Missed windows run per schedule.")
PER_SCHEDULE = typer.Option(
    1, "--max-per-schedule", min=1, help="Executions of one schedule running at once."
)
CLOCK_FILE = typer.Option(
    None, "--clock-file", hidden=True, help="Read 'now' from this file (tests, replays)."
)

_log = logging.getLogger("vigil.serve")


class LogFormat(str, Enum):
    """How the service logs: one JSON object per line, or plain text."""

    json = "json"
    text = "text"


class LogLevel(str, Enum):
    """The lowest level logged."""

    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


def _run_graceful(config: uvicorn.Config, sockets: list[socket.socket] | None = None) -> None:
    """Run uvicorn; a graceful stop on SIGTERM/SIGINT exits with code 0.

    uvicorn re-raises the captured signal once it has shut down, so the process would end
    "killed by SIGTERM" (exit status 143) even though every request was answered and every
    capture record written. Here the signal only starts the graceful shutdown. A second SIGINT
    still forces the exit.
    """
    import uvicorn

    class _GracefulServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            handled = (signal.SIGINT, signal.SIGTERM)
            original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

    _GracefulServer(config).run(sockets=sockets)


def serve(
    config: Path | None = typer.Option(
        None,
        "--config",
        help="Endpoint config (YAML or JSON), SageMaker-shaped; its endpoints are stored and served.",
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback)."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="TCP port (0: any free)."),
    database_url: str | None = typer.Option(
        None, "--database-url", help="Metadata database (default VIGIL_DATABASE_URL or data dir)."
    ),
    data_dir: str | None = typer.Option(
        None,
        "--data-dir",
        help="Data directory: default database, ground truth, default capture "
        "(default VIGIL_DATA_DIR or ./vigil-data).",
    ),
    no_scheduler: bool = typer.Option(False, "--no-scheduler", help="Run no scheduler here."),
    allow_url_prefix: list[str] = typer.Option(
        [],
        "--allow-url-prefix",
        help="Only let API callers use URLs (and model paths) under these (repeatable).",
    ),
    max_workers: int = MAX_WORKERS,
    lease_seconds: float = LEASE,
    poll_seconds: float = POLL,
    catch_up_limit: int = CATCH_UP,
    max_per_schedule: int = PER_SCHEDULE,
    baseline_workers: int = typer.Option(
        1, "--baseline-workers", min=1, help="Baselining jobs run at once."
    ),
    reconcile_seconds: float = typer.Option(
        5.0,
        "--reconcile-seconds",
        min=0.0,
        help="Re-read the stored endpoints this often (other replicas' changes); 0: never.",
    ),
    max_body_mb: float = typer.Option(
        6.0, "--max-body-mb", min=0.001, help="Largest invocation body, in MiB (413 above)."
    ),
    seed: int | None = typer.Option(
        None, "--seed", help="Seed the traffic split and capture sampling (reproducible runs)."
    ),
    graceful_timeout: float | None = typer.Option(
        None,
        "--graceful-timeout",
        min=0.0,
        help="Seconds to wait for requests in flight on shutdown (default: no limit).",
    ),
    log_format: LogFormat = typer.Option(LogFormat.json, "--log-format", help="json|text"),
    log_level: LogLevel = typer.Option(LogLevel.info, "--log-level", help="Lowest level logged."),
    access_log: bool = typer.Option(False, "--access-log/--no-access-log", help="Log requests."),
    clock_file: str | None = CLOCK_FILE,
) -> None:
    """Run the Vigil service: REST API, endpoints with capture, and a scheduler, on one port."""
    import uvicorn

    from vigil.control import UrlPolicy
    from vigil.control.clock import FileClock
    from vigil.scheduling.scheduler import SchedulerConfig
    from vigil.service.logs import configure_logging
    from vigil.service.server import base_url, bind_socket, create_service
    from vigil.serving.config import load_config
    from vigil.settings import get_settings
    from vigil.storage.metadata import UnmigratedDatabaseError

    configure_logging(log_format.value, log_level.value)
    if data_dir is not None:  # the flag is VIGIL_DATA_DIR for this process and its workers
        os.environ["VIGIL_DATA_DIR"] = data_dir
        get_settings.cache_clear()
    serve_config = None if config is None else load_config(config)
    scheduler = None
    if not no_scheduler:
        scheduler = SchedulerConfig(
            max_workers=max_workers,
            lease_seconds=lease_seconds,
            poll_seconds=poll_seconds,
            catch_up_limit=catch_up_limit,
            max_per_schedule=max_per_schedule,
        )
    try:
        app = create_service(
            database_url=database_url,
            data_dir=data_dir,
            clock=FileClock(clock_file) if clock_file else None,
            scheduler=scheduler,
            serve_config=serve_config,
            seed=seed,
            max_body_bytes=max(1, int(max_body_mb * 1024 * 1024)),
            url_policy=UrlPolicy(tuple(allow_url_prefix) or None),
            baseline_workers=baseline_workers,
            reconcile_seconds=reconcile_seconds or None,
        )
    except UnmigratedDatabaseError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    try:
        sock = bind_socket(host, port)
    except BaseException:
        app.state.store.close()
        raise
    url = base_url(sock)
    registry = app.state.registry
    _log.info(
        "vigil serve: %d endpoint(s) %s on %s (API docs %s/api/v1/docs)",
        len(registry),
        ", ".join(registry.names()) or "-",
        url,
        url,
        extra={"url": url, "endpoints": registry.names()},
    )
    server_config = uvicorn.Config(
        app,
        log_config=None,
        log_level=log_level.value,
        access_log=access_log,
        timeout_graceful_shutdown=None if graceful_timeout is None else int(graceful_timeout),
        lifespan="on",
    )
    try:
        _run_graceful(server_config, sockets=[sock])
    finally:
        sock.close()


if __name__ == "__main__":  # pragma: no cover - ``python -m vigil.cli.serve``
    typer.run(serve)
