"""Inference endpoints with data capture: SageMaker's runtime API, served by Vigil.

* :func:`create_app` — the ASGI app (``POST /endpoints/{name}/invocations``,
  ``POST /ground-truth``, ``GET /metrics``, ``GET /ping``).
* :class:`EndpointRegistry` — endpoints by name, changeable at run time; :class:`Endpoint`.
* :func:`load_config`, :class:`ServeConfig`, :class:`EndpointConfig` — the YAML/JSON config.
* :class:`RuntimeMetrics`, :class:`MetricsSnapshot` — Invocations, 4XX/5XX errors, model and
  overhead latency (µs), capture drops and bytes, per endpoint and variant.
* :func:`load_model` — scikit-learn (joblib), Python entry point, or proxy to an HTTP server.
"""

from __future__ import annotations

from vigil.serving.app import DEFAULT_MAX_BODY_BYTES, create_app
from vigil.serving.config import (
    DataCaptureConfig,
    EndpointConfig,
    ServeConfig,
    VariantConfig,
    load_config,
)
from vigil.serving.metrics import MetricsSnapshot, RuntimeMetrics, VariantMetrics
from vigil.serving.models import Model, Prediction, load_model
from vigil.serving.registry import Endpoint, EndpointRegistry

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DataCaptureConfig",
    "Endpoint",
    "EndpointConfig",
    "EndpointRegistry",
    "MetricsSnapshot",
    "Model",
    "Prediction",
    "RuntimeMetrics",
    "ServeConfig",
    "VariantConfig",
    "VariantMetrics",
    "create_app",
    "load_config",
    "load_model",
]
