"""Pages of documented abuses: the restricted register (search in any script, timeline, offline map),
one record (victims by pseudonym; unmasking with a reason and a TOTP code; publication), recording a new
incident with its victims, an entity's accountability graph, and the public pages of published records.

Script-free like every page: forms post with the session's CSRF token. Charts are SVG drawn here; the map
is a plain equirectangular scatter, no tile service.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from accomplice.errors import AccompliceError
from accomplice.incidents.vocab import ACT_TYPES, CONSENT_SCOPES, PERPETRATOR_KINDS
from accomplice.services import incidents
from accomplice.services.auth import Permission, Principal
from accomplice.store import Store
from accomplice.web.auth import CSRF_FIELD, require
from accomplice.web.routes import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.INCIDENTS_WRITE))]
Publisher = Annotated[Principal, Depends(require(Permission.INCIDENTS_PUBLISH))]
Unmasker = Annotated[Principal, Depends(require(Permission.VICTIMS))]
ExposureReader = Annotated[Principal, Depends(require(Permission.EXPOSURE_READ))]
Ref = Annotated[str, Path(max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
# Victim rows on the form: enough for a family; more go through an import file.
VICTIM_ROWS = 4
# The map's drawing size (SVG units); it scales to the page's width.
MAP_WIDTH, MAP_HEIGHT = 720, 360
# Approximate geographic centres of the countries of the shared incidents, for records known to the
# country only (drawn as a wide, faint circle: the place is not more precise than that).
COUNTRY_CENTRES = {
    "CN": (35.0, 103.0),
    "RU": (61.0, 100.0),
    "KP": (40.0, 127.0),
    "KR": (36.5, 127.9),
    "MY": (4.2, 102.0),
    "NA": (-22.6, 17.1),
    "VN": (16.0, 107.8),
    "SY": (35.0, 38.5),
    "MN": (46.9, 103.8),
}


@dataclass(frozen=True, slots=True)
class MapPoint:
    x: float
    y: float
    r: float
    ref: str
    title: str
    precise: bool


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _page(
    request: Request, principal: Principal, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    return render(template, status, request=request, csrf_field=CSRF_FIELD, principal=principal, **context)


def map_points(items: list[incidents.IncidentView]) -> list[MapPoint]:
    """Incidents on a plate carrée: by their coordinates when known, else at their country's centre."""
    points = []
    for item in items:
        row = item.row
        precise = row.latitude is not None and row.longitude is not None
        if precise:
            lat, lon = float(row.latitude or 0), float(row.longitude or 0)
        elif row.country in COUNTRY_CENTRES:
            lat, lon = COUNTRY_CENTRES[row.country]
        else:
            continue
        x = (lon + 180) / 360 * MAP_WIDTH
        y = (90 - lat) / 180 * MAP_HEIGHT
        points.append(MapPoint(round(x, 1), round(y, 1), 4 if precise else 14, row.ref, row.title, precise))
    return points


