"""JSON endpoints of the CAATSA §321(b) exposure feature under /api.

Two routers so that authentication and roles can be attached where they belong: `exposure_router`
(reads and traces that store nothing) and `exposure_write_router` (POSTs that store records). The
routers are created with `dependencies=[]` and api/app.py includes them with `dependencies=[]`: an
authentication layer fills either list (e.g. a role check on the write router) without touching routes.

Confidential sources are shown as "confidential source <id>" unless the request carries the right to
see them: `request.state.may_see_confidential`, which the authentication layer sets from the user's role.
Writes are recorded with `request.state.user` when set.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from accomplice.api.routes import StoreDep
from accomplice.services import exposure as service

__all__ = ["exposure_router", "exposure_write_router"]

# A request traces or stores at most this many records: an hour of a port's entries, far below what
# would keep a worker busy for long; bigger files go through `accomplice trace` / `exposure import`.
MAX_ITEMS = 1_000
# The user recorded with writes when no authentication layer has named one.
ANONYMOUS = "api"

Scalar = str | int | float | bool | None
Item = dict[str, Scalar]


class ShipmentsIn(BaseModel):
    """Shipments to trace, with the columns of a shipments file (docs/exposure-data.md)."""

    shipments: list[Item] = Field(min_length=1, max_length=MAX_ITEMS)
    max_paths: int = Field(default=3, ge=1, le=20)


class RecordsIn(BaseModel):
    """Records to store, with the columns of the file of their kind (docs/exposure-data.md)."""

    items: list[Item] = Field(min_length=1, max_length=MAX_ITEMS)


def _may_see_confidential(request: Request) -> bool:
    return bool(getattr(request.state, "may_see_confidential", False))


def _user(request: Request) -> str:
    user = getattr(request.state, "user", None)
    name = getattr(user, "name", user)
    return str(name) if name else ANONYMOUS


async def _request(request: Request) -> Request:
    return request


RequestDep = Annotated[Request, Depends(_request)]

# Authentication and roles hook: reads (and traces, which store nothing) here...
exposure_router = APIRouter(prefix="/api", tags=["exposure"], dependencies=[])
# ...and writes (records stored with the requesting user) here.
exposure_write_router = APIRouter(prefix="/api", tags=["exposure"], dependencies=[])


@exposure_router.post("/trace", summary="Trace shipments given in the body (nothing is stored)")
def api_trace(body: ShipmentsIn, store: StoreDep, request: RequestDep) -> list[dict[str, object]]:
    return service.trace_rows(
        store,
        body.shipments,
        max_paths=body.max_paths,
        may_see_confidential=_may_see_confidential(request),
    )


@exposure_router.get("/shipments/{shipment_id}/trace", summary="Trace one stored shipment")
def api_shipment_trace(
    shipment_id: Annotated[str, PathParam(max_length=255, description="Customs entry id.")],
    store: StoreDep,
    request: RequestDep,
    max_paths: Annotated[int, Query(ge=1, le=20)] = 3,
) -> dict[str, object]:
    return service.trace_stored_one(
        store, shipment_id, max_paths=max_paths, may_see_confidential=_may_see_confidential(request)
    )


@exposure_router.get("/evidence", summary="Stored labour evidence with its sources")
def api_evidence(store: StoreDep, request: RequestDep) -> list[dict[str, object]]:
    return service.list_evidence(store, may_see_confidential=_may_see_confidential(request))


@exposure_router.get("/relations", summary="Stored supply relations with their sources")
def api_relations(store: StoreDep, request: RequestDep) -> list[dict[str, object]]:
    return service.list_relations(store, may_see_confidential=_may_see_confidential(request))


@exposure_router.get(
    "/parties/{party}/exposure", summary="Paths by which a party reaches labour evidence or DPRK listings"
)
def api_party_exposure(
    party: Annotated[str, PathParam(max_length=255, description="`party:` id or listed key.")],
    store: StoreDep,
    request: RequestDep,
    day: Annotated[date | None, Query(description="The day that matters (default: any time).")] = None,
    max_paths: Annotated[int, Query(ge=1, le=20)] = 3,
) -> dict[str, object]:
    return service.party_exposure(
        store, party, day, max_paths=max_paths, may_see_confidential=_may_see_confidential(request)
    )


def _stored(result: service.ImportResult) -> dict[str, object]:
    return {
        "batch": result.batch.id,
        "unchanged": result.batch.unchanged,
        "counts": result.batch.counts,
        "ids": list(result.record_ids),
        "parties": [
            {"id": p.id, "name": p.name, "resolved": p.entity_key, "status": p.status} for p in result.parties
        ],
    }


@exposure_write_router.post("/evidence", status_code=201, summary="Store labour evidence records")
def api_add_evidence(body: RecordsIn, store: StoreDep, request: RequestDep) -> dict[str, object]:
    return _stored(service.add_rows(store, "evidence", body.items, user=_user(request)))


@exposure_write_router.post("/relations", status_code=201, summary="Store supply relations")
def api_add_relations(body: RecordsIn, store: StoreDep, request: RequestDep) -> dict[str, object]:
    return _stored(service.add_rows(store, "relations", body.items, user=_user(request)))
