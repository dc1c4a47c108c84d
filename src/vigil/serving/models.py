"""Model loaders: scikit-learn estimators, Python entry points, and upstream HTTP servers.

Every model answers :meth:`Model.invoke` with the request body and headers and returns a
:class:`Prediction` (body bytes and Content-Type). Payload rules are in
:mod:`vigil.serving.payload`.

``sklearn``
    ``joblib.load`` of the configured path (local or fsspec URL; only paths a config names are
    loaded: unpickling runs code, so the file must be trusted). Rows become a float64 matrix
    checked against ``n_features_in_``; ``predict_proba`` is used when the estimator has it
    (one probability per class per row), ``predict`` otherwise. XGBoost and LightGBM models
    saved through their scikit-learn wrappers load the same way. Values that are not finite
    are refused (400), and so are missing values (empty CSV fields, JSON nulls) unless the
    estimator accepts NaN: its scikit-learn tag ``input_tags.allow_nan`` (HistGradientBoosting,
    XGBoost, LightGBM), or, for a pipeline, an imputer before any step that refuses NaN. The
    model is called only with input it declares it can take, so its exceptions are model
    errors.

``python``
    ``module:function``. If the module defines ``load()``, it is called once at start and the
    function is called as ``function(rows, model)``; otherwise as ``function(rows)``. ``rows``
    is a list of rows: lists of strings for CSV, the decoded JSON rows for JSON (see
    :func:`~vigil.serving.payload.json_rows`). It returns one prediction per row (a sequence or
    an ndarray), encoded like the scikit-learn flavor; ``bytes``/``str`` (sent as they are) or,
    for JSON, a ``dict`` (sent as JSON) are accepted too. Raising a
    :class:`~vigil.errors.InputError` answers 400; any other exception 500.

``proxy``
    The body is POSTed to the upstream ``url`` with ``Content-Type``, ``Accept`` and
    ``X-Amzn-SageMaker-Custom-Attributes`` passed on, through an :class:`httpx.AsyncClient`
    (a pool of ``max_connections``, ``timeout_seconds`` for connect, read, write and pool wait;
    proxy environment variables are ignored). The upstream's body and Content-Type are
    returned. An upstream 4xx is passed through with its status; 5xx is a model error (500);
    a timeout is 504; a connection failure 502.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import sys
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import anyio.to_thread
import httpx
import numpy as np

from vigil.errors import DatasetFormatError, InputError, InvalidParameterError
from vigil.serving.config import (
    Executor,
    ModelConfig,
    ProxyModelConfig,
    PythonModelConfig,
    SklearnModelConfig,
)
from vigil.serving.payload import (
    CSV_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    HttpError,
    PayloadKind,
    csv_matrix,
    encode_predictions,
    json_matrix,
    json_rows,
    kind_of,
    parse_csv,
    parse_json,
    response_kind,
)
from vigil.storage.objectstore import open_input

__all__ = [
    "CUSTOM_ATTRIBUTES_HEADER",
    "Model",
    "ModelRequest",
    "Prediction",
    "ProxyModel",
    "PythonModel",
    "SklearnModel",
    "load_model",
]

_LOG = logging.getLogger("vigil.serving")

CUSTOM_ATTRIBUTES_HEADER = "X-Amzn-SageMaker-Custom-Attributes"
"""SageMaker runtime header passed to the model as is (and captured as ``customAttributes``)."""


class ModelRequest(NamedTuple):
    """What a model sees of an invocation.

    Attributes
    ----------
    body : bytes
    content_type : str or None
        The Content-Type header, parameters kept.
    accept : str or None
        The Accept header.
    custom_attributes : str or None
        The ``X-Amzn-SageMaker-Custom-Attributes`` header.
    csv_types, json_types : frozenset of str
        Extra media types the endpoint declares as CSV / JSON.
    """

    body: bytes
    content_type: str | None
    accept: str | None
    custom_attributes: str | None
    csv_types: frozenset[str] = frozenset()
    json_types: frozenset[str] = frozenset()


class Prediction(NamedTuple):
    """A model's answer: the response body and its Content-Type (and HTTP status)."""

    body: bytes
    content_type: str
    status: int = 200


class Model(Protocol):
    """What an endpoint variant calls."""

    @property
    def config(self) -> ModelConfig:
        """The config the model was loaded from (compared on update to reuse the model)."""
        ...

    async def invoke(self, request: ModelRequest) -> Prediction:
        """Answer one invocation.

        Raises
        ------
        InputError
            The payload is malformed (HTTP 400).
        HttpError
            Another outcome with its own status (415, 406, 502, 504).
        Exception
            Anything else is a model error (HTTP 500).
        """
        ...

    async def aclose(self) -> None:
        """Release connections or other resources."""
        ...


