"""The README's tour, the home page's examples and the exposure examples on a store with EVERY shared list.

The other screening tests load the DPRK lists of four publishers; users run `accomplice load all`. With the
EU Russia/Ukraine regulations loaded, the home page's own example 丹东鸿祥实业发展有限公司 vanished from
every broad search (Kind "any", LegalEntity) and from exposure party resolution (issue 10): a hundred
Chinese firms' 有限公司 outweighed its brand among the candidates. These tests screen on that full store.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from accomplice import services
from accomplice.api import create_app
from accomplice.cli.app import app, state
from accomplice.matching.scorer import DEFAULT_THRESHOLD, schema_kind, schemas_compatible
from accomplice.services import ScreeningIndex, exposure
from accomplice.services import auth as accounts
from accomplice.store import Store
from accomplice.web.routes import SCHEMA_CHOICES
from tests.helpers import copy_of_store

# One xdist worker runs this module (`make test` distributes by group), so the store is built once.
pytestmark = pytest.mark.xdist_group("all_lists")

DATA = Path(__file__).parent / "exposure_data"
KIM_JONG_UN = "ofac:20157"
HONGXIANG = "ofac:20564"  # DANDONG HONGXIANG INDUSTRIAL DEVELOPMENT CO LTD
HONGXIANG_CHINESE = "丹东鸿祥实业发展有限公司"
# The README tour's spellings of one person (`accomplice screen --name 김정은  # also ...`).
KIM_SPELLINGS = ("김정은", "金正恩", "Ким Чен Ын", "Gim Jeong-eun", "KIM Jong Un")
# The examples under the home page's search box, the listed entity each names, and its listed schema.
HOME_EXAMPLES = (
    *((name, KIM_JONG_UN, "Person") for name in KIM_SPELLINGS),
    (HONGXIANG_CHINESE, HONGXIANG, "Organization"),
    ("ООО «Гудзон»", "ofac:24451", "Organization"),
    ("지성 6호", "ofac:23738", "Vessel"),
)
# Every schema a query may carry, and "any" (None).
QUERY_SCHEMAS = (None, *services.TARGET_SCHEMAS)
# Other DPRK-trading firms of Dandong that OFAC lists in Latin letters only, under their Chinese names:
# each shares 有限公司 and a trade word with the EU lists' Chinese firms, as 丹东鸿祥 does.
DANDONG_FIRMS = (
    ("丹东至诚金属材料有限公司", "ofac:22603"),  # DANDONG ZHICHENG METALLIC MATERIAL CO., LTD.
    ("丹东东源实业有限公司", "ofac:23171"),  # DANDONG DONGYUAN INDUSTRIAL CO., LTD.
    ("丹东鸿达贸易有限公司", "ofac:23177"),  # DANDONG HONGDA TRADE CO. LTD.
    ("丹东金祥贸易有限公司", "ofac:23476"),  # DANDONG JINXIANG TRADE CO., LTD.
)
# The shipments that README's and docs/exposure-data.md's example files flag once every file is imported.
FLAGGED = {"ENT-2018-0412", "ENT-2019-1107", "ENT-2017-0233", "ENT-2016-0091"}
EXPOSURE_FILES = (
    ("relations", "relations.csv"),
    ("ownership", "ownership.csv"),
    ("facilities", "facilities.csv"),
    ("evidence", "evidence.jsonl"),
)


@pytest.fixture(scope="module")
def index(all_lists_store: Store) -> ScreeningIndex:
    return services.screening_index(all_lists_store)


def _cluster(index: ScreeningIndex, key: str) -> set[str]:
    """Every list key of the real-world entity `key` (screening answers with one member of it)."""
    entity = index.screener.index.get(key)
    assert entity is not None, f"{key} is not among the indexed entities"
    return set(entity.keys)


def _found(matches: list[services.Match], keys: set[str]) -> services.Match | None:
    return next((m for m in matches if set(m.keys) & keys), None)


def _expected(query_schema: str | None, listed_schema: str) -> bool:
    """Whether a query of this schema should find an entity listed with that one."""
    return schemas_compatible(query_schema, listed_schema)


# -- the README's tour, through the CLI ------------------------------------------------------------------


def _cli(store: Store, *args: str) -> str:
    state.store = None
    try:
        result = CliRunner().invoke(app, ["--db", str(store.url), *args])
    finally:
        if state.store is not None:
            state.store.close()
        state.store = None
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_readme_tour_screens_every_spelling_of_kim_jong_un_to_him(
    all_lists_store: Store, index: ScreeningIndex
) -> None:
    for name in KIM_SPELLINGS:
        output = _cli(all_lists_store, "screen", "--name", name)
        assert any(key in output for key in _cluster(index, KIM_JONG_UN)), (name, output)


@pytest.mark.parametrize("schema", [(), ("--schema", "Organization"), ("--schema", "LegalEntity")])
def test_readme_tour_screens_dandong_hongxiang_by_its_chinese_name(
    all_lists_store: Store, index: ScreeningIndex, schema: tuple[str, ...]
) -> None:
    output = _cli(all_lists_store, "screen", "--name", HONGXIANG_CHINESE, *schema)
    assert any(key in output for key in _cluster(index, HONGXIANG)), output


def test_readme_tour_entity_lookups(all_lists_store: Store) -> None:
    assert "KOREA DAESONG BANK" in _cli(all_lists_store, "entity", "ofac:12312")
    entity = json.loads(_cli(all_lists_store, "entity", "un:KPi.066", "--json"))
    assert entity["key"] == "un:KPi.066"


# -- the home page's examples: the search box with every Kind, /match and /search ---------------------


@pytest.fixture(scope="module")
def client(all_lists_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(all_lists_store), headers={"Accept": "text/html"}) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def api_key(all_lists_store: Store) -> str:
    operator = accounts.operator_principal("tester")
    if "all-lists-analyst" not in {u.name for u in accounts.list_users(all_lists_store, operator)}:
        accounts.add_user(all_lists_store, operator, name="all-lists-analyst", roles=["analyst"], org="ngo")
    return accounts.issue_token(all_lists_store, operator, user="all-lists-analyst").secret


def _linked_keys(page: str) -> set[str]:
    return set(re.findall(r'href="/entities/([^"]+)"', html.unescape(page)))


def test_home_page_examples_are_found_in_the_search_box_with_every_kind(
    client: TestClient, index: ScreeningIndex
) -> None:
    home = client.get("/").text
    wrong = []
    for name, key, listed in HOME_EXAMPLES:
        assert name in home  # the example is the page's own
        for kind in SCHEMA_CHOICES:
            response = client.get("/", params={"q": name, "schema": kind})
            assert response.status_code == 200
            found = bool(_linked_keys(response.text) & _cluster(index, key))
            if found != _expected(kind or None, listed):
                wrong.append((name, kind or "any", "found" if found else "not found"))
    assert wrong == []


@pytest.mark.parametrize("schema", ["LegalEntity", "Organization"])
def test_match_api_finds_the_home_page_firm_by_its_chinese_name(
    client: TestClient, api_key: str, index: ScreeningIndex, schema: str
) -> None:
    body = {"queries": {"q": {"schema": schema, "properties": {"name": [HONGXIANG_CHINESE]}}}}
    response = client.post("/match/default", json=body, headers={"Authorization": f"ApiKey {api_key}"})
    assert response.status_code == 200, response.text[:300]
    results = response.json()["responses"]["q"]["results"]
    hits = [r for r in results if {r["id"], *r["referents"]} & _cluster(index, HONGXIANG)]
    assert hits, [r["id"] for r in results]
    assert hits[0]["match"] is True


def test_search_api_finds_the_home_page_examples(client: TestClient, index: ScreeningIndex) -> None:
    for name, key, _ in HOME_EXAMPLES:
        response = client.get("/search/default", params={"q": name})
        assert response.status_code == 200, response.text[:300]
        ids = {i for r in response.json()["results"] for i in (r["id"], *r["referents"])}
        assert ids & _cluster(index, key), name


# -- every schema, and other firms crowded out the same way ---------------------------------------------


def test_dandong_hongxiang_is_found_under_every_compatible_schema(index: ScreeningIndex) -> None:
    outcome = {}
    for schema in QUERY_SCHEMAS:
        matches = services.screen_name(index, HONGXIANG_CHINESE, schema=schema)
        found = _found(matches, _cluster(index, HONGXIANG))
        outcome[schema or "any"] = found is not None and found.score >= DEFAULT_THRESHOLD
    assert outcome == {(s or "any"): _expected(s, "Organization") for s in QUERY_SCHEMAS}


@pytest.mark.parametrize(("name", "key"), DANDONG_FIRMS)
@pytest.mark.parametrize("schema", [None, "LegalEntity", "Organization", "Company"])
def test_dandong_firms_named_in_chinese_are_not_crowded_out_by_other_chinese_firms(
    index: ScreeningIndex, name: str, key: str, schema: str | None
) -> None:
    found = _found(services.screen_name(index, name, schema=schema), _cluster(index, key))
    assert found is not None
    assert found.score >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(("name", "key", "listed"), HOME_EXAMPLES)
def test_home_page_examples_are_found_under_every_compatible_schema(
    index: ScreeningIndex, name: str, key: str, listed: str
) -> None:
    for schema in QUERY_SCHEMAS:
        found = _found(services.screen_name(index, name, schema=schema), _cluster(index, key))
        assert (found is not None) == _expected(schema, listed), (schema, found)
        if found is not None and schema_kind(schema) != "any":
            assert found.score >= DEFAULT_THRESHOLD


# -- a lone common surname ----------------------------------------------------------------------------


@pytest.mark.parametrize("surname", ["kim", "KIM", "Lee", "Park", "Wang", "Li", "Zhang", "Ivanov", "김"])
@pytest.mark.parametrize("schema", [None, "Person", "LegalEntity"])
def test_lone_common_surname_raises_no_alert(index: ScreeningIndex, surname: str, schema: str | None) -> None:
    matches = services.screen_name(index, surname, schema=schema)
    assert [(m.key, m.caption, m.score) for m in matches if m.schema == "Person"] == []


@pytest.mark.parametrize(
    ("name", "key", "schema"),
    [
        ("KIMSUKY", "ofac:45430", None),  # a hacking group listed under one word
        ("Kimsuky", "ofac:45430", "Organization"),
        ("ROSNEFT", "eu:32014R0833:VI:rosneft", None),
        ("JI SONG 6", "ofac:23738", "Vessel"),
    ],
)
def test_one_word_and_short_names_of_firms_and_ships_still_match(
    index: ScreeningIndex, name: str, key: str, schema: str | None
) -> None:
    found = _found(services.screen_name(index, name, schema=schema), _cluster(index, key))
    assert found is not None
    assert found.score >= DEFAULT_THRESHOLD


# -- the exposure examples --------------------------------------------------------------------------


@pytest.fixture
def exposure_store(all_lists_store: Store, tmp_path: Path) -> Iterator[Store]:
    store = copy_of_store(all_lists_store, tmp_path / "exposure.db")
    yield store
    store.close()


def test_ownership_example_resolves_dandong_hongxiang_to_its_ofac_listing(
    exposure_store: Store, index: ScreeningIndex
) -> None:
    result = exposure.import_file(exposure_store, "ownership", DATA / "ownership.csv", user="a", index=index)
    resolved = {p.name: p.entity_key for p in result.parties}
    assert resolved[HONGXIANG_CHINESE] in _cluster(index, HONGXIANG)


def test_trace_example_flags_the_shipments_the_docs_say_it_flags(
    exposure_store: Store, index: ScreeningIndex
) -> None:
    for kind, name in EXPOSURE_FILES:
        exposure.import_file(exposure_store, kind, DATA / name, user="analyst1", index=index)
    out = io.StringIO()
    exposure.trace_file(exposure_store, DATA / "shipments.csv", out, user="analyst1", index=index)
    traces = {str(t["shipment"]): t for t in map(json.loads, out.getvalue().splitlines())}
    assert {sid for sid, t in traces.items() if t["flagged"]} == FLAGGED
    assert traces["ENT-2016-0091"]["reasons"] == ["dprk_listed"]
    assert "blocked_by_ownership" in traces["ENT-2017-0233"]["reasons"]
