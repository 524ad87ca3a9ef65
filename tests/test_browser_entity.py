"""The entity page and the search box's keys in a real browser (Debian's Chromium via Playwright), at
desktop and phone widths, over the DPRK lists of OFAC, the UN, the EU and the UK.

A list key typed in the search box opens its entry; an entry links the same entity's entries on the other
lists with the evidence that joins them; its dates say which are the lists' own and which are only the
loaded versions; the relations graph fits its drawing and the screen. Screenshots go to pytest's tmp
folder, never into the work tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from accomplice import services
from accomplice.api import create_app
from accomplice.store import Store
from tests.browser_support import DESKTOP, PHONE, serve
from tests.helpers import copy_of_store

# KOREA DAESONG BANK: OFAC's SDN entry 12312, the UN's KPe.035 (listed 2016-11-30), the UK's group 11286
# and entry 35 of annex XIII.B of the EU's Regulation 2017/1509.
DAESONG_OFAC = "ofac:12312"
DAESONG_UN = "un:KPe.035"
DAESONG_UK = "uk:11286"
DAESONG_EU = "eu:32017R1509:XIII.B:35"
# An OFAC key no SDN entry has.
MISSING_KEY = "ofac:99999999"
# HWANG, Su Man: OFAC links him to KOMID (ofac:9345) only, so his relations graph has a single edge.
SINGLE_RELATION = "ofac:18552"
# What the drawing may leave empty around its content inside the viewBox, in SVG units: the layout's
# margin (web.layout.VIEW_MARGIN, 4) and a few units of text measured by estimate rather than by font.
EMPTY_EDGE = 16

SIZES = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(scope="module")
def base_url(screening_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = copy_of_store(screening_store, tmp_path_factory.mktemp("browser-entity") / "lists.db")
    # Built before the server listens, as `serve` does: the pages then measure themselves, not a cold start.
    services.screening_index(store)
    with serve(create_app(store), "entity-test") as url:
        yield url
    store.close()


@pytest.fixture(params=sorted(SIZES))
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A page at desktop or phone width; fails the test if any page opened a dialog (data run as script)."""
    context = browser.new_context(viewport=SIZES[request.param], locale="en-GB")
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        yield opened
    finally:
        context.close()
    assert dialogs == [], f"a page opened a dialog, so data ran as script: {dialogs}"


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)


def _search(page: Page, base_url: str, text: str) -> None:
    page.goto(base_url + "/")
    box = page.get_by_label("Name in any script, or a list key")
    box.fill(text)
    box.press("Enter")


def _no_horizontal_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"page is {width} px wide"


def test_a_list_key_in_the_search_box_opens_its_entry(page: Page, base_url: str, tmp_path: Path) -> None:
    for key, caption in ((DAESONG_OFAC, "KOREA DAESONG BANK"), (DAESONG_UN, "KOREA DAESONG BANK")):
        _search(page, base_url, key)
        expect(page).to_have_url(f"{base_url}/entities/{key}")
        expect(page.get_by_role("heading", level=1)).to_have_text(caption)
    # The list part of a key as a user may type it.
    _search(page, base_url, DAESONG_OFAC.upper())
    expect(page).to_have_url(f"{base_url}/entities/{DAESONG_OFAC}")
    _shot(page, tmp_path, "key-opens-entry")


def test_an_unknown_list_key_says_no_entity_has_it_instead_of_a_match(
    page: Page, base_url: str, tmp_path: Path
) -> None:
    _search(page, base_url, MISSING_KEY)
    expect(page.get_by_role("alert")).to_have_text(f"no entity with key '{MISSING_KEY}' on the loaded lists")
    expect(page.locator(".hits")).to_have_count(0)
    expect(page.locator(".score")).to_have_count(0)
    _no_horizontal_overflow(page)
    _shot(page, tmp_path, "unknown-key")


def test_an_entry_links_the_same_entity_on_the_other_lists_and_says_why(
    page: Page, base_url: str, tmp_path: Path
) -> None:
    page.goto(f"{base_url}/entities/{DAESONG_OFAC}")
    twins = page.locator("section.twins")
    expect(twins.get_by_role("heading", name="Also listed as")).to_be_visible()
    un = twins.locator("li.twin").filter(has=page.locator("code", has_text=DAESONG_UN))
    uk = twins.locator("li.twin").filter(has=page.locator("code", has_text=DAESONG_UK))
    expect(un).to_have_count(1)
    expect(uk).to_have_count(1)
    expect(twins.locator("code", has_text=DAESONG_EU)).to_have_count(1)
    # The four publishers write the bank's name letter for letter alike: that is what joins them here.
    expect(uk.locator(".why")).to_have_text(
        "OFAC (this entry) and UK (uk:11286) give the same name “KOREA DAESONG BANK”"
    )
    _no_horizontal_overflow(page)
    _shot(page, tmp_path, "also-listed-as")
    un.get_by_role("link", name="KOREA DAESONG BANK").click()
    expect(page).to_have_url(f"{base_url}/entities/{DAESONG_UN}")
    # And back: the UN entry lists the OFAC one.
    expect(page.locator("section.twins code", has_text=DAESONG_OFAC)).to_have_count(1)


def test_an_entry_tells_the_lists_own_listing_date_from_the_first_loaded_version(
    page: Page, base_url: str
) -> None:
    page.goto(f"{base_url}/entities/{DAESONG_UN}")
    head = page.locator("header.entity-head")
    # The UN list states when it listed the bank (LISTED_ON); the loaded version is only when we read it.
    expect(head.locator(".list-date")).to_contain_text("Listed on 2016-11-30 by un")
    expect(head).to_contain_text("first seen in the loaded version of")
    history = page.locator("#history")
    expect(history.locator(".hkind")).to_have_text(["first seen"])
    expect(history.locator(".first-loaded")).to_contain_text("not the date the list added it")
    # OFAC's files give no listing date: the page says so rather than passing a loaded version off as one.
    page.goto(f"{base_url}/entities/{DAESONG_OFAC}")
    expect(page.locator("header.entity-head .list-date")).to_have_text(
        "ofac gives no listing date in its files"
    )


def _svg_geometry(page: Page, selector: str) -> dict[str, Any]:
    geometry: dict[str, Any] = page.locator(selector).evaluate(
        """svg => {
            const box = svg.getBBox();
            const view = svg.viewBox.baseVal;
            const shown = svg.getBoundingClientRect();
            return {box: [box.x, box.y, box.width, box.height],
                    view: [view.x, view.y, view.width, view.height], shown: shown.width};
        }"""
    )
    return geometry


def test_the_relations_graph_of_a_single_edge_fits_its_drawing_and_the_screen(
    page: Page, base_url: str, tmp_path: Path
) -> None:
    page.goto(f"{base_url}/entities/{SINGLE_RELATION}")
    svg = "figure.graph svg"
    expect(page.locator(f"{svg} a.node")).to_have_count(1)
    g = _svg_geometry(page, svg)
    (bx, by, bw, bh), (vx, vy, vw, vh) = g["box"], g["view"]
    # Every side of the drawn content is within a small margin of the viewBox's side.
    assert bx - vx <= EMPTY_EDGE, g
    assert by - vy <= EMPTY_EDGE, g
    assert (vx + vw) - (bx + bw) <= EMPTY_EDGE, g
    assert (vy + vh) - (by + bh) <= EMPTY_EDGE, g
    # On a phone the figure shrinks to the screen rather than being clipped or widening the page.
    assert g["shown"] <= page.evaluate("window.innerWidth"), g
    _no_horizontal_overflow(page)
    _shot(page, tmp_path, "single-relation-graph")