def _request_kinds(request: ModelRequest) -> tuple[PayloadKind, PayloadKind]:
    kind = kind_of(request.content_type, request.csv_types, request.json_types)
    if kind is None:
        raise HttpError(
            415,
            "UnsupportedMediaType",
            f"Content-Type {request.content_type!r} is not supported; send text/csv or "
            "application/json",
        )
    return kind, response_kind(request.accept, kind)


def _content_type(kind: PayloadKind) -> str:
    return CSV_CONTENT_TYPE if kind == "csv" else JSON_CONTENT_TYPE


class _InProcess:
    """Runs a synchronous predict function inline or in a worker thread."""

    config: SklearnModelConfig | PythonModelConfig
    executor: Executor

    def _predict(self, request: ModelRequest) -> Prediction:  # pragma: no cover - abstract
        raise NotImplementedError

    async def invoke(self, request: ModelRequest) -> Prediction:
        if self.executor == "inline":
            return self._predict(request)
        return await anyio.to_thread.run_sync(self._predict, request)

    async def aclose(self) -> None:
        return None


class SklearnModel(_InProcess):
    """A joblib-saved estimator (see the module docstring).

    Parameters
    ----------
    config : SklearnModelConfig

    Raises
    ------
    DatasetNotFoundError
        If the file does not exist.
    DatasetFormatError
        If it cannot be unpickled or holds no object with ``predict``.
    """

    def __init__(self, config: SklearnModelConfig) -> None:
        import joblib

        self.config = config
        self.executor = config.executor
        try:
            with open_input(config.path) as handle:
                estimator = joblib.load(handle)
        except InputError:
            raise
        except Exception as exc:
            raise DatasetFormatError(
                f"cannot load the model with joblib: {type(exc).__name__}: {exc}", path=config.path
            ) from exc
        if not callable(getattr(estimator, "predict", None)):
            raise DatasetFormatError(
                f"the file holds a {type(estimator).__name__}, which has no predict method",
                path=config.path,
            )
        self.estimator = estimator
        proba = getattr(estimator, "predict_proba", None)
        self.uses_proba = callable(proba)
        self._fn: Callable[[np.ndarray], Any] = proba if callable(proba) else estimator.predict
        n = getattr(estimator, "n_features_in_", None)
        self.n_features: int | None = int(n) if isinstance(n, int | np.integer) else None
        names = getattr(estimator, "feature_names_in_", None)
        self.feature_names: list[str] | None = None if names is None else [str(x) for x in names]
        self.allow_missing = _accepts_missing(estimator)
        if self.feature_names is not None:
            # Rows arrive as arrays, ordered by these names; scikit-learn would warn per call.
            warnings.filterwarnings("ignore", message="X does not have valid feature names")

    def _predict(self, request: ModelRequest) -> Prediction:
        kind, out = _request_kinds(request)
        if kind == "csv":
            matrix = csv_matrix(
                parse_csv(request.body), self.n_features, allow_missing=self.allow_missing
            )
        else:
            rows, prefix = json_rows(parse_json(request.body))
            matrix = json_matrix(
                rows,
                prefix,
                n_features=self.n_features,
                feature_names=self.feature_names,
                allow_missing=self.allow_missing,
            )
        return Prediction(encode_predictions(self._fn(matrix), out), _content_type(out))


def _accepts_missing(estimator: Any) -> bool:
    """Whether an estimator takes NaN as a missing value.

    scikit-learn's ``allow_nan`` tag says it for one estimator (HistGradientBoosting, XGBoost,
    LightGBM: True; LogisticRegression: False). A pipeline is followed step by step: an imputer
    (``sklearn.impute``) removes missing values, so it accepts them; a step whose tag is False
    before any imputer refuses them; a step that lets NaN through (a scaler) passes the question
    on. What cannot be told (a ``ColumnTransformer``, an object without tags) is trusted to
    handle NaN itself: its error is then a model error, as before.
    """
    try:
        from sklearn.compose import ColumnTransformer
        from sklearn.pipeline import Pipeline
        from sklearn.utils import get_tags
    except ImportError:  # pragma: no cover - scikit-learn comes with the sklearn flavor
        return True
    steps = (
        [step for _, step in estimator.steps if step not in (None, "passthrough")]
        if isinstance(estimator, Pipeline)
        else [estimator]
    )
    for step in steps:
        kind = type(step)
        if isinstance(step, Pipeline | ColumnTransformer):
            return isinstance(step, ColumnTransformer) or _accepts_missing(step)
        if kind.__module__.startswith("sklearn.impute") and kind.__name__.endswith("Imputer"):
            return True
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                allow = bool(get_tags(step).input_tags.allow_nan)
        except Exception:
            return True
        if not allow:
            return False
    return True


