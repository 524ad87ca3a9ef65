"""Interactive API documentation: Swagger UI at /docs, from the files the fastapi-offline package ships.

FastAPI's own /docs loads Swagger UI from a CDN; this one loads nothing from beyond the server (the
machines that run accomplice may have no internet, and a page that does not reach out leaks no visit).
The page FastAPI writes starts Swagger UI with one inline script: its content-security-policy allows that
script by its hash, and scripts, styles and fetches from this server only.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib.metadata import version
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from accomplice.web.routes import static_url

__all__ = ["DOCS_ASSETS_PATH", "DOCS_PATH", "docs_assets", "docs_router"]

DOCS_PATH = "/docs"
DOCS_ASSETS_PATH = "/docs-assets"
# swagger-ui-bundle.js and swagger-ui.css (Swagger UI 5, which reads the OpenAPI 3.1 that FastAPI writes).
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
# The asset URLs carry the package version, so that an upgrade is never served from a stale cache.
ASSETS_VERSION = version("fastapi-offline")
SWAGGER_UI_PARAMETERS = {
    # The default validator badge would load an image from validator.swagger.io.
    "validatorUrl": None,
    # Long operation lists: the tags start folded, so that the page opens on the list of sections.
    "docExpansion": "list",
}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

docs_router = APIRouter(include_in_schema=False)


def docs_assets() -> StaticFiles:
    return StaticFiles(directory=ASSETS_DIR)


def _asset(name: str) -> str:
    return f"{DOCS_ASSETS_PATH}/{name}?v={ASSETS_VERSION}"


def content_security_policy(html: str) -> str:
    """The app's policy, widened for this page only: this server's scripts and the page's inline scripts
    (by hash, so that no injected script runs), and fetches of /openapi.json and of "Try it out"."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


@cache
def _page(title: str, openapi_url: str) -> tuple[str, str]:
    html = bytes(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} · API documentation",
            swagger_js_url=_asset("swagger-ui-bundle.js"),
            swagger_css_url=_asset("swagger-ui.css"),
            swagger_favicon_url=static_url("favicon.svg"),
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        ).body
    ).decode()
    return html, content_security_policy(html)


@docs_router.get(DOCS_PATH, response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over this server's /openapi.json."""
    html, policy = _page(request.app.title, request.app.openapi_url or "/openapi.json")
    return HTMLResponse(html, headers={"Content-Security-Policy": policy})
