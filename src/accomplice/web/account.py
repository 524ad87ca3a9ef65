"""Log in, log out and one's own account page (API tokens), as plain forms without any script.

The login form is protected against cross-site request forgery before any session exists by a
double-submit token: a random value in a SameSite=Strict, HttpOnly cookie and in the form; a POST whose
two copies differ is refused. Once logged in, the session's own CSRF token guards every form (checked by
`current_principal` for every cookie-authenticated POST).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accomplice.services import auth as accounts
from accomplice.services.auth import AuthError, LockedError, Permission, Principal
from accomplice.store import Store
from accomplice.web.auth import (
    CSRF_FIELD,
    SESSION_COOKIE,
    authenticated,
    client_address,
    current_principal,
    session_cookie_of,
)
from accomplice.web.routes import render

__all__ = ["LOGIN_CSRF_COOKIE", "router"]

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "accomplice_login_csrf"
# The login form's CSRF cookie only has to outlive filling in the form.
LOGIN_FORM_SECONDS = 3600
MAX_FIELD_CHARS = 1024  # user names and passwords are far shorter; anything longer is not parsed further


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _secure(request: Request) -> bool:
    # Secure cookies only over https: a plain-http development server could not set them otherwise.
    return request.url.scheme == "https"


def _safe_next(target: str | None) -> str:
    """Only paths on this site: `//evil.example` and `https://...` would make an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target[:500]
    return "/account"


def _login_page(
    request: Request, status: int, *, error: str | None = None, user: str = "", next_url: str = ""
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        "login.html",
        status,
        request=request,
        nav="login",
        title="Log in",
        login_csrf=token,
        error=error,
        user=user[:64],
        next_url=_safe_next(next_url) if next_url else "",
        **_limits(),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=LOGIN_FORM_SECONDS,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _limits() -> dict[str, int]:
    return {
        "max_failures": accounts.LOGIN_USER_MAX_FAILURES,
        "window_minutes": int(accounts.LOGIN_FAILURE_WINDOW.total_seconds() // 60),
        "lockout_minutes": int(accounts.LOGIN_LOCKOUT.total_seconds() // 60),
    }


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "") -> HTMLResponse:
    principal = await current_principal(request)
    if principal.is_authenticated:
        return render(
            "login.html",
            request=request,
            nav="login",
            title="Log in",
            login_csrf="",
            error=None,
            user="",
            next_url="",
            **_limits(),
        )
    return _login_page(request, 200, next_url=next)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    user: Annotated[str, Form(max_length=MAX_FIELD_CHARS)] = "",
    password: Annotated[str, Form(max_length=MAX_FIELD_CHARS)] = "",
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD_CHARS)] = "",
    next: Annotated[str, Form(max_length=MAX_FIELD_CHARS)] = "",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not csrf_token or not hmac.compare_digest(cookie.encode(), csrf_token.encode()):
        return _login_page(
            request, 403, error="The form expired or came from another site: please try again.", user=user
        )
    try:
        result = accounts.login(_store(request), user, password, address=client_address(request))
    except LockedError as exc:
        return _login_page(request, 429, error=str(exc).capitalize() + ".", user=user, next_url=next)
    except AuthError:
        return _login_page(request, 401, error="Wrong user name or password.", user=user, next_url=next)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.session_id,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, principal: Annotated[Principal, Depends(authenticated)]) -> Response:
    cookie = session_cookie_of(request)
    if cookie:
        accounts.logout(_store(request), cookie)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


def _account_page(request: Request, principal: Principal, status: int = 200, **extra: object) -> HTMLResponse:
    assert principal.user is not None
    store = _store(request)
    user = accounts.get_user(store, principal, principal.user)
    tokens = accounts.list_tokens(store, principal)
    context: dict[str, object] = {"new_token": None, "error": None, **extra}
    response = render(
        "account.html",
        status,
        request=request,
        nav="account",
        title="Your account",
        user=user,
        tokens=tokens,
        permissions=sorted(p.value for p in principal.permissions),
        all_permissions=[p.value for p in Permission],
        token_days=accounts.DEFAULT_TOKEN_DAYS,
        max_token_days=accounts.MAX_TOKEN_DAYS,
        csrf_field=CSRF_FIELD,
        now=datetime.now(UTC),
        **context,
    )
    # A page that may show a new token's secret must not be kept by the browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, principal: Annotated[Principal, Depends(authenticated)]) -> HTMLResponse:
    return _account_page(request, principal)


@router.post("/account/tokens", response_class=HTMLResponse)
def account_new_token(
    request: Request,
    principal: Annotated[Principal, Depends(authenticated)],
    name: Annotated[str, Form(max_length=accounts.MAX_TOKEN_NAME_CHARS)] = "",
    scope: Annotated[list[str] | None, Form()] = None,
    days: Annotated[int, Form(ge=1, le=accounts.MAX_TOKEN_DAYS)] = accounts.DEFAULT_TOKEN_DAYS,
) -> HTMLResponse:
    """Issue a token and show its secret in this answer only (not a redirect: the secret is in no URL)."""
    issued = accounts.issue_token(_store(request), principal, name=name, scopes=scope or None, days=days)
    return _account_page(request, principal, 201, new_token=issued)


@router.post("/account/tokens/{token_id}/revoke")
def account_revoke_token(
    request: Request, token_id: str, principal: Annotated[Principal, Depends(authenticated)]
) -> Response:
    accounts.revoke_token(_store(request), principal, token_id)
    return RedirectResponse("/account#tokens", status_code=303)
