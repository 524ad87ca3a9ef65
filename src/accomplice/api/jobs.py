"""Batch screening jobs and decisions over HTTP: upload, list, progress, results, cancel, decide.

Every route needs an account (anonymous: 401): `Permission.JOBS` for jobs, `Permission.DECIDE` for
decisions. A job of an organisation the caller may not see answers 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from accomplice import services
from accomplice.api.auth import require
from accomplice.api.routes import StoreDep
from accomplice.errors import InputError
from accomplice.matching.decisions import require_reason
from accomplice.services import jobs as job_services
from accomplice.services.auth import Permission, Principal
from accomplice.web.params import RowId
from accomplice.web.uploads import read_upload, upload_form

__all__ = ["DecisionIn", "DecisionOut", "JobOut", "jobs_router"]

jobs_router = APIRouter(prefix="/api", tags=["jobs"])

JobsPrincipal = Annotated[Principal, Depends(require(Permission.JOBS))]
DecidePrincipal = Annotated[Principal, Depends(require(Permission.DECIDE))]


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class JobLinks(_Model):
    self: str
    results_jsonl: str
    results_csv: str
    cancel: str


class JobOut(_Model):
    id: int
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    file_name: str
    format: str = Field(description="Input format: csv, xlsx or jsonl.")
    encoding: str | None = Field(
        description="The text encoding named at upload; null when the file is UTF-8 or UTF-16 with a BOM."
    )
    checksum: str = Field(description="SHA-256 of the uploaded file.")
    size_bytes: int
    threshold: float | None = Field(description="Alert threshold; null for the screener's default.")
    rows_total: int
    rows_done: int
    rows_with_matches: int
    progress: float = Field(description="Share of rows screened, 0 to 1.")
    error: str | None
    created_by: str
    org: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    links: JobLinks

    @classmethod
    def of(cls, job: job_services.JobRecord) -> JobOut:
        base = f"/api/jobs/{job.id}"
        return cls(
            id=job.id,
            state=job.state,  # type: ignore[arg-type]
            file_name=job.file_name,
            format=job.format,
            encoding=job.encoding,
            checksum=job.checksum,
            size_bytes=job.size_bytes,
            threshold=job.threshold,
            rows_total=job.rows_total,
            rows_done=job.rows_done,
            rows_with_matches=job.rows_with_matches,
            progress=job.rows_done / job.rows_total if job.rows_total else 1.0,
            error=job.error,
            created_by=job.created_by,
            org=job.org,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            links=JobLinks(
                self=base,
                results_jsonl=f"{base}/results?format=jsonl",
                results_csv=f"{base}/results?format=csv",
                cancel=f"{base}/cancel",
            ),
        )


class DecisionIn(_Model):
    """A decision on a job's result row (`job`, `row`), or on a name screened elsewhere (`name`...)."""

    entity_key: str = Field(max_length=255, description="Key of the listed entity, e.g. `ofac:20157`.")
    judgement: Literal["match", "no-match"]
    reason: str = Field(
        min_length=1,
        max_length=2000,
        description="Why (required, not blank); shown with every later result, a not-a-match one included.",
    )
    job: int | None = Field(default=None, description="The job whose result is decided.")
    row: int | None = Field(default=None, ge=1, description="The result's row: its line in the JSONL.")
    name: str | None = Field(default=None, max_length=1000, description="Without `job`: the screened name.")
    entity_schema: str | None = Field(default=None, alias="schema", max_length=64)
    birth_date: str | None = Field(default=None, max_length=32)
    nationality: str | None = Field(default=None, max_length=100)

    @field_validator("reason")
    @classmethod
    def _reason_said(cls, value: str) -> str:
        return require_reason(value)


class DecisionOut(_Model):
    query_text: str
    entity_key: str
    judgement: str
    reason: str
    user: str
    created_at: datetime


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV, XLSX or JSONL with id and name columns.",
                        },
                        "threshold": {"type": "number", "minimum": 0, "maximum": 1},
                        "format": {"type": "string", "enum": list(job_services.JOB_FORMATS)},
                        "encoding": {
                            "type": "string",
                            "description": "Text encoding of a CSV or JSONL file that is neither UTF-8 nor "
                            "UTF-16 with a byte-order mark (such a file is refused without it): a Python "
                            f"codec name, e.g. {', '.join(job_services.ENCODING_EXAMPLES)}.",
                            "examples": ["cp1251"],
                        },
                    },
                }
            }
        },
    }
}


