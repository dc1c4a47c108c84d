"""Endpoint configuration: SageMaker's endpoint config, as a YAML or JSON file.

The shape follows ``CreateEndpointConfig`` (production variants, a shadow variant,
``DataCaptureConfig``; spec §1.1) in snake case, so SageMaker users recognise it::

    endpoints:
      - name: churn
        variants:
          - name: AllTraffic
            model: {flavor: sklearn, path: model.joblib}
            initial_weight: 1.0
        shadow_variant: null            # same shape as a variant
        data_capture:
          enable_capture: true
          sampling_percentage: 100      # 0-100
          destination: ./vigil-data/capture
          capture_options: [Input, Output]
          csv_content_types: [text/csv]
          json_content_types: [application/json]
          kms_key_id: null              # kept for envelope encryption; not used yet
    ground_truth:                       # optional: where POST /ground-truth files labels
      destination: ./vigil-data
      max_upload_mb: 256                # largest upload (streamed to disk; 413 above)
      max_concurrent_uploads: 4         # more at once: 503 with Retry-After
    capture_writer:                     # optional: the background writer's limits
      max_queue_records: 100000
      flush_interval_seconds: 1.0
      max_file_mb: 16
      rotate_seconds: 60

Models (``model.flavor``):

* ``sklearn``: ``path`` to an estimator saved with :func:`joblib.dump` (scikit-learn, XGBoost,
  LightGBM); a local path or fsspec URL. Only the paths a config names are ever loaded.
* ``python``: ``entry_point: package.module:callable``, optionally ``code_dir`` (put first on
  ``sys.path``); a module-level ``load()`` is called once and its result passed to the callable.
* ``proxy``: ``url`` of an upstream HTTP model server (KServe, BentoML, MLflow, TorchServe);
  ``timeout_seconds`` and ``max_connections`` bound the connection pool.

``executor: inline`` (default) runs ``sklearn``/``python`` models on the event loop, which is
fastest for models that answer in about a millisecond; ``executor: thread`` runs them in a
worker thread, for slow models or ones that release the GIL.

Relative paths (``path``, ``code_dir``, local destinations) are resolved against the folder of
the config file. Unknown keys and wrong types are refused with
:class:`vigil.errors.DocumentError`, whose ``field`` is the key's path
(``endpoints[0].variants[0].model.path``).

Examples
--------
>>> cfg = ServeConfig.model_validate({"endpoints": [{"name": "churn", "variants": [
...     {"name": "AllTraffic", "model": {"flavor": "python", "entry_point": "m:predict"}}]}]})
>>> cfg.endpoints[0].variants[0].initial_weight, cfg.endpoints[0].data_capture.enable_capture
(1.0, False)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from vigil.errors import DocumentError, InvalidParameterError

__all__ = [
    "CaptureOption",
    "CaptureWriterConfig",
    "DataCaptureConfig",
    "EndpointConfig",
    "Executor",
    "GroundTruthConfig",
    "ModelConfig",
    "ProxyModelConfig",
    "PythonModelConfig",
    "ServeConfig",
    "SklearnModelConfig",
    "VariantConfig",
    "config_error",
    "load_config",
]

NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
"""SageMaker's pattern for endpoint and variant names (at most 63 characters)."""

CaptureOption = Literal["Input", "Output"]
"""SageMaker's ``CaptureMode`` values: capture the request, the response, or both."""

