"""The published OpenAPI document states every rule the server enforces.

FastAPI derives the schema from the request models, which gives each field's own constraints
(types, enums, lengths, patterns, ranges). What the models check across fields, and what a
deployment adds, is stated here, on top of the generated document:

* **Cross-field rules** (JSON Schema ``allOf`` / ``if`` / ``then``): a baselining job's
  ``dataset_format`` may be left out only when ``dataset_url`` ends in an extension it is
  inferred from; a ModelQuality job needs ``problem_type`` and ``ground_truth_attribute`` (and
  ``inference_attribute``, unless it is a BinaryClassification job with
  ``probability_attribute``) and a DataQuality job gives none of them; a schedule has exactly
  one of ``endpoint_input`` and ``dataset_input``, both offsets or neither, and the fields of
  its monitoring type only.
* **Grammars**, as named string formats (JSON Schema ``format``, with a ``pattern`` for their
  shape): ``vigil-schedule-expression`` (``cron(…)`` with SageMaker's six fields, a 5-field
  cron expression, an ``@alias`` or ``NOW``; see :mod:`vigil.scheduling.expressions`),
  ``vigil-offset`` (an ISO-8601 duration from ``-P366D`` to ``PT0S``), ``vigil-delay`` (one
  from ``PT0S`` to ``P366D``), ``vigil-capture-attribute`` (a 0-based column index of a CSV
  output, or a JSONPath that parses, into a JSON one) and ``vigil-page-token`` (a
  ``next_token`` returned by the previous page of the same listing: opaque, so only those are
  accepted).
* **The deployment's URL policy**: with ``--allow-url-prefix``, every URL field's pattern lists
  the allowed prefixes (a local path under one of them, without ``.`` or ``..`` segments).
* **Rules no schema can state** are listed in the operation's and the model's description and
  under the extension key ``x-vigil-rules``: an order between two values (``window_end`` after
  ``window_start``, ``data_analysis_end_time`` after ``data_analysis_start_time``, ``NOW`` with
  both offsets, windows of at most 366 days), between the path and the body (an updated
  schedule's ``name``; its ``monitoring_type`` cannot change), and what depends on other
  resources (a schedule's
  baseline files must exist and parse; an endpoint's models must load). Requests breaking them
  are answered 422 naming the field.

The fuzz test (``tests/service/test_fuzz.py``) holds the server to this document: every
request valid per the schema (and the listed rules) is accepted, every invalid one refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from vigil.api.specs import BaseliningJobSpec

__all__ = [
    "ATTRIBUTE_FORMAT",
    "DELAY_FORMAT",
    "OFFSET_FORMAT",
    "PAGE_TOKEN_FORMAT",
    "SCHEDULE_EXPRESSION_FORMAT",
    "state_server_rules",
    "url_pattern",
]

SCHEDULE_EXPRESSION_FORMAT = "vigil-schedule-expression"
OFFSET_FORMAT = "vigil-offset"
DELAY_FORMAT = "vigil-delay"
PAGE_TOKEN_FORMAT = "vigil-page-token"
ATTRIBUTE_FORMAT = "vigil-capture-attribute"

_CRON_FIELD = r"[0-9A-Za-z*?,/#-]+"
_SCHEDULE_PATTERN = (
    rf"^\s*(?:[cC][rR][oO][nN]\((?:\s*{_CRON_FIELD}){{6}}\s*\)"
    rf"|{_CRON_FIELD}(?:\s+{_CRON_FIELD}){{4}}|@[a-z]+|NOW)\s*$"
)
_DURATION_PATTERN = (
    r"^\s*[-+]?P(?!$)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?W)?(?:\d+(?:\.\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?\s*$"
)
_INFERABLE_DATASET = (
    r"^.*\.(?:[cC][sS][vV]|[tT][sS][vV]|[jJ][sS][oO][nN][lL]?|[nN][dD][jJ][sS][oO][nN]"
    r"|[pP][aA][rR][qQ][uU][eE][tT]|[pP][qQ])(?:\.(?:gz|bz2|xz|zst|zstd))*/*$"
)
_QUALITY_KEYS = tuple(
    key
    for key, field in BaseliningJobSpec.model_fields.items()
    if key
    in {
        "problem_type",
        "inference_attribute",
        "probability_attribute",
        "probability_threshold",
        "ground_truth_attribute",
        "slack",
        "sagemaker_r2",
    }
)
"""The fields only a ModelQuality baselining job gives (those the model defines)."""
_NULL: dict[str, Any] = {"type": "null"}
_YEARS = r"^(?:19[0-9][0-9]|[2-8][0-9][0-9][0-9]|9000)-"  # the year as written: 1900 to 9000
_SEGMENT = r"(?:[^/.\x00-\x1f\x7f][^/\x00-\x1f\x7f]*|\.[^/.\x00-\x1f\x7f][^/\x00-\x1f\x7f]*|\.\.[^/\x00-\x1f\x7f]+)"


def url_pattern(prefixes: Sequence[str]) -> str:
    """The pattern of a URL field under an allow-list of local folder prefixes.

    A URL must be one of ``prefixes`` or lie under it; ``.`` and ``..`` segments are refused
    (they could leave the folder).

    Examples
    --------
    >>> import re
    >>> pattern = url_pattern(["/srv/vigil"])
    >>> [bool(re.match(pattern, u)) for u in ("/srv/vigil/a.csv", "/srv/vigil/../etc", "/srv/x")]
    [True, False, False]
    """
    alternatives = "|".join(re.escape(p.rstrip("/")) for p in prefixes)
    return rf"^(?:{alternatives})(?:/+{_SEGMENT})*/*$"


def _rules(target: dict[str, Any], rules: Sequence[str]) -> None:
    target["x-vigil-rules"] = list(rules)
    lines = "\n".join(f"- {rule}" for rule in rules)
    target["description"] = (
        target.get("description", "").rstrip() + "\n\nAlso checked (422 otherwise):\n" + lines
    )


def _optional(prop: dict[str, Any]) -> dict[str, Any]:
    """The string branch of an ``anyOf: [string, null]`` property (or the property itself)."""
    for branch in prop.get("anyOf", ()):
        if branch.get("type") == "string":
            return dict(branch)
    return prop


def _set_string(prop: dict[str, Any], **keys: Any) -> None:
    """Add ``keys`` to the string branch of a property, in place."""
    branches = prop.get("anyOf")
    targets = [b for b in branches if b.get("type") == "string"] if branches else [prop]
    for target in targets:
        target.update(keys)


def _walk_urls(node: Any, pattern: str) -> None:
    """Set ``pattern`` on every URL field (the fields whose pattern is the Url type's)."""
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("pattern") == r"^[^\x00-\x1f\x7f]+$":
            node["pattern"] = pattern
        for value in node.values():
            _walk_urls(value, pattern)
    elif isinstance(node, list):
        for value in node:
            _walk_urls(value, pattern)


def state_server_rules(
    schema: dict[str, Any], *, url_prefixes: Sequence[str] | None = None
) -> dict[str, Any]:
    """Add the rules of the module docstring to a generated OpenAPI document (in place).

    Parameters
    ----------
    schema : dict
        FastAPI's OpenAPI document of the control plane.
    url_prefixes : sequence of str, optional
        The allowed URL prefixes (local folders, absolute); None: any URL.

    Returns
    -------
    dict
        ``schema``.
    """
    components = schema.get("components", {}).get("schemas", {})
    for route, path in schema.get("paths", {}).items():
        for method, operation in path.items():
            if method == "put" and route.endswith("/monitoring-schedules/{name}"):
                _rules(
                    operation,
                    [
                        "the body's name is the name in the path",
                        "the monitoring_type is the schedule's (it cannot change)",
                    ],
                )
            for parameter in operation.get("parameters", ()):
                if parameter.get("name") in ("scheduled_after", "scheduled_before"):
                    _set_string(parameter["schema"], pattern=_YEARS)
                if parameter.get("name") == "next_token":
                    _set_string(parameter["schema"], minLength=1, format=PAGE_TOKEN_FORMAT)
                    parameter["description"] = (
                        "The next_token of the previous page of this listing (opaque: any other "
                        "value is 422)."
                    )
    if url_prefixes:
        _walk_urls(components, url_pattern(url_prefixes))

    inferable = {
        "anyOf": [
            {
                "properties": {"dataset_format": {"enum": ["csv", "json", "parquet"]}},
                "required": ["dataset_format"],
            },
            {"properties": {"dataset_url": {"pattern": _INFERABLE_DATASET}}},
        ]
    }
    dataset = components.get("DatasetInput")
    if dataset is not None:
        dataset["allOf"] = [inferable]
    job = components.get("BaseliningJobSpec")
    if job is not None:
        props = job["properties"]
        quality_null = dict.fromkeys(_QUALITY_KEYS, _NULL)
        job["allOf"] = [
            inferable,
            {
                "if": {
                    "properties": {"monitoring_type": {"const": "ModelQuality"}},
                    "required": ["monitoring_type"],
                },
                "then": {
                    "required": ["problem_type", "ground_truth_attribute"],
                    "properties": {
                        "problem_type": {"enum": list(_optional(props["problem_type"])["enum"])},
                        "ground_truth_attribute": {"type": "string"},
                        "string_columns": {"maxItems": 0},
                        "on_malformed": {"const": "fail"},
                    },
                    "anyOf": [
                        {
                            "required": ["inference_attribute"],
                            "properties": {"inference_attribute": {"type": "string"}},
                        },
                        {
                            "required": ["probability_attribute"],
                            "properties": {
                                "problem_type": {"const": "BinaryClassification"},
                                "probability_attribute": {"type": "string"},
                            },
                        },
                    ],
                    "if": {
                        "properties": {"problem_type": {"not": {"const": "BinaryClassification"}}}
                    },
                    "then": {"properties": {"probability_attribute": _NULL}},
                },
                "else": {"properties": quality_null},
            },
        ]

    spec = components.get("MonitoringScheduleSpec")
    if spec is not None:
        for key in ("data_analysis_start_time", "data_analysis_end_time"):
            _set_string(spec["properties"][key], format=OFFSET_FORMAT, pattern=_DURATION_PATTERN)
        _set_string(
            spec["properties"]["schedule_expression"],
            format=SCHEDULE_EXPRESSION_FORMAT,
            pattern=_SCHEDULE_PATTERN,
        )
        present = {"not": _NULL}
        spec["allOf"] = [
            {  # a schedule always compares with a constraints.json
                "required": ["baseline"],
                "properties": {
                    "baseline": {
                        "required": ["constraints_url"],
                        "properties": {"constraints_url": {"type": "string"}},
                    }
                },
            },
            {  # exactly one input
                "oneOf": [
                    {
                        "required": ["endpoint_input"],
                        "properties": {"endpoint_input": present, "dataset_input": _NULL},
                    },
                    {
                        "required": ["dataset_input"],
                        "properties": {"dataset_input": present, "endpoint_input": _NULL},
                    },
                ]
            },
            {  # the window once: data_analysis_* or SageMaker's endpoint_input offsets
                "anyOf": [
                    {
                        "properties": {
                            "data_analysis_start_time": _NULL,
                            "data_analysis_end_time": _NULL,
                        }
                    },
                    {
                        "properties": {
                            "endpoint_input": {
                                "anyOf": [
                                    _NULL,
                                    {
                                        "properties": {
                                            "start_time_offset": _NULL,
                                            "end_time_offset": _NULL,
                                        }
                                    },
                                ]
                            }
                        }
                    },
                ]
            },
            {
                "if": {
                    "properties": {"monitoring_type": {"const": "ModelQuality"}},
                    "required": ["monitoring_type"],
                },
                "then": {
                    "required": ["model_quality", "endpoint_input"],
                    "properties": {
                        "model_quality": present,
                        "data_quality": _NULL,
                        "dataset_input": _NULL,
                        "record_preprocessor_script": _NULL,
                        "post_analytics_processor_script": _NULL,
                        "endpoint_input": {
                            "properties": {
                                "features_attribute": _NULL,
                                "inference_attribute": _NULL,
                            }
                        },
                    },
                },
                "else": {
                    "required": ["baseline"],
                    "properties": {
                        "model_quality": _NULL,
                        "baseline": {
                            "required": ["statistics_url"],
                            "properties": {"statistics_url": {"type": "string"}},
                        },
                    },
                },
            },
        ]
        _rules(
            spec,
            [
                "data_analysis_start_time and data_analysis_end_time (or endpoint_input's "
                "start_time_offset and end_time_offset) are given together, and the end comes "
                "after the start",
                "a NOW schedule gives both offsets",
                "the baseline files exist and parse, and are of the schedule's monitoring type "
                "(and problem type)",
                "endpoint_input.endpoint_name names an existing endpoint",
                "record_preprocessor_script and post_analytics_processor_script are existing files",
            ],
        )
    for name in ("EndpointInput",):
        model = components.get(name)
        if model is not None:
            for key in ("start_time_offset", "end_time_offset"):
                _set_string(
                    model["properties"][key], format=OFFSET_FORMAT, pattern=_DURATION_PATTERN
                )
    quality = components.get("ModelQualityConfig")
    if quality is not None:
        for key in ("inference_attribute", "probability_attribute"):
            _set_string(quality["properties"][key], format=ATTRIBUTE_FORMAT)
        quality["allOf"] = [
            {
                "if": {"properties": {"problem_type": {"not": {"const": "BinaryClassification"}}}},
                "then": {"properties": {"probability_attribute": _NULL}},
            }
        ]
    if quality is not None and "max_label_delay" in quality["properties"]:
        _set_string(
            quality["properties"]["max_label_delay"],
            format=DELAY_FORMAT,
            pattern=_DURATION_PATTERN,
        )
    engine = components.get("EngineConfig")
    if engine is not None:
        engine["allOf"] = [
            {
                "if": {"properties": {"type": {"not": {"const": "spark"}}}},
                "then": {"properties": {"master": _NULL, "conf": {"maxProperties": 0}}},
            }
        ]
    text_keys = {"maxLength": 1024, "pattern": r"^[^\x00-\x1f\x7f]*$"}
    for model_name, key in (
        ("EngineConfig", "conf"),
        ("DataQualityConfig", "feature_drift_methods"),
    ):
        model = components.get(model_name)
        if model is not None and key in model.get("properties", {}):
            model["properties"][key]["propertyNames"] = text_keys
    run = components.get("RunNowRequest")
    if run is not None:
        for key in ("window_start", "window_end"):
            run["properties"][key]["pattern"] = _YEARS
        _rules(run, ["window_end comes after window_start, at most 366 days after it"])
    endpoint = components.get("EndpointConfig")
    if endpoint is not None:
        _rules(
            endpoint,
            [
                "with variants (or shadow_variant) the document is a serving endpoint config "
                "whose models load",
                "no string holds a NUL character, every integer fits in 64 bits, the document "
                "nests at most 32 levels and takes at most 256 KiB as JSON",
            ],
        )
    return schema
