"""Documented abuses over JSON: restricted records by pseudonym, unmasking (reason + TOTP), publication,
the public versions (anonymous), and an entity's accountability graph.

Restricted reads need `incidents:read` (a team sees its own records and the shared ones); import needs
`incidents:write`; publication `incidents:publish`; unmasking `victims`. The public routes serve only
published records' redacted versions.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from accomplice.api.auth import require
from accomplice.api.routes import StoreDep
from accomplice.services import incidents
from accomplice.services.auth import Permission, Principal

__all__ = ["incidents_router"]

incidents_router = APIRouter(prefix="/api", tags=["incidents"])
Reader = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.INCIDENTS_WRITE))]
Publisher = Annotated[Principal, Depends(require(Permission.INCIDENTS_PUBLISH))]
Unmasker = Annotated[Principal, Depends(require(Permission.VICTIMS))]
ExposureReader = Annotated[Principal, Depends(require(Permission.EXPOSURE_READ))]
Ref = Annotated[str, Path(max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
# One import request holds at most this many records; a larger file goes through the CLI.
MAX_RECORDS = 1_000
# Far beyond any register (the bench's is 100,000) and within a 64-bit database integer.
MAX_OFFSET = 100_000_000


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class PerpetratorOut(_Model):
    name: str
    kind: str
    role: str
    degree: str
    entity_key: str | None


class SourceOut(_Model):
    title: str
    url: str | None = None
    date: str | None = None
    reliability_note: str = ""
    grade: str = "F6"
    connection: str = "document"


class InterventionOut(_Model):
    party: str
    action: str = ""
    date: str | None = None


class VictimOut(_Model):
    pseudonym: str
    role: str
    consent: str
    family_in_dprk: bool


class IncidentOut(_Model):
    id: str
    title: str
    type: str
    acts: list[str]
    date: str
    date_precision: str
    place: str
    place_precision: str
    country: str
    latitude: float | None
    longitude: float | None
    perpetrators: list[PerpetratorOut]
    victims_summary: str
    narrative: str
    sources: list[SourceOut]
    interventions: list[InterventionOut]
    verified: bool
    state: str
    team: str
    victims: list[VictimOut]

    @classmethod
    def of(cls, view: incidents.IncidentView) -> IncidentOut:
        data: dict[str, Any] = view.as_json()
        return cls.model_validate({k: v for k, v in data.items() if k in cls.model_fields})


class IncidentListOut(_Model):
    total: int
    items: list[IncidentOut]
    key_problem: str | None


class PublicIncidentOut(_Model):
    id: str
    title: str
    type: str
    acts: list[str]
    date: str
    date_precision: str
    place: str
    country: str
    perpetrators: list[PerpetratorOut]
    victims_summary: str
    victim_count: int
    witness_count: int
    narrative: str
    sources: list[SourceOut]

    @classmethod
    def of(cls, data: dict[str, Any]) -> PublicIncidentOut:
        return cls.model_validate({k: v for k, v in data.items() if k in cls.model_fields})


class PublicListOut(_Model):
    total: int
    items: list[PublicIncidentOut]


class ImportIn(_Model):
    records: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_RECORDS)


class ImportOut(_Model):
    added: int
    already: list[str]
    victims: int


class UnmaskIn(_Model):
    reason: str = Field(max_length=2_000)
    otp: str | None = Field(default=None, max_length=12)


class IdentityOut(_Model):
    pseudonym: str
    role: str
    name: str
    name_original: str
    birth_date: str
    home_town: str
    family: str
    contacts: str


class TotpOut(_Model):
    uri: str


class GraphShipmentOut(_Model):
    id: str
    date: str
    goods: str
    importer: str
    exporter: str
    flagged: bool
    reasons: list[str]


class RelatedOut(_Model):
    node: str
    name: str
    relation: str


class EntityGraphOut(_Model):
    key: str
    caption: str
    entity_schema: str = Field(serialization_alias="schema")
    lists: list[str]
    abuses: list[IncidentOut]
    upstream: list[RelatedOut]
    downstream: list[RelatedOut]
    shipments: list[GraphShipmentOut]
    exposure_shown: bool


@incidents_router.get("/incidents", response_model=IncidentListOut)
def api_incidents(
    store: StoreDep,
    principal: Reader,
    q: Annotated[str | None, Query(max_length=500, description="Search text, any script.")] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    act: Annotated[str | None, Query(max_length=64)] = None,
    entity: Annotated[str | None, Query(max_length=255, description="A listed entity's key.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> IncidentListOut:
    page = incidents.incident_page(
        store, principal, query=q, country=country, act=act, entity_key=entity, limit=limit, offset=offset
    )
    return IncidentListOut(
        total=page.total, items=[IncidentOut.of(i) for i in page.items], key_problem=page.key_problem
    )


@incidents_router.post("/incidents", response_model=ImportOut)
def api_import_incidents(store: StoreDep, principal: Writer, body: ImportIn) -> ImportOut:
    import json

    lines = [json.dumps(r, ensure_ascii=False) for r in body.records]
    report = incidents.import_lines(store, principal, lines, "request")
    return ImportOut(added=report.added, already=report.already, victims=report.victims)


@incidents_router.get("/incidents/{ref}", response_model=IncidentOut)
def api_incident(store: StoreDep, principal: Reader, ref: Ref) -> IncidentOut:
    return IncidentOut.of(incidents.incident_view(store, principal, ref))


@incidents_router.post("/incidents/{ref}/unmask", response_model=list[IdentityOut])
def api_unmask(store: StoreDep, principal: Unmasker, ref: Ref, body: UnmaskIn) -> list[IdentityOut]:
    return [
        IdentityOut(
            pseudonym=u.pseudonym,
            role=u.role,
            name=u.identity.name,
            name_original=u.identity.name_original,
            birth_date=u.identity.birth_date,
            home_town=u.identity.home_town,
            family=u.identity.family,
            contacts=u.identity.contacts,
        )
        for u in incidents.unmask(store, principal, ref, body.reason, body.otp)
    ]


@incidents_router.post("/incidents/{ref}/publish", response_model=PublicIncidentOut)
def api_publish(store: StoreDep, principal: Publisher, ref: Ref) -> PublicIncidentOut:
    return PublicIncidentOut.of(incidents.publish(store, principal, ref))


@incidents_router.post("/totp", response_model=TotpOut)
def api_enrol_totp(store: StoreDep, principal: Unmasker) -> TotpOut:
    """Enrol (or reset) your own TOTP second factor; scan the otpauth:// URI with an authenticator app."""
    return TotpOut(uri=incidents.enrol_totp(store, principal))


