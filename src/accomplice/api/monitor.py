"""Continuous monitoring over JSON: watchlists and their entries, alerts, and webhooks.

Every route needs the `watchlists` permission (401 anonymous, 403 without it). An importer sees only its
own organisation's watchlists, alerts and webhooks; another organisation's object is "not found".
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Path, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from accomplice.api.auth import require
from accomplice.api.routes import StoreDep
from accomplice.services import monitor
from accomplice.services.auth import Permission, Principal
from accomplice.services.monitor import EntryView, Watchlist, Webhook
from accomplice.web.params import ROW_ID_MAX

__all__ = ["monitor_router"]

Watcher = Annotated[Principal, Depends(require(Permission.WATCHLISTS))]
monitor_router = APIRouter(prefix="/api", tags=["monitoring"])


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class WatchlistIn(_Model):
    name: str = Field(min_length=1, max_length=monitor.MAX_NAME_CHARS)


class WatchlistOut(_Model):
    id: int
    name: str
    org: str | None
    created_by: str | None
    created_at: str
    entries: int
    open_alerts: int

    @classmethod
    def of(cls, w: Watchlist) -> WatchlistOut:
        return cls(
            id=w.id,
            name=w.name,
            org=w.org,
            created_by=w.created_by,
            created_at=w.created_at.isoformat(),
            entries=w.entries,
            open_alerts=w.open_alerts,
        )


class MatchOut(_Model):
    key: str
    caption: str
    score: float
    entity_schema: str = Field(serialization_alias="schema")
    lists: list[str]
    explanation: list[str]
    decision: str | None = None


class EntryOut(_Model):
    id: int
    ref: str
    name: str
    entity_schema: str | None = Field(serialization_alias="schema")
    birth_date: str | None
    nationality: str | None
    identifiers: list[tuple[str, str]]
    screened_at: str | None
    matches: list[MatchOut]

    @classmethod
    def of(cls, view: EntryView) -> EntryOut:
        e = view.entry
        return cls(
            id=e.id,
            ref=e.ref,
            name=e.name,
            entity_schema=e.schema,
            birth_date=e.birth_date,
            nationality=e.nationality,
            identifiers=list(e.identifiers),
            screened_at=e.screened_at.isoformat() if e.screened_at else None,
            matches=[
                MatchOut(
                    key=m.entity_key,
                    caption=m.caption,
                    score=round(m.score, 4),
                    entity_schema=m.schema,
                    lists=list(m.lists),
                    explanation=list(m.explanation),
                    decision=m.decision,
                )
                for m in view.matches
            ],
        )


class WatchlistDetailOut(_Model):
    watchlist: WatchlistOut
    entries: list[EntryOut]


class EntryIn(_Model):
    """One counterparty, with the columns of `accomplice screen` input files."""

    id: str = Field(min_length=1, max_length=255, description="Your reference; adding it again replaces it.")
    name: str = Field(min_length=1, max_length=monitor.MAX_NAME_CHARS)
    entity_schema: str | None = Field(default=None, alias="schema", max_length=64)
    birth_date: str | None = Field(default=None, max_length=32)
    nationality: str | None = Field(default=None, max_length=128)
    imo: str | None = Field(default=None, max_length=32)
    identifiers: dict[str, str] = Field(
        default_factory=dict, description="Identifier columns: passport, bic, lei, registration, tax, inn..."
    )


class EntriesIn(_Model):
    entries: list[EntryIn] = Field(min_length=1, max_length=monitor.MAX_UPLOAD_ENTRIES)


class AddOut(_Model):
    added: int
    baseline_matches: int = Field(description="Matches found by the entries' first screening.")
    alerts: int = Field(description="Alerts that screening raised: its matches no analyst has decided yet.")


class AlertOut(_Model):
    id: int
    watchlist: int
    entry: dict[str, int | str | None]
    org: str | None
    entity: dict[str, str]
    kind: Literal["new", "changed", "removed"]
    score: float
    explanation: list[str]
    list_version: dict[str, str | int | None] | None
    state: Literal["open", "acknowledged"]
    acknowledged_by: str | None
    acknowledged_at: str | None
    created_at: str


class WebhookIn(_Model):
    url: str = Field(min_length=1, max_length=monitor.MAX_URL_CHARS)
    events: list[Literal["new", "changed", "removed"]] | None = Field(
        default=None, description="Alert kinds to deliver (default: all)."
    )


class WebhookOut(_Model):
    id: int
    url: str
    events: list[str]
    org: str | None
    created_by: str | None
    active: bool
    created_at: str

    @classmethod
    def of(cls, hook: Webhook) -> WebhookOut:
        return cls(
            id=hook.id,
            url=hook.url,
            events=list(hook.events),
            org=hook.org,
            created_by=hook.created_by,
            active=hook.active,
            created_at=hook.created_at.isoformat(),
        )


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="The HMAC key of the signatures. Shown this once; store it now.")


class WebhookPatch(_Model):
    active: bool


class DeliveryOut(_Model):
    id: int
    alert_ids: list[int]
    attempts: int
    next_attempt_at: str | None
    status_code: int | None
    last_error: str | None
    delivered_at: str | None
    created_at: str


class WebhookDetailOut(_Model):
    webhook: WebhookOut
    deliveries: list[DeliveryOut]


WatchlistId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="Watchlist id.")]


@monitor_router.get("/watchlists", summary="Watchlists you can see, with entry and open-alert counts")
def api_watchlists(store: StoreDep, principal: Watcher) -> list[WatchlistOut]:
    return [WatchlistOut.of(w) for w in monitor.watchlists(store, principal)]


@monitor_router.post("/watchlists", status_code=201, summary="Create a watchlist for your organisation")
def api_create_watchlist(body: WatchlistIn, store: StoreDep, principal: Watcher) -> WatchlistOut:
    return WatchlistOut.of(monitor.create_watchlist(store, principal, body.name))


@monitor_router.get("/watchlists/{watchlist_id}", summary="A watchlist with its entries and their matches")
def api_watchlist(watchlist_id: WatchlistId, store: StoreDep, principal: Watcher) -> WatchlistDetailOut:
    watchlist = monitor.get_watchlist(store, principal, watchlist_id)
    views = monitor.entry_views(store, principal, watchlist_id)
    return WatchlistDetailOut(watchlist=WatchlistOut.of(watchlist), entries=[EntryOut.of(v) for v in views])


@monitor_router.delete("/watchlists/{watchlist_id}", status_code=204, summary="Delete a watchlist")
def api_delete_watchlist(watchlist_id: WatchlistId, store: StoreDep, principal: Watcher) -> Response:
    monitor.delete_watchlist(store, principal, watchlist_id)
    return Response(status_code=204)


@monitor_router.post(
    "/watchlists/{watchlist_id}/entries",
    status_code=201,
    summary="Add entries (screened at once; their matches raise alerts)",
)
def api_add_entries(
    watchlist_id: WatchlistId, body: EntriesIn, store: StoreDep, principal: Watcher
) -> AddOut:
    rows: list[dict[str, object]] = [
        {
            **e.identifiers,
            "id": e.id,
            "name": e.name,
            "schema": e.entity_schema,
            "birth_date": e.birth_date,
            "nationality": e.nationality,
            "imo": e.imo,
        }
        for e in body.entries
    ]
    report = monitor.add_entries(store, principal, watchlist_id, rows, source="request")
    return AddOut(added=report.added, baseline_matches=report.baseline_matches, alerts=report.alerts)


@monitor_router.post(
    "/watchlists/{watchlist_id}/entries/upload",
    status_code=201,
    summary="Add the rows of a CSV, XLSX or JSONL file (columns of `accomplice screen`)",
)
def api_upload_entries(
    watchlist_id: WatchlistId, file: Annotated[UploadFile, File()], store: StoreDep, principal: Watcher
) -> AddOut:
    report = monitor.add_entries_from_upload(
        store, principal, watchlist_id, file.filename or "entries.csv", file.file
    )
    return AddOut(added=report.added, baseline_matches=report.baseline_matches, alerts=report.alerts)


@monitor_router.delete(
    "/watchlists/{watchlist_id}/entries/{entry_id}", status_code=204, summary="Remove an entry"
)
def api_remove_entry(
    watchlist_id: WatchlistId,
    entry_id: Annotated[int, Path(ge=1, le=ROW_ID_MAX)],
    store: StoreDep,
    principal: Watcher,
) -> Response:
    monitor.remove_entry(store, principal, watchlist_id, entry_id)
    return Response(status_code=204)


@monitor_router.get("/alerts", summary="Alerts, newest first, with filters")
def api_alerts(
    store: StoreDep,
    principal: Watcher,
    watchlist: Annotated[int | None, Query(ge=1, description="Only this watchlist's alerts.")] = None,
    state: Annotated[Literal["open", "acknowledged"] | None, Query()] = None,
    kind: Annotated[Literal["new", "changed", "removed"] | None, Query()] = None,
    list_name: Annotated[
        str | None, Query(alias="list", max_length=64, description="Raised by a version of this list.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AlertOut]:
    found = monitor.alerts(
        store,
        principal,
        watchlist_id=watchlist,
        state=state,
        kind=kind,
        list_name=list_name,
        limit=limit,
        offset=offset,
    )
    return [AlertOut.model_validate(monitor.alert_json(a)) for a in found]


AlertId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="Alert id.")]


@monitor_router.get("/alerts/{alert_id}", summary="One alert")
def api_alert(alert_id: AlertId, store: StoreDep, principal: Watcher) -> AlertOut:
    return AlertOut.model_validate(monitor.alert_json(monitor.get_alert(store, principal, alert_id)))


@monitor_router.post("/alerts/{alert_id}/ack", summary="Acknowledge an alert (records who and when)")
def api_ack(alert_id: AlertId, store: StoreDep, principal: Watcher) -> AlertOut:
    return AlertOut.model_validate(monitor.alert_json(monitor.acknowledge_alert(store, principal, alert_id)))


WebhookId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="Webhook id.")]


@monitor_router.get("/webhooks", summary="Webhooks you can see (never their secrets)")
def api_webhooks(store: StoreDep, principal: Watcher) -> list[WebhookOut]:
    return [WebhookOut.of(h) for h in monitor.webhooks(store, principal)]


@monitor_router.post(
    "/webhooks",
    status_code=201,
    summary="Register an endpoint for alerts; the answer shows its secret once",
    responses={
        422: {
            "description": "Not an http(s) URL, or its host is (or resolves to) a loopback, private, "
            "link-local or other non-public address, refused unless ACCOMPLICE_WEBHOOK_ALLOW_PRIVATE is true."
        }
    },
)
def api_create_webhook(body: WebhookIn, store: StoreDep, principal: Watcher) -> WebhookCreatedOut:
    hook = monitor.create_webhook(store, principal, body.url, events=body.events)
    return WebhookCreatedOut(**WebhookOut.of(hook).model_dump(), secret=hook.secret)


@monitor_router.get("/webhooks/{webhook_id}", summary="A webhook with its deliveries")
def api_webhook(webhook_id: WebhookId, store: StoreDep, principal: Watcher) -> WebhookDetailOut:
    hook = monitor.get_webhook(store, principal, webhook_id)
    return WebhookDetailOut(
        webhook=WebhookOut.of(hook),
        deliveries=[
            DeliveryOut(
                id=d.id,
                alert_ids=list(d.alert_ids),
                attempts=d.attempts,
                next_attempt_at=d.next_attempt_at.isoformat() if d.next_attempt_at else None,
                status_code=d.status_code,
                last_error=d.last_error,
                delivered_at=d.delivered_at.isoformat() if d.delivered_at else None,
                created_at=d.created_at.isoformat(),
            )
            for d in monitor.deliveries(store, principal, webhook_id)
        ],
    )


@monitor_router.patch("/webhooks/{webhook_id}", summary="Pause or resume a webhook")
def api_patch_webhook(
    webhook_id: WebhookId, body: WebhookPatch, store: StoreDep, principal: Watcher
) -> WebhookOut:
    return WebhookOut.of(monitor.set_webhook_active(store, principal, webhook_id, body.active))


@monitor_router.delete("/webhooks/{webhook_id}", status_code=204, summary="Delete a webhook")
def api_delete_webhook(webhook_id: WebhookId, store: StoreDep, principal: Watcher) -> Response:
    monitor.delete_webhook(store, principal, webhook_id)
    return Response(status_code=204)
