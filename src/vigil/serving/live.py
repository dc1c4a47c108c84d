"""Endpoints, served: the metadata store's endpoint documents kept in step with live serving.

The metadata store is the one source of truth for endpoints. :class:`StoredEndpoints` changes
only the documents (the control-plane API alone, :func:`vigil.service.app.create_app`);
:class:`LiveEndpoints` (the one service, :func:`vigil.service.server.create_service`) also keeps
an :class:`~vigil.serving.registry.EndpointRegistry` equal to what the store says:

* A document with ``variants`` (or ``shadow_variant``) is served. It must be a valid endpoint
  config of the serving layer (:class:`vigil.serving.config.EndpointConfig` without its
  ``name``); an invalid one is refused with :class:`~vigil.errors.DocumentError` whose field
  names the key (``config.variants[0].model.path``). Its models are loaded *before* the stored
  document changes; a model that cannot be loaded is refused with
  :class:`~vigil.errors.InvalidParameterError` (``config.variants[0].model.path``) and nothing
  changes. On update, a variant whose model config is unchanged keeps its loaded model.
* A document without variants (``{}``, or only ``data_capture``: traffic captured by an
  external proxy) is stored and not served; invoking it answers 404 saying so.
* Local model paths (``model.path``, ``model.code_dir``) are made absolute, and every model
  path and proxy ``url`` is checked against the control plane's
  :class:`~vigil.control.UrlPolicy` (unpickling a model runs code: restrict the
  prefixes on a shared service). ``data_capture.enable_capture: true`` without a
  ``destination`` captures under ``{capture_root}`` (``{data_dir}/capture``).
* :meth:`LiveEndpoints.reconcile` re-reads the store and applies what other replicas (sharing
  one PostgreSQL database) created, changed or deleted; the service runs it every few seconds.
  A stored endpoint that cannot be loaded here is logged and answers 503 naming the reason.

Changes are serialised by one lock; the request path reads the registry without locking.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import logging
from collections.abc import Iterator
from typing import Any, NamedTuple

import anyio.to_thread
from pydantic import ValidationError

from vigil.api.resources import Endpoint, EndpointConfig, EndpointCreate
from vigil.control import ControlPlane
from vigil.errors import DocumentError, InvalidParameterError, VigilError
from vigil.serving.config import EndpointConfig as ServingEndpointConfig
from vigil.serving.config import (
    ModelConfig,
    ProxyModelConfig,
    PythonModelConfig,
    ServeConfig,
    SklearnModelConfig,
    config_error,
)
from vigil.serving.models import Model, load_model
from vigil.serving.registry import EndpointRegistry
from vigil.storage.metadata import EndpointRecord, ResourceConflictError, ResourceNotFoundError

__all__ = ["LiveEndpoints", "NotServed", "StoredEndpoints", "is_served"]

_log = logging.getLogger(__name__)

_SERVED_KEYS = ("variants", "shadow_variant")


def is_served(document: dict[str, Any]) -> bool:
    """Whether an endpoint document describes models to serve (has ``variants``).

    >>> is_served({"data_capture": {"destination": "/srv/capture"}}), is_served({"variants": []})
    (False, True)
    """
    return any(key in document for key in _SERVED_KEYS)


class NotServed(NamedTuple):
    """Why an existing endpoint is not served here: the runtime answer to an invocation.

    Attributes
    ----------
    status : int
        404 (nothing to serve) or 503 (its models could not be loaded on this replica).
    code : str
        ``EndpointNotServed`` or ``EndpointUnavailable``.
    message : str
    """

    status: int
    code: str
    message: str


class StoredEndpoints:
    """Create, update and delete endpoint documents in the metadata store (nothing served).

    Parameters
    ----------
    control : ControlPlane
    """

    def __init__(self, control: ControlPlane) -> None:
        self.control = control

    async def create(self, request: EndpointCreate) -> Endpoint:
        """Store a new endpoint.

        Raises
        ------
        ResourceConflictError
            If the name is taken.
        InvalidParameterError
            If a URL is not allowed.
        """
        return await anyio.to_thread.run_sync(self.control.create_endpoint, request)

    async def update(self, name: str, config: EndpointConfig) -> Endpoint:
        """Replace an endpoint's configuration.

        Raises
        ------
        ResourceNotFoundError
        InvalidParameterError
            If a URL is not allowed.
        """
        return await anyio.to_thread.run_sync(self.control.update_endpoint, name, config)

    async def delete(self, name: str) -> None:
        """Delete an endpoint.

        Raises
        ------
        ResourceNotFoundError
        ResourceConflictError
            If monitoring schedules read its capture.
        """
        await anyio.to_thread.run_sync(self.control.delete_endpoint, name)


def _key(name: str, created: Any, config: dict[str, Any]) -> tuple[str, str, str]:
    """What identifies one version of a stored endpoint (the clock may be frozen: not times)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return name, str(created), hashlib.sha256(text.encode("utf-8")).hexdigest()


