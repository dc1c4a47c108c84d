"""Checks of what a schedule names: its baseline files, attributes, scripts, endpoint.

Each check raises :class:`~vigil.errors.InvalidParameterError` naming the field concerned, as
the API and the CLI report it.
"""

from __future__ import annotations

import json
from typing import Any

from vigil.control.urls import normalise_url
from vigil.errors import InvalidParameterError, VigilError
from vigil.formats.constraints import Constraints
from vigil.formats.model_quality import ModelQualityConstraints, ModelQualityStatistics
from vigil.formats.statistics import Statistics
from vigil.settings import get_settings
from vigil.storage.metadata import MetadataStore, ResourceNotFoundError
from vigil.storage.objectstore import exists, join, read_bytes

__all__ = [
    "check_attributes",
    "check_exists",
    "default_ground_truth_url",
    "resolve_spec",
    "validate_baseline",
    "validate_model_quality_baseline",
    "validate_schedule_baseline",
]


def validate_baseline(
    statistics_url: str, constraints_url: str, *, field: str = "baseline"
) -> None:
    """Check that both baseline files exist, parse, and are what they claim to be.

    A statistics.json needs ``dataset`` and at least one feature; a constraints.json at least
    one feature and no ``dataset`` (a statistics.json given as constraints would otherwise
    parse: the readers are tolerant).

    Raises
    ------
    InvalidParameterError
        Naming ``{field}.statistics_url`` or ``{field}.constraints_url`` and why.
    """
    for name, url, kind in (
        ("statistics_url", statistics_url, Statistics),
        ("constraints_url", constraints_url, Constraints),
    ):
        where = f"{field}.{name}"
        try:
            data = read_bytes(url)
            document = kind.from_json(data, source=url)
            raw = json.loads(data)
        except VigilError as exc:
            raise InvalidParameterError(
                f"{where} must be a readable, valid {kind.__name__.lower()} file: {exc.message}",
                path=url,
                field=where,
            ) from exc
        except Exception as exc:  # an fsspec protocol that cannot even be loaded, bad UTF-8 …
            raise InvalidParameterError(
                f"{where} cannot be read: {type(exc).__name__}: {exc}", path=url, field=where
            ) from exc
        problem = None
        if not document.features:
            problem = "has no features"
        elif kind is Statistics and not isinstance(raw.get("dataset"), dict):
            problem = "has no dataset section (is it a constraints.json?)"
        elif kind is Constraints and "dataset" in raw:
            problem = "has a dataset section (is it a statistics.json?)"
        if problem is not None:
            raise InvalidParameterError(
                f"{where} must be a {kind.__name__.lower()} document: it {problem}",
                path=url,
                field=where,
            )


def _read_document(url: str, kind: Any, where: str, what: str) -> Any:
    try:
        return kind.from_json(read_bytes(url), source=url)
    except VigilError as exc:
        raise InvalidParameterError(
            f"{where} must be a readable, valid {what}: {exc.message}", path=url, field=where
        ) from exc
    except Exception as exc:  # an fsspec protocol that cannot even be loaded, bad UTF-8 …
        raise InvalidParameterError(
            f"{where} cannot be read: {type(exc).__name__}: {exc}", path=url, field=where
        ) from exc


def validate_model_quality_baseline(
    constraints_url: str,
    statistics_url: str | None,
    problem_type: str,
    *,
    field: str = "baseline",
) -> None:
    """Check a model-quality baseline: constraints (and statistics, when given) of ``problem_type``.

    A constraints.json must hold the ``<problem>_constraints`` block of ``problem_type``
    (``binary_classification_constraints`` …) and no other; a statistics.json, the
    ``<problem>_metrics`` block of that type (spec §6.2-6.3).

    Raises
    ------
    InvalidParameterError
        Naming ``{field}.constraints_url`` or ``{field}.statistics_url`` and why: missing,
        unreadable, a data-quality file, or another problem type.
    """
    checks: list[tuple[str, str, Any, str]] = [
        ("constraints_url", constraints_url, ModelQualityConstraints, "constraints"),
    ]
    if statistics_url is not None:
        checks.append(("statistics_url", statistics_url, ModelQualityStatistics, "statistics"))
    for name, url, kind, what in checks:
        where = f"{field}.{name}"
        document = _read_document(url, kind, where, f"model-quality {what} file")
        found = document.problem_type
        if found is None:
            problem = f"holds no model-quality {what} block (is it a data-quality file?)"
        elif found != problem_type:
            problem = f"holds {found} {what}, but the schedule's problem_type is {problem_type}"
        else:
            continue
        raise InvalidParameterError(
            f"{where} must be a model-quality {what} file for {problem_type}: it {problem}",
            path=url,
            field=where,
        )


