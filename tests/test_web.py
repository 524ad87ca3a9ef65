"""The server-rendered pages over a store holding two real OFAC versions and a hostile custom list."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from accomplice.api import create_app
from accomplice.store import Store, open_store
from accomplice.web.present import text_change
from tests.web_data import (
    CHINESE_NAME,
    HANGUL_NAME,
    HANJA_NAME,
    IMG_ALIAS,
    LONG_NAME,
    RTL_NAME,
    SCRIPT_NAME,
    SQL_NAME,
    TEMPLATE_NOTE,
)


@pytest.fixture(scope="module")
def store(web_store_url: str) -> Iterator[Store]:
    opened = open_store(web_store_url)
    yield opened
    opened.close()


# What a browser asks for: /entities/{key} serves the page to it, and JSON to clients that prefer JSON.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store), headers={"Accept": BROWSER_ACCEPT}) as test_client:
        yield test_client


def _page(client: TestClient, url: str, status: int = 200, **params: str) -> str:
    response = client.get(url, params=params or None)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response.text


def _text(page: str) -> str:
    """Visible text of a page, roughly: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_every_page_is_english_with_local_styles_and_no_script(client: TestClient) -> None:
    for url in (
        "/",
        "/?q=daesong",
        "/lists",
        "/lists/ofac",
        "/entities/ofac:12312",
        "/entities/nope",
        "/about/api",
    ):
        response = client.get(url)
        page = response.text
        assert page.startswith('<!doctype html>\n<html lang="en">'), url
        assert "<script" not in page, url
        # Every stylesheet, icon and image comes from this server; no CDN, no web font.
        for ref in re.findall(r'<(?:link|img|source)[^>]+(?:href|src)="([^"]+)"', page):
            assert ref.startswith("/static/"), (url, ref)
        assert "script-src" not in response.headers["content-security-policy"]  # default-src 'none' covers it


def test_home_has_a_labelled_search_box_explained_as_cross_script_screening(client: TestClient) -> None:
    page = _page(client, "/")
    assert '<label for="q">' in page
    assert re.search(r'<input id="q" name="q" type="search"[^>]*maxlength="500"', page)
    assert "Matches across scripts and romanizations" in page
    assert '<label for="birth_date">' in page
    assert 'href="/lists/ofac"' in page


def test_search_screens_korea_daesong_bank_with_score_link_and_explanation(client: TestClient) -> None:
    page = _page(client, "/", q="Korea Daesong Bank")
    assert 'href="/entities/ofac:12312"' in page
    text = _text(page)
    assert "1.00 KOREA DAESONG BANK Organization" in text
    assert "The names are written with the same letters" in text  # the feature's docstring, shown plainly


def test_search_in_hangul_finds_the_entity_listed_in_hangul(client: TestClient) -> None:
    page = _page(client, "/", q=HANGUL_NAME)
    assert 'href="/entities/hostile:cjk"' in page
    assert f"{HANGUL_NAME} = {HANGUL_NAME}" in _text(page)


def test_search_result_found_by_alias_names_the_alias(client: TestClient) -> None:
    text = _text(_page(client, "/", q="TAESONG BANK"))
    assert "KOREA DAESONG BANK" in text
    assert "TAESONG BANK = TAESONG BANK" in text


def test_search_across_romanizations_explains_the_reading(client: TestClient) -> None:
    text = _text(_page(client, "/", q="Korea Taesong Bank"))
    assert "KOREA DAESONG BANK" in text


def test_search_without_match_says_so(client: TestClient) -> None:
    assert "No match for" in _text(_page(client, "/", q="zzzz-no-such-name"))


def test_entity_page_shows_swift_bic_with_provenance_and_country_name(client: TestClient) -> None:
    text = _text(_page(client, "/entities/ofac:12312"))
    assert "KOREA DAESONG BANK" in text
    assert re.search(r"SWIFT/BIC KDBKKPPY ofac 2023-12-28 → 2024-05-03", text)
    assert "North Korea kp" in text
    assert "Aliases TAESONG BANK" in text
    assert "DPRK" in text
    assert "Listed" in text


def test_entity_page_shows_alias_carried_from_the_alias_file(client: TestClient) -> None:
    text = _text(_page(client, "/entities/ofac:11581"))
    assert re.search(r"KKBC ofac 2023-12-28", text)


