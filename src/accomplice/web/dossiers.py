"""The Dossiers pages: the candidate finder (with its CSV export) and a target's dossier with downloads.

Server-rendered, no script: the finder's form is a GET (its results are a shareable, bookmarkable URL);
the dossier page shows the claims, the criteria and the standards met, and links the PDF, DOCX and JSON.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from accomplice.errors import InputError
from accomplice.services import candidates as finder
from accomplice.services import dossier_documents as documents
from accomplice.services import dossiers as service
from accomplice.services.auth import Permission, Principal
from accomplice.store import Store
from accomplice.web.auth import require
from accomplice.web.routes import render, render_error

__all__ = ["dossiers_web_router"]

dossiers_web_router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.DOSSIERS_READ))]
Day = Annotated[str | None, Query(max_length=10)]
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "json": "application/json",
}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _form(country: str | None, top: int, as_of: str | None, target_list: str) -> dict[str, Any]:
    return {"country": country or "", "top": top, "as_of": as_of or "", "list": target_list}


@dossiers_web_router.get("/candidates", response_class=HTMLResponse)
def candidates_page(
    request: Request,
    principal: Reader,
    country: Annotated[str | None, Query(max_length=8)] = None,
    top: Annotated[int, Query(ge=1, le=1000)] = finder.DEFAULT_TOP,
    as_of: Day = None,
    target_list: Annotated[str, Query(alias="list", max_length=64)] = "ofac",
) -> HTMLResponse:
    form = _form(country, top, as_of, target_list)
    try:
        run = finder.find_candidates(
            _store(request),
            principal,
            target_list=target_list,
            as_of=as_of or None,
            country=country or None,
            top=top,
        )
    except InputError as exc:
        return render(
            "candidates.html",
            400,
            request=request,
            nav="candidates",
            principal=principal,
            run=None,
            error=str(exc),
            form=form,
            title="Candidates",
        )
    query = "&".join(f"{k}={quote(str(v))}" for k, v in form.items() if v)
    return render(
        "candidates.html",
        request=request,
        nav="candidates",
        principal=principal,
        run=run,
        error=None,
        form=form,
        csv_url=f"/candidates.csv?{query}",
        title="Candidates",
    )


@dossiers_web_router.get("/candidates.csv")
def candidates_csv(
    request: Request,
    principal: Reader,
    country: Annotated[str | None, Query(max_length=8)] = None,
    top: Annotated[int, Query(ge=1, le=finder.MAX_TOP)] = finder.DEFAULT_TOP,
    as_of: Day = None,
    target_list: Annotated[str, Query(alias="list", max_length=64)] = "ofac",
) -> Response:
    run = finder.find_candidates(
        _store(request),
        principal,
        target_list=target_list,
        as_of=as_of or None,
        country=country or None,
        top=top,
    )
    name = f"candidates-{target_list}-{country or 'all'}-{run.day}.csv"
    return Response(
        finder.candidates_csv(run),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
            "X-Content-Type-Options": "nosniff",
        },
    )


Key = Annotated[str, PathParam(max_length=255)]


@dossiers_web_router.get("/dossiers/{key}", response_class=HTMLResponse)
def dossier_page(request: Request, key: Key, principal: Reader, as_of: Day = None) -> HTMLResponse:
    try:
        built = service.build_dossier(_store(request), principal, key, as_of or None)
    except InputError as exc:
        return render_error(400, "Bad request", str(exc), request)
    content = service.dossier_json(built)
    return render(
        "dossier.html",
        request=request,
        nav="candidates",
        principal=principal,
        d=content,
        numbers={c["id"]: i for i, c in enumerate(content["claims"], start=1)},
        title=f"Dossier: {content['target']['caption']}",
    )


@dossiers_web_router.get("/dossiers/{key}/dossier.{fmt}")
def dossier_download(request: Request, key: Key, fmt: str, principal: Reader, as_of: Day = None) -> Response:
    if fmt not in DOCUMENT_TYPES:
        return render_error(404, "Not found", f"no dossier format {fmt[:10]!r} (pdf, docx, json)", request)
    content = service.dossier_json(service.build_dossier(_store(request), principal, key, as_of or None))
    extra = {"basis_texts": service.basis_texts(content)} if fmt == "pdf" else {}
    name = f"dossier-{key}-{content['as_of']}.{fmt}"
    return Response(
        documents.dossier_document(content, fmt, **extra),
        media_type=DOCUMENT_TYPES[fmt],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
            "X-Content-Type-Options": "nosniff",
        },
    )
