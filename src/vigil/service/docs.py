"""The API's documentation pages, served with their assets by Vigil itself (no CDN).

FastAPI's default ``/docs`` page loads Swagger UI from a CDN, so on an air-gapped host it is a
blank page. Here the pages reference only the service's own URLs: Swagger UI at
``{prefix}/docs`` and ReDoc at ``{prefix}/redoc`` load their JavaScript, CSS and icon from
``{prefix}/docs/assets/`` — the files of the ``fastapi-offline`` package (Swagger UI 5 and ReDoc
2 builds, kept current by that package), mounted as static files. Swagger UI's online
validator badge (a request to swagger.io) is switched off, and ReDoc does not load web fonts.
Both pages are sent with a Content-Security-Policy (:data:`DOCS_CSP`) allowing only the
service's own origin: ReDoc's sidebar shows a logo from cdn.redoc.ly, which the browser then
never requests (the logo is hidden when it fails to load), so no page tries the network.

A service behind a path prefix (``root_path``) gets URLs under that prefix.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

__all__ = ["ASSETS", "DOCS_CSP", "assets_directory", "install_docs"]

DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
)
"""Content-Security-Policy of the documentation pages: nothing but the service itself (the
pages' inline bootstrap script and styles, ``data:`` icons and ReDoc's ``blob:`` worker)."""

ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
"""The files the pages load from ``{prefix}/docs/assets/``."""


def assets_directory() -> Path:
    """The folder of the ``fastapi-offline`` package that holds :data:`ASSETS`.

    Raises
    ------
    RuntimeError
        If the package is installed without one of the files.
    """
    folder = Path(str(resources.files("fastapi_offline") / "static"))
    missing = [name for name in ASSETS if not (folder / name).is_file()]
    if missing:
        raise RuntimeError(f"fastapi-offline lacks {', '.join(missing)} in {folder}")
    return folder


def _offline(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_CSP
    return page


def install_docs(app: FastAPI, *, prefix: str) -> None:
    """Add the Swagger UI and ReDoc pages and their assets to ``app``.

    Parameters
    ----------
    app : FastAPI
        Built with ``docs_url=None`` and ``redoc_url=None`` (FastAPI's CDN pages off) and an
        ``openapi_url``.
    prefix : str
        The API prefix (``/api/v1``): pages at ``{prefix}/docs``, ``{prefix}/redoc``.
    """
    assets = f"{prefix}/docs/assets"
    redirect = f"{prefix}/docs/oauth2-redirect"
    openapi_url = app.openapi_url or f"{prefix}/openapi.json"
    app.mount(assets, StaticFiles(directory=assets_directory()), name="docs-assets")

    @app.get(f"{prefix}/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _offline(
            get_swagger_ui_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=f"{root}{redirect}",
                swagger_js_url=f"{root}{assets}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{assets}/swagger-ui.css",
                swagger_favicon_url=f"{root}{assets}/favicon.png",
                swagger_ui_parameters={"validatorUrl": None, **(app.swagger_ui_parameters or {})},
            )
        )

    @app.get(redirect, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return _offline(get_swagger_ui_oauth2_redirect_html())

    @app.get(f"{prefix}/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _offline(
            get_redoc_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{assets}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{assets}/favicon.png",
                with_google_fonts=False,
            )
        )
