"""An analyst logs in, opens the shipments, a flagged entry's flow chart and the evidence register in a real
browser (Debian's Chromium via Playwright; no browser is downloaded), and the screenshots are saved as
build/screenshots/shipment-flow.png and evidence.png. An importer sees only its own entry and answers the
flag with a document, which ticks the rebuttal checklist (build/screenshots/shipment-documents.png).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.services import exposure
from accomplice.store import open_store
from tests.browser_support import desktop_page, screenshot, serve
from tests.test_web_exposure import load_fixtures

PASSWORD = "correct horse battery staple"
# The importer's own entry: the same trade lane as the shared ENT-2018-0412, so flagged the same way.
IMPORTER_ENTRY = {
    "id": "PCS-2019-0077",
    "date": "2019-03-01",
    "importer": "Pacific Coast Seafood Importers LLC",
    "importer_country": "us",
    "exporter": "Qingdao Ocean Harvest Foods Co. Ltd.",
    "exporter_country": "cn",
    "goods_description": "frozen Alaska pollock fillets",
    "hs_code": "0304.75",
}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('browser-exposure') / 'accomplice.db'}")
    load_fixtures(store)
    accounts.add_user(
        store,
        accounts.operator_principal("tester"),
        name="min-ji",
        roles=["analyst"],
        password=PASSWORD,
        display_name="Park Min-ji",
        org="NK Watch",
    )
    accounts.add_user(
        store,
        accounts.operator_principal("tester"),
        name="pcs-compliance",
        roles=["importer"],
        password=PASSWORD,
        display_name="Pacific Coast Seafood compliance",
        org="Pacific Coast Seafood",
    )
    exposure.add_rows(
        store, "shipments", [IMPORTER_ENTRY], user="pcs-compliance", org="Pacific Coast Seafood"
    )
    with serve(create_app(store, run_jobs=False), "exposure-test") as url:
        yield url
    store.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with desktop_page(browser) as opened:
        yield opened


def test_analyst_opens_a_flagged_shipment_and_the_evidence_register(page: Page, base_url: str) -> None:
    page.goto(base_url + "/shipments")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to see this page")
    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("User name").fill("min-ji")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/shipments")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shipments")
    expect(page.locator("header.site").get_by_role("link", name="Exposure")).to_have_attribute(
        "aria-current", "page"
    )
    screenshot(page, "shipments", full_page=True)

    page.get_by_role("link", name="ENT-2018-0412").click()
    expect(page).to_have_url(base_url + "/shipments/ENT-2018-0412")
    expect(page.locator(".verdict")).to_contain_text("Presumptively barred")
    chart = page.locator("svg.flow")
    expect(chart).to_be_visible()
    expect(chart.locator("path.edge.tainted")).to_have_count(2)
    expect(chart.locator("g.node.origin")).to_contain_text("Dandong Haiyang Seafood")
    # The boxes are laid out left to right by tier: the producer left of the exporter, left of the importer.
    xs = [
        chart.locator("g.node", has_text=name).locator("rect").bounding_box()
        for name in ("Dandong Haiyang", "Qingdao Ocean", "Pacific Coast")
    ]
    assert all(box is not None for box in xs)
    assert xs[0]["x"] < xs[1]["x"] < xs[2]["x"]  # type: ignore[index]
    expect(page.locator(".path").first).to_contain_text("The Outlaw Ocean Project")
    screenshot(page, "shipment-flow", full_page=True)

    page.goto(base_url + "/evidence")
    rows = page.locator("table.evidence-table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator(".withheld-row")).to_contain_text("confidential source conf-2021-017")
    screenshot(page, "evidence", full_page=True)


def test_importer_sees_only_its_entry_and_answers_the_flag_with_a_document(page: Page, base_url: str) -> None:
    page.goto(base_url + "/login?next=/shipments")
    page.get_by_label("User name").fill("pcs-compliance")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/shipments")
    expect(page.get_by_role("link", name="PCS-2019-0077")).to_be_visible()
    expect(page.get_by_role("link", name="ENT-2018-0412")).to_have_count(0)

    page.get_by_role("link", name="PCS-2019-0077").click()
    expect(page.locator(".verdict")).to_contain_text("Presumptively barred")
    held = page.locator("#rebuttal .meta").first
    expect(held).to_contain_text("0 of")
    form = page.locator("form.document-upload")
    form.get_by_label("About").select_option(label="Qingdao Ocean Harvest Foods Co. Ltd.")
    form.get_by_label("Kind").select_option(value="purchase_orders")
    form.get_by_label("File").set_input_files(
        {"name": "PO-2019-031.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    form.get_by_label("Note").fill("Order of 2019-01-15, with the supplier's confirmation")
    form.get_by_role("button", name="Upload").click()
    expect(page).to_have_url(base_url + "/shipments/PCS-2019-0077#documents")
    expect(page.locator("#documents table")).to_contain_text("PO-2019-031.pdf")
    expect(held).to_contain_text("1 of")
    group = page.locator(".check-group", has_text="Qingdao Ocean Harvest")
    expect(group.locator("li.held")).to_contain_text("Purchase orders")
    page.locator("#rebuttal").scroll_into_view_if_needed()
    screenshot(page, "shipment-documents", full_page=True)
