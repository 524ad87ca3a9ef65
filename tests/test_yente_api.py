"""yente's API and OpenRefine reconciliation over the real OFAC, UN, EU and UK DPRK lists.

Requests are written as yente's documentation writes them and sent with an HTTP client as yente clients
do; the answers are checked field by field against yente's shapes, and the parts yente takes from
nomenklatura (feature docs, feature results, algorithm docs) against nomenklatura's own pydantic models.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from nomenklatura.matching.types import AlgorithmDocs, FeatureDoc, FeatureResult
from pydantic import TypeAdapter

from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.store import Store

KIM_JONG_UN = "ofac:20157"
DAESONG_BANK_KEYS = {"un:KPe.035", "ofac:12312", "uk:11286"}
# The same bank on the EU's DPRK regulation (2017/1509, annex XIII.B, entry 35).
DAESONG_BANK_EU = "eu:32017R1509:XIII.B:35"

# The example of yente's /match documentation, with names that these lists hold.
YENTE_DOC_REQUEST: dict[str, Any] = {
    "queries": {
        "entity1": {
            "schema": "Person",
            "properties": {
                "name": ["Kim Jong Un"],
                "birthDate": ["1984-01-08"],
                "nationality": ["kp"],
            },
        },
        "entity2": {
            "schema": "Company",
            "properties": {
                "name": ["Korea Daesong Bank"],
                "jurisdiction": ["kp"],
            },
        },
    }
}
ENTITY_FIELDS = {
    "id",
    "caption",
    "schema",
    "properties",
    "datasets",
    "referents",
    "target",
    "first_seen",
    "last_seen",
    "last_change",
}
SCORED_FIELDS = ENTITY_FIELDS | {"score", "match", "features", "explanations", "explanation"}


OPERATOR = accounts.operator_principal("tester")


@pytest.fixture(scope="module")
def tokens(screening_store: Store) -> dict[str, str]:
    """An analyst's full token, and one scoped to reading exposure data only (no screening)."""
    existing = {u.name for u in accounts.list_users(screening_store, OPERATOR)}
    if "yente-analyst" not in existing:
        accounts.add_user(screening_store, OPERATOR, name="yente-analyst", roles=["analyst"], org="ngo")
    return {
        "analyst": accounts.issue_token(screening_store, OPERATOR, user="yente-analyst").secret,
        "no-screen": accounts.issue_token(
            screening_store, OPERATOR, user="yente-analyst", scopes=["exposure:read"]
        ).secret,
    }