@incidents_router.get("/graph/{key}", response_model=EntityGraphOut)
def api_entity_graph(
    store: StoreDep, principal: Reader, key: Annotated[str, Path(max_length=255)]
) -> EntityGraphOut:
    graph = incidents.entity_graph(store, principal, key)
    return EntityGraphOut(
        key=graph.key,
        caption=graph.caption,
        entity_schema=graph.schema,
        lists=list(graph.lists),
        abuses=[IncidentOut.of(i) for i in graph.abuses],
        upstream=[RelatedOut(node=n, name=m, relation=r) for n, m, r in graph.upstream],
        downstream=[RelatedOut(node=n, name=m, relation="buyer") for n, m in graph.downstream],
        shipments=[
            GraphShipmentOut(
                id=s.id,
                date=s.date,
                goods=s.goods,
                importer=s.importer,
                exporter=s.exporter,
                flagged=s.flagged,
                reasons=list(s.reasons),
            )
            for s in graph.shipments
        ],
        exposure_shown=graph.exposure_shown,
    )


class UpstreamAbusesOut(_Model):
    node: str
    name: str
    key: str
    tier: int
    abuses: list[IncidentOut]


@incidents_router.get("/shipments/{shipment_id}/abuses", response_model=list[UpstreamAbusesOut])
def api_shipment_abuses(
    store: StoreDep, principal: ExposureReader, shipment_id: Annotated[str, Path(max_length=255)]
) -> list[UpstreamAbusesOut]:
    """The documented abuses at the listed parties of a shipment's trace (published ones only for a
    reader without `incidents:read`)."""
    return [
        UpstreamAbusesOut(
            node=u.node, name=u.name, key=u.key, tier=u.tier, abuses=[IncidentOut.of(i) for i in u.abuses]
        )
        for u in incidents.shipment_abuses(store, principal, shipment_id)
    ]


@incidents_router.get("/public/incidents", response_model=PublicListOut)
def api_public_incidents(
    store: StoreDep,
    q: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> PublicListOut:
    total, items = incidents.public_incidents(store, query=q, limit=limit, offset=offset)
    return PublicListOut(total=total, items=[PublicIncidentOut.of(i) for i in items])


@incidents_router.get("/public/incidents/{ref}", response_model=PublicIncidentOut)
def api_public_incident(store: StoreDep, ref: Ref) -> PublicIncidentOut:
    return PublicIncidentOut.of(incidents.public_incident(store, ref))
