"""The Batch pages: upload a file of names, follow its job, filter its results, decide on matches.

No JavaScript (the CSP forbids scripts): a running job's page reloads itself with
`<meta http-equiv="refresh">` and shows a `<progress>` bar; forms post and redirect (POST-redirect-GET),
each carrying the session's CSRF token. Decisions taken here are remembered: later jobs screening the same
names apply them, as long as the listed entity has not changed.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accomplice.errors import InputError
from accomplice.services import jobs as job_services
from accomplice.services.auth import Permission, Principal
from accomplice.store import Store
from accomplice.web.auth import require
from accomplice.web.params import RowId
from accomplice.web.routes import render
from accomplice.web.uploads import read_upload, upload_form

__all__ = ["REFRESH_SECONDS", "RESULTS_PAGE", "jobs_web_router"]

jobs_web_router = APIRouter(include_in_schema=False)

# A running job's page reloads this often: the progress bar moves, and a page left open costs one small
# request every few seconds.
REFRESH_SECONDS = 3
# Result rows on one page of a job; the rest are a "next" link away.
RESULTS_PAGE = 100
DECIDED_CHOICES = ("", "decided", "undecided")


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


JobsPrincipal = Annotated[Principal, Depends(require(Permission.JOBS))]
DecidePrincipal = Annotated[Principal, Depends(require(Permission.DECIDE))]


def _page(
    request: Request, principal: Principal, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    return render(template, status, request=request, nav="batch", principal=principal, **context)


@jobs_web_router.get("/batch", response_class=HTMLResponse)
def batch_page(request: Request, principal: JobsPrincipal) -> HTMLResponse:
    jobs = job_services.list_jobs(_store(request), principal)
    return _page(
        request,
        principal,
        "batch.html",
        jobs=jobs,
        error=None,
        formats=job_services.JOB_FORMATS,
        encodings=job_services.ENCODING_EXAMPLES,
        max_bytes=job_services.MAX_UPLOAD_BYTES,
        title="Batch screening",
    )


@jobs_web_router.post("/batch", response_class=HTMLResponse, dependencies=[Depends(upload_form)])
async def upload(request: Request, principal: JobsPrincipal) -> Any:
    store = _store(request)
    name, data, fields = await read_upload(request)
    try:
        threshold = float(fields["threshold"]) if fields.get("threshold", "").strip() else None
        job = job_services.submit_job(
            store,
            principal,
            file_name=name,
            data=data,
            threshold=threshold,
            fmt=fields.get("format") or None,
            encoding=fields.get("encoding") or None,
        )
    except (InputError, ValueError) as exc:
        status = 413 if isinstance(exc, job_services.UploadTooLargeError) else 422
        return _page(
            request,
            principal,
            "batch.html",
            status,
            jobs=job_services.list_jobs(store, principal),
            error=str(exc),
            formats=job_services.JOB_FORMATS,
            encodings=job_services.ENCODING_EXAMPLES,
            max_bytes=job_services.MAX_UPLOAD_BYTES,
            title="Batch screening",
        )
    worker = getattr(request.app.state, "job_worker", None)
    if worker is not None:
        worker.wake()
    return RedirectResponse(f"/batch/{job.id}", status_code=303)


def _score(text: str | None) -> float | None:
    try:
        value = float(text) if text and text.strip() else None
    except ValueError:
        return None
    return value if value is not None and 0.0 <= value <= 1.0 else None


@jobs_web_router.get("/batch/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request,
    job_id: RowId,
    principal: JobsPrincipal,
    min_score: str | None = None,
    max_score: str | None = None,
    schema: str | None = None,
    list_name: Annotated[str | None, Query(alias="list")] = None,
    decided: str | None = None,
    only_matches: str | None = None,
    start: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    return _job_page(
        request,
        principal,
        job_id,
        {
            "min_score": min_score,
            "max_score": max_score,
            "schema": schema,
            "list": list_name,
            "decided": decided,
            "only_matches": only_matches,
        },
        start,
    )


def _job_page(
    request: Request,
    principal: Principal,
    job_id: int,
    asked: dict[str, str | None],
    start: int = 0,
    *,
    error: str | None = None,
    error_at: tuple[int, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The job page with the filters `asked` (as the query string names them); `error` is a refused
    decision's message, shown at the form it came from: `error_at` (row, entity key)."""
    min_score, max_score = asked.get("min_score"), asked.get("max_score")
    schema, list_name, decided = asked.get("schema"), asked.get("list"), asked.get("decided")
    only_matches = asked.get("only_matches")
    store = _store(request)
    job = job_services.get_job(store, principal, job_id)
    filters = job_services.JobFilter(
        min_score=_score(min_score),
        max_score=_score(max_score),
        schema=(schema or "").strip()[:64] or None,
        list_name=(list_name or "").strip()[:64] or None,
        decided=decided if decided in ("decided", "undecided") else None,
        only_matches=bool(only_matches),
    )
    results, total = job_services.job_results(
        store, principal, job_id, filters, offset=start, limit=RESULTS_PAGE
    )
    params = {
        "min_score": min_score or "",
        "max_score": max_score or "",
        "schema": filters.schema or "",
        "list": filters.list_name or "",
        "decided": filters.decided or "",
        "only_matches": "1" if filters.only_matches else "",
    }
    query = {k: v for k, v in params.items() if v}
    next_url = (
        f"/batch/{job_id}?" + urlencode({**query, "start": start + RESULTS_PAGE})
        if start + RESULTS_PAGE < total
        else None
    )
    prev_url = (
        f"/batch/{job_id}?" + urlencode({**query, "start": max(0, start - RESULTS_PAGE)}) if start else None
    )
    here = {**query, **({"start": start} if start else {})}
    back = f"/batch/{job_id}" + ("?" + urlencode(here) if here else "")
    return _page(
        request,
        principal,
        "job.html",
        status,
        error=error,
        error_at=error_at,
        job=job,
        results=results,
        total=total,
        start=start,
        params=params,
        next_url=next_url,
        prev_url=prev_url,
        back=back,
        decided_choices=DECIDED_CHOICES,
        schemas=job_services.SCHEMA_CHOICES,
        running=job.state in ("queued", "running"),
        refresh=REFRESH_SECONDS,
        title=f"Job {job.id} · {job.file_name}",
    )


