"""Translated names on a store with every shared list (the README's examples), and the grouping that
joins entries by their own names written alike (matching.resolve.similar_name_links)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from accomplice import services
from accomplice.cli.app import app, state
from accomplice.matching import indexed_entity
from accomplice.matching.resolve import link_reason, similar_name_links
from accomplice.services import ScreeningIndex
from accomplice.store import Store

pytestmark = pytest.mark.xdist_group("all_lists")

KWANGSON_OFAC = "ofac:11581"  # KOREA KWANGSON BANKING CORP (OFAC cites no UN reference)
KWANGSON_UN = "un:KPe.025"  # KOREA KWANGSON BANKING CORPORATION (KKBC)


@pytest.fixture(scope="module")
def index(all_lists_store: Store) -> ScreeningIndex:
    return services.screening_index(all_lists_store)


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
    pairs = {(link.a, link.b) for link in similar_name_links([ofac, eu, other])}
    assert all("born 1946" in link_reason(link) for link in similar_name_links([ofac, eu]))
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
    assert not list(similar_name_links([bank, trading]))


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
