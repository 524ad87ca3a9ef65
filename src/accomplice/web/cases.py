"""Pages of §321(b) cases: the case list, a case's timeline with its documents and the step its reader may
take, its PDF case file; and the public pages, the CAATSA register and the statistics with their charts.

Script-free like every page: the step form posts and redirects back (303) with the session's CSRF token.
The case pages need `cases:read` (an importer sees its own organisation's cases only); the register and
the statistics (aggregates only) need no login.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from accomplice.errors import InputError
from accomplice.render import ChartSeries, grouped_bar_chart_svg, pdf_from_html
from accomplice.services import case_documents, case_stats, cases, register
from accomplice.services.auth import Permission, Principal
from accomplice.store import Store
from accomplice.web.auth import CSRF_FIELD, require
from accomplice.web.routes import render
from accomplice.web.uploads import MAX_FIELDS, upload_form

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.CASES_READ))]
CaseId = Annotated[str, Path(min_length=1, max_length=64)]
CASES_PER_PAGE = 100
# Charts show the latest fiscal years and the largest groups; the tables beside them hold every number.
CHART_GROUPS = 12
# The portal reads an upload in pieces of this size: memory stays flat whatever the file's size.
UPLOAD_CHUNK_BYTES = 1024 * 1024
CHART_STATUSES = ("detained", "excluded", "released", "pending")


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return render(template, status, request=request, csrf_field=CSRF_FIELD, **context)


@router.get("/cases", response_class=HTMLResponse)
def cases_page(
    request: Request,
    principal: Reader,
    state: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    views, total = cases.list_cases(
        _store(request), principal, state=state or None, query=q or None, limit=CASES_PER_PAGE
    )
    return _page(
        request,
        "cases.html",
        nav="cases",
        title="Cases",
        views=views,
        total=total,
        state=state or "",
        query=q or "",
    )


def _case_page(
    request: Request, principal: Principal, case_id: str, status: int = 200, error: str = ""
) -> HTMLResponse:
    store = _store(request)
    view = cases.get_case(store, principal, case_id)
    return _page(
        request,
        "case.html",
        status,
        nav="cases",
        title=view.case.title,
        view=view,
        case=cases.case_json(view),
        documents=case_documents.case_documents(store, principal, case_id),
        principal=principal,
        # The steps this reader may take now: allowed by the case's state and by the reader's permissions.
        items=case_documents.DOCUMENT_ITEMS,
        may_upload=principal.can(Permission.CASES_RESPOND) or principal.can(Permission.CASES_ACT),
        steps=[k for k in view.allowed if any(principal.can(p) for p in cases.KIND_PERMISSIONS[k])],
        error=error,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, principal: Reader, case_id: CaseId) -> HTMLResponse:
    return _case_page(request, principal, case_id)


@router.post("/cases/{case_id}/events")
def case_step(
    request: Request,
    principal: Reader,
    case_id: CaseId,
    kind: Annotated[str, Form(max_length=32)],
    version: Annotated[int, Form()],
    note: Annotated[str, Form(max_length=cases.MAX_NOTE_CHARS)] = "",
    outcome: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        cases.act(
            _store(request), principal, case_id, kind, note=note, outcome=outcome or None, version=version
        )
    except cases.CaseConflictError as exc:
        return _case_page(request, principal, case_id, 409, str(exc))
    except cases.FlowRefusedError as exc:
        return _case_page(request, principal, case_id, 400, str(exc))
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/documents", response_class=HTMLResponse, dependencies=[Depends(upload_form)])
async def case_document_upload(request: Request, principal: Reader, case_id: CaseId) -> Response:
    """The importer's portal: one document against a checklist item and a stage, streamed to the store."""
    form = await request.form(max_files=1, max_fields=MAX_FIELDS)  # parsed once, by upload_form
    upload = form.get("file")
    if not isinstance(upload, StarletteUpload):
        return _case_page(request, principal, case_id, 422, "choose the file to upload")
    chunks = iter(lambda: upload.file.read(UPLOAD_CHUNK_BYTES), b"")
    try:
        await run_in_threadpool(
            case_documents.add_document,
            _store(request),
            principal,
            case_id,
            file_name=upload.filename or "",
            chunks=chunks,
            item=str(form.get("item") or ""),
            stage=str(form.get("stage") or ""),
            note=str(form.get("note") or ""),
        )
    except InputError as exc:
        return await run_in_threadpool(_case_page, request, principal, case_id, 422, str(exc))
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/cases/{case_id}/file.pdf")
def case_file(request: Request, principal: Reader, case_id: CaseId) -> Response:
    """The case file: the importer's submission package (summary, documents with their marks) and the
    agency's decision record (events, decision, reasons), as one PDF."""
    store = _store(request)
    view = cases.get_case(store, principal, case_id)
    page = render(
        "case_file.html",
        case=cases.case_json(view),
        documents=case_documents.case_documents(store, principal, case_id),
    )
    html = bytes(page.body).decode()
    return Response(
        pdf_from_html(html),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="case-{case_id}.pdf"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request) -> HTMLResponse:
    entries = register.register_entries(_store(request))
    return _page(request, "register.html", nav="register", title="CAATSA register", entries=entries)


def _chart(buckets: list[case_stats.Bucket], title: str, *, latest: bool = False) -> Markup:
    chosen = (
        buckets[-CHART_GROUPS:]
        if latest
        else sorted(buckets, key=lambda b: -b.cases["detained"])[:CHART_GROUPS]
    )
    series = [ChartSeries(s, tuple(float(b.cases[s]) for b in chosen)) for s in CHART_STATUSES]
    # The SVG is built by accomplice.render, which escapes every label it draws.
    return Markup(grouped_bar_chart_svg([b.key for b in chosen], series, title=title))  # noqa: S704


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(request: Request) -> HTMLResponse:
    stats = case_stats.case_statistics(_store(request))
    charts = {
        "fiscal_year": _chart(stats.by["fiscal_year"], "Cases by fiscal year", latest=True),
        "hs_section": _chart(stats.by["hs_section"], "Cases by HS section"),
        "origin": _chart(stats.by["origin"], "Cases by country of origin"),
    }
    return _page(
        request,
        "case_statistics.html",
        nav="statistics",
        title="§321(b) statistics",
        stats=stats,
        charts=charts,
        statuses=case_stats.STATUSES,
        dimensions=case_stats.DIMENSIONS,
        labels=case_stats.DIMENSION_LABELS,
    )
