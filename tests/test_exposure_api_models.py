"""The exposure API publishes a typed response model for every JSON route (issue 11, part 5), so that
the OpenAPI schema documents traces, paths and records and schemathesis checks the answers against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.store import open_store

# Every JSON route of api/exposure.py (the document download answers bytes, not JSON).
EXPOSURE_ROUTES = (
    ("post", "/api/trace"),
    ("get", "/api/shipments/{shipment_id}/trace"),
    ("get", "/api/evidence"),
    ("post", "/api/evidence"),
    ("get", "/api/relations"),
    ("post", "/api/relations"),
    ("get", "/api/parties/{party}/exposure"),
    ("post", "/api/shipments"),
    ("post", "/api/ownership"),
    ("post", "/api/facilities"),
    ("post", "/api/exposure/{kind}/file"),
    ("post", "/api/parties/{party}/confirm"),
    ("post", "/api/parties/{party}/split"),
    ("post", "/api/shipments/{shipment_id}/documents"),
    ("get", "/api/shipments/{shipment_id}/documents"),
)


def _ok_schema(operation: dict[str, Any]) -> dict[str, Any]:
    responses = operation["responses"]
    ok = responses.get("200") or responses["201"]
    schema: dict[str, Any] = ok["content"]["application/json"]["schema"]
    return schema.get("items", schema)


def test_every_exposure_json_route_publishes_a_typed_response_model(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'accomplice.db'}")
    try:
        with TestClient(create_app(store)) as client:
            spec = client.get("/openapi.json").json()
    finally:
        store.close()
    untyped = [
        f"{method.upper()} {path}"
        for method, path in EXPOSURE_ROUTES
        if "$ref" not in _ok_schema(spec["paths"][path][method])
    ]
    assert not untyped, f"answer untyped JSON: {untyped}"
    schemas = spec["components"]["schemas"]
    assert {"from", "to", "record", "source"} <= set(schemas["HopOut"]["properties"])
    assert {"withheld", "evidence", "listing"} <= set(schemas["PathOut"]["properties"])
    assert {"checked", "rebuttal", "paths", "flagged"} <= set(schemas["TraceOut"]["properties"])