def _variants(config: ServingEndpointConfig) -> Iterator[tuple[str, ModelConfig]]:
    """``(where, model config)`` of each variant: ``variants[0]`` …, ``shadow_variant``."""
    for i, variant in enumerate(config.variants):
        yield f"variants[{i}]", variant.model
    if config.shadow_variant is not None:
        yield "shadow_variant", config.shadow_variant.model


def _model_field(model: ModelConfig) -> str:
    if isinstance(model, SklearnModelConfig):
        return "path"
    if isinstance(model, PythonModelConfig):
        return "entry_point"
    return "url"


def _serving_config(name: str, document: dict[str, Any]) -> ServingEndpointConfig:
    """Validate a served document with the serving layer.

    Raises
    ------
    DocumentError
        ``field`` is the key's path under ``config`` (``config.variants[0].model.path``).
    """
    try:
        return ServingEndpointConfig.model_validate({**document, "name": name})
    except ValidationError as exc:
        error = config_error(exc, source=None)
        field = f"config.{error.field}" if error.field else "config"
        raise DocumentError(error.message, field=field) from exc


class LiveEndpoints(StoredEndpoints):
    """Endpoint documents in the store, and the same endpoints served (see the module docstring).

    Parameters
    ----------
    control : ControlPlane
        Stores the documents (its ``url_policy`` checks model paths too).
    capture_root : str
        Default capture destination of endpoints that enable capture without one.
    seed : int, str or None, default=None
        Seeds the traffic split and capture sampling (:class:`EndpointRegistry`).

    Attributes
    ----------
    registry : EndpointRegistry
        What is served; give it to :func:`vigil.serving.app.create_app`.
    """

    def __init__(
        self, control: ControlPlane, *, capture_root: str, seed: int | str | None = None
    ) -> None:
        super().__init__(control)
        self.capture_root = capture_root
        self.registry = EndpointRegistry(seed=seed, loader=self._load)
        self._staged: dict[ModelConfig, Model] = {}
        self._applied: dict[str, tuple[str, str, str]] = {}
        self._not_served: dict[str, NotServed] = {}
        self._lock = asyncio.Lock()

    # ---- the request path ----------------------------------------------------------------

    def not_served(self, name: str) -> NotServed | None:
        """Why the stored endpoint ``name`` is not served (None: served, or unknown)."""
        return self._not_served.get(name)

    # ---- changes through the API ---------------------------------------------------------

    async def create(self, request: EndpointCreate) -> Endpoint:
        """Validate, load the models, store the document, then serve it.

        Raises
        ------
        DocumentError
            An invalid served config (``field`` ``config.…``).
        InvalidParameterError
            A model that cannot be loaded, or a URL that is not allowed.
        ResourceConflictError
            If the name is taken (the models loaded are closed again).
        """
        async with self._lock:
            document, serving = self._prepare(request.name, request.config.document())
            await self._stage(serving)
            try:
                endpoint = await anyio.to_thread.run_sync(
                    self.control.create_endpoint,
                    EndpointCreate(
                        name=request.name, config=EndpointConfig.model_validate(document)
                    ),
                )
            except BaseException:
                await self._discard_staged()
                raise
            await self._activate(endpoint.name, serving)
            self._applied[endpoint.name] = _key(
                endpoint.name, endpoint.creation_time, endpoint.config
            )
            return endpoint

    async def update(self, name: str, config: EndpointConfig) -> Endpoint:
        """Validate, load the new models, replace the document, then swap the served endpoint.

        Requests keep going to the old models until the new ones are in place.

        Raises
        ------
        ResourceNotFoundError
            Before anything is loaded.
        DocumentError, InvalidParameterError
            As :meth:`create`; nothing changes.
        """
        async with self._lock:
            await anyio.to_thread.run_sync(self.control.describe_endpoint, name)
            document, serving = self._prepare(name, config.document())
            await self._stage(serving)
            try:
                endpoint = await anyio.to_thread.run_sync(
                    self.control.update_endpoint, name, EndpointConfig.model_validate(document)
                )
            except BaseException:
                await self._discard_staged()
                raise
            await self._activate(name, serving)
            self._applied[name] = _key(name, endpoint.creation_time, endpoint.config)
            return endpoint

    async def delete(self, name: str) -> None:
        """Delete the document, then stop serving the endpoint and close its models.

        Raises
        ------
        ResourceNotFoundError
        ResourceConflictError
            If monitoring schedules read its capture (it keeps being served).
        """
        async with self._lock:
            await anyio.to_thread.run_sync(self.control.delete_endpoint, name)
            self._applied.pop(name, None)
            self._not_served.pop(name, None)
            await self.registry.remove(name)

    # ---- start-up and other replicas -----------------------------------------------------

    def adopt(self, config: ServeConfig) -> None:
        """Serve the endpoints of a serve config and upsert them into the store (at start-up).

        Paths are made absolute and checked like the API's; every model is loaded first: if
        one cannot be, nothing is stored.

        Raises
        ------
        DatasetNotFoundError, DatasetFormatError, InvalidParameterError
            If a model cannot be loaded, or a URL is not allowed.
        """
        prepared = []
        for endpoint in config.endpoints:
            document = endpoint.model_dump(mode="json", exclude={"name"}, exclude_none=True)
            document, serving = self._prepare(endpoint.name, document)
            if serving is not None:  # always: a serve config's endpoints have variants
                prepared.append((document, serving))
        for _, serving in prepared:
            self.registry.put(serving)  # new names: nothing is retired
        for document, serving in prepared:
            record = self._upsert(serving.name, document)
            self._applied[record.name] = _key(record.name, record.created_at, record.config)
            self._not_served.pop(record.name, None)

    def _upsert(self, name: str, document: dict[str, Any]) -> EndpointRecord:
        store = self.control.store
        config = EndpointConfig.model_validate(document)
        try:
            current = store.endpoints.get(name)
        except ResourceNotFoundError:
            try:
                self.control.create_endpoint(EndpointCreate(name=name, config=config))
            except ResourceConflictError:  # another replica created it meanwhile
                self.control.update_endpoint(name, config)
        else:
            if current.config != config.document():
                self.control.update_endpoint(name, config)
        return store.endpoints.get(name)

    def load_stored(self) -> None:
        """Serve every stored endpoint that has variants (at start-up, before serving).

        An endpoint whose models cannot be loaded is logged and answers 503; it does not stop
        the service.
        """
        for record in self._records():
            if self._applied.get(record.name) != _key(
                record.name, record.created_at, record.config
            ):
                self._apply(record)  # nothing is served yet: nothing is retired

    async def reconcile(self) -> int:
        """Apply what changed in the store since the last look (other replicas' changes).

        Returns
        -------
        int
            Endpoints created, changed or deleted here.
        """
        async with self._lock:
            records = await anyio.to_thread.run_sync(self._records)
            changed = 0
            for record in records:
                if self._applied.get(record.name) == _key(
                    record.name, record.created_at, record.config
                ):
                    continue
                retired = await anyio.to_thread.run_sync(self._apply, record)
                await _close(retired)
                changed += 1
            gone = set(self._applied) - {r.name for r in records}
            for name in sorted(gone):
                self._applied.pop(name, None)
                self._not_served.pop(name, None)
                await self.registry.remove(name)
                _log.info("endpoint deleted elsewhere: no longer served", extra={"endpoint": name})
            return changed + len(gone)

    async def reconcile_every(self, seconds: float) -> None:
        """:meth:`reconcile` every ``seconds`` until cancelled (errors are logged, not raised)."""
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.reconcile()
            except Exception:
                _log.exception("reconciling endpoints with the metadata store failed")

    # ---- internals -----------------------------------------------------------------------

    def _records(self) -> list[EndpointRecord]:
        records: list[EndpointRecord] = []
        token = None
        while True:
            page = self.control.store.endpoints.list(limit=1000, next_token=token)
            records.extend(page.items)
            token = page.next_token
            if token is None:
                return records

    def _apply(self, record: EndpointRecord) -> list[Model]:
        """Make the registry serve one stored record (blocking); returns models to close."""
        name = record.name
        self._applied[name] = _key(name, record.created_at, record.config)
        if not is_served(record.config):
            self._not_served[name] = _capture_only(name)
            return self.registry.delete(name)
        try:
            serving = _serving_config(name, record.config)
            live = self.registry.get(name)
            retired = (
                [] if live is not None and live.config == serving else self.registry.put(serving)
            )
        except Exception as exc:
            reason = str(exc) if isinstance(exc, VigilError) else f"{type(exc).__name__}: {exc}"
            _log.error(
                "endpoint %s cannot be served here: %s", name, reason, extra={"endpoint": name}
            )
            self._not_served[name] = NotServed(
                503,
                "EndpointUnavailable",
                f"endpoint {name!r} is stored but cannot be served by this replica: {reason} "
                "(update the endpoint to retry)",
            )
            return self.registry.delete(name)
        self._not_served.pop(name, None)
        _log.info("endpoint served", extra={"endpoint": name})
        return retired

    def _prepare(
        self, name: str, document: dict[str, Any]
    ) -> tuple[dict[str, Any], ServingEndpointConfig | None]:
        """The document to store (paths absolute, default capture root) and its serving config."""
        document = copy.deepcopy(document)
        capture = document.get("data_capture")
        if (
            isinstance(capture, dict)
            and capture.get("enable_capture") is True
            and not capture.get("destination")
        ):
            capture["destination"] = self.capture_root
        if not is_served(document):
            return document, None
        serving = _serving_config(name, document)
        # validated: the variants are objects with a model object, in the config's order
        spots = [
            (f"variants[{i}]", raw["model"], variant.model)
            for i, (raw, variant) in enumerate(
                zip(document["variants"], serving.variants, strict=True)
            )
        ]
        if serving.shadow_variant is not None:
            spots.append(
                (
                    "shadow_variant",
                    document["shadow_variant"]["model"],
                    serving.shadow_variant.model,
                )
            )
        policy = self.control.url_policy
        for where, spot, model in spots:
            field = f"config.{where}.model"
            if isinstance(model, SklearnModelConfig):
                spot["path"] = policy.check(model.path, f"{field}.path")
            elif isinstance(model, PythonModelConfig) and model.code_dir is not None:
                spot["code_dir"] = policy.check(model.code_dir, f"{field}.code_dir")
            elif isinstance(model, ProxyModelConfig):
                policy.check(model.url, f"{field}.url")
        return document, _serving_config(name, document)

    def _load(self, config: ModelConfig) -> Model:
        """The registry's loader: a model staged by :meth:`_stage`, else a new one."""
        staged = self._staged.get(config)
        return staged if staged is not None else load_model(config)

    async def _stage(self, serving: ServingEndpointConfig | None) -> None:
        """Load the models ``serving`` needs that the live endpoint does not have yet.

        Raises
        ------
        InvalidParameterError
            Naming the model that cannot be loaded; the ones loaded are closed again.
        """
        if serving is None:
            return
        live = self.registry.get(serving.name)
        in_use = set() if live is None else {m.config for m in live.models()}

        def load() -> None:
            for where, model in _variants(serving):
                if model in in_use or model in self._staged:
                    continue
                field = f"config.{where}.model.{_model_field(model)}"
                try:
                    self._staged[model] = load_model(model)
                except VigilError as exc:
                    raise InvalidParameterError(
                        f"the model of {where} cannot be loaded: {exc.message}",
                        path=exc.path,
                        field=field,
                    ) from exc
                except Exception as exc:  # a Python model whose import or load() fails
                    raise InvalidParameterError(
                        f"the model of {where} cannot be loaded: {type(exc).__name__}: {exc}",
                        field=field,
                    ) from exc

        try:
            await anyio.to_thread.run_sync(load)
        except BaseException:
            await self._discard_staged()
            raise

    async def _discard_staged(self) -> None:
        staged = list(self._staged.values())
        self._staged.clear()
        await _close(staged)

    async def _activate(self, name: str, serving: ServingEndpointConfig | None) -> None:
        """Serve ``serving`` (models staged) or stop serving ``name``; close what is retired."""
        try:
            if serving is None:
                self._not_served[name] = _capture_only(name)
                retired = self.registry.delete(name)
            else:
                retired = await anyio.to_thread.run_sync(self.registry.put, serving)
                self._not_served.pop(name, None)
            used = set() if serving is None else {id(m) for m in self._endpoint_models(name)}
            leftover = [m for m in self._staged.values() if id(m) not in used]
        finally:
            self._staged.clear()
        await _close([*retired, *leftover])

    def _endpoint_models(self, name: str) -> list[Model]:
        live = self.registry.get(name)
        return [] if live is None else live.models()


def _capture_only(name: str) -> NotServed:
    return NotServed(
        404,
        "EndpointNotServed",
        f"endpoint {name!r} has no variants: its configuration only describes data capture "
        "(written by another server), so this service does not serve it; add variants to "
        "serve it here",
    )


async def _close(models: list[Model]) -> None:
    seen: set[int] = set()
    for model in models:
        if id(model) in seen:
            continue
        seen.add(id(model))
        try:
            await model.aclose()
        except Exception:  # pragma: no cover - closing a pool must not fail a change
            _log.exception("closing a retired model failed")
