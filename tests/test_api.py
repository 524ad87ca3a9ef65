"""The JSON API over a store holding two real OFAC versions and a hostile custom list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.store import Store, open_store
from accomplice.store.engine import make_engine
from tests.web_data import (
    HANGUL_NAME,
    IMG_ALIAS,
    LONG_NAME,
    RTL_NAME,
    SCRIPT_NAME,
    SQL_NAME,
    TEMPLATE_NOTE,
    import_hostile_list,
)


@pytest.fixture(scope="module")
def store(web_store_url: str) -> Iterator[Store]:
    opened = open_store(web_store_url)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store)) as test_client:
        yield test_client


def _get(client: TestClient, url: str, status: int = 200, **params: Any) -> Any:
    response = client.get(url, params=params or None)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def _names(entity: dict[str, Any], prop: str) -> list[str]:
    return [s["value"] for s in entity["properties"].get(prop, [])]


# -- health ---------------------------------------------------------------------------------------------


def test_healthz_reports_ok_and_backend(client: TestClient) -> None:
    assert _get(client, "/healthz") == {"status": "ok", "store": "sqlite"}


def test_readyz_asks_the_store_and_counts_its_lists(client: TestClient) -> None:
    body = _get(client, "/readyz")
    assert body["status"] == "ok"
    assert body["lists"] == 2  # ofac and the hostile test list


def test_readyz_answers_503_when_the_store_is_unreachable() -> None:
    # Nothing listens on port 1: the store cannot answer, and readiness says so without raising.
    down = Store(make_engine("postgresql://postgres@127.0.0.1:1/accomplice"))
    with TestClient(create_app(down)) as down_client:
        response = down_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "store unavailable" in response.json()["detail"]
    down.close()


# -- lists ----------------------------------------------------------------------------------------------


def test_lists_show_versions_and_entity_counts(client: TestClient, store: Store) -> None:
    lists = {item["name"]: item for item in _get(client, "/api/lists")}
    ofac = lists["ofac"]
    assert ofac["publisher"].startswith("US Department of the Treasury")
    assert [v["label"] for v in ofac["versions"]] == ["2023-12-28", "2024-05-03"]
    assert ofac["latest"] == {"seq": 2, "label": "2024-05-03"}
    assert ofac["versions"][1]["counts"]["schema:Vessel"] > 800
    assert ofac["current_entities"] == next(i.current_entities for i in store.lists() if i.name == "ofac")


def test_lists_count_entities_and_links_apart(client: TestClient, store: Store) -> None:
    ofac = {item["name"]: item for item in _get(client, "/api/lists")}["ofac"]
    versions = store.versions("ofac")
    for out, version in zip(ofac["versions"], versions, strict=True):
        links = version.counts.get("schema:UnknownLink", 0)
        assert (out["entities"], out["links"]) == (version.counts["entities"] - links, links)
    latest = ofac["versions"][1]
    # 2024-05-03's sdn.csv holds 14,965 entries; its "Linked To" remarks give the links.
    assert (ofac["current_entities"], ofac["current_links"]) == (14_965, latest["links"])
    assert latest["entities"] == 14_965
    assert latest["added"]["entities"] + latest["added"]["links"] == versions[1].counts["added_entities"]
    assert latest["added"]["entities"] == 1_256


def test_diff_counts_entities_and_links_apart(client: TestClient) -> None:
    body = _get(client, "/api/lists/ofac/diff")
    for kind in ("added", "removed", "changed"):
        links = [c for c in body[kind] if c["schema"] == "UnknownLink"]
        assert body["counts"][kind] == {"entities": len(body[kind]) - len(links), "links": len(links)}
    assert body["counts"]["added"] == {"entities": 1_256, "links": 436}


def test_list_detail_names_the_files_of_each_version(client: TestClient) -> None:
    body = _get(client, "/api/lists/ofac")
    first, second = body["versions"]
    assert {f["name"] for f in first["files"]} == {"sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"}
    assert [f["name"] for f in second["files"]] == ["sdn.csv"]
    assert all(len(f["sha256"]) == 64 for f in first["files"])
    assert first["components"] == ["addresses", "aliases", "main", "remarks"]
    assert second["components"] == ["main"]


def test_unknown_list_is_404(client: TestClient) -> None:
    assert "no list named" in _get(client, "/api/lists/nope", 404)["detail"]
    assert "no list named" in _get(client, "/api/lists/nope/diff", 404)["detail"]


def test_diff_lists_added_dprk_entries_between_the_two_ofac_versions(client: TestClient) -> None:
    body = _get(client, "/api/lists/ofac/diff", program="DPRK")
    assert body["old"] == {"seq": 1, "label": "2023-12-28"}
    assert body["new"] == {"seq": 2, "label": "2024-05-03"}
    assert body["program"] == "DPRK"
    assert body["carried_components"] == ["addresses", "aliases", "remarks"]
    added = {c["key"]: c for c in body["added"]}
    assert added["ofac:48262"]["caption"] == "JON, Yun Gun"
    assert added["ofac:48262"]["schema"] == "Person"
    assert body["counts"]["added"] == {"entities": len(body["added"]), "links": 0}
    # Every added entry really carries a DPRK program and was first listed in the newer version.
    for key in added:
        entity = _get(client, f"/api/entities/{key}")
        assert any("DPRK" in p for p in _names(entity, "programId")), key
        assert entity["listings"][0]["first_seen"]["label"] == "2024-05-03"


def test_diff_reports_changed_fields(client: TestClient) -> None:
    body = _get(client, "/api/lists/ofac/diff", old="2023-12-28", new="2024-05-03")
    changed = {c["key"]: c for c in body["changed"]}
    assert changed, "entries changed between the two versions"
    fields = {p["prop"] for c in changed.values() for p in c["changes"]}
    assert "notes" in fields
    assert all(p["added"] or p["removed"] for c in changed.values() for p in c["changes"])


def test_unfiltered_diff_is_larger_than_the_dprk_part(client: TestClient) -> None:
    everything = _get(client, "/api/lists/ofac/diff")
    dprk = _get(client, "/api/lists/ofac/diff", program="dprk")
    assert everything["counts"]["added"]["entities"] > dprk["counts"]["added"]["entities"] > 0
    assert everything["program"] is None


def test_diff_with_unknown_version_is_404(client: TestClient) -> None:
    assert "no version" in _get(client, "/api/lists/ofac/diff", 404, old="1999-01-01")["detail"]


# -- entities -------------------------------------------------------------------------------------------


def test_korea_daesong_bank_has_its_swift_bic_with_provenance(client: TestClient) -> None:
    entity = _get(client, "/api/entities/ofac:12312")
    assert entity["caption"] == "KOREA DAESONG BANK"
    assert entity["schema"] == "Organization"
    assert entity["listed"] is True
    [swift] = entity["properties"]["swiftBic"]
    assert swift["value"] == "KDBKKPPY"
    assert swift["list"] == "ofac"
    assert swift["first_seen"] == {"seq": 1, "label": "2023-12-28"}
    assert swift["last_seen"] == {"seq": 2, "label": "2024-05-03"}
    assert swift["current"] is True


def test_entity_keeps_aliases_of_the_earlier_alias_file(client: TestClient) -> None:
    entity = _get(client, "/api/entities/ofac:11581")
    assert "KKBC" in _names(entity, "alias")
    [kkbc] = [s for s in entity["properties"]["alias"] if s["value"] == "KKBC"]
    assert kkbc["component"] == "aliases"
    assert kkbc["first_seen"]["label"] == "2023-12-28"


def test_entity_relations_name_the_other_party(client: TestClient) -> None:
    # HWANG, Su Man is 'Linked To: KOREA MINING DEVELOPMENT TRADING CORPORATION' (KOMID) in the remarks.
    entity = _get(client, "/api/entities/ofac:9345")
    subjects = {key for rel in entity["relations"] for key in rel["properties"].get("subject", [])}
    assert "ofac:18552" in subjects
    assert entity["referents"]["ofac:18552"]["caption"] == "HWANG, Su Man"
    assert all(rel["schema"] == "UnknownLink" for rel in entity["relations"])
    assert all(rel["first_seen"] is not None for rel in entity["relations"])
    person = _get(client, "/api/entities/ofac:18552")
    assert person["referents"]["ofac:9345"]["caption"] == "KOREA MINING DEVELOPMENT TRADING CORPORATION"


def test_unknown_entity_is_404(client: TestClient) -> None:
    assert "no entity with key" in _get(client, "/api/entities/ofac:0", 404)["detail"]


# -- lookup ---------------------------------------------------------------------------------------------


def test_lookup_finds_korea_daesong_bank(client: TestClient) -> None:
    body = _get(client, "/api/lookup", q="daesong bank")
    assert body["method"] == "plain"
    hits = {hit["key"]: hit for hit in body["results"]}
    assert hits["ofac:12312"]["caption"] == "KOREA DAESONG BANK"
    assert hits["ofac:12312"]["lists"] == ["ofac"]


def test_lookup_says_which_listed_name_matched(client: TestClient) -> None:
    hits = {hit["key"]: hit for hit in _get(client, "/api/lookup", q="taesong")["results"]}
    assert {"prop": "alias", "value": "TAESONG BANK"} in hits["ofac:12312"]["matched"]
    assert all("TAESONG" in m["value"].upper() for hit in hits.values() for m in hit["matched"])


def test_lookup_by_key_opens_the_entity(client: TestClient) -> None:
    assert [hit["key"] for hit in _get(client, "/api/lookup", q="ofac:12312")["results"]] == ["ofac:12312"]


def test_lookup_finds_hangul_alias(client: TestClient) -> None:
    hits = _get(client, "/api/lookup", q=HANGUL_NAME[:4])["results"]
    assert [hit["key"] for hit in hits] == ["hostile:cjk"]


def test_lookup_without_query_or_with_bad_limit_is_422(client: TestClient) -> None:
    assert _get(client, "/api/lookup", 422)["detail"][0]["loc"] == ["query", "q"]
    assert _get(client, "/api/lookup", 422, q="kim", limit="0")["detail"][0]["loc"] == ["query", "limit"]
    assert _get(client, "/api/lookup", 422, q="kim", limit="many")["detail"][0]["loc"] == ["query", "limit"]


# -- hostile input --------------------------------------------------------------------------------------


def _entity_count(store: Store) -> tuple[int, int, list[int]]:
    return (
        store.count_current_entities(),
        sum(1 for _ in store.iter_current_statements("hostile")),
        [v.seq for v in store.versions("ofac")],
    )


def test_hostile_names_come_back_intact_in_json(client: TestClient) -> None:
    script = _get(client, "/api/entities/hostile:script")
    assert script["caption"] == SCRIPT_NAME
    assert _names(script, "alias") == [IMG_ALIAS]
    assert _names(script, "notes") == [TEMPLATE_NOTE]
    assert _get(client, "/api/entities/hostile:sql")["caption"] == SQL_NAME
    assert _names(_get(client, "/api/entities/hostile:rtl"), "name") == [RTL_NAME]
    long = _get(client, "/api/entities/hostile:long")
    assert _names(long, "name") == [LONG_NAME]
    assert len(LONG_NAME) == 10_000


def test_lookup_of_hostile_strings_finds_them_and_echoes_the_query(client: TestClient) -> None:
    for name, key in ((SCRIPT_NAME, "hostile:script"), (SQL_NAME, "hostile:sql"), (RTL_NAME, "hostile:rtl")):
        body = _get(client, "/api/lookup", q=name)
        assert body["query"] == name
        assert key in [hit["key"] for hit in body["results"]], name


def test_hostile_requests_never_fail_and_leave_the_store_unchanged(client: TestClient, store: Store) -> None:
    before = _entity_count(store)
    long_query = "A" * 10_000
    cases: list[tuple[str, dict[str, str], int]] = [
        ("/api/lookup", {"q": long_query}, 422),
        ("/api/lookup", {"q": "\x00"}, 200),
        ("/api/lookup", {"q": "KOREA\x00DAESONG"}, 200),
        ("/api/lookup", {"q": "%"}, 200),
        ("/api/lookup", {"q": "_"}, 200),
        ("/api/lookup", {"q": "\\"}, 200),
        ("/api/lookup", {"q": SQL_NAME}, 200),
        ("/api/lookup", {"q": "' OR 1=1 --"}, 200),
        ("/api/lookup", {"q": "\u202e\u202d\u2066"}, 200),
        ("/api/lookup", {"q": "\ud7a3" * 400}, 200),
        ("/api/entities/%00", {}, 404),
        ("/api/entities/ofac%3A12312%00", {}, 404),
        ("/api/entities/" + "k" * 5_000, {}, 404),
        ("/api/entities/'; DROP TABLE entities; --", {}, 404),
        ("/api/lists/%00", {}, 404),
        ("/api/lists/ofac/diff", {"old": "\x00"}, 404),
        ("/api/lists/ofac/diff", {"new": "' OR 1=1 --"}, 404),
        ("/api/lists/ofac/diff", {"old": "x" * 10_000}, 422),
        ("/api/lists/ofac/diff", {"program": "\x00DPRK"}, 200),
        ("/api/lists/ofac/diff", {"program": "p" * 10_000}, 422),
    ]
    for url, params, status in cases:
        response = client.get(url, params=params)
        assert response.status_code == status, (url, params, response.text[:300])
        assert response.headers["content-type"].startswith("application/json")
        assert long_query not in response.text  # the 10,000-character input is not echoed back
    assert _entity_count(store) == before


def test_nul_bytes_in_a_lookup_are_dropped_not_searched(client: TestClient) -> None:
    body = _get(client, "/api/lookup", q="DAESONG\x00 BANK")
    assert "ofac:12312" in [hit["key"] for hit in body["results"]]


def test_hostile_input_on_postgresql_is_a_clean_404_or_422(pg_database: str) -> None:
    # PostgreSQL rejects NUL in text parameters: the services must stop them before any query.
    from tests.conftest import _reset_postgres

    _reset_postgres(pg_database)
    pg = open_store(pg_database)
    import_hostile_list(pg)
    with TestClient(create_app(pg)) as pg_client:
        assert _get(pg_client, "/api/entities/%00", 404)
        assert _get(pg_client, "/api/lists/%00", 404)
        assert _get(pg_client, "/api/lists/hostile/diff", 404, old="\x00")
        assert _get(pg_client, "/api/lookup", q="\x00")["results"] == []
        assert _get(pg_client, "/api/lookup", q=SCRIPT_NAME)["results"][0]["key"] == "hostile:script"
        assert _get(pg_client, "/api/entities/hostile:long")["caption"] == LONG_NAME
    pg.close()


# -- the published contract -----------------------------------------------------------------------------


def test_openapi_publishes_typed_response_models(client: TestClient) -> None:
    spec = _get(client, "/openapi.json")
    paths = spec["paths"]
    for path in (
        "/healthz",
        "/readyz",
        "/api/lists",
        "/api/lists/{name}",
        "/api/lists/{name}/diff",
        "/api/entities/{key}",
        "/api/lookup",
    ):
        assert "get" in paths[path], path
    entity_ok = paths["/api/entities/{key}"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert entity_ok["$ref"].endswith("/EntityOut")
    assert "404" in paths["/api/entities/{key}"]["get"]["responses"]
    schemas = spec["components"]["schemas"]
    assert {"schema", "caption", "properties", "relations"} <= set(schemas["EntityOut"]["properties"])
    assert {"list", "first_seen", "last_seen", "current"} <= set(schemas["StatementOut"]["properties"])
    # The web pages are not part of the API.
    assert "/entities/{key}" not in paths


def test_responses_carry_security_headers_and_docs_load_nothing_from_elsewhere(client: TestClient) -> None:
    response = client.get("/api/lists")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    # The interactive docs come from packaged files (api.docs), never from a CDN.
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "http://" not in docs.text
    assert "https://" not in docs.text
    assert "script-src 'self' 'sha256-" in docs.headers["content-security-policy"]
    assert docs.headers["x-frame-options"] == "DENY"
    scripts = re.findall(r'<script src="([^"]+)"', docs.text)
    assert scripts
    assert all(client.get(src).status_code == 200 for src in scripts)
    assert client.get("/redoc").status_code == 404


def test_large_responses_are_compressed_for_slow_links(client: TestClient) -> None:
    response = client.get("/api/lists/ofac/diff", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