def test_entity_page_links_related_entities(client: TestClient) -> None:
    page = _page(client, "/entities/ofac:9345")
    assert 'href="/entities/ofac:18552"' in page
    assert "HWANG, Su Man" in page
    # The list under the graph (the drawing repeats the names, so it is left out of the text here).
    text = _text(re.sub(r"<figure.*?</figure>", "", _page(client, "/entities/ofac:18552"), flags=re.S))
    assert "Relations Linked to 1 KOREA MINING DEVELOPMENT TRADING CORPORATION ofac:9345" in text


def test_unknown_entity_is_an_html_404_with_a_search_box(client: TestClient) -> None:
    page = _page(client, "/entities/ofac:0", 404)
    assert "no entity with key" in page
    assert '<form role="search"' in page


def test_api_reference_page_lists_every_endpoint_from_the_openapi_schema(client: TestClient) -> None:
    text = _text(_page(client, "/about/api"))
    paths = client.get("/openapi.json").json()["paths"]
    for path, methods in paths.items():
        for method in methods:
            assert f"{method.upper()} {path}" in text, (method, path)
    assert "GET /api/audit token" in text  # endpoints that need a token say so
    assert "try /api/entities/ofac:12312" in text


def test_unknown_page_is_an_html_404(client: TestClient) -> None:
    assert "Page not found" in _page(client, "/no/such/page", 404)


def test_lists_page_shows_each_list_with_counts_and_a_chart(client: TestClient, store: Store) -> None:
    page = _page(client, "/lists")
    text = _text(page)
    assert "OFAC Specially Designated Nationals" in text
    assert "US Department of the Treasury" in text
    assert "2024-05-03" in text
    svg = re.search(
        r'<svg class="chart"[^>]*role="img" aria-label="(Entities per version of ofac[^"]+)"', page
    )
    assert svg is not None
    latest = store.versions("ofac")[-1]
    things = sum(n for k, n in latest.counts.items() if k.startswith("schema:") and k != "schema:UnknownLink")
    assert f"{things:,}" in text
    assert f"2024-05-03: {things:,}" in html.unescape(svg.group(1))


def test_lists_and_list_pages_count_entities_and_links_apart(client: TestClient, store: Store) -> None:
    links = store.versions("ofac")[-1].counts["schema:UnknownLink"]
    row = re.search(
        r"<tr>\s*<th scope=\"row\" data-label=\"List\"><a href=\"/lists/ofac\">.*?</tr>",
        _page(client, "/lists"),
        re.S,
    )
    assert row is not None
    cells = re.findall(r'<td data-label="(Entities|Links)" class="num">([^<]*)</td>', row.group(0))
    assert cells == [("Entities", "14,965"), ("Links", f"{links:,}")]
    page = _page(client, "/lists/ofac")
    text = _text(page)
    assert "1,256 entities added" in text
    assert "436 links added" in text
    assert "1,692" not in text  # entities and links are never summed into one "added"
    assert 'id="added-links"' in page
    assert "1,256 + 436 links" in text  # the version table's Added column


def test_list_page_diffs_the_two_latest_versions_by_default(client: TestClient) -> None:
    page = _page(client, "/lists/ofac")
    assert re.search(r'<option value="1" selected>1 · 2023-12-28</option>', page)
    assert re.search(r'<option value="2" selected>2 · 2024-05-03</option>', page)
    assert '<label for="program">' in page
    text = _text(page)
    assert re.search(r"\d[\d,]* added", text)
    assert "Show all" in text  # the full diff is longer than one page


def test_list_page_filters_the_diff_by_program(client: TestClient) -> None:
    text = _text(_page(client, "/lists/ofac", old="1", new="2", program="DPRK"))
    assert "JON, Yun Gun" in text
    assert "6 entities added" in text
    assert "0 entities changed" in text  # the cut remarks of 2024-05-03 are continued, not "changed"
    assert "JW JEWEL" in text  # removed between the two versions


def test_list_page_names_changed_fields_by_their_label(client: TestClient) -> None:
    text = _text(_page(client, "/lists/ofac", old="1", new="2"))
    assert re.search(r"Changed \d+", text)
    assert "Notes" in text


