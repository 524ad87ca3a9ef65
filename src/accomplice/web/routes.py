"""Server-rendered pages: search, lists, a list's versions and diffs, and entities.

Each route parses its parameters, calls one service and renders one template; Jinja2 escapes every value
(autoescaping is on for all templates). Pages carry no JavaScript, so they work on any browser, with any
input method, and on a slow link. The router takes the store from `request.app.state`, like the API, so
that authentication can wrap it later at `include_router` time.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.staticfiles import StaticFiles

from accomplice import services
from accomplice.errors import AccompliceError, InputError, NotFoundError
from accomplice.exposure.urls import is_web_url
from accomplice.services import entities
from accomplice.services.auth import ANONYMOUS, AuthError, ForbiddenError, LockedError, Permission, Principal
from accomplice.store import Store
from accomplice.web import present
from accomplice.web.auth import PUBLIC_ROUTES, current_principal, identity_of

__all__ = ["STATIC_DIR", "render_error", "router", "static_files"]

STATIC_DIR = Path(__file__).parent / "static"
# Static files are named by content hash in their URLs (`?v=`), so browsers may keep them for a year.
STATIC_MAX_AGE = 365 * 24 * 3600

# Every page knows who is asking, to show it in the header; anonymous requests cost no store query.
router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


@cache
def _static_version(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    return f"/static/{name}?v={_static_version(name)}"


def _fmt_int(value: int) -> str:
    return f"{value:,}"


_TICKS = re.compile(r"`([^`]+)`")


def _ticks(text: str) -> Markup:
    """Markdown's `code` spans of OpenAPI descriptions as <code>; every part is escaped."""
    out = Markup("")
    for i, part in enumerate(_TICKS.split(text)):
        out += Markup("<code>{}</code>").format(part) if i % 2 else escape(part)
    return out


@dataclass(frozen=True, slots=True)
class MenuItem:
    nav: str  # the `nav` a page renders with, to mark the item as the current page
    url: str
    label: str
    needs: Permission | None  # None: a public page


# The header's menu. An item whose page the visitor may not open is left out rather than shown to answer
# 401 or 403: logged out, the menu holds the public pages (and the header a "Log in" link).
MENU = (
    MenuItem("search", "/", "Search", None),
    MenuItem("lists", "/lists", "Lists", None),
    MenuItem("batch", "/batch", "Batch", Permission.JOBS),
    MenuItem("watchlists", "/watchlists", "Watchlists", Permission.WATCHLISTS),
    MenuItem("alerts", "/alerts", "Alerts", Permission.WATCHLISTS),
    MenuItem("exposure", "/shipments", "Exposure", Permission.EXPOSURE_READ),
    MenuItem("incidents", "/incidents", "Incidents", Permission.INCIDENTS_READ),
    MenuItem("cases", "/cases", "Cases", Permission.CASES_READ),
    # The COI tracker, the public statistics (lists, cases, incidents) and briefs: one item, the pages link
    # each other.
    MenuItem("oversight", "/coi", "COI", None),
    MenuItem("api", "/about/api", "API", None),
)


def menu_for(me: Principal) -> list[MenuItem]:
    """The menu items `me` may open."""
    return [item for item in MENU if item.needs is None or me.can(item.needs)]


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("accomplice.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        static_url=static_url,
        entity_url=present.entity_url,
        schema_label=present.schema_label,
        short=present.short,
        max_query=services.MAX_QUERY_CHARS,
    )
    env.filters["n"] = _fmt_int
    env.filters["ticks"] = _ticks
    # Only http(s) addresses become links: a stored `javascript:` address must never be clickable.
    env.tests["web_url"] = is_web_url
    return env


def render(
    template: str, status_code: int = 200, *, request: Request | None = None, **context: Any
) -> HTMLResponse:
    """Render a page; with `request`, the header shows who is logged in (and a log-out button)."""
    context.setdefault("nav", "")
    context.setdefault("q", "")
    me, csrf = identity_of(request) if request is not None else (ANONYMOUS, None)
    context.setdefault("me", me)
    context.setdefault("menu", menu_for(context["me"]))
    context.setdefault("csrf_token", csrf)
    html = _env().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code)


def render_error(status_code: int, title: str, message: str, request: Request | None = None) -> HTMLResponse:
    login_url = None
    if status_code == 401 and request is not None:
        login_url = "/login?" + urlencode({"next": request.url.path})
    return render(
        "error.html",
        status_code,
        request=request,
        title=title,
        message=message,
        status=status_code,
        login_url=login_url,
    )


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


# Results on one page; one more is asked for to know whether to say "showing the first 50".
SEARCH_RESULTS = 50


