"""Validate accomplice's reconciliation answers against the W3C Reconciliation API's own JSON schemas.

The schemas are not copied into this repository: point this script at a checkout of
github.com/reconciliation-api/specs (its `0.2/schemas/` folder). It opens the given store in process
(the ASGI app through httpx's test client: nothing leaves this machine), asks every kind of request an
OpenRefine client sends, and validates each answer with the schema the specification names for it.

    python scripts/check_reconciliation_spec.py ../specs --db data/accomplice.db
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema_rs
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.store import open_store

QUERIES = {
    "q0": {"query": "Kim Jong Un", "type": "Person"},
    "q1": {"query": "Korea Kwangson Banking", "properties": [{"pid": "country", "v": "kp"}], "limit": 3},
    "q2": {"query": "丹东鸿祥实业发展有限公司", "type": "Company"},
    "q3": {"query": "no such name anywhere zzqx"},
}
EXTEND = {
    "ids": ["ofac:20157", "ofac:12312"],
    "properties": [{"id": "birthDate"}, {"id": "country"}, {"id": "name", "settings": {"limit": 1}}],
}


def _validator(schemas: Path, name: str) -> Any:
    def retrieve(uri: str) -> Any:
        # Sibling schemas by file name; the manifest's one reference outside the spec (Swagger 2's
        # securityDefinitions, for authentication) is not fetched: any object passes it.
        local = schemas / uri.rsplit("/", 1)[-1]
        if local.is_file():
            return json.loads(local.read_text())
        return {"definitions": {"securityDefinitions": {"additionalProperties": {}}}}

    schema = json.loads((schemas / f"{name}.json").read_text())
    return jsonschema_rs.validator_for(schema, retriever=retrieve)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", type=Path, help="a checkout of reconciliation-api/specs")
    parser.add_argument("--db", default="data/accomplice.db", help="a store with lists loaded")
    args = parser.parse_args()
    schemas = args.specs / "0.2" / "schemas"
    store = open_store(f"sqlite:///{args.db}" if "://" not in args.db else args.db)
    client = TestClient(create_app(store))
    checks: list[tuple[str, str, Any]] = [
        ("GET /reconcile", "manifest", client.get("/reconcile")),
        ("GET /reconcile/ofac", "manifest", client.get("/reconcile/ofac")),
        (
            "POST /reconcile queries",
            "reconciliation-result-batch",
            client.post("/reconcile", data={"queries": json.dumps(QUERIES)}),
        ),
        (
            "GET /reconcile?queries=",
            "reconciliation-result-batch",
            client.get("/reconcile", params={"queries": json.dumps(QUERIES)}),
        ),
        ("suggest entity", "suggest-entities-response", client.get("/reconcile/suggest/entity?prefix=kim")),
        ("suggest type", "suggest-types-response", client.get("/reconcile/suggest/type?prefix=pe")),
        (
            "suggest property",
            "suggest-properties-response",
            client.get("/reconcile/suggest/property?prefix=na"),
        ),
        (
            "propose properties",
            "data-extension-property-proposal",
            client.get("/reconcile/extend/property?type=Person"),
        ),
        (
            "POST /reconcile extend",
            "data-extension-response",
            client.post("/reconcile", data={"extend": json.dumps(EXTEND)}),
        ),
    ]
    failed = 0
    for label, schema, response in checks:
        errors = (
            []
            if response.status_code != 200
            else list(_validator(schemas, schema).iter_errors(response.json()))
        )
        ok = response.status_code == 200 and not errors
        failed += not ok
        detail = (
            f"HTTP {response.status_code}"
            if response.status_code != 200
            else "; ".join(e.message for e in errors[:3])
        )
        print(f"{'pass' if ok else 'FAIL'}  {label:28} {schema}.json  {detail}")
    print(f"{len(checks) - failed} of {len(checks)} answers valid against reconciliation-api/specs 0.2")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