@jobs_web_router.post("/batch/{job_id}/cancel")
def cancel(request: Request, job_id: RowId, principal: JobsPrincipal) -> RedirectResponse:
    job_services.cancel_job(_store(request), principal, job_id)
    return RedirectResponse(f"/batch/{job_id}", status_code=303)


@jobs_web_router.post("/batch/{job_id}/decisions")
def decide(
    request: Request,
    job_id: RowId,
    principal: DecidePrincipal,
    row: Annotated[int, Form(ge=0)],
    entity_key: Annotated[str, Form(max_length=255)],
    judgement: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    # Back to where the analyst was (filters and page kept), at the decided row; only this job's page.
    target = back if re.fullmatch(rf"/batch/{job_id}(\?[\w=&%.+-]*)?", back) else f"/batch/{job_id}"
    try:
        job_services.decide_on_result(
            _store(request),
            principal,
            job_id=job_id,
            seq=row,
            entity_key=entity_key,
            judgement=judgement,
            reason=reason,
        )
    except InputError as exc:
        # The page again, as the analyst left it, with the message at the form they sent: nothing recorded.
        asked: dict[str, str | None] = dict(parse_qsl(urlsplit(target).query))
        raw_start = asked.pop("start", None) or "0"
        start = int(raw_start) if raw_start.isdigit() else 0
        message = f"Not recorded: {exc.reason}."
        return _job_page(
            request, principal, job_id, asked, start, error=message, error_at=(row, entity_key), status=422
        )
    return RedirectResponse(f"{target}#row-{row}", status_code=303)