@pytest.fixture(scope="module")
def anonymous(screening_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(screening_store)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def client(screening_store: Store, tokens: dict[str, str]) -> Iterator[TestClient]:
    """A yente client: it sends its key as yente's clients do, `Authorization: ApiKey <key>`."""
    headers = {"Authorization": f"ApiKey {tokens['analyst']}"}
    with TestClient(create_app(screening_store), headers=headers) as test_client:
        yield test_client


def _match(client: TestClient, body: dict[str, Any], dataset: str = "default", **params: Any) -> Any:
    response = client.post(f"/match/{dataset}", json=body, params=params or None)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def _ids(result: dict[str, Any]) -> set[str]:
    return {result["id"], *result["referents"]}


def _iso(value: str | None) -> None:
    """yente's wire format (its tests' assert_iso_seconds_no_tz): UTC to the second, without a zone."""
    assert value is not None
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", value), value
    assert datetime.fromisoformat(value).tzinfo is None


# -- /match ---------------------------------------------------------------------------------------------


def test_request_written_as_yente_documents_it_gets_yente_response_shape(client: TestClient) -> None:
    response = client.post("/match/default", json=YENTE_DOC_REQUEST)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-batch-size"] == "2"
    body = response.json()
    assert set(body) >= {"responses", "matcher", "limit"}
    assert body["limit"] == 5
    assert set(body["responses"]) == {"entity1", "entity2"}
    person = body["responses"]["entity1"]
    assert person["status"] == 200
    assert person["total"] == {"value": 1, "relation": "eq"}
    assert person["query"] == {
        "id": None,
        "schema": "Person",
        "properties": {"name": ["Kim Jong Un"], "birthDate": ["1984-01-08"], "nationality": ["kp"]},
    }
    [best] = person["results"]
    assert set(best) >= SCORED_FIELDS
    assert best["id"] == KIM_JONG_UN
    assert best["caption"] == "KIM, Jong Un"
    assert best["schema"] == "Person"
    assert best["properties"]["birthDate"] == ["1984-01-08"]
    assert all(isinstance(v, str) for values in best["properties"].values() for v in values)
    assert best["datasets"] == ["ofac"]
    assert best["referents"] == []
    assert best["target"] is True
    for field in ("first_seen", "last_seen", "last_change"):
        _iso(best[field])
    assert best["score"] == 1.0
    assert best["match"] is True
    assert best["features"]["name_letters_equal"] == 1.0
    assert best["features"]["birth_date_supports"] > 0
    explanations = TypeAdapter(dict[str, FeatureResult]).validate_python(best["explanations"])
    assert explanations["birth_date_supports"].detail == "1984-01-08 ~ listed 1984-01-08"
    assert any("dates of birth agree" in line for line in best["explanation"])
    docs = TypeAdapter(dict[str, FeatureDoc]).validate_python(body["matcher"])
    assert set(best["features"]) <= set(docs)
    assert all(doc.description for doc in docs.values())
    bank = body["responses"]["entity2"]
    assert bank["status"] == 200
    assert _ids(bank["results"][0]) >= DAESONG_BANK_KEYS
    assert bank["results"][0]["id"] == "un:KPe.035"  # the UN entry leads the cluster
    assert bank["results"][0]["datasets"] == ["eu_prk", "ofac", "uk", "un"]
    # yente's total: every result that reaches the threshold, also those past `limit`.
    assert bank["total"]["value"] >= sum(r["match"] for r in bank["results"])


@pytest.mark.parametrize("name", ["김정은", "金正恩", "Ким Чен Ын"])
def test_korean_chinese_and_russian_script_queries_find_kim_jong_un(client: TestClient, name: str) -> None:
    body = _match(client, {"queries": {"q": {"schema": "Person", "properties": {"name": [name]}}}})
    results = body["responses"]["q"]["results"]
    assert results, name
    assert results[0]["id"] == KIM_JONG_UN
    assert results[0]["match"] is True
    assert results[0]["explanation"]


def test_imo_number_alone_finds_the_vessel(client: TestClient) -> None:
    # OFAC lists a DPRK tanker (ofac:23736) with IMO 8604917; the query gives no name at all.
    query = {"schema": "Vessel", "properties": {"imoNumber": ["IMO 8604917"]}}
    body = _match(client, {"queries": {"ship": query}})
    [ship] = body["responses"]["ship"]["results"]
    assert "ofac:23736" in _ids(ship)
    assert any("8604917" in value for value in ship["properties"]["imoNumber"])
    assert ship["features"]["identifier_matches"] >= 0.9
    assert ship["match"] is True


def test_match_needs_a_token_with_the_screen_permission(
    anonymous: TestClient, tokens: dict[str, str]
) -> None:
    assert anonymous.post("/match/default", json=YENTE_DOC_REQUEST).status_code == 401
    refused = anonymous.post(
        "/match/default", json=YENTE_DOC_REQUEST, headers={"Authorization": f"Bearer {tokens['no-screen']}"}
    )
    assert refused.status_code == 403
    bearer = anonymous.post(
        "/match/default", json=YENTE_DOC_REQUEST, headers={"Authorization": f"Bearer {tokens['analyst']}"}
    )
    assert bearer.status_code == 200
    # Search, entities, catalog and reconciliation read list data: public, like the lists themselves.
    for url in ("/search/default?q=kim", f"/entities/{KIM_JONG_UN}", "/catalog", "/algorithms", "/reconcile"):
        assert anonymous.get(url).status_code == 200, url


def test_a_query_that_cannot_be_screened_refuses_the_whole_batch_with_400(client: TestClient) -> None:
    # yente answers 400 for the request: a client reading only the HTTP status must not take an
    # unscreened row for a clean one.
    good = YENTE_DOC_REQUEST["queries"]["entity1"]
    for name, bad, reason in (
        (
            "unknown_schema",
            {"schema": "Spaceship", "properties": {"name": ["Kim Jong Un"]}},
            "unknown schema",
        ),
        ("nothing_to_match", {"schema": "Person", "properties": {"nationality": ["kp"]}}, "no name"),
    ):
        response = client.post("/match/default", json={"queries": {"good": good, name: bad}})
        assert response.status_code == 400, response.text[:300]
        detail = response.json()["detail"]
        assert f"query {name!r}" in detail
        assert reason in detail


def test_empty_batch_unknown_algorithm_and_unknown_config_are_400(client: TestClient) -> None:
    assert client.post("/match/default", json={"queries": {}}).status_code == 400
    response = client.post("/match/default", json=YENTE_DOC_REQUEST, params={"algorithm": "magic"})
    assert response.status_code == 400
    assert "unknown algorithm" in response.json()["detail"]
    response = client.post("/match/default", json={**YENTE_DOC_REQUEST, "config": {"warp_factor": 9}})
    assert response.status_code == 400
    assert "invalid configuration parameter 'warp_factor'" in response.json()["detail"]
    response = client.post(
        "/match/default", json={**YENTE_DOC_REQUEST, "config": {"nm_number_mismatch": "x"}}
    )
    assert response.status_code == 400
    too_many = {"queries": {f"q{i}": YENTE_DOC_REQUEST["queries"]["entity1"] for i in range(101)}}
    assert client.post("/match/default", json=too_many).status_code == 400


@pytest.mark.parametrize("algorithm", ["accomplice-v1", "best", "logic-v1", "logic-v2", "name-based"])
def test_yente_algorithm_names_are_answered_by_accomplices_matcher(
    client: TestClient, algorithm: str
) -> None:
    response = client.post("/match/default", json=YENTE_DOC_REQUEST, params={"algorithm": algorithm})
    body = response.json()
    assert body["algorithm"] == "accomplice-v1"
    assert body["requested_algorithm"] == algorithm
    assert response.headers["x-matcher"] == "accomplice-v1"
    assert body["responses"]["entity1"]["results"][0]["id"] == KIM_JONG_UN


def test_dataset_path_scopes_results_to_one_list(client: TestClient) -> None:
    for dataset, prefix in (("un", "un:"), ("uk", "uk:"), ("eu_prk", "eu:"), ("ofac", "ofac:")):
        bank = _match(client, YENTE_DOC_REQUEST, dataset)["responses"]["entity2"]["results"][0]
        assert bank["id"].startswith(prefix), dataset
        assert bank["datasets"] == [dataset]
        assert bank["caption"].upper() == "KOREA DAESONG BANK"
    # Kim Jong Un is on OFAC's list only: the UN list has nothing to say about him.
    assert _match(client, YENTE_DOC_REQUEST, "un")["responses"]["entity1"]["results"] == []


def test_include_and_exclude_dataset_filter_results(client: TestClient) -> None:
    body = _match(client, YENTE_DOC_REQUEST, include_dataset=["uk", "un"])
    bank = body["responses"]["entity2"]["results"][0]
    assert bank["id"] == "un:KPe.035"
    assert bank["datasets"] == ["uk", "un"]
    body = _match(client, YENTE_DOC_REQUEST, exclude_dataset=["un"])
    bank = body["responses"]["entity2"]["results"][0]
    assert bank["id"] == "ofac:12312"
    assert "un" not in bank["datasets"]
    assert body["responses"]["entity1"]["results"][0]["id"] == KIM_JONG_UN


def test_unknown_dataset_is_404(client: TestClient) -> None:
    response = client.post("/match/nope", json=YENTE_DOC_REQUEST)
    assert response.status_code == 404
    assert response.json() == {"detail": "no dataset named 'nope'; see /catalog"}


def test_cutoff_returns_weaker_results_marked_as_no_match(client: TestClient) -> None:
    query = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Kim Jong Il"]}}}}
    strict = _match(client, query)["responses"]["q"]
    loose = _match(client, query, cutoff=0.3, threshold=0.9, limit=20)["responses"]["q"]
    assert len(loose["results"]) > len(strict["results"])
    assert all(r["score"] >= 0.3 for r in loose["results"])
    assert loose["total"]["value"] == sum(r["score"] >= 0.9 for r in loose["results"])
    assert any(not r["match"] for r in loose["results"])
    scores = [r["score"] for r in loose["results"]]
    assert scores == sorted(scores, reverse=True)


def test_exclude_entity_ids_drops_the_whole_cluster(client: TestClient) -> None:
    body = _match(client, YENTE_DOC_REQUEST, exclude_entity_ids=["uk:11286"])
    assert all(not DAESONG_BANK_KEYS & _ids(r) for r in body["responses"]["entity2"]["results"])


def test_exclude_schema_and_topics_filter(client: TestClient) -> None:
    body = _match(client, YENTE_DOC_REQUEST, exclude_schema=["Person"], topics=["sanction"])
    assert body["responses"]["entity1"]["results"] == []
    assert body["responses"]["entity2"]["results"]
    assert _match(client, YENTE_DOC_REQUEST, topics=["role.pep"])["responses"]["entity2"]["results"] == []


# -- /search, /entities, /catalog, /algorithms ----------------------------------------------------------


def test_search_finds_entities_in_yente_shape(client: TestClient) -> None:
    response = client.get("/search/default", params={"q": "daesong bank"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "facets", "total", "limit", "offset"}
    first = body["results"][0]
    assert set(first) == ENTITY_FIELDS
    assert _ids(first) >= DAESONG_BANK_KEYS
    assert body["total"]["value"] >= len(body["results"])
    assert {v["name"] for v in body["facets"]["datasets"]["values"]} >= {"un", "ofac"}
    assert {"name": "kp", "label": "North Korea", "count": 1} in body["facets"]["countries"]["values"] or any(
        v["name"] == "kp" for v in body["facets"]["countries"]["values"]
    )
    hangul = client.get("/search/ofac", params={"q": "김정은", "schema": "Person"}).json()
    assert hangul["results"][0]["id"] == KIM_JONG_UN
    assert client.get("/search/nope", params={"q": "x"}).status_code == 404
    assert client.get("/search/default", params={"q": "x", "schema": "Nothing"}).status_code == 400


def test_entity_json_inlines_relations_and_the_other_party(client: TestClient) -> None:
    # KOMID (ofac:9345) is linked to HWANG, Su Man by OFAC's remarks: yente nests the link, and the person.
    response = client.get("/entities/ofac:9345", headers={"Accept": "*/*"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "Accept" in response.headers["vary"].split(", ")
    entity = response.json()
    assert set(entity) == ENTITY_FIELDS | {"also_listed"}
    assert entity["caption"] == "KOREA MINING DEVELOPMENT TRADING CORPORATION"
    links = [v for values in entity["properties"].values() for v in values if isinstance(v, dict)]
    assert links
    assert all(link["schema"] == "UnknownLink" for link in links)
    parties = {
        party["id"]: party
        for link in links
        for values in link["properties"].values()
        for party in values
        if isinstance(party, dict)
    }
    assert parties["ofac:18552"]["caption"] == "HWANG, Su Man"
    assert parties["ofac:18552"]["properties"]["name"]
    # The entity itself is not repeated inside its own relations.
    assert all("ofac:9345" not in values for link in links for values in link["properties"].values())
    flat = client.get("/entities/ofac:9345", params={"nested": "false"}).json()
    assert all(isinstance(v, str) for values in flat["properties"].values() for v in values)


def test_entities_url_serves_html_to_browsers_and_json_to_api_clients(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client.get(f"/entities/{KIM_JONG_UN}", headers={"Accept": browser})
    assert page.headers["content-type"].startswith("text/html")
    assert "Accept" in page.headers["vary"].split(", ")
    assert "KIM, Jong Un" in page.text
    for accept in ("*/*", "application/json", "application/json, text/html;q=0.5", ""):
        response = client.get(f"/entities/{KIM_JONG_UN}", headers={"Accept": accept})
        assert response.headers["content-type"] == "application/json", accept
        assert response.json()["id"] == KIM_JONG_UN
    missing = client.get("/entities/ofac:0", headers={"Accept": "application/json"})
    assert missing.status_code == 404
    assert missing.json() == {"detail": "no entity with key 'ofac:0'"}
    assert (
        client.get("/entities/ofac:0", headers={"Accept": browser})
        .headers["content-type"]
        .startswith("text/html")
    )


def test_catalog_lists_each_list_and_default(client: TestClient) -> None:
    body = client.get("/catalog").json()
    datasets = {d["name"]: d for d in body["datasets"]}
    assert set(datasets) == {"default", "ofac", "un", "eu_prk", "uk"}
    assert sorted(datasets["default"]["children"]) == ["eu_prk", "ofac", "uk", "un"]
    assert datasets["un"]["version"].startswith("1:")
    assert datasets["ofac"]["entity_count"] > 1_000
    assert datasets["ofac"]["publisher"]["name"]
    assert "licence" not in datasets["ofac"]
    assert body["index_stale"] is False
    assert sorted(body["current"]) == sorted(datasets)


def test_algorithms_say_which_yente_names_map_to_accomplices_matcher(client: TestClient) -> None:
    body = client.get("/algorithms").json()
    assert body["default"] == body["best"] == "accomplice-v1"
    by_name = {a["name"]: a for a in body["algorithms"]}
    assert {"accomplice-v1", "best", "logic-v1", "logic-v2", "name-based"} <= set(by_name)
    assert "Alias of accomplice-v1" in by_name["logic-v2"]["description"]
    AlgorithmDocs.model_validate(by_name["accomplice-v1"]["docs"])
    assert by_name["accomplice-v1"]["features"]["hanja_reading_agrees"]["description"]


# -- OpenRefine reconciliation --------------------------------------------------------------------------


def test_reconcile_manifest_follows_the_reconciliation_api(client: TestClient) -> None:
    manifest = client.get("/reconcile").json()
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == "http://testserver/entities/"
    assert manifest["view"] == {"url": "http://testserver/entities/{{id}}"}
    assert manifest["preview"]["url"] == "http://testserver/reconcile/preview?id={{id}}"
    assert [t["id"] for t in manifest["defaultTypes"]] == ["Person", "Organization", "Company", "Vessel"]
    scoped = client.get("/reconcile", params={"dataset": "un"}).json()
    assert scoped["preview"]["url"].endswith("?id={{id}}&dataset=un")
    assert client.get("/reconcile", params={"dataset": "nope"}).status_code == 404


def test_reconcile_batch_scores_names_and_flags_matches(client: TestClient) -> None:
    queries = {
        "q0": {"query": "Kim Jong Un", "type": "Person", "properties": [{"pid": "birthDate", "v": "1984"}]},
        "q1": {"query": "김정은", "type": "Person", "limit": 1},
        "q2": {"query": "KOREA DAESONG BANK", "type": "Organization"},
        "q3": {"query": "Jane Nobody Smithfield", "type": "Person"},
    }
    response = client.post("/reconcile", data={"queries": json.dumps(queries, ensure_ascii=False)})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == set(queries)
    best = body["q0"]["result"][0]
    assert best == {
        "id": KIM_JONG_UN,
        "name": "KIM, Jong Un",
        "score": best["score"],
        "match": True,
        "type": [{"id": "Person", "name": "Person"}],
        "description": "ofac",
    }
    assert 80 <= best["score"] <= 100
    assert [r["id"] for r in body["q1"]["result"]] == [KIM_JONG_UN]
    assert body["q2"]["result"][0]["id"] == "un:KPe.035"
    assert all(not r["match"] for r in body["q3"]["result"])
    as_get = client.get("/reconcile", params={"queries": json.dumps({"q": queries["q1"]})}).json()
    assert as_get["q"]["result"][0]["id"] == KIM_JONG_UN
    assert client.post("/reconcile", data={"queries": "not json"}).status_code == 400


def test_reconcile_preview_is_a_small_framable_card(client: TestClient) -> None:
    response = client.get("/reconcile/preview", params={"id": KIM_JONG_UN})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert "<script" not in response.text
    assert "KIM, Jong Un" in response.text
    assert "1984-01-08" in response.text
    assert client.get("/reconcile/preview", params={"id": "ofac:0"}).status_code == 404


def test_reconcile_suggest_entity_by_prefix(client: TestClient) -> None:
    body = client.get("/reconcile/suggest/entity", params={"prefix": "Korea Daesong"}).json()
    assert body["result"][0]["name"].upper() == "KOREA DAESONG BANK"


def test_entity_json_lists_the_same_entity_on_other_lists_with_the_evidence(client: TestClient) -> None:
    entity = client.get("/entities/ofac:12312", headers={"Accept": "application/json"}).json()
    assert {entity["id"], *entity["referents"]} == DAESONG_BANK_KEYS | {DAESONG_BANK_EU}
    also = {twin["id"]: twin for twin in entity["also_listed"]}
    assert set(also) == set(entity["referents"])
    assert also["uk:11286"]["datasets"] == ["uk"]
    assert also["uk:11286"]["reasons"] == [
        "OFAC (this entry) and UK (uk:11286) give the same name “KOREA DAESONG BANK”"
    ]


def test_search_for_a_list_key_finds_that_entry_and_an_unknown_key_nothing(client: TestClient) -> None:
    found = client.get("/search/default", params={"q": "ofac:12312"}).json()
    assert found["results"][0]["id"] in DAESONG_BANK_KEYS
    assert {found["results"][0]["id"], *found["results"][0]["referents"]} == DAESONG_BANK_KEYS | {
        DAESONG_BANK_EU
    }
    assert found["total"]["value"] == 1
    missing = client.get("/search/default", params={"q": "ofac:99999999"}).json()
    assert missing["results"] == []
    assert missing["total"]["value"] == 0


def test_search_box_redirects_a_list_key_to_its_entry(anonymous: TestClient) -> None:
    response = anonymous.get("/", params={"q": " ofac:12312 "}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/entities/ofac:12312"
    missing = anonymous.get("/", params={"q": "ofac:99999999"}, follow_redirects=False)
    assert missing.status_code == 404
    assert "no entity with key &#39;ofac:99999999&#39; on the loaded lists" in missing.text
    assert 'class="score"' not in missing.text


def test_match_says_a_birth_date_that_is_not_a_date_was_left_out_and_still_screens(
    client: TestClient,
) -> None:
    query = {"schema": "Person", "properties": {"name": ["Kim Jong Un"], "birthDate": ["31/02/1984"]}}
    answer = _match(client, {"queries": {"q": query}})["responses"]["q"]
    assert answer["status"] == 200
    assert answer["warnings"] == [
        "birthDate '31/02/1984' is not a date (use YYYY-MM-DD, YYYY-MM or YYYY); screened without it"
    ]
    assert answer["results"]
    good = dict(query, properties={"name": ["Kim Jong Un"], "birthDate": ["1984-01-08"]})
    assert _match(client, {"queries": {"q": good}})["responses"]["q"]["warnings"] == []


def test_a_five_thousand_character_name_is_refused_with_a_sentence_naming_it(client: TestClient) -> None:
    query = {"schema": "Person", "properties": {"name": ["A" * 5_000]}}
    # The whole batch is refused, as yente refuses a query it cannot screen, naming the query.
    refused = client.post("/match/default", json={"queries": {"q": query}})
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "queries: query 'q': The name is 5,000 characters long; at most 500 are screened."
    )
    search = client.get("/search/default", params={"q": "A" * 5_000})
    assert search.status_code == 400
    assert search.json()["detail"] == "The name is 5,000 characters long; at most 500 are screened."
    lookup = client.get("/api/lookup", params={"q": "A" * 5_000})
    assert lookup.status_code == 422
    assert lookup.json()["detail"][0]["msg"] == "The name is 5,000 characters long; at most 500 are screened."


# -- yente's defaults, counts and options (issue 19) ----------------------------------------------------


KIM_QUERY = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Kim Jong Il"]}}}}


def test_default_threshold_is_yentes_070_and_flags_what_reaches_it(client: TestClient) -> None:
    body = _match(client, KIM_QUERY, limit=50)
    assert body["threshold"] == 0.7
    results = body["responses"]["q"]["results"]
    assert results
    assert all(r["score"] >= 0.7 and r["match"] for r in results)
    # A score yente flags and accomplice's alert threshold (0.80) would not: there is one for this name.
    assert any(0.7 <= r["score"] < 0.8 for r in results)


def test_total_counts_every_match_not_only_the_returned_page(client: TestClient) -> None:
    bank = {"queries": {"q": YENTE_DOC_REQUEST["queries"]["entity2"]}}
    every = _match(client, bank, limit=50)["responses"]["q"]
    assert every["total"]["value"] == len(every["results"]) > 1
    one = _match(client, bank, limit=1)["responses"]["q"]
    assert len(one["results"]) == 1
    assert one["total"] == every["total"]
    none = _match(client, bank, limit=0)["responses"]["q"]
    assert none["results"] == []
    assert none["total"] == every["total"]


def test_config_options_are_accepted_and_listed_as_ignored(client: TestClient) -> None:
    config = {"nm_number_mismatch": 0.4, "nm_name_property": "name"}
    plain = _match(client, YENTE_DOC_REQUEST)
    body = _match(client, {**YENTE_DOC_REQUEST, "config": config}, algorithm="logic-v2")
    assert body["config_ignored"] == ["nm_name_property", "nm_number_mismatch"]
    assert body["responses"]["entity1"]["results"] == plain["responses"]["entity1"]["results"]


def test_algorithms_document_the_config_options(client: TestClient) -> None:
    body = client.get("/algorithms").json()
    docs = AlgorithmDocs.model_validate(
        next(a for a in body["algorithms"] if a["name"] == "logic-v2")["docs"]
    )
    assert docs.config["nm_number_mismatch"].default == 0.3
    assert "does not apply" in (docs.config["nm_number_mismatch"].description or "")


def test_match_reads_a_json_body_sent_without_content_type(client: TestClient) -> None:
    response = client.post(
        "/match/default", content=json.dumps(YENTE_DOC_REQUEST), headers={"Content-Type": ""}
    )
    assert response.status_code == 200, response.text[:300]
    assert response.json()["responses"]["entity1"]["results"][0]["id"] == KIM_JONG_UN


def test_query_is_echoed_normalised_as_yente_does(client: TestClient) -> None:
    query = {"schema": "Person", "properties": {"name": ["Kim Jong Un"], "nationality": ["North Korea"]}}
    echoed = _match(client, {"queries": {"q": query}})["responses"]["q"]["query"]
    assert echoed["properties"]["nationality"] == ["kp"]


def test_public_screening_setting_answers_match_without_a_token(
    screening_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCOMPLICE_PUBLIC_SCREENING", "true")
    with TestClient(create_app(screening_store)) as anonymous:
        body = _match(anonymous, YENTE_DOC_REQUEST)
        assert body["responses"]["entity1"]["results"][0]["id"] == KIM_JONG_UN
        # A token that may not screen is still refused: the setting opens anonymous use only.
        refused = anonymous.post(
            "/match/default", json=YENTE_DOC_REQUEST, headers={"Authorization": "Bearer not-a-token"}
        )
        assert refused.status_code == 401


def test_catalog_has_an_etag_and_answers_304_when_unchanged(client: TestClient) -> None:
    first = client.get("/catalog")
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    again = client.get("/catalog", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert client.get("/catalog", headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get("/manifest").json() == first.json()


def test_catalog_timestamps_are_seconds_without_a_zone(client: TestClient) -> None:
    for dataset in client.get("/catalog").json()["datasets"]:
        for field in ("updated_at", "last_change"):
            _iso(dataset[field])


def test_readyz_says_ok_as_yente_does(client: TestClient) -> None:
    assert client.get("/readyz").json()["status"] == "ok"


def test_entity_adjacent_lists_the_inlined_entities_by_property(client: TestClient) -> None:
    nested = client.get("/entities/ofac:9345", headers={"Accept": "application/json"}).json()
    body = client.get("/entities/ofac:9345/adjacent").json()
    assert body["entity"]["id"] == "ofac:9345"
    linked = {p for p, vs in nested["properties"].items() if any(isinstance(v, dict) for v in vs)}
    assert set(body["adjacent"]) == linked
    for prop, page in body["adjacent"].items():
        assert page["total"]["value"] >= len(page["results"]) > 0, prop
        assert prop not in body["entity"]["properties"]
    assert client.get("/entities/ofac:0/adjacent").status_code == 404


# -- OpenRefine: yente's paths, CORS, suggest, extension, the 1.0 draft -----------------------------------


def test_reconcile_dataset_path_serves_manifest_and_queries(client: TestClient) -> None:
    manifest = client.get("/reconcile/un").json()
    assert manifest["suggest"]["entity"] == {
        "service_url": "http://testserver/reconcile/un",
        "service_path": "/suggest/entity",
    }
    assert manifest["extend"]["propose_properties"]["service_path"] == "/extend/property"
    queries = json.dumps({"q": {"query": "KOREA DAESONG BANK", "type": "Organization"}})
    body = client.post("/reconcile/un", data={"queries": queries}).json()
    assert body["q"]["result"][0]["id"] == "un:KPe.035"
    assert client.get("/reconcile/nope").status_code == 404
    suggest = client.get("/reconcile/un/suggest/entity", params={"prefix": "Korea Daesong"}).json()
    assert suggest["result"][0]["id"] == "un:KPe.035"


def test_reconciliation_answers_cors_and_preflight_without_credentials(anonymous: TestClient) -> None:
    origin = {"Origin": "http://openrefine.example"}
    for url in ("/reconcile", "/reconcile/default", "/reconcile/suggest/type?prefix=Per", "/reconcile/nope"):
        response = anonymous.get(url, headers=origin)
        assert response.headers["access-control-allow-origin"] == "*", url
        assert "access-control-allow-credentials" not in response.headers
    preflight = anonymous.options(
        "/reconcile",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in preflight.headers


def test_reconcile_unknown_type_is_400(client: TestClient) -> None:
    queries = json.dumps({"q": {"query": "x", "type": "NoSuchType"}})
    response = client.post("/reconcile", data={"queries": queries})
    assert response.status_code == 400
    assert "unknown type 'NoSuchType'" in response.json()["detail"]
    assert client.get("/reconcile/extend/property", params={"type": "NoSuchType"}).status_code == 400


def test_type_and_property_suggest_and_the_cursor(client: TestClient) -> None:
    types = client.get("/reconcile/suggest/type", params={"prefix": "Pers"}).json()
    assert "Person" in {t["id"] for t in types["result"]}
    props = client.get("/reconcile/suggest/property", params={"prefix": "birth"}).json()
    assert "birthDate" in {p["id"] for p in props["result"]}
    first = client.get("/reconcile/suggest/entity", params={"prefix": "Kim"}).json()["result"]
    second = client.get("/reconcile/suggest/entity", params={"prefix": "Kim", "cursor": 5}).json()["result"]
    assert first[5]["id"] == second[0]["id"]
    assert first[0]["id"] != second[0]["id"]


def test_data_extension_proposes_and_returns_property_values(client: TestClient) -> None:
    proposed = client.get("/reconcile/extend/property", params={"type": "Person"}).json()
    assert proposed["type"] == "Person"
    assert "birthDate" in {p["id"] for p in proposed["properties"]}
    extend = json.dumps(
        {"ids": [KIM_JONG_UN, "ofac:0"], "properties": [{"id": "birthDate"}, {"id": "nationality"}]}
    )
    body = client.post("/reconcile", data={"extend": extend}).json()
    assert {m["id"] for m in body["meta"]} == {"birthDate", "nationality"}
    assert body["rows"][KIM_JONG_UN]["birthDate"] == [{"str": "1984-01-08"}]
    assert body["rows"]["ofac:0"] == {}


def test_reconciliation_1_0_draft_match_endpoint(client: TestClient) -> None:
    body = {
        "queries": [
            {"type": "Person", "conditions": [{"matchType": "name", "propertyValue": "Kim Jong Un"}]},
            {
                "type": "Vessel",
                "conditions": [
                    {"matchType": "property", "propertyId": "imoNumber", "propertyValue": "8604917"}
                ],
            },
        ]
    }
    response = client.post("/reconcile/match", json=body)
    assert response.status_code == 200, response.text[:300]
    results = response.json()["results"]
    assert len(results) == 2
    assert results[0]["candidates"][0]["id"] == KIM_JONG_UN
    assert any(c["id"] == "ofac:23736" for c in results[1]["candidates"])


def test_a_1_0_draft_query_without_conditions_is_refused_not_answered_empty(client: TestClient) -> None:
    response = client.post("/reconcile/match", json={"queries": [{"query": "Kim Jong Un", "type": "Person"}]})
    assert response.status_code == 400
    assert "conditions" in response.text
