"""The COI tracker and the dashboards' numbers over JSON.

Reads are public (the recommendations, their sourced follow-ups, and the public charts' aggregates);
recording an event needs `oversight:write`. A chart that is not public (an organisation's own activity)
answers 401/403 through the service's check.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from accomplice.api.auth import current_principal, require
from accomplice.api.routes import StoreDep
from accomplice.errors import NotFoundError
from accomplice.oversight import CoiEvent, EventLink
from accomplice.services import dashboards, oversight
from accomplice.services.auth import AuthError, ForbiddenError, Permission, Principal
from accomplice.services.oversight import ItemView

__all__ = ["oversight_router"]

oversight_router = APIRouter(prefix="/api", tags=["oversight"])
Writer = Annotated[Principal, Depends(require(Permission.OVERSIGHT_WRITE))]
AsOf = Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="YYYY-MM-DD")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class SourceOut(_Model):
    title: str
    url: str
    date: str | None


class LinkOut(_Model):
    kind: str
    ref: str
    label: str | None


class EventOut(_Model):
    id: str
    at: str
    precision: str
    relation: str
    event: str
    document: str | None
    bears_on: list[str]
    source_title: str
    source_url: str
    source_date: str | None
    extra_sources: list[SourceOut]
    links: list[LinkOut]
    verified: bool
    origin: str

    @classmethod
    def of(cls, e: CoiEvent) -> EventOut:
        return cls(
            id=e.id,
            at=e.at,
            precision=e.precision,
            relation=e.relation,
            event=e.summary,
            document=e.document,
            bears_on=list(e.bears_on),
            source_title=e.source.title,
            source_url=e.source.url,
            source_date=e.source.date,
            extra_sources=[SourceOut(title=s.title, url=s.url, date=s.date) for s in e.extra_sources],
            links=[LinkOut(kind=k.kind, ref=k.ref, label=k.label) for k in e.links],
            verified=e.verified,
            origin=e.origin,
        )


class ItemOut(_Model):
    id: str
    label: str
    addressee: str
    actor: str
    text: str
    text_is_summary: bool
    text_basis: str
    text_incomplete: bool
    status: str
    asks: list[str]
    ask_statuses: list[str]
    events: list[EventOut]

    @classmethod
    def of(cls, v: ItemView) -> ItemOut:
        i = v.item
        return cls(
            id=i.id,
            label=i.label,
            addressee=i.addressee,
            actor=i.actor,
            text=i.text,
            text_is_summary=i.text_is_summary,
            text_basis=i.text_basis,
            text_incomplete=i.text_incomplete,
            status=v.status,
            asks=list(i.asks),
            ask_statuses=list(v.ask_statuses),
            events=[EventOut.of(e) for e in v.events],
        )


class LinkIn(_Model):
    kind: str = Field(max_length=32)
    ref: str = Field(min_length=1, max_length=2000)


class EventIn(_Model):
    at: str = Field(max_length=10)
    relation: str = Field(max_length=24)
    event: str = Field(min_length=1, max_length=4000)
    bears_on: list[str] = Field(min_length=1, max_length=40)
    source_title: str = Field(max_length=500)
    source_url: str = Field(max_length=2000)
    precision: str = "day"
    document: str | None = Field(default=None, max_length=200)
    links: list[LinkIn] = Field(default_factory=list, max_length=50)


class SeriesOut(_Model):
    name: str
    values: list[float]


class ChartOut(_Model):
    id: str
    title: str
    kind: str
    category_header: str
    categories: list[str]
    series: list[SeriesOut]
    note: str


@oversight_router.get("/coi/items", response_model=list[ItemOut])
def api_coi_items(store: StoreDep, as_of: AsOf = None) -> list[ItemOut]:
    """Every COI item with its status (derived from its dated, sourced events) as of a day."""
    return [ItemOut.of(v) for v in oversight.coi_items(store, as_of)]


@oversight_router.get("/coi/items/{item_id}", response_model=ItemOut)
def api_coi_item(
    store: StoreDep, item_id: Annotated[str, Path(max_length=16)], as_of: AsOf = None
) -> ItemOut:
    """One COI item: its asks, status and events."""
    try:
        return ItemOut.of(oversight.coi_item(store, item_id, as_of))
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc


@oversight_router.post("/coi/events", response_model=EventOut, status_code=201)
def api_add_coi_event(store: StoreDep, principal: Writer, body: EventIn) -> EventOut:
    """Record a sourced follow-up event (needs oversight:write); an event without a source is refused."""
    new = oversight.NewEvent(
        at=body.at,
        relation=body.relation,
        summary=body.event,
        bears_on=tuple(body.bears_on),
        source_title=body.source_title,
        source_url=body.source_url,
        precision=body.precision,
        document=body.document,
        links=tuple(EventLink(k.kind, k.ref) for k in body.links),
    )
    return EventOut.of(oversight.add_coi_event(store, principal, new))


def _chart(store: StoreDep, principal: Principal, chart_id: str) -> dashboards.Chart:
    try:
        return dashboards.chart(store, principal, chart_id)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except AuthError as exc:
        raise HTTPException(401, str(exc)) from exc
    except ForbiddenError as exc:
        raise HTTPException(403, str(exc)) from exc


# Before the JSON route: "{chart_id}" would take "designations-china.csv" whole.
@oversight_router.get("/stats/{chart_id}.csv", response_class=PlainTextResponse)
def api_chart_csv(
    store: StoreDep, principal: Annotated[Principal, Depends(current_principal)], chart_id: str
) -> PlainTextResponse:
    """A dashboard chart's numbers as CSV."""
    c = _chart(store, principal, chart_id[:64])
    return PlainTextResponse(
        dashboards.chart_table_csv(c),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{c.id}.csv"'},
    )


@oversight_router.get("/stats/{chart_id}", response_model=ChartOut)
def api_chart(
    store: StoreDep, principal: Annotated[Principal, Depends(current_principal)], chart_id: str
) -> ChartOut:
    """A dashboard chart's numbers (the same as its table and CSV). Public charts need no login."""
    c = _chart(store, principal, chart_id[:64])
    return ChartOut(
        id=c.id,
        title=c.title,
        kind=c.kind,
        category_header=c.category_header,
        categories=list(c.categories),
        series=[SeriesOut(name=s.name, values=list(s.values)) for s in c.series],
        note=c.note,
    )