def test_diff_page_says_which_files_the_newer_version_lacked_and_what_was_carried(client: TestClient) -> None:
    text = _text(_page(client, "/lists/ofac", old="1", new="2"))
    assert "came without its addresses, aliases, remarks files" in text
    assert (
        "sdn_comments.csv absent: carried from the previous version the continuations of 17 of the 18" in text
    )


def test_list_page_with_unknown_version_explains_instead_of_failing(client: TestClient) -> None:
    page = _page(client, "/lists/ofac", old="1999-01-01")
    assert "has no version" in page


def test_hostile_names_are_escaped_in_html(client: TestClient) -> None:
    page = _page(client, "/entities/hostile:script")
    assert SCRIPT_NAME not in page
    assert escape(SCRIPT_NAME) in page
    assert IMG_ALIAS not in page
    assert escape(IMG_ALIAS) in page
    assert "<img" not in page
    assert escape(TEMPLATE_NOTE) in page  # shown as written, never evaluated
    assert "49" not in _text(page)
    sql_page = _page(client, "/entities/hostile:sql")
    assert escape(SQL_NAME) in sql_page


def test_search_results_and_query_echo_are_escaped(client: TestClient) -> None:
    page = _page(client, "/", q=SCRIPT_NAME)
    assert SCRIPT_NAME not in page
    assert 'href="/entities/hostile:script"' in page
    assert f'value="{escape(SCRIPT_NAME)}"' in page


def test_direction_override_is_isolated_and_flagged(client: TestClient) -> None:
    page = _page(client, "/entities/hostile:rtl")
    assert f"<bdi>{RTL_NAME}</bdi>" in page
    assert "contains direction controls U+202C, U+202E" in page


def test_ten_thousand_character_name_is_shortened_in_headings_and_whole_in_the_field(
    client: TestClient,
) -> None:
    page = _page(client, "/entities/hostile:long")
    assert LONG_NAME in page
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None
    assert len(title.group(1)) < 120
    assert "10,000 characters" in page


def test_too_long_or_nul_queries_get_a_page_not_an_error(client: TestClient, store: Store) -> None:
    before = store.count_current_entities()
    page = _page(client, "/", 422, q="A" * 10_000)
    assert "The name is 10,000 characters long; at most 500 are screened." in page
    assert "A" * 1_000 not in page
    assert "KOREA DAESONG BANK" in _page(client, "/", q="KOREA DAESONG BANK\x00")
    _page(client, "/entities/%00", 404)
    _page(client, "/lists/%00", 404)
    _page(client, "/lists/ofac", old="\x00", new="\u202e")
    assert store.count_current_entities() == before


def test_original_script_names_are_prominent_and_tagged_with_their_language(client: TestClient) -> None:
    page = _page(client, "/entities/hostile:cjk")
    featured = page.split('class="scripts"', 1)[1].split("</section>", 1)[0]
    assert f'<bdi lang="ko">{HANGUL_NAME}</bdi>' in featured
    # Han characters in a North Korean entry are Hanja: Korean, not Chinese.
    assert f'<bdi lang="ko">{HANJA_NAME}</bdi>' in featured
    chinese = _page(client, "/entities/hostile:cn")
    assert f'<bdi lang="zh">{CHINESE_NAME}</bdi>' in chinese


def test_static_stylesheet_is_cacheable_and_picks_noto_cjk(client: TestClient) -> None:
    page = _page(client, "/")
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert href is not None
    assert "?v=" in href.group(1)
    response = client.get(href.group(1))
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    css = response.text
    assert '"Noto Sans CJK KR"' in css
    assert '"Noto Sans CJK SC"' in css
    assert "@import" not in css
    assert "url(http" not in css


def test_pages_are_small(client: TestClient) -> None:
    # A slow link (a 2G phone, ~30 kB/s) should get each page in about a second.
    for url in ("/", "/lists", "/entities/ofac:12312", "/lists/ofac?program=DPRK"):
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        wire = int(response.headers.get("content-length", len(response.content)))
        assert wire < 30_000, (url, wire)


