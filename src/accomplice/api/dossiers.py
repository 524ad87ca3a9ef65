"""JSON endpoints of designation dossiers and the candidate finder under /api.

Reads need `dossiers:read`, saving, reviewing and commenting `dossiers:write`, approving
`dossiers:approve`: one router per permission, which api/app.py includes with that permission. The
services check the review rules (three different people) and audit every write.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field

from accomplice.api.auth import require
from accomplice.api.routes import StoreDep
from accomplice.services import candidates as finder
from accomplice.services import dossier_documents as documents
from accomplice.services import dossiers as service
from accomplice.services.auth import Permission, Principal
from accomplice.store.dossiers import DossierVersionRecord

__all__ = ["dossiers_approve_router", "dossiers_router", "dossiers_write_router"]

# One router per permission, each included with that permission (api/app.py): reads...
dossiers_router = APIRouter(prefix="/api", tags=["dossiers"])
# ...saving, reviewing and commenting...
dossiers_write_router = APIRouter(prefix="/api", tags=["dossiers"])
# ...and approving.
dossiers_approve_router = APIRouter(prefix="/api", tags=["dossiers"])

Reader = Annotated[Principal, Depends(require(Permission.DOSSIERS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.DOSSIERS_WRITE))]
Approver = Annotated[Principal, Depends(require(Permission.DOSSIERS_APPROVE))]
Key = Annotated[str, PathParam(max_length=255, description="List key (ofac:24977) or trade party id.")]
AsOf = Annotated[date | None, Query(description="The day the dossier is as of (default: today).")]
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "json": "application/json",
}


class DossierSourceOut(BaseModel):
    id: str
    title: str
    grade: str = Field(description="Admiralty grade: reliability A-F, credibility 1-6")
    url: str | None
    date: str | None
    official: bool


class DossierClaimOut(BaseModel):
    id: str
    kind: str
    text: str
    provider: str
    related_key: str | None
    date: str | None
    unsourced: bool
    source: DossierSourceOut | None
    criteria: list[str]
    detail: dict[str, str]


class DossierCriterionOut(BaseModel):
    id: str
    label: str
    jurisdiction: str
    standard: str
    standard_stated: bool
    met: list[str]
    meets_own_standard: bool
    claims: list[str]
    relevance: str


class DossierTargetOut(BaseModel):
    key: str
    caption: str
    schema_: str = Field(alias="schema")
    keys: list[str]
    country: str | None


class DossierIdentityOut(BaseModel):
    field: str
    value: str
    script: str
    source: str


class DossierListingOut(BaseModel):
    list_name: str = Field(alias="list")
    key: str
    since: str | None
    programs: list[str]
    version: str


class DossierGapOut(BaseModel):
    listed_by: list[str]
    not_listed_by: list[str]
    summary: str


class DossierSupplyPathOut(BaseModel):
    nodes: list[str]
    keys: list[str]
    hops: list[str]
    reason: str


class DossierOut(BaseModel):
    target: DossierTargetOut
    as_of: str
    lists_used: list[str]
    identity: list[DossierIdentityOut]
    listings: list[DossierListingOut]
    designation_gap: DossierGapOut
    claims: list[DossierClaimOut]
    unsourced_claims: int
    criteria: list[DossierCriterionOut]
    not_searched: list[str]
    names: dict[str, str]
    supply_paths: list[DossierSupplyPathOut]


class DossierVersionOut(BaseModel):
    id: int
    target_key: str
    version: int
    as_of: str
    caption: str
    state: Literal["draft", "reviewed", "approved"]
    content_sha256: str
    created_by: str
    reviewed_by: str | None
    approved_by: str | None


class DossierVersionWithContentOut(DossierVersionOut):
    content: DossierOut


class DossierCommentIn(BaseModel):
    claim_id: str = Field(min_length=1, max_length=32)
    text: str = Field(min_length=1, max_length=service.MAX_TEXT)


class DossierCommentOut(BaseModel):
    id: int
    claim_id: str
    author: str
    text: str


class DossierReasonOut(BaseModel):
    kind: str
    text: str
    weight: float
    source: str
    related_key: str | None


class CandidateOut(BaseModel):
    name: str
    key: str | None
    score: float
    country: str | None
    lists: list[str]
    reasons: list[DossierReasonOut]


def _version(record: DossierVersionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "target_key": record.target_key,
        "version": record.version,
        "as_of": record.as_of,
        "caption": record.caption,
        "state": record.state,
        "content_sha256": record.content_sha256,
        "created_by": record.created_by,
        "reviewed_by": record.reviewed_by,
        "approved_by": record.approved_by,
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dossiers_router.get("/dossiers/{key}", summary="Build a target's dossier as of a day")
def api_dossier(key: Key, store: StoreDep, principal: Reader, as_of: AsOf = None) -> DossierOut:
    built = service.build_dossier(store, principal, key, _day(as_of))
    return DossierOut.model_validate(service.dossier_json(built))


@dossiers_router.get(
    "/dossiers/{key}/document", summary="The dossier as PDF, DOCX or JSON with its FtM annex"
)
def api_dossier_document(
    key: Key,
    store: StoreDep,
    principal: Reader,
    as_of: AsOf = None,
    fmt: Annotated[Literal["pdf", "docx", "json"], Query(alias="format")] = "pdf",
) -> Response:
    content = service.dossier_json(service.build_dossier(store, principal, key, _day(as_of)))
    extra = {"basis_texts": service.basis_texts(content)} if fmt == "pdf" else {}
    name = f"dossier-{key}-{content['as_of']}.{fmt}"
    return Response(
        documents.dossier_document(content, fmt, **extra),
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@dossiers_write_router.post("/dossiers/{key}/versions", summary="Store the dossier as a new draft version")
def api_save_version(key: Key, store: StoreDep, principal: Writer, as_of: AsOf = None) -> DossierVersionOut:
    built = service.build_dossier(store, principal, key, _day(as_of))
    return DossierVersionOut.model_validate(_version(service.save_dossier_version(store, principal, built)))


@dossiers_router.get("/dossier-versions", summary="Stored dossier versions (of one target)")
def api_versions(
    store: StoreDep, principal: Reader, target: Annotated[str | None, Query(max_length=255)] = None
) -> list[DossierVersionOut]:
    return [
        DossierVersionOut.model_validate(_version(r))
        for r in service.dossier_versions(store, principal, target)
    ]


@dossiers_router.get("/dossier-versions/{version_id}", summary="One stored version with its content")
def api_version(
    version_id: Annotated[int, PathParam(ge=1)], store: StoreDep, principal: Reader
) -> DossierVersionWithContentOut:
    record = service.dossier_version(store, principal, version_id)
    return DossierVersionWithContentOut.model_validate({**_version(record), "content": record.content})


@dossiers_write_router.post("/dossier-versions/{version_id}/review", summary="Mark a draft reviewed")
def api_review(
    version_id: Annotated[int, PathParam(ge=1)], store: StoreDep, principal: Writer
) -> DossierVersionOut:
    return DossierVersionOut.model_validate(
        _version(service.review_dossier_version(store, principal, version_id))
    )


@dossiers_approve_router.post("/dossier-versions/{version_id}/approve", summary="Approve a reviewed version")
def api_approve(
    version_id: Annotated[int, PathParam(ge=1)], store: StoreDep, principal: Approver
) -> DossierVersionOut:
    return DossierVersionOut.model_validate(
        _version(service.approve_dossier_version(store, principal, version_id))
    )


@dossiers_write_router.post("/dossier-versions/{version_id}/comments", summary="Comment on one claim")
def api_comment(
    version_id: Annotated[int, PathParam(ge=1)], body: DossierCommentIn, store: StoreDep, principal: Writer
) -> list[DossierCommentOut]:
    service.comment_dossier_claim(store, principal, version_id, body.claim_id, body.text)
    return [
        DossierCommentOut(id=c.id, claim_id=c.claim_id, author=c.author, text=c.text)
        for c in service.dossier_comments(store, principal, version_id)
    ]


CandidateQuery = Annotated[int, Query(ge=1, le=finder.MAX_TOP)]


@dossiers_router.get(
    "/candidates", summary="Entities a list does not name, ranked by their ties to ones it does"
)
def api_candidates(
    store: StoreDep,
    principal: Reader,
    country: Annotated[str | None, Query(max_length=8, description="ISO country code, e.g. cn")] = None,
    top: CandidateQuery = finder.DEFAULT_TOP,
    target_list: Annotated[str, Query(alias="list", max_length=64)] = "ofac",
    as_of: AsOf = None,
) -> list[CandidateOut]:
    run = finder.find_candidates(
        store, principal, target_list=target_list, as_of=_day(as_of), country=country, top=top
    )
    return [CandidateOut.model_validate(c) for c in finder.candidates_json(run)]