def _threshold(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError("threshold", f"must be a number between 0 and 1, not {text[:20]!r}") from None
    if not 0.0 <= value <= 1.0:
        raise InputError("threshold", f"must be between 0 and 1, not {value}")
    return value


def wake_worker(request: Request) -> None:
    worker = getattr(request.app.state, "job_worker", None)
    if worker is not None:
        worker.wake()


@jobs_router.post(
    "/jobs",
    status_code=201,
    summary="Upload a file of names (CSV, XLSX or JSONL) to screen in the background",
    openapi_extra=UPLOAD_BODY,
    dependencies=[Depends(upload_form)],
    responses={
        413: {"description": "The file is larger than the upload limit."},
        422: {"description": "The file cannot be read: the message names the file and the line."},
    },
)
async def create_job(request: Request, store: StoreDep, principal: JobsPrincipal) -> JobOut:
    name, data, fields = await read_upload(request)
    job = job_services.submit_job(
        store,
        principal,
        file_name=name,
        data=data,
        threshold=_threshold(fields.get("threshold")),
        fmt=fields.get("format") or None,
        encoding=fields.get("encoding") or None,
    )
    wake_worker(request)
    return JobOut.of(job)


@jobs_router.get("/jobs", summary="The newest jobs the caller may see, newest first")
def list_jobs(store: StoreDep, principal: JobsPrincipal) -> list[JobOut]:
    return [JobOut.of(j) for j in job_services.list_jobs(store, principal)]


@jobs_router.get("/jobs/{job_id}", summary="A job's state and progress", responses={404: {}})
def get_job(job_id: RowId, store: StoreDep, principal: JobsPrincipal) -> JobOut:
    return JobOut.of(job_services.get_job(store, principal, job_id))


@jobs_router.get(
    "/jobs/{job_id}/results",
    summary="A finished job's results as `accomplice screen` writes them (JSONL or CSV)",
    responses={
        200: {"content": {"application/x-ndjson": {}, "text/csv": {}}},
        404: {},
        409: {"description": "The job is still queued or running."},
    },
)
def job_results(
    job_id: RowId,
    store: StoreDep,
    principal: JobsPrincipal,
    format: Annotated[Literal["jsonl", "csv"], Query(description="jsonl or csv.")] = "jsonl",
    hide_decided: Annotated[
        bool,
        Query(
            description="Leave out matches an analyst decided are not a match, as `accomplice screen "
            "--hide-decided` does (by default they are kept, with who decided, when and why)."
        ),
    ] = False,
) -> StreamingResponse:
    lines: Iterator[str] = job_services.result_lines(
        store, principal, job_id, format, hide_decided=hide_decided
    )
    media = "application/x-ndjson" if format == "jsonl" else "text/csv; charset=utf-8"
    filename = f"job-{job_id}-results.{format}"
    return StreamingResponse(
        (line.encode("utf-8") for line in lines),
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@jobs_router.post(
    "/jobs/{job_id}/cancel",
    summary="Cancel a queued or running job",
    responses={404: {}, 409: {"description": "The job has already ended."}},
)
def cancel_job(job_id: RowId, store: StoreDep, principal: JobsPrincipal) -> JobOut:
    return JobOut.of(job_services.cancel_job(store, principal, job_id))


@jobs_router.post(
    "/decisions",
    status_code=201,
    tags=["decisions"],
    summary="Record that a screened name is (or is not) the listed entity; later screenings apply it",
    responses={404: {"description": "No such job, row or listed entity."}},
)
def create_decision(body: DecisionIn, store: StoreDep, principal: DecidePrincipal) -> DecisionOut:
    if body.job is not None:
        if body.row is None:
            raise InputError("request", "a decision on a job's result names its `row`")
        decision = job_services.decide_on_result(
            store,
            principal,
            job_id=body.job,
            seq=body.row - 1,
            entity_key=body.entity_key,
            judgement=body.judgement,
            reason=body.reason,
        )
    elif body.name:
        decision = services.decide(
            store,
            principal,
            name=body.name,
            entity_key=body.entity_key,
            judgement=body.judgement,
            reason=body.reason,
            schema=body.entity_schema,
            birth_date=body.birth_date,
            nationality=body.nationality,
        )
    else:
        raise InputError("request", "name the decided result: `job` and `row`, or the screened `name`")
    return DecisionOut(
        query_text=decision.query_text,
        entity_key=decision.entity_key,
        judgement=decision.judgement,
        reason=decision.reason,
        user=decision.user,
        created_at=decision.created_at,
    )
