"""yente's `/search`: the assertions of yente 5.5.0's tests/test_search.py, replayed on the real DPRK lists.

yente's tests search its `zala` fixture for Alexander Zakharov; here the same assertions search the OFAC,
UN, EU and UK lists for Kim Jong Un (ofac:20157, born 1984-01-08, North Korean) and browse them without a
query. docs/compatibility.md lists each of yente's assertions with how it is replayed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.store import Store

KIM_JONG_UN = "ofac:20157"
KIM = {"q": "kim jong un"}
OPERATOR = accounts.operator_principal("tester")


@pytest.fixture(scope="module")
def client(screening_store: Store) -> Iterator[TestClient]:
    existing = {u.name for u in accounts.list_users(screening_store, OPERATOR)}
    if "search-analyst" not in existing:
        accounts.add_user(screening_store, OPERATOR, name="search-analyst", roles=["analyst"], org="ngo")
    token = accounts.issue_token(screening_store, OPERATOR, user="search-analyst").secret
    with TestClient(create_app(screening_store), headers={"Authorization": f"ApiKey {token}"}) as test_client:
        yield test_client


def _search(client: TestClient, dataset: str = "default", **params: Any) -> Any:
    response = client.get(f"/search/{dataset}", params=params)
    assert response.status_code == 200, response.text[:300]
    return response.json()


def _total(client: TestClient, dataset: str = "default", **params: Any) -> int:
    value: int = _search(client, dataset, **params)["total"]["value"]
    return value


def _ids(entity: dict[str, Any]) -> set[str]:
    return {entity["id"], *entity["referents"]}


def test_a_name_finds_the_person_with_the_dates_yente_gives(client: TestClient) -> None:
    results = _search(client, **KIM)["results"]
    kim = results[0]
    assert KIM_JONG_UN in _ids(kim)
    assert kim["first_seen"] is not None
    assert kim["last_seen"] is not None
    assert "default" not in kim["datasets"]


def test_browsing_without_a_query_lists_every_entity_with_facets(client: TestClient) -> None:
    body = _search(client)
    assert len(body["results"]) > 9
    assert body["total"] == {"value": body["total"]["value"], "relation": "eq"}
    assert body["total"]["value"] > 1_000
    assert {"ofac", "un", "eu_prk", "uk"} <= {v["name"] for v in body["facets"]["datasets"]["values"]}
    assert "sanction" in {v["name"] for v in body["facets"]["topics"]["values"]}
    # Browsing one list counts that list only.
    ofac = _search(client, "ofac")
    assert {v["name"] for v in ofac["facets"]["datasets"]["values"]} == {"ofac"}
    assert ofac["total"]["value"] < body["total"]["value"]


def test_browsing_pages_through_the_same_order(client: TestClient) -> None:
    first = _search(client, limit=5)["results"]
    second = _search(client, limit=5, offset=5)["results"]
    both = _search(client, limit=10)["results"]
    assert [e["id"] for e in first + second] == [e["id"] for e in both]


def test_a_schema_narrows_and_an_unknown_one_is_refused(client: TestClient) -> None:
    assert client.get("/search/default", params={**KIM, "schema": "Banana"}).status_code == 400
    assert _search(client, **KIM, schema="Vessel")["results"] == []
    assert _search(client, **KIM, schema="Person")["results"]
    vessels = _search(client, schema="Vessel", limit=500)
    assert vessels["total"]["value"] > 10
    assert {e["schema"] for e in vessels["results"]} == {"Vessel"}


def test_excluding_a_schema_leaves_fewer_results(client: TestClient) -> None:
    total = _total(client, q="korea")
    assert total > 5
    assert _total(client, q="korea", exclude_schema="Organization") < total


def test_dataset_scope_include_exclude_and_both(client: TestClient) -> None:
    assert _total(client, "ofac", **KIM) > 0
    assert _total(client, "ofac", **KIM, exclude_dataset="ofac") == 0
    # A list outside the dataset's scope cannot be brought in by include_dataset.
    assert _total(client, "ofac", **KIM, include_dataset="un") == 0
    assert _total(client, "ofac", **KIM, include_dataset="ofac") > 0
    assert _total(client, "ofac", **KIM, include_dataset="ofac", exclude_dataset="ofac") == 0


def test_changed_since_a_future_time_finds_nothing(client: TestClient) -> None:
    assert _total(client, **KIM, changed_since="2099-01-01T00:00") == 0
    assert _total(client, **KIM, changed_since="2000-01-01") > 0
    assert client.get("/search/default", params={**KIM, "changed_since": "yesterday"}).status_code == 422


def test_countries_filter_and_its_operator(client: TestClient) -> None:
    assert _search(client, **KIM, countries="kp")["results"]
    assert _search(client, **KIM, countries="ke")["results"] == []
    either = {"q": "kim jong un", "countries": ["ke", "kp"]}
    assert _search(client, **either)["results"]
    assert _search(client, **either, filter_op="AND")["results"] == []


def test_a_property_filter_matches_whole_values_and_a_malformed_one_is_refused(client: TestClient) -> None:
    assert _search(client, **KIM, filter="properties.birthDate:1972-01-26")["results"] == []
    born = _search(client, **KIM, filter="properties.birthDate:1984-01-08")["results"]
    assert KIM_JONG_UN in _ids(born[0])
    assert _search(client, **KIM, filter="properties.notAProperty:x")["results"] == []
    assert client.get("/search/default", params={**KIM, "filter": "nocolon"}).status_code == 400


def test_facets_are_counted_over_the_whole_result_not_the_page(client: TestClient) -> None:
    body = _search(client, q="korea", limit=1)
    assert len(body["results"]) == 1
    counted = sum(v["count"] for v in body["facets"]["datasets"]["values"])
    assert counted >= body["total"]["value"] > 1
    countries = _search(client, **KIM, countries="kp")["facets"]["countries"]
    names = {v["name"] for v in countries["values"]}
    assert "kp" in names
    assert "ke" not in names


def test_topics_filter_and_facet(client: TestClient) -> None:
    assert _total(client, topics="sanction") > 0
    assert _total(client, topics="no-such-topic") == 0


def test_the_facets_parameter_picks_the_facets(client: TestClient) -> None:
    facets = _search(client)["facets"]
    assert set(facets) == {"countries", "topics", "datasets"}
    chosen = _search(client, facets=["schema", "topics"])["facets"]
    assert set(chosen) == {"schema", "topics"}
    assert "Vessel" in {v["name"] for v in chosen["schema"]["values"]}
    assert client.get("/search/default", params={"facets": "banana"}).status_code == 422


def test_browsing_sorted_by_first_seen_descending(client: TestClient) -> None:
    seen = [e["first_seen"] for e in _search(client, sort="first_seen:desc", limit=100)["results"]]
    assert all(s is not None for s in seen)
    assert seen == sorted(seen, reverse=True)
    assert seen[0] > _search(client, sort="first_seen:asc")["results"][0]["first_seen"]


def test_a_sort_orders_the_browsed_entities(client: TestClient) -> None:
    captions = [
        e["caption"] for e in _search(client, schema="Vessel", sort="caption:desc", limit=50)["results"]
    ]
    assert captions == sorted(captions, reverse=True)


def test_the_result_window_is_yentes(client: TestClient) -> None:
    assert client.get("/search/default", params={"offset": 9_499}).status_code == 200
    assert client.get("/search/default", params={"offset": 9_500}).status_code == 422
    assert client.get("/search/default", params={"limit": 501}).status_code == 422
    deep = _search(client, offset=9_499, limit=500)
    assert deep["limit"] == 500
    assert deep["offset"] == 9_499
    assert len(deep["results"]) == min(500, deep["total"]["value"] - 9_499)


def test_limit_zero_counts_without_results_and_a_far_offset_is_empty(client: TestClient) -> None:
    counted = _search(client, **KIM, limit=0)
    assert counted["results"] == []
    assert counted["total"]["value"] > 0
    far = _search(client, **KIM, offset=100)
    assert far["results"] == []
    assert far["offset"] == 100


def test_target_true_keeps_the_listed_and_false_finds_none_of_them(client: TestClient) -> None:
    assert _search(client, schema="LegalEntity", target="true")["results"]
    assert _search(client, schema="LegalEntity", target="false")["results"] == []


def test_yentes_query_switches_are_accepted(client: TestClient) -> None:
    assert _search(client, **KIM, fuzzy="true", simple="true")["results"]
    assert client.get("/search/banana").status_code == 404
