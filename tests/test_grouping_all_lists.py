"""One entity, one result: OFAC's, the UN's, the EU's and the UK's entries of one entity are one group,
on a store with every shared list, each link explained (matching.resolve, services.list_twins)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from accomplice import services
from accomplice.cli.app import app, state
from accomplice.matching import indexed_entity
from accomplice.matching.resolve import cluster_links, link_reason
from accomplice.services import ScreeningIndex
from accomplice.services.list_twins import entity_twins
from accomplice.services.screening import ScreeningRecord, screen_record
from accomplice.store import Store

pytestmark = pytest.mark.xdist_group("all_lists")

KWANGSON_OFAC = "ofac:11581"  # KOREA KWANGSON BANKING CORP (OFAC cites no UN reference)
KWANGSON_UN = "un:KPe.025"  # KOREA KWANGSON BANKING CORPORATION (KKBC)


@pytest.fixture(scope="module")
def index(all_lists_store: Store) -> ScreeningIndex:
    return services.screening_index(all_lists_store)


def test_korea_kwangson_banking_is_one_result_naming_its_ofac_and_un_entries(index: ScreeningIndex) -> None:
    matches = screen_record(index, ScreeningRecord("q", "Korea Kwangson Banking"))
    kwangson = [m for m in matches if KWANGSON_OFAC in m.keys or KWANGSON_UN in m.keys]
    assert len(kwangson) == 1, [(m.key, m.keys, m.score) for m in matches]
    assert {KWANGSON_OFAC, KWANGSON_UN} <= set(kwangson[0].keys)


def test_the_entity_page_explains_why_ofac_and_the_un_entry_are_one(all_lists_store: Store) -> None:
    detail = services.entity_detail(all_lists_store, KWANGSON_OFAC)
    twins = {twin.entity.key: twin for twin in entity_twins(all_lists_store, detail)}
    assert KWANGSON_UN in twins
    reasons = [link_reason(link, about=KWANGSON_OFAC) for link in twins[KWANGSON_UN].links]
    assert any("KOREA KWANGSON BANKING CORP" in r and "legal forms" in r for r in reasons), reasons


def test_people_of_one_name_join_only_with_one_date_of_birth() -> None:
    ofac = indexed_entity(
        "ofac:1", "Person", "KIM, Yong Chol", {"name": ["KIM, Yong Chol"], "birthDate": ["1946"]}
    )
    eu = indexed_entity(
        "eu_prk:1", "Person", "KIM Yong Chol", {"name": ["Yong Chol KIM"], "birthDate": ["1946"]}
    )
    other = indexed_entity(
        "uk:1", "Person", "KIM Yong Chol", {"name": ["KIM Yong Chol"], "birthDate": ["1962"]}
    )
    pairs = {(link.a, link.b) for link in cluster_links([ofac, eu, other])}
    assert ("ofac:1", "eu_prk:1") in pairs
    assert not {p for p in pairs if "uk:1" in p}


def test_firms_of_one_brand_in_different_businesses_stay_apart() -> None:
    bank = indexed_entity("ofac:1", "Organization", "KOREA DAESONG BANK", {"name": ["KOREA DAESONG BANK"]})
    trading = indexed_entity(
        "un:KPe.042",
        "Organization",
        "KOREA DAESONG GENERAL TRADING",
        {"name": ["KOREA DAESONG GENERAL TRADING"]},
    )
    assert not cluster_links([bank, trading])


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


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--name", "조선광선은행"), {KWANGSON_OFAC, KWANGSON_UN}),
        (("--name", "정찰총국", "--schema", "Organization"), {"un:KPe.031"}),
    ],
)
def test_readme_translated_names_find_the_listed_institution(
    all_lists_store: Store, index: ScreeningIndex, args: tuple[str, ...], expected: set[str]
) -> None:
    output = _cli(all_lists_store, "screen", *args)
    cluster = {k for key in expected if (e := index.screener.index.get(key)) for k in e.keys}
    assert any(key in output for key in cluster), output
