"""Fuzz the API from its own OpenAPI document (schemathesis, a bounded run, every check).

Every request schemathesis generates from the published document is sent over loopback HTTP
and checked with *all* of its checks: no 5xx; status codes, content types, headers and bodies
as documented; schema-invalid data refused (negative mode); and schema-valid data accepted
(``positive_data_acceptance``: a 422 for a request that fits the schema is a failure). So the
document must state every rule the server enforces (:mod:`vigil.service.openapi`).

What no schema can state is taught to schemathesis here, each as the rule the document lists
under ``x-vigil-rules`` (positive mode only; negative cases are sent as generated):

* the named string formats of the document get strategies of valid values
  (``vigil-schedule-expression``, ``vigil-offset``, ``vigil-delay``, ``vigil-page-token``);
* orders between two values (``window_end`` after ``window_start``; offsets ordered; ``NOW``
  with offsets) are restored by swapping or replacing one of them;
* an updated schedule's body names the schedule of the path, and keeps its monitoring type (a
  body of another type goes to a schedule that does not exist: 404);
* references to other resources point at real ones: a schedule monitors the endpoint the
  fixture creates, its baseline files are the ones written by the fixture (of the schedule's
  monitoring and problem type), so are its scripts, a paging token is one
  of the listing's shape, and an endpoint config has no models to load (``variants`` dropped)
  and no NUL characters or integers beyond 64 bits (the rule a recursive document schema would
  state).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from tests.scheduling.data import make_baseline
from tests.scheduling.mq_data import train_model, write_model_quality_baseline
from tests.service.server import serving

from vigil.api.expressions import parse_offset
from vigil.control import UrlPolicy
from vigil.control.clock import ManualClock
from vigil.service.app import create_app
from vigil.service.openapi import (
    ATTRIBUTE_FORMAT,
    DELAY_FORMAT,
    OFFSET_FORMAT,
    PAGE_TOKEN_FORMAT,
    SCHEDULE_EXPRESSION_FORMAT,
)
from vigil.storage.metadata._common import encode_token

EXAMPLES = int(os.environ.get("VIGIL_FUZZ_EXAMPLES", "12"))
"""Generated requests per operation and mode (19 operations × positive, negative); raise it
for a longer run (``VIGIL_FUZZ_EXAMPLES=500``)."""

ENDPOINT = "fuzz-endpoint-with-capture"
"""An endpoint the fixture creates: the one every generated schedule monitors."""

_NAMES = st.from_regex(r"\A[a-zA-Z0-9](-?[a-zA-Z0-9]){0,20}\Z")
_HOURS = st.integers(min_value=0, max_value=366 * 24)


def _formats() -> None:
    cron = st.builds(
        "cron({} {} ? * * *)".format,
        st.sampled_from(["0", "15", "*/10", "0,30"]),
        st.sampled_from(["*", "5", "*/6", "0-12"]),
    )
    schemathesis.openapi.format(
        SCHEDULE_EXPRESSION_FORMAT,
        st.one_of(
            st.sampled_from(["@hourly", "@daily", "@weekly", "*/5 * * * *", "0 * * * *", "NOW"]),
            cron,
        ),
    )
    schemathesis.openapi.format(OFFSET_FORMAT, _HOURS.map(lambda h: f"-PT{h}H"))
    schemathesis.openapi.format(DELAY_FORMAT, _HOURS.map(lambda h: f"PT{h}H"))
    schemathesis.openapi.format(PAGE_TOKEN_FORMAT, _NAMES.map(encode_token))
    schemathesis.openapi.format(
        ATTRIBUTE_FORMAT, st.sampled_from(["0", "1", "12", "$.predictions[0]", "$.score"])
    )


def _offsets(holder: dict[str, Any], start: str, end: str) -> None:
    """Order two offsets of ``holder``; with one only, add the other (the rule: both)."""
    a, b = holder.get(start), holder.get(end)
    if a is None and b is None:
        return
    if a is None or b is None or parse_offset(b, end) <= parse_offset(a, start):
        holder[start], holder[end] = "-PT2H", "-PT1H"


def _clean(value: Any) -> Any:
    """An endpoint document as the server stores it: no NUL, integers within 64 bits."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return max(-(2**63), min(2**63, value))
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


