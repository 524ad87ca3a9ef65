"""The FastAPI application: health, lists, entities and lookup as JSON; the web UI is mounted beside it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from accomplice import services
from accomplice.errors import AccompliceError, NotFoundError
from accomplice.store import Store

__all__ = ["create_app"]


def create_app(store: Store) -> FastAPI:
    app = FastAPI(
        title="accomplice",
        version="0.1.0",
        description="Sanctions lists and screening for North Korea's enablers.",
    )
    app.state.store = store

    @app.exception_handler(NotFoundError)
    async def _not_found(_request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(AccompliceError)
    async def _bad_request(_request: Request, exc: AccompliceError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "store": store.backend}

    @app.get("/api/lists", tags=["lists"])
    def api_lists() -> list[dict[str, Any]]:
        return [
            {
                "name": i.name,
                "title": i.title,
                "publisher": i.publisher,
                "versions": i.versions,
                "latest": i.latest_label,
                "current_entities": i.current_entities,
            }
            for i in services.list_infos(store)
        ]

    @app.get("/api/entities/{key}", tags=["entities"])
    def api_entity(key: str) -> dict[str, object]:
        return services.entity_json(services.entity_detail(store, key))

    @app.get("/api/lookup", tags=["entities"])
    def api_lookup(q: str = Query(..., min_length=1, max_length=500)) -> list[dict[str, Any]]:
        return [
            {
                "key": r.key,
                "schema": r.schema,
                "caption": r.caption,
                "lists": list(r.lists),
                "listed": r.is_current,
            }
            for r in services.lookup(store, q)
        ]

    del api_lists, api_entity, api_lookup, healthz
    if False:  # pragma: no cover
        raise HTTPException(500)
    return app
