"""JSON endpoints of the CAATSA §321(b) exposure feature under /api.

Every route needs a permission: `exposure:read` for reads and traces that store nothing, `exposure:write`
for records and documents, `resolve-parties` for a decision on a party's resolution. api/app.py also
puts the read and write permission on the routers, so that no route can be added without one.

What a reader sees follows from the principal: confidential sources are shown as "confidential source
<id>" without the `confidential` permission; an importer sees only its own organisation's shipments and
documents, shared records and its own, and paths through another organisation's records are cut.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from accomplice.api.auth import require
from accomplice.api.exposure_models import (
    DocumentOut,
    EvidenceOut,
    PartyExposureOut,
    PartyOut,
    RelationRecordOut,
    StoredOut,
    TraceOut,
)
from accomplice.api.routes import StoreDep
from accomplice.services import exposure as service
from accomplice.services import exposure_documents as documents
from accomplice.services.auth import Permission, Principal
from accomplice.services.jobs import MAX_UPLOAD_BYTES, UploadTooLargeError
from accomplice.web.exposure import download_response
from accomplice.web.uploads import upload_limit

__all__ = ["exposure_decide_router", "exposure_router", "exposure_write_router"]

# A request traces or stores at most this many records: an hour of a port's entries, far below what
# would keep a worker busy for long; bigger files go through `accomplice trace` / `exposure import`.
MAX_ITEMS = 1_000

Scalar = str | int | float | bool | None
Item = dict[str, Scalar]


class ShipmentsIn(BaseModel):
    """Shipments to trace, with the columns of a shipments file (docs/exposure-data.md)."""

    shipments: list[Item] = Field(min_length=1, max_length=MAX_ITEMS)
    max_paths: int = Field(default=3, ge=1, le=20)


class DecisionIn(BaseModel):
    """An analyst's decision on a party's resolution."""

    reason: str = Field(default="", max_length=2_000)


class ConfirmIn(DecisionIn):
    entity: str = Field(min_length=1, max_length=255, description="The listed entity's key, e.g. un:KPe.001")


class RecordsIn(BaseModel):
    """Records to store, with the columns of the file of their kind (docs/exposure-data.md)."""

    items: list[Item] = Field(min_length=1, max_length=MAX_ITEMS)


Reader = Annotated[Principal, Depends(require(Permission.EXPOSURE_READ))]
Writer = Annotated[Principal, Depends(require(Permission.EXPOSURE_WRITE))]
Resolver = Annotated[Principal, Depends(require(Permission.RESOLVE_PARTIES))]

# Reads (and traces, which store nothing) here...
exposure_router = APIRouter(prefix="/api", tags=["exposure"])
# ...writes (records stored with the requesting user and organisation) here...
exposure_write_router = APIRouter(prefix="/api", tags=["exposure"])
# ...and analysts' decisions on parties' resolutions here.
exposure_decide_router = APIRouter(prefix="/api", tags=["exposure"])


@exposure_router.post(
    "/trace",
    summary="Trace shipments given in the body (nothing is stored)",
    response_model_exclude_unset=True,
)
def api_trace(body: ShipmentsIn, store: StoreDep, principal: Reader) -> list[TraceOut]:
    traces = service.trace_rows(store, body.shipments, principal, max_paths=body.max_paths)
    return [TraceOut.model_validate(t) for t in traces]


@exposure_router.get(
    "/shipments/{shipment_id}/trace", summary="Trace one stored shipment", response_model_exclude_unset=True
)
def api_shipment_trace(
    shipment_id: Annotated[str, PathParam(max_length=255, description="Customs entry id.")],
    store: StoreDep,
    principal: Reader,
    max_paths: Annotated[int, Query(ge=1, le=20)] = 3,
) -> TraceOut:
    return TraceOut.model_validate(
        service.trace_stored_one(store, shipment_id, principal, max_paths=max_paths)
    )


@exposure_router.get(
    "/evidence", summary="Stored labour evidence with its sources", response_model_exclude_unset=True
)
def api_evidence(store: StoreDep, principal: Reader) -> list[EvidenceOut]:
    return [EvidenceOut.model_validate(e) for e in service.list_evidence(store, principal)]


@exposure_router.get(
    "/relations", summary="Stored supply relations with their sources", response_model_exclude_unset=True
)
def api_relations(store: StoreDep, principal: Reader) -> list[RelationRecordOut]:
    return [RelationRecordOut.model_validate(r) for r in service.list_relations(store, principal)]


@exposure_router.get(
    "/parties/{party}/exposure",
    summary="Paths by which a party reaches labour evidence or DPRK listings",
    response_model_exclude_unset=True,
)
def api_party_exposure(
    party: Annotated[str, PathParam(max_length=255, description="`party:` id or listed key.")],
    store: StoreDep,
    principal: Reader,
    day: Annotated[date | None, Query(description="The day that matters (default: any time).")] = None,
    max_paths: Annotated[int, Query(ge=1, le=20)] = 3,
) -> PartyExposureOut:
    return PartyExposureOut.model_validate(
        service.party_exposure(store, party, day, principal, max_paths=max_paths)
    )


def _stored(result: service.ImportResult) -> StoredOut:
    return StoredOut.model_validate(
        {
            "batch": result.batch.id,
            "unchanged": result.batch.unchanged,
            "counts": result.batch.counts,
            "ids": list(result.record_ids),
            "parties": [
                {"id": p.id, "name": p.name, "resolved": p.entity_key, "status": p.status}
                for p in result.parties
            ],
        }
    )


def _add(store: StoreDep, kind: str, body: RecordsIn, principal: Principal) -> StoredOut:
    return _stored(service.add_records(store, principal, kind, body.items))


@exposure_write_router.post("/shipments", status_code=201, summary="Store shipments (customs entries)")
def api_add_shipments(body: RecordsIn, store: StoreDep, principal: Writer) -> StoredOut:
    return _add(store, "shipments", body, principal)


@exposure_write_router.post("/relations", status_code=201, summary="Store supply relations")
def api_add_relations(body: RecordsIn, store: StoreDep, principal: Writer) -> StoredOut:
    return _add(store, "relations", body, principal)


@exposure_write_router.post("/ownership", status_code=201, summary="Store ownership and control records")
def api_add_ownership(body: RecordsIn, store: StoreDep, principal: Writer) -> StoredOut:
    return _add(store, "ownership", body, principal)


@exposure_write_router.post("/facilities", status_code=201, summary="Store facilities and their operators")
def api_add_facilities(body: RecordsIn, store: StoreDep, principal: Writer) -> StoredOut:
    return _add(store, "facilities", body, principal)


RecordKind = Literal["shipments", "relations", "ownership", "facilities", "evidence"]


@exposure_write_router.post(
    "/exposure/{kind}/file",
    status_code=201,
    dependencies=[Depends(upload_limit)],
    summary="Import a CSV, XLSX or JSONL file of one kind (FtM JSON lines for ownership)",
)
async def api_import_file(
    kind: RecordKind,
    store: StoreDep,
    principal: Writer,
    file: Annotated[UploadFile, File(description="The file; its name's suffix says the format.")],
    encoding: Annotated[
        str | None,
        Form(
            max_length=32,
            description="Text encoding of a CSV or JSONL file that is neither UTF-8 nor UTF-16 with a BOM.",
        ),
    ] = None,
) -> StoredOut:
    if kind == "evidence":
        service.require_evidence_writer(principal)  # before the body is read
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadTooLargeError(file.filename or kind, f"larger than {MAX_UPLOAD_BYTES:,} bytes")
    result = await run_in_threadpool(
        service.upload_records,
        store,
        principal,
        kind,
        file.filename or f"{kind}.csv",
        data,
        encoding=encoding or None,
    )
    return _stored(result)


@exposure_write_router.post(
    "/evidence",
    status_code=201,
    summary="Store labour evidence records (not for importers: evidence taints every importer's shipments)",
)
def api_add_evidence(body: RecordsIn, store: StoreDep, principal: Writer) -> StoredOut:
    return _add(store, "evidence", body, principal)


@exposure_decide_router.post(
    "/parties/{party}/confirm", summary="Confirm a party's resolution to a listed entity"
)
def api_confirm_party(
    party: Annotated[str, PathParam(max_length=255, description="`party:` id.")],
    body: ConfirmIn,
    store: StoreDep,
    principal: Resolver,
) -> PartyOut:
    record = service.confirm_party(store, party, body.entity, user=str(principal.user), reason=body.reason)
    return PartyOut.model_validate(service.party_record_json(record))


@exposure_decide_router.post(
    "/parties/{party}/split", summary="Split a party from the entity it was taken for"
)
def api_split_party(
    party: Annotated[str, PathParam(max_length=255, description="`party:` id.")],
    body: DecisionIn,
    store: StoreDep,
    principal: Resolver,
) -> PartyOut:
    record = service.split_party(store, party, user=str(principal.user), reason=body.reason)
    return PartyOut.model_validate(service.party_record_json(record))


@exposure_write_router.post(
    "/shipments/{shipment_id}/documents",
    status_code=201,
    dependencies=[Depends(upload_limit)],
    summary="Store a document that rebuts the presumption for a shipment (ticks its checklist item)",
)
async def api_add_document(
    shipment_id: Annotated[str, PathParam(max_length=255, description="Customs entry id.")],
    store: StoreDep,
    principal: Writer,
    file: Annotated[UploadFile, File(description="The document (PDF, image, office file, text).")],
    kind: Annotated[str, Form(max_length=32, description="Checklist kind, e.g. workforce_records.")],
    subject: Annotated[
        str,
        Form(max_length=255, description="The party (node) it is about; the entry id for the whole entry."),
    ],
    every_shipment: Annotated[
        bool, Form(description="About the party for every shipment (e.g. a supplier's payroll).")
    ] = False,
    note: Annotated[str, Form(max_length=documents.MAX_NOTE_CHARS)] = "",
) -> DocumentOut:
    content = await file.read(documents.MAX_DOCUMENT_BYTES + 1)
    record = await run_in_threadpool(
        documents.add_document,
        store,
        principal,
        shipment_id,
        subject=subject,
        kind=kind,
        file_name=file.filename or "document",
        content=content,
        note=note,
        every_shipment=every_shipment,
    )
    return DocumentOut.model_validate(documents.document_json(record))


@exposure_router.get("/shipments/{shipment_id}/documents", summary="Documents stored for a shipment")
def api_documents(
    shipment_id: Annotated[str, PathParam(max_length=255)], store: StoreDep, principal: Reader
) -> list[DocumentOut]:
    found = documents.shipment_documents(store, principal, shipment_id)
    return [DocumentOut.model_validate(documents.document_json(d)) for d in found]


@exposure_router.get(
    "/documents/{document_id}",
    summary="Download a stored document",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def api_document(
    document_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], store: StoreDep, principal: Reader
) -> Response:
    record, content = documents.read_document(store, principal, document_id)
    return download_response(record, content)
