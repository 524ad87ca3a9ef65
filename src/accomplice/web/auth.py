"""Who is asking, for the API and the pages alike: FastAPI dependencies over `services.auth`.

`accomplice.api.auth` re-exports these (the API is the documented home of the contract); they live here
because the pages need them too and the layers let `api` use `web`, not the other way round.

- `Authorization: Bearer acc_...` or yente's `Authorization: ApiKey acc_...` carries an API token;
- otherwise the `accomplice_session` cookie (HttpOnly, SameSite=Lax, Secure over https) a web session;
- otherwise the request is anonymous.

A bad token is refused (401) rather than treated as anonymous, so that a client learns at once that its
token was revoked or has expired. A cookie-authenticated unsafe request (POST, PUT, PATCH, DELETE) must
carry the session's CSRF token in the `X-CSRF-Token` header or the `csrf_token` form field (403
otherwise): SameSite=Lax already keeps the cookie off cross-site POSTs, the token covers older browsers
and same-site attackers. Token-authenticated requests need no CSRF token: browsers never add the
header by themselves.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from accomplice.services.auth import (
    ANONYMOUS,
    AuthError,
    Permission,
    Principal,
    authenticate_token,
    principal_for_session,
    trusted_token,
)
from accomplice.settings import get_settings
from accomplice.store import Store

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "PUBLIC_ROUTES",
    "SESSION_COOKIE",
    "authenticated",
    "client_address",
    "credentials_refusal",
    "csrf_token_of",
    "current_principal",
    "identity_of",
    "require",
    "route_permission",
    "session_cookie_of",
]

SESSION_COOKIE = "accomplice_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The token schemes of the Authorization header: OAuth's Bearer, and ApiKey as yente clients send it.
TOKEN_SCHEMES = frozenset({"bearer", "apikey"})
# The attribute that marks a dependency made by `require`/`authenticated`, so that a test (and a reader)
# can tell for every route what it needs.
PERMISSION_ATTR = "__accomplice_permission__"
LOGIN_REQUIRED = "login"

# Every route anonymous users may call, as (method, path) pairs. Any other route must depend on
# `require(...)` or `authenticated`; tests/test_auth_routes.py checks every route of the app against
# this list, so a route added without either fails the tests. Public: the lists are public documents.
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/openapi.json"),
        ("GET", "/api/lists"),
        ("GET", "/api/lists/{name}"),
        ("GET", "/api/lists/{name}/diff"),
        ("GET", "/api/entities/{key}"),
        ("GET", "/api/lookup"),
        ("GET", "/search"),
        ("GET", "/"),
        ("GET", "/lists"),
        ("GET", "/lists/{name}"),
        ("GET", "/entities/{key}"),
        ("GET", "/about/api"),
        ("GET", "/docs"),
        ("GET", "/login"),
        ("POST", "/login"),
        # Oversight (web.oversight, api.oversight): the COI tracker and the public statistics show public
        # facts and aggregates only; a chart that is not public checks the principal itself.
        ("GET", "/coi"),
        ("GET", "/coi/items/{item_id}"),
        ("GET", "/coi/addressees/{slug}"),
        ("GET", "/coi/report"),
        ("GET", "/coi/report.pdf"),
        ("GET", "/stats"),
        ("GET", "/api/coi/items"),
        ("GET", "/api/coi/items/{item_id}"),
        ("GET", "/api/stats/{chart_id}"),
        ("GET", "/api/stats/{chart_id}.csv"),
        # yente's reads and OpenRefine reconciliation over list data (api.yente); /match needs SCREEN.
        ("GET", "/search/{dataset}"),
        ("GET", "/entities/{entity_id}"),
        ("GET", "/algorithms"),
        ("GET", "/catalog"),
        ("GET", "/reconcile"),
        ("POST", "/reconcile"),
        ("GET", "/reconcile/suggest/entity"),
        ("GET", "/reconcile/preview"),
        ("GET", "/manifest"),
        ("GET", "/entities/{entity_id}/adjacent"),
        ("POST", "/reconcile/match"),
        ("GET", "/reconcile/suggest/type"),
        ("GET", "/reconcile/suggest/property"),
        ("GET", "/reconcile/extend/property"),
        ("GET", "/reconcile/{dataset}"),
        ("POST", "/reconcile/{dataset}"),
        ("GET", "/reconcile/{dataset}/suggest/entity"),
        ("GET", "/reconcile/{dataset}/suggest/type"),
        ("GET", "/reconcile/{dataset}/suggest/property"),
        ("GET", "/reconcile/{dataset}/extend/property"),
        # Published incidents' redacted versions (api.incidents, web.incidents): public on purpose.
        ("GET", "/api/public/incidents"),
        ("GET", "/api/public/incidents/{ref}"),
        ("GET", "/public/incidents"),
        ("GET", "/public/incidents/{ref}"),
        # The CAATSA register and the case statistics (aggregates only) are public, as CBP publishes them.
        ("GET", "/api/register"),
        ("GET", "/api/statistics/cases"),
        ("GET", "/api/statistics/cases.csv"),
        ("GET", "/register"),
        ("GET", "/statistics"),
    }
)

_PRINCIPAL_STATE = "principal"
_CSRF_STATE = "csrf_token"
_SESSION_STATE = "session_lookup"


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def session_cookie_of(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() not in TOKEN_SCHEMES or not value.strip():
        raise HTTPException(
            401, "use 'Authorization: Bearer <token>' or 'ApiKey <token>'", {"WWW-Authenticate": "Bearer"}
        )
    return value.strip()


async def _csrf_sent(request: Request) -> str | None:
    sent = request.headers.get(CSRF_HEADER)
    if sent:
        return sent
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        # Starlette caches the parsed form on the request: the route reads the same form afterwards.
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def _token_principal(request: Request, token: str) -> Principal:
    """The principal of an API token; AuthError for a bad, revoked or expired one."""
    # A token this process checked seconds ago costs no store read and no hop to the thread pool.
    trusted = trusted_token(_store(request), token)
    if trusted is None:
        trusted = await run_in_threadpool(authenticate_token, _store(request), token)
    return trusted


async def _session(request: Request) -> tuple[Principal, str] | None:
    """The principal and CSRF token of the request's session cookie; None without a live session.

    Read once per request: the body gate (before the body) and `current_principal` (after it) share the
    answer through the request's state, which both see."""
    if hasattr(request.state, _SESSION_STATE):
        found: tuple[Principal, str] | None = getattr(request.state, _SESSION_STATE)
        return found
    cookie = session_cookie_of(request)
    found = await run_in_threadpool(principal_for_session, _store(request), cookie) if cookie else None
    setattr(request.state, _SESSION_STATE, found)
    return found