Executor = Literal["inline", "thread"]
"""Where a model runs: on the event loop (``inline``) or in a worker thread (``thread``)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SklearnModelConfig(_Strict):
    """An estimator saved with joblib.

    Attributes
    ----------
    flavor : "sklearn"
    path : str
        Local path (relative to the config file) or fsspec URL of the ``joblib.dump`` file.
    executor : {"inline", "thread"}, default="inline"
    """

    flavor: Literal["sklearn"]
    path: str = Field(min_length=1)
    executor: Executor = "inline"


class PythonModelConfig(_Strict):
    """A Python callable ``package.module:function``.

    Attributes
    ----------
    flavor : "python"
    entry_point : str
        ``module:callable``; the callable is ``fn(rows)`` or, when the module defines
        ``load()``, ``fn(rows, model)`` with ``model = load()`` (SageMaker's
        ``predict_fn(input_data, model)`` order). See :mod:`vigil.serving.models`.
    code_dir : str, optional
        A folder put first on ``sys.path`` before the import (relative to the config file).
    executor : {"inline", "thread"}, default="inline"
    """

    flavor: Literal["python"]
    entry_point: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    code_dir: str | None = None
    executor: Executor = "inline"


class ProxyModelConfig(_Strict):
    """An upstream HTTP model server the request is forwarded to.

    Attributes
    ----------
    flavor : "proxy"
    url : str
        ``http://`` or ``https://`` URL the body is POSTed to, headers ``Content-Type`` and
        ``Accept`` (and the SageMaker custom-attributes header) passed on.
    timeout_seconds : float, default=60.0
        Upstream timeout (connect, read, write and pool wait), in seconds; exceeded → HTTP 504.
    max_connections : int, default=100
        Size of the connection pool to the upstream.
    """

    flavor: Literal["proxy"]
    url: str = Field(pattern=r"^https?://[^\s/]+")
    timeout_seconds: float = Field(default=60.0, gt=0)
    max_connections: int = Field(default=100, ge=1)


ModelConfig = Annotated[
    SklearnModelConfig | PythonModelConfig | ProxyModelConfig, Field(discriminator="flavor")
]
"""One of the model flavors, chosen by the ``flavor`` key."""


class VariantConfig(_Strict):
    """A production variant (or the shadow variant).

    Attributes
    ----------
    name : str
        Variant name (SageMaker's pattern; ``AllTraffic`` is the SDK's default).
    model : ModelConfig
    initial_weight : float, default=1.0
        Relative share of traffic, >= 0; a variant's share is its weight over the sum of the
        weights. Ignored for the shadow variant, which receives a copy of every request.
    """

    name: str = Field(pattern=NAME_PATTERN)
    model: ModelConfig
    initial_weight: float = Field(default=1.0, ge=0)


class DataCaptureConfig(_Strict):
    """SageMaker's ``DataCaptureConfig`` (spec §1.1).

    Attributes
    ----------
    enable_capture : bool, default=False
    sampling_percentage : float, default=20
        Percent of requests captured, in [0, 100] (SageMaker's SDK default is 20).
    destination : str, optional
        Capture root: a local folder (relative to the config file) or fsspec URL. Required
        when ``enable_capture`` is true.
    capture_options : list of {"Input", "Output"}, default=["Input", "Output"]
    csv_content_types : list of str, default=["text/csv"]
        Payloads of these media types are captured as ``"CSV"`` text (1-10 items).
    json_content_types : list of str, default=["application/json"]
        Payloads of these media types are captured as ``"JSON"`` text; any other as BASE64.
    kms_key_id : str, optional
        Kept for envelope encryption of capture files (not applied yet).
    """

    enable_capture: bool = False
    sampling_percentage: float = Field(default=20.0, ge=0, le=100)
    destination: str | None = Field(default=None, min_length=1)
    capture_options: list[CaptureOption] = Field(
        default=["Input", "Output"], min_length=1, max_length=2
    )
    csv_content_types: list[str] = Field(default=["text/csv"], min_length=1, max_length=10)
    json_content_types: list[str] = Field(default=["application/json"], min_length=1, max_length=10)
    kms_key_id: str | None = None

    @model_validator(mode="after")
    def _destination_when_enabled(self) -> DataCaptureConfig:
        if self.enable_capture and self.destination is None:
            raise ValueError("destination is required when enable_capture is true")
        if len(set(self.capture_options)) != len(self.capture_options):
            raise ValueError("capture_options must not repeat an option")
        return self


class EndpointConfig(_Strict):
    """One endpoint: production variants, an optional shadow variant, data capture.

    Attributes
    ----------
    name : str
        Endpoint name: ``POST /endpoints/{name}/invocations``; the first folder under the
        capture destination.
    variants : list of VariantConfig
        At least one; names unique; weights must not all be 0.
    shadow_variant : VariantConfig, optional
        Gets a copy of each request after the response is sent; its answer is captured under
        its own name and never returned.
    data_capture : DataCaptureConfig, default=disabled
    """

    name: str = Field(pattern=NAME_PATTERN)
    variants: list[VariantConfig] = Field(min_length=1, max_length=10)
    shadow_variant: VariantConfig | None = None
    data_capture: DataCaptureConfig = DataCaptureConfig()

    @model_validator(mode="after")
    def _variants_consistent(self) -> EndpointConfig:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variant names must be unique; got {names}")
        if self.shadow_variant is not None and self.shadow_variant.name in names:
            raise ValueError(
                f"shadow_variant name {self.shadow_variant.name!r} is also a production variant"
            )
        if sum(v.initial_weight for v in self.variants) <= 0:
            raise ValueError("the initial_weight of at least one variant must be > 0")
        return self


class GroundTruthConfig(_Strict):
    """Where ``POST /ground-truth`` writes: ``{destination}/groundtruth/yyyy/mm/dd/hh/``.

    Attributes
    ----------
    destination : str
    max_upload_mb : float, default=256
        Largest upload body, in MiB (413 above; the body is streamed to disk).
    max_concurrent_uploads : int, default=4
        Uploads written at once; one more is answered 503 with ``Retry-After``.
    """

    destination: str = Field(min_length=1)
    max_upload_mb: float = Field(default=256.0, gt=0)
    max_concurrent_uploads: int = Field(default=4, ge=1)


class CaptureWriterConfig(_Strict):
    """Limits of the background capture writer (see :class:`vigil.capture.CaptureWriter`).

    Attributes
    ----------
    max_queue_records : int, default=100_000
    flush_interval_seconds : float, default=1.0
    max_file_mb : float, default=16
        Rotation size in MiB.
    rotate_seconds : float, default=60
    staging_dir : str, optional
        Local folder for files bound for object storage until uploaded.
    """

    max_queue_records: int = Field(default=100_000, ge=1)
    flush_interval_seconds: float = Field(default=1.0, gt=0)
    max_file_mb: float = Field(default=16.0, gt=0)
    rotate_seconds: float = Field(default=60.0, gt=0)
    staging_dir: str | None = None


class ServeConfig(_Strict):
    """The whole file given to ``vigil serve --config``.

    Attributes
    ----------
    endpoints : list of EndpointConfig
        Names unique. May be empty (endpoints can be added at run time).
    ground_truth : GroundTruthConfig, optional
    capture_writer : CaptureWriterConfig, default=CaptureWriterConfig()
    """

    endpoints: list[EndpointConfig] = []
    ground_truth: GroundTruthConfig | None = None
    capture_writer: CaptureWriterConfig = CaptureWriterConfig()

    @model_validator(mode="after")
    def _unique_endpoints(self) -> ServeConfig:
        names = [e.name for e in self.endpoints]
        if len(set(names)) != len(names):
            raise ValueError(f"endpoint names must be unique; got {names}")
        return self


# ------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------

_TAGS = frozenset({"sklearn", "python", "proxy"})


def _key_path(loc: Sequence[int | str]) -> str:
    path = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, str) and previous in ("model",) and part in _TAGS:
            previous = part
            continue  # the discriminated-union tag pydantic inserts
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith("function-after[") or part.startswith("function-"):
            previous = part
            continue
        else:
            path += f".{part}" if path else part
        previous = part
    return path


def _describe(value: Any) -> str:
    try:
        text = orjson.dumps(value).decode("utf-8")
    except TypeError:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def config_error(exc: ValidationError, *, source: str | None) -> DocumentError:
    """A pydantic error on an endpoint config as a :class:`DocumentError` naming the key path.

    Parameters
    ----------
    exc : pydantic.ValidationError
    source : str or None
        The config file, named in the message.

    Returns
    -------
    DocumentError
        ``field`` is the path of the first bad key (``endpoints[0].variants[0].model.path``).
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    kind = first["type"]
    ctx = first.get("ctx") or {}
    if kind == "missing":
        message = "is required but missing"
    elif kind == "extra_forbidden":
        message = "is not a known key"
    elif kind == "union_tag_invalid":
        message = (
            f"flavor must be one of {ctx.get('expected_tags')}; got {_describe(ctx.get('tag'))}"
        )
    elif kind == "union_tag_not_found":
        message = "needs a flavor key: sklearn, python or proxy"
    elif kind == "value_error":
        message = str(ctx.get("error", first["msg"]))
    else:
        message = f"{first['msg'][0].lower()}{first['msg'][1:]}; got {_describe(first['input'])}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
    field = _key_path(first["loc"])
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        field += ".flavor"
    return DocumentError(message, path=source, field=field or None)


def _is_url(text: str) -> bool:
    return "://" in text or "::" in text


def _resolve(text: str, base: Path) -> str:
    if _is_url(text):
        return text
    path = Path(os.path.expanduser(text))
    return str(path if path.is_absolute() else (base / path).resolve())


def _resolve_variant(variant: VariantConfig, base: Path) -> VariantConfig:
    model = variant.model
    if isinstance(model, SklearnModelConfig):
        model = model.model_copy(update={"path": _resolve(model.path, base)})
    elif isinstance(model, PythonModelConfig) and model.code_dir is not None:
        model = model.model_copy(update={"code_dir": _resolve(model.code_dir, base)})
    return variant.model_copy(update={"model": model})


def _resolve_paths(config: ServeConfig, base: Path) -> ServeConfig:
    endpoints = []
    for endpoint in config.endpoints:
        capture = endpoint.data_capture
        if capture.destination is not None:
            capture = capture.model_copy(
                update={"destination": _resolve(capture.destination, base)}
            )
        shadow = endpoint.shadow_variant
        endpoints.append(
            endpoint.model_copy(
                update={
                    "variants": [_resolve_variant(v, base) for v in endpoint.variants],
                    "shadow_variant": None if shadow is None else _resolve_variant(shadow, base),
                    "data_capture": capture,
                }
            )
        )
    ground_truth = config.ground_truth
    if ground_truth is not None:
        ground_truth = ground_truth.model_copy(
            update={"destination": _resolve(ground_truth.destination, base)}
        )
    writer = config.capture_writer
    if writer.staging_dir is not None:
        writer = writer.model_copy(update={"staging_dir": _resolve(writer.staging_dir, base)})
    return config.model_copy(
        update={"endpoints": endpoints, "ground_truth": ground_truth, "capture_writer": writer}
    )


def parse_config(
    data: Mapping[str, Any], *, source: str | None = None, base: Path | None = None
) -> ServeConfig:
    """Validate a parsed config mapping.

    Parameters
    ----------
    data : mapping
        The parsed YAML/JSON.
    source : str, optional
        Where it came from, named in errors.
    base : Path, optional
        Folder relative paths are resolved against; default the current directory.

    Raises
    ------
    DocumentError
        If a key is unknown, missing or of the wrong type; ``field`` is its path.
    """
    if not isinstance(data, Mapping):
        raise DocumentError(
            f"an endpoint config must be a mapping with an 'endpoints' key; got {_describe(data)}",
            path=source,
        )
    try:
        config = ServeConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise config_error(exc, source=source) from exc
    return _resolve_paths(config, base if base is not None else Path.cwd())


def load_config(path: str | os.PathLike[str]) -> ServeConfig:
    """Read a YAML (``.yaml``/``.yml``) or JSON endpoint config file.

    Relative paths inside are resolved against the file's folder.

    Parameters
    ----------
    path : str or os.PathLike
        A local file.

    Returns
    -------
    ServeConfig

    Raises
    ------
    DatasetNotFoundError
        If the file does not exist.
    DocumentError
        If it is not YAML/JSON, or a key is unknown, missing or of the wrong type (``field`` is
        the key's path, ``path`` the file).
    """
    from vigil.errors import DatasetNotFoundError

    file = Path(path)
    if not isinstance(path, str | os.PathLike):
        raise InvalidParameterError(
            f"path of load_config must be a path. Got {path!r} instead.", field="path"
        )
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DatasetNotFoundError("the config file does not exist", path=str(file)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(f"the config file cannot be read: {exc}", path=str(file)) from exc
    try:
        data = orjson.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (orjson.JSONDecodeError, yaml.YAMLError) as exc:
        raise DocumentError(
            f"the config file is not valid YAML/JSON: {exc}", path=str(file)
        ) from exc
    return parse_config(data, source=str(file), base=file.resolve().parent)