class _Rules:
    """The rules of the module docstring, applied to positive cases."""

    def __init__(self, baselines: dict[str, tuple[str, str]], script: str) -> None:
        self.baselines = baselines
        self.script = script
        self.types: dict[str, str] = {}  # schedules created: name -> monitoring type
        self.renamed = 0

    def created(self, label: str, case: Any, response: Any) -> None:
        """Remember the monitoring type of each schedule created (it cannot change)."""
        body = case.body if isinstance(case.body, dict) else {}
        if label == "POST /api/v1/monitoring-schedules" and response.status_code == 201:
            self.types[body["name"]] = body.get("monitoring_type", "DataQuality")

    def apply(self, label: str, case: Any) -> Any:
        body = case.body if isinstance(case.body, dict) else None
        if label.endswith("/executions") and label.startswith("POST") and body is not None:
            self._window(body)
        elif "monitoring-schedules" in label and label.split()[0] in ("POST", "PUT"):
            if body is not None and "schedule_expression" in body:
                self._schedule(body)
                if label.startswith("PUT") and isinstance(case.path_parameters, dict):
                    name = case.path_parameters.get("name", body.get("name"))
                    kind = self.types.get(name)
                    if kind is not None and kind != body.get("monitoring_type", "DataQuality"):
                        self.renamed += 1  # another type: update a schedule that does not exist
                        name = f"not-created-{self.renamed}"
                        case.path_parameters["name"] = name
                    body["name"] = name
        elif "/endpoints" in label and body is not None:
            config = body.get("config")
            if isinstance(config, dict):
                config.pop("variants", None)
                config.pop("shadow_variant", None)
                body["config"] = _clean(config)
        query = case.query if isinstance(case.query, dict) else None
        if query is not None and query.get("next_token") is not None:
            if "baselining-jobs" in label:
                query["next_token"] = encode_token("2024-05-01T00:00:00+00:00", "job")
            elif "monitoring-executions" in label:
                query["next_token"] = encode_token("2024-05-01T00:00:00+00:00", "7")
        return case

    @staticmethod
    def _window(body: dict[str, Any]) -> None:
        try:
            start = datetime.fromisoformat(body["window_start"])
            end = datetime.fromisoformat(body["window_end"])
        except (KeyError, TypeError, ValueError):
            return
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
        end = end if end.tzinfo else end.replace(tzinfo=UTC)
        if not start < end <= start + timedelta(days=366):
            body["window_end"] = (start + timedelta(hours=1)).isoformat()

    def _schedule(self, body: dict[str, Any]) -> None:
        _offsets(body, "data_analysis_start_time", "data_analysis_end_time")
        endpoint = body.get("endpoint_input")
        if isinstance(endpoint, dict):
            _offsets(endpoint, "start_time_offset", "end_time_offset")
            endpoint["endpoint_name"] = ENDPOINT
        timed = body.get("data_analysis_start_time") is not None or (
            isinstance(endpoint, dict) and endpoint.get("start_time_offset") is not None
        )
        if str(body.get("schedule_expression", "")).strip() == "NOW" and not timed:
            body["schedule_expression"] = "@hourly"
        for key in ("record_preprocessor_script", "post_analytics_processor_script"):
            if body.get(key) is not None:
                body[key] = self.script
        kind = body.get("monitoring_type", "DataQuality")
        quality = body.get("model_quality")
        problem = quality.get("problem_type") if isinstance(quality, dict) else None
        statistics, constraints = self.baselines[problem if kind == "ModelQuality" else kind]
        baseline = body.get("baseline")
        if isinstance(baseline, dict):
            baseline["constraints_url"] = constraints
            if baseline.get("statistics_url") is not None or kind == "DataQuality":
                baseline["statistics_url"] = statistics


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, str]]]:
    root = tmp_path_factory.mktemp("fuzz")
    data_quality = make_baseline(root)
    found = {"DataQuality": (str(data_quality.statistics), str(data_quality.constraints))}
    model = train_model()
    for problem in ("BinaryClassification", "MulticlassClassification", "Regression"):
        _, statistics, constraints = write_model_quality_baseline(
            root / problem, model, problem_type=problem
        )
        found[problem] = (str(statistics), str(constraints))
    return root, found


@pytest.fixture
def api_schema(
    baselines: tuple[Path, dict[str, tuple[str, str]]], database_url: str
) -> Iterator[Any]:
    root, found = baselines
    # every URL a caller may use must lie under root: fuzzed paths cannot reach the machine
    app = create_app(
        database_url=database_url,
        clock=ManualClock(datetime(2024, 5, 1, tzinfo=UTC)),
        url_policy=UrlPolicy((str(root),)),
    )
    _formats()
    script = root / "script.py"
    script.write_text("")
    rules = _Rules(found, str(script))
    with serving(app) as url:
        created = httpx.post(
            f"{url}/api/v1/endpoints",
            json={"name": ENDPOINT, "config": {"data_capture": {"destination": str(root)}}},
        )
        assert created.status_code == 201, created.text
        schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")

        @schema.hook
        def map_case(context: Any, case: Any) -> Any:
            meta = case.meta
            if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
                return case
            return rules.apply(context.operation.label, case)

        @schema.hook
        def after_call(context: Any, case: Any, response: Any) -> None:
            rules.created(context.operation.label, case, response)

        yield schema


def test_every_generated_request_passes_every_check(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 19
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def check(case: Any) -> None:
                case.call_and_validate()

            check()


def test_every_405_names_every_method_of_the_path(api_schema: Any) -> None:
    """Starlette's 405 named only the first route's method (``Allow: POST`` for a path that
    also answers GET); the header must list what the document gives the path (ST205)."""
    raw = api_schema.raw_schema
    base = api_schema.get_base_url().rstrip("/")
    if base.endswith("/api/v1"):
        base = base.removesuffix("/api/v1")
    checked = 0
    with httpx.Client() as client:
        for template, operations in raw["paths"].items():
            documented = {m.upper() for m in operations}
            path = template.replace("{name}", "fuzz-x").replace("{execution_id}", "1")
            for method in sorted({"GET", "PUT", "POST", "DELETE", "PATCH"} - documented):
                response = client.request(method, base + path)
                assert response.status_code == 405, (method, path, response.text)
                allow = {m.strip() for m in response.headers["allow"].split(",")}
                assert allow == documented, (method, path, allow)
                checked += 1
    assert checked >= 40