async def current_principal(request: Request) -> Principal:
    """The principal of this request (a token, a session cookie, or ANONYMOUS); cached per request.

    Store reads run in the thread pool only when the request carries credentials: anonymous reads of
    public data cost nothing extra.
    """
    cached = getattr(request.state, _PRINCIPAL_STATE, None)
    if isinstance(cached, Principal):
        return cached
    principal = ANONYMOUS
    token = _bearer(request)
    if token is not None:
        try:
            principal = await _token_principal(request, token)
        except AuthError as exc:
            raise HTTPException(401, str(exc), {"WWW-Authenticate": "Bearer"}) from exc
    else:
        found = await _session(request)
        if found is not None:
            principal, csrf = found
            setattr(request.state, _CSRF_STATE, csrf)
            if request.method not in SAFE_METHODS:
                sent = await _csrf_sent(request)
                if not sent or not hmac.compare_digest(sent.encode(), csrf.encode()):
                    raise HTTPException(403, "CSRF token missing or wrong: reload the page and try again")
    setattr(request.state, _PRINCIPAL_STATE, principal)
    if principal.is_authenticated:
        # The hooks that routes written before this module read (api/exposure.py): who is writing, and
        # whether confidential evidence sources may be shown.
        request.state.user = principal.user
        request.state.may_see_confidential = principal.can(Permission.CONFIDENTIAL)
    return principal


async def credentials_refusal(request: Request, need: str) -> tuple[int, str] | None:
    """Why a request to a route that needs `need` (a permission value, or LOGIN_REQUIRED) is refused
    from its headers alone, as (status, message); None if its credentials may do it.

    Run before the body is read (api.body_gate), so that an anonymous or unauthorised client cannot make
    the server spool a large upload. The CSRF check, which may need the form, still runs afterwards in
    `current_principal`."""
    try:
        token = _bearer(request)
    except HTTPException as exc:
        return exc.status_code, str(exc.detail)
    principal: Principal = ANONYMOUS
    if token is not None:
        try:
            principal = await _token_principal(request, token)
        except AuthError as exc:
            return 401, str(exc)
    else:
        found = await _session(request)
        principal = found[0] if found is not None else ANONYMOUS
    if not principal.is_authenticated:
        if token is None and need == Permission.SCREEN.value and get_settings().public_screening:
            return None  # the route decides (api.yente.screening_principal: anonymous /match when public)
        return 401, "log in or send an API token"
    if need != LOGIN_REQUIRED and not principal.can(Permission(need)):
        return 403, f"needs the {need!r} permission"
    return None


def identity_of(request: Request) -> tuple[Principal, str | None]:
    """The principal and CSRF token already found for this request (ANONYMOUS if none was looked up)."""
    principal = getattr(request.state, _PRINCIPAL_STATE, None)
    return (principal if isinstance(principal, Principal) else ANONYMOUS), csrf_token_of(request)


def csrf_token_of(request: Request) -> str | None:
    """The session's CSRF token, for forms (after `current_principal` ran for this request)."""
    value = getattr(request.state, _CSRF_STATE, None)
    return value if isinstance(value, str) else None


def _mark(dependency: Callable[..., Any], need: str) -> Callable[..., Any]:
    setattr(dependency, PERMISSION_ATTR, need)
    return dependency


def require(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the principal if it holds `permission`; 401 if anonymous, 403 if not allowed.

    Usage: `def create_job(..., principal: Principal = Depends(require(Permission.JOBS)))`.
    """

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.is_authenticated:
            raise HTTPException(401, "log in or send an API token", {"WWW-Authenticate": "Bearer"})
        if not principal.can(permission):
            raise HTTPException(403, f"needs the {permission.value!r} permission")
        return principal

    dependency.__name__ = f"require_{permission.name.lower()}"
    return _mark(dependency, permission.value)


async def _authenticated(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_authenticated:
        raise HTTPException(401, "log in or send an API token", {"WWW-Authenticate": "Bearer"})
    return principal


# A dependency for routes open to every logged-in user whatever the roles (one's own account and tokens).
authenticated: Callable[..., Awaitable[Principal]] = _mark(_authenticated, LOGIN_REQUIRED)


def route_permission(route: Any) -> str | None:
    """What a route needs: a permission value, "login", or None (nothing: a public route)."""
    dependant = getattr(route, "dependant", None)
    stack = [dependant] if dependant is not None else []
    while stack:
        current = stack.pop()
        need = getattr(current.call, PERMISSION_ATTR, None)
        if isinstance(need, str):
            return need
        stack.extend(current.dependencies)
    return None
