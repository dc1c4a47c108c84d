"""Predictors: what an explanation calls to get model outputs, in batches, with a call count.

A :class:`Predictor` maps a float matrix of shape (n_rows, n_features) to one output per row,
shape (n_rows,), or several, shape (n_rows, n_outputs) (class probabilities, scores). Every
implementation splits its input into batches of at most ``batch_size`` rows, calls the model
once per batch and counts the calls (:attr:`~Predictor.calls`) and the rows
(:attr:`~Predictor.rows_predicted`), so that a job can report what an explanation cost.

:class:`ModelPredictor`
    A loaded model object: scikit-learn-like ``predict_proba`` (preferred when present, as the
    serving ``sklearn`` flavor does), ``predict`` or ``decision_function`` (XGBoost and LightGBM
    through their scikit-learn wrappers are models of this kind). TreeSHAP needs this kind: it
    reads the trees from the object.
:class:`CallablePredictor`
    A plain function ``f(rows) -> outputs``.
:class:`EndpointPredictor`
    A Vigil endpoint over HTTP: ``POST {url}/endpoints/{name}/invocations`` with a CSV body (one
    row per line, no header; numbers in Python's shortest round-trip form, NaN as ``nan``) and
    ``Accept: text/csv``; the answer is one CSV line per row (one value, or one value per
    output). A batch whose body would pass ``max_body_bytes`` (SageMaker's 6 MiB by default) is
    halved until it fits.

    The endpoint treats these calls as traffic: an endpoint that captures data captures them,
    and a shadow variant receives copies. Point the predictor at an endpoint or variant
    (``target_variant``) without capture, as Clarify does with its shadow endpoint.

Outputs are checked once per batch: numbers (a model answering class labels cannot be explained:
ask for scores), finite, one row per input row and the same number of outputs in every batch.
An output of shape (n, 1) is returned as (n,).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from numpy.typing import ArrayLike, NDArray

from vigil.errors import InvalidParameterError, VigilError

__all__ = [
    "DEFAULT_ENDPOINT_BATCH_SIZE",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MODEL_BATCH_SIZE",
    "CallablePredictor",
    "EndpointPredictor",
    "ModelInvocationError",
    "ModelMethod",
    "ModelPredictor",
    "Predictor",
]

FloatArray = NDArray[np.float64]

DEFAULT_MODEL_BATCH_SIZE = 250_000
"""Rows per call of an in-process model (8 features x 250,000 rows is 16 MB of float64)."""

DEFAULT_ENDPOINT_BATCH_SIZE = 10_000
"""Rows per HTTP request before the body-size split (20 features: about 4 MB of CSV)."""

DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024
"""Largest request body sent, in bytes: SageMaker's (and ``vigil serve``'s default) limit."""

ModelMethod = Literal["auto", "predict_proba", "predict", "decision_function"]
"""The model method a :class:`ModelPredictor` calls; ``auto``: predict_proba, else predict."""

_MODEL_METHODS: tuple[str, ...] = ("predict_proba", "predict", "decision_function")


class ModelInvocationError(VigilError, RuntimeError):
    """A model or endpoint failed, or answered something that cannot be explained.

    Attributes
    ----------
    status : int or None
        The HTTP status of an endpoint's answer, None otherwise.
    """

    def __init__(self, message: str, *, path: str | None = None, status: int | None = None) -> None:
        super().__init__(message, path=path)
        self.status = status


class Predictor(Protocol):
    """Model outputs for rows of features, called in batches and counted.

    ``predict(rows)`` takes a float64 array of shape (n_rows, n_features) and returns an array
    of shape (n_rows,) or (n_rows, n_outputs).
    """

    @property
    def batch_size(self) -> int:
        """Most rows sent to the model in one call."""
        ...

    @property
    def calls(self) -> int:
        """Model calls (HTTP requests for an endpoint) made so far."""
        ...

    @property
    def rows_predicted(self) -> int:
        """Rows predicted so far."""
        ...

    def predict(self, rows: FloatArray) -> FloatArray:
        """Outputs of shape (n_rows,) or (n_rows, n_outputs) for ``rows`` (n_rows, n_features)."""
        ...


def _positive_int(value: Any, name: str, fn: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParameterError(
            f"{name} of {fn} must be a positive integer. Got {value!r} instead.", field=name
        )
    return value


class _BatchedPredictor:
    """Batching, counting and output checks shared by the predictors."""

    _where: str | None = None

    def __init__(self, batch_size: int, fn: str) -> None:
        self._batch_size = _positive_int(batch_size, "batch_size", fn)
        self._calls = 0
        self._rows = 0
        self._width: int | None = None  # outputs per row, once seen (0 for a 1-D output)

    @property
    def batch_size(self) -> int:
        """Most rows sent to the model in one call."""
        return self._batch_size

    @property
    def calls(self) -> int:
        """Model calls made so far."""
        return self._calls

    @property
    def rows_predicted(self) -> int:
        """Rows predicted so far."""
        return self._rows

    def _call(self, batch: FloatArray) -> Any:
        raise NotImplementedError

    def predict(self, rows: ArrayLike) -> FloatArray:
        """Outputs for ``rows``, in batches of at most :attr:`batch_size` rows.

        Parameters
        ----------
        rows : array-like of shape (n_rows, n_features)
            Numbers (NaN allowed: missing values, if the model accepts them).

        Returns
        -------
        ndarray of shape (n_rows,) or (n_rows, n_outputs)

        Raises
        ------
        InvalidParameterError
            If ``rows`` is not a non-empty 2-D array of numbers.
        ModelInvocationError
            If the model fails or answers outputs that are not finite numbers, one per row.
        """
        fn = f"{type(self).__name__}.predict"
        try:
            matrix = np.ascontiguousarray(rows, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(
                f"rows of {fn} must be numbers. Got {exc} instead.", field="rows"
            ) from None
        if matrix.ndim != 2 or matrix.shape[0] == 0:
            raise InvalidParameterError(
                f"rows of {fn} must have shape (n_rows, n_features) with n_rows >= 1. "
                f"Got shape {matrix.shape} instead.",
                field="rows",
            )
        parts = []
        for start in range(0, matrix.shape[0], self._batch_size):
            batch = matrix[start : start + self._batch_size]
            parts.append(self._checked(self._call(batch), start, batch.shape[0], fn))
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)

    def _checked(self, raw: Any, start: int, n: int, fn: str) -> FloatArray:
        try:
            out = np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError):
            raise ModelInvocationError(
                f"{fn}: the model answered values that are not numbers (class labels?) for rows "
                f"{start + 1}-; explain scores or probabilities instead",
                path=self._where,
            ) from None
        if out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]
        if out.ndim not in (1, 2) or out.shape[0] != n:
            raise ModelInvocationError(
                f"{fn}: the model answered shape {out.shape} for a batch of {n} rows; expected "
                f"(n_rows,) or (n_rows, n_outputs)",
                path=self._where,
            )
        width = 0 if out.ndim == 1 else out.shape[1]
        if self._width is not None and width != self._width:
            raise ModelInvocationError(
                f"{fn}: the model answered {width or 1} outputs per row, earlier {self._width or 1}",
                path=self._where,
            )
        self._width = width
        if not np.isfinite(out).all():
            row = int(np.flatnonzero(~np.isfinite(out.reshape(out.shape[0], -1)).all(axis=1))[0])
            raise ModelInvocationError(
                f"{fn}: the model answered NaN or infinity for row {start + row + 1}",
                path=self._where,
            )
        return out

    def _count(self, n_rows: int) -> None:
        self._calls += 1
        self._rows += n_rows


class ModelPredictor(_BatchedPredictor):
    """A loaded model object: ``predict_proba``, ``predict`` or ``decision_function``.

    Parameters
    ----------
    model : object
        A fitted scikit-learn-like estimator (scikit-learn, XGBoost's and LightGBM's wrappers).
    method : {"auto", "predict_proba", "predict", "decision_function"}, default="auto"
        The method called; ``auto`` calls ``predict_proba`` when the model has it (one
        probability per class) and ``predict`` otherwise, as the serving ``sklearn`` flavor.
    batch_size : int, default=250_000
        Most rows per call.

    Attributes
    ----------
    model : object
    method : str
        The method actually called (``auto`` resolved).

    Raises
    ------
    InvalidParameterError
        If the model has no such method or ``batch_size`` is not a positive integer.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> model = LinearRegression().fit([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    >>> p = ModelPredictor(model, batch_size=2)
    >>> p.method, p.predict([[3.0], [4.0], [5.0]]).round(6).tolist(), p.calls, p.rows_predicted
    ('predict', [7.0, 9.0, 11.0], 2, 3)
    """

    def __init__(
        self,
        model: Any,
        *,
        method: ModelMethod = "auto",
        batch_size: int = DEFAULT_MODEL_BATCH_SIZE,
    ) -> None:
        fn = "ModelPredictor"
        super().__init__(batch_size, fn)
        if method == "auto":
            method = (
                "predict_proba" if callable(getattr(model, "predict_proba", None)) else "predict"
            )
        if method not in _MODEL_METHODS or not callable(getattr(model, method, None)):
            raise InvalidParameterError(
                f"method of {fn} must be a method the model has, one of {list(_MODEL_METHODS)}. "
                f"Got {method!r} for a {type(model).__name__} instead.",
                field="method",
            )
        self.model = model
        self.method: str = method
        self._function: Callable[[FloatArray], Any] = getattr(model, method)

    def _call(self, batch: FloatArray) -> Any:
        try:
            out = self._function(batch)
        except Exception as exc:
            raise ModelInvocationError(
                f"{type(self.model).__name__}.{self.method} failed on {batch.shape[0]} rows: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        self._count(batch.shape[0])
        return out


class CallablePredictor(_BatchedPredictor):
    """A plain function ``f(rows) -> outputs`` called in batches.

    Parameters
    ----------
    function : callable
        Takes a float64 array (n_rows, n_features); returns (n_rows,) or (n_rows, n_outputs).
    batch_size : int, default=250_000

    Examples
    --------
    >>> p = CallablePredictor(lambda rows: rows.sum(axis=1), batch_size=1)
    >>> p.predict([[1.0, 2.0], [3.0, 4.0]]).tolist(), p.calls
    ([3.0, 7.0], 2)
    """

    def __init__(
        self, function: Callable[[FloatArray], Any], *, batch_size: int = DEFAULT_MODEL_BATCH_SIZE
    ) -> None:
        super().__init__(batch_size, "CallablePredictor")
        if not callable(function):
            raise InvalidParameterError(
                f"function of CallablePredictor must be callable. Got {function!r} instead.",
                field="function",
            )
        self.function = function

    def _call(self, batch: FloatArray) -> Any:
        try:
            out = self.function(batch)
        except Exception as exc:
            raise ModelInvocationError(
                f"the model function failed on {batch.shape[0]} rows: {type(exc).__name__}: {exc}"
            ) from exc
        self._count(batch.shape[0])
        return out


def _csv_body(batch: FloatArray) -> bytes:
    table = pa.table({f"c{j}": batch[:, j] for j in range(batch.shape[1])})
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False))
    return sink.getvalue()


def _csv_outputs(body: bytes, n_rows: int, where: str) -> FloatArray:
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
        )
    except (pa.ArrowInvalid, ValueError) as exc:
        raise ModelInvocationError(
            f"the endpoint's answer is not CSV of numbers: {exc}", path=where
        ) from None
    columns = []
    for column in table.columns:
        if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
            raise ModelInvocationError(
                f"the endpoint answered values that are not numbers (class labels?), e.g. "
                f"{column[0].as_py()!r}; explain an endpoint that answers scores or probabilities",
                path=where,
            )
        columns.append(column.to_numpy(zero_copy_only=False).astype(np.float64))
    if table.num_rows != n_rows:
        raise ModelInvocationError(
            f"the endpoint answered {table.num_rows} rows for {n_rows}", path=where
        )
    return columns[0] if len(columns) == 1 else np.column_stack(columns)


class EndpointPredictor(_BatchedPredictor):
    """A Vigil (or SageMaker-runtime-compatible) endpoint over HTTP, CSV in and out.

    Parameters
    ----------
    url : str
        The server's base URL, e.g. ``http://127.0.0.1:8080``.
    endpoint : str
        The endpoint name: requests go to ``{url}/endpoints/{endpoint}/invocations``.
    target_variant : str or None, default=None
        Sent as ``X-Amzn-SageMaker-Target-Variant``.
    batch_size : int, default=10_000
        Most rows per request (fewer when the body would pass ``max_body_bytes``).
    max_body_bytes : int, default=6 MiB
        Largest request body, in bytes.
    timeout : float, default=60.0
        Seconds for connecting, and for each read and write.
    headers : mapping of str to str, optional
        Extra request headers (``Authorization``, custom attributes).
    client : httpx.Client, optional
        A client to send through; by default the predictor opens its own (proxy environment
        variables ignored) and :meth:`close` closes it.

    Raises
    ------
    InvalidParameterError
        If a size is not a positive integer or ``timeout`` is not positive.
    """

    def __init__(
        self,
        url: str,
        endpoint: str,
        *,
        target_variant: str | None = None,
        batch_size: int = DEFAULT_ENDPOINT_BATCH_SIZE,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        timeout: float = 60.0,
        headers: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        fn = "EndpointPredictor"
        super().__init__(batch_size, fn)
        self.max_body_bytes = _positive_int(max_body_bytes, "max_body_bytes", fn)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise InvalidParameterError(
                f"timeout of {fn} must be a positive number of seconds. Got {timeout!r} instead.",
                field="timeout",
            )
        self.invocations_url = f"{url.rstrip('/')}/endpoints/{endpoint}/invocations"
        self._where = self.invocations_url
        self._headers = {"Content-Type": "text/csv", "Accept": "text/csv", **(headers or {})}
        if target_variant is not None:
            self._headers["X-Amzn-SageMaker-Target-Variant"] = target_variant
        self._own_client = client is None
        self._client = client or httpx.Client(timeout=timeout, trust_env=False)

    def close(self) -> None:
        """Close the HTTP client if the predictor opened it."""
        if self._own_client:
            self._client.close()

    def __enter__(self) -> EndpointPredictor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, batch: FloatArray) -> Any:
        body = _csv_body(batch)
        if len(body) > self.max_body_bytes:
            if batch.shape[0] == 1:
                raise ModelInvocationError(
                    f"one row encodes to {len(body)} bytes, more than max_body_bytes "
                    f"{self.max_body_bytes}",
                    path=self._where,
                )
            half = (batch.shape[0] + 1) // 2
            fn = "EndpointPredictor.predict"
            first = self._checked(self._call(batch[:half]), 0, half, fn)
            second = self._checked(self._call(batch[half:]), half, batch.shape[0] - half, fn)
            return np.concatenate([first, second], axis=0)
        try:
            response = self._client.post(self.invocations_url, content=body, headers=self._headers)
        except httpx.HTTPError as exc:
            raise ModelInvocationError(
                f"the endpoint cannot be reached: {type(exc).__name__}: {exc}", path=self._where
            ) from exc
        self._count(batch.shape[0])
        if response.status_code != 200:
            raise ModelInvocationError(
                f"the endpoint answered HTTP {response.status_code}: {response.text[:500]}",
                path=self._where,
                status=response.status_code,
            )
        return _csv_outputs(response.content, batch.shape[0], self.invocations_url)