def test_long_text_change_shows_the_changed_words_in_context() -> None:
    old = "DOB 1970; nationality Korea, North; Passport 123; Linked To: KOREA KWANGSON BANKING CORP."
    new = "DOB 1970; nationality Korea, North; Passport 456; Linked To: KOREA KWANGSON BANKING CORP."
    segments = [(s.kind, s.text) for s in text_change(old, new)]
    assert ("removed", "123;") in segments
    assert ("added", "456;") in segments
    assert segments[0] == ("same", "DOB 1970; nationality Korea, North; Passport")


# -- the entity page: relations graph, list history, names by script --------------------------------------


def _graph(page: str) -> str:
    return page.split('<figure class="graph">', 1)[1].split("</figure>", 1)[0]


def test_entity_relations_are_drawn_as_an_svg_graph_whose_boxes_link_to_each_related_entry(
    client: TestClient,
) -> None:
    # Ocean Maritime Management (OFAC 17068): nine ships linked to it in the 2023-12-28 SDN list.
    page = _page(client, "/entities/ofac:17068")
    graph = _graph(page)
    assert "<script" not in page
    svg = graph.split("</svg>", 1)[0]
    drawn = re.findall(r'<a href="(/entities/[^"]+)" class="node', svg)
    relations = page.split('<dl class="facts relations">', 1)[1].split("</dl>", 1)[0]
    listed = re.findall(r'<a href="(/entities/[^"]+)"', relations)
    assert len(drawn) == 9
    assert drawn == list(dict.fromkeys(listed))
    assert "/entities/ofac:17068" not in drawn
    # The centre is the entity, every edge says what the relation is from this entity's side.
    assert (
        '<g class="node centre s-Organization"><title>OCEAN MARITIME MANAGEMENT COMPANY LIMITED</title>'
        in svg
    )
    assert svg.count('<line class="edge"') == 9
    assert svg.count(">Linked from</text>") == 9
    assert "GRAND KARO" in svg
    assert "more are listed below" not in graph


def test_a_hub_entity_draws_ten_neighbours_and_counts_the_rest(client: TestClient) -> None:
    # Air Koryo: two people linked to it and sixteen aircraft it operates.
    graph = _graph(_page(client, "/entities/ofac:20520"))
    assert len(re.findall(r'<a href="/entities/[^"]+" class="node', graph)) == 10
    assert "8 more are listed below." in graph
    assert ">Vehicles operated</text>" in graph
    assert ">Linked from</text>" in graph
    # The description for screen readers names all eighteen, not only the ten drawn.
    description = graph.split("<desc>", 1)[1].split("</desc>", 1)[0]
    assert description.count("Vehicles operated: ") == 16


def test_entity_without_relations_has_no_graph(client: TestClient) -> None:
    page = _page(client, "/entities/hostile:cjk")
    assert '<figure class="graph">' not in page
    assert 'id="relations"' not in page


def _history(page: str) -> list[tuple[str, str, str]]:
    section = page.split('<section id="history"', 1)[1].split("</section>", 1)[0]
    return re.findall(
        r'<li class="h-(\w+)">\s*<p><span class="src">(\w+)</span> <span class="ver">([^<]+)</span>', section
    )


def test_list_history_shows_each_version_that_listed_the_entity_and_what_it_changed(
    client: TestClient,
) -> None:
    page = _page(client, "/entities/ofac:13109")  # POUYA AIR: OFAC gave its ID and registration in 2024
    assert _history(page) == [("changed", "ofac", "2024-05-03"), ("added", "ofac", "2023-12-28")]
    section = page.split('<section id="history"', 1)[1].split("</section>", 1)[0]
    assert '<a href="/lists/ofac?old=1&amp;new=2#changed">' in section
    for number in ("10102315647", "189556"):
        assert re.search(rf'<ins><span class="vh">added: </span>(<bdi>)?{number}(</bdi>)?</ins>', section)
    assert '<li><a href="#history">List history</a></li>' in page