def validate_schedule_baseline(spec: dict[str, Any]) -> None:
    """Check the baseline of a schedule document, as its monitoring type needs it.

    Raises
    ------
    InvalidParameterError
        Naming ``baseline.statistics_url`` or ``baseline.constraints_url``.
    """
    baseline = spec["baseline"]
    if spec.get("monitoring_type") == "ModelQuality":
        validate_model_quality_baseline(
            baseline["constraints_url"],
            baseline.get("statistics_url"),
            spec["model_quality"]["problem_type"],
        )
    else:
        validate_baseline(baseline["statistics_url"], baseline["constraints_url"])


def check_attributes(quality: dict[str, Any]) -> None:
    """The model-quality attributes are 0-based column indexes or JSONPaths that parse."""
    from vigil.jobs.capture_input import column_index, compile_path

    for key in ("inference_attribute", "probability_attribute"):
        value = quality.get(key)
        if value is not None and column_index(value) is None:
            field = f"model_quality.{key}"
            try:
                compile_path(value, field)
            except InvalidParameterError as exc:
                raise InvalidParameterError(
                    f"{field} must be a 0-based column index (CSV output) or a JSONPath (JSON "
                    f"output). Got {value!r} instead.",
                    field=field,
                ) from exc


def check_exists(url: str, field: str) -> None:
    try:
        found = exists(url)
    except Exception as exc:
        raise InvalidParameterError(
            f"{field} cannot be checked: {type(exc).__name__}: {exc}", path=url, field=field
        ) from exc
    if not found:
        raise InvalidParameterError(f"{field} does not exist", path=url, field=field)


def default_ground_truth_url() -> str:
    """``{VIGIL_DATA_DIR}/groundtruth``: where the service files ``POST /ground-truth`` labels."""
    return join(normalise_url(get_settings().data_dir), "groundtruth")


def resolve_spec(store: MetadataStore, spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with the defaults that depend on the outside world filled in.

    The capture root of its endpoint input is the schedule's ``capture_root``, else the
    endpoint's ``data_capture.destination``, else ``{VIGIL_DATA_DIR}/capture``. The
    ground truth of a ModelQuality schedule is ``model_quality.ground_truth_url``, else
    ``{VIGIL_DATA_DIR}/groundtruth``. Both are resolved when executions are planned, so that
    they follow the endpoint's configuration and the service's data directory.

    Raises
    ------
    InvalidParameterError
        If the endpoint does not exist (field ``endpoint_input.endpoint_name``).
    """
    quality = spec.get("model_quality")
    if isinstance(quality, dict) and not quality.get("ground_truth_url"):
        spec = {
            **spec,
            "model_quality": {**quality, "ground_truth_url": default_ground_truth_url()},
        }
    endpoint_input = spec.get("endpoint_input")
    if not endpoint_input:
        return spec
    name = endpoint_input["endpoint_name"]
    try:
        config = store.endpoints.get(name).config
    except ResourceNotFoundError as exc:
        raise InvalidParameterError(
            f"endpoint_input.endpoint_name names no endpoint: {name!r} (create it first)",
            field="endpoint_input.endpoint_name",
        ) from exc
    if endpoint_input.get("capture_root"):
        return spec
    capture = config.get("data_capture") or {}
    root = capture.get("destination") if isinstance(capture, dict) else None
    if not root:
        root = join(normalise_url(get_settings().data_dir), "capture")
    return {**spec, "endpoint_input": {**endpoint_input, "capture_root": root}}