def _register(
    request: Request, principal: Principal, q: str | None, country: str | None, act: str | None
) -> HTMLResponse:
    store = _store(request)
    page = incidents.incident_page(store, principal, query=q, country=country, act=act, limit=200)
    years = incidents.timeline(store, principal, country=country, act=act)
    peak = max((b.count for b in years), default=1)
    return _page(
        request,
        principal,
        "incidents.html",
        nav="incidents",
        title="Incidents",
        page=page,
        q=q or "",
        country=country or "",
        act=act or "",
        acts=ACT_TYPES,
        years=years,
        peak=peak,
        points=map_points(page.items),
        map_width=MAP_WIDTH,
        map_height=MAP_HEIGHT,
    )


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(
    request: Request,
    principal: Reader,
    q: Annotated[str | None, Query(max_length=500)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    act: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    return _register(request, principal, q, country, act)


@router.get("/incidents/new", response_class=HTMLResponse)
def new_incident_page(request: Request, principal: Writer) -> HTMLResponse:
    return _new_form(request, principal)


def _new_form(
    request: Request, principal: Principal, status: int = 200, error: str | None = None
) -> HTMLResponse:
    return _page(
        request,
        principal,
        "incident_new.html",
        status,
        nav="incidents",
        title="Record an incident",
        acts=ACT_TYPES,
        kinds=PERPETRATOR_KINDS,
        consents=CONSENT_SCOPES,
        victim_rows=range(VICTIM_ROWS),
        error=error,
    )


@router.post("/incidents")
async def record_incident(request: Request, principal: Writer) -> Any:
    form = await request.form()

    def field(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    victims = []
    for i in range(VICTIM_ROWS):
        if field(f"victim_name_{i}") or field(f"victim_original_{i}"):
            victims.append(
                {
                    "name": field(f"victim_name_{i}"),
                    "name_original": field(f"victim_original_{i}"),
                    "birth_date": field(f"victim_birth_{i}"),
                    "home_town": field(f"victim_town_{i}"),
                    "consent": field(f"victim_consent_{i}") or "internal",
                    "family_in_dprk": field(f"victim_risk_{i}") == "on",
                }
            )
    record = {
        "id": field("id"),
        "title": field("title"),
        "type": "other",
        "acts": [field("act") or "other"],
        "date_start": field("date_start"),
        "date_end": field("date_end") or None,
        "date_precision": field("date_precision") or "day",
        "place": field("place"),
        "country": field("country").upper(),
        "perpetrators": [{"name": field("perpetrator"), "kind": field("perpetrator_kind") or "company"}]
        if field("perpetrator")
        else [],
        "victims_summary": field("victims_summary"),
        "narrative": field("narrative"),
        "sources": [{"title": field("source")}] if field("source") else [],
        "victims": victims,
    }
    try:
        incidents.import_lines(_store(request), principal, [json.dumps(record, ensure_ascii=False)], "form")
    except AccompliceError as exc:
        return _new_form(request, principal, 422, str(exc).removeprefix("form:1: "))
    return RedirectResponse(f"/incidents/{record['id']}", status_code=303)


def _detail(
    request: Request, principal: Principal, ref: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    store = _store(request)
    view = incidents.incident_view(store, principal, ref)
    return _page(
        request,
        principal,
        "incident.html",
        status,
        nav="incidents",
        title=view.row.title,
        view=view,
        record=view.as_json(),
        acts=view.acts_labelled(),
        key_problem=incidents.key_problem(store) if view.victims else None,
        may_unmask=principal.can(Permission.VICTIMS),
        may_publish=principal.can(Permission.INCIDENTS_PUBLISH),
        **extra,
    )


@router.get("/incidents/{ref}", response_class=HTMLResponse)
def incident_page(request: Request, principal: Reader, ref: Ref) -> HTMLResponse:
    return _detail(request, principal, ref)


@router.post("/incidents/{ref}/unmask", response_class=HTMLResponse)
def unmask_page(
    request: Request,
    principal: Unmasker,
    ref: Ref,
    reason: Annotated[str, Form(max_length=2_000)] = "",
    otp: Annotated[str, Form(max_length=12)] = "",
) -> HTMLResponse:
    try:
        opened = incidents.unmask(_store(request), principal, ref, reason, otp or None)
    except AccompliceError as exc:
        return _detail(request, principal, ref, 403, unmask_error=str(exc))
    return _detail(request, principal, ref, unmasked=opened)


@router.post("/incidents/{ref}/publish", response_class=HTMLResponse)
def publish_page(request: Request, principal: Publisher, ref: Ref) -> Any:
    try:
        incidents.publish(_store(request), principal, ref)
    except AccompliceError as exc:
        return _detail(request, principal, ref, 403, publish_error=str(exc))
    return RedirectResponse(f"/public/incidents/{ref}", status_code=303)


@router.get("/graph/{key}", response_class=HTMLResponse)
def entity_graph_page(
    request: Request, principal: Reader, key: Annotated[str, Path(max_length=255)]
) -> HTMLResponse:
    graph = incidents.entity_graph(_store(request), principal, key)
    return _page(
        request,
        principal,
        "incident_graph.html",
        nav="incidents",
        title=f"{graph.caption}: accountability",
        graph=graph,
    )


@router.get("/incidents/shipments/{shipment_id}", response_class=HTMLResponse)
def shipment_abuses_page(
    request: Request, principal: ExposureReader, shipment_id: Annotated[str, Path(max_length=255)]
) -> HTMLResponse:
    found = incidents.shipment_abuses(_store(request), principal, shipment_id)
    return _page(
        request,
        principal,
        "incident_shipment.html",
        nav="incidents",
        title=f"Abuses upstream of {shipment_id}",
        shipment_id=shipment_id,
        found=found,
    )


@router.get("/public/incidents", response_class=HTMLResponse)
def public_incidents_page(
    request: Request, q: Annotated[str | None, Query(max_length=500)] = None
) -> HTMLResponse:
    total, items = incidents.public_incidents(_store(request), query=q, limit=200)
    return render(
        "public_incidents.html",
        request=request,
        title="Documented abuses",
        total=total,
        items=items,
        q=q or "",
        acts=ACT_TYPES,
    )


@router.get("/public/incidents/{ref}", response_class=HTMLResponse)
def public_incident_page(request: Request, ref: Ref) -> HTMLResponse:
    record = incidents.public_incident(_store(request), ref)
    return render(
        "public_incident.html",
        request=request,
        title=str(record.get("title", ref)),
        record=record,
        acts=ACT_TYPES,
    )
