"""The COI tracker and the statistics in Chromium, at 1280 and 390 px (issue 16's "done when").

¶90(a)'s page shows its asks, the follow-up events of the shared data and the linked forced-repatriation
incident; the designations chart shows the counts of the loaded lists, the same as the table beside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from accomplice.api import create_app
from accomplice.services import oversight
from accomplice.services.auth import add_user, operator_principal
from accomplice.services.list_twins import list_twins
from accomplice.settings import get_settings
from accomplice.store import Store
from tests.browser_support import PHONE, desktop_page, screenshot, serve
from tests.helpers import copy_of_store

SIZES = {"desktop": None, "phone": PHONE}
STAFFER = "staffer"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def base_url(screening_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    list_twins(screening_store, ["un:KPi.029"])  # the gap chart's clusters, kept per list content
    store = copy_of_store(screening_store, tmp_path_factory.mktemp("coi-browser") / "s.db")
    coi = get_settings().shared_dir / "data" / "accountability" / "coi_recommendations.json"
    oversight.load_coi(store, operator_principal("test"), coi)
    add_user(store, operator_principal("test"), name=STAFFER, roles=["oversight"], password=PASSWORD)
    with serve(create_app(store, warm_index=False), "coi-test") as url:
        yield url
    store.close()


@pytest.fixture(params=list(SIZES))
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[tuple[Page, str]]:
    if SIZES[request.param] is None:
        with desktop_page(browser) as opened:
            yield opened, request.param
        return
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    try:
        yield context.new_page(), request.param
    finally:
        context.close()


def _fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"


def test_the_90a_page_shows_its_asks_events_and_the_linked_repatriation_incident(
    base_url: str, page: tuple[Page, str]
) -> None:
    tab, size = page
    tab.goto(f"{base_url}/coi/items/90a")
    assert "¶90(a)" in tab.locator("h1").inner_text()
    asks = tab.locator("table.coi-asks tbody tr")
    assert asks.count() == 5
    assert "non-refoulement" in asks.first.inner_text()
    events = tab.locator("li.coi-event")
    assert events.count() == 7
    repatriation = tab.locator("#event-FU-2023-10-09-CN-MASS-REPATRIATION")
    assert "contravenes" in repatriation.inner_text()
    assert repatriation.locator(".link-incident").inner_text().endswith("INC-2023-10-09-CN-REPATRIATION")
    assert tab.locator(".coi-text .badge").first.inner_text() == "summary"
    _fits(tab)
    screenshot(tab, f"coi-90a-{size}")


def test_the_designations_chart_matches_the_table_beside_it(base_url: str, page: tuple[Page, str]) -> None:
    tab, size = page
    tab.goto(f"{base_url}/stats")
    section = tab.locator("#chart-designations-by-year")
    drawn: dict[tuple[str, str], int] = {}
    for title in section.locator("svg rect title").all_text_contents():
        match = re.fullmatch(r"(.+), (.+): ([\d,]+)", title)
        assert match is not None, title
        drawn[(match[1], match[2])] = int(match[3].replace(",", ""))
    headers = section.locator("table thead th").all_inner_texts()
    table: dict[tuple[str, str], int] = {}
    for row in section.locator("table tbody tr").all():
        category = row.locator("th").inner_text().strip()
        for name, cell in zip(headers[1:], row.locator("td").all_inner_texts(), strict=True):
            table[(name.strip(), category)] = int(cell.replace(",", ""))
    assert drawn == table
    assert table[("UN", "no date")] == 0  # the UN gives every listing's date
    assert sum(v for (name, _), v in table.items() if name == "UN") > 0
    _fits(tab)
    screenshot(tab, f"stats-{size}")


def test_oversight_staff_record_a_sourced_event_on_the_item_page(base_url: str, browser: Browser) -> None:
    with desktop_page(browser) as tab:
        tab.goto(base_url + "/login")
        tab.get_by_label("User name").fill(STAFFER)
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Log in").click()
        tab.goto(f"{base_url}/coi/items/89d")
        assert tab.locator("li.coi-event").count() == 0
        tab.get_by_label("Date").fill("2026-11-20")
        tab.get_by_label("Relation").select_option("partially_advances")
        tab.get_by_label("What happened").fill("A court acquits a defendant for the first time on record")
        tab.get_by_label("Source title").fill("Daily NK report")
        tab.get_by_label("Source address").fill("https://www.dailynk.com/english/")
        tab.get_by_role("button", name="Record").click()
        expect(tab).to_have_url(f"{base_url}/coi/items/89d")
        assert tab.locator("li.coi-event").count() == 1
        assert "partially advanced" in tab.locator("h1 .status").inner_text()
        assert "added by staffer, not verified" in tab.locator("li.coi-event").inner_text()
