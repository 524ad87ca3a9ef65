"""Pages of continuous monitoring: watchlists (create, upload entries, see each entry's best match) and
alerts (open alerts with their explanation and the list version that raised them, acknowledge).

Script-free like every page: forms post and redirect back (303), each carrying the session's CSRF token
(`accomplice.web.auth` checks it before the route runs). All need the `watchlists` permission.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from accomplice.errors import InputError
from accomplice.services import monitor
from accomplice.services.auth import Permission, Principal
from accomplice.store import Store
from accomplice.web import present
from accomplice.web.auth import CSRF_FIELD, require
from accomplice.web.params import RowId
from accomplice.web.routes import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Watcher = Annotated[Principal, Depends(require(Permission.WATCHLISTS))]
# Alerts on one page; the JSON API pages through more.
ALERTS_PER_PAGE = 200
SCHEMA_CHOICES = ("", "Person", "Organization", "Vessel")


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _page(
    request: Request, principal: Principal, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    # `render` with the request adds the session's CSRF token (`csrf_token`) for the forms.
    return render(template, status, request=request, csrf_field=CSRF_FIELD, principal=principal, **context)


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/watchlists", response_class=HTMLResponse)
def watchlists_page(request: Request, principal: Watcher) -> HTMLResponse:
    found = monitor.watchlists(_store(request), principal)
    return _page(
        request, principal, "watchlists.html", nav="watchlists", title="Watchlists", watchlists=found
    )


@router.post("/watchlists")
def create_watchlist(request: Request, principal: Watcher, name: Annotated[str, Form()] = "") -> Any:
    store = _store(request)
    try:
        created = monitor.create_watchlist(store, principal, name)
    except InputError as exc:
        found = monitor.watchlists(store, principal)
        return _page(
            request,
            principal,
            "watchlists.html",
            422,
            nav="watchlists",
            title="Watchlists",
            watchlists=found,
            error=exc.reason,
        )
    return _back(f"/watchlists/{created.id}")


def _watchlist_page(
    request: Request, principal: Principal, watchlist_id: RowId, status: int = 200, **extra: Any
) -> HTMLResponse:
    store = _store(request)
    watchlist = monitor.get_watchlist(store, principal, watchlist_id)
    views = monitor.entry_views(store, principal, watchlist_id)
    context: dict[str, Any] = {"error": None, "message": None, **extra}
    return _page(
        request,
        principal,
        "watchlist.html",
        status,
        nav="watchlists",
        title=watchlist.name,
        watchlist=watchlist,
        views=views,
        schemas=SCHEMA_CHOICES,
        **context,
    )


@router.get("/watchlists/{watchlist_id}", response_class=HTMLResponse)
def watchlist_page(
    request: Request,
    watchlist_id: RowId,
    principal: Watcher,
    added: int | None = None,
    alerts: int | None = None,
) -> HTMLResponse:
    message = (
        f"Added {added:,} {'entry' if added == 1 else 'entries'}; each was screened at once"
        + (f" and raised {alerts:,} {'alert' if alerts == 1 else 'alerts'}." if alerts else ".")
        if added
        else None
    )
    return _watchlist_page(request, principal, watchlist_id, message=message)


@router.post("/watchlists/{watchlist_id}/upload")
def upload_entries(
    request: Request, watchlist_id: RowId, principal: Watcher, file: Annotated[UploadFile, File()]
) -> Any:
    try:
        report = monitor.add_entries_from_upload(
            _store(request), principal, watchlist_id, file.filename or "entries.csv", file.file
        )
    except InputError as exc:
        return _watchlist_page(request, principal, watchlist_id, 422, error=str(exc))
    return _back(f"/watchlists/{watchlist_id}?added={report.added}&alerts={report.alerts}")


@router.post("/watchlists/{watchlist_id}/entries")
def add_entry(
    request: Request,
    watchlist_id: RowId,
    principal: Watcher,
    ref: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    birth_date: Annotated[str, Form()] = "",
    nationality: Annotated[str, Form()] = "",
) -> Any:
    row: dict[str, object] = {
        "id": ref,
        "name": name,
        "schema": kind if kind in SCHEMA_CHOICES else "",
        "birth_date": birth_date,
        "nationality": nationality,
    }
    try:
        report = monitor.add_entries(_store(request), principal, watchlist_id, [row], source="form")
    except InputError as exc:
        return _watchlist_page(request, principal, watchlist_id, 422, error=exc.reason)
    return _back(f"/watchlists/{watchlist_id}?added={report.added}&alerts={report.alerts}")


@router.post("/watchlists/{watchlist_id}/entries/{entry_id}/delete")
def remove_entry(
    request: Request, watchlist_id: RowId, entry_id: RowId, principal: Watcher
) -> RedirectResponse:
    monitor.remove_entry(_store(request), principal, watchlist_id, entry_id)
    return _back(f"/watchlists/{watchlist_id}")


@router.post("/watchlists/{watchlist_id}/delete")
def delete_watchlist(request: Request, watchlist_id: RowId, principal: Watcher) -> RedirectResponse:
    monitor.delete_watchlist(_store(request), principal, watchlist_id)
    return _back("/watchlists")


STATE_CHOICES = ("open", "acknowledged", "all")


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request, principal: Watcher, state: str = "open", watchlist: str = ""
) -> HTMLResponse:
    store = _store(request)
    # The filter form sends an empty value for "all watchlists".
    watchlist_id = int(watchlist) if watchlist.isdigit() and len(watchlist) < 10 else None
    state = state if state in STATE_CHOICES else "open"
    found = monitor.alerts(
        store,
        principal,
        state=None if state == "all" else state,
        watchlist_id=watchlist_id,
        limit=ALERTS_PER_PAGE,
    )
    names = {w.id: w.name for w in monitor.watchlists(store, principal)}
    per_version = monitor.alerts_per_version(store, principal)
    chart = present.bar_chart(
        [(f"{name} {label}", count) for name, _seq, label, count in per_version],
        width=480,
        height=140,
        labelled=True,
    )
    return _page(
        request,
        principal,
        "alerts.html",
        nav="alerts",
        title="Alerts",
        alerts=found,
        state=state,
        states=STATE_CHOICES,
        watchlist=watchlist_id,
        names=names,
        present=present,
        per_version=per_version,
        chart=chart,
        limit=ALERTS_PER_PAGE,
        back=request.url.path + ("?" + urlencode(dict(request.query_params)) if request.query_params else ""),
    )


@router.post("/alerts/{alert_id}/ack")
def acknowledge(
    request: Request, alert_id: RowId, principal: Watcher, back: Annotated[str, Form()] = "/alerts"
) -> RedirectResponse:
    monitor.acknowledge_alert(_store(request), principal, alert_id)
    # Only a local path: the form field must not turn the page into an open redirect.
    return _back(back if back.startswith("/alerts") else "/alerts")
