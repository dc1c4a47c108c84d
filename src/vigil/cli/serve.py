"""``vigil serve``: host the endpoints of a config file, with data capture.

Runs :func:`vigil.serving.create_app` under uvicorn. SIGTERM or SIGINT stop the server
gracefully: it stops accepting connections, answers the requests in flight, then drains the
capture queue and closes (and uploads) the capture files; the process then exits with code 0.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import uvicorn

__all__ = ["serve"]


def _run_graceful(config: uvicorn.Config) -> None:
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

    _GracefulServer(config).run()


def serve(
    config: Path = typer.Option(
        ..., "--config", help="Endpoint config (YAML or JSON), SageMaker-shaped."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="TCP port."),
    max_body_mb: float = typer.Option(
        6.0, "--max-body-mb", min=0.001, help="Largest request body, in MiB (413 above)."
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
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
    access_log: bool = typer.Option(False, "--access-log/--no-access-log", help="Log requests."),
) -> None:
    """Serve the config's endpoints: POST /endpoints/{name}/invocations, /ground-truth, /metrics."""
    import uvicorn

    from vigil.capture.writer import CaptureWriter
    from vigil.serving.app import create_app
    from vigil.serving.config import load_config
    from vigil.serving.registry import EndpointRegistry

    cfg = load_config(config)
    registry = EndpointRegistry.from_config(cfg, seed=seed)
    limits = cfg.capture_writer
    writer = CaptureWriter(
        max_queue_records=limits.max_queue_records,
        flush_interval_seconds=limits.flush_interval_seconds,
        max_file_bytes=max(1, int(limits.max_file_mb * 1024 * 1024)),
        rotate_seconds=limits.rotate_seconds,
        staging_dir=limits.staging_dir,
    )
    app = create_app(
        registry,
        capture=writer,
        max_body_bytes=max(1, int(max_body_mb * 1024 * 1024)),
        ground_truth_destination=None if cfg.ground_truth is None else cfg.ground_truth.destination,
    )
    vigil_log = logging.getLogger("vigil")
    if not vigil_log.handlers:  # model errors (with their errorId) and capture failures
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        vigil_log.addHandler(handler)
        level = logging.getLevelName(log_level.upper())
        vigil_log.setLevel(level if isinstance(level, int) else logging.INFO)
    typer.echo(
        f"vigil serve: {len(registry)} endpoint(s) {', '.join(registry.names()) or '-'} "
        f"on http://{host}:{port}",
        err=True,
    )
    config_ = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        timeout_graceful_shutdown=None if graceful_timeout is None else int(graceful_timeout),
        lifespan="on",
    )
    _run_graceful(config_)


if __name__ == "__main__":  # pragma: no cover - ``python -m vigil.cli.serve``
    typer.run(serve)
