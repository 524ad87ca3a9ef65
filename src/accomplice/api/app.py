"""The FastAPI application: the JSON API under /api, health checks, and the web UI beside them.

Public reads (lists, versions, diffs, entities) need no account; every other route depends on
`accomplice.api.auth.require(...)` (tests/test_auth_api.py checks every route against `PUBLIC_ROUTES`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accomplice import __version__, services
from accomplice.api.accounts import accounts_router
from accomplice.api.auth import require
from accomplice.api.body_gate import BodyGate
from accomplice.api.cases import cases_router, public_cases_router
from accomplice.api.docs import DOCS_ASSETS_PATH, docs_assets, docs_router
from accomplice.api.dossiers import dossiers_approve_router, dossiers_router, dossiers_write_router
from accomplice.api.exposure import exposure_decide_router, exposure_router, exposure_write_router
from accomplice.api.incidents import incidents_router
from accomplice.api.jobs import jobs_router
from accomplice.api.monitor import monitor_router
from accomplice.api.oversight import oversight_router
from accomplice.api.routes import api_router, health_router
from accomplice.api.yente import ReconcileCors, prefers_html
from accomplice.api.yente import router as yente_router
from accomplice.errors import AccompliceError, InputError, NotFoundError
from accomplice.services.audit_anchors import start_anchor_worker
from accomplice.services.auth import AuthError, ForbiddenError, LockedError, Permission
from accomplice.services.incident_keys import KeyProblem
from accomplice.services.jobs import ConflictError, JobWorker, UploadTooLargeError
from accomplice.services.monitor import WEBHOOK_TIMEOUT_SECONDS, start_delivery_worker
from accomplice.settings import Settings, get_settings
from accomplice.store import Store, StoreUnavailable
from accomplice.web.account import router as account_pages
from accomplice.web.cases import router as cases_pages
from accomplice.web.dossiers import dossiers_web_router
from accomplice.web.exposure import exposure_web_router
from accomplice.web.incidents import router as incident_pages
from accomplice.web.jobs import jobs_web_router
from accomplice.web.monitor import router as monitor_pages
from accomplice.web.oversight import router as oversight_pages
from accomplice.web.routes import render_error, static_files, web_error
from accomplice.web.routes import router as web_router

__all__ = ["background_work", "create_app"]


def _warm_screening_index(store: Store) -> None:
    try:
        services.screening_index(store)
    except Exception:  # a broken store shows on /readyz and on the first search, not in a dead thread
        log.exception("building the screening index failed")


log = logging.getLogger(__name__)

# Pages carry no script, load nothing from elsewhere and may not be framed; JSON gets the same policy.
SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        b"base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
# Sent over HTTPS only (directly, or from a trusted TLS proxy that says X-Forwarded-Proto: https): a
# year, the preload lists' minimum, so a browser that once reached the site never falls back to plain HTTP.
HSTS_HEADER = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
# Below 4 KiB, compressing saves under 0.1 s even on a 2G link (~30 kB/s) but costs CPU on every request
# (0.1 ms of the API's ~1 ms per entity lookup); pages above it (entity pages, diffs) are compressed.
GZIP_MIN_BYTES = 4096


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task, unlike BaseHTTPMiddleware): adds SECURITY_HEADERS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A response that sets one of these itself (the framable OpenRefine preview) keeps its own.
                present = {name.lower() for name, _ in headers}
                added = [h for h in SECURITY_HEADERS if h[0] not in present]
                if scope.get("scheme") == "https":
                    added.append(HSTS_HEADER)
                message["headers"] = [*headers, *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def proxy_options(settings: Settings | None = None) -> dict[str, Any]:
    """uvicorn's proxy settings: X-Forwarded-For/-Proto are believed only from ACCOMPLICE_TRUSTED_PROXIES.

    uvicorn believes them from 127.0.0.1 by default; then any local client (or one behind a proxy on the
    same host that passes the header through) could name its own address and walk around the per-address
    login lockout. With no trusted proxy the client's address is the socket's."""
    trusted = (settings or get_settings()).trusted_proxies
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None}


# yente's paths (api.yente) answer errors in JSON like the rest of the API; /entities/ does so for every
# client that does not prefer HTML.
YENTE_PREFIXES = ("/match/", "/search/", "/reconcile")
YENTE_PATHS = ("/algorithms", "/catalog", "/manifest")


def _status_of(exc: AccompliceError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, UploadTooLargeError):
        return 413
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, AuthError):
        return 429 if isinstance(exc, LockedError) else 401
    if isinstance(exc, ForbiddenError):
        return 403
    if isinstance(exc, KeyProblem):
        return 503  # the victims' key file is missing or wrong: the operator's to fix, not the client's
    return 400


def _refusal(request: Request, status: int, message: str) -> Response:
    """A refusal made before the route ran (api.body_gate), rendered as the route's own errors are."""
    if _wants_json(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    titles = {401: "Log in to see this page", 403: "Not allowed", 413: "This upload is too large"}
    return render_error(status, titles.get(status, "Cannot take this request"), message, request)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/entities/"):
        return not prefers_html(request)
    return path.startswith(("/api/", *YENTE_PREFIXES)) or path in (
        "/api",
        "/healthz",
        "/readyz",
        "/openapi.json",
        *YENTE_PATHS,
    )


@contextmanager
def background_work(store: Store, *, run_jobs: bool, deliver_webhooks: bool) -> Iterator[JobWorker | None]:
    """The server's background work while the block runs: the batch-job worker (yielded, so that a
    submitted job can wake it) and the webhook delivery worker. Stopped cleanly when the block ends.

    It must run in exactly one process per store (`accomplice serve --workers N` runs it in the
    supervising process): two delivery workers would send an alert twice."""
    worker = JobWorker(store) if run_jobs else None
    if worker is not None:
        worker.start()
    stop = threading.Event()
    deliveries = start_delivery_worker(store, stop) if deliver_webhooks else None
    # Anchors go with the webhooks: both are the one-per-store background work of a real server.
    anchors = start_anchor_worker(store, stop) if deliver_webhooks else None
    try:
        yield worker
    finally:
        if worker is not None:
            worker.stop()
        stop.set()
        if deliveries is not None:
            deliveries.join(timeout=WEBHOOK_TIMEOUT_SECONDS + 1)
        if anchors is not None:
            anchors.join(timeout=WEBHOOK_TIMEOUT_SECONDS + 1)


def create_app(
    store: Store, *, warm_index: bool = False, run_jobs: bool = True, deliver_webhooks: bool = False
) -> FastAPI:
    """The app over `store`. `warm_index` builds the screening index in the background at once, so that
    the first search of a freshly started server does not wait for it. `run_jobs` runs the batch-job
    worker while the app is up: it resumes the jobs a previous server left queued or running.
    `deliver_webhooks` runs the webhook delivery worker while the server runs (`accomplice serve`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with background_work(store, run_jobs=run_jobs, deliver_webhooks=deliver_webhooks) as worker:
            app.state.job_worker = worker
            yield

    app = FastAPI(
        lifespan=lifespan,
        title="accomplice",
        version=__version__,
        description="Sanctions lists for screening North Korea's enablers: lists and their versions, "
        "diffs between versions, and entities with the provenance of every value (public); screening in "
        "the shapes of yente (OpenSanctions' API: /match, /search, /entities, /catalog, /algorithms) and "
        "OpenRefine reconciliation (/reconcile); accounts, API tokens and the audit log (authenticated: "
        "`Authorization: Bearer <token>`, or yente's `ApiKey <token>`).",
        # FastAPI's docs pages load scripts from a CDN: api.docs serves Swagger UI from packaged files.
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    if warm_index:
        threading.Thread(
            target=_warm_screening_index, args=(store,), name="screening-index", daemon=True
        ).start()

    @app.exception_handler(AccompliceError)
    async def _accomplice_error(request: Request, exc: AccompliceError) -> Response:
        if not _wants_json(request):
            return web_error(exc, request)
        status = _status_of(exc)
        if status == 422 and request.url.path.startswith(YENTE_PREFIXES):
            status = 400  # yente answers a request it cannot run (bad algorithm, batch size) with 400
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if status == 422 and isinstance(exc, InputError):
            # The shape the schema documents for 422 (FastAPI's validation errors): a list of field errors.
            # The message keeps the file and line ("bad.csv:3: ..."): one line a user can act on.
            detail = [{"loc": [exc.path], "msg": str(exc), "type": "value_error"}]
            return JSONResponse({"detail": detail}, status_code=status)
        return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        titles = {404: "Page not found", 401: "Log in to see this page", 403: "Not allowed"}
        title = titles.get(exc.status_code, "Cannot show this page")
        return render_error(exc.status_code, title, str(exc.detail), request)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        if _wants_json(request):
            # Field errors without the offending input: a 10,000-character query is not echoed back.
            return JSONResponse({"detail": errors}, status_code=422)
        message = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
        return render_error(422, "Cannot read this request", message, request)

    @app.exception_handler(StoreUnavailable)
    async def _store_unavailable(request: Request, exc: StoreUnavailable) -> Response:
        # The database is down, locked past its timeout, read-only or full: the service is unavailable
        # (503, worth a retry), not broken (500). One line of the driver's reason, no traceback.
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        log.warning("store unavailable on %s: %s", request.url.path, reason)
        message = f"the store cannot answer: {reason}"
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=503, headers={"Retry-After": "30"})
        return render_error(503, "The store is unavailable", message, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        if _wants_json(request):
            return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)
        return render_error(500, "Something went wrong", "The server log has the details.", request)

    app.include_router(health_router)
    app.include_router(api_router)
    app.include_router(monitor_router)
    app.include_router(incidents_router)
    app.include_router(oversight_router)
    app.include_router(cases_router)
    app.include_router(public_cases_router)
    app.include_router(accounts_router)
    # Exposure data is not public (it names suppliers and, in evidence, people): reads and writes each need
    # their permission.
    app.include_router(exposure_router, dependencies=[Depends(require(Permission.EXPOSURE_READ))])
    app.include_router(exposure_write_router, dependencies=[Depends(require(Permission.EXPOSURE_WRITE))])
    app.include_router(exposure_decide_router, dependencies=[Depends(require(Permission.RESOLVE_PARTIES))])
    # Dossiers and candidates name parties not yet designated: every route needs dossiers:read at least.
    app.include_router(dossiers_router, dependencies=[Depends(require(Permission.DOSSIERS_READ))])
    app.include_router(dossiers_write_router, dependencies=[Depends(require(Permission.DOSSIERS_WRITE))])
    app.include_router(dossiers_approve_router, dependencies=[Depends(require(Permission.DOSSIERS_APPROVE))])
    # Before the web router: /entities/{id} is negotiated there (JSON for API clients, HTML for browsers).
    app.include_router(yente_router)
    app.include_router(jobs_router)
    app.include_router(docs_router)
    app.include_router(web_router)
    app.include_router(account_pages)
    app.include_router(jobs_web_router)
    app.include_router(monitor_pages)
    app.include_router(incident_pages)
    app.include_router(oversight_pages)
    app.include_router(cases_pages)
    app.include_router(exposure_web_router)
    app.include_router(dossiers_web_router)
    app.mount("/static", static_files(), name="static")
    app.mount(DOCS_ASSETS_PATH, docs_assets(), name="docs-assets")
    # Innermost of the three: its refusals get the security headers too.
    app.add_middleware(BodyGate, respond=_refusal)
    # Outside the gate: its refusals of reconciliation requests carry CORS headers too.
    app.add_middleware(ReconcileCors)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES)
    app.add_middleware(SecurityHeaders)
    return app
