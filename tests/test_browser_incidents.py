"""In Chromium, at 1280 and 390 px: a documenter records an incident with two victims named in Hangul and
a perpetrator company that screening resolves to a UN-listed entity; the record shows pseudonyms only; the
entity's accountability graph shows the abuse beside a flagged shipment from that company; publishing
makes the redacted public version; the shipment's trace lists the abuse upstream
(build/screenshots/incident-*.png)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from accomplice import services
from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.services import exposure, incident_keys
from accomplice.store import open_store
from tests.browser_support import PHONE, desktop_page, screenshot, serve

PASSWORD = "correct horse battery staple"
UN_LIST = "un/un_consolidated_2026-02-27.xml"
COMPANY = "Korea Mining Development Trading Corporation"  # UN KPe.001
LISTED_KEY = "un:KPe.001"
SHIPMENT = {
    "id": "ENT-2024-0917",
    "date": "2024-05-02",
    "importer": "Pacific Coast Seafood Importers LLC",
    "importer_country": "us",
    "exporter": COMPANY,
    "exporter_country": "kp",
    "goods_description": "zinc concentrate",
    "hs_code": "2608.00",
}
VICTIMS = ("김미래", "박솔화")
TITLE = "Workers confined at a mine exporting through KOMID"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-incidents")
    previous = os.environ.get(incident_keys.KEY_FILE_ENV)
    os.environ[incident_keys.KEY_FILE_ENV] = str(folder / "accomplice.key")
    incident_keys.init_key_file(folder / "accomplice.key")
    store = open_store(f"sqlite:///{folder / 'accomplice.db'}")
    services.load_list(store, "un", raw_dir / UN_LIST)
    operator = accounts.operator_principal("tester")
    accounts.add_user(
        store, operator, name="so-yeon", roles=["researcher", "reviewer"], password=PASSWORD, org="NK Watch"
    )
    exposure.add_rows(store, "shipments", [SHIPMENT], user="so-yeon")
    try:
        with serve(create_app(store, run_jobs=False), "incidents-test") as url:
            yield url
    finally:
        store.close()
        if previous is None:
            os.environ.pop(incident_keys.KEY_FILE_ENV, None)
        else:
            os.environ[incident_keys.KEY_FILE_ENV] = previous


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with desktop_page(browser) as opened:
        yield opened


def _log_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("User name").fill("so-yeon")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_record_two_hangul_victims_see_the_listed_perpetrators_graph_and_publish(
    page: Page, base_url: str
) -> None:
    _log_in(page, base_url)
    page.goto(base_url + "/incidents/new")
    page.get_by_label("Id").fill("TEST-2024-KOMID-MINE")
    page.get_by_label("Title").fill("Workers confined at a mine exporting through KOMID")
    page.get_by_label("Act").select_option("forced_labour")
    page.get_by_label("Date (YYYY, YYYY-MM or YYYY-MM-DD)").fill("2024-04")
    page.get_by_label("Precision").select_option("month")
    page.get_by_label("Country (ISO)").fill("KP")
    page.get_by_label("Perpetrator").fill(COMPANY)
    for i, name in enumerate(VICTIMS):
        page.locator(f"#v-orig-{i}").fill(name)
        page.locator(f"#v-consent-{i}").select_option("publish-anonymised")
    screenshot(page, "incident-new")
    page.get_by_role("button", name="Record").click()
    expect(page).to_have_url(base_url + "/incidents/TEST-2024-KOMID-MINE")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Workers confined at a mine exporting through KOMID"
    )
    body = page.locator("main").inner_text()
    assert not any(name in body for name in VICTIMS)
    expect(page.get_by_role("row").filter(has_text="V-")).to_have_count(2)
    screenshot(page, "incident-record")

    page.get_by_role("link", name="accountability graph").click()
    expect(page).to_have_url(base_url + f"/graph/{LISTED_KEY}")
    expect(
        page.get_by_role("link", name="Workers confined at a mine exporting through KOMID")
    ).to_be_visible()
    expect(page.get_by_role("link", name="un", exact=True)).to_be_visible()
    shipment = page.get_by_role("row").filter(has_text="ENT-2024-0917")
    expect(shipment).to_contain_text("flagged")
    screenshot(page, "incident-graph")
    page.set_viewport_size(PHONE)
    screenshot(page, "incident-graph-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the graph page scrolls sideways at 390 px ({width} px)"
    page.set_viewport_size({"width": 1280, "height": 1000})

    # The shipment's trace shows the documented abuse at its upstream, listed exporter.
    page.get_by_role("link", name="abuses upstream").click()
    expect(page).to_have_url(base_url + "/incidents/shipments/ENT-2024-0917")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    screenshot(page, "incident-shipment")

    page.goto(base_url + "/incidents/TEST-2024-KOMID-MINE")
    page.get_by_role("button", name="Publish redacted version").click()
    expect(page).to_have_url(base_url + "/public/incidents/TEST-2024-KOMID-MINE")
    expect(page.locator("main")).to_contain_text("2 victims and 0 witnesses recorded")
    public = page.locator("main").inner_text()
    assert not any(name in public for name in VICTIMS)
    assert "V-" not in public
    screenshot(page, "incident-public")
    page.set_viewport_size(PHONE)
    page.goto(base_url + "/incidents")
    screenshot(page, "incident-register-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the register scrolls sideways at 390 px ({width} px)"
