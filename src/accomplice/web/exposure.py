"""The CAATSA §321(b) exposure pages: shipments with their supply-chain flow chart, parties, evidence.

Every page needs `Permission.EXPOSURE_READ` (exposure data names suppliers and, in evidence, people);
confidential evidence sources show as "confidential source <id>" unless the reader holds
`Permission.CONFIDENTIAL`. Charts are inline SVG written by the templates from geometry computed here
and in web/flowchart.py: no script runs on these pages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accomplice.errors import InputError, NotFoundError
from accomplice.exposure.rebuttal import DOCUMENT_KINDS
from accomplice.services import exposure as exposure_service
from accomplice.services import exposure_documents as documents
from accomplice.services import exposure_pages as pages
from accomplice.services.auth import ForbiddenError, Permission, Principal
from accomplice.services.exposure_visibility import may_add_evidence, may_see_confidential
from accomplice.services.jobs import ENCODING_EXAMPLES
from accomplice.store import Store
from accomplice.store.exposure import DocumentRecord
from accomplice.web.auth import require
from accomplice.web.flowchart import flow_chart
from accomplice.web.routes import render
from accomplice.web.uploads import read_upload, upload_form

__all__ = ["MonthBar", "download_response", "exposure_web_router", "month_chart"]

exposure_web_router = APIRouter(include_in_schema=False)

ReadPrincipal = Annotated[Principal, Depends(require(Permission.EXPOSURE_READ))]
WritePrincipal = Annotated[Principal, Depends(require(Permission.EXPOSURE_WRITE))]
ResolvePrincipal = Annotated[Principal, Depends(require(Permission.RESOLVE_PARTIES))]

# Shipments listed on one page of /shipments; the rest are a "next" link away.
SHIPMENTS_PAGE = 200
# The month chart shows at most this many months (the latest): two years fit the page's width.
CHART_MONTHS = 24
CHART_WIDTH = 640
CHART_HEIGHT = 150
CHART_BOTTOM = 20  # room for the month labels under the bars
CHART_TOP = 14  # room for the count above the tallest bar

REASON_LABELS = {
    "labour_evidence": "North Korean labour evidence in the supply chain",
    "dprk_listed": "A DPRK-listed entity in the supply chain",
    "blocked_by_ownership": "Blocked under OFAC's 50% rule (owned by blocked persons)",
}
HOP_LABELS = {
    "ships": "ships the entry",
    "supplies": "supplies",
    "owns": "owns",
    "operates": "operates",
}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _page(
    request: Request, principal: Principal, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    return render(
        template,
        status,
        request=request,
        nav="exposure",
        principal=principal,
        reason_labels=REASON_LABELS,
        hop_labels=HOP_LABELS,
        may_see_confidential=may_see_confidential(principal),
        **context,
    )


@dataclass(frozen=True, slots=True)
class MonthBar:
    month: str
    x: float
    width: float
    clean_y: float
    clean_h: float
    flagged_y: float
    flagged_h: float
    clean: int
    flagged: int
    show_label: bool


def month_chart(rows: list[pages.ShipmentRow]) -> tuple[list[MonthBar], int]:
    """Stacked bars per month (flagged on top of clean), the latest CHART_MONTHS months, and the max."""
    flagged = Counter(r.record.day.strftime("%Y-%m") for r in rows if r.flagged)
    clean = Counter(r.record.day.strftime("%Y-%m") for r in rows if not r.flagged)
    months = sorted(set(flagged) | set(clean))[-CHART_MONTHS:]
    top = max((flagged[m] + clean[m] for m in months), default=0) or 1
    room = CHART_HEIGHT - CHART_BOTTOM - CHART_TOP
    slot = CHART_WIDTH / max(len(months), 1)
    width = min(slot * 0.7, 36.0)
    base = CHART_HEIGHT - CHART_BOTTOM
    bars = []
    # Label every month when there is room for "2019-05", else about every fourth.
    every = 1 if slot >= 52 else max(1, round(52 / slot))
    for i, m in enumerate(months):
        ch = room * clean[m] / top
        fh = room * flagged[m] / top
        x = i * slot + (slot - width) / 2
        bars.append(
            MonthBar(
                m,
                round(x, 1),
                round(width, 1),
                round(base - ch, 1),
                round(ch, 1),
                round(base - ch - fh, 1),
                round(fh, 1),
                clean[m],
                flagged[m],
                i % every == 0 or i == len(months) - 1,
            )
        )
    return bars, top


# What the import form offers, by who may add it (labour evidence is not an importer's to add).
IMPORT_KINDS = (
    ("shipments", "Shipments (customs entries)"),
    ("relations", "Supply relations"),
    ("ownership", "Ownership and control"),
    ("facilities", "Facilities"),
    ("evidence", "Labour evidence"),
)


@exposure_web_router.get("/shipments", response_class=HTMLResponse)
def shipments_page(
    request: Request,
    principal: ReadPrincipal,
    state: Annotated[str, Query(max_length=16)] = "",
    start: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    return _shipments_page(request, principal, state, start)


@exposure_web_router.post(
    "/shipments/import", response_class=HTMLResponse, dependencies=[Depends(upload_form)]
)
async def import_upload(request: Request, principal: WritePrincipal) -> Any:
    """Import an uploaded file of one kind, then show the shipments with what was stored (or the error)."""
    name, data, fields = await read_upload(request)
    kind = fields.get("kind", "")
    try:
        if kind not in dict(IMPORT_KINDS):
            raise InputError(name, f"unknown kind {kind!r}")
        result = await run_in_threadpool(
            exposure_service.upload_records,
            _store(request),
            principal,
            kind,
            name,
            data,
            encoding=fields.get("encoding") or None,
        )
    except (InputError, ForbiddenError) as exc:
        status = 403 if isinstance(exc, ForbiddenError) else 422
        return await run_in_threadpool(_shipments_page, request, principal, "", 0, status, str(exc))
    if result.batch.unchanged:
        note = f"{name}: already imported (batch {result.batch.id}); nothing changed."
    else:
        counts = ", ".join(f"{n:,} {what}" for what, n in result.batch.counts.items())
        note = f"{name}: imported as batch {result.batch.id}: {counts}; {result.resolved} parties resolved."
    return await run_in_threadpool(_shipments_page, request, principal, "", 0, 200, None, note)


def _shipments_page(
    request: Request,
    principal: Principal,
    state: str,
    start: int,
    status: int = 200,
    error: str | None = None,
    imported: str | None = None,
) -> HTMLResponse:
    rows = pages.shipment_rows(_store(request), principal)
    bars, top = month_chart(rows)
    flagged = sum(r.flagged for r in rows)
    picked = [r for r in rows if (state != "flagged" or r.flagged) and (state != "clean" or not r.flagged)]
    picked.reverse()  # newest first
    shown = picked[start : start + SHIPMENTS_PAGE]
    kinds = [(k, label) for k, label in IMPORT_KINDS if k != "evidence" or may_add_evidence(principal)]
    return _page(
        request,
        principal,
        "shipments.html",
        status,
        may_import=principal.can(Permission.EXPOSURE_WRITE),
        import_kinds=kinds,
        encodings=ENCODING_EXAMPLES,
        error=error,
        imported=imported,
        title="Shipments",
        rows=shown,
        total=len(rows),
        matching=len(picked),
        flagged=flagged,
        state=state if state in ("flagged", "clean") else "",
        start=start,
        page_size=SHIPMENTS_PAGE,
        bars=bars,
        top=top,
        chart_width=CHART_WIDTH,
        chart_height=CHART_HEIGHT,
        chart_base=CHART_HEIGHT - CHART_BOTTOM,
    )


def _shipment_page(
    request: Request, principal: Principal, shipment_id: str, status: int = 200, error: str | None = None
) -> HTMLResponse:
    store = _store(request)
    page = pages.shipment_page(store, shipment_id, principal)
    held = [documents.document_json(d) for d in page.documents]
    subject_names = {str(p["node"]): str(p["name"]) for p in page.parties}
    subject_names.update({str(i["party"]): str(i["name"]) for i in page.checklist})
    parties = sorted(
        ((n, name) for n, name in subject_names.items() if n != page.record.id), key=lambda c: c[1].casefold()
    )
    choices = [(page.record.id, "The whole entry"), *parties]
    return _page(
        request,
        principal,
        "shipment.html",
        status,
        title=f"Shipment {page.record.id}",
        page=page,
        chart=flow_chart(page.nodes, page.edges),
        document_kinds=DOCUMENT_KINDS,
        documents=held,
        subject_names=subject_names,
        subject_choices=choices,
        may_upload=principal.can(Permission.EXPOSURE_WRITE),
        error=error,
    )


@exposure_web_router.get("/shipments/{shipment_id}", response_class=HTMLResponse)
def shipment_page(
    request: Request,
    principal: ReadPrincipal,
    shipment_id: Annotated[str, PathParam(max_length=255)],
) -> HTMLResponse:
    return _shipment_page(request, principal, shipment_id)


@exposure_web_router.post(
    "/shipments/{shipment_id}/documents", response_class=HTMLResponse, dependencies=[Depends(upload_form)]
)
async def upload_document(
    request: Request,
    principal: WritePrincipal,
    shipment_id: Annotated[str, PathParam(max_length=255)],
) -> Any:
    name, data, fields = await read_upload(request)
    try:
        await run_in_threadpool(
            documents.add_document,
            _store(request),
            principal,
            shipment_id,
            subject=fields.get("subject", ""),
            kind=fields.get("kind", ""),
            file_name=name,
            content=data,
            note=fields.get("note", "")[: documents.MAX_NOTE_CHARS],
            every_shipment=fields.get("every_shipment") == "true",
        )
    except InputError as exc:
        return await run_in_threadpool(_shipment_page, request, principal, shipment_id, 422, str(exc))
    return RedirectResponse(f"/shipments/{quote(shipment_id, safe='')}#documents", status_code=303)


def download_response(record: DocumentRecord, content: bytes) -> Response:
    """A stored document as a download: never shown inline, never sniffed into something executable."""
    return Response(
        content,
        media_type=record.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(record.file_name, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Document-SHA256": record.sha256,
        },
    )


@exposure_web_router.get("/shipments/{shipment_id}/documents/{document_id}")
def download_document(
    request: Request,
    principal: ReadPrincipal,
    shipment_id: Annotated[str, PathParam(max_length=255)],
    document_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
) -> Response:
    record, content = documents.read_document(_store(request), principal, document_id)
    return download_response(record, content)


@exposure_web_router.get("/parties/{party}", response_class=HTMLResponse)
def party_page(
    request: Request,
    principal: ReadPrincipal,
    party: Annotated[str, PathParam(max_length=255)],
) -> HTMLResponse:
    return _party_page(request, principal, party)


def _party_page(
    request: Request, principal: Principal, party: str, status: int = 200, error: str | None = None
) -> HTMLResponse:
    page = pages.party_page(_store(request), party, principal=principal)
    return _page(
        request,
        principal,
        "party.html",
        status,
        title=page.name,
        page=page,
        may_resolve=principal.can(Permission.RESOLVE_PARTIES),
        error=error,
    )


@exposure_web_router.post("/parties/{party}/resolution", response_class=HTMLResponse)
def resolve_party(
    request: Request,
    principal: ResolvePrincipal,
    party: Annotated[str, PathParam(max_length=255)],
    action: Annotated[str, Form(max_length=16)],
    entity: Annotated[str, Form(max_length=255)] = "",
    reason: Annotated[str, Form(max_length=2_000)] = "",
) -> Any:
    """Confirm a party as a listed entity, or split it from the one screening took it for."""
    store = _store(request)
    try:
        if action == "confirm":
            exposure_service.confirm_party(
                store, party, entity.strip(), user=str(principal.user), reason=reason
            )
        elif action == "split":
            exposure_service.split_party(store, party, user=str(principal.user), reason=reason)
        else:
            raise InputError("decision", f"unknown action {action!r}: confirm or split")
    except (InputError, NotFoundError) as exc:
        return _party_page(request, principal, party, 422, str(exc))
    return RedirectResponse(f"/parties/{quote(party, safe='')}#resolution", status_code=303)


@exposure_web_router.get("/evidence", response_class=HTMLResponse)
def evidence_page(
    request: Request,
    principal: ReadPrincipal,
    subject: Annotated[str, Query(max_length=200)] = "",
    grade: Annotated[str, Query(max_length=2)] = "",
) -> HTMLResponse:
    register = pages.evidence_register(
        _store(request), principal, subject=subject, grade=grade.strip().upper()
    )
    return _page(
        request,
        principal,
        "evidence.html",
        title="Evidence register",
        register=register,
        subject=subject,
        grade=grade.strip().upper(),
    )