def test_list_history_says_when_an_entity_was_added_or_removed(client: TestClient) -> None:
    added = _page(client, "/entities/ofac:48262")  # JON, Yun Gun: designated between the two versions
    assert _history(added) == [("added", "ofac", "2024-05-03")]
    assert '<a href="/lists/ofac?old=1&amp;new=2#added">' in added
    removed = _page(client, "/entities/ofac:25690")  # JW JEWEL: delisted between them
    assert _history(removed) == [("removed", "ofac", "2024-05-03"), ("added", "ofac", "2023-12-28")]
    assert '<a href="/lists/ofac?old=1&amp;new=2#removed">' in removed
    unchanged = _page(client, "/entities/ofac:12312")
    assert _history(unchanged) == [("unchanged", "ofac", "2024-05-03"), ("added", "ofac", "2023-12-28")]


def test_entity_history_agrees_with_the_list_diff_for_every_entity_it_touches(store: Store) -> None:
    from accomplice import services
    from accomplice.services.entities import entity_overview

    diff = services.diff_list(store, "ofac")
    touched = [*diff.added, *diff.removed, *diff.changed]
    assert diff.added
    assert diff.removed
    assert diff.changed
    for change in touched:
        history = entity_overview(store, change.key).history
        last = [e for e in history if e.list_name == "ofac"][-1]
        assert (last.seq, last.kind) == (diff.new.seq, change.kind), change.key
        assert last.changes == change.changes, change.key


def test_names_are_grouped_by_script_with_their_language_tag_and_its_source(client: TestClient) -> None:
    page = _page(client, "/entities/hostile:cjk")
    scripts = page.split('<section class="scripts"', 1)[1].split("</section>", 1)[0]
    groups = re.findall(r'<div class="script-group script-(\w+)">\s*<h3>([^<]+)<', scripts)
    assert groups == [
        ("latin", "Latin "),
        ("hangul", "Hangul "),
        ("han", "Han (Hanja or Chinese characters) "),
    ]
    hangul = scripts.split("script-hangul", 1)[1].split("</div>", 1)[0]
    assert f'<bdi lang="ko">{HANGUL_NAME}</bdi>' in hangul
    assert 'title="Language tag ko: stated by the list (kor)">ko</span>' in hangul
    han = scripts.split('script-han"', 1)[1].split("</div>", 1)[0]
    # Han characters in a North Korean entry are Hanja, tagged Korean from the entry, not from the list.
    assert f'<bdi lang="ko">{HANJA_NAME}</bdi>' in han
    assert 'title="Language tag ko: read from the script">ko</span>' in han
    chinese = _page(client, "/entities/hostile:cn").split('<section class="scripts"', 1)[1]
    assert f'<bdi lang="zh">{CHINESE_NAME}</bdi>' in chinese.split('script-han"', 1)[1]
    # An entry whose names are all Latin gets no script summary: it would only repeat the names.
    assert '<section class="scripts"' not in _page(client, "/entities/ofac:12312")


def test_a_name_is_filed_under_its_one_script() -> None:
    from accomplice.names.scripts import Script
    from accomplice.web.present import name_script

    assert name_script("KIM, Yo Jong") is Script.LATIN
    assert name_script("김여정") is Script.HANGUL
    assert name_script("金與正") is Script.HAN
    assert name_script("Ким Ё Чжон") is Script.CYRILLIC
    # Korean mixed script (Hangul with Hanja) is Korean; a Latin name with Hanja is filed under Han.
    assert name_script("朝鮮 무역") is Script.HANGUL
    assert name_script("Kim 金正恩") is Script.HAN


def test_a_five_thousand_character_query_is_refused_with_a_sentence_naming_the_name(
    client: TestClient,
) -> None:
    page = _page(client, "/", 422, q="A" * 5_000)
    assert (
        '<p class="notice error" role="alert">'
        "The name is 5,000 characters long; at most 500 are screened.</p>" in page
    )


def test_a_date_of_birth_that_is_not_a_date_is_noticed_and_the_name_still_searched(
    client: TestClient,
) -> None:
    page = _page(client, "/", q="KOREA DAESONG BANK", birth_date="31/02/1970")
    assert (
        '<p class="notice warning" role="status" id="search-warning">'
        "Date of birth &#39;31/02/1970&#39; is not "
        "a date (use YYYY-MM-DD, YYYY-MM or YYYY); screened without it.</p>"
    ) in page
    assert "KOREA DAESONG BANK" in page
    assert "search-warning" not in _page(client, "/", q="KOREA DAESONG BANK", birth_date="1970-02-03")
