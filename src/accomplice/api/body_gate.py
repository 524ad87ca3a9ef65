"""The gate in front of every request body: credentials and size are checked before a byte is read.

FastAPI reads (and for multipart, spools to disk) a request's body before it runs the route's
dependencies, so the permission check of an upload route came after a 300 MiB anonymous body had been
written to a temporary file, and the size check of an authorised upload after the whole body had. Here,
for a request with a body:
1. a declared Content-Length above the limit is refused (413) at once;
2. a route that needs a permission is refused (401/403) on its headers alone when they do not carry it;
3. the body is counted while it streams, and refused (413) the moment it passes the limit, whatever
   Content-Length said (chunked bodies have none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accomplice.services.jobs import MAX_UPLOAD_BYTES
from accomplice.web.auth import credentials_refusal, route_permission

__all__ = ["MAX_BODY_BYTES", "BodyGate", "BodyTooLarge"]

# Multipart boundaries, part headers and the small fields sent beside a file (CSRF token, encoding,
# threshold): 64 KiB is far above what they take, and small beside the upload limit itself.
FORM_OVERHEAD_BYTES = 64 * 1024
# The largest body any route takes: an upload at its limit (jobs, watchlists, exposure files and
# documents all share 20 MiB) in its multipart envelope. JSON bodies (/match batches, reconciliation
# queries) stay far below it.
MAX_BODY_BYTES = MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

ErrorResponder = Callable[[Request, int, str], Response]


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body passes the limit; an HTTPException, so the route's own error
    handling answers it as the 413 it is (FastAPI re-raises HTTPExceptions met while reading a body)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit:,} bytes")


class BodyGate:
    """Pure ASGI middleware; `respond` renders a refusal as the app renders its errors (JSON or page)."""

    def __init__(self, app: ASGIApp, respond: ErrorResponder, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.respond = respond
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._declared_too_large(request) or await self._unauthorised(request)
        if refusal is not None:
            await self.respond(request, *refusal)(scope, _nothing, send)
            return
        await self._counted(scope, receive, send)

    def _declared_too_large(self, request: Request) -> tuple[int, str] | None:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return 413, f"the request body is larger than {self.max_bytes:,} bytes"
        return None

    async def _unauthorised(self, request: Request) -> tuple[int, str] | None:
        need = _route_need(request.scope)
        return await credentials_refusal(request, need) if need is not None else None

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge as exc:  # read outside a route's error handling (e.g. by a middleware)
            if started:
                raise
            await self.respond(Request(scope), exc.status_code, str(exc.detail))(scope, _nothing, send)


RouteTable = list[tuple[frozenset[str], re.Pattern[str], str | None]]


def _route_need(scope: Scope) -> str | None:
    """The permission the route matching `scope` needs (None: public, or no such route)."""
    app = scope.get("app")
    table: RouteTable | None = getattr(getattr(app, "state", None), "body_gate_routes", None)
    if table is None:
        table = _route_table(getattr(app, "routes", ()))
        if app is not None:
            app.state.body_gate_routes = table
    method, path = scope["method"], scope["path"]
    for methods, pattern, need in table:
        if method in methods and pattern.match(path):
            return need
    return None


def _route_table(routes: Sequence[Any]) -> RouteTable:
    """Every route as FastAPI resolves it through included routers: its methods, path and permission."""
    table: RouteTable = []
    for context in iter_route_contexts(routes):
        pattern = getattr(context, "path_regex", None)
        methods = getattr(context, "methods", None)
        if pattern is not None and methods:
            table.append((frozenset(methods), pattern, route_permission(context)))
    return table


async def _nothing() -> Message:
    return {"type": "http.disconnect"}
