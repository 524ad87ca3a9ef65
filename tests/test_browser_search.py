"""Cross-script search in a real browser (Debian's Chromium via Playwright) over the real DPRK lists.

An analyst logs in, types a name in Hangul and must see the listed person romanized on the lists, with the
explanation of why it matched, then opens the entry. The store is a copy of the session's OFAC/UN/EU/UK
store (the account written here stays out of the other tests); no browser is ever downloaded.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from accomplice import services
from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.store import Store
from tests.browser_support import desktop_page, screenshot, serve
from tests.helpers import copy_of_store

PASSWORD = "correct horse battery staple"
# Kim Yo Jong, sister of Kim Jong Un, designated by OFAC in January 2017 (SDN entry 21444).
KIM_YO_JONG_HANGUL = "김여정"
KIM_YO_JONG_KEY = "ofac:21444"


@pytest.fixture(scope="module")
def base_url(screening_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = copy_of_store(screening_store, tmp_path_factory.mktemp("browser-search") / "lists.db")
    accounts.add_user(
        store,
        accounts.operator_principal("tester"),
        name="analyst",
        roles=["analyst"],
        password=PASSWORD,
        display_name="Lee Su-bin",
        org="NK Watch",
    )
    # The index of the four lists is built before the server listens (the app would build it in the
    # background at start-up): the search below then measures the page, not a cold start on shared cores.
    services.screening_index(store)
    with serve(create_app(store), "search-test") as url:
        yield url
    store.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with desktop_page(browser, locale="ko-KR") as opened:
        yield opened


def _log_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("User name").fill("analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header.site")).to_contain_text("Logged in as analyst")


def test_hangul_search_finds_kim_yo_jong_with_the_korean_reading_that_matched(
    page: Page, base_url: str
) -> None:
    _log_in(page, base_url)
    page.goto(base_url + "/")
    box = page.get_by_label("Name in any script, or a list key")
    box.fill(KIM_YO_JONG_HANGUL)
    box.press("Enter")
    expect(page.get_by_role("heading", name=f"for “{KIM_YO_JONG_HANGUL}”")).to_be_visible()
    hit = page.locator(".hits > li").filter(has=page.get_by_role("link", name="KIM, Yo Jong", exact=True))
    expect(hit).to_have_count(1)
    expect(hit.locator(".meta")).to_contain_text(KIM_YO_JONG_KEY)
    why = hit.locator(".why li").first
    # Which feature matched, and the evidence: the Hangul read as the romanized name, and the reading.
    expect(why.locator(".why-label")).to_contain_text("same syllables")
    expect(why).to_contain_text("korean_syllables_agree")
    expect(why).to_contain_text(f"{KIM_YO_JONG_HANGUL} (Hangul) = KIM, Yo Jong (romanized Korean)")
    expect(why).to_contain_text("kim·yo·cong")
    # The best match comes first: nobody else on four lists reads as Kim Yo Jong.
    expect(page.locator(".hits > li").first.locator("a.hit")).to_have_text("KIM, Yo Jong")
    screenshot(page, "search-hangul", full_page=False)

    hit.get_by_role("link", name="KIM, Yo Jong", exact=True).click()
    expect(page).to_have_url(f"{base_url}/entities/{KIM_YO_JONG_KEY}")
    expect(page.get_by_role("heading", level=1)).to_have_text("KIM, Yo Jong")
    expect(page.locator(".fact-birthDate")).to_contain_text("1989-09-26")
