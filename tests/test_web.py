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


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store)) as test_client:
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
    text = _text(_page(client, "/entities/ofac:18552"))
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
    assert "6 added" in text
    assert re.search(r"Changed \d+", text)
    assert "JW JEWEL" in text  # removed between the two versions
    assert "Notes" in text  # a changed field is named by its label


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
    assert "at most 500 are searched" in page
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
