"""Responses checked against the schemas written elsewhere: yente 5.5.0's own response models, and the
W3C Reconciliation Service API 0.2.

yente's models are kept as JSON schemas derived from the yente wheel (tests/yente_compat: yente pins
fastapi, followthemoney and nomenklatura versions that conflict with accomplice's, so it is installed in
a throwaway venv and only its schemas are kept). The reconciliation schemas are not published in a PyPI
package: the required fields below are encoded from the 0.2 specification's text (manifest §3, query
results §4.3, suggest §5, data extension §6) and are stricter than OpenRefine is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.store import Store

YENTE = json.loads((Path(__file__).parent / "yente_compat" / "yente-5.5.0-schemas.json").read_text())
MATCH_BODY = {
    "queries": {
        "q": {"schema": "Person", "properties": {"name": ["Kim Jong Un"], "nationality": ["North Korea"]}},
        "bank": {"schema": "Company", "properties": {"name": ["Korea Daesong Bank"]}},
    }
}


def _valid(schema: dict[str, Any], body: Any) -> None:
    errors = [str(e) for e in jsonschema_rs.validator_for(schema).iter_errors(body)]
    assert not errors, errors[:5]


@pytest.fixture(scope="module")
def public(screening_store: Store) -> Iterator[TestClient]:
    """A yente deployment: anonymous screening switched on, as yente runs by default."""
    patch = pytest.MonkeyPatch()
    patch.setenv("ACCOMPLICE_PUBLIC_SCREENING", "true")
    with TestClient(create_app(screening_store)) as client:
        yield client
    patch.undo()


@pytest.mark.parametrize(
    ("url", "model"),
    [
        ("/catalog", "DataCatalogModel"),
        ("/manifest", "DataCatalogModel"),
        ("/algorithms", "AlgorithmResponse"),
        ("/search/default?q=daesong", "SearchResponse"),
        ("/entities/ofac:9345", "EntityResponse"),
        ("/entities/ofac:9345/adjacent", "EntityAdjacentResponse"),
        ("/readyz", "StatusResponse"),
    ],
)
def test_get_responses_validate_against_yentes_models(public: TestClient, url: str, model: str) -> None:
    response = public.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text[:300]
    _valid(YENTE[model], response.json())


def test_match_response_validates_against_yentes_model(public: TestClient) -> None:
    body = public.post("/match/default", json=MATCH_BODY).json()
    _valid(YENTE["EntityMatchResponse"], body)


def test_reconcile_responses_validate_against_yentes_models(public: TestClient) -> None:
    queries = json.dumps({"q": {"query": "Kim Jong Un", "type": "Person"}})
    answered = public.post("/reconcile/default", data={"queries": queries}).json()
    for result in answered.values():
        _valid(YENTE["FreebaseEntityResult"], result)
    extend = json.dumps({"ids": ["ofac:20157"], "properties": [{"id": "birthDate"}]})
    _valid(YENTE["FreebaseExtendResponse"], public.post("/reconcile/default", data={"extend": extend}).json())
    proposed = public.get("/reconcile/default/extend/property", params={"type": "Person"}).json()
    _valid(YENTE["FreebaseExtendPropertiesResponse"], proposed)


# -- W3C Reconciliation Service API 0.2, required fields from the specification ---------------------------

TYPE = {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "string"}}}
SERVICE = {
    "type": "object",
    "required": ["service_url", "service_path"],
    "properties": {
        "service_url": {"type": "string", "pattern": "^https?://"},
        "service_path": {"type": "string"},
    },
}
MANIFEST = {
    "type": "object",
    "required": ["versions", "name", "identifierSpace", "schemaSpace"],
    "properties": {
        "versions": {"type": "array", "items": {"type": "string"}, "contains": {"const": "0.2"}},
        "name": {"type": "string"},
        "identifierSpace": {"type": "string", "pattern": "^https?://"},
        "schemaSpace": {"type": "string", "pattern": "^https?://"},
        "defaultTypes": {"type": "array", "items": TYPE},
        "view": {"type": "object", "required": ["url"], "properties": {"url": {"type": "string"}}},
        "preview": {"type": "object", "required": ["url", "width", "height"]},
        "suggest": {"type": "object", "additionalProperties": SERVICE},
        "extend": {"type": "object", "properties": {"propose_properties": SERVICE}},
        "batchSize": {"type": "integer", "minimum": 1},
    },
}
CANDIDATE = {
    "type": "object",
    "required": ["id", "name", "score", "match"],
    "properties": {
        "score": {"type": "number"},
        "match": {"type": "boolean"},
        "type": {"type": "array", "items": TYPE},
    },
}
RESULTS = {
    "type": "object",
    "additionalProperties": {
        "type": "object",
        "required": ["result"],
        "properties": {"result": {"type": "array", "items": CANDIDATE}},
    },
}
SUGGEST = {
    "type": "object",
    "required": ["result"],
    "properties": {"result": {"type": "array", "items": TYPE}},
}
PROPOSED = {
    "type": "object",
    "required": ["properties"],
    "properties": {"properties": {"type": "array", "items": TYPE}},
}
EXTENDED = {
    "type": "object",
    "required": ["meta", "rows"],
    "properties": {"meta": {"type": "array", "items": TYPE}, "rows": {"type": "object"}},
}


@pytest.mark.parametrize("url", ["/reconcile", "/reconcile/default", "/reconcile/un?api_key=x"])
def test_manifests_validate_against_the_reconciliation_spec(public: TestClient, url: str) -> None:
    _valid(MANIFEST, public.get(url).json())


def test_reconciliation_answers_validate_against_the_spec(public: TestClient) -> None:
    queries = json.dumps({"q0": {"query": "Kim Jong Un", "type": "Person"}, "q1": {"query": "Daesong"}})
    _valid(RESULTS, public.post("/reconcile", data={"queries": queries}).json())
    for kind, prefix in (("entity", "Kim"), ("type", "Pers"), ("property", "birth")):
        _valid(SUGGEST, public.get(f"/reconcile/suggest/{kind}", params={"prefix": prefix}).json())
    _valid(PROPOSED, public.get("/reconcile/extend/property", params={"type": "Person"}).json())
    extend = json.dumps({"ids": ["ofac:20157"], "properties": [{"id": "birthDate"}]})
    _valid(EXTENDED, public.post("/reconcile", data={"extend": extend}).json())
