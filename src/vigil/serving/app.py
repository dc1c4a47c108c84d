"""The inference server: SageMaker's runtime API over an :class:`EndpointRegistry`, with capture.

Routes
    ``POST /endpoints/{name}/invocations``
        SageMaker's ``InvokeEndpoint``. Request headers: ``Content-Type``, ``Accept``,
        ``X-Amzn-SageMaker-Inference-Id`` (captured as ``inferenceId``),
        ``X-Amzn-SageMaker-Custom-Attributes`` (passed to the model, captured as
        ``customAttributes``), ``X-Amzn-SageMaker-Target-Variant`` (bypasses the weights). The
        response carries ``X-Amzn-Invoked-Production-Variant``.
    ``POST /ground-truth``
        Labels for model-quality monitoring → one file under
        ``{destination}/groundtruth/yyyy/mm/dd/hh/`` (the hour the upload completed); answers
        201 ``{"url", "records"}``. The body is a JSON document
        ``{"records": [{"eventId": "<inferenceId or eventId>", "label": "1"}, ...]}`` (or a
        bare list; ``Content-Type: application/json``) or JSON Lines, one record per line
        (``application/x-ndjson``); SageMaker ground-truth records are accepted as well
        (:mod:`vigil.capture.ground_truth_upload`). The body is decoded and written as it
        arrives, so an upload's size costs disk, not memory; it may be up to
        ``max_ground_truth_bytes`` (256 MiB by default, about 6 million labels; 413 above).

        *All or nothing*: an upload with a bad record is answered 400 ``ValidationError``
        naming the first bad record (``row``: its 1-based position in ``records``, or its line
        in JSON Lines; ``field``: ``records[4].eventId`` or ``eventId``), and **none** of its
        records is filed: fix the record and send the whole upload again (no label is filed
        twice). Labels of uploads answered 201 before are never affected.

        *Concurrency*: at most ``max_ground_truth_uploads`` uploads (4 by default) are decoded
        at once; one more is answered 503 ``ServiceUnavailable`` with ``Retry-After: 1``
        (seconds) and nothing filed: send it again after that delay. 415 answers a
        Content-Type that is neither JSON nor JSON Lines; 404 a server without a ground-truth
        destination.
    ``GET /metrics``
        Prometheus text format (:mod:`vigil.serving.metrics`).
    ``GET /ping``
        200 while the server runs (SageMaker's container health check).

Status codes of an invocation
    200 the model's answer; 400 a malformed payload (the message names the row and field);
    404 an unknown endpoint or target variant; 406 an ``Accept`` the model cannot write; 413 a
    body over ``max_body_bytes`` (6 MiB by default, SageMaker's limit); 415 a Content-Type the
    model cannot read; 500 a model exception, answered with an ``errorId`` that is also logged
    (logger ``vigil.serving``); 502 / 504 an upstream model server that cannot be reached / did
    not answer in time (proxy models). Errors are JSON ``{"code", "message"}`` (plus ``errorId``,
    ``row``, ``field`` where they apply).

Capture
    Each answered (2xx) invocation of an endpoint with capture enabled is sampled; a sampled one
    is built into a record (:func:`vigil.capture.record.build_capture_line`) and queued on the
    :class:`~vigil.capture.writer.CaptureWriter` before the response is returned. Nothing on the
    request path does I/O or waits for the writer. Failed invocations are not captured, and a
    failure never affects the capture of other requests.

Shadow variant
    After the response has been sent, a copy of the request goes to the shadow variant in a
    separate task. Its answer is captured under the shadow variant's name (sampled on its own
    draw) and never returned; its failures are logged and counted in its metrics only.

Shutdown
    On lifespan shutdown (uvicorn runs it on SIGTERM/SIGINT after the in-flight requests have
    been answered) the app waits for shadow tasks, then closes the capture writer, which writes
    every queued record and closes (and uploads) the files, then closes the models' connection
    pools.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

import anyio.to_thread
import orjson
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from vigil.capture.ground_truth import GroundTruthFile
from vigil.capture.ground_truth_upload import GroundTruthUpload, upload_format
from vigil.capture.record import build_capture_line, format_inference_time, new_event_id
from vigil.capture.writer import CaptureItem, CaptureWriter
from vigil.errors import InputError, VigilError
from vigil.serving.metrics import PROMETHEUS_CONTENT_TYPE, RuntimeMetrics
from vigil.serving.models import CUSTOM_ATTRIBUTES_HEADER, ModelRequest, Prediction
from vigil.serving.payload import HttpError
from vigil.serving.registry import CaptureSettings, Endpoint, EndpointRegistry, Variant

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_GROUND_TRUTH_BYTES",
    "DEFAULT_MAX_GROUND_TRUTH_UPLOADS",
    "INFERENCE_ID_HEADER",
    "INVOKED_VARIANT_HEADER",
    "TARGET_VARIANT_HEADER",
    "create_app",
]

_LOG = logging.getLogger("vigil.serving")

DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024
"""Largest request body accepted, in bytes (SageMaker's 6 MB payload limit)."""

DEFAULT_MAX_GROUND_TRUTH_BYTES = 256 * 1024 * 1024
"""Largest ``POST /ground-truth`` body, in bytes (streamed to disk: about 6 million labels)."""

DEFAULT_MAX_GROUND_TRUTH_UPLOADS = 4
"""``POST /ground-truth`` uploads decoded at once; more are answered 503 with Retry-After."""

GROUND_TRUTH_RETRY_AFTER_SECONDS = 1
"""The ``Retry-After`` of a ground-truth upload refused because too many run at once."""

INFERENCE_ID_HEADER = "X-Amzn-SageMaker-Inference-Id"
TARGET_VARIANT_HEADER = "X-Amzn-SageMaker-Target-Variant"
INVOKED_VARIANT_HEADER = "X-Amzn-Invoked-Production-Variant"

_H_INFERENCE_ID = INFERENCE_ID_HEADER.lower()
_H_TARGET = TARGET_VARIANT_HEADER.lower()
_H_CUSTOM = CUSTOM_ATTRIBUTES_HEADER.lower()
_DRAIN_LIMIT = 64 * 1024 * 1024  # bytes of an oversized body read (and discarded) before a 413
_FEED_BYTES = 256 * 1024  # body bytes handed to the ground-truth decoder at once (in a thread)


def _json_error(status: int, code: str, message: str, **extra: Any) -> Response:
    body = {"code": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}
    return Response(orjson.dumps(body), status, media_type="application/json")


def _input_error(exc: InputError) -> Response:
    return _json_error(
        400, "ValidationError", exc.message, row=getattr(exc, "line", None), field=exc.field
    )


class _Server:
    """The state behind the routes (one per app)."""

    def __init__(
        self,
        registry: EndpointRegistry,
        capture: CaptureWriter,
        metrics: RuntimeMetrics,
        *,
        max_body_bytes: int,
        ground_truth_destination: str | None,
        clock: Callable[[], float],
        storage_options: Mapping[str, Any] | None,
        max_ground_truth_bytes: int = DEFAULT_MAX_GROUND_TRUTH_BYTES,
        max_ground_truth_uploads: int = DEFAULT_MAX_GROUND_TRUTH_UPLOADS,
    ) -> None:
        self.registry = registry
        self.capture = capture
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.ground_truth_destination = ground_truth_destination
        self.max_ground_truth_bytes = max_ground_truth_bytes
        self.max_ground_truth_uploads = max_ground_truth_uploads
        self.ground_truth_uploads = 0  # uploads being decoded (all on the event loop)
        self.clock = clock
        self.storage_options = storage_options
        self.shadow_tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ invocations

    async def _body(self, request: Request) -> bytes:
        limit = self.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) <= limit:
            return await request.body()
        received = 0
        chunks: list[bytes] = []
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                chunks.clear()
                if received > _DRAIN_LIMIT:
                    break
                continue
            chunks.append(chunk)
        if received > limit:
            raise HttpError(
                413,
                "PayloadTooLarge",
                f"the request body is larger than the limit of {limit} bytes",
            )
        return b"".join(chunks)

    async def invocations(self, request: Request) -> Response:
        started = time.perf_counter()
        wall = self.clock()
        name: str = request.path_params["name"]
        endpoint = self.registry.get(name)
        if endpoint is None:
            return _json_error(404, "EndpointNotFound", f"no endpoint named {name!r}")
        headers = request.headers
        try:
            variant = endpoint.choose(headers.get(_H_TARGET))
        except HttpError as exc:
            stats = self.metrics.variant(name, "")
            stats.invocations += 1
            stats.errors_4xx += 1
            return _json_error(exc.status, exc.code, exc.message)
        stats = self.metrics.variant(name, variant.name)
        stats.invocations += 1
        try:
            body = await self._body(request)
        except HttpError as exc:
            stats.count_status(exc.status)
            return _json_error(exc.status, exc.code, exc.message)
        model_request = ModelRequest(
            body,
            headers.get("content-type"),
            headers.get("accept"),
            headers.get(_H_CUSTOM),
            endpoint.csv_types,
            endpoint.json_types,
        )
        model_started = time.perf_counter()
        try:
            prediction = await variant.model.invoke(model_request)
        except Exception as exc:
            model_us = (time.perf_counter() - model_started) * 1e6
            response = self._error_response(exc, name, variant.name)
        else:
            model_us = (time.perf_counter() - model_started) * 1e6
            response = Response(
                prediction.body,
                prediction.status,
                headers={
                    "content-type": prediction.content_type,
                    INVOKED_VARIANT_HEADER: variant.name,
                },
            )
            capture = endpoint.capture
            if prediction.status < 300 and capture is not None and capture.sampler.sample():
                self._submit(
                    capture,
                    endpoint,
                    variant.name,
                    model_request,
                    prediction,
                    headers.get(_H_INFERENCE_ID),
                    wall,
                )
        stats.model_latency.observe(model_us)
        status = response.status_code
        if status >= 400:
            stats.count_status(status)
        if endpoint.shadow is not None:
            response.background = BackgroundTask(
                self._start_shadow,
                endpoint,
                endpoint.shadow,
                model_request,
                headers.get(_H_INFERENCE_ID),
                wall,
            )
        stats.overhead_latency.observe((time.perf_counter() - started) * 1e6 - model_us)
        return response

    @staticmethod
    def _error_response(exc: Exception, endpoint: str, variant: str) -> Response:
        if isinstance(exc, InputError):
            return _input_error(exc)
        if isinstance(exc, HttpError):
            return _json_error(exc.status, exc.code, exc.message)
        error_id = str(uuid.uuid4())
        _LOG.error(
            "model error %s on endpoint %s variant %s: %s: %s",
            error_id,
            endpoint,
            variant,
            type(exc).__name__,
            exc,
            exc_info=exc,
            extra={"error_id": error_id, "endpoint": endpoint, "variant": variant},
        )
        return _json_error(
            500,
            "ModelError",
            f"the model failed ({type(exc).__name__}); see the server log for errorId {error_id}",
            errorId=error_id,
        )

    def _submit(
        self,
        capture: CaptureSettings,
        endpoint: Endpoint,
        variant: str,
        request: ModelRequest,
        prediction: Prediction,
        inference_id: str | None,
        wall: float,
    ) -> None:
        line = build_capture_line(
            event_id=new_event_id(),
            inference_id=inference_id,
            inference_time=format_inference_time(wall),
            custom_attributes=request.custom_attributes,
            input_data=request.body if capture.capture_input else None,
            input_content_type=request.content_type,
            output_data=prediction.body if capture.capture_output else None,
            output_content_type=prediction.content_type,
            content_types=capture.content_types,
        )
        self.capture.submit(CaptureItem(capture.destination, endpoint.name, variant, wall, line))

    # ------------------------------------------------------------------ shadow

    async def _start_shadow(
        self,
        endpoint: Endpoint,
        shadow: Variant,
        request: ModelRequest,
        inference_id: str | None,
        wall: float,
    ) -> None:
        """Runs after the response is sent: start the shadow call as its own task."""
        task = asyncio.create_task(self._shadow(endpoint, shadow, request, inference_id, wall))
        self.shadow_tasks.add(task)
        task.add_done_callback(self.shadow_tasks.discard)

    async def _shadow(
        self,
        endpoint: Endpoint,
        shadow: Variant,
        request: ModelRequest,
        inference_id: str | None,
        wall: float,
    ) -> None:
        stats = self.metrics.variant(endpoint.name, shadow.name)
        stats.invocations += 1
        started = time.perf_counter()
        try:
            prediction = await shadow.model.invoke(request)
        except Exception as exc:
            stats.model_latency.observe((time.perf_counter() - started) * 1e6)
            status = (
                400
                if isinstance(exc, InputError)
                else exc.status
                if isinstance(exc, HttpError)
                else 500
            )
            stats.count_status(status)
            _LOG.warning(
                "shadow variant %s of endpoint %s failed: %s: %s",
                shadow.name,
                endpoint.name,
                type(exc).__name__,
                exc,
            )
            return
        stats.model_latency.observe((time.perf_counter() - started) * 1e6)
        if prediction.status >= 400:
            stats.count_status(prediction.status)
            return
        capture = endpoint.capture
        if capture is not None and capture.shadow_sampler.sample():
            self._submit(capture, endpoint, shadow.name, request, prediction, inference_id, wall)

    async def wait_for_shadows(self, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) for the shadow calls still running."""
        pending = list(self.shadow_tasks)
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    # ------------------------------------------------------------------ other routes

    async def ground_truth(self, request: Request) -> Response:
        destination = self.ground_truth_destination
        if destination is None:
            return _json_error(
                404,
                "GroundTruthNotConfigured",
                "this server has no ground-truth destination (ground_truth.destination)",
            )
        content_type = request.headers.get("content-type")
        kind = upload_format(content_type)
        if kind is None:
            await _drain(request)
            return _json_error(
                415,
                "UnsupportedMediaType",
                f"Content-Type {content_type!r} is not supported for ground truth; send "
                "application/json or application/x-ndjson (JSON Lines)",
            )
        if self.ground_truth_uploads >= self.max_ground_truth_uploads:
            await _drain(request)
            response = _json_error(
                503,
                "ServiceUnavailable",
                f"{self.max_ground_truth_uploads} ground-truth uploads are being written; "
                f"nothing of this one was filed: send it again in "
                f"{GROUND_TRUTH_RETRY_AFTER_SECONDS} s",
            )
            response.headers["Retry-After"] = str(GROUND_TRUTH_RETRY_AFTER_SECONDS)
            return response
        self.ground_truth_uploads += 1
        try:
            return await self._upload_ground_truth(request, destination, kind)
        finally:
            self.ground_truth_uploads -= 1

    async def _upload_ground_truth(
        self, request: Request, destination: str, kind: Literal["json", "jsonl"]
    ) -> Response:
        try:
            file = await anyio.to_thread.run_sync(
                lambda: GroundTruthFile(destination, storage_options=self.storage_options)
            )
        except VigilError as exc:
            return self._ground_truth_failed(exc)
        upload = GroundTruthUpload(file, kind)
        limit = self.max_ground_truth_bytes
        received = 0
        try:
            pending: list[bytes] = []
            size = 0
            async for chunk in request.stream():
                received += len(chunk)
                if received > limit:
                    raise HttpError(
                        413,
                        "PayloadTooLarge",
                        f"the ground-truth body is larger than the limit of {limit} bytes; "
                        "nothing of it was filed: split it into several uploads",
                    )
                pending.append(chunk)
                size += len(chunk)
                if size >= _FEED_BYTES:
                    data, pending, size = b"".join(pending), [], 0
                    await anyio.to_thread.run_sync(upload.feed, data)
            data = b"".join(pending)
            del pending

            def finish() -> int:
                upload.feed(data)
                return upload.close()

            await anyio.to_thread.run_sync(finish)
            now = datetime.fromtimestamp(self.clock(), UTC)
            done = await anyio.to_thread.run_sync(file.publish, now)
        except BaseException as exc:
            file.discard()  # close and unlink: quick, and safe while being cancelled
            if isinstance(exc, ClientDisconnect):
                return _json_error(400, "ClientDisconnect", "the client went away; nothing filed")
            if isinstance(exc, HttpError):
                if exc.status == 413:
                    await _drain(request, received)
                return _json_error(exc.status, exc.code, exc.message)
            if isinstance(exc, InputError):
                return _input_error(exc)
            if isinstance(exc, VigilError):
                return self._ground_truth_failed(exc)
            raise
        return Response(
            orjson.dumps({"url": done.url, "records": done.records}),
            201,
            media_type="application/json",
        )

    @staticmethod
    def _ground_truth_failed(exc: VigilError) -> Response:
        error_id = str(uuid.uuid4())
        _LOG.error("ground truth write failed %s: %s", error_id, exc)
        return _json_error(500, "StorageError", str(exc), errorId=error_id)

    async def metrics_route(self, request: Request) -> Response:
        return Response(self.metrics.render(), headers={"content-type": PROMETHEUS_CONTENT_TYPE})

    async def ping(self, request: Request) -> Response:
        return Response(b"", 200)


async def _drain(request: Request, received: int = 0) -> None:
    """Read (and discard) the rest of a body that is refused, so that the client, which sends
    the whole body before it reads the answer, gets the answer rather than a reset connection.
    Past ``_DRAIN_LIMIT`` bytes the connection is dropped instead."""
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > _DRAIN_LIMIT:
                return
    except Exception:  # already consumed, or the client went away
        return


def create_app(
    registry: EndpointRegistry,
    *,
    capture: CaptureWriter | None = None,
    metrics: RuntimeMetrics | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ground_truth_destination: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
    clock: Callable[[], float] = time.time,
    shadow_drain_seconds: float = 30.0,
    close_registry: bool = True,
    max_ground_truth_bytes: int = DEFAULT_MAX_GROUND_TRUTH_BYTES,
    max_ground_truth_uploads: int = DEFAULT_MAX_GROUND_TRUTH_UPLOADS,
) -> Starlette:
    """Build the inference server's ASGI app.

    Parameters
    ----------
    registry : EndpointRegistry
        The endpoints served; may change while the app runs.
    capture : CaptureWriter, optional
        Where capture records go. Default: a new writer with default limits. The app starts it
        at lifespan startup and closes it at shutdown (draining the queue).
    metrics : RuntimeMetrics, optional
        Default: a new one. The capture writer is attached to it. Read it with
        ``app.state.metrics.snapshot()``.
    max_body_bytes : int, default=6 MiB
        Larger invocation bodies are answered 413.
    ground_truth_destination : str, optional
        Enables ``POST /ground-truth`` (files under ``{destination}/groundtruth/...``).
    storage_options : mapping, optional
        fsspec options for ground-truth writes.
    clock : callable, default=time.time
        Seconds since the epoch: ``inferenceTime`` of capture records and the collection time
        of ground truth.
    shadow_drain_seconds : float, default=30.0
        At shutdown, how long to wait for shadow calls still running.
    close_registry : bool, default=True
        Close the registry's models (connection pools) at shutdown.
    max_ground_truth_bytes : int, default=256 MiB
        Largest ``POST /ground-truth`` body (413 above, nothing filed).
    max_ground_truth_uploads : int, default=4
        Ground-truth uploads decoded at once; more are answered 503 with ``Retry-After``.

    Returns
    -------
    starlette.applications.Starlette
        ``app.state.registry``, ``app.state.metrics`` and ``app.state.capture`` hold the parts.

    Raises
    ------
    InvalidParameterError
        If ``max_body_bytes``, ``max_ground_truth_bytes`` or ``max_ground_truth_uploads`` is
        not a positive integer.
    """
    from vigil.errors import InvalidParameterError

    for name, value in (
        ("max_body_bytes", max_body_bytes),
        ("max_ground_truth_bytes", max_ground_truth_bytes),
        ("max_ground_truth_uploads", max_ground_truth_uploads),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidParameterError(
                f"{name} of create_app must be a positive integer. Got {value!r} instead.",
                field=name,
            )
    writer = capture if capture is not None else CaptureWriter()
    runtime = metrics if metrics is not None else RuntimeMetrics()
    runtime.attach_capture(writer)
    server = _Server(
        registry,
        writer,
        runtime,
        max_body_bytes=max_body_bytes,
        ground_truth_destination=ground_truth_destination,
        clock=clock,
        storage_options=storage_options,
        max_ground_truth_bytes=max_ground_truth_bytes,
        max_ground_truth_uploads=max_ground_truth_uploads,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        writer.start()
        try:
            yield
        finally:
            await server.wait_for_shadows(shadow_drain_seconds)
            await anyio.to_thread.run_sync(writer.close)
            if close_registry:
                await registry.aclose()

    app = Starlette(
        routes=[
            Route("/endpoints/{name}/invocations", server.invocations, methods=["POST"]),
            Route("/ground-truth", server.ground_truth, methods=["POST"]),
            Route("/metrics", server.metrics_route, methods=["GET"]),
            Route("/ping", server.ping, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.registry = registry
    app.state.metrics = runtime
    app.state.capture = writer
    return app
