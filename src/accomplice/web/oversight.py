"""Pages of oversight: the COI tracker (overview, an item, an addressee, the progress report for a day and
its PDF), the public statistics (each chart with its numbers beside it and a CSV link) and briefs.

The tracker and statistics are public: they show public facts and aggregates only. Adding an event needs
`oversight:write`; a brief (seconds of work) needs a login. Forms carry the session's CSRF token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from accomplice.errors import InputError, NotFoundError
from accomplice.oversight import LINK_KINDS, RELATIONS, EventLink
from accomplice.services import briefs, dashboards, oversight
from accomplice.services.auth import Permission, Principal
from accomplice.store import Store
from accomplice.web.auth import CSRF_FIELD, authenticated, current_principal, require
from accomplice.web.routes import render

__all__ = ["LINK_PAGES", "router"]

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(current_principal)]
Writer = Annotated[Principal, Depends(require(Permission.OVERSIGHT_WRITE))]
AsOf = Annotated[str | None, Query(max_length=10)]
# The page of an object an event links to, by kind. Areas installed later add theirs (incidents: the
# lead adds "incident": "/incidents/{ref}"); a kind without a page shows its reference as text.
LINK_PAGES: dict[str, str] = {"entity": "/entities/{ref}", "incident": "/incidents/{ref}"}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def link_url(link: EventLink) -> str | None:
    if link.kind == "document":
        return link.ref
    pattern = LINK_PAGES.get(link.kind)
    return pattern.format(ref=link.ref) if pattern else None


def _page(
    request: Request, principal: Principal, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    return render(
        template,
        status,
        request=request,
        csrf_field=CSRF_FIELD,
        principal=principal,
        labels=oversight.STATUS_LABELS,
        link_url=link_url,
        can_write=principal.can(Permission.OVERSIGHT_WRITE),
        **context,
    )


@router.get("/coi", response_class=HTMLResponse)
def coi_page(request: Request, principal: Viewer, as_of: AsOf = None) -> HTMLResponse:
    addressees = oversight.coi_addressees(_store(request), as_of or None)
    return _page(
        request,
        principal,
        "coi.html",
        nav="oversight",
        title="COI tracker",
        addressees=addressees,
        as_of=as_of or "",
    )


def _item_page(
    request: Request, principal: Principal, item_id: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    view = oversight.coi_item(_store(request), item_id[:16])
    return _page(
        request,
        principal,
        "coi_item.html",
        status,
        nav="oversight",
        title=f"COI {view.item.label}",
        view=view,
        relations=RELATIONS,
        link_kinds=LINK_KINDS,
        **extra,
    )


@router.get("/coi/items/{item_id}", response_class=HTMLResponse)
def coi_item_page(request: Request, principal: Viewer, item_id: str) -> HTMLResponse:
    return _item_page(request, principal, item_id)


@router.post("/coi/items/{item_id}/events")
def coi_add_event(
    request: Request,
    principal: Writer,
    item_id: str,
    at: Annotated[str, Form(max_length=10)] = "",
    relation: Annotated[str, Form(max_length=24)] = "",
    event: Annotated[str, Form(max_length=4000)] = "",
    source_title: Annotated[str, Form(max_length=500)] = "",
    source_url: Annotated[str, Form(max_length=2000)] = "",
    link_kind: Annotated[str, Form(max_length=32)] = "",
    link_ref: Annotated[str, Form(max_length=2000)] = "",
) -> Any:
    links = (EventLink(link_kind, link_ref.strip()),) if link_kind and link_ref.strip() else ()
    new = oversight.NewEvent(
        at=at,
        relation=relation,
        summary=event,
        bears_on=(item_id[:16],),
        source_title=source_title,
        source_url=source_url,
        links=links,
    )
    try:
        oversight.add_coi_event(_store(request), principal, new)
    except InputError as exc:
        return _item_page(request, principal, item_id, 422, error=f"{exc.path}: {exc.reason}")
    return RedirectResponse(f"/coi/items/{item_id[:16]}", status_code=303)


@router.get("/coi/addressees/{slug}", response_class=HTMLResponse)
def coi_addressee_page(request: Request, principal: Viewer, slug: str) -> HTMLResponse:
    found = next((a for a in oversight.coi_addressees(_store(request)) if a.slug == slug[:100]), None)
    if found is None:
        raise NotFoundError(f"no addressee {slug[:100]!r}")
    return _page(request, principal, "coi_addressee.html", nav="oversight", title=found.name, addressee=found)


@router.get("/coi/report", response_class=HTMLResponse)
def coi_report_page(request: Request, principal: Viewer, as_of: AsOf = None) -> HTMLResponse:
    report = oversight.progress_report(_store(request), as_of or oversight.TEN_YEAR_REVIEW)
    return _page(
        request,
        principal,
        "coi_report.html",
        nav="oversight",
        title=f"COI progress as of {report.as_of}",
        report=report,
    )


@router.get("/coi/report.pdf")
def coi_report_pdf(request: Request, principal: Viewer, as_of: AsOf = None) -> Response:
    report = oversight.progress_report(_store(request), as_of or oversight.TEN_YEAR_REVIEW)
    html = render(
        "coi_report_doc.html",
        report=report,
        labels=oversight.STATUS_LABELS,
        title=f"COI progress as of {report.as_of}",
    ).body
    pdf = briefs.html_pdf(bytes(html).decode("utf-8"))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="coi-progress-{report.as_of}.pdf"'},
    )


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, principal: Viewer) -> HTMLResponse:
    store = _store(request)
    charts = []
    for provider in dashboards.chart_providers(principal):
        try:
            c = dashboards.chart(store, principal, provider.id)
        except InputError:
            continue  # e.g. an account of no organisation has no activity of its own
        # accomplice.render escapes every label and title it draws: the SVG is safe to insert as is.
        charts.append((c, Markup(dashboards.chart_svg(c))))  # noqa: S704
    return _page(request, principal, "stats.html", nav="oversight", title="Statistics", charts=charts)


@router.get("/briefs", response_class=HTMLResponse)
def briefs_page(request: Request, principal: Annotated[Principal, Depends(authenticated)]) -> HTMLResponse:
    return _page(
        request,
        principal,
        "briefs.html",
        nav="oversight",
        title="Briefs",
        countries=briefs.COUNTRIES,
        sectors=briefs.SECTORS,
    )


@router.get("/briefs/file")
def brief_file(
    request: Request,
    principal: Annotated[Principal, Depends(authenticated)],
    topic: Annotated[str, Query(max_length=255)],
    as_of: AsOf = None,
    format: Annotated[str, Query(pattern="^(pdf|docx)$")] = "pdf",
) -> Response:
    made = briefs.make_brief(_store(request), principal, topic, as_of or None)
    if format == "docx":
        data, media = (
            briefs.brief_docx(made),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    else:
        data, media = briefs.brief_pdf(made), "application/pdf"
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{made.file_stem}.{format}"'},
    )
