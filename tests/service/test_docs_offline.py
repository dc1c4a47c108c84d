"""The API docs work offline: Swagger UI and ReDoc come from the service, not a CDN.

A real service (``create_service``, what ``vigil serve`` runs) on loopback: the pages reference
only the service's own URLs, every one answers 200 with the package's file, and in headless
Chromium with every non-loopback connection blocked both pages render the operations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from tests.browser import load_page
from tests.service.server import serving

from vigil.service.docs import ASSETS, DOCS_CSP, assets_directory
from vigil.service.server import create_service
from vigil.storage.metadata import upgrade

URL = re.compile(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", re.IGNORECASE)
OPENAPI = re.compile(r"""url: ['"]([^'"]+)['"]""")


class _References(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "spec-url") and value is not None:
                self.urls.append(value)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("docs")
    url = f"sqlite:///{folder / 'vigil.db'}"
    upgrade(url)
    app = create_service(database_url=url, data_dir=str(folder), reconcile_seconds=None)
    with serving(app) as base:
        yield base


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/api/v1/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}),
        ("/api/v1/redoc", {"redoc.standalone.js", "favicon.png", "openapi.json"}),
    ],
)
def test_docs_reference_only_local_urls_that_answer(
    service: str, page: str, expected: set[str]
) -> None:
    with httpx.Client(base_url=service, timeout=30) as http:
        response = http.get(page)
        assert response.status_code == 200
        assert response.headers["content-security-policy"] == DOCS_CSP
        html = response.text
        assert not URL.search(html), URL.search(html)
        references = _References(html).urls + OPENAPI.findall(html)
        assert {u.rsplit("/", 1)[-1] for u in references} >= expected
        folder = assets_directory()
        for reference in references:
            assert reference.startswith("/api/v1/"), reference
            answer = http.get(reference)
            assert answer.status_code == 200, reference
            name = reference.rsplit("/", 1)[-1]
            if name in ASSETS:
                assert answer.content == (folder / name).read_bytes()
            else:
                assert "/api/v1/monitoring-schedules" in answer.json()["paths"]


def test_oauth2_redirect_page_is_served(service: str) -> None:
    response = httpx.get(f"{service}/api/v1/docs/oauth2-redirect", timeout=30)
    assert response.status_code == 200 and not URL.search(response.text)


def test_the_assets_are_swagger_ui_5_and_redoc_2() -> None:
    folder = assets_directory()
    assert b"SwaggerUIBundle" in (folder / "swagger-ui-bundle.js").read_bytes()[:2000]
    assert b"Redoc" in (folder / "redoc.standalone.js").read_bytes()[:2000]
    assert Path(folder, "swagger-ui.css").stat().st_size > 10_000


def test_swagger_ui_renders_the_operations_with_the_network_blocked(service: str) -> None:
    loaded = load_page(f"{service}/api/v1/docs", budget_ms=20_000)
    assert loaded.blocked == []
    assert loaded.dom.count('class="opblock opblock-') >= 19, loaded.dom[-2000:]
    assert "/api/v1/monitoring-schedules/{name}" in loaded.dom


def test_redoc_renders_the_operations_with_the_network_blocked(service: str) -> None:
    loaded = load_page(f"{service}/api/v1/redoc", budget_ms=20_000)
    assert loaded.blocked == []
    assert "Vigil" in loaded.dom
    assert "/api/v1/monitoring-schedules/{name}" in loaded.dom
