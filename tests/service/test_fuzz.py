"""Fuzz the API from its own OpenAPI document (schemathesis, a bounded run): no generated
request, valid or not, gets a 5xx, and every answer conforms to the published schema.

Schemathesis' ``positive_data_acceptance`` check is left out: a request can fit the schema and
still be refused with 4xx for reasons a schema cannot express (a name that does not exist, a
URL outside the allowed prefixes, a baseline file that is missing). Every other default check
runs: no 5xx, status codes, content types, headers and bodies as documented, and schema-invalid
data rejected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from tests.scheduling.data import make_baseline
from tests.service.server import serving

from vigil.control import UrlPolicy
from vigil.control.clock import ManualClock
from vigil.service.app import create_app

EXAMPLES = int(os.environ.get("VIGIL_FUZZ_EXAMPLES", "12"))
"""Generated requests per operation and mode (19 operations × positive, negative); raise it
for a longer run (``VIGIL_FUZZ_EXAMPLES=500``)."""


@pytest.fixture
def api_schema(tmp_path: Path, database_url: str) -> Iterator[Any]:
    make_baseline(tmp_path)
    # every URL a caller may use must lie under tmp_path: fuzzed paths cannot reach the machine
    app = create_app(
        database_url=database_url,
        clock=ManualClock(datetime(2024, 5, 1, tzinfo=UTC)),
        url_policy=UrlPolicy((str(tmp_path),)),
    )
    with serving(app) as url:
        yield schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")


def test_no_generated_request_gets_a_server_error(api_schema: Any) -> None:
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
                case.call_and_validate(excluded_checks=[positive_data_acceptance])

            check()