_NO_MODEL = object()


class PythonModel(_InProcess):
    """A Python callable ``module:function`` (see the module docstring).

    Parameters
    ----------
    config : PythonModelConfig

    Raises
    ------
    InvalidParameterError
        If the module cannot be imported or the attribute is not callable.
    DatasetFormatError
        If the module's ``load()`` raises.
    """

    def __init__(self, config: PythonModelConfig) -> None:
        self.config = config
        self.executor = config.executor
        module_name, _, attr = config.entry_point.partition(":")
        if config.code_dir is not None and config.code_dir not in sys.path:
            sys.path.insert(0, config.code_dir)
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise InvalidParameterError(
                f"entry_point {config.entry_point!r}: cannot import {module_name!r} ({exc})",
                field="entry_point",
            ) from exc
        fn = getattr(module, attr, None)
        if not callable(fn):
            raise InvalidParameterError(
                f"entry_point {config.entry_point!r}: {module_name} has no callable {attr!r}",
                field="entry_point",
            )
        self._fn: Callable[..., Any] = fn
        load = getattr(module, "load", None)
        self.model: Any = _NO_MODEL
        if callable(load) and not inspect.iscoroutinefunction(load):
            try:
                self.model = load()
            except Exception as exc:
                raise DatasetFormatError(
                    f"load() of {module_name} failed: {type(exc).__name__}: {exc}",
                    path=config.entry_point,
                ) from exc

    def _predict(self, request: ModelRequest) -> Prediction:
        kind, out = _request_kinds(request)
        rows: list[Any]
        if kind == "csv":
            rows = list(parse_csv(request.body))
        else:
            rows = json_rows(parse_json(request.body))[0]
        result = self._fn(rows) if self.model is _NO_MODEL else self._fn(rows, self.model)
        if isinstance(result, bytes | str):
            body = result.encode("utf-8") if isinstance(result, str) else result
            return Prediction(body, _content_type(out))
        if isinstance(result, dict) and out == "json":
            import orjson

            return Prediction(
                orjson.dumps(result, option=orjson.OPT_SERIALIZE_NUMPY), JSON_CONTENT_TYPE
            )
        return Prediction(encode_predictions(result, out), _content_type(out))


class ProxyModel:
    """Forward invocations to an upstream HTTP model server (see the module docstring).

    Parameters
    ----------
    config : ProxyModelConfig
    transport : httpx.AsyncBaseTransport, optional
        For tests; default a pooled TCP transport.
    """

    def __init__(
        self, config: ProxyModelConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        limits = httpx.Limits(
            max_connections=config.max_connections,
            max_keepalive_connections=config.max_connections,
        )
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(config.timeout_seconds),
            limits=limits,
            trust_env=False,
            transport=transport,
        )

    async def invoke(self, request: ModelRequest) -> Prediction:
        headers = {}
        if request.content_type is not None:
            headers["Content-Type"] = request.content_type
        if request.accept is not None:
            headers["Accept"] = request.accept
        if request.custom_attributes is not None:
            headers[CUSTOM_ATTRIBUTES_HEADER] = request.custom_attributes
        try:
            response = await self._client.post(
                self.config.url, content=request.body, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise HttpError(
                504,
                "UpstreamTimeout",
                f"the upstream model server did not answer within {self.config.timeout_seconds} s "
                f"({type(exc).__name__})",
            ) from exc
        except httpx.TransportError as exc:
            raise HttpError(
                502,
                "UpstreamUnavailable",
                f"the upstream model server cannot be reached ({type(exc).__name__}: {exc})",
            ) from exc
        content_type = response.headers.get("content-type", "application/octet-stream")
        if response.status_code >= 500:
            raise RuntimeError(
                f"the upstream model server answered {response.status_code}: "
                f"{response.text[:200]!r}"
            )
        return Prediction(response.content, content_type, response.status_code)

    async def aclose(self) -> None:
        await self._client.aclose()


def load_model(config: ModelConfig) -> Model:
    """Load the model a variant config names.

    Raises
    ------
    DatasetNotFoundError, DatasetFormatError, InvalidParameterError
        As the flavor's constructor.
    """
    if isinstance(config, SklearnModelConfig):
        return SklearnModel(config)
    if isinstance(config, PythonModelConfig):
        return PythonModel(config)
    return ProxyModel(config)
