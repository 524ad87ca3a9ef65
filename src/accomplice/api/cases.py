"""§321(b) cases over JSON: list, open, read and move a case; the CAATSA register; the public statistics.

Reading and stepping need `cases:read`; which step a caller may take (detain, decide, approve, answer,
protest) is the service's check, by the step's own permission. Opening needs `cases:act`. An importer sees
only its own organisation's cases: another's is "not found". The register and the statistics are public
(the UFLPA Entity List and CBP's dashboard are), the statistics hold aggregates only.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from accomplice.api.auth import require
from accomplice.api.routes import StoreDep
from accomplice.services import case_documents, case_stats, cases, register
from accomplice.services.auth import Permission, Principal
from accomplice.store.cases import CaseDocument, RegisterEntry

__all__ = ["cases_router", "public_cases_router"]

Reader = Annotated[Principal, Depends(require(Permission.CASES_READ))]
Actor = Annotated[Principal, Depends(require(Permission.CASES_ACT))]
Approver = Annotated[Principal, Depends(require(Permission.CASES_APPROVE))]
cases_router = APIRouter(prefix="/api", tags=["cases"])
public_cases_router = APIRouter(prefix="/api", tags=["cases"])
CaseId = Annotated[str, Path(min_length=1, max_length=64)]
MAX_PAGE = 500
# Uploads are read in pieces of this size: memory stays flat whatever the file's size.
UPLOAD_CHUNK_BYTES = 1024 * 1024


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class EventOut(_Model):
    at: str
    kind: str
    by: str | None
    note: str
    party: str | None
    outcome: str | None


class DecisionOut(_Model):
    outcome: str
    reasons: list[str]
    decided_on: str | None
    decided_by: str | None
    approved_by: str | None
    approval_pending: bool


class CaseOut(_Model):
    id: str
    title: str
    org: str | None
    source: str
    state: str
    deadline: str | None
    overdue: bool
    protest_deadline: str | None
    opened_on: str
    shipments: list[str]
    parties: list[str]
    legal_basis: str
    evidence_summary: str
    origin: str | None
    hs_code: str | None
    value: float | None
    version: int
    allowed: list[str]
    events: list[EventOut]
    decision: DecisionOut | None
    trace: JsonValue = None

    @classmethod
    def of(cls, view: cases.CaseView, *, with_trace: bool = True) -> CaseOut:
        return cls.model_validate(cases.case_json(view, with_trace=with_trace))


class CasePageOut(_Model):
    total: int
    cases: list[CaseOut]


class OpenIn(_Model):
    title: str = Field(default="", max_length=500)
    org: str | None = Field(default=None, max_length=128)
    shipment: str | None = Field(default=None, max_length=255, description="Open on this flagged shipment.")
    note: str = Field(default="", max_length=cases.MAX_NOTE_CHARS)
    parties: list[str] = Field(default_factory=list, max_length=100)
    at: date | None = Field(default=None, description="The day a case opened on paper (default: now).")


class StepIn(_Model):
    kind: str = Field(max_length=32, description="detained, information-requested, response, decided, ...")
    note: str = Field(default="", max_length=cases.MAX_NOTE_CHARS)
    party: str | None = Field(default=None, max_length=500)
    outcome: str | None = Field(default=None, max_length=32)
    version: int | None = Field(default=None, description="The version you read: a newer one is a 409.")
    at: date | None = Field(default=None, description="The day of a step taken on paper (default: now).")


@cases_router.get("/cases", response_model=CasePageOut)
def api_cases(
    store: StoreDep,
    principal: Reader,
    state: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CasePageOut:
    views, total = cases.list_cases(store, principal, state=state, query=q, limit=limit, offset=offset)
    return CasePageOut(total=total, cases=[CaseOut.of(v, with_trace=False) for v in views])


@cases_router.post("/cases", response_model=CaseOut, status_code=201)
def api_open_case(store: StoreDep, principal: Actor, body: OpenIn) -> CaseOut:
    if body.shipment:
        view = cases.open_from_shipment(store, principal, body.shipment, note=body.note)
    else:
        view = cases.open_case(
            store, principal, title=body.title, org=body.org, note=body.note, parties=body.parties, at=body.at
        )
    return CaseOut.of(view)


@cases_router.get("/cases/{case_id}", response_model=CaseOut)
def api_case(store: StoreDep, principal: Reader, case_id: CaseId) -> CaseOut:
    return CaseOut.of(cases.get_case(store, principal, case_id))


@cases_router.post("/cases/{case_id}/events", response_model=CaseOut)
def api_case_step(store: StoreDep, principal: Reader, case_id: CaseId, body: StepIn) -> CaseOut:
    view = cases.act(
        store,
        principal,
        case_id,
        body.kind,
        note=body.note,
        party=body.party,
        outcome=body.outcome,
        version=body.version,
        at=body.at,
    )
    return CaseOut.of(view)


class RemovalOut(_Model):
    id: int
    reason: str
    requested_by: str | None
    outcome: str


class RegisterEntryOut(_Model):
    key: str
    name: str
    names: list[str]
    country: str
    effective_date: str
    authority: str
    action: str
    legal_basis: str
    evidence: str
    sector: str
    source_url: str
    list_keys: list[str]
    status: str

    @classmethod
    def of(cls, e: RegisterEntry) -> RegisterEntryOut:
        return cls(
            key=e.key,
            name=e.name,
            names=list(e.names),
            country=e.country,
            effective_date=e.effective_date,
            authority=e.authority,
            action=e.action,
            legal_basis=e.legal_basis,
            evidence=e.evidence,
            sector=e.sector,
            source_url=e.source_url,
            list_keys=list(e.list_keys),
            status=e.status,
        )


class RemovalIn(_Model):
    reason: str = Field(min_length=1, max_length=cases.MAX_NOTE_CHARS)


@public_cases_router.get("/register", response_model=list[RegisterEntryOut])
def api_register(store: StoreDep) -> list[RegisterEntryOut]:
    return [RegisterEntryOut.of(e) for e in register.register_entries(store)]


@cases_router.post("/register/{key}/removals", response_model=RemovalOut, status_code=201)
def api_register_removal(
    store: StoreDep, principal: Reader, key: Annotated[str, Path(max_length=255)], body: RemovalIn
) -> RemovalOut:
    r = register.request_removal(store, principal, key, body.reason)
    return RemovalOut(id=r.id, reason=r.reason, requested_by=r.requested_by, outcome=r.outcome)


class BucketOut(_Model):
    key: str
    cases: dict[str, int]
    value: dict[str, float]


class StatisticsOut(_Model):
    total_cases: int
    total_value: float
    by: dict[str, list[BucketOut]]


@public_cases_router.get("/statistics/cases", response_model=StatisticsOut)
def api_case_statistics(store: StoreDep) -> StatisticsOut:
    stats = case_stats.case_statistics(store)
    return StatisticsOut(
        total_cases=stats.total_cases,
        total_value=stats.total_value,
        by={
            d: [BucketOut(key=b.key, cases=b.cases, value=b.value) for b in buckets]
            for d, buckets in stats.by.items()
        },
    )


@public_cases_router.get("/statistics/cases.csv", response_class=Response)
def api_case_statistics_csv(store: StoreDep) -> Response:
    out = io.StringIO()
    csv.writer(out).writerows(case_stats.statistics_csv_rows(case_stats.case_statistics(store)))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="case-statistics.csv"'},
    )


class DocumentOut(_Model):
    id: int
    sha256: str
    size: int
    media_type: str
    file_name: str
    item: str
    stage: str
    note: str
    uploaded_by: str | None
    uploaded_at: str
    review: str
    review_reason: str
    reviewed_by: str | None

    @classmethod
    def of(cls, d: CaseDocument) -> DocumentOut:
        return cls(
            id=d.id,
            sha256=d.sha256,
            size=d.size,
            media_type=d.media_type,
            file_name=d.file_name,
            item=d.item,
            stage=d.stage,
            note=d.note,
            uploaded_by=d.uploaded_by,
            uploaded_at=d.uploaded_at.isoformat(),
            review=d.review,
            review_reason=d.review_reason,
            reviewed_by=d.reviewed_by,
        )


class ReviewIn(_Model):
    mark: str = Field(max_length=16, description="accepted, insufficient or inconsistent")
    reason: str = Field(default="", max_length=cases.MAX_NOTE_CHARS)


@cases_router.get("/cases/{case_id}/documents", response_model=list[DocumentOut])
def api_case_documents(store: StoreDep, principal: Reader, case_id: CaseId) -> list[DocumentOut]:
    return [DocumentOut.of(d) for d in case_documents.case_documents(store, principal, case_id)]


@cases_router.post("/cases/{case_id}/documents", response_model=DocumentOut, status_code=201)
def api_add_case_document(
    store: StoreDep,
    principal: Reader,
    case_id: CaseId,
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, TIFF, XLSX or DOCX")],
    item: Annotated[str, Form(max_length=64)],
    stage: Annotated[str, Form(max_length=128)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> DocumentOut:
    chunks = iter(lambda: file.file.read(UPLOAD_CHUNK_BYTES), b"")
    document = case_documents.add_document(
        store,
        principal,
        case_id,
        file_name=file.filename or "",
        chunks=chunks,
        item=item,
        stage=stage,
        note=note,
    )
    return DocumentOut.of(document)


@cases_router.get("/cases/{case_id}/documents/{document_id}", response_class=FileResponse)
def api_case_document_file(
    store: StoreDep, principal: Reader, case_id: CaseId, document_id: Annotated[int, Path(ge=1, le=2**31)]
) -> FileResponse:
    document, path = case_documents.document_file(store, principal, case_id, document_id)
    return FileResponse(
        path,
        media_type=document.media_type,
        filename=document.file_name,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )


@cases_router.post("/cases/{case_id}/documents/{document_id}/review", response_model=DocumentOut)
def api_review_case_document(
    store: StoreDep,
    principal: Reader,
    case_id: CaseId,
    document_id: Annotated[int, Path(ge=1, le=2**31)],
    body: ReviewIn,
) -> DocumentOut:
    reviewed = case_documents.review_document(
        store, principal, case_id, document_id, mark=body.mark, reason=body.reason
    )
    return DocumentOut.of(reviewed)


class StageIn(_Model):
    stage: str = Field(max_length=128)
    input_quantity: float = Field(ge=0)
    output_quantity: float = Field(ge=0)
    unit: str = Field(default="", max_length=16)


class ChecksIn(_Model):
    stages: list[StageIn] = Field(default_factory=list, max_length=200)
    payees: list[str] = Field(default_factory=list, max_length=500)


class MassBalanceOut(_Model):
    stage: str
    input_quantity: float
    output_quantity: float
    unit: str
    balanced: bool
    excess: float


class PayeeOut(_Model):
    payee: str
    supplier: str | None
    score: float


class ChecksOut(_Model):
    mass_balance: list[MassBalanceOut]
    payees: list[PayeeOut]


@cases_router.post("/cases/{case_id}/checks", response_model=ChecksOut)
def api_case_checks(store: StoreDep, principal: Approver, case_id: CaseId, body: ChecksIn) -> ChecksOut:
    checks = cases.review_checks(
        store,
        principal,
        case_id,
        stages=[(s.stage, s.input_quantity, s.output_quantity, s.unit) for s in body.stages],
        payees=body.payees,
    )
    return ChecksOut(
        mass_balance=[
            MassBalanceOut(
                stage=m.stage,
                input_quantity=m.input_quantity,
                output_quantity=m.output_quantity,
                unit=m.unit,
                balanced=m.balanced,
                excess=m.excess,
            )
            for m in checks.mass_balance
        ],
        payees=[PayeeOut(payee=p.payee, supplier=p.supplier, score=p.score) for p in checks.payees],
    )
