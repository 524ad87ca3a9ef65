"""The web UI in a real browser: Debian's Chromium, driven by Playwright, against a real uvicorn server.

Screenshots of the main pages are written to build/screenshots/ on every run (`make screenshots` copies them
into docs/screenshots/), so that a reviewer sees what the analyst sees. No browser is ever downloaded: the
test fails if /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from accomplice import services
from accomplice.api import create_app
from accomplice.store import open_store
from tests.browser_support import PHONE, desktop_page, screenshot, serve
from tests.web_data import HANGUL_NAME, HANJA_NAME, LONG_NAME


@pytest.fixture(scope="module")
def base_url(web_store_url: str) -> Iterator[str]:
    store = open_store(web_store_url)
    # Build the screening index before the browser waits on a search: on a busy machine the first build
    # can outlast Playwright's 30 s action timeout.
    services.screening_index(store)
    with serve(create_app(store), "test") as url:
        yield url
    store.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with desktop_page(browser) as opened:
        yield opened


def test_analyst_searches_daesong_and_reads_swift_bic_with_provenance(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    box = page.get_by_label("Name in any script, or a list key")
    expect(box).to_be_focused()
    box.fill("Korea Taesong Bank")
    box.press("Enter")
    expect(page.get_by_role("heading", name="for “Korea Taesong Bank”")).to_be_visible()
    expect(page.locator(".hits li").first.locator(".why")).to_contain_text("taesong")
    screenshot(page, "home", full_page=False)
    page.get_by_role("link", name="KOREA DAESONG BANK", exact=True).click()
    expect(page).to_have_url(base_url + "/entities/ofac:12312")
    expect(page.get_by_role("heading", level=1)).to_have_text("KOREA DAESONG BANK")
    swift = page.locator(".fact-swiftBic")
    expect(swift).to_be_visible()
    expect(swift).to_contain_text("SWIFT/BIC")
    expect(swift).to_contain_text("KDBKKPPY")
    expect(swift.locator(".prov")).to_have_text("ofac 2023-12-28 → 2024-05-03")
    expect(page.locator(".fact-country")).to_contain_text("North Korea")
    screenshot(page, "entity", full_page=True)


def test_lists_page_leads_to_the_dprk_diff_of_ofac(page: Page, base_url: str) -> None:
    page.goto(base_url + "/lists")
    expect(page.locator("svg.chart").first).to_be_visible()
    screenshot(page, "lists", full_page=False)
    page.get_by_role(
        "link", name="OFAC Specially Designated Nationals and Blocked Persons (SDN) List"
    ).click()
    expect(page.get_by_label("From version")).to_have_value("1")
    expect(page.get_by_label("To version")).to_have_value("2")
    page.get_by_label("Program contains").fill("DPRK")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("link", name="6 entities added")).to_be_visible()
    added = page.locator("section#added")
    expect(added).to_contain_text("JON, Yun Gun")
    expect(page.locator("section#removed")).to_contain_text("JW JEWEL")
    screenshot(page, "diff", full_page=False)
    added.get_by_role("link", name="JON, Yun Gun").click()
    expect(page).to_have_url(base_url + "/entities/ofac:48262")


def test_keyboard_user_skips_to_content_and_sees_focus(page: Page, base_url: str) -> None:
    page.goto(base_url + "/entities/ofac:12312")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    inside_main = page.evaluate("document.activeElement.closest('main') !== null")
    assert inside_main, "after skipping, Tab reaches the page content, not the navigation"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused element shows a focus ring"


def test_entity_page_reads_on_a_phone_without_sideways_scrolling(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    for key in ("ofac:12312", "hostile:long", "ofac:9345"):
        phone.goto(f"{base_url}/entities/{key}")
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (key, overflow)
        if key == "ofac:12312":
            expect(phone.locator(".fact-swiftBic")).to_contain_text("KDBKKPPY")
            screenshot(phone, "entity-narrow", full_page=True)
        if key == "hostile:long":
            expect(phone.locator(".fact-name")).to_contain_text(LONG_NAME[:200])
    context.close()


def _fonts_of(page: Page, selector: str) -> set[str]:
    """Font families Chromium actually used to draw the text of `selector` (not the CSS request)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")
    node = cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    return {font["familyName"] for font in fonts["fonts"]}


def test_korean_and_chinese_names_render_with_noto_cjk(page: Page, base_url: str) -> None:
    page.goto(base_url + "/entities/hostile:cjk")
    featured = page.locator(".scripts")
    expect(featured.get_by_text(HANGUL_NAME)).to_be_visible()
    expect(featured.get_by_text(HANJA_NAME)).to_be_visible()
    assert _fonts_of(page, ".scripts .script-hangul li:first-child bdi") == {"Noto Sans CJK KR"}
    screenshot(page, "entity-cjk", full_page=False)
    page.goto(base_url + "/entities/hostile:cn")
    assert _fonts_of(page, ".fact-alias dd bdi") == {"Noto Sans CJK SC"}


def test_hostile_names_do_not_run_as_script(page: Page, base_url: str) -> None:
    # The `page` fixture fails the test if any dialog (alert) opens.
    page.goto(base_url + "/entities/hostile:script")
    expect(page.get_by_role("heading", level=1)).to_have_text("<script>alert(1)</script>")
    page.goto(base_url + "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    expect(page.get_by_role("link", name="<script>alert(1)</script>")).to_be_visible()


def test_entity_page_draws_its_relations_as_links_and_tells_its_list_history(
    page: Page, base_url: str
) -> None:
    page.goto(base_url + "/entities/ofac:17068")
    graph = page.locator("figure.graph svg")
    expect(graph).to_be_visible()
    nodes = graph.locator("a.node")
    expect(nodes).to_have_count(9)
    history = page.locator("section#history")
    expect(history.locator("li").first).to_contain_text("2024-05-03")
    expect(history.locator("li").last).to_contain_text("first seen")
    graph.scroll_into_view_if_needed()
    screenshot(page, "entity-graph", full_page=False)
    box = graph.locator("a.node", has_text="GRAND KARO")
    box.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("GRAND KARO")
    # The ship's own graph leads back to the company that manages it.
    back = page.locator("figure.graph a.node", has_text="OCEAN MARITIME")
    expect(back).to_have_attribute("href", "/entities/ofac:17068")
