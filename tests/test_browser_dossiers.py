"""An analyst opens the candidate finder and a candidate's dossier in a real browser at 1280 and 390 px
(screenshots: build/screenshots/candidates*.png, dossier*.png); the page fits the phone without scrolling
sideways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.services import exposure
from accomplice.store import Store
from tests.browser_support import desktop_page, screenshot, serve
from tests.helpers import EXPOSURE_DATA, SHARED_EXPOSURE_FILES, copy_of_store

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def base_url(screening_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = copy_of_store(screening_store, Path(tmp_path_factory.mktemp("browser-dossiers")) / "d.db")
    for kind, name in SHARED_EXPOSURE_FILES:
        exposure.import_file(store, kind, EXPOSURE_DATA / name, user="researcher")
    accounts.add_user(store, accounts.operator_principal("tester"), name="min-ji", roles=["analyst"])
    token = accounts.issue_token(store, accounts.operator_principal("tester"), user="min-ji").secret
    with serve(create_app(store, run_jobs=False), "dossiers-test") as url:
        yield f"{url}|{token}"
    store.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with desktop_page(browser) as opened:
        yield opened


def test_analyst_ranks_chinese_candidates_and_opens_a_dossier(page: Page, base_url: str) -> None:
    url, token = base_url.split("|")
    page.set_extra_http_headers({"Authorization": f"Bearer {token}"})
    page.goto(url + "/candidates?country=cn&top=20")
    expect(page.get_by_role("heading", level=1)).to_have_text("Candidates for designation")
    rows = page.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    screenshot(page, "candidates")
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the candidates page scrolls sideways at 390 px ({width} px)"
    screenshot(page, "candidates-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url + "/dossiers/ofac:20578?as_of=2024-01-01")
    expect(page.get_by_role("heading", level=1)).to_contain_text("MANSUDAE")
    expect(page.get_by_role("link", name="PDF")).to_be_visible()
    screenshot(page, "dossier")
    page.set_viewport_size(PHONE)
    screenshot(page, "dossier-390")