SCHEMA_CHOICES = ("", "Person", "Organization", "Vessel")


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    q: str | None = None,
    schema: str | None = None,
    birth_date: str | None = None,
    nationality: str | None = None,
) -> Response:
    store = _store(request)
    query = services.clean_query(q or "")
    kind = schema if schema in SCHEMA_CHOICES else ""
    page: dict[str, Any] = {
        "nav": "search",
        "present": present,
        "results": None,
        "error": None,
        "schema": kind,
        "schemas": SCHEMA_CHOICES,
        "birth_date": present.short(services.clean_query(birth_date or ""), 20),
        "nationality": present.short(services.clean_query(nationality or ""), 60),
        "warning": None,
    }
    if not query:
        return render("home.html", request=request, overviews=services.list_overviews(store), **page)
    try:
        key = services.search_key(store, query)
        if key is not None:
            # A list key opens its entry, as the help under the search box says (303: a GET after a GET).
            return RedirectResponse(present.entity_url(key), status_code=303)
        results = services.screen_query(
            store,
            query,
            schema=kind or None,
            birth_date=page["birth_date"] or None,
            nationality=page["nationality"] or None,
            limit=SEARCH_RESULTS,
            principal=identity_of(request)[0],
        )
    except (InputError, NotFoundError) as exc:
        return render(
            "home.html",
            422 if isinstance(exc, InputError) else 404,
            request=request,
            q=present.short(query, 200),
            overviews=[],
            **{**page, "error": exc.reason if isinstance(exc, InputError) else str(exc)},
        )
    page.update(results=results, warning=_capitalised(services.birth_date_warning(page["birth_date"])))
    return render("home.html", request=request, q=query, overviews=[], **page)


def _capitalised(sentence: str | None) -> str | None:
    return sentence[:1].upper() + sentence[1:] + "." if sentence else None


@router.get("/lists", response_class=HTMLResponse)
def lists_page(request: Request) -> HTMLResponse:
    overviews = services.list_overviews(_store(request))
    return render("lists.html", request=request, nav="lists", overviews=overviews, present=present)


@router.get("/lists/{name}", response_class=HTMLResponse)
def list_page(
    request: Request,
    name: str,
    old: str | None = None,
    new: str | None = None,
    program: str | None = None,
    all: str | None = None,
) -> HTMLResponse:
    store = _store(request)
    overview = services.list_overview(store, name)
    program = services.clean_query(program or "")[:64] or None
    diff_view = None
    diff_error = None
    if len(overview.versions) >= 2:
        try:
            diff = services.diff_list(store, name, old or None, new or None)
        except NotFoundError as exc:
            diff_error = str(exc)
        else:
            if program:
                diff = services.filter_diff_by_program(store, diff, program)
            diff_view = present.diff_view(diff, show_all=bool(all))
    params = {"old": old or "", "new": new or "", "program": program or ""}
    show_all_url = f"/lists/{name}?" + urlencode({**params, "all": "1"}) + "#diff"
    api_params = {k: v for k, v in params.items() if v}
    api_url = f"/api/lists/{name}/diff" + ("?" + urlencode(api_params) if api_params else "")
    return render(
        "list.html",
        request=request,
        nav="lists",
        overview=overview,
        present=present,
        diff=diff_view,
        diff_error=diff_error,
        program=program or "",
        show_all_url=show_all_url,
        api_url=api_url,
        chart=present.overview_chart(overview, width=320, height=120, labelled=True),
    )


@router.get("/entities/{key}", response_class=HTMLResponse)
def entity_page(request: Request, key: str) -> HTMLResponse:
    overview = entities.entity_overview(_store(request), key)
    page = present.entity_page(overview.detail, overview.history, overview.twins)
    return render("entity.html", request=request, page=page, title=page.heading)


# Example values for the path parameters of the API reference's "try it" links: real OFAC entries.
API_EXAMPLES = {"name": "ofac", "key": "ofac:12312", "entity_id": "ofac:12312", "dataset": "default"}


@router.get("/about/api", response_class=HTMLResponse)
def api_reference(request: Request) -> HTMLResponse:
    """The JSON API's endpoints, read from the OpenAPI schema the app publishes (one source of truth)."""
    spec = request.app.openapi()
    endpoints = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            params = [
                (p["name"], p["in"], p.get("required", False), p.get("description", ""))
                for p in op.get("parameters", [])
            ]
            example = path
            for name, value in API_EXAMPLES.items():
                example = example.replace("{" + name + "}", value)
            if path == "/api/lookup":
                example += "?q=daesong"
            public = (method.upper(), path) in PUBLIC_ROUTES
            endpoints.append((method.upper(), path, op.get("summary", ""), params, example, public))
    return render("api.html", request=request, nav="api", endpoints=endpoints, title="API")


def web_error(exc: AccompliceError, request: Request | None = None) -> HTMLResponse:
    if isinstance(exc, NotFoundError):
        return render_error(404, "Not found", str(exc), request)
    if isinstance(exc, InputError):
        return render_error(422, "Cannot read this request", str(exc), request)
    if isinstance(exc, LockedError):
        return render_error(429, "Too many failed logins", str(exc), request)
    if isinstance(exc, AuthError):
        return render_error(401, "Log in to see this page", str(exc), request)
    if isinstance(exc, ForbiddenError):
        return render_error(403, "Not allowed", str(exc), request)
    return render_error(400, "Cannot do this", str(exc), request)


class _StaticFiles(StaticFiles):
    """Local static files (no CDN, no external fonts), cached for long since their URLs carry a hash."""

    def file_response(self, *args: Any, **kwargs: Any) -> Any:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}, immutable"
        return response


def static_files() -> StaticFiles:
    return _StaticFiles(directory=STATIC_DIR)
